; sb16_play: what a DOS game's sound set-up and player do with a Sound Blaster 16.
;
;  1. reset the DSP (base+6: 1 then 0) and wait for 0xAA; read the version (0xE1)
;  2. find the IRQ: unmask the candidates 2/9, 5, 7, 10 and make the DSP raise
;     one (0xF2); the vector that arrives names the line
;  3. find the DMA channels: arm 8-bit channels 0, 1, 3 (16-bit 5, 6, 7) with a
;     tiny transfer, start a one-sample DSP transfer (0x14 / 0xB0) and see which
;     channel reached terminal count (count register 0xFFFF)
;  4. play a 440 Hz sine through auto-init DMA for 5 s each (1 s with "short"
;     on the command line) at 8-bit 11025 Hz
;     mono (0xC6), 16-bit 22050 Hz stereo and 16-bit 44100 Hz stereo (0xB6),
;     acknowledging every block's interrupt, then 0xDA / 0xD9 to end auto-init;
;     0.5 s of DSP silence (0x80) separates them
;  5. AdLib: detect the OPL through its timers, play F-number 0x244 block 4
;     (0x244 * 49716 / 2^16 = 440.0 Hz) for 2 s
;  6. PC speaker: PIT channel 2 mode 3 count 1193 (1000.2 Hz) for 2 s
;
; The sine is one table of 2205 samples at 44100 Hz (exactly 22 periods),
; made with the recurrence y[n] = 2cos(w) y[n-1] - y[n-2] in fixed point; the
; lower rates step through it by 2 and 4, so every rate's buffer of 2 x 2205
; frames holds whole periods and auto-init loops it without a seam.
;
; Interrupt handlers drop their frame and jump back into wait_irq: guest
; kernel code here runs in KVM's emulator, which has no IRET in protected mode
; (see serial_irq.asm); interrupts are only enabled around `hlt`.
;
; Output on COM1 (one line each): "dsp reset ok", "version 04.05", "irq 05",
; "dma 01", "hdma 05", "seg 1 irqs 00000019", ..., "opl 00 c0", "done".
%include "pvh.inc"
%include "irq.inc"
%include "cmdline.inc"

SB          equ 0x220
TABLE_LEN   equ 2205
AMP_Q14_Y1  equ 16817031      ; 16384 * sin(2 pi 440 / 44100) * 2^14
COEF_Q30    equ 2143265269    ; 2 cos(2 pi 440 / 44100) * 2^30
DMABUF      equ 0x400000      ; 4 MiB: 64/128 KiB aligned, below 16 MiB
PROBEBUF    equ 0x410000

_start:
	cli
	mov esp, stack_top
	mov [start_info], ebx
	call serial_init
	call check_short
	mov esi, msg_start
	call puts
	call setup_interrupts
	call make_table

	; --- 1. reset and version ---
	mov dx, SB + 6
	mov al, 1
	out dx, al
	in al, dx
	in al, dx
	in al, dx
	xor al, al
	out dx, al
	call dsp_read
	cmp al, 0xAA
	jne fail_reset
	mov esi, msg_reset_ok
	call puts
	mov al, 0xE1
	call dsp_write
	mov esi, msg_version
	call puts
	call dsp_read
	call putbyte
	mov al, '.'
	call putc
	call dsp_read
	call putbyte
	call newline

	; --- 2. IRQ ---
	mov al, 0xF2
	call dsp_write
	call wait_irq
	mov dx, SB + 0xE
	in al, dx                          ; acknowledge
	mov esi, msg_irq
	call puts
	movzx eax, byte [got_irq]
	mov [sb_irq], al
	call putbyte
	call newline

	; --- 3. DMA channels ---
	call find_dma8
	call find_dma16
	; not found: fall back to the usual BLASTER=A220 I5 D1 H5, as games do
	cmp byte [sb_dma8], 0xFF
	jne .d8
	mov byte [sb_dma8], 1
