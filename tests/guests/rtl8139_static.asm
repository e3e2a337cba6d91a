; An RTL8139 at 00:03.0 on a bridge, with the static address 192.168.77.2
; (no DHCP), driven as 8139too does in normal mode (RxNoWrap), polled. It
; reports on COM1:
;   "mac <IDR0-5>";
;   an ARP request for 192.168.77.1: "arp reply: 192.168.77.1 is at <mac> OK";
;   three ICMP echo requests to it: "echo reply from 192.168.77.1 seq N OK";
;   then "serving", and from the start on it answers ARP requests for its
;   address ("arp request answered") and ICMP echo requests to it ("echo
;   request seq N answered"), forever.
; A step that gets no answer after TRIES tries says FAIL and serving begins.
%include "pvh.inc"

IO      equ 0xC100
RXBUF   equ 0x200000          ; 8 KiB ring + 16 + 1536 of slack (WRAP set)
TXBUF   equ 0x210000          ; our ARP request, at +0x100 our echo request
TXREP   equ 0x211000          ; answers
RING    equ 8192
RXWAIT  equ 200000            ; receive polls before a try is given up
TRIES   equ 30
TIMEOUT equ 4000000
MYIP    equ 0x024DA8C0        ; 192.168.77.2 as it lies in memory
PEERIP  equ 0x014DA8C0        ; 192.168.77.1
ICMPID  equ 0x7676

_start:
	GUEST_START hello

	; ---- PCI: the card at 00:03.0, I/O BAR, I/O + memory + bus master
	mov eax, 0x80000000 | (3 << 11)
	call pci_read
	cmp eax, 0x813910EC
	jne no_card
	mov eax, 0x80000000 | (3 << 11) | 0x10
	mov ecx, IO | 1
	call pci_write
	mov eax, 0x80000000 | (3 << 11) | 0x04
	mov ecx, 7
	call pci_write

	; ---- reset, the MAC, the ring; receive and transmit on
	mov dx, IO + 0x37
	mov al, 0x10
	out dx, al
.rst:	in al, dx
	test al, 0x10
	jnz .rst
	mov dx, IO
	in eax, dx
	mov [mac], eax
	mov dx, IO + 4
	in ax, dx
	mov [mac + 4], ax
	mov esi, s_mac
	call puts
	mov esi, mac
	call putmac
	mov al, 10
	call putc
	mov dx, IO + 0x30
	mov eax, RXBUF
	out dx, eax
	mov dx, IO + 0x44
	mov eax, 0x8A             ; APM | AB | WRAP, 8 KiB ring
	out dx, eax
	mov dx, IO + 0x37
	mov al, 0x0C              ; RE | TE
	out dx, al

	; ---- who has 192.168.77.1?
	mov dword [tries], TRIES
.arp:	call send_arp_request
	mov ecx, RXWAIT
.arpw:	call rx_one
	cmp byte [got_arp], 0
	jne .arpok
	loop .arpw
	dec dword [tries]
	jnz .arp
	mov esi, s_noarp
	call puts
	jmp serve
.arpok:	mov esi, s_arp
	call puts
	mov esi, peer
	call putmac
	mov esi, s_ok
	call puts

	; ---- three echo requests to it
	mov dword [seq], 1
.ping:	mov dword [tries], TRIES
.ptx:	call send_echo_request
	mov ecx, RXWAIT
.pw:	call rx_one
	mov eax, [got_seq]
	cmp eax, [seq]
	je .pok
	loop .pw
	dec dword [tries]
	jnz .ptx
	mov esi, s_noecho
	call puts
	jmp serve
.pok:	mov esi, s_echo
	call puts
	mov eax, [seq]
	call puthex4
	mov esi, s_ok
	call puts
	inc dword [seq]
	cmp dword [seq], 4
	jb .ping

serve:
	mov esi, s_serving
	call puts
.l:	call rx_one
	jmp .l

no_card:
	mov esi, s_nocard
	call puts
	call poweroff

; ---- rx_one: the next frame of the ring, if any, handled (all registers kept)
rx_one:
	pushad
	mov dx, IO + 0x37
	in al, dx
	test al, 1                ; BUFE: nothing there
	jnz .none
	mov ebx, [rd]
	lea edi, [RXBUF + ebx + 4]            ; the frame (linear: WRAP set)
	test byte [RXBUF + ebx], 1            ; ROK
	jz .next
	movzx ecx, word [RXBUF + ebx + 2]
	sub ecx, 4                            ; without the CRC
	mov [flen], ecx
	cmp word [edi + 12], 0x0608
	je .arp
	cmp word [edi + 12], 0x0008
	je .ip
	jmp .next
.arp:	cmp word [edi + 20], 0x0200           ; a reply
	je .arprep
	cmp word [edi + 20], 0x0100           ; a request
	jne .next
	cmp dword [edi + 38], MYIP            ; for us
	jne .next
	call arp_answer
	jmp .next
.arprep: cmp dword [edi + 28], PEERIP         ; from the peer, to us
	jne .next
	cmp dword [edi + 38], MYIP
	jne .next
	mov eax, [edi + 22]
	mov [peer], eax
	mov ax, [edi + 26]
	mov [peer + 4], ax
	mov byte [got_arp], 1
	jmp .next
.ip:	cmp byte [edi + 23], 1                ; ICMP
	jne .next
	cmp dword [edi + 30], MYIP
	jne .next
	movzx eax, byte [edi + 14]
	and eax, 0xF
	lea esi, [edi + 14 + eax * 4]         ; the ICMP header
	cmp byte [esi], 8
	jne .erep
	call echo_answer
	jmp .next
.erep:	cmp byte [esi], 0                     ; an echo reply
	jne .next
	cmp dword [edi + 26], PEERIP
	jne .next
	cmp word [esi + 4], ICMPID
	jne .next
	movzx eax, word [esi + 6]
	xchg al, ah
	mov [got_seq], eax
.next:	mov ebx, [rd]
	movzx ecx, word [RXBUF + ebx + 2]
	lea eax, [ebx + ecx + 4 + 3]
	and eax, ~3
	cmp eax, RING
	jb .nw
	sub eax, RING
.nw:	mov [rd], eax
	sub eax, 16
	mov dx, IO + 0x38
	out dx, ax                ; CAPR = read point - 16
.none:	popad
	ret

; ---- arp_answer: EDI = an ARP request for us
arp_answer:
	mov ebx, TXREP
	mov eax, [edi + 6]        ; to the asker
	mov [ebx], eax
	mov [ebx + 32], eax
	mov ax, [edi + 10]
	mov [ebx + 4], ax
	mov [ebx + 36], ax
	mov eax, [mac]            ; from us
	mov [ebx + 6], eax
	mov [ebx + 22], eax
	mov ax, [mac + 4]
	mov [ebx + 10], ax
	mov [ebx + 26], ax
	mov dword [ebx + 12], 0x01000608   ; ARP, Ethernet
	mov dword [ebx + 16], 0x04060008   ; IPv4, 6, 4
	mov word [ebx + 20], 0x0200        ; a reply
	mov dword [ebx + 28], MYIP
	mov eax, [edi + 28]
	mov [ebx + 38], eax                ; the asker's address
	push edi
	lea edi, [ebx + 42]
	xor eax, eax
	mov ecx, 18
	rep stosb
	pop edi
	mov eax, TXREP
	mov ecx, 60
	call transmit
	mov esi, s_arpans
	jmp puts

; ---- echo_answer: EDI = the frame, ESI = its ICMP echo request
echo_answer:
	mov ecx, [flen]
	cmp ecx, 1514
	ja .out
	push esi
	push edi
	mov esi, edi
	mov edi, TXREP
	rep movsb
	pop edi
	pop esi
	mov ebx, TXREP
	mov eax, [edi + 6]        ; back to the sender
	mov [ebx], eax
	mov ax, [edi + 10]
	mov [ebx + 4], ax
	mov eax, [mac]
	mov [ebx + 6], eax
	mov ax, [mac + 4]
	mov [ebx + 10], ax
	mov eax, [edi + 26]       ; addresses swapped: the IP checksum holds
	mov [ebx + 30], eax
	mov dword [ebx + 26], MYIP
	sub esi, edi
	add esi, ebx              ; the ICMP header of the answer
	mov byte [esi], 0         ; echo reply
	mov word [esi + 2], 0
	movzx ecx, word [ebx + 16]
	xchg cl, ch               ; IP total length
	movzx eax, byte [ebx + 14]
	and eax, 0xF
	shl eax, 2
	sub ecx, eax              ; the ICMP message's
	call cksum
	mov [esi + 2], ax
	mov eax, TXREP
	mov ecx, [flen]
	cmp ecx, 60
	jae .len
	mov ecx, 60
.len:	call transmit
	mov esi, s_ereq
	call puts
	mov ax, [TXREP + 14 + 20 + 6]
	xchg al, ah
	call puthex4
	mov esi, s_answered
	call puts
.out:	ret

; ---- send_arp_request: who has 192.168.77.1, tell 192.168.77.2
send_arp_request:
	mov ebx, TXBUF
	mov dword [ebx], 0xFFFFFFFF
	mov word [ebx + 4], 0xFFFF
	mov eax, [mac]
	mov [ebx + 6], eax
	mov [ebx + 22], eax
	mov ax, [mac + 4]
	mov [ebx + 10], ax
	mov [ebx + 26], ax
	mov dword [ebx + 12], 0x01000608
	mov dword [ebx + 16], 0x04060008
	mov word [ebx + 20], 0x0100        ; a request
	mov dword [ebx + 28], MYIP
	mov dword [ebx + 32], 0
	mov word [ebx + 36], 0
	mov dword [ebx + 38], PEERIP
	lea edi, [ebx + 42]
	xor eax, eax
	mov ecx, 18
	rep stosb
	mov eax, TXBUF
	mov ecx, 60
	jmp transmit

; ---- send_echo_request: ICMP echo, id ICMPID, sequence [seq], 32 bytes
send_echo_request:
	mov ebx, TXBUF + 0x100
	mov eax, [peer]
	mov [ebx], eax
	mov ax, [peer + 4]
	mov [ebx + 4], ax
	mov eax, [mac]
	mov [ebx + 6], eax
	mov ax, [mac + 4]
	mov [ebx + 10], ax
	mov word [ebx + 12], 0x0008
	mov dword [ebx + 14], 0x3C000045   ; IPv4, 20-byte header, total length 60
	mov eax, [seq]
	xchg al, ah
	mov [ebx + 18], ax                 ; identification
	mov word [ebx + 20], 0x0040        ; don't fragment
	mov word [ebx + 22], 0x0140        ; TTL 64, ICMP
	mov word [ebx + 24], 0
	mov dword [ebx + 26], MYIP
	mov dword [ebx + 30], PEERIP
	lea esi, [ebx + 14]
	mov ecx, 20
	call cksum
	mov [ebx + 24], ax
	mov word [ebx + 34], 0x0008        ; echo request, code 0
	mov word [ebx + 36], 0
	mov word [ebx + 38], ICMPID
	mov eax, [seq]
	xchg al, ah
	mov [ebx + 40], ax
	lea edi, [ebx + 42]
	mov esi, payload
	mov ecx, 32
	rep movsb
	lea esi, [ebx + 34]
	mov ecx, 40
	call cksum
	mov [ebx + 36], ax
	mov eax, TXBUF + 0x100
	mov ecx, 74
	jmp transmit

; ---- cksum: the Internet checksum of ECX bytes at ESI -> AX, ready to store
; (16-bit words summed as they load, little-endian: RFC 1071's byte-order
; independence makes the stored result right)
cksum:
	push ebx
	push ecx
	push edx
	push esi
	xor ebx, ebx
.w:	cmp ecx, 2
	jb .odd
	movzx edx, word [esi]
	add ebx, edx
	add esi, 2
	sub ecx, 2
	jmp .w
.odd:	jecxz .fold
	movzx edx, byte [esi]
	add ebx, edx
.fold:	mov eax, ebx
	shr eax, 16
	and ebx, 0xFFFF
	add ebx, eax
	mov eax, ebx
	shr eax, 16
	add ebx, eax
	not ebx
	mov eax, ebx
	and eax, 0xFFFF
	pop esi
	pop edx
	pop ecx
	pop ebx
	ret

; ---- transmit: EAX = the frame's address, ECX = its length; waits for TOK
transmit:
	push ebx
	push ecx
	push edx
	mov ebx, [txi]
	and ebx, 3
	lea edx, [IO + 0x20 + ebx * 4]
	out dx, eax
	lea edx, [IO + 0x10 + ebx * 4]
	mov eax, ecx
	out dx, eax
	mov ecx, TIMEOUT
.w:	in eax, dx
	test eax, 0x8000          ; TOK
	jnz .ok
	loop .w
.ok:	inc dword [txi]
	pop edx
	pop ecx
	pop ebx
	ret

; putmac: the six bytes at ESI in hex
putmac:
	push ecx
	push eax
	xor ecx, ecx
.b:	mov al, [esi + ecx]
	call putbyte
	inc ecx
	cmp ecx, 6
	jb .b
	pop eax
	pop ecx
	ret

%include "pci_cfg.inc"
%include "hex.inc"

hello:     db "rtl8139_static: start", 10, 0
s_mac:     db "mac ", 0
s_ok:      db " OK", 10, 0
s_nocard:  db "no RTL8139 at 00:03.0 FAIL", 10, 0
s_arp:     db "arp reply: 192.168.77.1 is at ", 0
s_noarp:   db "arp: no reply from 192.168.77.1 FAIL", 10, 0
s_echo:    db "echo reply from 192.168.77.1 seq ", 0
s_noecho:  db "echo: no reply from 192.168.77.1 FAIL", 10, 0
s_serving: db "serving", 10, 0
s_arpans:  db "arp request answered", 10, 0
s_ereq:    db "echo request seq ", 0
s_answered: db " answered", 10, 0
payload:   db "vmstation bridge test, 32 bytes."

align 4
mac:     times 8 db 0
peer:    times 8 db 0
got_arp: dd 0
got_seq: dd 0
seq:     dd 0
tries:   dd 0
flen:    dd 0
rd:      dd 0
txi:     dd 0

PVH_END
