; Drives the storage devices the way a driver does and reports checksums on
; COM1 for the test script to compare with the host files:
;   hda (primary master): IDENTIFY, PIO and DMA reads and writes with LBA28
;     and LBA48 (an LBA beyond 28 bits), FLUSH CACHE EXT
;   hdc (secondary master, ATAPI): INQUIRY, READ CAPACITY, READ(10) in PIO
;     and DMA, then TEST UNIT READY / REQUEST SENSE while the test ejects and
;     changes the medium, and READ(10) of the new medium
;   fda: FDC reset, SPECIFY, RECALIBRATE, SEEK, READ DATA through ISA DMA 2
; Interrupts stay off: everything is polled. A line "SUM tag s1 s2" is the
; running byte sum s1 and sum-of-sums s2 (mod 2^32) of the bytes read.
%include "pvh.inc"
%include "ide.inc"

BM      equ 0xC000          ; bus-master base we give BAR4
PRD     equ 0x80000         ; PRD table
BUF     equ 0x300000        ; data buffer
WBUF    equ 0x380000        ; data to write
FDBUF   equ 0x20000         ; floppy DMA buffer (page 2)

_start:
	cli
	call serial_init
	mov esi, msg_hello
	call puts

	IDE_BUSMASTER BM              ; PCI 00:01.1: BAR4 = 0xC000, I/O + bus master

	; ---------------- hda ----------------
	mov bp, 0x1F0
	mov byte [devsel], 0xE0
	; IDENTIFY
	call wait_bsy
	mov dx, 0x1F6
	mov al, 0xA0
	out dx, al
	mov dx, 0x1F7
	mov al, 0xEC
	out dx, al
	mov edi, BUF
	mov ecx, 1
	call pio_in
	mov esi, msg_id
	call puts
	mov eax, [BUF + 100 * 2]      ; LBA48 sectors, low dword
	call puthex
	mov al, ' '
	call putc
	mov eax, [BUF + 102 * 2]
	call puthex
	call newline

	; PIO READ SECTORS, LBA 0, 8 sectors
	mov ebx, 0
	mov ecx, 8
	mov al, 0x20
	call cmd28
	mov edi, BUF
	mov ecx, 8
	call pio_in
	mov esi, tag_r28
	mov ecx, 8 * 512
	call report

	; fill WBUF with a pattern: byte i = i * 7 + 3 (+ i >> 9)
	mov edi, WBUF
	xor ecx, ecx
.fill:	mov eax, ecx
	imul eax, 7
	add eax, 3
	mov edx, ecx
	shr edx, 9
	add eax, edx
	mov [edi + ecx], al
	inc ecx
	cmp ecx, 16 * 512
	jb .fill

	; PIO WRITE SECTORS, LBA 100, 4 sectors, then read them back
	mov ebx, 100
	mov ecx, 4
	mov al, 0x30
	call cmd28
	mov esi, WBUF
	mov ecx, 4
	call pio_out
	mov ebx, 100
	mov ecx, 4
	mov al, 0x20
	call cmd28
	mov edi, BUF
	mov ecx, 4
	call pio_in
	mov esi, tag_w28
	mov ecx, 4 * 512
	call report

	; DMA READ, LBA 8, 16 sectors
	mov ebx, 8
	mov ecx, 16
	mov al, 0xC8
	mov byte [dma_read], 1
	call dma28
	mov esi, tag_d28
	mov ecx, 16 * 512
	call report

	; WRITE DMA EXT at LBA 0x10000010 (beyond 28 bits), 8 sectors from WBUF+2048
	mov esi, WBUF + 2048
	mov edi, BUF
	mov ecx, 8 * 512 / 4
	rep movsd
	mov ebx, 0x10000010
	mov ecx, 8
	mov al, 0x35
	mov byte [dma_read], 0
	call dma48
	; READ SECTORS EXT (PIO) back
	mov edi, BUF
	mov ecx, 8 * 512 / 4
	xor eax, eax
	rep stosd
	mov ebx, 0x10000010
	mov ecx, 8
	mov al, 0x24
	call cmd48
	mov edi, BUF
	mov ecx, 8
	call pio_in
	mov esi, tag_w48
	mov ecx, 8 * 512
	call report
	; READ DMA EXT of the same sectors
	mov ebx, 0x10000010
	mov ecx, 8
	mov al, 0x25
	mov byte [dma_read], 1
	call dma48
	mov esi, tag_d48
	mov ecx, 8 * 512
	call report

	; FLUSH CACHE EXT
	call wait_bsy
	mov dx, 0x1F6
	mov al, 0x40
	out dx, al
	mov dx, 0x1F7
	mov al, 0xEA
	out dx, al
	call wait_bsy
	mov esi, msg_flush
	test al, 1
	jz .fok
	mov esi, msg_flushbad
