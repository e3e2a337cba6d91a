; Drives the e1000 (82540EM) at 00:03.0 the way Linux's e1000 and iPXE's
; intel driver do, on slirp's network, and reports on COM1:
;   the EEPROM read word by word through EERD: words 0-2 are RAL0/RAH0's
;     MAC, the 64 words sum to 0xBABA;
;   a reset through the I/O BAR's IOADDR/IODATA (Linux's way on the 82540),
;     STATUS (link up, 1000 Mb/s, full duplex), the PHY's ID through MDIC;
;   300 ARP requests for 10.0.2.2 through a ring of 8 legacy transmit
;     descriptors, each reply read from a ring of 8 receive descriptors
;     (both wrap 37 times), ICR read to clear each round;
;   an ICMP echo request with no IP checksum sent through a context and a
;     data descriptor with IXSM: slirp's reply proves the card's checksum.
; Each line ends in OK or FAIL; then it powers off.
%include "pvh.inc"

MMIO    equ 0xFEB00000        ; BAR0
IO      equ 0xC100            ; BAR1: IOADDR, IODATA
TXR     equ 0x200000          ; 8 transmit descriptors
RXR     equ 0x201000          ; 8 receive descriptors
TXBUF   equ 0x210000
PINGBUF equ 0x211000
RXBUF   equ 0x220000          ; 8 buffers of 2 KiB
NDESC   equ 8
ROUNDS  equ 300
TIMEOUT equ 4000000           ; polls of a register before giving up
; polls of a descriptor in guest memory: no exit each, so a bound in
; iterations is milliseconds only, less than the back end's thread may be
; off the CPU on a loaded machine (the emulated host, a software CPU)
MEMWAIT equ 400000000

CTRL    equ 0x0000
STATUS  equ 0x0008
EERD    equ 0x0014
MDIC    equ 0x0020
ICR     equ 0x00C0
IMC     equ 0x00D8
RCTL    equ 0x0100
TCTL    equ 0x0400
RDBAL   equ 0x2800
RDLEN   equ 0x2808
RDH     equ 0x2810
RDT     equ 0x2818
TDBAL   equ 0x3800
TDLEN   equ 0x3808
TDH     equ 0x3810
TDT     equ 0x3818
RAL0    equ 0x5400
RAH0    equ 0x5404

_start:
	mov [pvh_info], ebx
	GUEST_START hello

	; ---- PCI: the card at 00:03.0; BAR0 memory, BAR1 I/O; I/O + memory + bus master
	mov eax, 0x80000000 | (3 << 11)
	call pci_read
	cmp eax, 0x100E8086
	jne no_card
	mov eax, 0x80000000 | (3 << 11) | 0x10
	mov ecx, MMIO
	call pci_write
	mov eax, 0x80000000 | (3 << 11) | 0x14
	mov ecx, IO | 1
	call pci_write
	mov eax, 0x80000000 | (3 << 11) | 0x04
	mov ecx, 7
	call pci_write

	; ---- the EEPROM through EERD: the sum of 64 words, the MAC in 0-2
	xor ebx, ebx
	xor edi, edi
.ee:	mov eax, ebx
	shl eax, 8
	or eax, 1                 ; START
	mov [MMIO + EERD], eax
	mov ecx, TIMEOUT