.d8:	cmp byte [sb_dma16], 0xFF
	jne .d16
	mov byte [sb_dma16], 5
.d16:

	; full volume: master and voice at 0 dB (CT1745 5-bit levels in 7:3)
	mov ah, 0x30
.vol:	mov al, ah
	mov dx, SB + 4
	out dx, al
	mov dx, SB + 5
	mov al, 0xF8
	out dx, al
	inc ah
	cmp ah, 0x36
	jne .vol
	mov al, 0xD1                       ; speaker on, as games do
	call dsp_write

	; --- 4. three playback segments ---
	call silence_half_second
	cmp byte [bench], 0
	je .all
	mov byte [seg_no], '3'                 ; bench: 60 s of 16-bit 44100 Hz only
	mov dword [stride], 1
	mov dword [rate], 44100
	call play_16bit
	jmp .finish
.all:	mov byte [seg_no], '1'
	mov dword [stride], 4              ; 11025 Hz steps 4 through the 44100 table
	mov dword [rate], 11025
	call play_8bit
	call silence_half_second
	mov byte [seg_no], '2'
	mov dword [stride], 2
	mov dword [rate], 22050
	call play_16bit
	call silence_half_second
	mov byte [seg_no], '3'
	mov dword [stride], 1
	mov dword [rate], 44100
	call play_16bit
	call silence_half_second

	; --- 5. AdLib ---
	call opl_detect
	call opl_note
	call silence_half_second

	; --- 6. PC speaker ---
	mov al, 0xB6                       ; channel 2, lo/hi, mode 3
	out 0x43, al
	mov al, 1193 & 0xFF
	out 0x42, al
	mov al, 1193 >> 8
	out 0x42, al
	in al, 0x61
	or al, 3                           ; gate and speaker data
	out 0x61, al
	mov ecx, 4                         ; 4 x 0.5 s
.spk:	push ecx
	call silence_half_second
	pop ecx
	loop .spk
	in al, 0x61
	and al, 0xFC
	out 0x61, al
	call silence_half_second
.finish:
	mov esi, msg_done
	call puts
	jmp poweroff

fail_reset:
	mov esi, msg_reset_fail
	call puts
	jmp poweroff

; "short" on the command line (extra=): 1 s segments instead of 5;
; "bench": only the 16-bit 44100 Hz segment, for 60 s.
check_short:
	mov dword [seconds], 5
	mov edi, word_bench
	call cmdline_has
	jnc .short
	mov dword [seconds], 60
	mov byte [bench], 1
	ret
.short:	mov edi, word_short
	call cmdline_has
	jnc .no
	mov dword [seconds], 1
.no:	ret

; CF set if the command line holds the 5-letter word at EDI
CMDLINE_HAS 5

; ---------------------------------------------------------------------------
; DSP I/O (with a bounded wait, so a missing card cannot hang the test)
dsp_write:
	push ecx
	push edx
	push eax
	mov ecx, 100000
	mov dx, SB + 0xC
.w:	in al, dx
	test al, 0x80
	jz .ok
	loop .w
.ok:	pop eax
	out dx, al
	pop edx
	pop ecx
	ret

dsp_read:
	push ecx
	push edx
	mov ecx, 100000
	mov dx, SB + 0xE
.w:	in al, dx
	test al, 0x80
	jnz .ok
	loop .w
	mov al, 0xFF
	jmp .out
.ok:	mov dx, SB + 0xA
	in al, dx
.out:	pop edx
	pop ecx
	ret

; DSP "silence" command: 0.5 s at 4000 Hz (time constant 6), then its IRQ.
silence_half_second:
	mov al, 0x40
	call dsp_write
	mov al, 6
	call dsp_write
	mov al, 0x80
	call dsp_write
	mov al, (2000 - 1) & 0xFF
	call dsp_write
	mov al, (2000 - 1) >> 8
	call dsp_write
	call wait_irq
	mov dx, SB + 0xE
	in al, dx
	ret

