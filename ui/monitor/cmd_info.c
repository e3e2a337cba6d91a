/*
 * Machine listings: info pci, info chardev.
 * Layouts follow QEMU's `info pci` and `info chardev`.
 */
#include <stdio.h>
#include <string.h>

#include "core/chardev.h"
#include "ui/monitor/monitor.h"
#include "devices/pci.h"
#include "core/util.h"
#include "core/vm.h"

static const char *pci_class_name(unsigned cls)
{
	static const struct { unsigned cls; const char *name; } names[] = {
		{ 0x0100, "SCSI controller" }, { 0x0101, "IDE controller" },
		{ 0x0106, "SATA controller" }, { 0x0180, "Storage controller" },
		{ 0x0200, "Ethernet controller" }, { 0x0300, "VGA controller" },
		{ 0x0380, "Display controller" }, { 0x0400, "Video controller" },
		{ 0x0401, "Audio controller" }, { 0x0403, "Audio controller" },
		{ 0x0500, "RAM controller" }, { 0x0600, "Host bridge" },
		{ 0x0601, "ISA bridge" }, { 0x0604, "PCI bridge" },
		{ 0x0680, "Bridge" }, { 0x0700, "Serial port" },
		{ 0x0c03, "USB controller" }, { 0x0c05, "SMBus" },
		{ 0x00ff, "Class 00ff" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].cls == cls)
			return names[i].name;
	return NULL;
}

static void print_bar(struct monitor_session *s, const struct pci_dev *d, int i,
		      const struct pci_bar *b)
{
	/* QEMU prints an unassigned BAR at all ones, ending at size - 2 */
	uint64_t addr = b->mapped ? b->addr : ~0ull;
	uint64_t last = b->mapped ? b->addr + b->size - 1 : b->size - 2;
	/* memory type from the BAR register itself: bits 2:1 = 10b is 64-bit */
	bool wide = i < 6 && !b->io && (d->config[0x10 + 4 * i] & 0x6) == 0x4;
	if (b->io)
		monitor_printf(s, "      BAR%d: I/O at 0x%04llx [0x%04llx].\n", i,
			       (unsigned long long)addr, (unsigned long long)last);
	else
		monitor_printf(s, "      BAR%d: %s bit %smemory at 0x%08llx [0x%08llx].\n", i,
			       wide ? "64" : "32", b->prefetch ? "prefetchable " : "",
			       (unsigned long long)addr, (unsigned long long)last);
}

static void info_pci(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	struct pci_bus *bus = pci_bus_of(monitor_vm(s));
	if (!bus) {
		monitor_printf(s, "PCI is not present on this machine\n");
		return;
	}
	pthread_mutex_lock(&bus->lock);
	for (unsigned devfn = 0; devfn < 256; devfn++) {
		struct pci_dev *d = bus->devs[devfn];
		if (!d)
			continue;
		const uint8_t *c = d->config;
		unsigned cls = ld16(c + 0x0a);
		monitor_printf(s, "  Bus %2d, device %3u, function %u:\n", 0, devfn >> 3, devfn & 7);
		const char *cname = pci_class_name(cls);
		if (cname)
			monitor_printf(s, "    %s", cname);
		else
			monitor_printf(s, "    Class %04x", cls);
		monitor_printf(s, ": PCI device %04x:%04x\n", ld16(c), ld16(c + 2));
		if ((c[0x0e] & 0x7f) == 0)
			monitor_printf(s, "      PCI subsystem %04x:%04x\n", ld16(c + 0x2c),
				       ld16(c + 0x2e));
		if (c[0x3d])
			monitor_printf(s, "      IRQ %d, pin %c\n", c[0x3c] == 0xff ? -1 : c[0x3c],
				       'A' + (c[0x3d] - 1) % 4);
		for (int i = 0; i < 7; i++)
			if (d->bars[i].size)
				print_bar(s, d, i, &d->bars[i]);
		monitor_printf(s, "      id \"%s\"\n", d->name ? d->name : "");
	}
	pthread_mutex_unlock(&bus->lock);
}

static void chardev_fe(void *opaque, unsigned idx, const char *desc)
{
	monitor_printf(opaque, "compat_monitor%u: filename=%s\n", idx, desc);
}

static void info_chardev(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	struct vm *vm = monitor_vm(s);
	for (unsigned i = 0; i < VM_MAX_SERIAL; i++)
		if (vm->serial_chr[i])
			monitor_printf(s, "serial%u: filename=%s\n", i,
				       chardev_describe(vm->serial_chr[i]));
	struct chardev *dbg = vm_lookup(vm, "debugcon");   /* devices/debugcon.c */
	if (dbg)
		monitor_printf(s, "debugcon: filename=%s\n", chardev_describe(dbg));
	monitor_for_each_frontend(vm, chardev_fe, s);
}

static const struct monitor_cmd info_items[] = {
	{ "pci", "", "show PCI info", "", 0, 0, info_pci },
	{ "chardev", "", "show the character devices", "", 0, 0, info_chardev },
};
MONITOR_COMMANDS(machine_info, info_items, true);
