/*
 * PCI bus 0 behind configuration mechanism #1 (ports 0xCF8/0xCFC) as
 * SeaBIOS's pciinit.c and Linux's arch/x86/pci/direct.c use it: the address
 * register (dword only, reserved bits read 0, the enable bit), byte, word
 * and dword data at 0xCFC-0xCFF, all ones from absent functions, other
 * buses and with the enable bit clear; enumeration of bus 0 (the i440FX at
 * 00.0, the PIIX3 and its UHCI at 01.x, the VGA at 02.0 and two test
 * functions at 05.0 and 06.0); read-only IDs, class and header type; the
 * command register; BAR sizing (all ones, the size mask read back with the
 * type bits) of memory, prefetchable, I/O, RAM-backed, unimplemented and
 * ROM BARs; decoding as the command register and the addresses change, never
 * of the sizing pattern; the ROM BAR serving a file (pci_rom.c); INTx
 * through the PIIX3's PIRQ routes, line sharing and the Interrupt Disable
 * bit; reset; sweeps of every register with every access size.
 */
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"
#include "unit_vm.h"
#include "core/util.h"
#include "devices/pci.h"
#include "devices/vga.h"

#define TSLOT 5                 /* the test function, INTA -> PIRQA */
#define TSLOT2 6                /* a second one, INTA -> PIRQB */
#define T_MMIO 0xFEB00000u      /* where the tests put its BARs */
#define T_IO 0xC100
#define T_RAM 0xFD000000u
#define T_ROM 0xFEB40000u
#define ROM_LEN 3000            /* file length: the ROM BAR is 4 KiB */

static struct vm *vm;

/* What reached a BAR's handlers. */
struct probe {
	unsigned reads, writes;
	uint64_t off, val;
	unsigned size;
};
static struct probe mprobe, iprobe;

static uint64_t probe_read(void *o, uint64_t off, unsigned size)
{
	struct probe *p = o;
	p->reads++;
	p->off = off;
	p->size = size;
	return 0x5A000000u | (uint32_t)off;
}

static void probe_write(void *o, uint64_t off, uint64_t val, unsigned size)
{
	struct probe *p = o;
	p->writes++;
	p->off = off;
	p->val = val;
	p->size = size;
}

static const struct io_ops probe_ops = { probe_read, probe_write };

static struct pci_dev tdev, tdev2;
static struct pci_rom trom, trom2;
static uint8_t tram[0x10000];
static char rom_path[64], bad_rom_path[64];

static uint32_t rd32(unsigned dev, unsigned fn, unsigned off) { return unit_pci_read(vm, dev, fn, off, 4); }
static uint32_t rd16(unsigned dev, unsigned fn, unsigned off) { return unit_pci_read(vm, dev, fn, off, 2); }
static uint32_t rd8(unsigned dev, unsigned fn, unsigned off) { return unit_pci_read(vm, dev, fn, off, 1); }
static void wr32(unsigned dev, unsigned fn, unsigned off, uint32_t v) { unit_pci_write(vm, dev, fn, off, v, 4); }
static void wr16(unsigned dev, unsigned fn, unsigned off, uint32_t v) { unit_pci_write(vm, dev, fn, off, v, 2); }
static void wr8(unsigned dev, unsigned fn, unsigned off, uint32_t v) { unit_pci_write(vm, dev, fn, off, v, 1); }

static void run_reset_hooks(void)
{
	for (unsigned i = 0; i < vm->n_reset_hooks; i++)
		vm->reset_hooks[i].fn(vm->reset_hooks[i].opaque);
}

/* The memory slot mapped at gpa, or NULL. */
static const struct mem_slot *slot_at(uint64_t gpa)
{
	for (int i = 0; i < VM_MAX_MEMSLOTS; i++)
		if (vm->slots[i].used && vm->slots[i].gpa == gpa)
			return &vm->slots[i];
	return NULL;
}

static unsigned base_slots;

static unsigned slots_used(void)
{
	unsigned used = 0;
	for (int i = 0; i < VM_MAX_MEMSLOTS; i++)
		used += vm->slots[i].used;
	return used;
}

/*
 * An option ROM image as iPXE builds them: 55 AA, its length in 512-byte
 * blocks, the PCI data structure ("PCIR", PCI Firmware 3.0 5.1.2) at the
 * offset in 0x18 naming 0000:0000, and a checksum byte at 6 making the
 * image sum to zero. good=false leaves the checksum wrong.
 */
