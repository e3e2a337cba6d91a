/*
 * Boot order and floppy drive types for SeaBIOS, after the IDE and floppy
 * controllers exist.
 *
 * boot='dca' (a floppy, c hard disk, d CD-ROM) becomes the fw_cfg file
 * "bootorder": one OpenFirmware device path a line, in the form SeaBIOS's
 * src/boot.c matches (bootprio_find_ata_device / bootprio_find_fdc_device):
 *   /pci@i0cf8/ide@1,1/drive@<channel>/disk@<unit>
 *   /pci@i0cf8/isa@1/fdc@03f0/floppy@<drive>
 *   /pci@i0cf8/ethernet@<slot>   (n: each vif's card, slots 3, 4 ...; SeaBIOS
 *                                 matches a PCI ROM's boot entry by its slot)
 * Devices not listed still boot after the listed ones. CMOS 0x10 gets the
 * floppy drive types (high nibble A:, low nibble B:) and 0x14 the floppy
 * bits of the equipment byte (bit 0 present, bits 7-6 count - 1).
 */
#include <stdio.h>
#include <string.h>

#include "devices/cmos.h"
#include "devices/fdc.h"
#include "firmware/fw_cfg.h"
#include "core/util.h"
#include "core/vm.h"

static size_t add_line(char *buf, size_t len, size_t cap, const char *line)
{
	int n = snprintf(buf + len, cap - len, "%s\n", line);
	return n > 0 && (size_t)n < cap - len ? len + (size_t)n : len;
}

/* The bootorder text for a config; exposed for the unit test through the file. */
static size_t build_bootorder(const struct vm_config *cfg, char *buf, size_t cap)
{
	const char *boot = cfg->boot && *cfg->boot ? cfg->boot : "cd";
	size_t len = 0;
	buf[0] = 0;
	for (const char *p = boot; *p; p++) {
		char line[80];
		switch (*p) {
		case 'a':
			for (int i = 0; i < 2; i++) {
				if (!cfg->fd[i].path)
					continue;
				snprintf(line, sizeof(line), "/pci@i0cf8/isa@1/fdc@03f0/floppy@%d", i);
				len = add_line(buf, len, cap, line);
			}
			break;
		case 'c':
		case 'd':
			for (int i = 0; i < VM_MAX_DISKS; i++) {
				const struct disk_spec *d = &cfg->disks[i];
				if (!d->present || (d->kind == DISK_CDROM) != (*p == 'd'))
					continue;
				snprintf(line, sizeof(line), "/pci@i0cf8/ide@1,1/drive@%d/disk@%d",
					 d->index >> 1, d->index & 1);
				len = add_line(buf, len, cap, line);
			}
			break;
		case 'n':
			for (unsigned i = 0; i < cfg->n_vifs; i++) {
				const char *m = cfg->vifs[i].model;
				if (m && !strcmp(m, "ne2k_isa"))
					continue;   /* no option ROM on the ISA card */
				snprintf(line, sizeof(line), "/pci@i0cf8/ethernet@%x", 3 + i);
				len = add_line(buf, len, cap, line);
			}
			break;
		default:
			break;
		}
	}
	return len;
}

int bootorder_create(struct vm *vm)
{
	if (!vm->cfg)
		return 0;
	char buf[1024];
	size_t len = build_bootorder(vm->cfg, buf, sizeof(buf));
	if (len) {
		buf[--len] = 0;     /* entries are separated, not terminated, by newlines */
		fwcfg_add_file(vm, "bootorder", buf, len + 1);   /* with the NUL, as QEMU */
	}
	if (vm_lookup(vm, "cmos")) {
		int a = fdc_cmos_type(vm, 0), b = fdc_cmos_type(vm, 1);
		int n = (vm->cfg->fd[0].path != NULL) + (vm->cfg->fd[1].path != NULL);
		cmos_set(vm, 0x10, (uint8_t)((a & 0xF) << 4 | (b & 0xF)));
		uint8_t eq = cmos_get(vm, 0x14) & 0x3E;
		if (n)
			eq |= (uint8_t)(0x01 | (n - 1) << 6);
		cmos_set(vm, 0x14, eq);
	}
	if (len)
		vm_log(vm, "boot order:\n%s\n", buf);
	return 0;
}
