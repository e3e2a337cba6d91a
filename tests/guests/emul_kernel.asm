; Kernel-mode (CPL 0, 32-bit protected mode, paging off) uses of the
; instructions core/vcpu_emul.c carries out when KVM refuses them: INT3,
; INT n, INTO, IRET (same level, to ring 3, flags), FWAIT (nothing pending,
; #MF, #NM), FNCLEX, FNSTSW AX, EMMS, STAC/CLAC, RDRAND, POPCNT; then in
; 64-bit mode CMPXCHG16B, IRETQ, WRGSBASE/RDGSBASE. Each check prints "EMUL-OK name" or
; "EMUL-FAIL name got=XXXXXXXX" on COM1; "EMUL-DONE" at the end, then power off.
%include "pvh.inc"

%macro GATE 3            ; vector, handler, DPL
	mov eax, %1
	mov ebx, %2
	mov ecx, %3
	call set_gate
%endmacro

%macro EXPECT 3          ; value (register/memory), expected, name string
	mov eax, %1
	cmp eax, %2
	mov esi, %3
	call result
%endmacro

_start:
	mov esp, stack_top
	call serial_init
	lgdt [gdtr]
	jmp 0x08:.cs
.cs:	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	; 32-bit TSS (for the ring 3 -> ring 0 stack switch)
	mov eax, tss
	mov [gdt + 0x28 + 2], ax
	shr eax, 16
	mov [gdt + 0x28 + 4], al
	mov [gdt + 0x28 + 7], ah
	mov dword [tss + 4], stack_top
	mov dword [tss + 8], 0x10
	mov word [tss + 0x66], 0x68
	mov ax, 0x28
	ltr ax
	; IDT: every vector to "unexpected", then the ones we expect
	xor edi, edi
.fill:	mov eax, edi
	mov ebx, h_unexpected
	xor ecx, ecx
	call set_gate
	inc edi
	cmp edi, 256
	jb .fill
	GATE 3, h_record, 3
	GATE 4, h_record, 0
	GATE 6, h_ud, 0
	GATE 7, h_nm, 0
	GATE 13, h_gp, 0
	GATE 16, h_mf, 0
	GATE 0x40, h_record, 0
	lidt [idtr]
	; x87 errors through #MF (CR0.NE), WAIT checks TS (CR0.MP), no EM
	mov eax, cr0
	or eax, 0x22
	and eax, ~0x0C
	mov cr0, eax
	mov esi, m_start
	call puts

; ---- INT3: #BP trap, return address after the instruction -----------------
	mov dword [got_vec], -1
	int3
after_int3:
	EXPECT [got_vec], 3, n_int3_vec
	EXPECT [got_eip], after_int3, n_int3_eip
	EXPECT [got_cs], 0x08, n_int3_cs

; ---- INT 0x40: no error code, EFLAGS pushed as they were -------------------
	pushfd
	pop dword [saved_fl]
	mov dword [got_vec], -1
	int 0x40
after_int40:
	EXPECT [got_vec], 0x40, n_intn_vec
	EXPECT [got_eip], after_int40, n_intn_eip
	EXPECT [got_fl], [saved_fl], n_intn_fl
	EXPECT [got_esp], stack_top - 12, n_intn_frame

; ---- INTO: #OF only when OF=1 ---------------------------------------------
	mov dword [got_vec], -1
	xor eax, eax                ; OF=0
	into
	EXPECT [got_vec], -1, n_into0
	mov al, 0x7f
	add al, 1                   ; OF=1
	into
after_into:
	EXPECT [got_vec], 4, n_into1_vec
	EXPECT [got_eip], after_into, n_into1_eip

; ---- IRETD at the same level loads EFLAGS (CF, DF) and CS:EIP --------------
	pushfd
	pop eax
	or eax, 0x401               ; CF, DF
	push eax
	push dword 0x08
	push dword .target
	iretd
	jmp .bad
.target:
	pushfd
	pop eax
	cld
	clc
	and eax, 0x401
	jmp .iret_done
.bad:	xor eax, eax
.iret_done:
	EXPECT eax, 0x401, n_iret_flags

; ---- FWAIT with nothing pending does nothing -------------------------------
	mov dword [got_vec], -1
	fninit
	fwait
	EXPECT [got_vec], -1, n_fwait_clean

; ---- FWAIT with an unmasked x87 exception pending: #MF (fault) -----------
	fxsave [fxarea]
	mov word [fxarea + 0], 0x037b   ; FCW: ZE unmasked
	mov word [fxarea + 2], 0x0084   ; FSW: ZE, ES
	fxrstor [fxarea]
	mov dword [got_vec], -1
fw_mf:	fwait                       ; handler: fnclex, return to the fwait
	EXPECT [got_vec], 16, n_fwait_mf_vec
	EXPECT [got_eip], fw_mf, n_fwait_mf_eip
	fnstsw ax
	movzx eax, ax
	and eax, 0x80ff
	EXPECT eax, 0, n_fnclex

; ---- FWAIT with CR0.TS and MP: #NM (fault) --------------------------------
	mov eax, cr0
	or eax, 8
	mov cr0, eax
	mov dword [got_vec], -1
fw_nm:	fwait                       ; handler: clts, return to the fwait
	EXPECT [got_vec], 7, n_fwait_nm_vec
	EXPECT [got_eip], fw_nm, n_fwait_nm_eip

; ---- EMMS empties every x87 tag -------------------------------------------
	fxsave [fxarea]
	mov byte [fxarea + 4], 0xff     ; abridged FTW: all valid
	mov word [fxarea + 2], 0
	mov word [fxarea + 0], 0x037f
	fxrstor [fxarea]
	emms
	fxsave [fxarea]
	movzx eax, byte [fxarea + 4]
	EXPECT eax, 0, n_emms

; ---- STAC/CLAC (or #UD without SMAP) ----------------------------------------
	mov eax, 7
	xor ecx, ecx
	cpuid
	mov [cpuid7_ebx], ebx
	test ebx, 1 << 20
	jz .nosmap
	stac
	pushfd
	pop eax
	and eax, 1 << 18
	EXPECT eax, 1 << 18, n_stac
	clac
	pushfd
	pop eax
	and eax, 1 << 18
	EXPECT eax, 0, n_clac
	jmp .smap_done
.nosmap:
	mov dword [got_vec], -1
	mov dword [ud_skip], 3
	stac
	EXPECT [got_vec], 6, n_stac_ud
.smap_done:

; ---- RDRAND: CF=1 and data (or #UD without it) ------------------------------
	mov eax, 1
	xor ecx, ecx
	cpuid
	mov [cpuid1_ecx], ecx
	test ecx, 1 << 30
	jz .nordrand
	mov ecx, 10
.rd1:	rdrand eax
	jc .rd1ok
	loop .rd1
.rd1ok:	setc bl
	mov ecx, 10
.rd2:	rdrand edx
	jc .rd2ok
	loop .rd2
.rd2ok:	setc bh
	cmp eax, edx
	setne cl
	movzx eax, bx
	cmp cl, 1
	je .rdcmp
	xor eax, eax                ; the same value twice: report 0
.rdcmp:	EXPECT eax, 0x0101, n_rdrand
	jmp .rdrand_done
.nordrand:
	xor eax, eax
	EXPECT eax, 0, n_rdrand_absent
.rdrand_done:

; ---- POPCNT: register, memory, 16-bit, ZF on zero ----------------------------
	test dword [cpuid1_ecx], 1 << 23
	jnz .popcnt
	xor eax, eax
	EXPECT eax, 0, n_popcnt_absent
	jmp .nopopcnt
.popcnt:
	mov edx, 0xf0f0f0f1
	popcnt ecx, edx
	EXPECT ecx, 17, n_popcnt_reg
	popcnt ecx, [popcnt_word]
	EXPECT ecx, 2, n_popcnt_mem
	mov edx, 0xffff00ff
	mov ecx, 0x12345678
	popcnt cx, dx
	EXPECT ecx, 0x12340008, n_popcnt_16
	xor edx, edx
	popcnt ecx, edx
	setz al
	movzx eax, al
	EXPECT eax, 1, n_popcnt_zf
.nopopcnt:

; ---- IRETD to ring 3 (outer level: SS:ESP popped, DS/ES with DPL 0 become
;      null); ring 3 then faults on CLI (#GP(0), IOPL 0) back into ring 0 -----
	mov [saved_esp], esp
	mov dword [got_vec], -1
	push dword 0x23             ; SS (ring 3 data)
	push dword ring3_stack_top
	pushfd
	push dword 0x1b             ; CS (ring 3 code)
	push dword ring3_entry
	iretd
back_from_ring3:
	EXPECT [got_vec], 13, n_ring3_gp_vec
	EXPECT [got_err], 0, n_ring3_gp_err
	EXPECT [got_eip], ring3_cli, n_ring3_eip
	EXPECT [got_cs], 0x1b, n_ring3_cs
	EXPECT [got_r3ss], 0x23, n_ring3_ss
	EXPECT [got_r3esp], ring3_stack_top, n_ring3_esp
	EXPECT [got_r3ds], 0, n_ring3_ds
	EXPECT [got_r3es], 0, n_ring3_es

	jmp long_mode_tests


; ring 3: DS and ES were nulled by the IRET; no memory use here
ring3_entry:
	mov eax, ds
	mov ebx, es
ring3_cli:
	cli                         ; IOPL 0: #GP(0)
	jmp $

; ---- handlers ---------------------------------------------------------------
; h_record: vector from the IDT slot is not known to a shared handler, so the
; vector is recovered from the return address: each INT site is distinct.
h_record:
	push eax
	mov eax, [esp + 4]
	mov [got_eip], eax
	mov eax, [esp + 8]
	mov [got_cs], eax
	mov eax, [esp + 12]
	mov [got_fl], eax
	mov [got_esp], esp
	add dword [got_esp], 4
	mov eax, [got_eip]
	cmp eax, after_int3
	je .v3
	cmp eax, after_int40
	je .v40
	cmp eax, after_into
	je .v4
	mov dword [got_vec], 0xbad
	jmp .out
.v3:	mov dword [got_vec], 3
	jmp .out
.v4:	mov dword [got_vec], 4
	jmp .out
.v40:	mov dword [got_vec], 0x40
.out:	pop eax
	iretd

h_mf:
	mov dword [got_vec], 16
	push eax
	mov eax, [esp + 4]
	mov [got_eip], eax
	pop eax
	fnclex
	iretd

h_nm:
	mov dword [got_vec], 7
	push eax
	mov eax, [esp + 4]
	mov [got_eip], eax
	pop eax
	clts
	iretd

h_ud:	cmp dword [ud_skip], 0
	je h_unexpected
	mov dword [got_vec], 6
	push eax
	mov eax, [ud_skip]
	add [esp + 4], eax          ; step over the instruction
	mov dword [ud_skip], 0
	pop eax
	iretd

; #GP from ring 3 (CLI): error code, frame, then back to ring 0 code directly
h_gp:	mov dx, 0x10
	mov ds, dx
	mov es, dx
	cmp dword [saved_esp], 0
	je h_unexpected
	mov dword [got_vec], 13
	mov [got_r3ds], eax
	mov [got_r3es], ebx
	pop eax
	mov [got_err], eax
	mov eax, [esp]
	mov [got_eip], eax
	mov eax, [esp + 4]
	mov [got_cs], eax
	mov eax, [esp + 12]
	mov [got_r3esp], eax
	mov eax, [esp + 16]
	mov [got_r3ss], eax
	mov esp, [saved_esp]
	jmp back_from_ring3

h_unexpected:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov esi, m_unexpected
	call puts
	mov eax, [esp]
	call puthex
	mov al, ' '
	call putc
	mov eax, [esp + 4]
	call puthex
	mov al, 10
	call putc
	call poweroff

; set_gate: EAX = vector, EBX = handler, ECX = DPL (32-bit interrupt gate)
set_gate:
	push edi
	lea edi, [idt + eax * 8]
	mov [edi], bx
	mov word [edi + 2], 0x08
	mov byte [edi + 4], 0
	shl ecx, 5
	or ecx, 0x8e
	mov [edi + 5], cl
	shr ebx, 16
	mov [edi + 6], bx
	pop edi
	ret

; result: ZF from the caller's cmp; ESI = name; EAX = value got
result:
	push eax
	jne .fail
	push esi
	mov esi, m_ok
	call puts
	pop esi
	call puts
	mov al, 10
	call putc
	pop eax
	ret
.fail:	push esi
	mov esi, m_fail
	call puts
	pop esi
	call puts
	mov esi, m_got
	call puts
	pop eax
	call puthex
	push eax
	mov al, 10
	call putc
	pop eax
	ret

; ---- 64-bit mode: CMPXCHG16B, IRETQ, WRGSBASE/RDGSBASE ---------------------
; identity-map the first GiB with 2 MiB pages, turn on IA-32e mode
long_mode_tests:
	mov edi, lm_pd
	mov eax, 0x83
	mov ecx, 512
.pde:	mov [edi], eax
	mov dword [edi + 4], 0
	add eax, 0x200000
	add edi, 8
	loop .pde
	mov dword [lm_pdpt], lm_pd + 3
	mov dword [lm_pml4], lm_pdpt + 3
	mov eax, cr4
	or eax, 0x20                ; PAE
	mov cr4, eax
	mov eax, lm_pml4
	mov cr3, eax
	mov ecx, 0xc0000080
	rdmsr
	or eax, 0x100               ; EFER.LME
	wrmsr
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax
	jmp 0x30:lm64
BITS 64
lm64:
	mov ax, 0x10
	mov ss, ax
	; CMPXCHG16B (when CPUID says CX16)
	test dword [cpuid1_ecx], 1 << 13
	jnz .cx16
	xor eax, eax
	EXPECT eax, 0, n_cx16_absent
	jmp .cx16_done
.cx16:	mov qword [m128], 1
	mov qword [m128 + 8], 2
	mov eax, 1
	mov edx, 2
	mov ebx, 3
	mov ecx, 4
	lock cmpxchg16b [m128]
	setz al
	movzx eax, al
	EXPECT eax, 1, n_cx16_eq_zf
	mov rax, [m128]
	shl rax, 8
	or rax, [m128 + 8]
	EXPECT eax, 0x304, n_cx16_eq_mem
	mov eax, 9
	mov edx, 9
	lock cmpxchg16b [m128]
	setnz bl
	shl eax, 8
	or eax, edx
	EXPECT eax, 0x304, n_cx16_ne_load
	movzx eax, bl
	EXPECT eax, 1, n_cx16_ne_zf
.cx16_done:
	; IRETQ at the same level: SS:RSP, RFLAGS (CF), CS:RIP
	mov rbx, rsp
	mov rax, rsp
	push qword 0x10
	push rax
	pushfq
	or qword [rsp], 1
	push qword 0x30
	lea rax, [rel .after_iretq]
	push rax
	iretq
	jmp .iretq_bad
.after_iretq:
	setc al
	movzx eax, al
	cmp rsp, rbx
	je .iretq_ok
.iretq_bad:
	xor eax, eax
.iretq_ok:
	clc
	EXPECT eax, 1, n_iretq
	; WRGSBASE/RDGSBASE (when CPUID says FSGSBASE): the MSR sees it too
	test dword [cpuid7_ebx], 1
	jnz .fsgs
	xor eax, eax
	EXPECT eax, 0, n_fsgs_absent
	jmp .fsgs_done
.fsgs:	mov rax, cr4
	bts rax, 16
	mov cr4, rax
	mov rax, 0x123456789a
	wrgsbase rax
	rdgsbase rbx
	cmp rax, rbx
	sete bl
	mov ecx, 0xc0000101
	rdmsr
	shl rdx, 32
	or rax, rdx
	mov rdx, 0x123456789a
	cmp rax, rdx
	sete al
	and al, bl
	movzx eax, al
	EXPECT eax, 1, n_fsgs
.fsgs_done:
	mov esi, m_done
	call puts
	call poweroff
BITS 32

m_start:	db "EMUL-START", 10, 0
m_done:		db "EMUL-DONE", 10, 0
m_ok:		db "EMUL-OK ", 0
m_fail:		db "EMUL-FAIL ", 0
m_got:		db " got=", 0
m_unexpected:	db "EMUL-FAIL unexpected exception, frame: ", 0
n_int3_vec:	db "int3-vector", 0
n_int3_eip:	db "int3-return-address", 0
n_int3_cs:	db "int3-pushed-cs", 0
n_intn_vec:	db "int-n-vector", 0
n_intn_eip:	db "int-n-return-address", 0
n_intn_fl:	db "int-n-pushed-eflags", 0
n_intn_frame:	db "int-n-no-error-code", 0
n_into0:	db "into-of-clear", 0
n_into1_vec:	db "into-of-set-vector", 0
n_into1_eip:	db "into-of-set-return-address", 0
n_iret_flags:	db "iret-same-level-flags", 0
n_fwait_clean:	db "fwait-nothing-pending", 0
n_fwait_mf_vec:	db "fwait-pending-mf-vector", 0
n_fwait_mf_eip:	db "fwait-pending-mf-fault-address", 0
n_fnclex:	db "fnclex-clears-fsw", 0
n_fwait_nm_vec:	db "fwait-ts-nm-vector", 0
n_fwait_nm_eip:	db "fwait-ts-nm-fault-address", 0
n_emms:		db "emms-empties-tags", 0
n_stac:		db "stac-sets-ac", 0
n_clac:		db "clac-clears-ac", 0
n_stac_ud:	db "stac-without-smap-ud", 0
n_rdrand:	db "rdrand-cf-and-data", 0
n_cx16_absent:	db "cmpxchg16b-not-advertised", 0
n_cx16_eq_zf:	db "cmpxchg16b-equal-zf", 0
n_cx16_eq_mem:	db "cmpxchg16b-equal-stores", 0
n_cx16_ne_load:	db "cmpxchg16b-different-loads", 0
n_cx16_ne_zf:	db "cmpxchg16b-different-zf", 0
n_iretq:	db "iretq-same-level", 0
n_fsgs_absent:	db "fsgsbase-not-advertised", 0
n_fsgs:		db "wrgsbase-rdgsbase-msr", 0
n_rdrand_absent: db "rdrand-not-advertised", 0
n_popcnt_absent: db "popcnt-not-advertised", 0
n_popcnt_reg:	db "popcnt-register", 0
n_popcnt_mem:	db "popcnt-memory", 0
n_popcnt_16:	db "popcnt-16-bit", 0
n_popcnt_zf:	db "popcnt-zero-sets-zf", 0
n_ring3_gp_vec:	db "ring3-cli-gp-vector", 0
n_ring3_gp_err:	db "ring3-cli-gp-error-code", 0
n_ring3_eip:	db "iret-to-ring3-eip", 0
n_ring3_cs:	db "iret-to-ring3-cs", 0
n_ring3_ss:	db "iret-to-ring3-ss", 0
n_ring3_esp:	db "iret-to-ring3-esp", 0
n_ring3_ds:	db "iret-to-ring3-nulls-ds", 0
n_ring3_es:	db "iret-to-ring3-nulls-es", 0

align 4
popcnt_word:	dd 0x80000001
got_vec:	dd 0
got_eip:	dd 0
got_cs:		dd 0
got_fl:		dd 0
got_esp:	dd 0
got_err:	dd 0
got_r3ds:	dd 0
got_r3ss:	dd 0
got_r3esp:	dd 0
got_r3es:	dd 0
saved_fl:	dd 0
saved_esp:	dd 0
ud_skip:	dd 0
cpuid1_ecx:	dd 0
cpuid7_ebx:	dd 0
align 16
m128:		dq 0, 0

align 8
gdt:	dq 0
	dq 0x00CF9A000000FFFF       ; 0x08 ring 0 code
	dq 0x00CF92000000FFFF       ; 0x10 ring 0 data
	dq 0x00CFFA000000FFFF       ; 0x18 ring 3 code
	dq 0x00CFF2000000FFFF       ; 0x20 ring 3 data
	dq 0x0000890000000067       ; 0x28 TSS (base filled in)
	dq 0x00AF9A000000FFFF       ; 0x30 64-bit ring 0 code
gdt_end:
gdtr:	dw gdt_end - gdt - 1
	dd gdt
idtr:	dw 256 * 8 - 1
	dd idt
align 8
tss:	times 0x68 db 0
align 16
fxarea:	times 512 db 0
idt:	times 256 dq 0
align 4096
lm_pml4: times 4096 db 0
lm_pdpt: times 4096 db 0
lm_pd:	times 4096 db 0
	times 4096 db 0
ring3_stack_top:
	times 4096 db 0
stack_top:
PVH_END