.fok:	call puts

	; ---------------- hdc (ATAPI) ----------------
	mov bp, 0x170
	mov esi, cdb_inquiry
	mov edi, BUF
	call atapi
	mov esi, msg_inq
	call puts
	movzx eax, byte [BUF]
	call puthex
	mov al, ' '
	call putc
	mov esi, BUF + 16
	mov ecx, 16
.inq:	lodsb
	call putc
	loop .inq
	call newline

	call read_capacity

	; READ(10) PIO, LBA 16, 4 sectors
	mov dword [cdb_read10 + 2], 0x10000000   ; big-endian 16
	mov word [cdb_read10 + 7], 0x0400        ; big-endian 4
	mov esi, cdb_read10
	mov edi, BUF
	call atapi
	mov esi, tag_cd_pio
	mov ecx, 4 * 2048
	call report

	; READ(10) DMA, LBA 0, 8 sectors
	mov dword [cdb_read10 + 2], 0
	mov word [cdb_read10 + 7], 0x0800
	mov esi, cdb_read10
	mov ecx, 8 * 2048
	call atapi_dma
	mov esi, tag_cd_dma
	mov ecx, 8 * 2048
	call report

	; media change: poll TEST UNIT READY; report NOT READY once, then UNIT ATTENTION
	mov esi, msg_wait
	call puts
	mov byte [seen_nr], 0
.poll:	mov ecx, 2000                  ; a little delay between polls
.dly:	out 0x80, al
	loop .dly
	mov esi, cdb_tur
	mov edi, BUF
	call atapi
	test al, 1
	jz .poll                       ; still ready: medium not yet changed
	mov esi, cdb_sense
	mov edi, BUF
	call atapi
	mov al, [BUF + 2]
	and al, 0x0F
	cmp al, 6
	je .ua
	cmp al, 2
	jne .poll
	cmp byte [seen_nr], 0
	jne .poll
	mov byte [seen_nr], 1
	mov esi, msg_notready
	call puts
	movzx eax, byte [BUF + 12]
	call puthex
	call newline
	jmp .poll
.ua:	mov esi, msg_ua
	call puts
	movzx eax, byte [BUF + 12]
	call puthex
	call newline
	mov esi, cdb_tur
	mov edi, BUF
	call atapi
	mov esi, msg_tur_ok
	test al, 1
	jz .tok
	mov esi, msg_tur_bad
.tok:	call puts
	call read_capacity
	mov dword [cdb_read10 + 2], 0x10000000
	mov word [cdb_read10 + 7], 0x0400
	mov esi, cdb_read10
	mov edi, BUF
	call atapi
	mov esi, tag_cd_new
	mov ecx, 4 * 2048
	call report

	; ---------------- floppy ----------------
	mov dx, 0x3F2
	xor al, al
	out dx, al                     ; reset
	mov al, 0x1C
	out dx, al                     ; motor A, DMA/IRQ gate, run
	mov ecx, 4
.sense:	push ecx
	mov al, 0x08
	call fdc_out
	call fdc_in
	call fdc_in
	pop ecx
	loop .sense
	mov al, 0x03                   ; SPECIFY
	call fdc_out
	mov al, 0xAF
	call fdc_out
	mov al, 0x02
	call fdc_out
	mov dx, 0x3F7
	xor al, al
	out dx, al                     ; 500 kbit/s
	mov al, 0x07                   ; RECALIBRATE
	call fdc_out
	xor al, al
	call fdc_out
	mov al, 0x08
	call fdc_out
	call fdc_in
	call fdc_in
	; C0 H0 R1, 4 sectors; then C2 H1 R5, 3 sectors
	mov byte [fd_c], 0
	mov byte [fd_h], 0
	mov byte [fd_r], 1
	mov dword [fd_n], 4
	call fd_read
	mov byte [fd_c], 2
	mov byte [fd_h], 1
	mov byte [fd_r], 5
	mov dword [fd_n], 3
	call fd_read

	mov esi, msg_done
	call puts
	call poweroff

; ---------------------------------------------------------------------------
newline:
	mov al, 13
	call putc
	mov al, 10
	jmp putc

; report: ESI = tag, ECX = bytes at BUF -> "SUM tag s1 s2"
report:
	push esi
	mov esi, msg_sum
	call puts
	pop esi
	call puts
	mov al, ' '
	call putc
	mov esi, BUF
	xor ebx, ebx
	xor edx, edx
.l:	movzx eax, byte [esi]
	add ebx, eax
	add edx, ebx
	inc esi
	loop .l
	mov eax, ebx
	call puthex
	mov al, ' '
	call putc
	mov eax, edx
	call puthex
	jmp newline

%include "ata_pio.inc"