static void write_rom(char *path, bool good)
{
	uint8_t img[ROM_LEN];
	for (unsigned i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 7 + 3);
	img[0] = 0x55;
	img[1] = 0xAA;
	img[2] = 4;                          /* 2 KiB image */
	st16(img + 0x18, 0x1C);
	memcpy(img + 0x1C, "PCIR", 4);
	st32(img + 0x20, 0);                 /* vendor, device */
	img[6] = 0;
	uint8_t sum = 0;
	for (unsigned i = 0; i < 2048; i++)
		sum = (uint8_t)(sum + img[i]);
	img[6] = (uint8_t)(-sum + (good ? 0 : 1));
	strcpy(path, "/tmp/test_pci_romXXXXXX");
	int fd = mkstemp(path);
	CHECK(fd >= 0 && write(fd, img, sizeof(img)) == (ssize_t)sizeof(img), "ROM file %s written",
	      path);
	if (fd >= 0)
		close(fd);
}

/* ---- the address register ------------------------------------------------ */

static void test_address_register(void)
{
	/* Linux's pci_check_type1: 0x80000000 written to 0xCF8 reads back */
	unit_outl(vm, 0xCF8, 0x80000000u);
	CHECK_EQ(unit_inl(vm, 0xCF8), 0x80000000u, "0xCF8 reads back 0x80000000 (Linux's type 1 probe)");
	unit_outl(vm, 0xCF8, 0x80FFFFFCu);
	CHECK_EQ(unit_inl(vm, 0xCF8), 0x80FFFFFCu, "0xCF8 reads back bus/device/function/register");
	/* PCI 3.0 3.2.2.3.2: bits 30:24 reserved, 1:0 read-only, both read 0 */
	unit_outl(vm, 0xCF8, 0xFFFFFFFFu);
	CHECK_EQ(unit_inl(vm, 0xCF8), 0x80FFFFFCu, "reserved bits 30:24 and 1:0 of 0xCF8 read 0");
	/* only a dword access is the address register; Linux's type 2 probe
	 * writes bytes to 0xCF8/0xCFA and must not read 0 back */
	unit_outl(vm, 0xCF8, 0x80000000u);
	unit_outb(vm, 0xCF8, 0x00);
	unit_outw(vm, 0xCF8, 0x0000);
	CHECK_EQ(unit_inl(vm, 0xCF8), 0x80000000u, "byte and word writes to 0xCF8 leave the address alone");
	CHECK_EQ(unit_inb(vm, 0xCF8), 0xFF, "a byte read of 0xCF8 is not the address (no mechanism #2 found)");
	CHECK_EQ(unit_inw(vm, 0xCF8), 0xFFFF, "nor is a word read");
}

static void test_enable_bit(void)
{
	wr8(TSLOT, 0, 0x3C, 0x0B);
	unit_outl(vm, 0xCF8, 0x00000000u | TSLOT << 11);
	CHECK_EQ(unit_inl(vm, 0xCFC), 0xFFFFFFFFu, "enable bit clear: no configuration cycle, all ones");
	unit_outl(vm, 0xCF8, TSLOT << 11 | 0x3C);
	unit_outb(vm, 0xCFC, 0x55);
	CHECK_EQ(rd8(TSLOT, 0, 0x3C), 0x0B, "enable bit clear: a write to 0xCFC reaches no function");
	unit_outl(vm, 0xCF8, 0x80010000u);
	CHECK_EQ(unit_inl(vm, 0xCFC), 0xFFFFFFFFu, "bus 1 does not exist: all ones");
	unit_outl(vm, 0xCF8, 0x80010000u | TSLOT << 11 | 0x3C);
	unit_outb(vm, 0xCFC, 0x66);
	CHECK_EQ(rd8(TSLOT, 0, 0x3C), 0x0B, "a write to bus 1 does not alias bus 0");
}

/* ---- identification ------------------------------------------------------ */

static void test_identity(void)
{
	CHECK_EQ(rd32(0, 0, 0x00), 0x12378086u, "00.0 is the i440FX PMC (8086:1237)");
	CHECK_EQ(rd32(0, 0, 0x08), 0x06000002u, "host bridge: class 06.00.00, revision 02");
	CHECK_EQ(rd8(0, 0, 0x0E), 0x00, "host bridge: header type 0, single function");
	CHECK_EQ(rd32(1, 0, 0x00), 0x70008086u, "01.0 is the PIIX3 ISA bridge (8086:7000)");
	CHECK_EQ(rd32(1, 0, 0x08) >> 8, 0x060100u, "PIIX3: class 06.01 (ISA bridge)");
	CHECK_EQ(rd8(1, 0, 0x0E), 0x80, "PIIX3: multi-function header (IDE, USB, PM follow)");
	CHECK_EQ(rd32(2, 0, 0x00), 0x11111234u, "02.0 is the stdvga (1234:1111)");
	CHECK_EQ(rd32(2, 0, 0x08), 0x03000002u, "VGA: class 03.00.00, revision 2 (qext registers)");
	CHECK_EQ(rd32(TSLOT, 0, 0x2C), 0x11001AF4u, "subsystem IDs at 0x2C");
	CHECK_EQ(rd32(0, 1, 0x00), 0xFFFFFFFFu, "00.1 is absent: all ones");
	CHECK_EQ(rd32(31, 7, 0x00), 0xFFFFFFFFu, "1F.7 is absent: all ones");
	CHECK_EQ(rd16(31, 0, 0x0E), 0xFFFF, "a word read of an absent function: all ones");

	/* SeaBIOS's make_bios_writable: PAM0 = 0x30, PAM1-6 = 0x33 (82441FX 3.2.18) */
	wr8(0, 0, 0x59, 0x30);
	for (unsigned o = 0x5A; o <= 0x5F; o++)
		wr8(0, 0, o, 0x33);
	CHECK(rd8(0, 0, 0x59) == 0x30 && rd32(0, 0, 0x5C) == 0x33333333u,
	      "PAM registers hold what SeaBIOS writes");
}

