/*
 * PIIX4 power management function (00:01.3, 8086:7113), the ACPI PM1 and
 * PM timer registers (ACPI spec 4.8: PM1_STS +0, PM1_EN +2, PM1_CNT +4,
 * PM_TMR +8 at 3.579545 MHz). SeaBIOS finds the function, programs PMBASE
 * (config 0x40) and builds ACPI tables for it; direct-boot guests get PMBASE
 * 0x600, the address our own ACPI tables name.
 *
 * Writing SLP_EN with SLP_TYP 0 (the \_S5 value of these DSDTs) powers off.
 * The power button (monitor `system_powerdown`) sets PWRBTN_STS and raises
 * the SCI (IRQ 9) when the guest enabled it.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/pci.h"
#include "core/util.h"
#include "core/vm.h"

#define PM_SIZE 64
#define DEFAULT_PMBASE 0x600
#define SCI_IRQ 9
#define STS_TMR 0x0001
#define STS_PWRBTN 0x0100
#define CNT_SCI_EN 0x0001
#define CNT_SLP_EN 0x2000
#define SMI_CMD_PORT 0xb2
#define ACPI_ENABLE 0xf1
#define ACPI_DISABLE 0xf0

struct acpi_pm {
	struct vm *vm;
	struct pci_dev pci;
	pthread_mutex_t lock;
	uint16_t base;        /* decoded PM base, 0 = off */
	uint16_t sts, en, cnt;
	bool sci;
	uint64_t tmr_origin;
};

static void update_sci(struct acpi_pm *pm)
{
	bool on = (pm->sts & pm->en & (STS_PWRBTN | STS_TMR)) && (pm->cnt & CNT_SCI_EN);
	if (on != pm->sci) {
		pm->sci = on;
		vm_set_irq(pm->vm, SCI_IRQ, on);
	}
}

static uint32_t pm_timer(struct acpi_pm *pm)
{
	/* 3.579545 MHz, 24 bits */
	uint64_t ns = clock_ns() - pm->tmr_origin;
	return (uint32_t)((unsigned __int128)ns * 3579545 / 1000000000ull) & 0xffffff;
}

static uint64_t pm_read(void *opaque, uint64_t off, unsigned size)
{
	struct acpi_pm *pm = opaque;
	uint64_t v;
	pthread_mutex_lock(&pm->lock);
	switch (off) {
	case 0: v = pm->sts; break;
	case 2: v = pm->en; break;
	case 4: v = pm->cnt & ~CNT_SLP_EN; break;
	case 8: v = pm_timer(pm); break;
	default: v = 0; break;
	}
	pthread_mutex_unlock(&pm->lock);
	if (size == 1)
		v &= 0xff;
	return v;
}

static void pm_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct acpi_pm *pm = opaque;
	bool poweroff = false;
	(void)size;
	pthread_mutex_lock(&pm->lock);
	switch (off) {
	case 0:
		pm->sts &= ~val; /* write one to clear */
		break;
	case 2:
		pm->en = val;
		break;
	case 4:
		pm->cnt = val & ~CNT_SLP_EN;
		if ((val & CNT_SLP_EN) && ((val >> 10) & 7) == 0)
			poweroff = true;
		else if (val & CNT_SLP_EN)
			vm_log(pm->vm, "ACPI: sleep type %u requested, not supported", (unsigned)((val >> 10) & 7));
		break;
	}
	update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
	if (poweroff)
		vm_request_poweroff(pm->vm);
}

static const struct io_ops pm_ops = { .read = pm_read, .write = pm_write };

/* APM control port: the FADT's SMI_CMD, where ACPI mode is switched on and off. */
static void smi_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct acpi_pm *pm = opaque;
	(void)off;
	(void)size;
	pthread_mutex_lock(&pm->lock);
	if ((val & 0xff) == ACPI_ENABLE)
		pm->cnt |= CNT_SCI_EN;
	else if ((val & 0xff) == ACPI_DISABLE)
		pm->cnt &= ~CNT_SCI_EN;
	update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
}

