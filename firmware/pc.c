/*
 * The machine table: the PC that every VM is, its parts in the order they
 * are made. A VM is torn down in reverse (free hooks run last first), and
 * reset hooks run in this order, so the firmware's run after every chip's.
 */
#include "core/util.h"
#include "core/vm.h"
#include "devices/chips.h"
#include "firmware/boot_steps.h"
#include "firmware/pc.h"

static const struct machine_part pc_parts[] = {
	/* the buses and what chips register with while they are made */
	{ "pci",        MACHINE_CHIPSET,  pci_bus_create },
	{ "piix",       MACHINE_CHIPSET,  piix_create },
	{ "fw_cfg",     MACHINE_CHIPSET,  fwcfg_create },
	{ "postcode",   MACHINE_CHIPSET,  postcode_create },
	/* what every PC has on its ISA side */
	{ "isadma",     MACHINE_PLATFORM, isadma_create },
	{ "cmos",       MACHINE_PLATFORM, cmos_create },
	{ "hpet",       MACHINE_PLATFORM, hpet_create },
	{ "i8042",      MACHINE_PLATFORM, i8042_create },
	{ "pcspk",      MACHINE_PLATFORM, pcspk_create },
	{ "serial",     MACHINE_PLATFORM, serial_create },
	{ "debugcon",   MACHINE_PLATFORM, debugcon_create },
	/* what the VM file chooses; the SB16 takes the DMA controller and OPL3 */
	{ "ide",        MACHINE_DEVICES,  ide_create },
	{ "opl3",       MACHINE_DEVICES,  opl3_create },
	{ "sb16",       MACHINE_DEVICES,  sb16_create },
	{ "gameport",   MACHINE_DEVICES,  gameport_create },
	{ "fdc",        MACHINE_DEVICES,  fdc_create },
	{ "vga",        MACHINE_DEVICES,  vga_create },
	{ "uhci",       MACHINE_DEVICES,  uhci_create },
	{ "rtl8139",    MACHINE_DEVICES,  rtl8139_create },
	{ "e1000",      MACHINE_DEVICES,  e1000_create },
	{ "ne2k",       MACHINE_DEVICES,  ne2k_create },
	{ "acpi_pm",    MACHINE_DEVICES,  acpi_pm_create },
	/* what the guest boots: tables from the chips, then the BIOS or a kernel */
	{ "bootorder",  MACHINE_FIRMWARE, bootorder_create },
	{ "smbios",     MACHINE_FIRMWARE, smbios_create },
	{ "bios",       MACHINE_FIRMWARE, bios_create },
	{ "linux_boot", MACHINE_FIRMWARE, linux_boot_create },
};

const struct machine machine_pc = { "pc", pc_parts, ARRAY_SIZE(pc_parts) };
