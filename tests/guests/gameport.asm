; gameport: reads the game port at 0x201 the way DOS games do and reports on
; COM1, over and over (every ~30 ms of guest time):
;   "joy n=SEQ a=A0 A1 A2 A3 t=T b=B"  (hex)
; A0..A3: loop iterations each axis bit stayed 1 after a write to 0x201, the
; largest of ROUNDS measurements (a vCPU that loses the host CPU while
; counting only ever counts less, so the largest is the undisturbed one).
; T: axes that timed out (bit still 1 after 5 ms of guest time: nothing
; connected) in any round. B: buttons pressed (bit 0 = port bit 4 read
; low, ... bit 3 = bit 7).
; The timeout is measured with the TSC, calibrated against the PIT (pit.inc)
; at start, as games calibrate against the BIOS tick. No interrupts needed.
%include "pvh.inc"
%include "pit.inc"

ROUNDS equ 16
GAMEPORT equ 0x201

_start:
	GUEST_START hello
	PIT_100HZ

	; TSC ticks per 10 ms: between two PIT reloads
	xor ebx, ebx
	call wait_reload          ; (the first returns at once: BX was 0)
	call wait_reload
	rdtsc
	mov [t0], eax
	call wait_reload
	rdtsc
	sub eax, [t0]
	shr eax, 1                ; 5 ms
	mov [timeout], eax
	PUT_HEX_LINE ready, [timeout]

.report:
	xor eax, eax
	mov [sum0], eax
	mov [sum1], eax
	mov [sum2], eax
	mov [sum3], eax
	mov [tmo], eax
	mov dword [round], ROUNDS
.round:
	call measure
	dec dword [round]
	jnz .round
	mov dx, GAMEPORT
	in al, dx
	not al
	shr al, 4
	mov [btn], al

	inc dword [seq]
	mov esi, l_joy
	call puts
	mov eax, [seq]
	call puthex
	mov esi, l_a
	call puts
	mov eax, [sum0]
	call puthex
	mov al, ' '
	call putc
	mov eax, [sum1]
	call puthex
	mov al, ' '
	call putc
	mov eax, [sum2]
	call puthex
	mov al, ' '
	call putc
	mov eax, [sum3]
	call puthex
	mov esi, l_t
	call puts
	mov al, [tmo]
	call hexdig
	mov esi, l_b
	call puts
	mov al, [btn]
	call hexdig
	mov al, 10
	call putc

	; ~20 ms between reports
	xor ebx, ebx
	call wait_reload
	call wait_reload
	call wait_reload
	jmp .report

; MAXTO mem, reg: mem = max(mem, reg), unsigned
%macro MAXTO 2
	cmp %2, [%1]
	jbe %%keep
	mov [%1], %2
%%keep:
%endmacro

; measure: fire the one-shots, count iterations per axis until every axis bit
; has dropped or the timeout passed; add the counts to sum0..3, timed-out
; axes to tmo.
measure:
	pusha
	mov dx, GAMEPORT
	out dx, al                ; any value fires all four
	rdtsc
	mov esi, eax
	xor ebx, ebx
	xor ecx, ecx
	xor edi, edi
	xor ebp, ebp
.loop:	mov dx, GAMEPORT
	in al, dx
	and al, 0x0F
	jz .done
	test al, 1
	jz .n0
	inc ebx
.n0:	test al, 2
	jz .n1
	inc ecx
.n1:	test al, 4
	jz .n2
	inc edi
.n2:	test al, 8
	jz .n3
	inc ebp
.n3:	rdtsc
	sub eax, esi
	cmp eax, [timeout]
	jb .loop
	mov dx, GAMEPORT          ; time is up: still 1 now is an axis that
	in al, dx                 ; never ends (not one whose vCPU was merely
	and al, 0x0F              ; descheduled between the read and rdtsc)
	or [tmo], al
.done:	MAXTO sum0, ebx
	MAXTO sum1, ecx
	MAXTO sum2, edi
	MAXTO sum3, ebp
	popa
	ret

; wait_reload: until PIT channel 0 reloads (BX: last count)
wait_reload:
.p:	PIT_RELOADED
	jbe .p
	ret

%include "hex.inc"

hello:	db "gameport: start", 10, 0
ready:	db "READY timeout=", 0
l_joy:	db "joy n=", 0
l_a:	db " a=", 0
l_t:	db " t=", 0
l_b:	db " b=", 0
t0:	dd 0
timeout: dd 0
sum0:	dd 0
sum1:	dd 0
sum2:	dd 0
sum3:	dd 0
tmo:	dd 0
round:	dd 0
seq:	dd 0
btn:	db 0

PVH_END
