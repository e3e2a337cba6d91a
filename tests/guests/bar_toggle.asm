; bar_toggle: switches the I/O decoding of the IDE function (00:01.1, its
; bus-master BAR4 placed at 0xC000) off and on TOGGLES times through the
; command register, as a hostile or buggy driver might, and prints
; "toggles=N" (hex) on COM1 after every MARK of them, once it has checked
; that decoding follows the bit (BAR4's status register answers with the bit
; set, nothing answers with it clear). Then "done", and it halts for good.
; Every toggle maps or unmaps the BAR in vmstation's port dispatch: the
; process's memory must stay flat however long this runs (issue #18).
%include "pvh.inc"
%ifndef TOGGLES
%define TOGGLES 1000000
%endif
%ifndef MARK
%define MARK 100000
%endif

IDE_CFG equ 0x80000900           ; configuration address of bus 0, 01.1
BM_BASE equ 0xC000

_start:
	GUEST_START hello
	mov dx, 0xCF8
	mov eax, IDE_CFG | 0x20          ; BAR4
	out dx, eax
	mov dx, 0xCFC
	mov eax, BM_BASE
	out dx, eax
	xor edi, edi                     ; toggles done
.mark:	mov dx, 0xCF8
	mov eax, IDE_CFG | 0x04          ; command register (latched from here on)
	out dx, eax
	mov dx, 0xCFC
	mov ecx, MARK
.loop:	xor eax, eax
	out dx, ax                       ; I/O decoding off
	mov ax, 5
	out dx, ax                       ; I/O and bus master on
	dec ecx
	jnz .loop
	add edi, MARK
	call check
	PUT_HEX_LINE label, edi
	cmp edi, TOGGLES
	jb .mark
	mov esi, done
	call puts
	cli
.halt:	hlt
	jmp .halt

; check: the bus-master status register (BM_BASE + 2) reads as something
; other than all ones while decoding is on, and as all ones while it is off.
; The command register is left with decoding on. Prints "decoding wrong" if not.
check:
	mov dx, BM_BASE + 2
	in al, dx
	cmp al, 0xFF
	je .bad
	mov dx, 0xCFC
	xor eax, eax
	out dx, ax
	mov dx, BM_BASE + 2
	in al, dx
	mov bl, al
	mov dx, 0xCFC
	mov ax, 5
	out dx, ax
	cmp bl, 0xFF
	jne .bad
	ret
.bad:	mov esi, wrong
	call puts
	ret

hello:	db "bar_toggle: start", 10, 0
label:	db "toggles=", 0
wrong:	db "decoding wrong", 10, 0
done:	db "done", 10, 0

PVH_END