; ---------------------------------------------------------------------------
; 8-bit channel probe: channels 0, 1, 3 each armed for 2 bytes.
find_dma8:
	mov dword [PROBEBUF], 0x80808080    ; unsigned 8-bit silence: no click
	mov ebx, dma8_list
.arm:	movzx ecx, byte [ebx]
	cmp cl, 0xFF
	je .go
	mov al, cl
	or al, 4
	out 0x0A, al                       ; mask
	out 0x0C, al                       ; flip-flop
	mov al, cl
	or al, 0x48                        ; single, read (memory -> card)
	out 0x0B, al
	lea edx, [ecx * 2]                 ; address port
	mov eax, PROBEBUF
	out dx, al
	mov al, ah
	out dx, al
	inc edx                            ; count port: 2 bytes
	mov al, 1
	out dx, al
	xor al, al
	out dx, al
	movzx edx, byte [ebx + 4]          ; page port
	mov al, PROBEBUF >> 16
	out dx, al
	mov al, cl
	out 0x0A, al                       ; unmask
	inc ebx
	jmp .arm
.go:	mov al, 0x40
	call dsp_write
	mov al, 165
	call dsp_write
	mov al, 0x14                       ; 8-bit single cycle, 2 bytes
	call dsp_write
	mov al, 1
	call dsp_write
	xor al, al
	call dsp_write
	call wait_irq
	mov dx, SB + 0xE
	in al, dx
	mov ebx, dma8_list
	mov byte [sb_dma8], 0xFF
.check:	movzx ecx, byte [ebx]
	cmp cl, 0xFF
	je .report
	out 0x0C, al
	lea edx, [ecx * 2 + 1]
	in al, dx
	mov ah, al
	in al, dx
	cmp ax, 0xFFFF
	jne .next
	mov [sb_dma8], cl
.next:	mov al, cl
	or al, 4
	out 0x0A, al                       ; mask again
	inc ebx
	jmp .check
.report:
	mov esi, msg_dma
	call puts
	movzx eax, byte [sb_dma8]
	call putbyte
	jmp newline

; 16-bit channels 5, 6, 7 each armed for one word.
find_dma16:
	mov dword [PROBEBUF], 0             ; signed 16-bit silence
	mov ebx, dma16_list
.arm:	movzx ecx, byte [ebx]
	cmp cl, 0xFF
	je .go
	mov al, cl
	and al, 3
	or al, 4
	out 0xD4, al
	out 0xD8, al
	mov al, cl
	and al, 3
	or al, 0x48
	out 0xD6, al
	mov edx, ecx
	and edx, 3
	shl edx, 2
	add edx, 0xC0                      ; address port (word address)
	mov eax, PROBEBUF >> 1
	out dx, al
	mov al, ah
	out dx, al
	add edx, 2                         ; count: 1 word
	xor al, al
	out dx, al
	out dx, al
	movzx edx, byte [ebx + 4]
	mov al, (PROBEBUF >> 16) & 0xFE
	out dx, al
	mov al, cl
	and al, 3
	out 0xD4, al
	inc ebx
	jmp .arm
.go:	mov al, 0x41
	call dsp_write
	mov al, 11025 >> 8
	call dsp_write
	mov al, 11025 & 0xFF
	call dsp_write
	mov al, 0xB0                       ; 16-bit single cycle
	call dsp_write
	mov al, 0x10                       ; signed mono
	call dsp_write
	xor al, al                         ; 1 sample
	call dsp_write
	xor al, al
	call dsp_write
	call wait_irq
	mov dx, SB + 0xF
	in al, dx
	mov ebx, dma16_list
	mov byte [sb_dma16], 0xFF
