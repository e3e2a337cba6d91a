; ps2mouse: the PS/2 mouse behind the i8042, polled, as a DOS mouse driver
; or game reads it: aux port on, set defaults (F6), data reporting on (F4),
; then every 3-byte packet (byte 0 with its always-1 bit 3; 9-bit deltas
; with the sign in byte 0 bits 4/5; y counts up) is added to a position and
; printed on COM1:
;   "mouse n=NNNNNNNN x=XXXXXXXX y=YYYYYYYY b=B"  (hex; y grows downwards,
;   x and y two's complement; B: buttons, bit 0 left, 1 right, 2 middle)
; Keyboard bytes (status bit 5 clear) are read and dropped.
%include "pvh.inc"

_start:
	GUEST_START hello
	mov al, 0xAD                ; keyboard off while we set up
	call ctl_cmd
	mov al, 0xA8                ; aux port on
	call ctl_cmd
	call flush
	mov al, 0x60                ; command byte: no interrupts, no translation,
	call ctl_cmd                ; both ports enabled
	xor al, al
	call data_write
	mov al, 0xF6
	call aux_ack
	mov al, 0xF4
	call aux_ack
	mov al, 0xAE                ; keyboard back on
	call ctl_cmd
	mov esi, s_ready
	call puts

	xor ebp, ebp                ; bytes of the packet so far
.next:	in al, 0x64
	test al, 1
	jz .next
	mov ah, al
	in al, 0x60
	test ah, 0x20
	jz .next                    ; a keyboard byte
	cmp ebp, 0
	jne .more
	test al, 0x08               ; byte 0 always has bit 3: resynchronise
	jz .next
.more:	mov [pkt + ebp], al
	inc ebp
	cmp ebp, 3
	jb .next
	xor ebp, ebp
	movzx eax, byte [pkt + 1]
	test byte [pkt], 0x10
	jz .xpos
	sub eax, 256
.xpos:	add [pos_x], eax
	movzx eax, byte [pkt + 2]
	test byte [pkt], 0x20
	jz .ypos
	sub eax, 256
.ypos:	sub [pos_y], eax            ; PS/2 y counts up, the screen down
	inc dword [count]
	mov esi, s_mouse
	call puts
	mov eax, [count]
	call puthex
	mov esi, s_x
	call puts
	mov eax, [pos_x]
	call puthex
	mov esi, s_y
	call puts
	mov eax, [pos_y]
	call puthex
	mov esi, s_b
	call puts
	mov al, [pkt]
	and al, 7
	add al, '0'
	call putc
	mov al, 10
	call putc
	jmp .next

%include "i8042.inc"

; aux_ack: AL to the mouse (D4 prefix), wait for its FA
aux_ack:
	push eax
	mov al, 0xD4
	call ctl_cmd
	pop eax
	call data_write
.r:	in al, 0x64
	test al, 1
	jz .r
	in al, 0x60
	cmp al, 0xFA
	jne .r
	ret

flush:
	in al, 0x64
	test al, 1
	jz .done
	in al, 0x60
	jmp flush
.done:	ret

hello: db "ps2mouse", 10, 0
s_ready: db "READY", 10, 0
s_mouse: db "mouse n=", 0
s_x: db " x=", 0
s_y: db " y=", 0
s_b: db " b=", 0
align 4
pos_x: dd 0
pos_y: dd 0
count: dd 0
pkt: db 0, 0, 0, 0

PVH_END
