; A reset request followed at once by a triple fault: counts its boots in
; CMOS byte 0x41, prints "VMSTATION-RT n", writes 0xFE to the keyboard
; controller (pulse reset) and then loads an empty IDT and raises #BP. The
; reset line drops on the OUT, so the fault must never count: the run ends
; with on_reboot's action, never on_crash's. Boot 3 powers off.
%include "pvh.inc"

_start:
	mov esp, 0x90000
	call serial_init
	mov al, 0x41
	out 0x70, al
	in al, 0x71
	inc al
	mov bl, al
	mov al, 0x41
	out 0x70, al
	mov al, bl
	out 0x71, al
	mov esi, msg
	call puts
	mov al, bl
	add al, '0'
	call putc
	mov al, 10
	call putc
	cmp bl, 3
	jae poweroff
	mov al, 0xFE
	out 0x64, al
	lidt [empty_idt]
	int3
	jmp $

msg:	db "VMSTATION-RT ", 0
empty_idt:
	dw 0
	dd 0

PVH_END
