; SMP bring-up and IPIs through the in-kernel local APICs, as an OS does it:
;  1. the BSP loads its own GDT and IDT, enables its local APIC and sends
;     INIT, then two STARTUP IPIs, to all but itself (MP spec B.4); each AP
;     starts in real mode at the 4 KiB trampoline page 0x8000, switches to
;     protected mode, takes a number and a stack, enables its APIC and
;     spins with interrupts on, counting in busy[n];
;     "CPUS n" on COM1 after 100 ms (PIT-timed);
;  2. "BUSY ok" once every AP's counter has moved;
;  3. IPI round trips: the BSP sends vector 0x40 to APIC ID 1, whose handler
;     sends 0x41 back; ROUNDS (200) of them timed by the TSC, which is first
;     calibrated against 100 ms of the PIT:
;     "TSC100 <hex ticks per 100 ms>", "IPI <hex ticks for ROUNDS round trips>";
;  4. with -DSPIN the BSP then spins too ("SPIN"), for a test to quit the VM
;     while every vCPU is busy; otherwise it powers off.
%include "pvh.inc"
%include "pit.inc"

%ifndef ROUNDS
%define ROUNDS 200
%endif
LAPIC   equ 0xFEE00000
ICR_LO  equ LAPIC + 0x300
ICR_HI  equ LAPIC + 0x310
EOI     equ LAPIC + 0xB0
SVR     equ LAPIC + 0xF0
TRAMP   equ 0x8000

_start:
	GUEST_START msg_hello
	lgdt [gdt_desc]
	jmp 0x08:.flat
.flat:	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov ecx, 0x40                  ; the two IPI vectors
	mov eax, ap_ping
	call set_gate
	mov ecx, 0x41
	mov eax, bsp_pong
	call set_gate
	lidt [idt_desc]
	mov dword [SVR], 0x1FF         ; APIC on, spurious vector 0xFF
	mov al, 0xFF                   ; the 8259s masked: the PIT below only gets polled
	out 0x21, al
	out 0xA1, al

	mov esi, tramp_start           ; the trampoline below 1 MiB
	mov edi, TRAMP
	mov ecx, tramp_end - tramp_start
	rep movsb

	mov dword [ICR_HI], 0
	mov dword [ICR_LO], 0x000C4500 ; INIT, level assert, all excluding self
	call wait_icr
	mov ecx, 1
	call wait_ticks                ; 10 ms
	mov dword [ICR_LO], 0x000C4600 | (TRAMP >> 12) ; STARTUP
	call wait_icr
	mov ecx, 1
	call wait_ticks
	mov dword [ICR_LO], 0x000C4600 | (TRAMP >> 12) ; the second, as the spec says
	call wait_icr
	mov ecx, 10
	call wait_ticks                ; 100 ms for the APs to check in
	mov esi, msg_cpus
	call puts
	mov eax, [ap_count]
	inc eax
	call putdec
	call newline

	; every AP's counter moves
	mov ecx, [ap_count]
	test ecx, ecx
	jz .nobusy
.busy:	mov eax, [busy + ecx * 4]
	mov ebx, 10000000
.w:	cmp eax, [busy + ecx * 4]
	jne .moved
	dec ebx
	jnz .w
	mov esi, msg_stuck
	call puts
	call poweroff
.moved:	loop .busy
	mov esi, msg_busy
	call puts
.nobusy:

	; TSC against 100 ms of the PIT
	rdtsc
	mov [t0], eax
	mov [t0 + 4], edx
	mov ecx, 10
	call wait_ticks
	rdtsc
	sub eax, [t0]
	sbb edx, [t0 + 4]
	mov esi, msg_tsc
	call puts
	call puthex64
	call newline

	cmp dword [ap_count], 0
	je .done
	sti
	rdtsc
	mov [t0], eax
	mov [t0 + 4], edx
	mov ecx, ROUNDS