/* The PCI data port a byte or word at a time (0xCFC + offset & 3). */
static void test_partial_access(void)
{
	unit_outl(vm, 0xCF8, unit_pci_addr(0, 0, 0x00));
	CHECK(unit_inb(vm, 0xCFC) == 0x86 && unit_inb(vm, 0xCFD) == 0x80 && unit_inb(vm, 0xCFE) == 0x37 &&
	      unit_inb(vm, 0xCFF) == 0x12, "bytes of the ID dword at 0xCFC-0xCFF");
	CHECK(unit_inw(vm, 0xCFC) == 0x8086 && unit_inw(vm, 0xCFE) == 0x1237,
	      "words at 0xCFC and 0xCFE: vendor, device");
	unit_outl(vm, 0xCF8, unit_pci_addr(0, 0, 0x08));
	CHECK_EQ(unit_inb(vm, 0xCFF), 0x06, "base class through 0xCFF");
	wr8(TSLOT, 0, 0x0C, 0x10);
	unit_outl(vm, 0xCF8, unit_pci_addr(TSLOT, 0, 0x0C));
	unit_outb(vm, 0xCFD, 0x40);
	CHECK(rd8(TSLOT, 0, 0x0D) == 0x40 && rd8(TSLOT, 0, 0x0C) == 0x10,
	      "a byte write at 0xCFD sets the latency timer only");
	unit_outl(vm, 0xCF8, unit_pci_addr(TSLOT, 0, 0x3C));
	unit_outw(vm, 0xCFC, 0x070A);
	CHECK(rd8(TSLOT, 0, 0x3C) == 0x0A && rd8(TSLOT, 0, 0x3D) == 1,
	      "a word write at 0x3C sets the interrupt line; the pin stays read-only");
}

/* SeaBIOS's pci_probe_devices: function 0 of each slot, functions 1-7
 * only behind a multi-function header. */
static void test_enumerate(void)
{
	char found[128] = "";
	size_t n = 0;
	for (unsigned dev = 0; dev < 32; dev++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			uint32_t id = rd32(dev, fn, 0);
			if ((id & 0xFFFF) == 0xFFFF || (id & 0xFFFF) == 0) {
				if (fn == 0)
					break;
				continue;
			}
			n += snprintf(found + n, sizeof(found) - n, "%s%02x.%x", n ? " " : "", dev, fn);
			if (fn == 0 && !(rd8(dev, 0, 0x0E) & 0x80))
				break;
		}
	}
	CHECK_STR(found, "00.0 01.0 01.2 02.0 05.0 06.0", "bus 0 enumerates as SeaBIOS scans it");
}

static void test_read_only(void)
{
	wr32(TSLOT, 0, 0x00, 0xFFFFFFFFu);
	wr32(TSLOT, 0, 0x08, 0xFFFFFFFFu);
	wr8(TSLOT, 0, 0x0E, 0xFF);
	wr32(TSLOT, 0, 0x2C, 0);
	CHECK(rd32(TSLOT, 0, 0x00) == 0x00051B36u && rd32(TSLOT, 0, 0x08) == 0x00FF0001u &&
	      rd8(TSLOT, 0, 0x0E) == 0 && rd32(TSLOT, 0, 0x2C) == 0x11001AF4u,
	      "IDs, class, revision, header type and subsystem IDs ignore writes");
	wr32(0, 0, 0x00, 0);
	CHECK_EQ(rd32(0, 0, 0x00), 0x12378086u, "the host bridge's IDs ignore writes");

	wr16(TSLOT, 0, 0x04, 0xFFFF);
	uint32_t cmd = rd16(TSLOT, 0, 0x04);
	CHECK((cmd & 0x0007) == 0x0007 && (cmd & 0xF800) == 0,
	      "command: I/O, memory and bus master writable, reserved bits 15:11 read 0 (0x%04x)", cmd);
	wr16(TSLOT, 0, 0x04, 0);
	CHECK_EQ(rd16(TSLOT, 0, 0x04), 0, "command cleared");
}

