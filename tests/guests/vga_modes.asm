; Draws a known pattern in one VGA/VBE mode, programmed through the card's
; registers as a driver does, then prints "DRAWN <mode>" on COM1 and waits.
; The PVH command line picks the mode (4-letter words):
;   m13h  mode 13h 320x200x256 (chain-4):  colour (x + 2y) & 255
;   modx  mode X 320x240x256 (unchained):  colour (x ^ y) & 255, plane by plane
;   m12h  mode 12h 640x480x16 (planar, write mode 2): colour ((x>>3)+(y>>3)) & 15,
;         plus a diagonal x == y in colour 15 (write mode 2 with the bit mask)
;   vbe4  Bochs VBE 1024x768x32 through DISPI and the BAR0 framebuffer:
;         pixel = (x & 255) << 16 | (y & 255) << 8 | ((x + y) & 255)
;   swit  mode switches for the resize test: 80x25 text, VBE 1024x768x32,
;         mode 12h 640x480, printing "MODE <n>" before each and waiting ~3 s
; DAC entry i = (i & 63, (3i) & 63, (7i) & 63) (6-bit).
%include "pvh.inc"
%include "cmdline.inc"

_start:
	mov esp, stack_top
	mov [start_info], ebx
	call serial_init

	mov edi, w_swit
	call cmdline_has
	jc do_switch
	mov edi, w_m13h
	call cmdline_has
	jc do_m13h
	mov edi, w_modx
	call cmdline_has
	jc do_modx
	mov edi, w_m12h
	call cmdline_has
	jc do_m12h
	mov edi, w_vbe4
	call cmdline_has
	jc do_vbe
	mov esi, s_usage
	call puts
	jmp poweroff

; ---------------------------------------------------------------------------
do_m13h:
	mov esi, mode13
	call set_mode
	call set_dac
	mov edi, 0xA0000
	xor ebx, ebx                ; y
.row:	xor ecx, ecx                ; x
.col:	lea eax, [ecx + ebx * 2]
	mov [edi], al
	inc edi
	inc ecx
	cmp ecx, 320
	jb .col
	inc ebx
	cmp ebx, 200
	jb .row
	mov esi, s_m13h
	jmp done

; ---------------------------------------------------------------------------
do_modx:
	mov esi, mode13
	call set_mode
	mov esi, modex_regs
	call set_crtc_list
	mov dx, 0x3C4
	mov ax, 0x0604              ; SR4: unchained
	out dx, ax
	mov dx, 0x3C2
	mov al, 0xE3
	out dx, al
	call set_dac
	xor ebp, ebp                ; plane
.plane:	mov dx, 0x3C4
	mov al, 2
	mov ah, 1
	mov ecx, ebp
	shl ah, cl
	out dx, ax                  ; map mask = 1 << plane
	mov edi, 0xA0000
	xor ebx, ebx                ; y
.row:	xor ecx, ecx                ; byte column
.col:	lea eax, [ecx * 4 + ebp]    ; x
	xor eax, ebx
	mov [edi], al
	inc edi
	inc ecx
	cmp ecx, 80
	jb .col
	inc ebx
	cmp ebx, 240
	jb .row
	inc ebp
	cmp ebp, 4
	jb .plane
	mov esi, s_modx
	jmp done

; ---------------------------------------------------------------------------
do_m12h:
	mov esi, mode12
	call set_mode
	call set_dac
	mov dx, 0x3CE
	mov ax, 0x0205              ; write mode 2
	out dx, ax
	mov ax, 0xFF08              ; bit mask all
	out dx, ax
	mov edi, 0xA0000
	xor ebx, ebx
.row:	xor ecx, ecx
.col:	mov eax, ebx
	shr eax, 3
	add eax, ecx
	and al, 15
	mov ah, [edi]               ; load latches
	mov [edi], al
	inc edi
	inc ecx
	cmp ecx, 80
	jb .col
	inc ebx
	cmp ebx, 480
	jb .row
	; the diagonal, one pixel a write through the bit mask
	xor ebx, ebx
.diag:	mov ecx, ebx
	and ecx, 7
	mov ah, 0x80
	shr ah, cl
	mov al, 8
	mov dx, 0x3CE
	out dx, ax
	mov eax, ebx
	imul eax, 80
	mov edi, ebx
	shr edi, 3
	add edi, eax
	add edi, 0xA0000
	mov al, [edi]
	mov byte [edi], 15
	inc ebx
	cmp ebx, 480
	jb .diag
	mov dx, 0x3CE
	mov ax, 0xFF08
	out dx, ax
	mov ax, 0x0005
	out dx, ax
	mov esi, s_m12h
	jmp done

; ---------------------------------------------------------------------------
do_vbe:
	call vbe_1024
	mov esi, s_vbe4
	jmp done

