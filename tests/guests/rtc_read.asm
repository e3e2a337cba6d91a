; Reads the RTC the way a BIOS or an OS's boot-time clock read does: waits
; for register A's update-in-progress bit to clear, then reads seconds,
; minutes, hours, day, month, year, century and register B, and prints
; "RTC cc yy mm dd hh mi ss bb" (the raw register bytes in hex, BCD unless
; register B bit 2 says binary) on COM1 twice, 1.5 s of PIT time apart (the
; clock must run), then powers off.
%include "pvh.inc"
%include "pit.inc"

_start:
	GUEST_START hello
	call rtc_line
	PIT_100HZ
	xor ebx, ebx
	xor edi, edi
.poll:	PIT_RELOADED
	jbe .poll
	inc edi
	cmp edi, 150
	jb .poll
	call rtc_line
	call poweroff

; rtc_line: one "RTC ..." line
rtc_line:
.uip:	mov al, 0x0A
	out 0x70, al
	in al, 0x71
	test al, 0x80
	jnz .uip
	mov esi, label
	call puts
	mov esi, regs
.next:	lodsb
	cmp al, 0xFF
	je .done
	out 0x70, al
	in al, 0x71
	call putbyte
	mov al, ' '
	call putc
	jmp .next
.done:	mov al, 10
	jmp putc

%include "hex.inc"

hello:	db "rtc_read: start", 10, 0
label:	db "RTC ", 0
regs:	db 0x32, 0x09, 0x08, 0x07, 0x04, 0x02, 0x00, 0x0B, 0xFF

PVH_END
