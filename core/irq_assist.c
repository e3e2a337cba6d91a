/*
 * Interrupt delivery assist for hosts whose KVM runs guest kernel code in an
 * instruction emulator (kvm-pvm: guest kernel and real mode are emulated in
 * batches of instructions). Such a host only looks for pending interrupts
 * when it re-enters the guest, so a guest that opens short interrupt windows
 * (sti; int 16h; cli -- GRUB polling the keyboard through the BIOS) may never
 * get the timer or keyboard interrupt the 8259 holds for it.
 *
 * While the 8259 has an unmasked request that is not in service, we kick the
 * vCPU out of KVM_RUN every millisecond; each re-entry lets KVM inject if the
 * guest's IF happens to be set. On VT-x/AMD-V hosts this is not needed and stays
 * off ("auto" turns it on when the kvm_pvm module is loaded; irq_assist='on'
 * or 'off' in the VM file forces it).
 */
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/irq_assist.h"
#include "core/util.h"
#include "core/vcpu.h"
#include "core/vm.h"

#define ASSIST_PERIOD_NS 1000000ull

struct irq_assist {
	struct vm *vm;
	struct evtimer *timer;
	uint64_t kicks;
};

/* Does either 8259 hold an unmasked request it has not yet handed to the CPU? */
static bool pic_pending(struct vm *vm)
{
	for (int chip = KVM_IRQCHIP_PIC_MASTER; chip <= KVM_IRQCHIP_PIC_SLAVE; chip++) {
		struct kvm_irqchip c = { .chip_id = chip };
		if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &c) < 0)
			return false;
		uint8_t req = c.chip.pic.irr & ~c.chip.pic.imr;
		if (chip == KVM_IRQCHIP_PIC_MASTER)
			req &= ~0x04; /* the cascade line: the slave is looked at itself */
		if (req & ~c.chip.pic.isr)
			return true;
	}
	return false;
}

static void assist_tick(void *opaque)
{
	struct irq_assist *a = opaque;
	if (vm_get_state(a->vm) == VM_RUNNING && pic_pending(a->vm)) {
		vcpu_kick(a->vm->vcpus[0]); /* the 8259 delivers to the boot CPU */
		a->kicks++;
	}
	evtimer_arm_in(a->timer, ASSIST_PERIOD_NS);
}

static void assist_free(void *opaque)
{
	struct irq_assist *a = opaque;
	evtimer_free(a->timer);
	free(a);
}

bool irq_assist_wanted(const char *setting)
{
	if (setting && !strcmp(setting, "on"))
		return true;
	if (setting && !strcmp(setting, "off"))
		return false;
	return access("/sys/module/kvm_pvm", F_OK) == 0;
}

void irq_assist_start(struct vm *vm)
{
	if (vm->vm_fd < 0 || !irq_assist_wanted(vm->cfg->irq_assist))
		return;
	struct irq_assist *a = xzalloc(sizeof(*a));
	a->vm = vm;
	a->timer = evtimer_new(vm->loop, assist_tick, a);
	vm_add_free_hook(vm, assist_free, a);
	evtimer_arm_in(a->timer, ASSIST_PERIOD_NS);
	vm_log(vm, "interrupt delivery assist on (the host's KVM emulates guest kernel code)");
}
