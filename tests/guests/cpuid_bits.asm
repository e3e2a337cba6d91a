; Prints the CPUID feature words a guest OS decides by, on COM1:
;   "L1 <ecx> <edx>"          leaf 1 (PAE is EDX bit 6, APIC EDX bit 9, x2APIC ECX bit 21)
;   "X1 <ecx> <edx>"          leaf 0x80000001 (NX is EDX bit 20, LM EDX bit 29)
;   "H0 <eax> <signature>"    leaf 0x40000000: the hypervisor's max leaf and name
;   "H1 <eax>"                leaf 0x40000001 (Hyper-V's interface: "Hv#1")
;   "K0 <eax> <signature>"    leaf 0x40000100 (where a second hypervisor's leaves would be)
; and, when leaf 0x40000000 says "Microsoft Hv", the Hyper-V reference
; time counter (MSR 0x40000020, 100 ns units) read twice about 100 ms apart:
;   "REF <first> <second>"
; then powers off.
%include "pvh.inc"
%include "pit.inc"

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
	mov eax, 0x40000000
	mov esi, msg_h0
	call sig
	mov eax, 0x40000001
	cpuid
	mov esi, msg_h1
	call puts
	call puthex
	mov al, 10
	call putc
	mov eax, 0x40000100
	mov esi, msg_k0
	call sig
	mov eax, 0x40000000
	cpuid
	cmp ebx, "Micr"
	jne .done
	mov ecx, 0x40000000            ; HV_X64_MSR_GUEST_OS_ID: say who we are first
	xor edx, edx
	mov eax, 0x1234
	wrmsr
	mov ecx, 0x40000020            ; HV_X64_MSR_TIME_REF_COUNT
	rdmsr
	mov [ref0], eax
	mov [ref0 + 4], edx
	PIT_100HZ                      ; ~100 ms: ten reloads of the PIT
	mov esi, 10
	mov bx, 0xFFFF
.t:	PIT_RELOADED
	jbe .t
	dec esi
	jnz .t
	mov ecx, 0x40000020
	rdmsr
	mov [ref1], eax
	mov [ref1 + 4], edx
	mov esi, msg_ref
	call puts
	mov eax, [ref0 + 4]
	call puthex
	mov eax, [ref0]
	call puthex
	mov al, ' '
	call putc
	mov eax, [ref1 + 4]
	call puthex
	mov eax, [ref1]
	call puthex
	mov al, 10
	call putc
.done:	call poweroff

; sig: "<ESI><eax of leaf EAX> <12 characters of EBX ECX EDX>\n"
sig:
	cpuid
	mov [sigbuf], ebx
	mov [sigbuf + 4], ecx
	mov [sigbuf + 8], edx
	call puts
	call puthex
	mov al, ' '
	call putc
	mov esi, sigbuf
	mov ecx, 12
.c:	lodsb
	cmp al, 0x20
	jae .p
	mov al, '.'
.p:	call putc
	loop .c
	mov al, 10
	jmp putc

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
msg_h0:		db "H0 ", 0
msg_h1:		db "H1 ", 0
msg_k0:		db "K0 ", 0
msg_ref:	db "REF ", 0
	align 4
ref0:		dq 0
ref1:		dq 0
sigbuf:		times 12 db 0
PVH_END