.rt:	mov eax, [pongs]
	mov dword [ICR_HI], 1 << 24    ; APIC ID 1
	mov dword [ICR_LO], 0x40       ; fixed, physical, vector 0x40
.wp:	cmp eax, [pongs]
	je .wp
	loop .rt
	rdtsc
	sub eax, [t0]
	sbb edx, [t0 + 4]
	mov esi, msg_ipi
	call puts
	call puthex64
	call newline
.done:
%ifdef SPIN
	mov esi, msg_spin
	call puts
.spin:	inc dword [busy]
	jmp .spin
%else
	cli
	call poweroff
%endif

; AP 1's handler: answer the BSP with vector 0x41
ap_ping:
	mov dword [ICR_HI], 0
	mov dword [ICR_LO], 0x41
	mov dword [EOI], 0
	iret

; the BSP's handler: one more answer
bsp_pong:
	inc dword [pongs]
	mov dword [EOI], 0
	iret

; set_gate: vector ECX -> handler EAX, interrupt gate in selector 0x08
set_gate:
	lea edi, [idt + ecx * 8]
	mov [edi], ax
	mov word [edi + 2], 0x08
	mov word [edi + 4], 0x8E00
	shr eax, 16
	mov [edi + 6], ax
	ret

; wait_icr: until the ICR's delivery status is idle
wait_icr:
	test dword [ICR_LO], 1 << 12
	jnz wait_icr
	ret

; wait_ticks: ECX periods of 10 ms of the PIT (channel 0 polled, mode 2)
; (clobbers ECX, EAX)
wait_ticks:
	push ebx
	push esi
	mov esi, ecx
	PIT_100HZ
	mov bx, 0xFFFF
.l:	PIT_RELOADED
	jbe .l
	dec esi
	jnz .l
	pop esi
	pop ebx
	ret

newline:
	mov al, 10
	jmp putc

; puthex64: EDX:EAX as 16 hex digits
puthex64:
	push eax
	mov eax, edx
	call puthex
	pop eax
	jmp puthex

; putdec: EAX (< 100) in decimal
putdec:
	xor edx, edx
	mov ecx, 10
	div ecx
	test eax, eax
	jz .one
	add al, '0'
	call putc
.one:	mov al, dl
	add al, '0'
	jmp putc

; ---- the APs: real mode at TRAMP, copied there by the BSP ------------------
tramp_start:
BITS 16
	cli
	o32 lgdt [cs:tramp_gdt - tramp_start]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp dword 0x08:ap_main
tramp_gdt:
	dw gdt_end - gdt - 1
	dd gdt                         ; a 32-bit base: lgdt with o32
tramp_end:
BITS 32

ap_main:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, 1
	lock xadd [ap_count], eax
	inc eax                        ; this AP's number, 1..
	mov ebx, eax
	shl eax, 12
	mov esp, 0x80000
	sub esp, eax                   ; 4 KiB of stack each, below the BSP's
	lidt [idt_desc]
	mov dword [SVR], 0x1FF
	sti
.spin:	inc dword [busy + ebx * 4]
	jmp .spin

	align 8
gdt:	dq 0
	dq 0x00CF9A000000FFFF          ; 0x08: flat 32-bit code
	dq 0x00CF92000000FFFF          ; 0x10: flat data
gdt_end:
gdt_desc:
	dw gdt_end - gdt - 1
	dd gdt
idt_desc:
	dw 256 * 8 - 1
	dd idt

msg_hello:	db "SMP start", 10, 0
msg_cpus:	db "CPUS ", 0
msg_busy:	db "BUSY ok", 10, 0
msg_stuck:	db "BUSY stuck", 10, 0
msg_tsc:	db "TSC100 ", 0
msg_ipi:	db "IPI ", 0
msg_spin:	db "SPIN", 10, 0

	align 4
ap_count:	dd 0
pongs:		dd 0
t0:		dq 0
busy:		times 65 dd 0
	align 8
idt:		times 256 dq 0
PVH_END