.eew:	mov eax, [MMIO + EERD]
	test eax, 0x10            ; DONE (the 82540's bit 4)
	jnz .eed
	loop .eew
	jmp no_card
.eed:	shr eax, 16
	add di, ax
	cmp ebx, 3
	jae .ees
	mov [mac + ebx * 2], ax
.ees:	inc ebx
	cmp ebx, 64
	jb .ee
	mov esi, s_mac
	call puts
	xor ecx, ecx
.macp:	mov al, [mac + ecx]
	call putbyte
	inc ecx
	cmp ecx, 6
	jb .macp
	mov esi, s_sum
	call puts
	mov ax, di
	call puthex4
	mov esi, s_fail
	cmp di, 0xBABA
	jne .eer
	mov eax, [MMIO + RAL0]
	cmp eax, [mac]
	jne .eer
	mov eax, [MMIO + RAH0]
	movzx edx, word [mac + 4]
	or edx, 0x80000000        ; AV
	cmp eax, edx
	jne .eer
	mov esi, s_ok
.eer:	call puts

	; ---- reset through IOADDR/IODATA, as Linux's e1000_reset_hw does on the 82540
	mov dx, IO
	mov eax, CTRL
	out dx, eax
	mov dx, IO + 4
	in eax, dx
	or eax, 1 << 26           ; RST
	out dx, eax
	mov ecx, TIMEOUT
.rst:	mov eax, [MMIO + CTRL]
	test eax, 1 << 26
	jz .rstd
	loop .rst
.rstd:	mov dword [MMIO + IMC], 0xFFFFFFFF
	mov eax, [MMIO + ICR]
	mov esi, s_status
	call puts
	mov eax, [MMIO + STATUS]
	call puthex
	and eax, 0xC3             ; speed, LU, FD
	mov esi, s_ok
	cmp eax, 0x83             ; 1000 Mb/s, link up, full duplex
	je .st
	mov esi, s_fail
.st:	call puts
	; the PHY's identifier through MDIC (address 1, registers 2 and 3)
	mov esi, s_phy
	call puts
	mov eax, (2 << 26) | (1 << 21) | (2 << 16)
	call mdic
	mov ebx, eax
	call puthex4
	mov eax, (2 << 26) | (1 << 21) | (3 << 16)
	call mdic
	call puthex4
	shl ebx, 16
	mov bx, ax
	mov esi, s_ok
	and ebx, 0xFFFFFFF0
	cmp ebx, 0x01410C20
	je .ph
	mov esi, s_fail
.ph:	call puts

	; ---- rings: 8 and 8, receive buffers of 2 KiB, the card on
	mov edi, TXR
	xor eax, eax
	mov ecx, NDESC * 4
	rep stosd
	xor ebx, ebx
.rxd:	mov eax, ebx
	shl eax, 11
	add eax, RXBUF
	mov edx, ebx
	shl edx, 4
	mov [RXR + edx], eax
	mov dword [RXR + edx + 4], 0
	mov dword [RXR + edx + 8], 0
	mov dword [RXR + edx + 12], 0
	inc ebx
	cmp ebx, NDESC
	jb .rxd
	mov dword [MMIO + TDBAL], TXR
	mov dword [MMIO + TDBAL + 4], 0
	mov dword [MMIO + TDLEN], NDESC * 16
	mov dword [MMIO + TDH], 0
	mov dword [MMIO + TDT], 0
	mov dword [MMIO + RDBAL], RXR
	mov dword [MMIO + RDBAL + 4], 0
	mov dword [MMIO + RDLEN], NDESC * 16
	mov dword [MMIO + RDH], 0
	mov dword [MMIO + RDT], NDESC - 1
	mov dword [MMIO + TCTL], 0x0A       ; EN | PSP
	mov dword [MMIO + RCTL], 0x8002     ; EN | BAM, 2 KiB buffers, the CRC kept

	; the ARP request: who has 10.0.2.2, tell 10.0.2.15 (from our MAC)
	mov esi, arp
	mov edi, TXBUF
	mov ecx, 60
	rep movsb
	mov eax, [mac]
	mov [TXBUF + 6], eax
	mov [TXBUF + 22], eax
	mov ax, [mac + 4]
	mov [TXBUF + 10], ax
	mov [TXBUF + 26], ax

	call arp_rounds
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
	cmp dword [bad], 0
	jne .arpbad
	cmp dword [icrbad], 0
	je .arpp
.arpbad: mov esi, s_fail
.arpp:	call puts

	call ping
	call poweroff

no_card:
	mov esi, s_nocard
	call puts
	call poweroff

; mdic: EAX = the command -> AX = the data (0xFFFF on error)
mdic:
	mov [MMIO + MDIC], eax
	mov ecx, TIMEOUT
.w:	mov eax, [MMIO + MDIC]
	test eax, 1 << 28         ; READY
	jnz .d
	loop .w
.d:	test eax, 1 << 30         ; ERROR
	jz .r
	mov eax, 0xFFFF
.r:	ret

; ---- 300 rounds: a request out through descriptor round % 8, its reply
; from receive descriptor rd; ICR must say TXDW and RXT0 (read to clear)
arp_rounds:
	xor eax, eax
	mov [good], eax
	mov [bad], eax
	mov [wraps], eax
	mov [rd], eax
	mov [round], eax
	mov [icrbad], eax
.round:
	mov ebx, [round]
	and ebx, NDESC - 1
	shl ebx, 4
	mov dword [TXR + ebx], TXBUF
	mov dword [TXR + ebx + 4], 0
	mov dword [TXR + ebx + 8], 60 | (0x0B << 24)   ; EOP | IFCS | RS
	mov dword [TXR + ebx + 12], 0
	mov eax, [round]
	inc eax
	and eax, NDESC - 1
	mov [MMIO + TDT], eax
	mov ecx, MEMWAIT
.txw:	test byte [TXR + ebx + 12], 1     ; DD
	jnz .txok
	loop .txw
	jmp .lost
.txok:	mov ebx, [rd]
	shl ebx, 4
	mov ecx, MEMWAIT
.rxw:	test byte [RXR + ebx + 12], 1     ; DD
	jnz .rxok
	loop .rxw
	jmp .lost
.rxok:	mov eax, [MMIO + ICR]
	or [icr], eax
	mov esi, [RXR + ebx]              ; the buffer
	test byte [RXR + ebx + 12], 2     ; EOP
	jz .badf
	cmp word [RXR + ebx + 8], 64      ; at least 60 bytes and the CRC
	jb .badf
	cmp word [esi + 12], 0x0608
	jne .badf
	cmp byte [esi + 21], 2            ; reply
	jne .badf
	cmp dword [esi + 28], 0x0202000A  ; from 10.0.2.2
	jne .badf
	inc dword [good]
	jmp .next
.badf:	inc dword [bad]
.next:	mov byte [RXR + ebx + 12], 0
	mov eax, [rd]
	mov [MMIO + RDT], eax             ; the descriptor back to the card
	inc eax
	cmp eax, NDESC
	jb .nw
	xor eax, eax
	inc dword [wraps]
.nw:	mov [rd], eax
	mov eax, [icr]
	and eax, 0x81                     ; RXT0 | TXDW
	cmp eax, 0x81
	je .icrok
	; the reply may come before the transmit's ICR was read: once more
	mov eax, [MMIO + ICR]
	or eax, [icr]
	and eax, 0x81
	cmp eax, 0x81
	je .icrok
	inc dword [icrbad]
.icrok:	mov dword [icr], 0
	inc dword [round]
	cmp dword [round], ROUNDS
	jb .round
	ret
.lost:	inc dword [bad]
	ret

; ---- an ICMP echo to 10.0.2.2, its IP checksum left to the card: a context
; descriptor (IPCSS 14, IPCSO 24, IPCSE 33, IP) and a data descriptor with
; POPTS.IXSM; slirp answers only a datagram whose checksum holds
ping:
	mov esi, echo
	mov edi, PINGBUF
	mov ecx, 98
	rep movsb
	mov eax, [mac]
	mov [PINGBUF + 6], eax
	mov ax, [mac + 4]
	mov [PINGBUF + 10], ax
	mov ebx, [round]
	and ebx, NDESC - 1
	shl ebx, 4
	; context
	mov dword [TXR + ebx], 0x0021180E                ; IPCSS 14, IPCSO 24, IPCSE 33
	mov dword [TXR + ebx + 4], 0
	mov dword [TXR + ebx + 8], (0x20 | 0x02) << 24   ; DEXT | IP, DTYP context
	mov dword [TXR + ebx + 12], 0
	inc dword [round]
	mov ebx, [round]
	and ebx, NDESC - 1
	shl ebx, 4
	; data
	mov dword [TXR + ebx], PINGBUF
	mov dword [TXR + ebx + 4], 0
	mov dword [TXR + ebx + 8], 98 | (1 << 20) | ((0x20 | 0x0B) << 24)
	mov dword [TXR + ebx + 12], 0x01 << 8            ; POPTS.IXSM
	inc dword [round]
	mov eax, [round]
	and eax, NDESC - 1
	mov [MMIO + TDT], eax
	mov ecx, MEMWAIT
.txw:	test byte [TXR + ebx + 12], 1
	jnz .tx
	loop .txw
	jmp .bad
.tx:	mov dword [tries], 6
.rx:	mov ebx, [rd]
	shl ebx, 4
	mov ecx, MEMWAIT
.rxw:	test byte [RXR + ebx + 12], 1
	jnz .got
	loop .rxw
	jmp .bad
.got:	mov esi, [RXR + ebx]
	mov byte [RXR + ebx + 12], 0
	mov eax, [rd]
	mov [MMIO + RDT], eax
	inc eax
	and eax, NDESC - 1
	mov [rd], eax
	cmp word [esi + 12], 0x0008       ; IPv4
	jne .other
	cmp byte [esi + 23], 1            ; ICMP
	jne .other
	cmp byte [esi + 34], 0            ; echo reply
	jne .other
	cmp word [esi + 38], 0x4242       ; our identifier
	jne .other
	mov esi, s_ping
	call puts
	mov esi, s_ok
	jmp puts
.other:	dec dword [tries]
	jnz .rx
.bad:	mov esi, s_ping
	call puts
	mov esi, s_fail
	jmp puts

%include "pci_cfg.inc"
%include "hex.inc"

hello:    db "e1000_arp: start", 10, 0
s_mac:    db "eeprom mac ", 0
s_sum:    db " sum ", 0
s_ok:     db " OK", 10, 0
s_fail:   db " FAIL", 10, 0
s_nocard: db "no 82540EM at 00:03.0 FAIL", 10, 0
s_status: db "status ", 0
s_phy:    db "phy id ", 0
s_arp:    db "arp: ", 0
s_replies: db " replies, ", 0
s_wraps:  db " wraps", 0
s_ping:   db "ixsm echo reply", 0

%include "arp_request.inc"

; an ICMP echo request 10.0.2.15 -> 10.0.2.2, identifier 0x4242, its ICMP
; checksum filled in, its IP checksum zero (the card's to fill)
echo:	db 0x52, 0x55, 10, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0x08, 0x00
	db 0x45, 0, 0, 84, 0, 0, 0, 0, 64, 1, 0, 0
	db 10, 0, 2, 15, 10, 0, 2, 2
	db 8, 0, 0xB5, 0xBC, 0x42, 0x42, 0, 1
	times 56 db 0

align 4
mac:    times 8 db 0
good:   dd 0
bad:    dd 0
wraps:  dd 0
rd:     dd 0
round:  dd 0
icr:    dd 0
icrbad: dd 0
tries:  dd 0
pvh_info: dd 0

PVH_END
