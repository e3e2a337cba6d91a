; serial_irq: interrupt-driven output on COM1 through the legacy 8259 PIC.
;
; Sets up an IDT, remaps the PIC to vectors 0x20-0x2F with only IRQ4
; unmasked, enables the UART's THRE interrupt (IER bit 1) with OUT2 set, and
; lets the interrupt handler send "VMSTATION-SERIAL-OK" one byte per
; interrupt. Then it reports (polled) how many interrupts it took and the
; first IIR it read, and powers off -- or resets, if the command line
; (hvm_start_info.cmdline_paddr) contains "reset".
;
; With "echo" on the command line it then prints ECHO-READY, enables the
; receive interrupt (FIFO trigger level 14) and echoes what arrives until a
; 'q', counting receive interrupts by kind: a few typed bytes stay below the
; trigger level, so they come in through the character timeout (IIR 0xCC).
;
;
; The handler does not return with IRET: on this test machine guest kernel
; code is run by KVM's instruction emulator, which cannot execute IRET (nor
; INT n) in protected mode ("KVM internal error ... emulation failure", seen
; under qemu-system-x86_64 -enable-kvm too). Interrupts can only arrive while
; the main loop sleeps in `sti; hlt`, so the handler drops its frame and
; jumps back to that loop.
;
; Output:  serial_irq: start
;          VMSTATION-SERIAL-OK
;          irqs=00000014 iir=000000c2
; echo:    ECHO-READY
;          <the bytes received, up to q>
;          rx=<data irqs> timeout=<timeout irqs>
%include "pvh.inc"
%include "cmdline.inc"
%include "irq.inc"

IDT_VECTORS equ 256
IRQ4_VECTOR equ 0x24

_start:
	cli
	mov esp, stack_top
	mov [start_info], ebx
	call serial_init
	mov esi, msg_start
	call puts

	; --- IDT: every vector to `unexpected`, 0x24 to the COM1 handler ---
	mov ecx, 0
.gate:	mov eax, unexpected
	cmp ecx, IRQ4_VECTOR
	jne .set
	mov eax, com1_isr
.set:	IDT_GATE
	inc ecx
	cmp ecx, IDT_VECTORS
	jne .gate
	lidt [idt_desc]

	; --- 8259 pair at vectors 0x20-0x2F, only IRQ4 unmasked; local APIC as virtual wire ---
	PIC_REMAP 0xEF, 0xFF
	LAPIC_VIRTUAL_WIRE

	; --- UART: DTR|RTS|OUT2 (OUT2 gates the IRQ on a PC), then THRE interrupt ---
	mov dword [next], marker
	mov dx, COM1 + 4
	mov al, 0x0B
	out dx, al
	mov dx, COM1 + 1
	mov al, 0x02
	out dx, al                    ; IER = ETBEI: THR is empty, IRQ4 is pending now,
	call wait_done                ; taken when wait_done enables interrupts

	mov esi, msg_irqs
	call puts
	mov eax, [irq_count]
	call puthex
	mov esi, msg_iir
	call puts
	movzx eax, byte [first_iir]
	call puthex
	mov esi, crlf
	call puts
	mov edi, word_echo
	call cmdline_has
	jnc .no_echo
	call echo
.no_echo:
	mov edi, word_reset
	call cmdline_has
	jc reset
	jmp poweroff

; Echo received bytes until 'q', driven by RX data and timeout interrupts.
echo:
	mov byte [done], 0
	mov esi, msg_ready
	call puts
	mov dx, COM1 + 1
	mov al, 0x01
	out dx, al                    ; IER = ERBFI
	call wait_done
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov esi, msg_rx
	call puts
	mov eax, [rx_irqs]
	call puthex
	mov esi, msg_timeout
	call puts
	mov eax, [timeout_irqs]
	call puthex
	mov esi, crlf
	call puts
	ret

; Sleep until the interrupt handler sets [done]. The handler comes back to
; wait_loop (not with IRET), with this routine's return address on the stack.
wait_done:
wait_loop:
	cli                           ; check and sleep without losing a wake-up:
	cmp byte [done], 0            ; sti only takes effect after hlt starts
	jne .finished
	sti
	hlt
	jmp wait_loop
.finished:
	ret

; CF set if the command line holds the 4-letter word at EDI
CMDLINE_HAS 4

; IRQ4: one byte per THRE interrupt; at the end of the string, ETBEI off.
com1_isr:
	inc dword [irq_count]
	mov dx, COM1 + 2
	in al, dx                     ; IIR (reading it clears a THRE indication)
	cmp dword [irq_count], 1
	jne .not_first
	mov [first_iir], al
.not_first:
	and al, 0x0F
	cmp al, 0x04                  ; received data (at the trigger level)
	je .rx
	cmp al, 0x0C                  ; character timeout
	je .rx_timeout
	cmp al, 0x02                  ; THRE?
	jne .eoi
	mov esi, [next]
	lodsb
	test al, al
	jz .last
	mov dx, COM1
	out dx, al
	mov [next], esi
	jmp .eoi
.last:	mov dx, COM1 + 1
	xor al, al
	out dx, al                    ; IER = 0
	mov byte [done], 1
.rx_timeout:
	inc dword [timeout_irqs]
	dec dword [rx_irqs]
.rx:	inc dword [rx_irqs]
.rx_more:
	mov dx, COM1 + 5
	in al, dx
	test al, 0x01                 ; LSR DR
	jz .eoi
	mov dx, COM1
	in al, dx
	call putc                     ; echo
	cmp al, 'q'
	jne .rx_more
	mov byte [done], 1
.eoi:	mov al, 0x20
	out 0x20, al                  ; non-specific EOI to the master
	add esp, 12                   ; drop EIP, CS, EFLAGS (no IRET: see the top)
	jmp wait_loop

unexpected:
	cli
	mov esi, msg_unexpected
	call puts
	jmp poweroff

msg_start:      db "serial_irq: start", 13, 10, 0
marker:         db "VMSTATION-SERIAL-OK", 0
msg_irqs:       db 13, 10, "irqs=", 0
msg_iir:        db " iir=", 0
crlf:           db 13, 10, 0
msg_unexpected: db 13, 10, "serial_irq: unexpected interrupt or exception", 13, 10, 0
msg_ready:      db "ECHO-READY", 13, 10, 0
msg_rx:         db 13, 10, "rx=", 0
msg_timeout:    db " timeout=", 0
word_reset:     db "rese"         ; 4 letters are enough to tell the words apart
word_echo:      db "echo"

align 8
idt_desc:
	dw IDT_VECTORS * 8 - 1
	dd idt

align 4
start_info: dd 0
next:       dd 0
irq_count:  dd 0
rx_irqs:    dd 0
timeout_irqs: dd 0
first_iir:  db 0
done:       db 0

align 16
idt:        times IDT_VECTORS * 8 db 0
	    times 4096 db 0
stack_top:

PVH_END