/* ---- BARs ---------------------------------------------------------------- */

/* SeaBIOS's pci_bios_get_bar: all ones (the ROM BAR: its address mask),
 * read back, the old value restored. */
static uint32_t size_bar(unsigned dev, unsigned off, uint32_t pattern, uint32_t *old)
{
	*old = rd32(dev, 0, off);
	wr32(dev, 0, off, pattern);
	uint32_t v = rd32(dev, 0, off);
	wr32(dev, 0, off, *old);
	return v;
}

static void test_bar_sizing(void)
{
	uint32_t old, v;
	v = size_bar(TSLOT, 0x10, ~0u, &old);
	CHECK(old == 0 && v == 0xFFFFF000u, "BAR0 memory, 32-bit, not prefetchable: 4 KiB mask (0x%08x)", v);
	CHECK_EQ(~(v & ~0xFu) + 1, 0x1000, "BAR0 size 4 KiB");
	CHECK_EQ(rd32(TSLOT, 0, 0x10), old, "BAR0 restored");
	v = size_bar(TSLOT, 0x14, ~0u, &old);
	CHECK(old == 1 && v == 0xFFFFFFE1u, "BAR1 I/O: 32-byte mask with bit 0 set, bit 1 reserved 0 (0x%08x)", v);
	CHECK_EQ(~(v & ~0x3u) + 1, 0x20, "BAR1 size 32 bytes");
	v = size_bar(TSLOT, 0x18, ~0u, &old);
	CHECK(old == 0 && v == 0, "BAR2 unimplemented: reads 0 after all ones");
	v = size_bar(TSLOT, 0x1C, ~0u, &old);
	CHECK(old == 0x8 && v == 0xFFFF0008u, "BAR3 RAM-backed, prefetchable: 64 KiB mask (0x%08x)", v);
	v = size_bar(TSLOT, 0x30, 0xFFFFF800u, &old);
	CHECK(old == 0 && v == 0xFFFFF000u, "ROM BAR: 4 KiB for a 3000-byte file (0x%08x)", v);
	v = size_bar(TSLOT, 0x30, ~0u, &old);
	CHECK_EQ(v, 0xFFFFF001u, "ROM BAR: enable bit writable, bits 10:1 read 0");

	/* byte by byte, as a guest with byte config accesses would */
	for (unsigned i = 0; i < 4; i++)
		wr8(TSLOT, 0, 0x10 + i, 0xFF);
	CHECK_EQ(rd32(TSLOT, 0, 0x10), 0xFFFFF000u, "BAR0 sized a byte at a time");
	wr32(TSLOT, 0, 0x10, 0);

	v = size_bar(2, 0x10, ~0u, &old);
	CHECK_EQ(v, 0xFF000008u, "VGA BAR0: 16 MiB prefetchable framebuffer");
	v = size_bar(2, 0x18, ~0u, &old);
	CHECK_EQ(v, 0xFFFFF000u, "VGA BAR2: 4 KiB MMIO");
	v = size_bar(2, 0x30, 0xFFFFF800u, &old);
	CHECK_EQ(v, 0xFFFFF000u, "VGA ROM BAR sized to its BIOS file");
	unit_outl(vm, 0xCF8, unit_pci_addr(1, 2, 0x20));
	uint32_t uold = unit_inl(vm, 0xCFC);
	unit_outl(vm, 0xCFC, ~0u);
	v = unit_inl(vm, 0xCFC);
	unit_outl(vm, 0xCFC, uold);
	CHECK(uold == 1 && v == 0xFFFFFFE1u, "UHCI BAR4: 32 bytes of I/O (0x%08x)", v);

	/* SeaBIOS takes type 10b as a 64-bit BAR eating the next one: none here */
	bool all32 = true, bridges_empty = true;
	for (unsigned dev = 0; dev < 8; dev++) {
		if ((rd32(dev, 0, 0) & 0xFFFF) == 0xFFFF)
			continue;
		for (unsigned b = 0; b < 6; b++) {
			uint32_t bv = size_bar(dev, 0x10 + 4 * b, ~0u, &old);
			if (bv && !(bv & 1) && (bv & 6) != 0)
				all32 = false;
			if (dev < 2 && bv)
				bridges_empty = false;
		}
	}
	CHECK(all32, "every memory BAR is of type 00 (32-bit)");
	CHECK(bridges_empty, "the host and ISA bridges have no BARs");
}

