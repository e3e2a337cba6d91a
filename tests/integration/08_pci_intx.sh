#!/bin/sh
# PCI interrupts arrive where the firmware says they do. SeaBIOS boots a disk
# image (tests/guests/pci_intx.asm) that makes each PCI function with an
# interrupt pin raise it (two e1000s in slots 3 and 4, INTA; the PIIX3's
# UHCI, INTD) and reads the 8259s' IRR: the line that goes up must be the
# one SeaBIOS wrote into the function's Interrupt Line register, which is
# also what its ACPI _PRT and $PIR table tell an OS, and it must go down
# again. Slot 4's INTA and the UHCI's INTD are on different IRQs for the
# two slot wirings a board can have (PIRQ (s + p - 2) & 3, SeaBIOS's, or
# one PIRQ further), so a device wired one PIRQ off fails here.
. "$(dirname "$0")/../lib.sh"
IMG="$T/pci_intx.img"
nasm -f bin -I "$TOP/tests/guests/" -o "$IMG" "$TOP/tests/guests/pci_intx.asm" ||
	{ fail "assemble pci_intx.asm"; finish; }
cat > "$T/pi.cfg" <<CFG
name = "pciintx"
memory = 32
disk = [ '$IMG,raw,hda,rw' ]
boot = 'c'
vif = [ 'model=e1000', 'model=e1000' ]
usbdevice = 'tablet'
serial = 'file:$T/com1.log'
log_dir = '$T/logs'
vnc = 0
sdl = 0
CFG
vm_bg pi run "$T/pi.cfg"
check "SeaBIOS boots the image and it checks every function" wait_guest "$T/com1.log" "^INTX DONE|^FAIL" 120
grep -a '^INTX\|^FAIL' "$T/com1.log" | sed 's/^/INFO: 08_pci_intx: /'
check "no step failed" sh -c "! grep -aq '^FAIL' '$T/com1.log'"
check "three functions checked (e1000 03.0, e1000 04.0, UHCI 01.2)" \
	sh -c "grep -aq '^INTX 03.0 PIN 1 ' '$T/com1.log' && grep -aq '^INTX 04.0 PIN 1 ' '$T/com1.log' &&
	       grep -aq '^INTX 01.2 PIN 4 ' '$T/com1.log' && grep -aq '^INTX DONE 03' '$T/com1.log'"
# ON: the function's Interrupt Line is up and no other PCI IRQ (9-11) is;
# OFF: that line is down again
cat > "$T/verdict.py" <<'PY'
import sys
dev, log = sys.argv[1], sys.argv[2]
for l in open(log, errors='replace'):
    f = l.split()
    if len(f) >= 10 and f[0] == 'INTX' and f[1] == dev:
        line, on, off = int(f[5], 16), int(f[7], 16), int(f[9], 16)
        others = 0x0E00 & ~(1 << line)
        ok = 9 <= line <= 11 and on & (1 << line) and not on & others and not off & (1 << line)
        print('IRQ %d' % line)
        sys.exit(0 if ok else 1)
print('none')
sys.exit(1)
PY
for d in 03.0 04.0 01.2; do
	l=$(python3 "$T/verdict.py" "$d" "$T/com1.log")
	check "$d raises the IRQ SeaBIOS gave it ($l) and only that one, and drops it" \
		python3 "$T/verdict.py" "$d" "$T/com1.log"
done
kill $VM_PID 2>/dev/null
wait_pid $VM_PID 10
finish
