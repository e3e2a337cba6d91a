; kbd_xlate: sets up the i8042 and keyboard the way SeaBIOS does (self
; tests, keyboard reset, scan set 2, XLATE, scanning on), then prints every
; byte the controller delivers on COM1 as two hex digits a line. Caps Lock's
; make code toggles the keyboard's caps LED (ED 04 / ED 00) and prints
; "led=NN". Polled: interrupts stay off.
; kbd_raw.asm includes this file with RAW defined: no translation (set 2).
%include "pvh.inc"

%ifdef RAW
%define CMDBYTE 0x21          ; AUXDIS | KBDINT
%define CAPS_MAKE 0x58
%else
%define CMDBYTE 0x61          ; AUXDIS | XLATE | KBDINT
%define CAPS_MAKE 0x3A
%endif

_start:
	cli
	mov esp, 0x90000
	call serial_init
	mov al, 0xAD
	call ctl_cmd
	mov al, 0xA7
	call ctl_cmd
.flush:	in al, 0x64
	test al, 1
	jz .flushed
	in al, 0x60
	jmp .flush
.flushed:
	mov al, 0xAA
	call ctl_cmd
	call read_byte
	mov esi, s_selftest
	call puts
	call putbyte_nl
	mov al, 0xAB
	call ctl_cmd
	call read_byte
	mov esi, s_kbdtest
	call puts
	call putbyte_nl
	mov al, 0xFF              ; keyboard reset: FA AA
	call kbd_send
	call read_byte
	mov bl, al
	call read_byte
	mov bh, al
	mov esi, s_reset
	call puts
	mov al, bl
	call putbyte
	mov al, ' '
	call putc
	mov al, bh
	call putbyte_nl
	mov al, 0xF5
	call kbd_ack
	mov al, 0xF0
	call kbd_ack
	mov al, 0x02
	call kbd_ack
	mov al, 0x60              ; write the command byte
	call ctl_cmd
	mov al, CMDBYTE
	call data_write
	mov al, 0xF4
	call kbd_ack
	mov esi, s_ready
	call puts

.loop:	in al, 0x64
	test al, 1
	jz .loop
	in al, 0x60
	call putbyte_nl
	cmp al, CAPS_MAKE
	jne .loop
	xor byte [leds], 4        ; Caps Lock pressed: toggle its LED
	mov al, 0xED
	call kbd_ack
	mov al, [leds]
	call kbd_ack
	mov esi, s_led
	call puts
	mov al, [leds]
	call putbyte_nl
	jmp .loop

%include "i8042.inc"

kbd_send equ data_write

; send AL to the keyboard and wait for its ACK (anything else is printed)
kbd_ack:
	call kbd_send
.again:	call read_byte
	cmp al, 0xFA
	je .ok
	call putbyte_nl
	jmp .again
.ok:	ret

; AL = next byte from the output buffer
read_byte:
	in al, 0x64
	test al, 1
	jz read_byte
	in al, 0x60
	ret

%include "hex.inc"

; putbyte_nl: AL as two hex digits and a newline (EAX kept)
putbyte_nl:
	call putbyte
	push eax
	mov al, 10
	call putc
	pop eax
	ret

s_selftest: db "selftest=", 0
s_kbdtest: db "kbdtest=", 0
s_reset: db "reset=", 0
s_ready: db "READY", 10, 0
s_led: db "led=", 0
leds: db 0

PVH_END