static uint64_t smi_read(void *opaque, uint64_t off, unsigned size)
{
	(void)opaque;
	(void)off;
	(void)size;
	return 0;
}

static const struct io_ops smi_ops = { .read = smi_read, .write = smi_write };

static void set_base(struct acpi_pm *pm, uint16_t base)
{
	if (base == pm->base)
		return;
	if (pm->base)
		iobus_unregister(&pm->vm->pio, pm->base, pm);
	pm->base = 0;
	if (base && iobus_register(&pm->vm->pio, base, PM_SIZE, &pm_ops, pm, "acpi-pm") == 0)
		pm->base = base;
}

/* PMBASE (0x40, I/O space indicator in bit 0) and PMREGMISC (0x80, bit 0 = decode). */
static void pm_config_write(struct pci_dev *d, unsigned off, uint32_t val, unsigned size)
{
	struct acpi_pm *pm = d->opaque;
	(void)val;
	if (off + size <= 0x40 || off >= 0x81 || (off >= 0x44 && off + size <= 0x80))
		return;
	uint16_t base = ld16(d->config + 0x40) & 0xffc0;
	set_base(pm, (d->config[0x80] & 1) ? base : 0);
}

static void power_button(struct vm *vm)
{
	struct acpi_pm *pm = vm_lookup(vm, "acpi-pm");
	if (!pm)
		return;
	pthread_mutex_lock(&pm->lock);
	pm->sts |= STS_PWRBTN;
	update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
}

static void pm_reset(void *opaque)
{
	struct acpi_pm *pm = opaque;
	pthread_mutex_lock(&pm->lock);
	pm->sts = pm->en = pm->cnt = 0;
	update_sci(pm);
	bool direct = pm->vm->cfg->kernel && *pm->vm->cfg->kernel &&
		      strcmp(pm->vm->cfg->kernel, "hvmloader");
	st32(pm->pci.config + 0x40, direct ? DEFAULT_PMBASE | 1 : 1);
	pm->pci.config[0x80] = direct ? 1 : 0;
	if (direct)
		pm->cnt = CNT_SCI_EN; /* our FADT has no SMI_CMD: ACPI mode from the start */
	set_base(pm, direct ? DEFAULT_PMBASE : 0);
	pthread_mutex_unlock(&pm->lock);
}

static void pm_free(void *opaque)
{
	struct acpi_pm *pm = opaque;
	pthread_mutex_destroy(&pm->lock);
	free(pm);
}

int acpi_pm_create(struct vm *vm)
{
	if (!vm->cfg->acpi && !(vm->cfg->kernel && *vm->cfg->kernel))
		return 0; /* acpi=0: no power management function */
	struct acpi_pm *pm = xzalloc(sizeof(*pm));
	pm->vm = vm;
	pm->tmr_origin = clock_ns();
	pthread_mutex_init(&pm->lock, NULL);
	pm->pci.name = "piix4-pm";
	pm->pci.opaque = pm;
	pci_init_header(&pm->pci, 0x8086, 0x7113, 0x068000, 0x03, 0x1af4, 0x1100);
	pm->pci.config[0x3d] = 1; /* INTA, as on the PIIX4 */
	st32(pm->pci.wmask + 0x40, 0xffc0);
	pm->pci.wmask[0x80] = 0x01;
	st32(pm->pci.wmask + 0x90, 0xfff0); /* SMBus base: stored only */
	pm->pci.wmask[0xd2] = 0x0f;
	pm->pci.config_write = pm_config_write;
	vm_add_free_hook(vm, pm_free, pm);
	if (pci_register(vm, &pm->pci, 0x0b) < 0)
		return -1;
	vm_publish(vm, "acpi-pm", pm);
	vm->powerdown = power_button;
	vm_add_reset_hook(vm, pm_reset, pm);
	pm_reset(pm);
	return vm_register_pio(vm, SMI_CMD_PORT, 1, &smi_ops, pm, "apm-cnt");
}