static void test_bar_decode(void)
{
	wr32(TSLOT, 0, 0x10, T_MMIO);
	wr32(TSLOT, 0, 0x14, T_IO | 1);
	wr32(TSLOT, 0, 0x1C, T_RAM);
	CHECK(rd32(TSLOT, 0, 0x10) == T_MMIO && rd32(TSLOT, 0, 0x14) == (T_IO | 1) &&
	      rd32(TSLOT, 0, 0x1C) == (T_RAM | 8), "BARs hold their addresses with the type bits");
	memset(&mprobe, 0, sizeof(mprobe));
	memset(&iprobe, 0, sizeof(iprobe));
	CHECK(unit_mmio_read(vm, T_MMIO + 0x10, 4) == 0xFFFFFFFFu && unit_inl(vm, T_IO + 4) == 0xFFFFFFFFu &&
	      !mprobe.reads && !iprobe.reads && !slot_at(T_RAM),
	      "command 0: no BAR decodes");

	wr16(TSLOT, 0, 0x04, 0x0002);
	CHECK(unit_mmio_read(vm, T_MMIO + 0x10, 4) == 0x5A000010u && mprobe.off == 0x10 && mprobe.size == 4,
	      "memory enable: BAR0 decodes, offset 0x10 relative to it");
	unit_mmio_write(vm, T_MMIO + 0xFFE, 0xBEEF, 2);
	CHECK(mprobe.writes == 1 && mprobe.off == 0xFFE && mprobe.val == 0xBEEF && mprobe.size == 2,
	      "a word write at the BAR's last word");
	CHECK_EQ(unit_mmio_read(vm, T_MMIO + 0x1000, 4), 0xFFFFFFFFu, "past the 4 KiB BAR: nothing");
	CHECK(unit_inl(vm, T_IO + 4) == 0xFFFFFFFFu && !iprobe.reads, "I/O BAR off while command bit 0 is clear");
	const struct mem_slot *s = slot_at(T_RAM);
	CHECK(s && s->hva == tram && s->size == sizeof(tram), "RAM-backed BAR3 mapped as a memory slot");

	wr16(TSLOT, 0, 0x04, 0x0003);
	CHECK(unit_inw(vm, T_IO + 6) == 0x0006 && iprobe.off == 6 && iprobe.size == 2,
	      "I/O enable: BAR1 decodes at 0x%x", T_IO);
	unit_outb(vm, T_IO + 0x1F, 0x42);
	CHECK(iprobe.writes == 1 && iprobe.off == 0x1F && iprobe.val == 0x42, "a byte write at its last port");

	/* moving a BAR releases the old range */
	wr32(TSLOT, 0, 0x10, T_MMIO + 0x10000);
	mprobe.reads = 0;
	CHECK(unit_mmio_read(vm, T_MMIO, 4) == 0xFFFFFFFFu && !mprobe.reads, "moved: nothing at the old address");
	CHECK(unit_mmio_read(vm, T_MMIO + 0x10000 + 8, 4) == 0x5A000008u, "moved: decodes at the new one");
	wr16(TSLOT, 0, 0x1C + 2, (T_RAM + 0x100000) >> 16);
	CHECK(!slot_at(T_RAM) && slot_at(T_RAM + 0x100000), "RAM BAR moved by a word write to its upper half");
	wr32(TSLOT, 0, 0x1C, T_RAM);

	/* SeaBIOS leaves BARs it did not place at 0: not decoded */
	wr32(TSLOT, 0, 0x10, 0);
	CHECK(!iobus_find(&vm->mmio, 0) && !iobus_find(&vm->mmio, 0x10000 + T_MMIO),
	      "BAR0 at address 0: not decoded");
	wr32(TSLOT, 0, 0x10, T_MMIO);

	/* the all-ones sizing pattern must not decode, even with decoding on
	 * (QEMU's rule: a 32-bit BAR ending at 0xFFFFFFFF is not mapped) */
	wr32(TSLOT, 0, 0x14, ~0u);
	CHECK(!iobus_find(&vm->pio, 0xFFE0), "I/O BAR holding all ones: nothing decoded at 0xFFE0");
	wr32(TSLOT, 0, 0x14, 0x10000 | T_IO | 1);
	CHECK(!iobus_find(&vm->pio, T_IO),
	      "I/O BAR above 64 KiB: no x86 I/O cycle reaches it, nothing aliased at 0x%x", T_IO);
	wr32(TSLOT, 0, 0x14, T_IO | 1);
	CHECK(iobus_find(&vm->pio, T_IO) != NULL, "I/O BAR back at 0x%x", T_IO);
	wr32(TSLOT, 0, 0x10, ~0u);
	CHECK(!iobus_find(&vm->mmio, 0xFFFFF000u), "memory BAR holding all ones: not decoded over the BIOS");
	wr32(TSLOT, 0, 0x1C, ~0u);
	CHECK(!slot_at(0xFFFF0000u), "RAM BAR holding all ones: no memory slot at the top of 4 GiB");
	wr32(TSLOT, 0, 0x10, T_MMIO);
	wr32(TSLOT, 0, 0x1C, T_RAM);
	CHECK(iobus_find(&vm->mmio, T_MMIO) && slot_at(T_RAM), "restored BARs decode again");

	wr16(TSLOT, 0, 0x04, 0x0001);
	CHECK(!iobus_find(&vm->mmio, T_MMIO) && !slot_at(T_RAM) && iobus_find(&vm->pio, T_IO),
	      "memory enable cleared: memory BARs released, the I/O BAR stays");
	wr16(TSLOT, 0, 0x04, 0);
	CHECK(!iobus_find(&vm->pio, T_IO), "I/O enable cleared: released");

	/* the stdvga's framebuffer is where SeaVGABIOS and Linux find it: BAR0 */
	struct vga *v = vm_lookup(vm, "vga");
	wr32(2, 0, 0x10, 0xFC000000u);
	wr16(2, 0, 0x04, 0x0003);
	s = slot_at(0xFC000000u);
	CHECK(s && v && s->hva == v->vram && s->size == 16u << 20 && (s->flags & 1 /* KVM_MEM_LOG_DIRTY_PAGES */) &&
	      v->lfb_addr == 0xFC000000u, "VGA BAR0: video memory mapped with dirty logging at its address");
	wr16(2, 0, 0x04, 0);
	CHECK(!slot_at(0xFC000000u) && v && v->lfb_slot == -1, "VGA memory decoding off: framebuffer unmapped");
}

