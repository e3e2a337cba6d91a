; counter: prints "count=NNNNNNNN" (hex) on COM1 every 10 periods of PIT
; channel 0 at 100 Hz, i.e. about every 100 ms of guest time, for the
; monitor's stop/cont test: while the VM is paused the number must not move.
; The PIT is polled (latch and read the count; a count larger than the last
; one means the counter reloaded), so no interrupts are needed: on these test
; machines KVM emulates unpaged protected-mode code and its emulator has no
; protected-mode IRET.
%include "pvh.inc"

_start:
	cli
	mov esp, 0x90000
	call serial_init
	mov esi, hello
	call puts

	; PIT channel 0, mode 2 (rate generator), divisor 11932 = 100 Hz
	mov al, 0x34
	out 0x43, al
	mov al, 0x9C
	out 0x40, al
	mov al, 0x2E
	out 0x40, al

	xor ebx, ebx          ; BX: last count read
	xor edi, edi          ; EDI: reloads seen since the last line
.poll:	xor al, al
	out 0x43, al          ; latch channel 0
	in al, 0x40
	mov cl, al
	in al, 0x40
	mov ch, al            ; CX: current count
	cmp cx, bx
	mov bx, cx
	jbe .poll             ; still counting down
	inc edi               ; the count went up: one period passed
	cmp edi, 10
	jb .poll
	xor edi, edi
	inc dword [count]
	mov esi, label
	call puts
	mov eax, [count]
	call puthex
	mov al, 10
	call putc
	jmp .poll

hello:	db "counter: start", 10, 0
label:	db "count=", 0
count:	dd 0

PVH_END
