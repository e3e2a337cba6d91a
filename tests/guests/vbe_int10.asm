; vbe_int10: a hard-disk boot sector that sets a 1024x768x32 mode through the
; VGA BIOS (SeaVGABIOS in the card's ROM BAR), not through the DISPI ports:
; INT 10h AX=4F00 (controller info, "VESA"), AX=4F01 over the mode list until
; a 1024x768 32-bit mode, AX=4F02 to set it, then draws through the 64 KiB
; bank window at A000 switching banks with AX=4F05. Scan line y (pitch from
; the mode info) is red y & 255 on blue 0x40 in its left half, green y & 255
; on blue 0xC0 in its right half. Reports on COM1: "MODE xxxx" and "DRAWN",
; or "FAIL n".
;   nasm -f bin -o vbe_int10.img vbe_int10.asm   (a 1 MiB disk image)
BITS 16
org 0x7C00

INFO equ 0x8000        ; VbeInfoBlock (512 bytes)
MINFO equ 0x8200       ; ModeInfoBlock (256 bytes)

start:
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7C00
	sti

	mov di, INFO
	mov dword [di], 'VBE2'
	mov ax, 0x4F00
	int 0x10
	mov bl, '1'
	cmp ax, 0x004F
	jne fail
	cmp dword [INFO], 'VESA'
	jne fail

	lfs si, [INFO + 14]    ; VideoModePtr
next_mode:
	mov cx, [fs:si]
	add si, 2
	mov bl, '2'
	cmp cx, 0xFFFF
	je fail
	mov ax, 0x4F01
	mov di, MINFO
	int 0x10
	cmp ax, 0x004F
	jne next_mode
	cmp word [MINFO + 0x12], 1024
	jne next_mode
	cmp word [MINFO + 0x14], 768
	jne next_mode
	cmp byte [MINFO + 0x19], 32
	jne next_mode

	mov [mode], cx
	mov bx, cx             ; banked (bit 14 clear): the window below
	mov ax, 0x4F02
	int 0x10
	mov bl, '3'
	cmp ax, 0x004F
	jne fail
	mov bl, '4'
	cmp word [MINFO + 4], 64   ; window granularity, KiB
	jne fail
	mov si, s_mode
	call puts
	mov ax, [mode]
	call puthex16
	mov al, 10
	call putc

	; y runs over every line; the line's bytes start at y * pitch
	xor bp, bp             ; y
	mov ax, 0xA000
	mov es, ax
	cld
line:
	movzx eax, bp
	movzx ebx, word [MINFO + 0x10]  ; bytes per scan line
	mul ebx                ; edx:eax = y * pitch
	mov edi, eax
	shr eax, 16            ; bank
	cmp ax, [bank]
	je .same
	mov [bank], ax
	mov dx, ax
	xor bx, bx             ; window A, set
	mov ax, 0x4F05
	int 0x10
.same:
	and edi, 0xFFFF
	movzx eax, bp
	and eax, 0xFF
	shl eax, 16
	or eax, 0x40
	mov cx, 512
	rep stosd
	movzx eax, bp
	and eax, 0xFF
	shl eax, 8
	or eax, 0xC0
	mov cx, 512
	rep stosd
	inc bp
	cmp bp, 768
	jb line

	mov si, s_drawn
	call puts
halt:
	cli
	hlt
	jmp halt

fail:
	mov si, s_fail
	call puts
	mov al, bl
	call putc
	mov al, 10
	call putc
	jmp halt

putc:
	push dx
	push ax
	mov dx, 0x3FD
.wait:	in al, dx
	test al, 0x20
	jz .wait
	pop ax
	mov dx, 0x3F8
	out dx, al
	pop dx
	ret

puts:
	lodsb
	test al, al
	jz .done
	call putc
	jmp puts
.done:	ret

puthex16:
	mov cx, 4
.dig:	rol ax, 4
	push ax
	and al, 0xF
	add al, '0'
	cmp al, '9'
	jbe .out
	add al, 'a' - '9' - 1
.out:	call putc
	pop ax
	loop .dig
	ret

s_mode: db "MODE ", 0
s_drawn: db "DRAWN", 10, 0
s_fail: db "FAIL ", 0
mode: dw 0
bank: dw 0xFFFF

	times 510 - ($ - $$) db 0
	dw 0xAA55
	times 1024 * 1024 - ($ - $$) db 0
