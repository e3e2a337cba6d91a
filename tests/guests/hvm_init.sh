#!/bin/sh
# /init of the HVM-switch Linux guests (tests/slow/23_hvm_linux.sh, built by
# tests/guests/build-linux-hvm.sh). The kernel command line's vmst.t=NAME
# picks what it does; every line for the test starts with VMST-.
#   any    CPUs online, clock source, date, ACPI tables, CPU flags, the
#          kernel's lines about ACPI, HPET, the hypervisor and clock sources
#   smp    ata_piix and sr_mod loaded, the disk found, 64 KiB read from the
#          CD (disk interrupts), a counted busy loop pinned to
#          each CPU, /proc/interrupts, then endless loops until the VM is quit
#   clock  a 2 s sleep measured by date
#   viridian CPUID leaf 0x40000000 through /dev/cpu/0/cpuid (the cpuid module)
# Then it powers off (vmst.off=reboot: reboots, for a guest without ACPI).
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
t=$(sed -n 's/.*vmst\.t=\([a-z0-9]*\).*/\1/p' /proc/cmdline)
cs=/sys/devices/system/clocksource/clocksource0
echo "VMST-HVM-BEGIN $t $(uname -r) $(uname -m)"
echo "VMST-ONLINE $(cat /sys/devices/system/cpu/online)"
echo "VMST-NPROC $(nproc)"
echo "VMST-CLOCKSOURCE $(cat $cs/current_clocksource) (available: $(cat $cs/available_clocksource))"
echo "VMST-DATE $(date +%s)"
echo "VMST-ACPI-TABLES $(ls /sys/firmware/acpi/tables 2>/dev/null | tr '\n' ' ')."
echo "VMST-FLAGS $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2)."
dmesg | grep -E 'ACPI|hpet|HPET|Hypervisor|clocksource|APIC|IOAPIC' | sed 's/^/VMST-DMESG /'

case $t in
smp)
	for m in scsi_common scsi_mod libata ata_piix cdrom sr_mod; do
		insmod /lib/modules/$m.ko || echo "VMST-INSMOD-FAILED $m"
	done
	# the disk found: libata's probe (IDENTIFY, INQUIRY) ran on its interrupts
	i=0
	while [ $i -lt 300 ] && ! ls /sys/bus/scsi/devices/*:0:0:0 > /dev/null 2>&1; do
		sleep 0.1; i=$((i + 1))
	done
	for d in /sys/bus/scsi/devices/*:0:0:0; do
		echo "VMST-DISK $d $(cat $d/vendor $d/model 2>/dev/null | tr '\n' ' ')"
	done
	# libata probes with polled commands: reading the CD (ATAPI packet
	# commands) is what raises the disk interrupts
	i=0
	while [ $i -lt 300 ] && [ ! -b /dev/sr0 ]; do sleep 0.1; i=$((i + 1)); done
	echo "VMST-CDREAD $(dd if=/dev/sr0 of=/dev/null bs=2048 count=32 2>&1 | grep -c 'records in')"
	n=$(nproc)
	k=0
	while [ $k -lt "$n" ]; do
		taskset -c $k sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done
			echo "VMST-LOOP '$k' done on cpu $(cut -d" " -f39 /proc/self/stat)"' &
		k=$((k + 1))
	done
	wait
	echo "VMST-LOOPS-DONE"
	sed 's/^/VMST-INT /' /proc/interrupts
	k=0
	while [ $k -lt "$n" ]; do
		taskset -c $k sh -c 'while :; do :; done' &
		k=$((k + 1))
	done
	echo "VMST-LOOPING"
	wait
	;;
viridian)
	insmod /lib/modules/cpuid.ko || echo "VMST-INSMOD-FAILED cpuid"
	# the device's file offset is the leaf: 16 bytes, EAX EBX ECX EDX
	# (skip counts 16-byte blocks: 0x40000000 / 16)
	echo "VMST-LEAF40000000 $(dd if=/dev/cpu/0/cpuid bs=16 skip=67108864 count=1 2>/dev/null |
		tr -c 'A-Za-z0-9 ' '.')"
	;;
clock)
	a=$(date +%s)
	sleep 2
	echo "VMST-SLEEP2 $(( $(date +%s) - a ))"
	;;
*)
	sed 's/^/VMST-INT /' /proc/interrupts
	;;
esac
echo "VMST-HVM-END"
if grep -q 'vmst.off=reboot' /proc/cmdline; then
	reboot -f
else
	poweroff -f
fi
