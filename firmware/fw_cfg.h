/*
 * QEMU's firmware configuration interface (fw_cfg), which SeaBIOS reads for
 * RAM layout, boot order, option ROMs and settings: selector 0x510, data
 * 0x511, DMA address 0x514-0x51B.
 */
#ifndef VMST_FW_CFG_H
#define VMST_FW_CFG_H

#include <stddef.h>
#include <stdint.h>

struct vm;

/* Add (or replace) a named file; data is copied. 0, or -1 if full. */
int fwcfg_add_file(struct vm *vm, const char *name, const void *data, size_t len);
/* Add (or replace) a numbered item (legacy keys below 0x20); data is copied. */
int fwcfg_add_item(struct vm *vm, uint16_t key, const void *data, size_t len);

#endif
