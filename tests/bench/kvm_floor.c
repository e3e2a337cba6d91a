/*
 * The floor for one port-I/O exit on this machine: a bare KVM_RUN loop with
 * no VMM around it. The guest runs the same loop as tests/guests/pio_loop.asm
 * (32-bit flat protected mode, CPL 0: out dx, al; dec ecx; jnz) and the host
 * re-enters at once. Prints ns per exit.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	int kvm = open("/dev/kvm", O_RDWR);
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000ul);
	ioctl(vm, KVM_CREATE_IRQCHIP, 0);
	uint8_t *mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	/* 0x1000 (32-bit code): mov ecx, n; mov dx, 0x80; l: out dx, al; dec ecx; jnz l; out 0x81, al */
	uint8_t code[] = { 0xb9, n, n >> 8, n >> 16, n >> 24, 0x66, 0xba, 0x80, 0x00,
			   0xee, 0x49, 0x75, 0xfc, 0xe6, 0x81 };
	memcpy(mem + 0x1000, code, sizeof(code));
	struct kvm_userspace_memory_region r = { .slot = 0, .guest_phys_addr = 0,
		.memory_size = 0x10000, .userspace_addr = (uintptr_t)mem };
	ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
	int cpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	int sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, cpu, 0);
	struct kvm_sregs s;
	ioctl(cpu, KVM_GET_SREGS, &s);
	struct kvm_segment flat = { .base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 3,
				    .present = 1, .dpl = 0, .db = 1, .s = 1, .g = 1 };
	s.ds = s.es = s.fs = s.gs = s.ss = flat;
	flat.type = 11;
	flat.selector = 0x08;
	s.cs = flat;
	s.cr0 |= 1; /* protected mode, paging off, as a PVH entry */
	ioctl(cpu, KVM_SET_SREGS, &s);
	struct kvm_regs regs = { .rip = 0x1000, .rflags = 2 };
	ioctl(cpu, KVM_SET_REGS, &regs);
	struct timespec a, b;
	long exits = 0;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (;;) {
		if (ioctl(cpu, KVM_RUN, 0) < 0)
			return 1;
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != 0x80)
			break;
		exits++;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("%.0f\n", ns / (exits ? exits : 1));
	return exits == n ? 0 : 1;
}