.check:	movzx ecx, byte [ebx]
	cmp cl, 0xFF
	je .report
	out 0xD8, al
	mov edx, ecx
	and edx, 3
	shl edx, 2
	add edx, 0xC2
	in al, dx
	mov ah, al
	in al, dx
	xchg al, ah
	cmp ax, 0xFFFF
	jne .next
	mov [sb_dma16], cl
.next:	mov al, cl
	and al, 3
	or al, 4
	out 0xD4, al
	inc ebx
	jmp .check
.report:
	mov esi, msg_hdma
	call puts
	movzx eax, byte [sb_dma16]
	call putbyte
	jmp newline

; ---------------------------------------------------------------------------
; The 440 Hz table: 2205 signed 16-bit samples, amplitude 16384.
make_table:
	mov edi, table
	xor esi, esi                       ; y[n-2]
	mov ebx, AMP_Q14_Y1                ; y[n-1]
	mov word [edi], 0
	mov eax, ebx
	sar eax, 14
	mov [edi + 2], ax
	add edi, 4
	mov ecx, TABLE_LEN - 2
.next:	mov eax, COEF_Q30
	imul ebx                           ; edx:eax = c * y[n-1]
	shrd eax, edx, 30
	sub eax, esi
	mov esi, ebx
	mov ebx, eax
	sar eax, 14
	mov [edi], ax
	add edi, 2
	loop .next
	ret

; Fill DMABUF with 2 x 2205 frames; [stride] steps through the table.
; fill16: signed 16-bit stereo; fill8: unsigned 8-bit mono.
fill16:
	mov edi, DMABUF
	xor ebx, ebx                       ; table index
	mov ecx, 2 * TABLE_LEN
.f:	mov ax, [table + ebx * 2]
	mov [edi], ax
	mov [edi + 2], ax
	add edi, 4
	add ebx, [stride]
	cmp ebx, TABLE_LEN
	jb .ok
	sub ebx, TABLE_LEN
.ok:	loop .f
	ret

fill8:
	mov edi, DMABUF
	xor ebx, ebx
	mov ecx, 2 * TABLE_LEN
.f:	mov ax, [table + ebx * 2]
	sar ax, 8
	add al, 0x80
	mov [edi], al
	inc edi
	add ebx, [stride]
	cmp ebx, TABLE_LEN
	jb .ok
	sub ebx, TABLE_LEN
.ok:	loop .f
	ret

set_rate:
	mov al, 0x41
	call dsp_write
	mov eax, [rate]
	shr eax, 8
	call dsp_write
	mov eax, [rate]
	call dsp_write
	ret

; 8-bit mono auto-init on the detected 8-bit channel, 25 blocks (5 s).
play_8bit:
	call fill8
	movzx ecx, byte [sb_dma8]
	mov al, cl
	or al, 4
	out 0x0A, al
	out 0x0C, al
	mov al, cl
	or al, 0x58                        ; single, auto-init, read
	out 0x0B, al
	lea edx, [ecx * 2]
	mov eax, DMABUF
	out dx, al
	mov al, ah
	out dx, al
	inc edx
	mov eax, 2 * TABLE_LEN - 1
	out dx, al
	mov al, ah
	out dx, al
	movzx edx, byte [page8 + ecx]
	mov al, DMABUF >> 16
	out dx, al
	mov al, cl
	out 0x0A, al
	call set_rate
	mov al, 0xC6                       ; 8-bit auto-init output
	call dsp_write
	mov al, 0x00                       ; unsigned mono
	call dsp_write
	mov al, (TABLE_LEN - 1) & 0xFF
	call dsp_write
	mov al, (TABLE_LEN - 1) >> 8
	call dsp_write
	mov eax, [seconds]                 ; 5 blocks of 2205 frames a second
	imul eax, eax, 5
	mov [blocks], eax
	mov word [ack_port], SB + 0xE
	mov byte [exit_cmd], 0xDA
	jmp play_loop