; cmd48: AL = command, EBX = LBA (bits 0-31), ECX = count
cmd48:
	push eax
	call wait_bsy
	mov dx, bp
	add dx, 6
	mov al, [devsel]
	and al, 0x10
	or al, 0x40
	out dx, al
	mov dx, bp
	add dx, 2
	mov al, ch
	out dx, al                     ; count high
	mov al, cl
	out dx, al                     ; count low
	inc dx
	mov eax, ebx
	shr eax, 24
	out dx, al                     ; LBA 31:24
	mov al, bl
	out dx, al                     ; LBA 7:0
	inc dx
	xor al, al
	out dx, al                     ; LBA 39:32
	mov al, bh
	out dx, al                     ; LBA 15:8
	inc dx
	xor al, al
	out dx, al                     ; LBA 47:40
	mov eax, ebx
	shr eax, 16
	out dx, al                     ; LBA 23:16
	pop eax
	mov dx, bp
	add dx, 7
	out dx, al
	ret

; pio_in: EDI = buffer, ECX = sectors
pio_in:
.s:	push ecx
	call wait_bsy
	test al, 1
	jnz .err
	mov dx, bp
	mov ecx, 256
	rep insw
	pop ecx
	loop .s
	ret
.err:	pop ecx
	mov esi, msg_ioerr
	jmp puts

; pio_out: ESI = data, ECX = sectors
pio_out:
.s:	push ecx
	call wait_bsy
	test al, 8
	jz .err
	mov dx, bp
	mov ecx, 256
	rep outsw
	pop ecx
	loop .s
	call wait_bsy
	test al, 1
	jnz .err2
	ret
.err:	pop ecx
.err2:	mov esi, msg_ioerr
	jmp puts

; PRD: one entry for ECX bytes at BUF
set_prd:
	mov dword [PRD], BUF
	mov eax, ecx
	and eax, 0xFFFF
	or eax, 0x80000000
	mov [PRD + 4], eax
	mov dx, bp
	and dx, 0x80                   ; 0x1F0 -> 0x80, 0x170 -> 0x00
	xor dx, 0x80
	shr dx, 4                      ; secondary -> 8
	add dx, BM
	mov [bmbase], dx
	add dx, 4
	mov eax, PRD
	out dx, eax
	mov dx, [bmbase]
	add dx, 2
	mov al, 6
	out dx, al                     ; clear interrupt and error
	mov dx, [bmbase]
	mov al, [dma_read]
	shl al, 3
	out dx, al
	ret

bm_go:
	mov dx, [bmbase]
	mov al, [dma_read]
	shl al, 3
	or al, 1
	out dx, al
	add dx, 2
.w:	in al, dx
	test al, 4
	jz .w
	mov [bmstat], al
	mov dx, [bmbase]
	xor al, al
	out dx, al
	call wait_bsy                  ; also acknowledges the interrupt
	test al, 1
	jnz .err
	test byte [bmstat], 2
	jnz .err
	ret
.err:	mov esi, msg_dmaerr
	jmp puts

; dma28 / dma48: AL = command, EBX = LBA, ECX = sectors; data in/out of BUF
dma28:
	push eax
	push ecx
	shl ecx, 9
	call set_prd
	pop ecx
	pop eax
	call cmd28
	jmp bm_go

dma48:
	push eax
	push ecx
	shl ecx, 9
	call set_prd
	pop ecx
	pop eax
	call cmd48
	jmp bm_go

; atapi: ESI = 12-byte CDB, EDI = buffer; PIO; returns final status in AL
atapi:
	call wait_bsy
	mov dx, bp
	add dx, 6
	mov al, 0xA0
	out dx, al
	mov dx, bp
	inc dx
	xor al, al
	out dx, al                     ; PIO
	add dx, 3
	mov al, 0xFE
	out dx, al
	inc dx
	mov al, 0xFF
	out dx, al                     ; byte count limit 0xFFFE
	inc dx
	inc dx
	mov al, 0xA0
	out dx, al
.drq:	call wait_bsy
	test al, 8
	jz .drq
	mov dx, bp
	mov ecx, 6
	rep outsw
.data:	call wait_bsy
	test al, 8
	jz .done
	mov dx, bp
	add dx, 4
	in al, dx
	movzx ecx, al
	inc dx
	in al, dx
	mov ch, al
	shr ecx, 1
	mov dx, bp
	rep insw
	jmp .data
.done:	ret

; atapi_dma: ESI = CDB, ECX = bytes into BUF
atapi_dma:
	mov byte [dma_read], 1
	push esi
	call set_prd
	pop esi
	call wait_bsy
	mov dx, bp
	add dx, 6
	mov al, 0xA0
	out dx, al
	mov dx, bp
	inc dx
	mov al, 1
	out dx, al                     ; DMA
	mov dx, bp
	add dx, 7
	mov al, 0xA0
	out dx, al
