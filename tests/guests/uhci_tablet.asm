; uhci_tablet: a small UHCI driver. Sets a 1024x768x32 Bochs VBE mode (so
; the VNC screen has that size), programs the PIIX3 UHCI (00:01.2) with a
; frame list whose every entry points at one queue head, resets port 1,
; enumerates the device there (GET_DESCRIPTOR, SET_ADDRESS 1,
; GET_DESCRIPTOR configuration, SET_CONFIGURATION 1), then polls interrupt
; endpoint 1 forever and prints each report on COM1 as
;   "rep bb xxxx yyyy"  (buttons, X, Y in hex, 0..7fff)
; Control transfers wait on the TD's active bit in memory (no interrupts).
%include "pvh.inc"

UHCI    equ 0xC000
FL      equ 0x200000          ; frame list, 4 KiB aligned
QH      equ 0x201000
TD0     equ 0x201100          ; TDs, 16 bytes each
SETUPB  equ 0x201400
DATAB   equ 0x201500

TD_ACTIVE equ 1 << 23
TD_IOC    equ 1 << 24
TD_ERR3   equ 3 << 27

_start:
	cli
	mov esp, 0x90000
	call serial_init

	call vbe_1024x768x32       ; so that the VNC screen has that size

	; PCI: UHCI BAR4 = 0xC000, I/O + bus master
	mov eax, 0x80000000 | (1 << 11) | (2 << 8) | 0x20
	mov dx, 0xCF8
	out dx, eax
	mov dx, 0xCFC
	mov eax, UHCI | 1
	out dx, eax
	mov eax, 0x80000000 | (1 << 11) | (2 << 8) | 0x04
	mov dx, 0xCF8
	out dx, eax
	mov dx, 0xCFC
	mov eax, 5
	out dx, eax

	; controller reset, schedule, run
	mov dx, UHCI
	mov ax, 2
	out dx, ax                ; HCRESET
	mov edi, FL
	mov ecx, 1024
	mov eax, QH | 2
	rep stosd
	mov dword [QH], 1
	mov dword [QH + 4], 1
	mov dx, UHCI + 8
	mov eax, FL
	out dx, eax
	mov dx, UHCI + 6
	xor ax, ax
	out dx, ax
	mov dx, UHCI
	mov ax, 0x81              ; run, 64-byte max packet
	out dx, ax

	; port 1: reset, then enable
	mov dx, UHCI + 0x10
	mov ax, 0x0200
	out dx, ax
	mov ecx, 2000
.rst:	in ax, dx
	loop .rst
	xor ax, ax
	out dx, ax
	mov ax, 0x000E
	out dx, ax
	in ax, dx
	mov esi, s_port
	call puts
	movzx eax, ax
	call puthex
	call newline

	; GET_DESCRIPTOR(device, 18) at address 0
	mov dword [SETUPB], 0x01000680
	mov dword [SETUPB + 4], 0x00120000
	xor ebx, ebx              ; address 0
	mov ecx, 18
	call control_in
	mov esi, s_dev
	call puts
	mov eax, [DATAB]
	call puthex
	call newline
	; SET_ADDRESS(1)
	mov dword [SETUPB], 0x00010500
	mov dword [SETUPB + 4], 0
	xor ebx, ebx
	call control_nodata
	; GET_DESCRIPTOR(configuration, 34) at address 1
	mov dword [SETUPB], 0x02000680
	mov dword [SETUPB + 4], 0x00220000
	mov ebx, 1
	mov ecx, 34
	call control_in
	mov esi, s_cfg
	call puts
	mov eax, [DATAB + 12]     ; interface class/subclass/protocol bytes
	call puthex
	call newline
	; SET_CONFIGURATION(1)
	mov dword [SETUPB], 0x00010900
	mov dword [SETUPB + 4], 0
	mov ebx, 1
	call control_nodata
	mov esi, s_ready
	call puts

	; poll the interrupt endpoint: IN, address 1, endpoint 1, 8 bytes
