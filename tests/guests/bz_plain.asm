; A Linux boot-protocol image whose protected-mode part is plain code (no
; payload, as before protocol 2.08): 4 setup sectors with the header, then
; code a boot loader puts at 1 MiB. The 32-bit entry (code32_start) prints
; "VMSTATION-BZ32" on COM1, the 64-bit one at +0x200 "VMSTATION-BZ64"; each
; then checks ESI/RSI points at the zero page ("HdrS" at 0x202) and powers
; off through ACPI. Built as protocol 2.06 by default; -DXLF64 makes it a
; 2.12 image that offers the 64-bit entry in xloadflags.
%ifdef XLF64
%define VERSION 0x020c
%define XLF 1
%else
%define VERSION 0x0206
%define XLF 0
%endif
COM1 equ 0x3f8
PM equ 0x100000

	bits 16
	times 0x1f1 db 0
	db 4                    ; setup_sects
	dw 0                    ; root_flags
	dd 0                    ; syssize
	dw 0                    ; ram_size
	dw 0xffff               ; vid_mode
	dw 0                    ; root_dev
	dw 0xAA55               ; boot_flag
	jmp short hdr_end       ; 0x200
	db "HdrS"
	dw VERSION
	dd 0                    ; realmode_swtch
	dw 0x1000               ; start_sys_seg
	dw 0                    ; kernel_version
	db 0                    ; type_of_loader
	db 1                    ; loadflags: LOADED_HIGH
	dw 0x8000               ; setup_move_size
	dd PM                   ; code32_start
	dd 0, 0                 ; ramdisk_image, ramdisk_size
	dd 0                    ; bootsect_kludge
	dw 0                    ; heap_end_ptr
	db 0, 0                 ; ext_loader_ver, ext_loader_type
	dd 0                    ; cmd_line_ptr
	dd 0x7fffffff           ; initrd_addr_max
	dd 0x200000             ; kernel_alignment
	db 0, 0                 ; relocatable_kernel, min_alignment
	dw XLF                  ; xloadflags
	dd 255                  ; cmdline_size
%ifdef XLF64
	dd 0                    ; hardware_subarch
	dq 0                    ; hardware_subarch_data
	dd 0, 0                 ; payload_offset, payload_length: no payload
	dq 0                    ; setup_data
	dq PM                   ; pref_address
	dd 0x10000              ; init_size
	dd 0                    ; handover_offset
%endif
hdr_end:
	times 5 * 512 - ($ - $$) db 0

; ---- protected-mode part: loaded at PM ----
pm:
	bits 32
	mov edi, PM + (msg32 - pm)
	call out32
	cmp dword [esi + 0x202], 'HdrS'
	jne .bad
	mov edi, PM + (zp_ok - pm)
	call out32
.bad:	mov dx, 0x604
	mov ax, 0x2000
	out dx, ax
	cli
.h:	hlt
	jmp .h

; out32: EDI = NUL-terminated string to COM1
out32:
	mov al, [edi]
	test al, al
	jz .done
	mov dx, COM1 + 5
.w:	in al, dx
	test al, 0x20
	jz .w
	mov al, [edi]
	mov dx, COM1
	out dx, al
	inc edi
	jmp out32
.done:	ret

	times 0x200 - ($ - pm) db 0xcc
	bits 64                 ; startup_64: PM + 0x200
	mov rdi, PM + (msg64 - pm)
	call out64
	cmp dword [rsi + 0x202], 'HdrS'
	jne .bad
	mov rdi, PM + (zp_ok - pm)
	call out64
.bad:	mov dx, 0x604
	mov ax, 0x2000
	out dx, ax
	cli
.h:	hlt
	jmp .h

out64:
	mov al, [rdi]
	test al, al
	jz .done
	mov dx, COM1 + 5
.w:	in al, dx
	test al, 0x20
	jz .w
	mov al, [rdi]
	mov dx, COM1
	out dx, al
	inc rdi
	jmp out64
.done:	ret

msg32:	db "VMSTATION-BZ32", 10, 0
msg64:	db "VMSTATION-BZ64", 10, 0
zp_ok:	db "ZERO-PAGE-OK", 10, 0
