; Sequential transfer of MB MiB on hda (primary master), then power off; the
; benchmark times whole runs against a MODE=0 run. Assembled with
; -DMODE=n -DMB=m:  0 nothing, 1 PIO read, 2 PIO write, 3 DMA read, 4 DMA write.
; PIO uses READ/WRITE MULTIPLE EXT with 16-sector blocks, DMA READ/WRITE DMA
; EXT; both move 256 sectors (128 KiB) a command. Interrupts stay off.
%include "pvh.inc"
%include "ide.inc"
%ifndef MODE
%define MODE 3
%endif
%ifndef MB
%define MB 64
%endif

BM      equ 0xC000
PRD     equ 0x80000
BUF     equ 0x400000
SECTORS equ 256
CMDS    equ MB * 2048 / SECTORS

_start:
	cli
	call serial_init
	IDE_BUSMASTER BM              ; PCI 00:01.1: BAR4 = 0xC000, I/O + bus master
	; SET MULTIPLE MODE 16
	call wait_bsy
	mov dx, 0x1F6
	mov al, 0xE0
	out dx, al
	mov dx, 0x1F2
	mov al, 16
	out dx, al
	mov dx, 0x1F7
	mov al, 0xC6
	out dx, al
	call wait_bsy
	; PRD: two 64 KiB entries
	mov dword [PRD], BUF
	mov dword [PRD + 4], 0
	mov dword [PRD + 8], BUF + 0x10000
	mov dword [PRD + 12], 0x80000000
	mov esi, msg_go
	call puts
	xor ebx, ebx                   ; LBA
	mov ebp, CMDS
%if MODE == 0
	jmp done
%endif
next:
%if MODE == 1
	mov al, 0x29                   ; READ MULTIPLE EXT
	call cmd48
	mov edi, BUF
	mov ecx, SECTORS / 16
.blk:	push ecx
	call wait_bsy
	mov dx, 0x1F0
	mov ecx, 16 * 256
	rep insw
	pop ecx
	loop .blk
%elif MODE == 2
	mov al, 0x39                   ; WRITE MULTIPLE EXT
	call cmd48
	mov esi, BUF
	mov ecx, SECTORS / 16
.blk:	push ecx
	call wait_bsy
	mov dx, 0x1F0
	mov ecx, 16 * 256
	rep outsw
	pop ecx
	loop .blk
	call wait_bsy
%else
	mov dx, BM + 4
	mov eax, PRD
	out dx, eax
	mov dx, BM + 2
	mov al, 6
	out dx, al
	mov dx, BM
%if MODE == 3
	mov al, 8
	out dx, al
	mov al, 0x25                   ; READ DMA EXT
%else
	xor al, al
	out dx, al
	mov al, 0x35                   ; WRITE DMA EXT
%endif
	call cmd48
	mov dx, BM
%if MODE == 3
	mov al, 9
%else
	mov al, 1
%endif
	out dx, al
	mov dx, BM + 2
.w:	in al, dx
	test al, 4
	jz .w
	mov dx, BM
	xor al, al
	out dx, al
	call wait_bsy
%endif
	test al, 1
	jnz error
	add ebx, SECTORS
	dec ebp
	jnz next
done:
	mov esi, msg_done
	call puts
	call poweroff
error:
	mov esi, msg_err
	call puts
	call poweroff

wait_bsy:
	mov dx, 0x1F7
.w:	in al, dx
	test al, 0x80
	jnz .w
	ret

; cmd48: AL = command, EBX = LBA, count SECTORS
cmd48:
	push eax
	call wait_bsy
	mov dx, 0x1F6
	mov al, 0x40
	out dx, al
	mov dx, 0x1F2
	mov al, SECTORS >> 8
	out dx, al
	mov al, SECTORS & 0xFF
	out dx, al
	inc dx
	mov eax, ebx
	shr eax, 24
	out dx, al
	mov al, bl
	out dx, al
	inc dx
	xor al, al
	out dx, al
	mov al, bh
	out dx, al
	inc dx
	xor al, al
	out dx, al
	mov eax, ebx
	shr eax, 16
	out dx, al
	pop eax
	mov dx, 0x1F7
	out dx, al
	ret

msg_go:		db "BENCH go", 13, 10, 0
msg_done:	db "BENCH done", 13, 10, 0
msg_err:	db "BENCH error", 13, 10, 0

PVH_END
