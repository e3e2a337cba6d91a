; panel_guest: the small guest of the manager panel's tests. On COM1:
;   "count=NNNNNNNN"      about every 100 ms of guest time (PIT polled at 100 Hz)
;   "key=C"               for each byte typed into the serial console
;   "cd: data=XXXXXXXX"   the first 8 bytes of the CD's sector 0 whenever they
;                         change (checked every ~300 ms; ATAPI READ(10) over PIO)
;   "cd: no medium"       when two reads in a row fail after data was seen
;   "acpi: power button"  then it powers off (PM1a_STS.PWRBTN_STS, polled)
; No interrupts (KVM here emulates unpaged protected mode: see counter.asm).
%include "pvh.inc"
%include "pit.inc"

PM1A_STS  equ 0x600
IDE_DATA  equ 0x170
IDE_FEAT  equ 0x171
IDE_BCL   equ 0x174
IDE_BCH   equ 0x175
IDE_DRIVE equ 0x176
IDE_CMD   equ 0x177
IDE_CTL   equ 0x376
SPIN      equ 20000         ; bound on every wait for the drive

_start:
	GUEST_START hello
	mov dx, IDE_CTL
	mov al, 2                 ; nIEN: we poll
	out dx, al

	PIT_100HZ

	xor ebx, ebx              ; BX: last PIT count
	xor edi, edi              ; periods since the last count line
.poll:	call check_serial
	call check_button
	PIT_RELOADED
	jbe .poll
	inc edi
	inc dword [periods]
	cmp dword [periods], 30
	jb .nocd
	mov dword [periods], 0
	call check_cd
.nocd:	cmp edi, 10
	jb .poll
	xor edi, edi
	inc dword [count]
	PUT_HEX_LINE label, [count]
	jmp .poll

; Echo received bytes as "key=C".
check_serial:
	mov dx, COM1 + 5
	in al, dx
	test al, 1
	jz .done
	mov dx, COM1
	in al, dx
	mov esi, keymsg
	call puts
	call putc
	mov al, 10
	call putc
.done:	ret

; ACPI power button: report and power off.
check_button:
	mov dx, PM1A_STS
	in ax, dx
	test ax, 0x100
	jz .done
	mov esi, acpimsg
	call puts
	jmp poweroff
.done:	ret

; Wait until BSY clears; AL = status. CF on timeout.
wait_idle:
	push ecx
	mov ecx, SPIN
.w:	mov dx, IDE_CMD
	in al, dx
	test al, 0x80
	jz .ok
	loop .w
	pop ecx
	stc
	ret
.ok:	pop ecx
	clc
	ret

; Read sector 0 of the CD into sector; CF on any failure.
read_cd:
	call wait_idle
	jc .fail
	mov dx, IDE_DRIVE
	mov al, 0xA0              ; master of the secondary channel (hdc)
	out dx, al
	mov dx, IDE_FEAT
	xor al, al
	out dx, al                ; PIO
	mov dx, IDE_BCL
	xor al, al
	out dx, al
	mov dx, IDE_BCH
	mov al, 8                 ; 2048 bytes per DRQ block
	out dx, al
	mov dx, IDE_CMD
	mov al, 0xA0              ; PACKET
	out dx, al
	call wait_idle
	jc .fail
	test al, 1
	jnz .fail
	test al, 8
	jz .fail
	mov esi, packet           ; the 12-byte READ(10) packet
	mov ecx, 6
	mov dx, IDE_DATA
	rep outsw
	call wait_idle
	jc .fail
	test al, 1
	jnz .fail
	test al, 8
	jz .fail
	mov dx, IDE_BCL
	in al, dx
	mov cl, al
	mov dx, IDE_BCH
	in al, dx
	mov ch, al
	movzx ecx, cx
	cmp ecx, 2048
	ja .fail
	shr ecx, 1
	mov edi, sector
	mov dx, IDE_DATA
	cld
	rep insw
	call wait_idle
	jc .fail
	test al, 1
	jnz .fail
	clc
	ret
.fail:	stc
	ret

check_cd:
	push edi
	push ebx
	call read_cd
	jc .err
	mov dword [cd_errors], 0
	mov eax, [sector]
	mov edx, [sector + 4]
	cmp byte [cd_state], 1
	jne .new
	cmp eax, [cd_last]
	jne .new
	cmp edx, [cd_last + 4]
	je .out
.new:	mov [cd_last], eax
	mov [cd_last + 4], edx
	mov byte [cd_state], 1
	mov esi, cdmsg
	call puts
	mov ecx, 8
	mov esi, cd_last
.ch:	lodsb
	cmp al, 0x20
	jb .dot
	cmp al, 0x7e
	jbe .put
.dot:	mov al, '.'
.put:	call putc
	loop .ch
	mov al, 10
	call putc
	jmp .out
.err:	inc dword [cd_errors]
	cmp dword [cd_errors], 2
	jb .out
	cmp byte [cd_state], 2
	je .out
	mov byte [cd_state], 2
	mov esi, nomsg
	call puts
.out:	pop ebx
	pop edi
	ret

hello:	db "panel_guest: start", 10, 0
label:	db "count=", 0
keymsg:	db "key=", 0
acpimsg: db "acpi: power button", 10, 0
cdmsg:	db "cd: data=", 0
nomsg:	db "cd: no medium", 10, 0
packet:	db 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0
count:	dd 0
periods: dd 0
cd_errors: dd 0
cd_state: db 0           ; 0 nothing yet, 1 data shown, 2 no medium shown
	align 4
cd_last: dd 0, 0
sector:	times 2048 db 0

PVH_END
