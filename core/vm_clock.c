/*
 * The guest's clock (kvmclock as KVM keeps it) and the timing trace that
 * tests and benchmarks read (VMST_TRACE).
 */
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/util.h"
#include "core/vm.h"

uint64_t vm_guest_ns(struct vm *vm)
{
	if (vm->clock_hook)
		return vm->clock_hook(vm);
	if (vm->vm_fd >= 0 && !vm->kvmclock_broken) {
		struct kvm_clock_data clk;
		memset(&clk, 0, sizeof(clk));
		if (ioctl(vm->vm_fd, KVM_GET_CLOCK, &clk) == 0)
			return clk.clock;
		vm->kvmclock_broken = true;
	}
	return clock_ns();
}

void vm_trace_open(struct vm *vm)
{
	const char *path = getenv("VMST_TRACE");
	if (!path || !*path)
		return;
	vm->trace = fopen(path, "a");
	if (!vm->trace)
		msg_error("VMST_TRACE=%s: cannot open it", path);
	else
		setvbuf(vm->trace, NULL, _IOLBF, 0);
}

void vm_trace_close(struct vm *vm)
{
	if (vm->trace)
		fclose(vm->trace);
	vm->trace = NULL;
}

void vm_trace(struct vm *vm, const char *fmt, ...)
{
	if (!vm || !vm->trace)
		return;
	uint64_t now = clock_ns();
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* one fprintf per line: stdio's per-FILE lock keeps lines whole */
	fprintf(vm->trace, "%llu %s\n", (unsigned long long)now, line);
}
