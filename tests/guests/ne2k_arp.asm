; Drives an NE2000 the way Linux's ne and ne2k-pci do, on slirp's network,
; and reports on COM1. The card: the RTL8029 at 00:03.0 when there is one
; (its I/O BAR put at 0xC100), else the ISA board at 0x300.
;   the reset port sets ISR.RST;
;   the PROM read byte-wide through remote DMA: each byte twice, the MAC,
;     'WW' in bytes 14-15;
;   300 ARP requests for 10.0.2.2, each written into the card's buffer with
;     REP OUTSW and sent with CR.TXP; each reply read from the 26-page ring
;     (PSTART 0x46, PSTOP 0x60) with REP INSW as ei_receive does, BNRY
;     handed back one page behind; the ring wraps every 26 frames.
;   internal loopback (TCR 0x02): a frame to ourselves comes back whole.
; Each line ends in OK or FAIL; then it powers off.
%include "pvh.inc"

PCI_IO  equ 0xC100
ISA_IO  equ 0x300
PSTART  equ 0x46
PSTOP   equ 0x60
TXPAGE  equ 0x40
FRAME   equ 0x200000          ; a received frame
TIMEOUT equ 4000000

; OUTR reg, value: a byte to the card's register
%macro OUTR 2
	mov dx, [io]
	add dx, %1
	mov al, %2
	out dx, al
%endmacro
; INR reg: AL = the card's register
%macro INR 1
	mov dx, [io]
	add dx, %1
	in al, dx
%endmacro

_start:
	GUEST_START hello
	mov word [io], ISA_IO
	mov eax, 0x80000000 | (3 << 11)
	call pci_read
	cmp eax, 0x802910EC
	jne .isa
	mov eax, 0x80000000 | (3 << 11) | 0x10
	mov ecx, PCI_IO | 1
	call pci_write
	mov eax, 0x80000000 | (3 << 11) | 0x04
	mov ecx, 5
	call pci_write
	mov word [io], PCI_IO
	mov esi, s_pci
	jmp .card
.isa:	mov esi, s_isa
.card:	call puts

	; ---- reset: read the reset port, write it back, wait for ISR.RST
	INR 0x1F
	out dx, al
	mov ecx, TIMEOUT
.rst:	INR 0x07
	test al, 0x80
	jnz .rstok
	loop .rst
	mov esi, s_reset
	call puts
	mov esi, s_fail
	call puts
	jmp poweroff
.rstok:	OUTR 0x07, 0xFF

	; ---- the PROM, byte-wide: 32 bytes from 0
	OUTR 0x00, 0x21           ; page 0, stop, no DMA
	OUTR 0x0E, 0x48           ; DCR: byte-wide, normal
	OUTR 0x0A, 32
	OUTR 0x0B, 0
	OUTR 0x08, 0
	OUTR 0x09, 0
	OUTR 0x00, 0x0A           ; remote read, start
	mov edi, prom
	mov ecx, 32
	mov dx, [io]
	add dx, 0x10
.prom:	in al, dx
	stosb
	loop .prom
	mov esi, s_prom
	call puts
	xor ecx, ecx
	mov dword [bad], 0
.pm:	mov al, [prom + ecx * 2]
	cmp al, [prom + ecx * 2 + 1]
	je .pm1
	inc dword [bad]
.pm1:	cmp ecx, 6
	jae .pm2
	mov [mac + ecx], al
	call putbyte
.pm2:	inc ecx
	cmp ecx, 16
	jb .pm
	cmp word [prom + 28], 0x5757
	jne .pmbad
	cmp dword [bad], 0
	jne .pmbad
	mov esi, s_ww
	call puts
	mov esi, s_ok
	jmp .pmdone
.pmbad:	mov esi, s_fail
.pmdone: call puts

	; ---- NS8390_init: word-wide, the ring, our address, start
	OUTR 0x00, 0x21
	OUTR 0x0E, 0x49
	OUTR 0x0A, 0
	OUTR 0x0B, 0
	OUTR 0x0C, 0x20           ; monitor while setting up
	OUTR 0x0D, 0x02           ; loopback while setting up
	OUTR 0x04, TXPAGE
	OUTR 0x01, PSTART
	OUTR 0x03, PSTOP - 1
	OUTR 0x02, PSTOP
	OUTR 0x07, 0xFF
	OUTR 0x0F, 0x00           ; polled: no interrupts
	OUTR 0x00, 0x61           ; page 1
	xor ecx, ecx
.par:	mov dx, [io]
	add dx, cx
	inc dx
	mov al, [mac + ecx]
	out dx, al
	inc ecx
	cmp ecx, 6
	jb .par
	OUTR 0x07, PSTART         ; CURR
	OUTR 0x00, 0x21
	OUTR 0x00, 0x22           ; start
	OUTR 0x0D, 0x00           ; TCR normal
	OUTR 0x0C, 0x04           ; RCR: broadcast and our address

	; the ARP request from our MAC
	mov esi, arp
	mov edi, txf
	mov ecx, 60
	rep movsb
	mov eax, [mac]
	mov [txf + 6], eax
	mov [txf + 22], eax
	mov ax, [mac + 4]
	mov [txf + 10], ax
	mov [txf + 26], ax

	mov dword [good], 0
	mov dword [bad], 0
	mov dword [wraps], 0
	mov dword [round], 0
.round:
	mov esi, txf
	mov ecx, 60
	call send
	jc .lost
	; wait for the reply
	mov ecx, TIMEOUT
.rxw:	INR 0x07
	test al, 0x01
	jnz .rx
	loop .rxw
.lost:	inc dword [bad]
	jmp .next
.rx:	OUTR 0x07, 0x01
	call receive_all
