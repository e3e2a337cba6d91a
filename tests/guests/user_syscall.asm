; How ring 3 gets back into ring 0 on this host, with no Linux involved.
; The kernel part enters 64-bit long mode (GDT laid out as Linux's and as
; SYSRET wants it, 64-bit IDT, TSS with RSP0), sets EFER.SCE, STAR, LSTAR and
; SFMASK, maps one page user-accessible and IRETQs to ring 3, where the user
; program runs:
;   1. SYSCALL          -> LSTAR handler prints "SYSCALL-OK CPL=0 CS=0010 ..."
;                          and SYSRETQs back
;   2. INT 0x80         -> DPL-3 gate prints "INT80-OK CPL=0 CS=0010 from CS=0033 ..."
;   3. UD2              -> "EXC-OK vec=06 ..."
;   4. read of a kernel page (U/S=0) -> "EXC-OK vec=0e err=00000005 ..."
;   5. INT 0x80 "next"  -> the kernel IRETQs to 32-bit compatibility mode
;   6. (CS=0023) INT 0x80 -> "INT80-OK CPL=0 CS=0010 from CS=0023 ..."
;   7. (CS=0023) INT 0x80 "done" -> "USER-SYSCALL-DONE", power off
; Any other exception prints "FAIL unexpected vec=.. err=.. CS=.. RIP=.. CR2=..".
; When it comes from ring 3 the user program is resumed at its next step (the
; step leaves its resume point in the user page), so one run shows what each
; of the ways into the kernel does; from ring 0, or with no next step, the
; guest prints "USER-SYSCALL-END after unexpected exception" and powers off.
; (Found with Debian's kernel under this host's KVM: /init's first SYSCALL
; arrived at entry_SYSCALL_64 still in user mode, #PF error 0x15.)
%include "pvh.inc"

SEL_KCODE32	equ 0x08
SEL_KCODE	equ 0x10
SEL_KDATA	equ 0x18
SEL_UCODE32	equ 0x23            ; STAR[63:48]: SYSRET takes CS = +16, SS = +8
SEL_UDATA	equ 0x2b
SEL_UCODE	equ 0x33
SEL_TSS		equ 0x38

MSR_EFER	equ 0xc0000080
MSR_STAR	equ 0xc0000081
MSR_LSTAR	equ 0xc0000082
MSR_SFMASK	equ 0xc0000084

_start:
	GUEST_START m_start
	lgdt [gdtr]
	jmp SEL_KCODE32:.cs32
.cs32:	mov ax, SEL_KDATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	mov esp, kstack_top
	; no interrupt from the PICs while ring 3 runs with IF=1
	mov al, 0xff
	out 0x21, al
	out 0xa1, al

	; page tables: the first 2 MiB in 4 KiB pages, supervisor-only except
	; the user page; every upper level allows user access (U/S=1)
	mov edi, pt
	mov eax, 0x003              ; present, writable, supervisor
	mov ecx, 512
.pte:	mov [edi], eax
	mov dword [edi + 4], 0
	add eax, 0x1000
	add edi, 8
	loop .pte
	mov eax, user_page
	shr eax, 12
	or dword [pt + eax * 8], 0x004
	mov dword [pd], pt + 7
	mov dword [pdpt], pd + 7
	mov dword [pml4], pdpt + 7

	mov eax, cr4
	or eax, 0x20                ; PAE
	mov cr4, eax
	mov eax, pml4
	mov cr3, eax
	mov eax, 0x80000001
	cpuid
	xor esi, esi
	bt edx, 20                  ; NX: then EFER.NXE too, as Linux runs
	jnc .nonx                   ; (a #PF on a fetch then says so: bit 4)
	mov esi, 0x800
.nonx:	mov ecx, MSR_EFER
	rdmsr
	or eax, 0x101               ; LME, SCE
	or eax, esi
	wrmsr
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax
	jmp SEL_KCODE:lm64

BITS 64
lm64:
	mov ax, SEL_KDATA
	mov ss, ax
	mov rsp, kstack_top

	; TSS: RSP0 for ring 3 -> ring 0, no I/O bitmap
	mov eax, tss
	mov [gdt_tss + 2], ax
	shr eax, 16
	mov [gdt_tss + 4], al
	mov [gdt_tss + 7], ah
	mov qword [tss + 4], kstack_top
	mov word [tss + 0x66], 0x68
	mov ax, SEL_TSS
	ltr ax

	; IDT: vector v -> stub v (16 bytes each); 0x80 callable from ring 3
	xor ebx, ebx
.gate:	mov rax, rbx
	shl rax, 4
	add rax, isr_stubs
	mov rdi, rbx
	shl rdi, 4
	add rdi, idt
	mov [rdi], ax
	mov word [rdi + 2], SEL_KCODE
	mov word [rdi + 4], 0x8e00  ; present, DPL 0, 64-bit interrupt gate
	cmp ebx, 0x80
	jne .dpl0
	mov word [rdi + 4], 0xee00  ; DPL 3
.dpl0:	shr rax, 16
	mov [rdi + 6], ax
	mov dword [rdi + 8], 0
	mov dword [rdi + 12], 0
	inc ebx
	cmp ebx, 256
	jb .gate
	lidt [idtr]

	; SYSCALL: CS = STAR[47:32], SS = +8; SYSRET: STAR[63:48]
	mov ecx, MSR_STAR
	xor eax, eax
	mov edx, (SEL_UCODE32 << 16) | SEL_KCODE
	wrmsr
	mov ecx, MSR_LSTAR
	mov eax, syscall_entry
	xor edx, edx
	wrmsr
	mov ecx, MSR_SFMASK
	mov eax, 0x47700            ; TF, DF, IF, NT, AC (as Linux)
	xor edx, edx
	wrmsr

	mov esi, m_msr
	call puts
	mov ecx, MSR_EFER
	call put_msr
	mov esi, m_star
	call puts
	mov ecx, MSR_STAR
	call put_msr
	mov esi, m_lstar
	call puts
	mov ecx, MSR_LSTAR
	call put_msr
	mov esi, m_sfmask
	call puts
	mov ecx, MSR_SFMASK
	call put_msr
	mov al, 10
	call putc

	mov esi, m_iretq
	call puts
	mov eax, user64
	call puthex64
	mov al, 10
	call putc
	push SEL_UDATA
	push user_stack_top
	push 0x202                  ; IF=1, IOPL 0
	push SEL_UCODE
	push user64
	iretq

; put_msr: ECX = MSR; prints it as 16 hex digits
put_msr:
	rdmsr
	shl rdx, 32
	mov eax, eax
	or rax, rdx
	jmp puthex64

; puthex64: RAX as 16 hex digits
puthex64:
	push rax
	shr rax, 32
	call puthex
	pop rax
	jmp puthex

; put_label16 / put_label64: ESI = label, RAX = value
put_label16:
	call puts
	jmp puthex4
put_label64:
	call puts
	jmp puthex64

; put_cpl_cs: " CPL=n CS=xxxx" of the code running now
put_cpl_cs:
	mov esi, m_cpl
	call puts
	mov eax, cs
	and al, 3
	add al, '0'
	call putc
	mov esi, m_cs
	mov eax, cs
	jmp put_label16

; ---- SYSCALL entry (LSTAR): RCX = user RIP, R11 = user RFLAGS, RSP still
; the user's; EAX = 0: return with SYSRETQ -------------------------------------
syscall_entry:
	mov [syscall_user_rsp], rsp
	mov rsp, kstack_top
	push rcx
	push r11
	push rax
	mov esi, m_syscall
	call puts
	call put_cpl_cs
	mov esi, m_rcx
	mov rax, rcx
	call put_label64
	mov esi, m_r11
	mov rax, r11
	call put_label64
	mov esi, m_ursp
	mov rax, [syscall_user_rsp]
	call put_label64
	mov al, 10
	call putc
	pop rax
	pop r11
	pop rcx
	mov rsp, [syscall_user_rsp]
	o64 sysret

; ---- interrupts and exceptions ------------------------------------------------
; each stub pushes an error code (0 where the CPU pushes none) and its vector
align 16
isr_stubs:
%assign v 0
%rep 256
%if v = 8 || v = 10 || v = 11 || v = 12 || v = 13 || v = 14 || v = 17 || v = 21 || v = 29 || v = 30
%else
	push byte 0
%endif
	push strict dword v
	jmp isr_common
	times isr_stubs + (v + 1) * 16 - $ db 0xcc   ; (negative: stub too long)
%assign v v + 1
%endrep

; frame offsets from RBP after the 7 pushes below
F_VEC	equ 56
F_ERR	equ 64
F_RIP	equ 72
F_CS	equ 80
F_FLAGS	equ 88
F_RSP	equ 96
F_SS	equ 104
S_RAX	equ 48

isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	mov rbp, rsp
	mov rbx, [rbp + F_VEC]
	cmp ebx, 0x80
	je .int80
	cmp ebx, 6
	jne .not_ud
	mov rax, u_ud2
	cmp [rbp + F_RIP], rax
	jne .unexpected
	mov rax, u_after_ud2
	jmp .expected
.not_ud:
	cmp ebx, 14
	jne .unexpected
	mov rax, u_pf
	cmp [rbp + F_RIP], rax
	jne .unexpected
	mov rax, u_after_pf
.expected:
	mov [rbp + F_RIP], rax      ; resume after the faulting instruction
	mov esi, m_exc_ok
	call puts
	call put_frame
	mov al, 10
	call putc
	jmp .ret

.int80:
	mov esi, m_int80
	call puts
	call put_cpl_cs
	mov esi, m_from
	mov rax, [rbp + F_CS]
	call put_label16
	mov esi, m_rip
	mov rax, [rbp + F_RIP]
	call put_label64
	mov esi, m_code
	mov rax, [rbp + S_RAX]
	call put_label16
	mov al, 10
	call putc
	mov rax, [rbp + S_RAX]
	cmp eax, 1                  ; 1: go on at the resume point
	je .resume
	cmp eax, 2                  ; 2: done
	jne .ret
	mov esi, m_done
	call puts
	call poweroff

.unexpected:
	mov esi, m_unexpected
	call puts
	call put_frame
	mov al, 10
	call putc
	inc dword [unexpected_count]
	cmp dword [unexpected_count], 8
	ja .end
	mov eax, [rbp + F_CS]
	and eax, 3
	cmp eax, 3
	jne .end
.resume:
	mov rax, [u_resume]
	test rax, rax
	jz .end
	mov qword [u_resume], 0
	mov [rbp + F_RIP], rax
	mov rax, [u_resume_cs]
	mov [rbp + F_CS], rax
	mov qword [rbp + F_RSP], user_stack_top
	mov qword [rbp + F_SS], SEL_UDATA
	mov qword [rbp + F_FLAGS], 0x202
.ret:
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16                 ; vector, error code
	iretq
.end:
	mov esi, m_end
	call puts
	call poweroff

; put_frame: "vec=vv err=eeeeeeee CS=cccc RIP=... RSP=... CR2=..." of [RBP]
put_frame:
	mov esi, m_vec
	call puts
	mov eax, [rbp + F_VEC]
	call putbyte
	mov esi, m_err
	call puts
	mov eax, [rbp + F_ERR]
	call puthex
	mov esi, m_cs
	mov rax, [rbp + F_CS]
	call put_label16
	mov esi, m_rip
	mov rax, [rbp + F_RIP]
	call put_label64
	mov esi, m_rsp
	mov rax, [rbp + F_RSP]
	call put_label64
	mov esi, m_cr2
	mov rax, cr2
	jmp put_label64

BITS 32                         ; pvh.inc's and hex.inc's routines run in
%include "hex.inc"              ; 64-bit mode too (push eax = push rax there)

m_start:	db "USER-SYSCALL-START", 10, 0
m_msr:		db "MSR EFER=", 0
m_star:		db " STAR=", 0
m_lstar:	db " LSTAR=", 0
m_sfmask:	db " SFMASK=", 0
m_iretq:	db "IRETQ to ring 3: CS=0033 RIP=", 0
m_syscall:	db "SYSCALL-OK", 0
m_int80:	db "INT80-OK", 0
m_exc_ok:	db "EXC-OK ", 0
m_unexpected:	db "FAIL unexpected ", 0
m_cpl:		db " CPL=", 0
m_cs:		db " CS=", 0
m_from:		db " from CS=", 0
m_rip:		db " RIP=", 0
m_rsp:		db " RSP=", 0
m_rcx:		db " RCX=", 0
m_r11:		db " R11=", 0
m_ursp:		db " user RSP=", 0
m_code:		db " EAX=", 0
m_vec:		db "vec=", 0
m_err:		db " err=", 0
m_cr2:		db " CR2=", 0
m_done:		db "USER-SYSCALL-DONE", 10, 0
m_end:		db "USER-SYSCALL-END after unexpected exception", 10, 0

align 8
syscall_user_rsp: dq 0
unexpected_count: dd 0
kernel_secret:	dd 0x5ec12e7

align 8
gdt:	dq 0
	dq 0x00CF9A000000FFFF       ; 0x08 ring 0 code, 32-bit
	dq 0x00AF9A000000FFFF       ; 0x10 ring 0 code, 64-bit
	dq 0x00CF92000000FFFF       ; 0x18 ring 0 data
	dq 0x00CFFA000000FFFF       ; 0x20 ring 3 code, 32-bit (0x23)
	dq 0x00CFF2000000FFFF       ; 0x28 ring 3 data (0x2b)
	dq 0x00AFFA000000FFFF       ; 0x30 ring 3 code, 64-bit (0x33)
gdt_tss:
	dq 0x0000890000000067       ; 0x38 64-bit TSS (base filled in)
	dq 0
gdt_end:
gdtr:	dw gdt_end - gdt - 1
	dq gdt
idtr:	dw 256 * 16 - 1
	dq idt
align 16
tss:	times 0x68 db 0
align 16
idt:	times 256 * 16 db 0

; ---- the user page (U/S=1): code, the resume point, the stack ---------------
align 4096
user_page:
BITS 64
user64:
	; 1. SYSCALL
	mov qword [rel u_resume], u_step2
	mov qword [rel u_resume_cs], SEL_UCODE
	xor eax, eax
	syscall
u_step2:
	; 2. INT 0x80 from 64-bit mode
	mov qword [rel u_resume], u_step3
	xor eax, eax
	int 0x80
u_step3:
	; 3. #UD
	mov qword [rel u_resume], u_step4
u_ud2:	ud2
u_after_ud2:
u_step4:
	; 4. #PF: a supervisor-only page read from ring 3 (error code 5)
	mov qword [rel u_resume], u_step5
u_pf:	mov eax, [abs kernel_secret]
u_after_pf:
u_step5:
	; 5. on to 32-bit compatibility mode through the kernel
	mov qword [rel u_resume], user32
	mov qword [rel u_resume_cs], SEL_UCODE32
	mov eax, 1
	int 0x80
	jmp u_step5                 ; not reached
BITS 32
user32:
	mov ax, SEL_UDATA           ; DS was nulled by the IRET to ring 3
	mov ds, ax
	mov es, ax
	; 6. INT 0x80 from compatibility mode (as an i386 process does)
	mov dword [u_resume], u_step7
	mov dword [u_resume + 4], 0
	xor eax, eax
	int 0x80
u_step7:
	; 7. done
	mov dword [u_resume], 0
	mov dword [u_resume + 4], 0
	mov eax, 2
	int 0x80
	jmp u_step7                 ; not reached
align 8
u_resume:	dq 0
u_resume_cs:	dq 0
	times user_page + 4096 - $ db 0
user_stack_top:

align 4096
pml4:	times 4096 db 0
pdpt:	times 4096 db 0
pd:	times 4096 db 0
pt:	times 4096 db 0
	times 4096 db 0
kstack_top:
PVH_END
