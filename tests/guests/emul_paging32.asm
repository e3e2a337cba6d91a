; Probe: can this host's KVM run a 32-bit guest with paging on? Turns on
; legacy 32-bit paging (CR4.PSE, 4 MiB identity pages; what a non-PAE i386
; kernel such as Debian's -686 does in head_32.S), then PAE paging (-686-pae),
; each from flat protected mode, and reports on COM1:
;   PAGING32-BEFORE, PAGING32-NONPAE-OK, PAGING32-PAE-OK.
; A host that cannot (kvm-pvm: the CR0 write raises #GP, the guest has no IDT
; yet, so it triple-faults) stops after PAGING32-BEFORE.
%include "pvh.inc"

_start:
	mov esp, stack_top
	call serial_init
	mov esi, m_before
	call puts
	; --- non-PAE: 1024 PDEs of 4 MiB pages, identity ---
	mov edi, pd32
	mov eax, 0x83               ; present, writable, 4 MiB
	mov ecx, 1024
.pde:	mov [edi], eax
	add eax, 0x400000
	add edi, 4
	loop .pde
	mov eax, cr4
	or eax, 0x10                ; PSE
	mov cr4, eax
	mov eax, pd32
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax
	jmp .on1
.on1:	mov esi, m_nonpae
	call puts
	mov eax, cr0
	and eax, 0x7fffffff
	mov cr0, eax
	; --- PAE: 4 PDPTEs, 2 MiB pages, identity for the first GiB ---
	mov edi, pdpae
	mov eax, 0x83
	mov ecx, 512
.pae:	mov [edi], eax
	mov dword [edi + 4], 0
	add eax, 0x200000
	add edi, 8
	loop .pae
	mov dword [pdpt], pdpae + 1
	mov eax, cr4
	or eax, 0x20                ; PAE
	mov cr4, eax
	mov eax, pdpt
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax
	jmp .on2
.on2:	mov esi, m_pae
	call puts
	call poweroff

m_before:	db "PAGING32-BEFORE", 10, 0
m_nonpae:	db "PAGING32-NONPAE-OK", 10, 0
m_pae:		db "PAGING32-PAE-OK", 10, 0
align 4096
pd32:	times 4096 db 0
pdpae:	times 4096 db 0
pdpt:	times 32 db 0
	times 1024 db 0
stack_top:
PVH_END
