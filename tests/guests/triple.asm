; Prints a marker, loads an empty IDT and raises an exception: with no
; handler to reach, the CPU triple-faults (a shutdown), which vmstation
; treats per on_crash=.
%include "pvh.inc"

_start:
	mov esp, 0x90000
	call serial_init
	mov esi, msg
	call puts
	lidt [empty_idt]
	int3
	jmp $

msg:	db "VMSTATION-TRIPLE", 10, 0
empty_idt:
	dw 0
	dd 0

PVH_END
