/*
 * The two Intel 8237A DMA controllers of the PC (ISA DMA): channels 0-3 are
 * 8-bit (ports 0x00-0x0F, pages 0x81/0x82/0x83/0x87), channels 4-7 16-bit
 * (0xC0-0xDF, pages 0x89/0x8A/0x8B/0x8F; channel 4 cascades). Floppy (2) and
 * Sound Blaster (1 and 5) move data through it.
 *
 * Devices pull: when they have data to move (floppy sector ready, audio clock
 * tick) they call isadma_transfer(), which walks the channel's address and
 * count as programmed, wraps or re-loads on terminal count (auto-init), and
 * checks every guest address against guest RAM.
 */
#ifndef VMST_ISADMA_H
#define VMST_ISADMA_H

#include <stdbool.h>
#include <stddef.h>

struct vm;
struct isadma;

/* Found with vm_lookup(vm, "isadma"). */
struct isadma *isadma_of(struct vm *vm);

/* Is the channel unmasked (ready to transfer)? */
bool isadma_channel_enabled(struct isadma *dma, int chan);
/* Bytes left until terminal count (count register + 1, in bytes). */
size_t isadma_remaining(struct isadma *dma, int chan);
/*
 * Move up to len bytes. to_memory: device -> guest RAM (8237 "write"
 * transfer), else guest RAM -> device ("read" transfer). Stops at terminal
 * count unless the channel auto-initialises (then it reloads and continues).
 * *tc is set if terminal count was reached during the call. Returns bytes
 * moved (0 if the channel is masked or its mode is the wrong direction).
 */
size_t isadma_transfer(struct isadma *dma, int chan, void *buf, size_t len,
		       bool to_memory, bool *tc);
/* The device's DREQ line (status register "request" bits). */
void isadma_set_dreq(struct isadma *dma, int chan, bool level);
/*
 * Optional: kick(opaque) is called (on the vCPU thread, without the DMA
 * lock) when the guest unmasks the channel while the device holds DREQ, so a
 * device that found the channel masked can move its data then.
 */
void isadma_set_kick(struct isadma *dma, int chan, void (*kick)(void *opaque), void *opaque);

#endif
