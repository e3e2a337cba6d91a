; Drives the HPET at 0xFED00000 the way an OS does, polling only (no
; interrupt handlers: on kvm-pvm hosts protected-mode IRET is not emulated),
; and prints on COM1:
;   CAP <ID low> <period>        the capabilities register (2.3.4)
;   TICKS <n>                    counter ticks between two edges of the RTC's
;                                seconds: 1 s of the host's clock
;   PITLOUD <irr>                the master PIC's IRR after 200 ms of HPET time
;                                with the PIT at 100 Hz: bit 0 set
;   PITQUIET <irr>               the same with legacy replacement on and
;                                timer 0 off: bit 0 clear, the PIT is silent
;   IRR0 <irr>                   IRR after timer 0 (legacy: IRQ 0) matched
;                                2 ms ahead: bit 0 set
;   ISR <isr> <isr>              timer 2 level-triggered on input 20: the
;                                status after its match, then after writing 1
; then powers off.
%include "pvh.inc"
%include "pit.inc"

HPET equ 0xFED00000
CFG equ HPET + 0x10
ISR equ HPET + 0x20
CNT equ HPET + 0xF0
T0CFG equ HPET + 0x100
T0CMP equ HPET + 0x108
T2CFG equ HPET + 0x140
T2CMP equ HPET + 0x148

_start:
	GUEST_START hello
	mov esi, s_cap
	call puts
	mov eax, [HPET]
	call puthex
	mov al, ' '
	call putc
	mov eax, [HPET + 4]
	call puthex
	mov al, 10
	call putc

	; counter halted, zeroed, started; ticks between two edges of the
	; RTC's seconds (one second of the host's clock)
	mov dword [CFG], 0
	mov dword [CNT], 0
	mov dword [CNT + 4], 0
	mov dword [CFG], 1
	call rtc_sec
	mov bl, al
.e1:	call rtc_sec
	cmp al, bl
	je .e1
	mov bl, al
	mov esi, [CNT]
.e2:	call rtc_sec
	cmp al, bl
	je .e2
	mov eax, [CNT]
	sub eax, esi
	mov [ticks], eax
	PUT_HEX_LINE s_ticks, [ticks]

	; with the PIT at 100 Hz and the block not in legacy mode, IRQ 0
	; comes within 200 ms (the IRR records it: every input is masked)
	call pic_init
	PIT_100HZ             ; (re)programmed: KVM forgets the ticks it owes
	mov ecx, 20000000
	call wait_ticks
	call read_irr
	PUT_HEX_LINE s_loud, [irr]
	; the same with legacy replacement on (timer 0 off): no IRQ 0
	PIT_100HZ
	mov dword [T0CFG], 0
	mov dword [CFG], 3
	call pic_init
	mov ecx, 3000000
	call wait_ticks
	call read_irr
	PUT_HEX_LINE s_quiet, [irr]

	; timer 0: one-shot, 32-bit, interrupt enabled, 2 ms ahead
	mov dword [T0CFG], (1 << 2) | (1 << 8)
	mov eax, [CNT]
	add eax, 200000
	mov [T0CMP], eax
	mov ecx, 300000
	call wait_ticks
	call read_irr
	PUT_HEX_LINE s_irr0, [irr]

	; timer 2: level-triggered, input 20, 1 ms ahead
	mov dword [T2CFG], (1 << 1) | (1 << 2) | (1 << 8) | (20 << 9)
	mov eax, [CNT]
	add eax, 100000
	mov [T2CMP], eax
	mov ecx, 200000
	call wait_ticks
	mov esi, s_isr
	call puts
	mov eax, [ISR]
	call puthex
	mov al, ' '
	call putc
	mov dword [ISR], 4
	mov eax, [ISR]
	call puthex
	mov al, 10
	call putc
	call poweroff

; pic_init: both 8259s initialised (vectors 0x20/0x28), every input masked;
; initialising clears the edges the IRR holds
pic_init:
	mov al, 0x11
	out 0x20, al
	mov al, 0x20
	out 0x21, al
	mov al, 0x04
	out 0x21, al
	mov al, 0x01
	out 0x21, al
	mov al, 0xFF
	out 0x21, al
	ret

; rtc_sec: the RTC's seconds register in AL
rtc_sec:
	xor al, al
	out 0x70, al
	in al, 0x71
	ret

; read_irr: the master 8259's IRR into [irr]
read_irr:
	mov al, 0x0A          ; OCW3: read IRR
	out 0x20, al
	in al, 0x20
	movzx eax, al
	mov [irr], eax
	ret

; wait_ticks: ECX counter ticks (10 ns each)
wait_ticks:
	push eax
	push edx
	mov edx, [CNT]
.w:	mov eax, [CNT]
	sub eax, edx
	cmp eax, ecx
	jb .w
	pop edx
	pop eax
	ret

hello:	db "hpet_probe: start", 10, 0
s_cap:	db "CAP ", 0
s_ticks: db "TICKS ", 0
s_loud:	db "PITLOUD ", 0
s_quiet: db "PITQUIET ", 0
s_irr0:	db "IRR0 ", 0
s_isr:	db "ISR ", 0
ticks:	dd 0
irr:	dd 0

PVH_END
