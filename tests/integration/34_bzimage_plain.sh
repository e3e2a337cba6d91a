#!/bin/sh
# Direct boot of a Linux boot-protocol image with no payload (its protected-
# mode part is plain code): loaded at 1 MiB and entered at code32_start in
# 32-bit mode (protocol 2.06), or at +0x200 in long mode when xloadflags
# offers XLF_KERNEL_64 (protocol 2.12); either prints on COM1.
. "$(dirname "$0")/../lib.sh"

run_bz() { # name nasm-flags expected-marker
	nasm -f bin $2 -o "$T/$1.bin" "$TOP/tests/guests/bz_plain.asm" ||
		{ fail "$1: assemble bz_plain.asm"; return; }
	cat > "$T/$1.cfg" <<CFG
name = "$1"
memory = 32
kernel = '$T/$1.bin'
serial = 'file:$T/$1.com1'
log_dir = '$T/$1-logs'
vga = 'none'
on_poweroff = 'destroy'
CFG
	"$VMST" run "$T/$1.cfg" > "$T/$1.out" 2>&1 &
	wait_pid $! 60; rc=$RC
	check "$1: exit 0 after the image powers off (got $rc)" [ "$rc" = 0 ]
	check "$1: printed $3 on COM1" grep -q "$3" "$T/$1.com1"
	check "$1: found the zero page through ESI/RSI" grep -q "ZERO-PAGE-OK" "$T/$1.com1"
	check "$1: log describes a bzImage loaded at 1 MiB" \
		grep -q "protected-mode code loaded at 1 MiB" "$T/$1-logs/vmstation.log"
}

run_bz bz32 "" VMSTATION-BZ32
run_bz bz64 -DXLF64 VMSTATION-BZ64
finish
