/*
 * Standard VGA with the Bochs VBE (DISPI) extension, as QEMU's "stdvga"
 * (PCI 1234:1111). Shared state of devices/vga_*.c and vbe.c.
 *
 * Video memory layout: one byte array; in planar modes byte 4*a + p is plane
 * p at plane address a (so chain-4 and unchained 256-colour modes are both
 * linear, and text mode keeps character/attribute/font in planes 0/1/2 of
 * consecutive dwords). VBE modes use the same array linearly; the PCI BAR0
 * linear framebuffer maps all of it.
 */
#ifndef VMST_VGA_H
#define VMST_VGA_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/pci.h"

struct vm;
struct display;

#define VGA_PAGE_SHIFT 12            /* dirty tracking granularity (4 KiB) */
#define VGA_DEFAULT_VRAM_MIB 16

/* Bochs DISPI registers (index port 0x1CE, data 0x1CF). */
enum {
	VBE_ID, VBE_XRES, VBE_YRES, VBE_BPP, VBE_ENABLE, VBE_BANK,
	VBE_VIRT_WIDTH, VBE_VIRT_HEIGHT, VBE_X_OFFSET, VBE_Y_OFFSET,
	VBE_VIDEO_MEMORY_64K, VBE_NREGS
};
#define VBE_ID0 0xB0C0
#define VBE_ID5 0xB0C5
#define VBE_EN_ENABLED 0x01
#define VBE_EN_GETCAPS 0x02
#define VBE_EN_8BIT_DAC 0x20
#define VBE_EN_LFB 0x40
#define VBE_EN_NOCLEARMEM 0x80
#define VBE_MAX_XRES 2560
#define VBE_MAX_YRES 1600
#define VBE_MAX_BPP 32

/* Registers: everything the renderer needs, copied under the lock. */
struct vga_regs {
	uint8_t misc;                  /* miscellaneous output (0x3C2/0x3CC) */
	uint8_t sr_index, sr[8];       /* sequencer */
	uint8_t gr_index, gr[16];      /* graphics controller */
	uint8_t cr_index, cr[32];      /* CRT controller */
	uint8_t ar_index, ar[32];      /* attribute controller; index bit 5 = PAS */
	bool ar_flip;                  /* 0x3C0: false = next write is an index */
	uint8_t dac[256][3];           /* 6-bit (8-bit with VBE_EN_8BIT_DAC) */
	uint8_t pel_mask;
	uint8_t dac_read_index, dac_write_index, dac_sub, dac_state;
	uint8_t dac_cache[3];
	uint8_t feature;
	uint16_t vbe_index;
	uint16_t vbe[VBE_NREGS];
	uint32_t vbe_start;            /* byte offset of the visible VBE frame */
	uint32_t vbe_line_offset;      /* bytes per VBE scan line */
};

struct vga {
	struct vm *vm;
	pthread_mutex_t lock;          /* registers and latches */
	struct vga_regs r;
	uint8_t latch[4];

	uint8_t *vram;                 /* mmap'd, page aligned */
	uint32_t vram_size;
	uint64_t *dirty;               /* one bit per 4 KiB page of vram, atomic */
	unsigned dirty_words;
	_Atomic unsigned regs_gen;     /* bumped by register writes that change the picture */

	struct pci_dev pci;
	uint8_t *rom;                  /* VGA BIOS for the PCI ROM BAR */
	uint32_t rom_size;
	int lfb_slot;                  /* KVM memslot of BAR0, -1 when unmapped */
	uint64_t lfb_addr;
	/*
	 * The legacy window as plain memory (vga_mem.c): in chain-4 with all
	 * planes enabled (mode 13h) and in VBE banked modes a CPU byte is one
	 * video memory byte, so 0xA0000 is mapped straight onto vram (KVM dirty
	 * logging) instead of trapping every access. -1 while trapped.
	 */
	int win_slot;
	uint32_t win_size, win_vram_off;

	/* vga_retrace.c: input status 1 reads (v->lock) */
	uint64_t status_read_ns;       /* guest time of the last read */
	uint64_t retrace_seen;         /* number of the last retrace pulse accounted for */
	uint64_t retrace_frame_ns, retrace_vrs_ns; /* the timings they count in */
	unsigned retrace_owed;         /* missed pulses still to show */
	bool retrace_late;             /* the last read showed an owed pulse */

	struct display *display;
	struct vga_render *render;     /* vga_render.c private state */
};

/* vga_regs.c: ports 0x3B0-0x3DF (offset from 0x3B0). */
uint8_t vga_ioport_read(struct vga *v, uint16_t port);
void vga_ioport_write(struct vga *v, uint16_t port, uint8_t val);
void vga_regs_reset(struct vga *v);

/* vga_retrace.c: input status 1 now (v->lock held); the frame period. */
uint8_t vga_input_status1(struct vga *v);
uint64_t vga_frame_ns(struct vga *v);

/* vga_mem.c: the legacy window 0xA0000-0xBFFFF (offset from 0xA0000). */
uint8_t vga_mem_read(struct vga *v, uint32_t offset);
void vga_mem_write(struct vga *v, uint32_t offset, uint8_t val);
/* Map or unmap the window as RAM for the current registers (v->lock held). */
void vga_window_update(struct vga *v);
/* OR the window's KVM dirty pages into bitmap (vram pages; v->lock held). */
void vga_window_dirty(struct vga *v, uint64_t *bitmap, uint64_t *scratch);
static inline void vga_mark_dirty(struct vga *v, uint32_t vram_off)
{
	uint32_t page = vram_off >> VGA_PAGE_SHIFT;
	__atomic_fetch_or(&v->dirty[page / 64], 1ull << (page % 64), __ATOMIC_RELAXED);
}

/* vbe.c: DISPI registers. */
uint16_t vbe_read(struct vga *v, uint16_t index);
void vbe_write(struct vga *v, uint16_t index, uint16_t val);
static inline bool vbe_enabled(const struct vga_regs *r)
{
	return r->vbe[VBE_ENABLE] & VBE_EN_ENABLED;
}

/* vga_render.c: the display source. */
struct vga_render *vga_render_new(struct vga *v);
void vga_render_free(struct vga_render *rd);
void vga_render_refresh(void *opaque, struct display *d, bool full);

#endif
