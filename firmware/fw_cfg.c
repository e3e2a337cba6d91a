/* fw_cfg: the items and files SeaBIOS reads, over port I/O and DMA. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/fw_cfg.h"
#include "core/util.h"
#include "core/vm.h"

#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID 0x01
#define FW_CFG_UUID 0x02
#define FW_CFG_RAM_SIZE 0x03
#define FW_CFG_NOGRAPHIC 0x04
#define FW_CFG_NB_CPUS 0x05
#define FW_CFG_BOOT_MENU 0x0e
#define FW_CFG_MAX_CPUS 0x0f
#define FW_CFG_FILE_DIR 0x19
#define FW_CFG_FILE_FIRST 0x20
#define FW_CFG_IRQ0_OVERRIDE 0x8002
#define FW_CFG_E820_TABLE 0x8003
#define MAX_ITEMS 96
#define FILE_NAME_LEN 56

/* DMA control bits (docs: fw_cfg DMA interface) */
#define DMA_ERROR 0x01
#define DMA_READ 0x02
#define DMA_SKIP 0x04
#define DMA_SELECT 0x08
#define DMA_WRITE 0x10

struct fw_item {
	uint16_t key;
	char name[FILE_NAME_LEN]; /* "" for legacy items */
	uint8_t *data;
	uint32_t len;
};

struct fwcfg {
	struct vm *vm;
	pthread_mutex_t lock;
	struct fw_item items[MAX_ITEMS];
	unsigned n;
	uint16_t next_file_key;
	uint16_t cur_key;
	uint32_t offset;
	uint32_t dma_hi;
};

static struct fwcfg *fwcfg_of(struct vm *vm)
{
	return vm->fwcfg;
}

static struct fw_item *find(struct fwcfg *f, uint16_t key)
{
	for (unsigned i = 0; i < f->n; i++)
		if (f->items[i].key == key)
			return &f->items[i];
	return NULL;
}

static void set_item(struct fw_item *it, const void *data, size_t len)
{
	free(it->data);
	it->data = xmalloc(len);
	memcpy(it->data, data, len);
	it->len = len;
}

/* Rebuild the file directory (big-endian count and entries). */
static void rebuild_dir(struct fwcfg *f)
{
	unsigned files = 0;
	for (unsigned i = 0; i < f->n; i++)
		files += f->items[i].name[0] != 0;
	size_t len = 4 + files * 64;
	uint8_t *dir = xzalloc(len), *p = dir + 4;
	st32be(dir, files);
	for (unsigned i = 0; i < f->n; i++) {
		struct fw_item *it = &f->items[i];
		if (!it->name[0])
			continue;
		st32be(p, it->len);
		st16be(p + 4, it->key);
		memcpy(p + 8, it->name, FILE_NAME_LEN);
		p += 64;
	}
	struct fw_item *d = find(f, FW_CFG_FILE_DIR);
	if (!d) {
		d = &f->items[f->n++];
		d->key = FW_CFG_FILE_DIR;
	}
	free(d->data);
	d->data = dir;
	d->len = len;
}

int fwcfg_add_item(struct vm *vm, uint16_t key, const void *data, size_t len)
{
	struct fwcfg *f = fwcfg_of(vm);
	if (!f)
		return -1;
	pthread_mutex_lock(&f->lock);
	struct fw_item *it = find(f, key);
	if (!it) {
		if (f->n == MAX_ITEMS) {
			pthread_mutex_unlock(&f->lock);
			return -1;
		}
		it = &f->items[f->n++];
		it->key = key;
	}
	set_item(it, data, len);
	pthread_mutex_unlock(&f->lock);
	return 0;
}

