; fb_bench: display benchmark guest. Sets Bochs VBE 1024x768x32 with the
; linear framebuffer (BAR0 of 00:02.0). Then, by command line:
;   fill   redraw the whole framebuffer continuously, frame n in one colour
;          (n * 0x010305 & 0xFFFFFF, never the previous frame's). This runs
;          in ring 3 with paging (identity map, 2 MiB user pages, long mode),
;          because on machines whose KVM emulates kernel mode only user mode
;          runs at full speed (TESTING.md).
;   lat    wait for a byte on COM1; write it as colour 0x00BB00BB | byte << 8
;          into the top-left pixel; repeat (the host times byte -> pixel).
; Prints "READY" on COM1 once the mode is set.
%include "pvh.inc"
%include "cmdline.inc"

PD equ 0x400000                ; page tables (4 KiB aligned, above the image)

_start:
	cli
	mov esp, stack_top
	mov [start_info], ebx
	call serial_init

	call vbe_1024x768x32
	call lfb_address
	mov [lfb], eax

	; identity map 4 GiB with 2 MiB user pages and switch to long mode
	; (compatibility mode: this 32-bit code goes on running). On this
	; machine's KVM, setting CR0.PG for 32-bit or PAE paging ends in a triple
	; fault; entering long mode works (it is what Linux's PVH entry does).
	mov edi, PD                ; PML4, PDPT, four page directories
	xor eax, eax
	mov ecx, 6 * 1024
	rep stosd
	mov dword [PD], PD + 0x1007
	mov edi, PD + 0x1000
	mov eax, PD + 0x2007       ; present, writable, user
	mov ecx, 4
.pdpt:	mov [edi], eax
	add eax, 0x1000
	add edi, 8
	loop .pdpt
	mov edi, PD + 0x2000
	mov eax, 0x87              ; present, writable, user, 2 MiB
	mov ecx, 2048
.pde:	mov [edi], eax
	add eax, 0x200000
	add edi, 8
	loop .pde
	mov eax, cr4
	or eax, 0x20               ; PAE
	mov cr4, eax
	mov eax, PD
	mov cr3, eax
	mov ecx, 0xC0000080        ; EFER.LME
	rdmsr
	or eax, 0x100
	wrmsr
	; our GDT keeps the PVH entry's selectors (code 0x10, data 0x18) and
	; adds the user and 64-bit segments; reload everything from it
	lgdt [gdt_desc]
	jmp 0x10:.reload
.reload:
	mov ax, 0x18
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr0
	or eax, 0x80000000         ; PG
	mov cr0, eax

	mov esi, s_ready
	call puts
	mov edi, w_lat
	call cmdline_has
	jc kernel_lat
	jmp 0x38:long64            ; 64-bit mode: iretq works there

; lat: stays in ring 0 (this machine's KVM runs ring 3 without IOPL, so user
; mode cannot read COM1); the pixel write is one instruction.
kernel_lat:
.wait:	mov dx, COM1 + 5
	in al, dx
	test al, 1
	jz .wait
	mov dx, COM1
	in al, dx
	movzx eax, al
	shl eax, 8
	or eax, 0x00BB00BB
	mov edi, [lfb]
	mov [edi], eax
	jmp .wait

BITS 64
long64:
	; to ring 3 (64-bit user code), interrupts off
	push 0x33                  ; SS: user data
	push user_stack_top
	push 0x0002                ; RFLAGS
	push 0x2B                  ; CS: user code
	push user_fill
	iretq

; ---- ring 3 -----------------------------------------------------------------
user_fill:
	xor ebx, ebx               ; frame number
.frame:	inc ebx
	mov eax, ebx
	imul eax, eax, 0x010305
	and eax, 0xFFFFFF
	mov edi, [lfb]
	mov ecx, 1024 * 768
	cld
	rep stosd
	jmp .frame

BITS 32

; ---- ring 0 helpers -----------------------------------------------------------
%include "vbe.inc"

; CF set if the command line holds the 3-letter word at EDI
CMDLINE_HAS 3

align 8
gdt:	dq 0
	dq 0
	dq 0x00CF9A000000FFFF      ; 0x10 kernel code, 32-bit (the PVH entry's)
	dq 0x00CF92000000FFFF      ; 0x18 kernel data
	dq 0                       ; 0x20 (the PVH entry's TSS: not used)
	dq 0x00AFFA000000FFFF      ; 0x28 user code, 64-bit
	dq 0x00CFF2000000FFFF      ; 0x30 user data
	dq 0x00AF9A000000FFFF      ; 0x38 kernel code, 64-bit
gdt_desc:
	dw gdt_desc - gdt - 1
	dd gdt
w_lat:	db "lat"
s_ready: db "READY", 10, 0
start_info: dd 0
lfb:	dd 0
align 16
	times 4096 db 0
stack_top:
	times 4096 db 0
user_stack_top:
PVH_END
