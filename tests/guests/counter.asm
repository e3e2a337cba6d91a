; counter: prints "count=NNNNNNNN" (hex) on COM1 every 10 periods of PIT
; channel 0 at 100 Hz, i.e. about every 100 ms of guest time, for the
; monitor's stop/cont test: while the VM is paused the number must not move.
; The PIT is polled (latch and read the count; a count larger than the last
; one means the counter reloaded), so no interrupts are needed: on these test
; machines KVM emulates unpaged protected-mode code and its emulator has no
; protected-mode IRET.
%include "pvh.inc"
%include "pit.inc"

_start:
	GUEST_START hello

	PIT_100HZ             ; channel 0, mode 2 (rate generator), 100 Hz

	xor ebx, ebx          ; BX: last count read
	xor edi, edi          ; EDI: reloads seen since the last line
.poll:	PIT_RELOADED
	jbe .poll             ; still counting down
	inc edi               ; the count went up: one period passed
	cmp edi, 10
	jb .poll
	xor edi, edi
	inc dword [count]
	PUT_HEX_LINE label, [count]
	jmp .poll

hello:	db "counter: start", 10, 0
label:	db "count=", 0
count:	dd 0

PVH_END