; 16-bit stereo auto-init on the detected 16-bit channel, 5 s of blocks.
play_16bit:
	call fill16
	movzx ecx, byte [sb_dma16]
	and ecx, 3
	mov al, cl
	or al, 4
	out 0xD4, al
	out 0xD8, al
	mov al, cl
	or al, 0x58
	out 0xD6, al
	lea edx, [ecx * 4 + 0xC0]
	mov eax, DMABUF >> 1
	out dx, al
	mov al, ah
	out dx, al
	add edx, 2
	mov eax, 2 * TABLE_LEN * 2 - 1     ; words
	out dx, al
	mov al, ah
	out dx, al
	movzx edx, byte [page16 + ecx]
	mov al, (DMABUF >> 16) & 0xFE
	out dx, al
	mov al, cl
	out 0xD4, al
	call set_rate
	mov al, 0xB6                       ; 16-bit auto-init output
	call dsp_write
	mov al, 0x30                       ; signed stereo
	call dsp_write
	mov al, (TABLE_LEN * 2 - 1) & 0xFF ; samples, both channels
	call dsp_write
	mov al, (TABLE_LEN * 2 - 1) >> 8
	call dsp_write
	mov eax, [rate]                    ; seconds * rate / 2205 blocks
	imul eax, [seconds]
	xor edx, edx
	mov ecx, TABLE_LEN
	div ecx
	mov [blocks], eax
	mov word [ack_port], SB + 0xF
	mov byte [exit_cmd], 0xD9
	jmp play_loop

; Acknowledge each block's interrupt; before the last, leave auto-init.
play_loop:
	mov dword [irq_count], 0
.blk:	call wait_irq
	mov dx, [ack_port]
	in al, dx
	mov eax, [irq_count]
	inc eax
	cmp eax, [blocks]
	jne .more
	mov al, [exit_cmd]                 ; this block plays to its end, then stop
	call dsp_write
.more:	mov eax, [irq_count]
	cmp eax, [blocks]
	jb .blk
	mov esi, msg_seg
	call puts
	mov al, [seg_no]
	call putc
	mov esi, msg_irqs
	call puts
	mov eax, [irq_count]
	call puthex
	jmp newline

; ---------------------------------------------------------------------------
; OPL: register write with the waits the AdLib guide asks for.
opl_write:                                  ; AH = register, AL = value
	push ecx
	push edx
	push eax
	mov dx, 0x388
	mov al, ah
	out dx, al
	mov ecx, 6
.w1:	in al, dx
	loop .w1
	pop eax
	push eax
	inc dx
	out dx, al
	dec dx
	mov ecx, 35
.w2:	in al, dx
	loop .w2
	pop eax
	pop edx
	pop ecx
	ret

opl_detect:
	mov ax, 0x0460
	call opl_write
	mov ax, 0x0480
	call opl_write
	mov dx, 0x388
	in al, dx
	mov [opl_st1], al
	mov ax, 0x02FF
	call opl_write
	mov ax, 0x0421
	call opl_write
	mov ecx, 200                        ; well over 80 us of status reads
	mov dx, 0x388
.w:	in al, dx
	loop .w
	mov [opl_st2], al
	mov ax, 0x0460
	call opl_write
	mov ax, 0x0480
	call opl_write
	mov esi, msg_opl
	call puts
	movzx eax, byte [opl_st1]
	call putbyte
	mov al, ' '
	call putc
	movzx eax, byte [opl_st2]
	call putbyte
	jmp newline

opl_note:
	mov esi, opl_regs
.r:	mov ax, [esi]
	cmp ax, 0xFFFF
	je .play
	xchg al, ah
	call opl_write
	add esi, 2
	jmp .r
.play:	mov ecx, 4
.hold:	push ecx
	call silence_half_second
	pop ecx
	loop .hold
	mov ax, 0xB012                      ; key off
	jmp opl_write

; ---------------------------------------------------------------------------
; Interrupts: IDT vectors 0x20-0x2F, PIC remapped there, SB candidates unmasked.
setup_interrupts:
	xor ecx, ecx
