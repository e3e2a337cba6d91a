; Writes port 0x80 (the POST-code port: a trivial emulated device in both
; vmstation and QEMU) LOOPS times, then powers off. Assembled with
; -DLOOPS=n by the benchmark; the difference between two counts is the
; cost of the exits.
%include "pvh.inc"
%ifndef LOOPS
%define LOOPS 1000000
%endif

_start:
	mov ecx, LOOPS
	mov dx, 0x80
	test ecx, ecx
	jz .done
.loop:	out dx, al
	dec ecx
	jnz .loop
.done:	call poweroff

PVH_END
