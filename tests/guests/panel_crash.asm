; panel_crash: prints "crash: start", then about a second of guest time later
; "crash: triple fault now", loads an empty IDT and runs ud2: with no IDT
; the #UD becomes a double fault, then a triple fault (shutdown),
; which the panel must show as crashed while the other VMs keep running.
%include "pvh.inc"
%include "pit.inc"

_start:
	GUEST_START hello
	PIT_100HZ
	xor ebx, ebx
	xor edi, edi
.poll:	PIT_RELOADED
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