.gate:	mov eax, unexpected
	cmp ecx, 0x20
	jb .set
	cmp ecx, 0x30
	jae .set
	mov eax, [stubs + ecx * 4 - 0x20 * 4]
.set:	IDT_GATE
	inc ecx
	cmp ecx, 256
	jne .gate
	lidt [idt_desc]
	PIC_REMAP 0x5B, 0xF9                ; unmasked: IRQ 2 (cascade), 5, 7; 9, 10
	LAPIC_VIRTUAL_WIRE
	ret

; Sleep until an interrupt; handlers return here by jumping to .loop.
wait_irq:
	mov byte [irq_flag], 0
.loop:	cli
	cmp byte [irq_flag], 0
	jne .got
	sti
	hlt
	jmp .loop
.got:	inc dword [irq_count]
	ret

%assign i 0
%rep 16
irq_stub_ %+ i:
	mov byte [got_irq], i
	jmp irq_common
%assign i i + 1
%endrep

irq_common:
	mov byte [irq_flag], 1
	mov al, 0x20
	cmp byte [got_irq], 8
	jb .master
	out 0xA0, al
.master:
	out 0x20, al
	add esp, 12                         ; drop the interrupt frame (no IRET here)
	jmp wait_irq.loop

unexpected:
	mov esi, msg_unexpected
	call puts
	jmp poweroff

%include "hex.inc"

newline:
	mov esi, crlf
	jmp puts

; ---------------------------------------------------------------------------
align 4
stubs:
%assign i 0
%rep 16
	dd irq_stub_ %+ i
%assign i i + 1
%endrep
dma8_list:  db 0, 1, 3, 0xFF
dma8_page:  db 0x87, 0x83, 0x82, 0
dma16_list: db 5, 6, 7, 0xFF
dma16_page: db 0x8B, 0x89, 0x8A, 0
page8:      db 0x87, 0x83, 0x81, 0x82
page16:     db 0x8F, 0x8B, 0x89, 0x8A
; OPL: channel 0, carrier only (additive), sustained, F-number 0x244 block 4
opl_regs:   db 0x01, 0x20, 0x20, 0x20, 0x40, 0x3F, 0x23, 0x21, 0x43, 0x00
	    db 0x63, 0xF0, 0x83, 0x0F, 0xC0, 0x01, 0xA0, 0x44, 0xB0, 0x32
	    dw 0xFFFF
word_short:     db "short"
word_bench:     db "bench"
msg_start:      db "sb16_play: start", 13, 10, 0
msg_reset_ok:   db "dsp reset ok", 13, 10, 0
msg_reset_fail: db "dsp reset FAILED", 13, 10, 0
msg_version:    db "version ", 0
msg_irq:        db "irq ", 0
msg_dma:        db "dma ", 0
msg_hdma:       db "hdma ", 0
msg_seg:        db "seg ", 0
msg_irqs:       db " irqs ", 0
msg_opl:        db "opl ", 0
msg_done:       db "done", 13, 10, 0
msg_unexpected: db "unexpected interrupt", 13, 10, 0
crlf:           db 13, 10, 0
idt_desc:   dw 256 * 8 - 1
	    dd idt

align 16
got_irq:    db 0
irq_flag:   db 0
sb_irq:     db 0
sb_dma8:    db 0
sb_dma16:   db 0
seg_no:     db 0
bench:      db 0
exit_cmd:   db 0
opl_st1:    db 0
opl_st2:    db 0
align 4
ack_port:   dw 0, 0
irq_count:  dd 0
start_info: dd 0
seconds:    dd 5
blocks:     dd 0
stride:     dd 0
rate:       dd 0
align 8
idt:        times 256 * 8 db 0
table:      times TABLE_LEN dw 0
	    times 4096 db 0
stack_top:
PVH_END
