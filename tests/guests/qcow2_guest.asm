; Disk copier and writer for the qcow2 tests, driven by a control sector:
; hdb (primary slave, raw) LBA 0 holds three dwords: mode, a, b.
;   mode 1: copy a sectors from hda LBA 0 to hdb LBA 1 (READ DMA / WRITE DMA,
;           64 KiB at a time), FLUSH CACHE hdb, print "COPY done"
;   mode 3: copy a sectors from hdb LBA 1 to hda LBA 0, FLUSH CACHE hda,
;           print "COPY done"
;   mode 2: for i = a .. b-1: fill 4 KiB with the byte (i mod 255) + 1 and
;           WRITE DMA it at hda LBA i*8; after every 4 writes FLUSH CACHE
;           and print "F <last i flushed, hex>"; then "LOOP done"
;   mode 5: TRIM: IDENTIFY hda and print "TRIM yes" or "TRIM no" (word 169
;           bit 0), then DATA SET MANAGEMENT (TRIM) by DMA of one block of
;           ranges covering hda LBAs a .. a+b-1, FLUSH CACHE, "TRIM done"
;           (a refused command prints "DMA ERROR" first)
;   mode 4: benchmark: "BENCH go", a random 4 KiB transfers (READ DMA if b = 0,
;           WRITE DMA if b = 1) at 4 KiB-aligned LBAs within hda's first
;           64 MiB, FLUSH CACHE, "BENCH done"
; Any failed command prints a line with ERROR. Then the guest powers off.
%include "pvh.inc"

BM      equ 0xC000
PRD     equ 0x80000
BUF     equ 0x300000
HDA     equ 0xE0
HDB     equ 0xF0

_start:
	GUEST_START msg_hello
	mov dx, 0xCF8                  ; PIIX IDE: BAR4 = BM, I/O + bus master
	mov eax, 0x80000920
	out dx, eax
	mov dx, 0xCFC
	mov eax, BM | 1
	out dx, eax
	mov dx, 0xCF8
	mov eax, 0x80000904
	out dx, eax
	mov dx, 0xCFC
	mov ax, 5
	out dx, ax

	mov bp, 0x1F0
	mov byte [devsel], HDB         ; the control sector
	mov byte [dma_read], 1
	mov al, 0xC8
	xor ebx, ebx
	mov ecx, 1
	call dma28
	mov eax, [BUF]
	mov [mode], eax
	mov eax, [BUF + 4]
	mov [arg_a], eax
	mov eax, [BUF + 8]
	mov [arg_b], eax
	cmp dword [mode], 1
	je copy_in
	cmp dword [mode], 3
	je copy_out
	cmp dword [mode], 2
	je write_loop
	cmp dword [mode], 4
	je random_io
	cmp dword [mode], 5
	je trim
	mov esi, msg_badmode
	call puts
	call poweroff

copy_in:
	mov byte [src_dev], HDA
	mov byte [dst_dev], HDB
	mov dword [src_lba], 0
	mov dword [dst_lba], 1
	jmp copy
copy_out:
	mov byte [src_dev], HDB
	mov byte [dst_dev], HDA
	mov dword [src_lba], 1
	mov dword [dst_lba], 0
copy:
	mov eax, [arg_a]
	mov [left], eax
.l:	mov ecx, [left]
	test ecx, ecx
	jz .done
	cmp ecx, 128
	jbe .n
	mov ecx, 128
.n:	mov [chunk], ecx
	mov al, [src_dev]
	mov [devsel], al
	mov byte [dma_read], 1
	mov al, 0xC8
	mov ebx, [src_lba]
	call dma28
	mov al, [dst_dev]
	mov [devsel], al
	mov byte [dma_read], 0
	mov al, 0xCA
	mov ebx, [dst_lba]
	mov ecx, [chunk]
	call dma28
	mov eax, [chunk]
	add [src_lba], eax
	add [dst_lba], eax
	sub [left], eax
	jmp .l
.done:	call flush
	mov esi, msg_copied
	call puts
	call poweroff

write_loop:
	mov esi, msg_loop
	call puts
	mov eax, [arg_a]
	mov [cur], eax
	mov byte [devsel], HDA
	mov byte [dma_read], 0
.l:	mov eax, [cur]
	cmp eax, [arg_b]
	jae .done
	xor edx, edx
	mov ecx, 255
	div ecx
	lea eax, [edx + 1]
	mov edi, BUF
	mov ecx, 4096
	rep stosb
	mov al, 0xCA
	mov ebx, [cur]
	shl ebx, 3
	mov ecx, 8
	call dma28
	inc dword [cur]
	test dword [cur], 3
	jnz .l
	call flush
	mov esi, msg_f
	call puts
	mov eax, [cur]
	dec eax
	call puthex
	call newline
	jmp .l
.done:	call flush
	mov esi, msg_loopdone
	call puts
	call poweroff

random_io:
	mov esi, msg_go
	call puts
	mov byte [devsel], HDA
	mov eax, [arg_b]
	xor al, 1
	mov [dma_read], al
	mov dword [cur], 12345
.l:	cmp dword [arg_a], 0
	je .done
	mov eax, [cur]                 ; LCG: next pseudo-random block
	imul eax, eax, 1103515245
	add eax, 12345
	mov [cur], eax
	mov ebx, eax
	shr ebx, 10
	and ebx, 16383                 ; 4 KiB block in the first 64 MiB
	shl ebx, 3
	mov al, 0xCA
	cmp byte [dma_read], 0
	je .go
	mov al, 0xC8