; vbe_1024: 1024x768x32 with the pattern; EDI = framebuffer
vbe_1024:
	call lfb_address
	mov edi, eax
	call vbe_1024x768x32
	xor ebx, ebx                ; y
.row:	xor ecx, ecx                ; x
.col:	movzx eax, cl
	shl eax, 16
	mov ah, bl
	lea edx, [ecx + ebx]
	mov al, dl
	mov [edi], eax
	add edi, 4
	inc ecx
	cmp ecx, 1024
	jb .col
	inc ebx
	cmp ebx, 768
	jb .row
	ret

%include "vbe.inc"
%include "vga_set.inc"

; ---------------------------------------------------------------------------
do_switch:
	mov esi, mode3
	call set_mode
	mov al, '1'
	call mode_msg
	call wait_3s
	call vbe_1024
	mov al, '2'
	call mode_msg
	call wait_3s
	mov ax, 4
	xor bx, bx
	call dispi                  ; VBE off
	mov esi, mode12
	call set_mode
	call set_dac
	mov al, '3'
	call mode_msg
	call wait_3s
	mov esi, s_swit
	jmp done

mode_msg:
	mov esi, s_mode
	call puts
	call putc
	mov al, 10
	call putc
	ret

; wait_3s: 180 vertical retraces (60 Hz) of input status 1
wait_3s:
	mov ecx, 180
.frame:	mov dx, 0x3DA
.in:	in al, dx
	test al, 8
	jnz .in
.out:	in al, dx
	test al, 8
	jz .out
	loop .frame
	ret

; ---------------------------------------------------------------------------
done:
	call puts
	mov al, 10
	call putc
.idle:	hlt
	jmp .idle


; set_crtc_list: ESI = (index, value) pairs ending with 0xFF
set_crtc_list:
	mov dx, 0x3D4
	mov ax, 0x2C11
	out dx, ax
.next:	lodsb
	cmp al, 0xFF
	je .end
	mov ah, [esi]
	inc esi
	out dx, ax
	jmp .next
.end:	ret

set_dac:
	mov dx, 0x3C8
	xor al, al
	out dx, al
	inc dx
	xor ecx, ecx
.e:	mov al, cl
	and al, 63
	out dx, al
	lea eax, [ecx * 3]
	and al, 63
	out dx, al
	lea eax, [ecx * 8]
	sub eax, ecx
	and al, 63
	out dx, al
	inc ecx
	cmp ecx, 256
	jb .e
	ret

; CF set if the command line holds the 4-letter word at EDI
CMDLINE_HAS 4

w_m13h: db "m13h"
w_modx: db "modx"
w_m12h: db "m12h"
w_vbe4: db "vbe4"
w_swit: db "swit"
s_m13h: db "DRAWN m13h", 0
s_modx: db "DRAWN modx", 0
s_m12h: db "DRAWN m12h", 0
s_vbe4: db "DRAWN vbe4", 0
s_swit: db "DRAWN swit", 0
s_mode: db "MODE ", 0
s_usage: db "vga_modes: put m13h, modx, m12h, vbe4 or swit on the command line", 10, 0

mode3:	db 0x67
	db 0x03, 0x00, 0x03, 0x00, 0x02
	db 0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00
	db 0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF
	db 0, 0, 0, 0, 0, 0x10, 0x0E, 0x0F, 0xFF
	db 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C
	db 0x3D, 0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00
mode13:	db 0x63
	db 0x03, 0x01, 0x0F, 0x00, 0x0E
	db 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00
	db 0x00, 0x00, 0x00, 0x9C, 0x0E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF
	db 0, 0, 0, 0, 0, 0x40, 0x05, 0x0F, 0xFF
	db 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0x41, 0x00, 0x0F, 0x00, 0x00
mode12:	db 0xE3
	db 0x03, 0x01, 0x0F, 0x00, 0x06
	db 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0B, 0x3E, 0x00, 0x40, 0x00, 0x00, 0x00
	db 0x00, 0x00, 0x59, 0xEA, 0x8C, 0xDF, 0x28, 0x00, 0xE7, 0x04, 0xE3, 0xFF
	db 0, 0, 0, 0, 0, 0x00, 0x05, 0x0F, 0xFF
	db 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0x01, 0x00, 0x0F, 0x00, 0x00
modex_regs:
	db 0x06, 0x0D, 0x07, 0x3E, 0x09, 0x41, 0x10, 0xEA, 0x11, 0xAC, 0x12, 0xDF
	db 0x14, 0x00, 0x15, 0xE7, 0x16, 0x06, 0x17, 0xE3, 0xFF

align 4
start_info: dd 0
	times 1024 dd 0
stack_top:

PVH_END