.poll:	mov dword [TD0], 1
	mov dword [TD0 + 4], TD_ACTIVE | TD_ERR3
	mov dword [TD0 + 8], (7 << 21) | (1 << 15) | (1 << 8) | 0x69
	mov dword [TD0 + 12], DATAB
	mov dword [QH + 4], TD0
.wait:	test dword [TD0 + 4], TD_ACTIVE
	jnz .wait
	mov esi, s_rep
	call puts
	mov al, [DATAB]
	call putbyte
	mov al, ' '
	call putc
	movzx eax, word [DATAB + 1]
	call puthex4
	mov al, ' '
	call putc
	movzx eax, word [DATAB + 3]
	call puthex4
	call newline
	jmp .poll

; control_in: SETUP (8 bytes at SETUPB), IN data of ECX bytes to DATAB,
; OUT status. EBX = device address.
control_in:
	shl ebx, 8
	mov edi, TD0
	mov dword [edi], (TD0 + 16) | 4
	mov dword [edi + 4], TD_ACTIVE | TD_ERR3
	mov eax, (7 << 21) | 0x2D
	or eax, ebx
	mov [edi + 8], eax
	mov dword [edi + 12], SETUPB
	mov dword [edi + 16], (TD0 + 32) | 4
	mov dword [edi + 20], TD_ACTIVE | TD_ERR3
	lea eax, [ecx - 1]
	shl eax, 21
	or eax, (1 << 19) | 0x69
	or eax, ebx
	mov [edi + 24], eax
	mov dword [edi + 28], DATAB
	mov dword [edi + 32], 1
	mov dword [edi + 36], TD_ACTIVE | TD_ERR3 | TD_IOC
	mov eax, (0x7FF << 21) | (1 << 19) | 0xE1
	or eax, ebx
	mov [edi + 40], eax
	mov dword [edi + 44], 0
	jmp run_queue

; control_nodata: SETUP, IN status. EBX = device address.
control_nodata:
	shl ebx, 8
	mov edi, TD0
	mov dword [edi], (TD0 + 16) | 4
	mov dword [edi + 4], TD_ACTIVE | TD_ERR3
	mov eax, (7 << 21) | 0x2D
	or eax, ebx
	mov [edi + 8], eax
	mov dword [edi + 12], SETUPB
	mov dword [edi + 16], 1
	mov dword [edi + 20], TD_ACTIVE | TD_ERR3 | TD_IOC
	mov eax, (0x7FF << 21) | (1 << 19) | 0x69
	or eax, ebx
	mov [edi + 24], eax
	mov dword [edi + 28], 0
	mov dword [edi + 32], 0
	mov dword [edi + 36], 0   ; no third TD
	; fall through

; run_queue: hang the TDs at TD0 on the queue head, wait until the queue is
; empty (the controller advanced it to the terminating link) or a TD failed.
; The controller works through its frame list in 1 ms frames on the VMM's
; clock, so the time-out is one of time, not of loop turns: 4 * 2^32 TSC
; cycles, seconds on any host (a loaded emulated host missed 2M turns).
run_queue:
	push ebx
	mov dword [QH + 4], TD0
	rdtsc
	mov ebx, edx
.w:	test dword [QH + 4], 1
	jnz .done
	mov eax, [QH + 4]
	and eax, ~0xF
	test dword [eax + 4], 0x7E0000   ; error bits: stalled, timeout ...
	jnz .fail
	rdtsc
	sub edx, ebx
	cmp edx, 4
	jb .w
.fail:	mov esi, s_fail
	call puts
	mov eax, [QH + 4]
	and eax, ~0xF
	mov eax, [eax + 4]
	call puthex
	call newline
	jmp poweroff
.done:	pop ebx
	ret

%include "vbe.inc"

newline:
	push eax
	mov al, 10
	call putc
	pop eax
	ret

%include "hex.inc"

s_port: db "port1=", 0
s_dev: db "device=", 0
s_cfg: db "interface=", 0
s_ready: db "USB READY", 10, 0
s_rep: db "rep ", 0
s_fail: db "control transfer failed, TD status ", 0

PVH_END
