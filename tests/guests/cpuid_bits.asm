; Prints the CPUID feature words a guest OS decides by, on COM1:
;   "L1 <ecx> <edx>"          leaf 1 (PAE is EDX bit 6, APIC EDX bit 9, x2APIC ECX bit 21)
;   "X1 <ecx> <edx>"          leaf 0x80000001 (NX is EDX bit 20, LM EDX bit 29)
; then powers off.
%include "pvh.inc"

_start:
	GUEST_START msg_hello
	mov eax, 1
	cpuid
	mov esi, msg_l1
	call words
	mov eax, 0x80000001
	cpuid
	mov esi, msg_x1
	call words
	call poweroff

; words: "<ESI> <ECX> <EDX>\n"
words:
	push edx
	call puts
	mov eax, ecx
	call puthex
	mov al, ' '
	call putc
	pop eax
	call puthex
	mov al, 10
	jmp putc

msg_hello:	db "CPUID", 10, 0
msg_l1:		db "L1 ", 0
msg_x1:		db "X1 ", 0
PVH_END