.drq:	call wait_bsy
	test al, 8
	jz .drq
	mov dx, bp
	mov ecx, 6
	rep outsw
	jmp bm_go

read_capacity:
	mov esi, cdb_capacity
	mov edi, BUF
	call atapi
	mov esi, msg_cap
	call puts
	mov eax, [BUF]
	bswap eax
	call puthex
	mov al, ' '
	call putc
	mov eax, [BUF + 4]
	bswap eax
	call puthex
	jmp newline

; ---- floppy ----
fdc_out:
	mov ah, al
	mov dx, 0x3F4
.w:	in al, dx
	and al, 0xC0
	cmp al, 0x80
	jne .w
	mov al, ah
	inc dx
	out dx, al
	ret

fdc_in:
	mov dx, 0x3F4
.w:	in al, dx
	and al, 0xC0
	cmp al, 0xC0
	jne .w
	inc dx
	in al, dx
	ret

; fd_read: [fd_c] [fd_h] [fd_r] [fd_n] -> reads into FDBUF, copies to BUF, reports
fd_read:
	mov al, 0x0F                   ; SEEK
	call fdc_out
	mov al, [fd_h]
	shl al, 2
	call fdc_out
	mov al, [fd_c]
	call fdc_out
	mov al, 0x08
	call fdc_out
	call fdc_in
	call fdc_in
	; ISA DMA channel 2: single, increment, write to memory
	mov al, 0x06
	out 0x0A, al
	out 0x0C, al
	mov al, 0x46
	out 0x0B, al
	mov eax, FDBUF
	out 0x04, al
	mov al, ah
	out 0x04, al
	shr eax, 16
	out 0x81, al
	out 0x0C, al
	mov eax, [fd_n]
	shl eax, 9
	dec eax
	out 0x05, al
	mov al, ah
	out 0x05, al
	mov al, 0x02
	out 0x0A, al                   ; unmask
	; READ DATA (MT MFM SK)
	mov al, 0xE6
	call fdc_out
	mov al, [fd_h]
	shl al, 2
	call fdc_out
	mov al, [fd_c]
	call fdc_out
	mov al, [fd_h]
	call fdc_out
	mov al, [fd_r]
	call fdc_out
	mov al, 2
	call fdc_out
	mov al, 18
	call fdc_out
	mov al, 0x1B
	call fdc_out
	mov al, 0xFF
	call fdc_out
	mov edi, fd_res
	mov ecx, 7
.r:	push ecx
	call fdc_in
	stosb
	pop ecx
	loop .r
	mov esi, msg_fdres
	call puts
	mov eax, [fd_res]
	call puthex
	call newline
	mov esi, FDBUF
	mov edi, BUF
	mov ecx, [fd_n]
	shl ecx, 7
	rep movsd
	mov esi, tag_fd
	mov ecx, [fd_n]
	shl ecx, 9
	jmp report

; ---------------------------------------------------------------------------
msg_hello:	db "IDE-TEST start", 13, 10, 0
msg_id:		db "ID hda sectors ", 0
msg_sum:	db "SUM ", 0
msg_flush:	db "FLUSH ok", 13, 10, 0
msg_flushbad:	db "FLUSH error", 13, 10, 0
msg_ioerr:	db "IO-ERROR", 13, 10, 0
msg_dmaerr:	db "DMA-ERROR", 13, 10, 0
msg_inq:	db "INQ ", 0
msg_cap:	db "CAP ", 0
msg_wait:	db "WAIT-CHANGE", 13, 10, 0
msg_notready:	db "NOT-READY asc ", 0
msg_ua:		db "UNIT-ATTENTION asc ", 0
msg_tur_ok:	db "TUR ok", 13, 10, 0
msg_tur_bad:	db "TUR error", 13, 10, 0
msg_fdres:	db "FDRES ", 0
msg_done:	db "IDE-TEST done", 13, 10, 0
tag_r28:	db "r28", 0
tag_w28:	db "w28", 0
tag_d28:	db "d28", 0
tag_w48:	db "w48", 0
tag_d48:	db "d48", 0
tag_cd_pio:	db "cdpio", 0
tag_cd_dma:	db "cddma", 0
tag_cd_new:	db "cdnew", 0
tag_fd:		db "fd", 0
cdb_inquiry:	db 0x12, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0
cdb_capacity:	db 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
cdb_tur:	db 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
cdb_sense:	db 0x03, 0, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0
cdb_read10:	db 0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
align 4
devsel:		db 0
dma_read:	db 0
seen_nr:	db 0
fd_c:		db 0
fd_h:		db 0
fd_r:		db 0
align 4
fd_n:		dd 0
fd_res:		times 8 db 0
bmbase:		dw 0
bmstat:		db 0

PVH_END
