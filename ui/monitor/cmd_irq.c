/*
 * Interrupt controllers as KVM holds them: info pic (the two 8259As, as
 * QEMU prints them), info lapic (the current vCPU's local APIC registers
 * that decide whether PIC interrupts reach it), info ioapic.
 */
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ui/monitor/monitor.h"
#include "core/util.h"
#include "core/vcpu.h"
#include "core/vm.h"

static void info_pic(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	struct vm *vm = monitor_vm(s);
	for (int chip = 0; chip < 2; chip++) {
		struct kvm_irqchip ic = { .chip_id = chip };
		if (vm->vm_fd < 0 || ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &ic) < 0) {
			monitor_printf(s, "PIC state not available\n");
			return;
		}
		const struct kvm_pic_state *p = &ic.chip.pic;
		monitor_printf(s, "pic%d: irr=%02x imr=%02x isr=%02x hprio=%d irq_base=%02x "
			       "rr_sel=%d elcr=%02x fnm=%d\n", chip, p->irr, p->imr, p->isr,
			       p->priority_add, p->irq_base, p->read_reg_select, p->elcr,
			       p->special_fully_nested_mode);
	}
}

static void info_ioapic(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	struct vm *vm = monitor_vm(s);
	struct kvm_irqchip ic = { .chip_id = KVM_IRQCHIP_IOAPIC };
	if (vm->vm_fd < 0 || ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &ic) < 0) {
		monitor_printf(s, "IOAPIC state not available\n");
		return;
	}
	const struct kvm_ioapic_state *io = &ic.chip.ioapic;
	monitor_printf(s, "ioapic0: id=%d sel=0x%02x irr=%08x\n", io->id, io->ioregsel, io->irr);
	for (int i = 0; i < KVM_IOAPIC_NUM_PINS; i++) {
		uint64_t e = io->redirtbl[i].bits;
		monitor_printf(s, "  pin %-2d 0x%016llx vec=%-3u %s%s%s dest=%u\n", i,
			       (unsigned long long)e, (unsigned)(e & 0xff),
			       e & (1u << 16) ? "masked " : "", e & (1u << 15) ? "level" : "edge",
			       e & (1u << 13) ? " active-low" : "", (unsigned)(e >> 56));
	}
}

struct lapic_req {
	struct vcpu *vcpu;
	struct kvm_lapic_state st;
	bool ok;
};

static void read_lapic(void *opaque)
{
	struct lapic_req *r = opaque;
	r->ok = r->vcpu->fd >= 0 && ioctl(r->vcpu->fd, KVM_GET_LAPIC, &r->st) == 0;
}

static void info_lapic(struct monitor_session *s, struct monitor_args *a)
{
	(void)a;
	struct vm *vm = monitor_vm(s);
	if (!vm->n_vcpus) {
		monitor_printf(s, "No CPU available\n");
		return;
	}
	struct lapic_req *r = xzalloc(sizeof(*r));
	r->vcpu = vm->vcpus[s->cpu < vm->n_vcpus ? s->cpu : 0];
	vm_run_paused(vm, read_lapic, r);
	if (!r->ok) {
		monitor_printf(s, "local apic state not available\n");
		free(r);
		return;
	}
	const char *reg = r->st.regs;
	/* Intel SDM vol. 3 table 10-1: register offsets */
	static const struct { const char *name; unsigned off; } regs[] = {
		{ "ID", 0x20 }, { "TPR", 0x80 }, { "SPIV", 0xF0 }, { "ESR", 0x280 },
		{ "ICR", 0x300 }, { "LVTT", 0x320 }, { "LVT0", 0x350 }, { "LVT1", 0x360 },
		{ "LVTERR", 0x370 }, { "TMICT", 0x380 }, { "TMCCT", 0x390 }, { "TDCR", 0x3E0 },
	};
	monitor_printf(s, "dumping local APIC state for CPU %u\n", s->cpu < vm->n_vcpus ? s->cpu : 0);
	for (size_t i = 0; i < ARRAY_SIZE(regs); i++)
		monitor_printf(s, "%-7s 0x%08x\n", regs[i].name, ld32(reg + regs[i].off));
	free(r);
}

static const struct monitor_cmd irq_info[] = {
	{ "pic", "", "show PIC state", "", 0, 0, info_pic },
	{ "ioapic", "", "show the IOAPIC redirection table", "", 0, 0, info_ioapic },
	{ "lapic", "", "show the local apic state of the current CPU", "", 0, 0, info_lapic },
};
MONITOR_COMMANDS(irq_info, irq_info, true);