.next:	inc dword [round]
	cmp dword [round], 300
	jb .round
	mov esi, s_arp
	call puts
	mov eax, [good]
	call puthex
	mov esi, s_replies
	call puts
	mov eax, [wraps]
	call puthex
	mov esi, s_wraps
	call puts
	mov esi, s_ok
	cmp dword [good], 300
	jne .arpbad
	cmp dword [bad], 0
	je .arpok
.arpbad: mov esi, s_fail
.arpok:	call puts

	; ---- internal loopback: a frame to ourselves comes back into the ring
	OUTR 0x0D, 0x02
	mov esi, arp
	mov edi, txf
	mov ecx, 60
	rep movsb
	mov eax, [mac]
	mov [txf], eax
	mov ax, [mac + 4]
	mov [txf + 4], ax
	mov word [txf + 12], 0xB588   ; a local ethertype
	mov dword [txf + 20], 'loop'
	mov dword [good], 0
	mov esi, txf
	mov ecx, 60
	call send
	call receive_all
	OUTR 0x0D, 0x00
	mov esi, s_loop
	call puts
	mov esi, s_ok
	cmp dword [good], 1
	je .lpok
	mov esi, s_fail
.lpok:	call puts
	jmp poweroff

; send: ESI = frame, ECX = bytes (even): remote write to TXPAGE, then TXP.
; CF set when the card did not finish.
send:
	push ecx
	OUTR 0x07, 0x40           ; ack RDC
	pop ecx
	push ecx
	mov dx, [io]
	add dx, 0x0A
	mov al, cl
	out dx, al
	inc dx
	mov al, ch
	out dx, al
	OUTR 0x08, 0
	OUTR 0x09, TXPAGE
	OUTR 0x00, 0x12           ; remote write, start
	pop ecx
	push ecx
	shr ecx, 1
	mov dx, [io]
	add dx, 0x10
	rep outsw
	mov ecx, TIMEOUT
.rdc:	INR 0x07
	test al, 0x40
	jnz .rdcok
	loop .rdc
	pop ecx
	stc
	ret
.rdcok:	OUTR 0x07, 0x40
	pop ecx
	mov dx, [io]
	add dx, 0x05
	mov al, cl
	out dx, al
	inc dx
	mov al, ch
	out dx, al
	OUTR 0x00, 0x26           ; transmit
	mov ecx, TIMEOUT
.ptx:	INR 0x07
	test al, 0x0A
	jnz .ptxok
	loop .ptx
	stc
	ret
.ptxok:	OUTR 0x07, 0x0A
	clc
	ret

; dma_in: EBX = card address, ECX = bytes (even), EDI = buffer
dma_in:
	push ecx
	mov dx, [io]
	add dx, 0x0A
	mov al, cl
	out dx, al
	inc dx
	mov al, ch
	out dx, al
	mov dx, [io]
	add dx, 0x08
	mov al, bl
	out dx, al
	inc dx
	mov al, bh
	out dx, al
	OUTR 0x00, 0x0A           ; remote read, start
	pop ecx
	shr ecx, 1
	mov dx, [io]
	add dx, 0x10
	rep insw
	OUTR 0x07, 0x40
	ret

; receive_all: every frame between BNRY + 1 and CURR; an ARP reply from
; 10.0.2.2 counts in [good], a frame to ourselves with 'loop' too; a next
; page below the frame's counts a wrap.
receive_all:
.more:	OUTR 0x00, 0x62           ; page 1
	INR 0x07
	mov [curr], al
	OUTR 0x00, 0x22
	INR 0x03
	inc al
	cmp al, PSTOP
	jb .inring
	mov al, PSTART
.inring: cmp al, [curr]
	je .done
	mov [page], al
	movzx ebx, al
	shl ebx, 8
	mov ecx, 4
	mov edi, hdr
	call dma_in
	movzx ecx, word [hdr + 2]
	cmp ecx, 64
	jb .badhdr
	cmp ecx, 1536
	ja .badhdr
	sub ecx, 4
	inc ecx
	and ecx, ~1
	movzx ebx, byte [page]
	shl ebx, 8
	add ebx, 4
	mov edi, FRAME
	call dma_in
	cmp dword [FRAME + 20], 'loop'
	je .isgood
	cmp word [FRAME + 12], 0x0608
	jne .step
	cmp word [FRAME + 20], 0x0200
	jne .step
	cmp dword [FRAME + 28], 0x0202000A
	jne .step
.isgood: inc dword [good]
.step:	mov al, [hdr + 1]         ; next page
	cmp al, [page]
	ja .nowrap
	inc dword [wraps]
.nowrap: dec al
	cmp al, PSTART
	jae .bnry
	mov al, PSTOP - 1
.bnry:	mov dx, [io]
	add dx, 0x03
	out dx, al
	jmp .more
.badhdr: inc dword [bad]
.done:	ret

%include "pci_cfg.inc"

%include "hex.inc"

hello:    db "ne2k_arp: start", 10, 0
s_pci:    db "card: ne2k_pci at 00:03.0", 10, 0
s_isa:    db "card: ne2k_isa at 0x300", 10, 0
s_reset:  db "reset: no ISR.RST", 0
s_prom:   db "prom mac ", 0
s_ww:     db " doubled, WW", 0
s_arp:    db "arp: ", 0
s_replies: db " replies, ", 0
s_wraps:  db " wraps", 0
s_loop:   db "loopback", 0
s_ok:     db " OK", 10, 0
s_fail:   db " FAIL", 10, 0

%include "arp_request.inc"

align 4
io:     dw 0, 0
mac:    times 8 db 0
prom:   times 32 db 0
hdr:    times 4 db 0
txf:    times 64 db 0
curr:   db 0
page:   db 0
align 4
good:   dd 0
bad:    dd 0
wraps:  dd 0
round:  dd 0

PVH_END