static void test_rom(void)
{
	wr32(TSLOT, 0, 0x30, T_ROM);
	wr16(TSLOT, 0, 0x04, 0x0002);
	CHECK_EQ(unit_mmio_read(vm, T_ROM, 2), 0xFFFF, "ROM BAR enable bit clear: not decoded");
	wr32(TSLOT, 0, 0x30, T_ROM | 1);
	CHECK_EQ(unit_mmio_read(vm, T_ROM, 2), 0xAA55, "ROM enabled: the 55 AA signature");
	unsigned pcir = (unsigned)unit_mmio_read(vm, T_ROM + 0x18, 2);
	CHECK(unit_mmio_read(vm, T_ROM + pcir, 4) == 0x52494350u /* "PCIR" */ &&
	      unit_mmio_read(vm, T_ROM + pcir + 4, 4) == 0x00051B36u,
	      "PCIR names the function's vendor and device (patched from 0000:0000)");
	uint8_t sum = 0;
	for (unsigned i = 0; i < 2048; i++)
		sum = (uint8_t)(sum + unit_mmio_read(vm, T_ROM + i, 1));
	CHECK_EQ(sum, 0, "the patched image still sums to zero");
	CHECK(unit_mmio_read(vm, T_ROM + 2999, 1) == (uint8_t)(2999 * 7 + 3) &&
	      unit_mmio_read(vm, T_ROM + 3000, 4) == 0 && unit_mmio_read(vm, T_ROM + 0xFFC, 4) == 0,
	      "the file's last byte, zeros after it up to the end of the BAR");
	CHECK_EQ(unit_mmio_read(vm, T_ROM + 8, 8), unit_mmio_read(vm, T_ROM + 8, 4) |
		 unit_mmio_read(vm, T_ROM + 12, 4) << 32, "an 8-byte read is two dwords");
	unit_mmio_write(vm, T_ROM + 0x20, 0xFFFFFFFFu, 4);
	CHECK_EQ(unit_mmio_read(vm, T_ROM + pcir + 4, 4), 0x00051B36u, "the ROM is read-only");
	wr16(TSLOT, 0, 0x04, 0);
	CHECK_EQ(unit_mmio_read(vm, T_ROM, 2), 0xFFFF, "memory decoding off: ROM gone even with its enable bit");

	/* an image with a bad checksum is served as it is */
	wr32(TSLOT2, 0, 0x30, T_ROM + 0x10000 + 1);
	wr16(TSLOT2, 0, 0x04, 0x0002);
	CHECK_EQ(unit_mmio_read(vm, T_ROM + 0x10000 + 0x20, 4), 0,
	      "a ROM with a bad checksum keeps its IDs (not patched)");
	wr16(TSLOT2, 0, 0x04, 0);
	wr32(TSLOT2, 0, 0x30, 0);

	/* sizes: a power of two, at least 2 KiB; a missing file: no ROM BAR */
	struct pci_dev d = { .name = "romsize" };
	struct pci_rom r = { 0 };
	pci_init_header(&d, 0x1B36, 0x0005, 0, 0, 0, 0);
	pci_rom_load(&d, &r, "/nonexistent/test_pci.rom");
	CHECK(d.bars[PCI_BAR_ROM].size == 0 && r.data == NULL, "missing ROM file: no ROM BAR");
	char p[64];
	strcpy(p, "/tmp/test_pci_smallXXXXXX");
	int fd = mkstemp(p);
	CHECK(fd >= 0 && write(fd, "\x55\xAA", 2) == 2, "2-byte ROM file");
	if (fd >= 0)
		close(fd);
	pci_rom_load(&d, &r, p);
	CHECK(d.bars[PCI_BAR_ROM].size == 2048 && r.size == 2, "a 2-byte ROM gets the smallest ROM BAR, 2 KiB");
	pci_rom_free(&r);
	unlink(p);
}

