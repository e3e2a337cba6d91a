/*
 * The chips' create functions, for the machine table (firmware/pc.c). Each
 * creates its chip for the VM if the VM's config asks for it (0 when it does
 * not), registers its ports, MMIO and hooks, and publishes it for its
 * accessor (isadma_of, gameport_of, ...). 0, or -1 with a message printed.
 */
#ifndef VMST_DEVICES_CHIPS_H
#define VMST_DEVICES_CHIPS_H

struct vm;

/* chipset */
int pci_bus_create(struct vm *vm);     /* pci.c: host bridge, config ports 0xCF8/0xCFC */
int piix_create(struct vm *vm);        /* piix.c: i440FX and the PIIX3 ISA bridge */
int postcode_create(struct vm *vm);    /* postcode.c: port 0x80 */
/* platform: ISA chips every PC has */
int isadma_create(struct vm *vm);      /* isadma.c: the two 8237s */
int cmos_create(struct vm *vm);        /* cmos.c: RTC and NVRAM */
int hpet_create(struct vm *vm);        /* hpet.c */
int i8042_create(struct vm *vm);       /* i8042.c: keyboard controller, PS/2 keyboard and mouse */
int pcspk_create(struct vm *vm);       /* pcspk.c: port 0x61 and the PC speaker */
int serial_create(struct vm *vm);      /* serial.c: COM1-COM4 (16550A) */
int debugcon_create(struct vm *vm);    /* debugcon.c: port 0x402 */
/* devices the config chooses */
int ide_create(struct vm *vm);         /* ide.c: PIIX3 IDE, disks and CD-ROMs */
int opl3_create(struct vm *vm);        /* opl3.c: the FM chip (before the SB16, which uses it) */
int sb16_create(struct vm *vm);        /* sb16.c */
int gameport_create(struct vm *vm);    /* gameport.c: port 0x201 */
int fdc_create(struct vm *vm);         /* fdc.c: the floppy controller */
int vga_create(struct vm *vm);         /* vga_pci.c: VGA with Bochs VBE */
int uhci_create(struct vm *vm);        /* uhci.c: USB, tablet, keyboard, mouse */
int rtl8139_create(struct vm *vm);     /* rtl8139.c */
int e1000_create(struct vm *vm);       /* e1000.c */
int ne2k_create(struct vm *vm);        /* ne2k_bus.c: NE2000 on ISA or PCI */
int acpi_pm_create(struct vm *vm);     /* acpi_pm.c: PM1 registers, power button */

#endif
