; cdpoll: watches the CD-ROM on the secondary IDE master (hdc = ide1-cd0)
; the way an OS driver does, for the monitor's media-change test. On COM1:
;   "cd: locked"           after PREVENT MEDIUM REMOVAL at start
;   "cd: data=XXXXXXXX"    the first 8 bytes of sector 0 whenever they change
;   "cd: no medium"        when reading fails (twice in a row)
;   "cd: eject request"    when GET EVENT STATUS NOTIFICATION reports that
;                          someone pressed eject (the monitor's `eject`
;                          on the locked tray); the guest then unlocks and
;                          ejects, as desktop systems do
; ATAPI over PIO, polled, interrupts off (nIEN). (ATA/ATAPI-6, MMC-5.)
%include "pvh.inc"

IDE_DATA  equ 0x170
IDE_FEAT  equ 0x171
IDE_BCL   equ 0x174
IDE_BCH   equ 0x175
IDE_DRIVE equ 0x176
IDE_CMD   equ 0x177     ; status on read
IDE_CTL   equ 0x376     ; alternate status on read

_start:
	GUEST_START hello
	mov dx, IDE_CTL
	mov al, 2             ; nIEN: no interrupts, we poll
	out dx, al

	mov ebp, 5            ; a fresh drive may answer UNIT ATTENTION first
.lock:	mov esi, pkt_prevent
	call atapi
	jnc .locked
	dec ebp
	jnz .lock
.locked:
	mov esi, msg_locked
	call puts

main:
	; did someone ask for the medium? (GESN, polled, media class)
	mov esi, pkt_gesn
	call atapi
	jc .read
	mov al, [buf + 4]
	and al, 0x0F
	cmp al, 1             ; EjectRequest
	jne .read
	mov esi, msg_ejreq
	call puts
	mov esi, pkt_allow
	call atapi
	mov esi, pkt_eject
	call atapi
.read:
	mov esi, pkt_read
	call atapi
	jnc .data
	mov esi, pkt_read     ; one retry: UNIT ATTENTION after a change
	call atapi
	jnc .data
	cmp byte [state], 'N'
	je .delay
	mov byte [state], 'N'
	mov esi, msg_nomed
	call puts
	jmp .delay
.data:	mov eax, [buf]
	mov edx, [buf + 4]
	cmp byte [state], 'D'
	jne .show
	cmp eax, [last]
	jne .show
	cmp edx, [last + 4]
	je .delay
.show:	mov byte [state], 'D'
	mov [last], eax
	mov [last + 4], edx
	mov esi, msg_data
	call puts
	mov ecx, 8
	mov esi, last
.chr:	lodsb
	call putc
	loop .chr
	mov al, 10
	call putc
.delay:	mov ecx, 2000         ; ~20 ms of port reads
	mov dx, IDE_CTL
.d:	in al, dx
	loop .d
	jmp main

; wait until BSY clears; AL = status
wait_nb:
	mov dx, IDE_CMD
.w:	in al, dx
	test al, 0x80
	jnz .w
	ret

; atapi: ESI = 12-byte packet; data in goes to buf (at most 2048 bytes).
; CF set when the drive reports an error.
atapi:
	push ecx
	push edi
	call wait_nb
	mov dx, IDE_DRIVE
	mov al, 0xA0          ; master
	out dx, al
	call wait_nb
	mov dx, IDE_FEAT
	xor al, al            ; PIO
	out dx, al
	mov dx, IDE_BCL
	out dx, al
	mov dx, IDE_BCH
	mov al, 0x08          ; at most 2048 bytes per DRQ
	out dx, al
	mov dx, IDE_CMD
	mov al, 0xA0          ; PACKET
	out dx, al
	call wait_nb
	test al, 1
	jnz .err
	test al, 8
	jz .err
	mov dx, IDE_DATA
	mov ecx, 6
	rep outsw
	mov edi, buf
.more:	call wait_nb
	test al, 1
	jnz .err
	test al, 8
	jz .ok
	mov dx, IDE_BCL
	in al, dx
	mov cl, al
	mov dx, IDE_BCH
	in al, dx
	mov ch, al
	movzx ecx, cx
	mov eax, buf + 2048
	sub eax, edi
	cmp ecx, eax          ; never past the buffer
	jbe .fits
	mov ecx, eax
.fits:	shr ecx, 1
	mov dx, IDE_DATA
	rep insw
	jmp .more
.ok:	pop edi
	pop ecx
	clc
	ret
.err:	pop edi
	pop ecx
	stc
	ret

hello:	db "cdpoll: start", 10, 0
msg_locked: db "cd: locked", 10, 0
msg_ejreq:  db "cd: eject request", 10, 0
msg_nomed:  db "cd: no medium", 10, 0
msg_data:   db "cd: data=", 0

pkt_prevent: db 0x1E, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0
pkt_allow:   db 0x1E, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
pkt_eject:   db 0x1B, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0   ; LoEj=1 Start=0
pkt_gesn:    db 0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8, 0, 0, 0
pkt_read:    db 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0   ; READ(10) LBA 0, 1 block

state:	db 0
align 4
last:	dd 0, 0
buf:	times 2048 db 0

PVH_END
