; panel_crash: prints "crash: start", then about a second of guest time later
; "crash: triple fault now", loads an empty IDT and runs ud2: with no IDT
; the #UD becomes a double fault, then a triple fault (shutdown),
; which the panel must show as crashed while the other VMs keep running.
%include "pvh.inc"

_start:
	cli
	mov esp, 0x90000
	call serial_init
	mov esi, hello
	call puts
	mov al, 0x34              ; PIT channel 0, mode 2, 100 Hz
	out 0x43, al
	mov al, 0x9C
	out 0x40, al
	mov al, 0x2E
	out 0x40, al
	xor ebx, ebx
	xor edi, edi
.poll:	xor al, al
	out 0x43, al
	in al, 0x40
	mov cl, al
	in al, 0x40
	mov ch, al
	cmp cx, bx
	mov bx, cx
	jbe .poll
	inc edi
	cmp edi, 100
	jb .poll
	mov esi, bye
	call puts
	lidt [empty_idt]
	ud2                       ; (int3 here ends in a KVM emulation error instead)
	hlt

hello:	db "crash: start", 10, 0
bye:	db "crash: triple fault now", 10, 0
	align 4
empty_idt: dw 0
	dd 0

PVH_END