.go:	mov ecx, 8
	call dma28
	dec dword [arg_a]
	jmp .l
.done:	call flush
	mov esi, msg_done
	call puts
	call poweroff

trim:
	mov byte [devsel], HDA
	mov al, 0xEC                   ; IDENTIFY DEVICE, PIO
	xor ebx, ebx
	xor ecx, ecx
	call cmd28
	call wait_bsy
	mov edi, BUF
	mov ecx, 256
	mov dx, bp
	rep insw
	mov esi, msg_trimno
	test byte [BUF + 169 * 2], 1
	jz .say
	mov esi, msg_trimyes
.say:	call puts
	mov edi, BUF                   ; one 512-byte block of range entries
	xor eax, eax
	mov ecx, 128
	rep stosd
	mov edi, BUF
	mov ebx, [arg_a]               ; next LBA
	mov esi, [arg_b]               ; sectors left
.entry:	test esi, esi
	jz .send
	mov ecx, esi
	cmp ecx, 0xFFFF
	jbe .last
	mov ecx, 0xFFFF
.last:	mov [edi], ebx                 ; LBA 31:0 (47:32 stay 0)
	mov [edi + 6], cx              ; count in bits 63:48
	add ebx, ecx
	sub esi, ecx
	add edi, 8
	jmp .entry
.send:	mov byte [dma_read], 0
	mov ecx, 1
	call dma_prep
	call wait_bsy                  ; 48-bit task file: each register twice, high byte first
	mov dx, bp
	add dx, 6
	mov al, 0x40
	or al, [devsel]
	out dx, al
	mov dx, bp
	inc dx
	xor al, al
	out dx, al                     ; features 15:8
	inc al
	out dx, al                     ; features 7:0 = TRIM
	inc dx
	xor al, al
	out dx, al                     ; count 15:8
	inc al
	out dx, al                     ; count 7:0 = 1 block
	xor al, al                     ; LBA 47:24 then 23:0, all 0: the LBAs are in the ranges
	inc dx
	out dx, al
	out dx, al
	inc dx
	out dx, al
	out dx, al
	inc dx
	out dx, al
	out dx, al
	mov dx, bp
	add dx, 7
	mov al, 0x06                   ; DATA SET MANAGEMENT
	out dx, al
	call dma_go
	call flush
	mov esi, msg_trimdone
	call puts
	call poweroff

; FLUSH CACHE on the drive in [devsel]
flush:
	mov al, 0xE7
	xor ebx, ebx
	xor ecx, ecx
	call cmd28
	call wait_bsy
	test al, 1
	jz .ok
	mov esi, msg_flusherr
	call puts
.ok:	ret

newline:
	mov al, 13
	call putc
	mov al, 10
	jmp putc

%include "ata_pio.inc"

; dma28: AL = command, EBX = LBA, ECX = sectors (1-128); data in/out of BUF
dma28:
	call dma_prep
	call cmd28
	jmp dma_go

; dma_prep: one PRD entry for ECX sectors at BUF, bus master stopped with the
; direction of [dma_read]; keeps EAX, EBX, ECX
dma_prep:
	push eax
	push ecx
	shl ecx, 9
	mov dword [PRD], BUF
	and ecx, 0xFFFF                ; 0 = 64 KiB
	or ecx, 0x80000000
	mov [PRD + 4], ecx
	mov dx, BM + 4
	mov eax, PRD
	out dx, eax
	mov dx, BM + 2
	mov al, 6
	out dx, al                     ; clear interrupt and error
	mov dx, BM
	mov al, [dma_read]
	shl al, 3
	out dx, al
	pop ecx
	pop eax
	ret

; dma_go: start the bus master on the command just issued, wait for its end
dma_go:
	mov dx, BM
	mov al, [dma_read]
	shl al, 3
	or al, 1
	out dx, al                     ; start
	mov dx, BM + 2
.w:	in al, dx
	test al, 4
	jz .w
	mov [bmstat], al
	mov dx, BM
	xor al, al
	out dx, al
	call wait_bsy
	test al, 1
	jnz .err
	test byte [bmstat], 2
	jnz .err
	ret
.err:	mov esi, msg_dmaerr
	jmp puts

msg_hello:	db "QCOW2-GUEST start", 13, 10, 0
msg_trimyes:	db "TRIM yes", 13, 10, 0
msg_trimno:	db "TRIM no", 13, 10, 0
msg_trimdone:	db "TRIM done", 13, 10, 0
msg_badmode:	db "ERROR bad mode", 13, 10, 0
msg_copied:	db "COPY done", 13, 10, 0
msg_loop:	db "LOOP start", 13, 10, 0
msg_loopdone:	db "LOOP done", 13, 10, 0
msg_f:		db "F ", 0
msg_go:		db "BENCH go", 13, 10, 0
msg_done:	db "BENCH done", 13, 10, 0
msg_flusherr:	db "FLUSH ERROR", 13, 10, 0
msg_dmaerr:	db "DMA ERROR", 13, 10, 0
align 4
mode:		dd 0
arg_a:		dd 0
arg_b:		dd 0
left:		dd 0
chunk:		dd 0
src_lba:	dd 0
dst_lba:	dd 0
cur:		dd 0
devsel:		db 0
dma_read:	db 0
bmstat:		db 0
src_dev:	db 0
dst_dev:	db 0

PVH_END
