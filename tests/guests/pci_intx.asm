; pci_intx: a hard-disk image that SeaBIOS boots; it checks that each PCI
; function's interrupt arrives on the IRQ SeaBIOS wrote into its Interrupt
; Line register (the IRQ SeaBIOS's own ACPI _PRT and $PIR table tell an OS).
; SeaBIOS computes that line from its rule for the board's slot wiring and
; the PIIX3 PIRQ routes it programs; a device raising another PIRQ would
; interrupt an OS on a line it does not listen to.
;
; For every e1000 (8086:100E) and the PIIX3 UHCI (8086:7020) on bus 0, with
; interrupts off:
;   e1000: through its I/O BAR (IOADDR/IODATA), IMS = 1 then ICS = 1 (a
;     transmit-done cause) asserts INTA; IMC and a read of ICR drop it;
;   UHCI: stopped, its frame list moved outside RAM, started: the first
;     frame's fetch fails with a host system error, which always interrupts
;     (INTD); stopped and USBSTS cleared drops it.
; The 8259s' IRR (OCW3 read) is sampled while the line is up and after it is
; dropped; SeaBIOS has the PCI IRQs level-triggered in the ELCR, so IRR
; follows the line. One COM1 line per function:
;   "INTX dd.f PIN p LINE ll ON xxxx OFF xxxx"
; then "INTX DONE n" (n functions), or "FAIL c".
;   nasm -f bin -o pci_intx.img pci_intx.asm   (a 64 KiB disk image)
BITS 16
org 0x7C00

start:
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7C00
	sti
	mov [drive], dl
	; the rest of the program: sectors 2-9 to 0x7E00 (INT 13h AH=02)
	mov ax, 0x0208
	mov cx, 0x0002
	xor dh, dh
	mov bx, 0x7E00
	int 0x13
	mov al, 'L'
	jc fail
	jmp main

; putc: AL to COM1 (DX kept)
putc:
	push dx
	push ax
	mov dx, 0x3FD
.w:	in al, dx
	test al, 0x20
	jz .w
	pop ax
	mov dx, 0x3F8
	out dx, al
	pop dx
	ret

; puts: the NUL-terminated string at SI
puts:
	lodsb
	test al, al
	jz .e
	call putc
	jmp puts
.e:	ret

fail:
	push ax
	mov si, s_fail
	call puts
	pop ax
	call putc
	mov al, 10
	call putc
.h:	hlt
	jmp .h

s_fail: db "FAIL ", 0
drive: db 0

	times 510 - ($ - $$) db 0
	dw 0xAA55

; ---- sector 2 on ----------------------------------------------------------
main:
	cli
	xor bx, bx                    ; BX = devfn, 0-255
	xor di, di                    ; DI = functions checked
.scan:
	call cfg_addr
	call pci_read
	cmp eax, 0x100E8086
	je .e1000
	cmp eax, 0x70208086
	je .uhci
.next:
	inc bx
	cmp bx, 256
	jb .scan
	mov si, s_done
	call puts
	mov ax, di
	call putbyte
	mov al, 10
	call putc
.h:	hlt
	jmp .h

.e1000:
	call header
	mov eax, [addr]
	or al, 0x14                   ; BAR1: the I/O window
	call pci_read
	and ax, 0xFFFC
	mov bp, ax                    ; BP = IOADDR, BP + 4 = IODATA
	mov al, 'E'
	test bp, bp
	jz fail
	call enable_io
	mov eax, 0xD0                 ; IMS: transmit descriptor written back
	mov ecx, 1
	call e1k_write
	mov eax, 0xC8                 ; ICS: set that cause
	call e1k_write
	call sample_on
	mov eax, 0xD8                 ; IMC: mask every cause
	mov ecx, 0xFFFFFFFF
	call e1k_write
	mov eax, 0xC0                 ; ICR: read to clear
	call e1k_read
	call sample_off
	inc di
	jmp .next

.uhci:
	call header
	mov eax, [addr]
	or al, 0x20                   ; BAR4: the I/O registers
	call pci_read
	and ax, 0xFFE0
	mov bp, ax
	mov al, 'U'
	test bp, bp
	jz fail
	call enable_io
	call uhci_stop
	lea dx, [bp + 8]              ; FRBASEADD: past the end of RAM
	mov eax, 0x7FFFF000
	out dx, eax
	mov dx, bp                    ; USBCMD: Run
	mov ax, 1
	out dx, ax
	mov ecx, 2000000              ; until HSE (bit 3) shows
.wait:	lea dx, [bp + 2]
	in ax, dx
	test al, 0x08
	jnz .hse
	dec ecx
	jnz .wait
	mov al, 'H'
	jmp fail
.hse:	call sample_on
	call uhci_stop
	lea dx, [bp + 2]              ; USBSTS: write one to clear all
	mov ax, 0x3F
	out dx, ax
	call sample_off
	inc di
	jmp .next

; uhci_stop: Run off, then wait for HCHalted (USBSTS bit 5)
uhci_stop:
	mov dx, bp
	xor ax, ax
	out dx, ax
	mov ecx, 2000000
.w:	lea dx, [bp + 2]
	in ax, dx
	test al, 0x20
	jnz .e
	dec ecx
	jnz .w
.e:	ret

; cfg_addr: [addr] = mechanism #1 address of devfn BX, register 0
cfg_addr:
	movzx eax, bx
	shl eax, 8
	or eax, 0x80000000
	mov [addr], eax
	ret

; pci_read: EAX = address -> EAX (DX clobbered)
pci_read:
	mov dx, 0xCF8
	out dx, eax
	mov dx, 0xCFC
	in eax, dx
	ret

; enable_io: the function's command register gets I/O space on
enable_io:
	mov eax, [addr]
	or al, 0x04
	push eax
	call pci_read
	or al, 0x01
	mov ecx, eax
	pop eax
	mov dx, 0xCF8
	out dx, eax
	mov dx, 0xCFC
	mov eax, ecx
	out dx, ax
	ret

; header: "INTX dd.f PIN p LINE ll " and [line] = the Interrupt Line
header:
	mov si, s_intx
	call puts
	mov al, bl
	shr al, 3
	call putbyte
	mov al, '.'
	call putc
	mov al, bl
	and al, 7
	add al, '0'
	call putc
	mov eax, [addr]
	or al, 0x3C
	call pci_read
	mov [line], al
	push eax
	mov si, s_pin
	call puts
	pop eax
	push eax
	mov al, ah
	add al, '0'
	call putc
	mov si, s_line
	call puts
	pop eax
	call putbyte
	ret

; e1k_write: register EAX = ECX through IOADDR/IODATA
e1k_write:
	mov dx, bp
	out dx, eax
	lea dx, [bp + 4]
	mov eax, ecx
	out dx, eax
	ret

; e1k_read: register EAX -> EAX
e1k_read:
	mov dx, bp
	out dx, eax
	lea dx, [bp + 4]
	in eax, dx
	ret

; read_irr: AX = both 8259s' interrupt request registers (OCW3 0x0A)
read_irr:
	mov al, 0x0A
	out 0xA0, al
	out 0x20, al
	in al, 0xA0
	mov ah, al
	in al, 0x20
	ret

sample_on:
	mov si, s_on
	call puts
	call read_irr
	call puthex4
	ret

sample_off:
	mov si, s_off
	call puts
	call read_irr
	call puthex4
	mov al, 10
	call putc
	ret

%include "hex.inc"

s_intx: db "INTX ", 0
s_pin:  db " PIN ", 0
s_line: db " LINE ", 0
s_on:   db " ON ", 0
s_off:  db " OFF ", 0
s_done: db "INTX DONE ", 0
addr:   dd 0
line:   db 0

	times 0x10000 - ($ - $$) db 0