/* ---- interrupts ---------------------------------------------------------- */

static void test_intx(void)
{
	/* PIIX3 0x60: PIRQA to IRQ 10; slot 5 INTA is PIRQ (5 + 1 - 2) & 3 = A */
	wr8(1, 0, 0x60, 10);
	unit_irq_clear();
	pci_set_irq(&tdev, 1);
	CHECK_EQ(unit_irqs.level[10], 1, "slot 5 INTA reaches IRQ 10 through PIRQA");
	CHECK(rd16(TSLOT, 0, 0x06) & 0x08, "status bit 3: the function requests an interrupt");
	wr16(TSLOT, 0, 0x04, 0x0400);
	CHECK_EQ(unit_irqs.level[10], 0, "Interrupt Disable (command bit 10) deasserts INTx (PCI 3.0 6.2.2)");
	CHECK(rd16(TSLOT, 0, 0x06) & 0x08, "status bit 3 still shows the masked request");
	wr16(TSLOT, 0, 0x06, 0xFFFF);
	CHECK(rd16(TSLOT, 0, 0x06) & 0x08, "status bit 3 is read-only, not write-one-to-clear (PCI 3.0 6.2.3)");
	wr16(TSLOT, 0, 0x04, 0);
	CHECK_EQ(unit_irqs.level[10], 1, "Interrupt Disable cleared: asserted again");

	wr8(1, 0, 0x60, 11);
	CHECK(unit_irqs.level[10] == 0 && unit_irqs.level[11] == 1, "PIRQA rerouted to IRQ 11: the level follows");
	wr8(1, 0, 0x60, 0x80);
	CHECK_EQ(unit_irqs.level[11], 0, "PIRQA routing disabled (bit 7): no IRQ");
	wr8(1, 0, 0x60, 10);
	CHECK_EQ(unit_irqs.level[10], 1, "routed again: the pending interrupt shows");

	/* level-triggered sharing: slot 6 INTA is PIRQB, routed to IRQ 10 too */
	wr8(1, 0, 0x61, 10);
	pci_set_irq(&tdev2, 1);
	pci_set_irq(&tdev, 0);
	CHECK_EQ(unit_irqs.level[10], 1, "shared IRQ 10 stays up while the other function asserts");
	pci_set_irq(&tdev2, 0);
	CHECK(unit_irqs.level[10] == 0 && !(rd16(TSLOT, 0, 0x06) & 0x08), "both deasserted: IRQ 10 low, status clear");

	/* a request raised and dropped while masked never reaches the line */
	wr16(TSLOT, 0, 0x04, 0x0400);
	unsigned rises = unit_irqs.rises[10];
	pci_set_irq(&tdev, 1);
	CHECK_EQ(unit_irqs.level[10], 0, "masked request: line stays low");
	pci_set_irq(&tdev, 0);
	wr16(TSLOT, 0, 0x04, 0);
	CHECK(unit_irqs.level[10] == 0 && unit_irqs.rises[10] == rises, "unmasked after it was dropped: no edge");

	/* reset with a masked request pending, then the line works as before */
	wr16(TSLOT, 0, 0x04, 0x0400);
	pci_set_irq(&tdev, 1);
	run_reset_hooks();
	CHECK(rd16(TSLOT, 0, 0x04) == 0 && !(rd16(TSLOT, 0, 0x06) & 0x08), "reset: command 0, no request");
	wr8(1, 0, 0x60, 10);
	pci_set_irq(&tdev, 1);
	CHECK_EQ(unit_irqs.level[10], 1, "after reset an assertion reaches IRQ 10 again");
	pci_set_irq(&tdev, 0);
	CHECK_EQ(unit_irqs.level[10], 0, "and its deassertion lowers it");
}

static void test_reset(void)
{
	wr32(TSLOT, 0, 0x10, T_MMIO);
	wr32(TSLOT, 0, 0x14, T_IO | 1);
	wr32(TSLOT, 0, 0x1C, T_RAM);
	wr32(TSLOT, 0, 0x30, T_ROM | 1);
	wr16(TSLOT, 0, 0x04, 0x0007);
	wr8(TSLOT, 0, 0x3C, 0x0B);
	run_reset_hooks();
	CHECK(rd32(TSLOT, 0, 0x10) == 0 && rd32(TSLOT, 0, 0x14) == 1 && rd32(TSLOT, 0, 0x1C) == 8 &&
	      rd32(TSLOT, 0, 0x30) == 0, "reset: BARs back to their type bits");
	CHECK(rd16(TSLOT, 0, 0x04) == 0 && rd8(TSLOT, 0, 0x3C) == 0, "reset: command and interrupt line 0");
	CHECK(!iobus_find(&vm->mmio, T_MMIO) && !iobus_find(&vm->pio, T_IO) && !slot_at(T_RAM) &&
	      !iobus_find(&vm->mmio, T_ROM), "reset: nothing decoded");
	CHECK(rd8(0, 0, 0x59) == 0 && rd8(1, 0, 0x60) == 0x80, "reset: PAMs cleared, PIRQ routes disabled");
}

