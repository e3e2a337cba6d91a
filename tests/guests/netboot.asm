; A PXE network bootstrap program: iPXE (the RTL8139's option ROM) fetched
; it by TFTP from slirp and jumped to 0000:7C00 in real mode. It prints
; "VMSTATION-NETBOOT OK" on COM1 and powers off through ACPI (PM1_CNT: at
; 0xB004 under SeaBIOS, which puts the PIIX4's PMBASE at 0xB000; 0x604 as
; direct boot has it), so the test sees the whole chain: PCI ROM, DHCP,
; TFTP, RX and TX through the card.
	bits 16
	org 0x7C00

start:
	cli
	xor ax, ax
	mov ds, ax
	mov si, msg
.next:	lodsb
	or al, al
	jz .done
	mov ah, al
	mov dx, 0x3FD          ; COM1 line status: wait for an empty holding register
.wait:	in al, dx
	test al, 0x20
	jz .wait
	mov dx, 0x3F8
	mov al, ah
	out dx, al
	jmp .next
.done:
	mov ax, 0x2000         ; PM1_CNT: SLP_EN with SLP_TYP 0 (\_S5)
	mov dx, 0xB004
	out dx, ax
	mov dx, 0x604
	out dx, ax
.hang:	hlt
	jmp .hang

msg:	db "VMSTATION-NETBOOT OK", 13, 10, 0