int fwcfg_add_file(struct vm *vm, const char *name, const void *data, size_t len)
{
	struct fwcfg *f = fwcfg_of(vm);
	if (!f || strlen(name) >= FILE_NAME_LEN)
		return -1;
	pthread_mutex_lock(&f->lock);
	struct fw_item *it = NULL;
	for (unsigned i = 0; i < f->n; i++)
		if (!strcmp(f->items[i].name, name))
			it = &f->items[i];
	if (!it) {
		if (f->n >= MAX_ITEMS - 1) {
			pthread_mutex_unlock(&f->lock);
			return -1;
		}
		it = &f->items[f->n++];
		it->key = f->next_file_key++;
		snprintf(it->name, sizeof(it->name), "%s", name);
	}
	set_item(it, data, len);
	rebuild_dir(f);
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static uint8_t read_byte(struct fwcfg *f)
{
	struct fw_item *it = find(f, f->cur_key);
	if (!it || f->offset >= it->len)
		return 0;
	return it->data[f->offset++];
}

static uint64_t data_read(void *opaque, uint64_t off, unsigned size)
{
	struct fwcfg *f = opaque;
	(void)off;
	uint64_t v = 0;
	pthread_mutex_lock(&f->lock);
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)read_byte(f) << (8 * i);
	pthread_mutex_unlock(&f->lock);
	return v;
}

static void select_key(struct fwcfg *f, uint16_t key)
{
	f->cur_key = key;
	f->offset = 0;
}

static void ctl_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct fwcfg *f = opaque;
	if (off != 0 || size != 2)
		return;
	pthread_mutex_lock(&f->lock);
	select_key(f, val);
	pthread_mutex_unlock(&f->lock);
}

/* Run one DMA descriptor at guest address addr (all fields big-endian). */
static void dma_run(struct fwcfg *f, uint64_t addr)
{
	struct vm *vm = f->vm;
	uint8_t desc[16];
	if (vm_read_guest(vm, addr, desc, sizeof(desc)) < 0)
		return;
	uint32_t control = ld32be(desc), len = ld32be(desc + 4);
	uint64_t dst = ld64be(desc + 8);
	uint32_t status = 0;
	pthread_mutex_lock(&f->lock);
	if (control & DMA_SELECT)
		select_key(f, control >> 16);
	if (control & DMA_WRITE) {
		status = DMA_ERROR; /* no writable items */
	} else if (control & (DMA_READ | DMA_SKIP)) {
		struct fw_item *it = find(f, f->cur_key);
		uint32_t avail = it && f->offset < it->len ? it->len - f->offset : 0;
		uint32_t n = MIN(avail, len);
		if (control & DMA_READ) {
			uint8_t *p = vm_gpa_to_hva(vm, dst, len);
			if (!p) {
				status = DMA_ERROR;
			} else {
				if (n)
					memcpy(p, it->data + f->offset, n);
				memset(p + n, 0, len - n); /* reads past the end give zeros */
			}
		}
		if (!status)
			f->offset += n;
	}
	pthread_mutex_unlock(&f->lock);
	uint8_t st[4];
	st32be(st, status);
	vm_write_guest(vm, addr, st, 4);
}

static uint64_t dma_read(void *opaque, uint64_t off, unsigned size)
{
	(void)opaque;
	/* the DMA register reads back the signature "QEMU CFG", big-endian */
	static const uint8_t sig[8] = { 'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G' };
	uint64_t v = 0;
	for (unsigned i = 0; i < size && off + i < 8; i++)
		v |= (uint64_t)sig[off + i] << (8 * i);
	return v;
}

static void dma_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct fwcfg *f = opaque;
	if (size == 4 && off == 0) {
		f->dma_hi = __builtin_bswap32(val);
	} else if (size == 4 && off == 4) {
		dma_run(f, (uint64_t)f->dma_hi << 32 | __builtin_bswap32(val));
		f->dma_hi = 0;
	} else if (size == 8 && off == 0) {
		dma_run(f, __builtin_bswap64(val));
	}
}

static const struct io_ops ctl_ops = { .write = ctl_write };
static const struct io_ops data_ops = { .read = data_read };
static const struct io_ops dma_ops = { .read = dma_read, .write = dma_write };