/* ---- bad input ------------------------------------------------------------ */

static void test_sweep(void)
{
	static const uint32_t pat[] = { 0xFFFFFFFFu, 0x00000000u, 0xA5A5A5A5u, 0x5A5A5A5Au, 0x80000001u };
	static const unsigned devs[] = { 0, 1 << 3, 1 << 3 | 2, 2 << 3, TSLOT << 3, TSLOT2 << 3, 7 << 3, 0xFF };
	/* every register of every function, every size, aligned or not */
	for (unsigned d = 0; d < ARRAY_SIZE(devs); d++)
		for (unsigned p = 0; p < ARRAY_SIZE(pat); p++)
			for (unsigned size = 1; size <= 4; size <<= 1)
				for (unsigned off = 0; off < 256; off++) {
					unit_outl(vm, 0xCF8, 0x80000000u | devs[d] << 8 | (off & 0xFC));
					unit_out(vm, (uint16_t)(0xCFC + (off & 3)), pat[p], size);
					(void)unit_in(vm, (uint16_t)(0xCFC + (off & 3)), size);
				}
	/* every address register value's fields: buses, reserved bits */
	for (uint32_t a = 0; a < 0x400; a++) {
		uint32_t cf8 = (a & 1 ? 0x80000000u : 0) | (a & 2 ? 0x7F000003u : 0) | (a >> 2) << 14;
		unit_outl(vm, 0xCF8, cf8);
		(void)unit_inl(vm, 0xCFC);
		(void)unit_inb(vm, 0xCFF);
	}
	CHECK(true, "sweeps of every register and address done without a fault");
	run_reset_hooks();
	CHECK(rd32(0, 0, 0) == 0x12378086u && rd32(1, 0, 0) == 0x70008086u && rd32(TSLOT, 0, 0) == 0x00051B36u &&
	      rd32(TSLOT, 0, 0x08) == 0x00FF0001u && rd8(1, 0, 0x0E) == 0x80,
	      "after the sweeps and a reset: IDs, class and header types intact");
	CHECK(rd32(TSLOT, 0, 0x10) == 0 && rd32(TSLOT, 0, 0x14) == 1 && rd16(TSLOT, 0, 0x04) == 0,
	      "and BARs and command at their reset values");
	CHECK_EQ(slots_used(), base_slots, "no memory slots left behind");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);   /* PASS lines whole between warnings */
	write_rom(rom_path, true);
	write_rom(bad_rom_path, false);
	struct vm_config cfg = { .usb = true, .vgabios = rom_path };
	static const char *const parts[] = { "pci", "piix", "vga", "uhci", NULL };
	vm = unit_vm_new(16, &cfg, parts);
	base_slots = slots_used();

	tdev.name = "testdev";
	pci_init_header(&tdev, 0x1B36, 0x0005, 0x00FF00, 0x01, 0x1AF4, 0x1100);
	tdev.config[0x3D] = 1;   /* INTA */
	pci_set_bar(&tdev, 0, 0x1000, false, &probe_ops, &mprobe);
	pci_set_bar(&tdev, 1, 0x20, true, &probe_ops, &iprobe);
	pci_set_ram_bar(&tdev, 3, sizeof(tram), tram, true, false);
	pci_rom_load(&tdev, &trom, rom_path);
	tdev2.name = "testdev2";
	pci_init_header(&tdev2, 0x1B36, 0x0005, 0x00FF00, 0x01, 0, 0);
	tdev2.config[0x3D] = 1;
	pci_rom_load(&tdev2, &trom2, bad_rom_path);
	CHECK(pci_register(vm, &tdev, TSLOT << 3) == 0 && pci_register(vm, &tdev2, TSLOT2 << 3) == 0,
	      "test functions at 05.0 and 06.0");
	CHECK(pci_register(vm, &tdev2, TSLOT2 << 3) < 0, "a taken slot is refused");

	test_address_register();
	test_enable_bit();
	test_identity();
	test_partial_access();
	test_enumerate();
	test_read_only();
	test_bar_sizing();
	test_bar_decode();
	test_rom();
	test_intx();
	test_reset();
	test_sweep();

	vm_destroy(vm);
	pci_rom_free(&trom);
	pci_rom_free(&trom2);
	unlink(rom_path);
	unlink(bad_rom_path);
	return UNIT_DONE();
}
