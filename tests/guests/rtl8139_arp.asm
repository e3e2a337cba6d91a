; Drives the RTL8139 at 00:03.0 the way Linux's 8139too and 8139cp do, on
; slirp's network, and reports on COM1:
;   the MAC read bit by bit from the 93C46 EEPROM matches IDR0-5;
;   normal mode, WRAP set (8139too's RxNoWrap): 300 ARP requests for
;     10.0.2.2 through the four transmit descriptors, each reply read from
;     the 8 KiB ring, which wraps twice;
;   the same with WRAP clear: frames that straddle the end continue at the
;     start of the ring;
;   C+ mode: 12 round trips through rings of four descriptors (EOR wrap).
; Each line ends in OK or FAIL. With "serve" on the kernel command line it
; then stays on the network: it answers ARP for 10.0.2.15 and prints
; "tcp syn to port NNNN" for each TCP SYN that reaches it (a host port
; forward at work). With "link" it sends an ARP request every 100 ms
; (PIT-timed) and prints each round's result, "arp NNNNNNNN reply" or
; "arp NNNNNNNN timeout" (none within 200 ms), and each change of the
; cable as the card shows it: "msr: LINKB set (link fail)" / "msr: LINKB
; clear (link ok)" (MSR bit 2) and "isr: LinkChg" (ISR bit 5, acked).
; Otherwise it powers off.
%include "pvh.inc"
%include "pit.inc"

IO      equ 0xC100
RXBUF   equ 0x200000          ; 8 KiB ring + 16 + 1536 of slack
TXBUF   equ 0x210000
CPRX    equ 0x220000          ; C+ receive ring: 4 descriptors
CPTX    equ 0x221000          ; C+ transmit ring: 4 descriptors
CPBUF   equ 0x230000          ; C+ receive buffers, 0x800 each
RING    equ 8192
TIMEOUT equ 4000000           ; polls of a register before giving up

_start:
	mov [pvh_info], ebx
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

	; ---- the MAC from the EEPROM (words 7-9) against IDR0-5
	mov ebx, 7
	call ee_read
	mov [mac], ax
	mov ebx, 8
	call ee_read
	mov [mac + 2], ax
	mov ebx, 9
	call ee_read
	mov [mac + 4], ax
	mov esi, s_mac
	call puts
	xor ecx, ecx
.macp:	mov al, [mac + ecx]
	call putbyte
	inc ecx
	cmp ecx, 6
	jb .macp
	mov dx, IO
	in eax, dx
	cmp eax, [mac]
	jne .macbad
	mov dx, IO + 4
	in ax, dx
	cmp ax, [mac + 4]
	jne .macbad
	mov esi, s_ok
	jmp .macdone
.macbad: mov esi, s_fail
.macdone: call puts

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

	; ---- normal mode, WRAP set: frames run on linearly past the end
	mov dword [mask], 0xFFFFFFFF
	mov eax, 0x8A             ; APM | AB | WRAP, 8 KiB ring
	call normal_run
	mov esi, s_nowrap
	call report

	; ---- normal mode, WRAP clear: frames wrap to the start of the ring
	mov dword [mask], RING - 1
	mov eax, 0x0A             ; APM | AB
	call normal_run
	mov esi, s_wrap
	call report

	; ---- C+ mode
	call cplus_run
	mov esi, s_cplus
	call report

	mov esi, [pvh_info]
	mov esi, [esi + 24]       ; hvm_start_info.cmdline_paddr
	test esi, esi
	jz .off
	cmp dword [esi], 'serv'
	je serve
	cmp dword [esi], 'link'
	je linkloop
.off:	call poweroff

no_card:
	mov esi, s_nocard
	call puts
	call poweroff

; report: ESI = label; prints "<label> <rounds> replies, <wraps> wraps OK|FAIL"
report:
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
	je .p
	mov esi, s_fail
.p:	call puts
	ret

; ---- normal mode: EAX = RCR. 300 rounds of request and reply.
normal_run:
	call normal_setup
	jmp normal_rounds

; normal_setup: EAX = RCR: reset, the ring, receive and transmit on
normal_setup:
	push eax
	mov dx, IO + 0x37
	mov al, 0x10
	out dx, al                ; reset
.rst:	in al, dx
	test al, 0x10
	jnz .rst
	mov dx, IO + 0x30
	mov eax, RXBUF
	out dx, eax
	pop eax
	mov dx, IO + 0x44
	out dx, eax
	mov dx, IO + 0x37
	mov al, 0x0C              ; RE | TE
	out dx, al
	xor eax, eax
	mov [good], eax
	mov [bad], eax
	mov [wraps], eax
	mov [rd], eax
	mov [round], eax
	ret

normal_rounds:
.round:
	; transmit through descriptor round % 4
	mov ebx, [round]
	and ebx, 3
	lea edx, [IO + 0x20 + ebx * 4]
	mov eax, TXBUF
	out dx, eax
	lea edx, [IO + 0x10 + ebx * 4]
	mov eax, 60
	out dx, eax
	mov ecx, TIMEOUT
.txw:	in eax, dx
	test eax, 0x8000          ; TOK
	jnz .txok
	loop .txw
	jmp .lost
.txok:
	; wait for the ring to hold something (CR.BUFE clear)
	mov dx, IO + 0x37
	mov ecx, TIMEOUT
.rxw:	in al, dx
	test al, 1
	jz .rxok
	loop .rxw
	jmp .lost
.rxok:
	mov ebx, [rd]
	movzx eax, word [RXBUF + ebx]          ; the header never straddles: 4-aligned
	test al, 1                              ; ROK
	jz .badf
	movzx ecx, word [RXBUF + ebx + 2]      ; length with CRC
	; ethertype 0x0806, opcode 2, sender 10.0.2.2
	lea eax, [ebx + 4 + 12]
	call rx_byte
	cmp al, 0x08
	jne .badf
	lea eax, [ebx + 4 + 13]
	call rx_byte
	cmp al, 0x06
	jne .badf
	lea eax, [ebx + 4 + 21]
	call rx_byte
	cmp al, 2
	jne .badf
	lea eax, [ebx + 4 + 28 + 3]
	call rx_byte
	cmp al, 2
	jne .badf
	inc dword [good]
	jmp .next
.badf:	inc dword [bad]
	movzx ecx, word [RXBUF + ebx + 2]
.next:	; the next frame: 4-aligned after header + frame + CRC
	lea eax, [ebx + ecx + 4 + 3]
	and eax, ~3
	cmp eax, RING
	jb .nowrap
	sub eax, RING
	inc dword [wraps]
.nowrap:
	mov [rd], eax
	sub eax, 16
	mov dx, IO + 0x38
	out dx, ax                ; CAPR = read point - 16
	inc dword [round]
	cmp dword [round], 300
	jb .round
	ret
.lost:	inc dword [bad]
	ret

; ---- serve: normal mode, WRAP set; ARP answered, TCP SYNs reported
serve:
	mov eax, 0x8A
	call normal_setup
	mov esi, s_serving
	call puts
.wait:	mov dx, IO + 0x37
.poll:	in al, dx
	test al, 1                ; BUFE
	jnz .poll
	mov ebx, [rd]
	lea edi, [RXBUF + ebx + 4]            ; the frame (linear: WRAP set)
	cmp word [edi + 12], 0x0608
	jne .ip
	cmp word [edi + 20], 0x0100           ; a request
	jne .done
	cmp dword [edi + 38], 0x0F02000A      ; for 10.0.2.15
	jne .done
	; the reply: to the asker, from us
	mov esi, edi
	mov eax, [esi + 6]
	mov [TXBUF + 0x100], eax
	mov [TXBUF + 0x100 + 32], eax
	mov ax, [esi + 10]
	mov [TXBUF + 0x100 + 4], ax
	mov [TXBUF + 0x100 + 36], ax
	mov eax, [mac]
	mov [TXBUF + 0x100 + 6], eax
	mov [TXBUF + 0x100 + 22], eax
	mov ax, [mac + 4]
	mov [TXBUF + 0x100 + 10], ax
	mov [TXBUF + 0x100 + 26], ax
	mov dword [TXBUF + 0x100 + 12], 0x01000608   ; ARP, Ethernet
	mov dword [TXBUF + 0x100 + 16], 0x04060008   ; IPv4, 6, 4
	mov word [TXBUF + 0x100 + 20], 0x0200        ; a reply
	mov dword [TXBUF + 0x100 + 28], 0x0F02000A   ; 10.0.2.15
	mov eax, [esi + 28]
	mov [TXBUF + 0x100 + 38], eax                ; the asker's address
	mov ebx, [round]
	and ebx, 3
	lea edx, [IO + 0x20 + ebx * 4]
	mov eax, TXBUF + 0x100
	out dx, eax
	lea edx, [IO + 0x10 + ebx * 4]
	mov eax, 60
	out dx, eax
	inc dword [round]
	jmp .done
.ip:	cmp word [edi + 12], 0x0008
	jne .done
	cmp byte [edi + 23], 6                ; TCP
	jne .done
	cmp dword [edi + 30], 0x0F02000A
	jne .done
	movzx eax, byte [edi + 14]
	and eax, 0xF
	lea esi, [edi + 14 + eax * 4]         ; the TCP header
	test byte [esi + 13], 0x02            ; SYN
	jz .done
	push esi
	mov esi, s_syn
	call puts
	pop esi
	mov ax, [esi + 2]
	xchg al, ah
	call puthex4
	mov al, 10
	call putc
.done:	mov ebx, [rd]
	movzx ecx, word [RXBUF + ebx + 2]
	lea eax, [ebx + ecx + 4 + 3]
	and eax, ~3
	cmp eax, RING
	jb .nw
	sub eax, RING
.nw:	mov [rd], eax
	sub eax, 16
	mov dx, IO + 0x38
	out dx, ax
	jmp .wait

; ---- link: an ARP request every 100 ms; the cable's changes as MSR and ISR show them
linkloop:
	mov eax, 0x8A
	call normal_setup
	mov dx, IO + 0x3C
	mov ax, 0x0020            ; IMR: LinkChg (the line is not wired here: ISR polled)
	out dx, ax
	PIT_100HZ
	mov byte [lastmsr], 0
	mov esi, s_linktest
	call puts
.round:
	mov dx, IO + 0x3E
	in ax, dx
	test ax, 0x20
	jz .nochg
	mov ax, 0x20
	out dx, ax                ; ack LinkChg
	mov esi, s_linkchg
	call puts
.nochg:	mov dx, IO + 0x58
	in al, dx
	and al, 4                 ; LINKB
	cmp al, [lastmsr]
	je .same
	mov [lastmsr], al
	mov esi, s_msr_ok
	test al, al
	jz .pm
	mov esi, s_msr_fail
.pm:	call puts
.same:	; one request through descriptor round % 4
	mov ebx, [round]
	and ebx, 3
	lea edx, [IO + 0x20 + ebx * 4]
	mov eax, TXBUF
	out dx, eax
	lea edx, [IO + 0x10 + ebx * 4]
	mov eax, 60
	out dx, eax
	mov ecx, TIMEOUT
.txw:	in eax, dx
	test eax, 0x8000          ; TOK
	jnz .txok
	loop .txw
.txok:	inc dword [round]
	mov dword [good], 0
	xor edi, edi              ; 10 ms ticks of this round
	PIT_RELOADED
.wait:	mov dx, IO + 0x37
	in al, dx
	test al, 1                ; BUFE
	jz .frame
	cmp dword [good], 0
	jne .pace                 ; answered: the round is over
	PIT_RELOADED
	jbe .wait
	inc edi
	cmp edi, 20
	jb .wait
	mov esi, s_arp
	call puts
	mov eax, [round]
	call puthex
	mov esi, s_timeout
	call puts
	jmp .round
.frame:	mov ebx, [rd]
	lea esi, [RXBUF + ebx + 4]            ; linear: WRAP set
	cmp word [esi + 12], 0x0608
	jne .skip
	cmp byte [esi + 21], 2                ; a reply
	jne .skip
	cmp byte [esi + 31], 2                ; from 10.0.2.2
	jne .skip
	inc dword [good]
.skip:	movzx ecx, word [RXBUF + ebx + 2]
	lea eax, [ebx + ecx + 4 + 3]
	and eax, ~3
	cmp eax, RING
	jb .nw
	sub eax, RING
.nw:	mov [rd], eax
	sub eax, 16
	mov dx, IO + 0x38
	out dx, ax                ; CAPR
	jmp .wait
.pace:	mov esi, s_arp
	call puts
	mov eax, [round]
	call puthex
	mov esi, s_reply
	call puts
.pw:	cmp edi, 10
	jae .round
	PIT_RELOADED
	jbe .pw
	inc edi
	jmp .pw

; rx_byte: AL = the ring's byte at offset EAX (masked by [mask] when wrapping)
rx_byte:
	and eax, [mask]
	mov al, [RXBUF + eax]
	ret

; ---- C+ mode: rings of 4, 12 rounds
cplus_run:
	mov dx, IO + 0x37
	mov al, 0x10
	out dx, al
.rst:	in al, dx
	test al, 0x10
	jnz .rst
	; receive descriptors: OWN, 1536-byte buffers, EOR on the last
	xor ebx, ebx
.fill:	mov eax, ebx
	shl eax, 4
	mov dword [CPRX + eax], 0x80000000 | 1536
	mov dword [CPRX + eax + 4], 0
	mov ecx, ebx
	shl ecx, 11
	add ecx, CPBUF
	mov [CPRX + eax + 8], ecx
	mov dword [CPRX + eax + 12], 0
	mov dword [CPTX + eax], 0
	mov dword [CPTX + eax + 4], 0
	mov dword [CPTX + eax + 8], TXBUF
	mov dword [CPTX + eax + 12], 0
	inc ebx
	cmp ebx, 4
	jb .fill
	or dword [CPRX + 48], 0x40000000
	mov dx, IO + 0xE0
	mov ax, 3                 ; C+ receive and transmit on
	out dx, ax
	mov dx, IO + 0xE4
	mov eax, CPRX
	out dx, eax
	add dx, 4
	xor eax, eax
	out dx, eax
	mov dx, IO + 0x20
	mov eax, CPTX
	out dx, eax
	add dx, 4
	xor eax, eax
	out dx, eax
	mov dx, IO + 0x44
	mov eax, 0x0A
	out dx, eax
	mov dx, IO + 0x37
	mov al, 0x0C
	out dx, al
	xor eax, eax
	mov [good], eax
	mov [bad], eax
	mov [wraps], eax
	mov [round], eax
.round:
	mov ebx, [round]
	and ebx, 3
	shl ebx, 4
	mov eax, 0xB0000000 | 60  ; OWN | FS | LS
	cmp ebx, 48
	jne .noeor
	or eax, 0x40000000
.noeor:	mov [CPTX + ebx], eax
	mov dx, IO + 0xD9
	mov al, 0x40              ; normal-priority poll
	out dx, al
	mov ecx, TIMEOUT
.rxw:	test dword [CPRX + ebx], 0x80000000
	jz .rxok
	in al, dx                 ; let the card run: an exit per poll
	loop .rxw
	inc dword [bad]
	ret
.rxok:	test dword [CPTX + ebx], 0x80000000
	jnz .badf                 ; the transmit descriptor must be back too
	mov ecx, [round]
	and ecx, 3
	shl ecx, 11
	cmp word [CPBUF + ecx + 12], 0x0608
	jne .badf
	cmp byte [CPBUF + ecx + 21], 2
	jne .badf
	inc dword [good]
	jmp .next
.badf:	inc dword [bad]
.next:	; the receive descriptor back to the card
	mov eax, 0x80000000 | 1536
	cmp ebx, 48
	jne .e2
	or eax, 0x40000000
	inc dword [wraps]
.e2:	mov [CPRX + ebx], eax
	inc dword [round]
	cmp dword [round], 12
	jb .round
	ret

%include "pci_cfg.inc"

; ---- 93C46: EBX = word address -> AX (Linux's read_eeprom, 9346CR at 0x50)
ee_out:                       ; AL -> 9346CR
	push edx
	mov dx, IO + 0x50
	out dx, al
	pop edx
	ret
ee_read:
	mov al, 0x80
	call ee_out
	mov al, 0x88              ; programming mode, chip select
	call ee_out
	mov esi, ebx
	or esi, 6 << 6            ; start bit, READ
	mov ecx, 10
.cmd:	dec ecx
	mov eax, esi
	shr eax, cl
	and eax, 1
	add eax, eax              ; data-in is bit 1
	or al, 0x88
	call ee_out
	or al, 0x04               ; clock high
	call ee_out
	test ecx, ecx
	jnz .cmd
	mov al, 0x88
	call ee_out
	xor edi, edi
	mov ecx, 16
.data:	mov al, 0x8C
	call ee_out
	mov dx, IO + 0x50
	in al, dx
	and eax, 1
	shl edi, 1
	or edi, eax
	mov al, 0x88
	call ee_out
	loop .data
	xor al, al
	call ee_out
	mov eax, edi
	ret

%include "hex.inc"

hello:    db "rtl8139_arp: start", 10, 0
s_mac:    db "eeprom mac ", 0
s_ok:     db " OK", 10, 0
s_fail:   db " FAIL", 10, 0
s_nocard: db "no RTL8139 at 00:03.0 FAIL", 10, 0
s_nowrap: db "normal WRAP=1: ", 0
s_wrap:   db "normal WRAP=0: ", 0
s_cplus:  db "cplus: ", 0
s_replies: db " replies, ", 0
s_wraps:  db " wraps", 0
s_serving: db "serving", 10, 0
s_syn:    db "tcp syn to port ", 0
s_linktest: db "link test", 10, 0
s_linkchg: db "isr: LinkChg", 10, 0
s_msr_ok: db "msr: LINKB clear (link ok)", 10, 0
s_msr_fail: db "msr: LINKB set (link fail)", 10, 0
s_arp:    db "arp ", 0
s_reply:  db " reply", 10, 0
s_timeout: db " timeout", 10, 0

%include "arp_request.inc"

align 4
mac:    times 8 db 0
mask:   dd 0
good:   dd 0
bad:    dd 0
wraps:  dd 0
rd:     dd 0
round:  dd 0
lastmsr: dd 0
pvh_info: dd 0

PVH_END
