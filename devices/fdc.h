/*
 * Floppy disk controller (Intel 82077AA style) at 0x3F0-0x3F5/0x3F7, IRQ 6,
 * ISA DMA channel 2, drives A: and B: from fda= / fdb=.
 */
#ifndef VMST_FDC_H
#define VMST_FDC_H

struct vm;

/*
 * CMOS 0x10 drive type of drive 0 (A:) or 1 (B:), from the image it was
 * started with: 0 none, 1 360K 5.25", 2 1.2M 5.25", 3 720K 3.5",
 * 4 1.44M 3.5", 5 2.88M 3.5". The CMOS device calls it at reset.
 */
int fdc_cmos_type(struct vm *vm, int drive);

#endif
