; Counts its boots in CMOS byte 0x40 (CMOS RAM survives a reset), prints
; "VMSTATION-BOOT n" on COM1, resets through 0xCF9 until the third boot,
; then powers off through ACPI. With on_reboot='restart' the test sees
; boots 1, 2, 3 and a power-off; with on_reboot='destroy' only boot 1.
%include "pvh.inc"

_start:
	mov esp, 0x90000
	call serial_init
	mov al, 0x40
	out 0x70, al
	in al, 0x71
	inc al
	mov bl, al
	mov al, 0x40
	out 0x70, al
	mov al, bl
	out 0x71, al
	mov esi, msg
	call puts
	mov al, bl
	add al, '0'
	call putc
	mov al, 10
	call putc
	cmp bl, 3
	jb reset
	call poweroff

msg:	db "VMSTATION-BOOT ", 0

PVH_END
