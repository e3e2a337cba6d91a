/*
 * The firmware's steps in the machine table (firmware/pc.c). fw_cfg comes
 * before the chips (they add their files to it); the rest after every chip
 * exists: the boot order, SMBIOS, then either SeaBIOS or direct Linux boot
 * (each does nothing when the config asks for the other).
 */
#ifndef VMST_FIRMWARE_BOOT_STEPS_H
#define VMST_FIRMWARE_BOOT_STEPS_H

struct vm;

int fwcfg_create(struct vm *vm);       /* fw_cfg.c: QEMU's firmware config interface */
int bootorder_create(struct vm *vm);   /* bootorder.c: boot= as SeaBIOS's bootorder file */
int smbios_create(struct vm *vm);      /* smbios.c */
int bios_create(struct vm *vm);        /* bios.c: SeaBIOS and its VGA BIOS */
int linux_boot_create(struct vm *vm);  /* linux_boot.c: kernel= */

#endif