static void fwcfg_free(void *opaque)
{
	struct fwcfg *f = opaque;
	for (unsigned i = 0; i < f->n; i++)
		free(f->items[i].data);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static void fwcfg_reset(void *opaque)
{
	struct fwcfg *f = opaque;
	pthread_mutex_lock(&f->lock);
	select_key(f, 0);
	f->dma_hi = 0;
	pthread_mutex_unlock(&f->lock);
}

/* QEMU's layout of etc/e820: {u64 address, u64 length, u32 type} little-endian. */
static void add_e820(struct vm *vm)
{
	uint8_t e[4][20];
	unsigned n = 0;
	const struct { uint64_t a, l; uint32_t t; } ent[] = {
		{ 0, vm->low_ram, 1 },
		{ KVM_IDENTITY_MAP_ADDR, 0x4000, 2 },
		{ HIGH_RAM_START, vm->high_ram, 1 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(ent); i++) {
		if (!ent[i].l)
			continue;
		st64(e[n], ent[i].a);
		st64(e[n] + 8, ent[i].l);
		st32(e[n] + 16, ent[i].t);
		n++;
	}
	fwcfg_add_file(vm, "etc/e820", e, n * 20);
}

int fwcfg_create(struct vm *vm)
{
	struct fwcfg *f = xzalloc(sizeof(*f));
	f->vm = vm;
	f->next_file_key = FW_CFG_FILE_FIRST;
	pthread_mutex_init(&f->lock, NULL);
	vm->fwcfg = f;
	vm_add_free_hook(vm, fwcfg_free, f);
	vm_add_reset_hook(vm, fwcfg_reset, f);

	uint8_t b[8];
	fwcfg_add_item(vm, FW_CFG_SIGNATURE, "QEMU", 4);
	st32(b, 3); /* traditional interface and DMA */
	fwcfg_add_item(vm, FW_CFG_ID, b, 4);
	uint8_t uuid[16] = { 0 };
	fwcfg_add_item(vm, FW_CFG_UUID, uuid, 16);
	st64(b, vm->ram_size);
	fwcfg_add_item(vm, FW_CFG_RAM_SIZE, b, 8);
	st16(b, vm->cfg->nographic);
	fwcfg_add_item(vm, FW_CFG_NOGRAPHIC, b, 2);
	st16(b, vm->n_vcpus);
	fwcfg_add_item(vm, FW_CFG_NB_CPUS, b, 2);
	fwcfg_add_item(vm, FW_CFG_MAX_CPUS, b, 2);
	st16(b, vm->cfg->boot_menu);
	fwcfg_add_item(vm, FW_CFG_BOOT_MENU, b, 2);
	if (vm->cfg->boot_menu_key && !strcmp(vm->cfg->boot_menu_key, "f12")) {
		/* SeaBIOS compares the key's BIOS scan code: F12 is 0x86 */
		static const char msg[] = "\nPress F12 for boot menu.\n\n";
		st64(b, 0x86);
		fwcfg_add_file(vm, "etc/boot-menu-key", b, 8);
		fwcfg_add_file(vm, "etc/boot-menu-message", msg, sizeof(msg));
	}
	st32(b, 0);
	fwcfg_add_item(vm, FW_CFG_E820_TABLE, b, 4);
	st32(b, 1); /* the PIT's GSI 0 reaches I/O APIC pin 2 (core/vm.c routing) */
	fwcfg_add_item(vm, FW_CFG_IRQ0_OVERRIDE, b, 4);
	add_e820(vm);
	if (vm->cfg->nographic) {
		st16(b, 0x3f8); /* SeaBIOS's serial console on COM1 */
		fwcfg_add_file(vm, "etc/sercon-port", b, 2);
	}
	if (vm_register_pio(vm, 0x510, 1, &ctl_ops, f, "fw_cfg") < 0 ||
	    vm_register_pio(vm, 0x511, 1, &data_ops, f, "fw_cfg-data") < 0 ||
	    vm_register_pio(vm, 0x514, 8, &dma_ops, f, "fw_cfg-dma") < 0)
		return -1;
	return 0;
}
