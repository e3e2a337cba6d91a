; reset_pio: nothing but port reads, for the system_reset test: a string
; read (REP INSW, one exit per page of data) then plain INs, forever.
; KVM finishes an exit's I/O on the next KVM_RUN (the string's data into
; memory, RCX/RDI/RIP updated); a reset that set the registers before that
; would see them overwritten and this guest carry on without its greeting.
%include "pvh.inc"

BUF equ 0x200000

_start:
	GUEST_START hello
	cld
.loop:	mov edi, BUF
	mov ecx, 8192         ; 16 KiB: four exits of a page each
	mov dx, 0x80          ; the POST-code port (read back by vmstation)
	rep insw
	mov ecx, 1000
.in:	in al, dx
	loop .in
	jmp .loop

hello:	db "reset_pio: start", 10, 0

PVH_END
