; pacing: a game's view of the VGA: retrace rate, a frame loop paced by the
; retrace, and a timestamped keyboard interrupt. Command line words:
;   vbe8  Bochs VBE 640x480x8 (banked) instead of mode 13h
;   game  the game loop below instead of the rate measurement
; Rate (default): counts rising edges of 0x3DA bit 3 from one RTC second's
; start to the start of the fifth after it (an absolute clock: a vCPU kept
; off the host CPU only moves the ends by that time, where a polled PIT
; or, on kvm-pvm, the TSC loses the time), and prints over and over
;   "rate MODE edges=EEEEEEEE secs=05" (hex) Game: IRQ1 on; each frame waits for the retrace's rising
; edge, fills rows 0-15 with colour (frame & 63) (DAC i = (i, 0, 0): red
; ramp), then writes 'F', frame & 63 to the debug port 0x402 (the frame's
; last VGA write, for vmstation's trace). The keyboard handler first takes
; RDTSC, reads 0x60, writes 'K', scancode to 0x402, fills rows 16-31 with
; colour 64 + (keys & 63) on a make code (DAC 64+i = (0, i, 0): green) and
; prints "key SC tsc=TTTTTTTT" (the TSC's low 32 bits, hex); the TSC rate is
; printed first as "tsc10ms=XXXXXXXX" (ticks per 10 ms of PIT time).
%include "pvh.inc"
%include "pit.inc"
%include "irq.inc"
%include "cmdline.inc"

IDT_VECTORS equ 256
KBD_VECTOR equ 0x21
DEBUGCON equ 0x402
RATE_SECS equ 5

_start:
	GUEST_START hello
	mov [start_info], ebx
	mov edi, w_vbe8
	call cmdline_has
	jnc .m13h
	mov dword [mode_name], "vbe8"
	mov ax, 4
	xor bx, bx
	call dispi
	mov ax, 1
	mov bx, 640
	call dispi
	mov ax, 2
	mov bx, 480
	call dispi
	mov ax, 3
	mov bx, 8
	call dispi
	mov ax, 4
	mov bx, 1                   ; enabled, banked (the 64 KiB window at A0000)
	call dispi
	jmp .moded
.m13h:	mov esi, mode13
	call set_mode
.moded:	call set_dac
	mov edi, w_game
	call cmdline_has
	jc game

; ---- rate ----------------------------------------------------------------
rate:
	call rtc_edge               ; the start of an RTC second
	mov [t0], al
	xor edi, edi                ; edges
	mov dx, 0x3DA
	in al, dx
	and al, 8
	mov bl, al                  ; BL: bit 3 as last read
.poll:	mov dx, 0x3DA
	in al, dx
	and al, 8
	cmp al, bl
	je .same
	mov bl, al
	test al, al
	jz .same
	inc edi                     ; 0 -> 1: a retrace began
.same:	call rtc_seconds
	sub al, [t0]
	jae .pos
	add al, 60
.pos:	cmp al, RATE_SECS
	jb .poll
	mov esi, s_rate
	call puts
	mov esi, mode_name
	call puts
	mov esi, s_edges
	call puts
	mov eax, edi
	call puthex
	mov esi, s_secs
	call puts
	mov al, RATE_SECS
	call putbyte
	mov al, 10
	call putc
	jmp rate

; rtc_seconds: AL = the RTC's seconds (binary, 0-59, from BCD)
rtc_seconds:
	mov al, 0
	out 0x70, al
	in al, 0x71
	mov ah, al
	shr ah, 4
	and al, 0x0F
	aad                         ; AL = AH * 10 + AL
	ret

; rtc_edge: wait until the seconds change; AL = the new second
rtc_edge:
	call rtc_seconds
	mov cl, al
.w:	call rtc_seconds
	cmp al, cl
	je .w
	ret

; wait_tick: until the PIT reloads (BX: its last count, see pit.inc)
wait_tick:
	PIT_RELOADED
	jbe wait_tick
	ret

; ---- game ----------------------------------------------------------------
game:
	; TSC ticks per 10 ms of PIT time
	PIT_100HZ
	xor ebx, ebx
	call wait_tick
	call wait_tick
	rdtsc
	mov [t0], eax
	call wait_tick
	rdtsc
	sub eax, [t0]
	PUT_HEX_LINE s_tsc, eax

	xor ecx, ecx
.gate:	mov eax, unexpected
	cmp ecx, KBD_VECTOR
	jne .set
	mov eax, kbd_isr
.set:	IDT_GATE
	inc ecx
	cmp ecx, IDT_VECTORS
	jne .gate
	lidt [idt_desc]
	PIC_REMAP 0xFD, 0xFF        ; only IRQ1
	LAPIC_VIRTUAL_WIRE

	; i8042: flush, command byte KBDINT | XLATE | AUXDIS, scanning on
.flush:	in al, 0x64
	test al, 1
	jz .flushed
	in al, 0x60
	jmp .flush
.flushed:
	mov al, 0x60
	call ctl_cmd
	mov al, 0x61
	call data_write
	mov al, 0xF4
	call data_write             ; its ACK arrives as IRQ1 (the handler prints it)
	mov esi, s_ready
	call puts
	sti

.frame:	mov dx, 0x3DA
.w1:	in al, dx                   ; still in the last retrace: wait for its end
	test al, 8
	jnz .w1
.w2:	in al, dx                   ; then for the next one to begin
	test al, 8
	jz .w2
	inc dword [frame]
	mov eax, [frame]
	and eax, 63
	imul eax, eax, 0x01010101
	mov edi, 0xA0000
	mov ecx, 320 * 16 / 4
	cld
	rep stosd
	mov dx, DEBUGCON
	cli                         ; the pair unbroken by the keyboard's
	mov al, 'F'
	out dx, al
	mov eax, [frame]
	and al, 63
	out dx, al
	sti
	jmp .frame

kbd_isr:
	push eax
	push ecx
	push edx
	push edi
	push esi
	rdtsc
	mov [key_tsc], eax
	in al, 0x60
	mov [key_code], al
	mov dx, DEBUGCON
	push eax
	mov al, 'K'
	out dx, al
	pop eax
	out dx, al
	test al, 0x80
	jnz .report
	inc dword [keys]
	mov eax, [keys]
	and eax, 63
	add eax, 64
	imul eax, eax, 0x01010101
	mov edi, 0xA0000 + 320 * 16
	mov ecx, 320 * 16 / 4
	cld
	rep stosd
.report:
	mov esi, s_key
	call puts
	mov al, [key_code]
	call putbyte
	mov esi, s_tscv
	call puts
	mov eax, [key_tsc]
	call puthex
	mov al, 10
	call putc
	mov al, 0x20
	out 0x20, al                ; EOI
	pop esi
	pop edi
	pop edx
	pop ecx
	pop eax
	iretd

unexpected:
	iretd

; ---- helpers -------------------------------------------------------------
%include "i8042.inc"

%include "vbe.inc"
%include "vga_set.inc"
%include "hex.inc"

; set_mode: ESI = table (misc, sr[5], cr[25], gr[9], ar[21]), as a driver programs it

; set_dac: 0-63 red ramp, 64-127 green ramp, the rest black
set_dac:
	mov dx, 0x3C8
	xor al, al
	out dx, al
	inc dx
	xor ecx, ecx
.e:	mov al, cl
	and al, 63
	xor ah, ah
	cmp ecx, 64
	jb .red
	cmp ecx, 128
	jb .green
	xor al, al
.red:	out dx, al
	mov al, ah
	out dx, al
	out dx, al
	jmp .n
.green:	xchg al, ah
	out dx, al                  ; red 0
	xchg al, ah
	out dx, al                  ; green i
	xor al, al
	out dx, al
.n:	inc ecx
	cmp ecx, 256
	jb .e
	ret

CMDLINE_HAS 4

hello: db "pacing", 10, 0
s_rate: db "rate ", 0
s_edges: db " edges=", 0
s_secs: db " secs=", 0
s_tsc: db "tsc10ms=", 0
s_ready: db "READY", 10, 0
s_key: db "key ", 0
s_tscv: db " tsc=", 0
w_vbe8: db "vbe8"
w_game: db "game"
mode_name: db "m13h", 0, 0, 0, 0
mode13:	db 0x63
	db 0x03, 0x01, 0x0F, 0x00, 0x0E
	db 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00
	db 0x00, 0x00, 0x00, 0x9C, 0x0E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF
	db 0, 0, 0, 0, 0, 0x40, 0x05, 0x0F, 0xFF
	db 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0x41, 0x00, 0x0F, 0x00, 0x00

align 4
start_info: dd 0
t0: dd 0
frame: dd 0
keys: dd 0
key_tsc: dd 0
key_code: db 0
align 8
idt_desc:
	dw IDT_VECTORS * 8 - 1
	dd idt
align 8
idt:	times IDT_VECTORS * 8 db 0

PVH_END
