/* Guest memory: RAM below the PCI hole and above 4 GiB, extra memory slots. */
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "core/util.h"
#include "core/vm.h"

void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa + len < gpa)
		return NULL;
	if (gpa + len <= vm->low_ram)
		return vm->ram + gpa;
	if (gpa >= HIGH_RAM_START && gpa - HIGH_RAM_START + len <= vm->high_ram)
		return vm->ram + vm->low_ram + (gpa - HIGH_RAM_START);
	return NULL;
}

int vm_read_guest(struct vm *vm, uint64_t gpa, void *buf, uint64_t len)
{
	void *p = vm_gpa_to_hva(vm, gpa, len);
	if (!p)
		return -1;
	memcpy(buf, p, len);
	return 0;
}

int vm_write_guest(struct vm *vm, uint64_t gpa, const void *buf, uint64_t len)
{
	void *p = vm_gpa_to_hva(vm, gpa, len);
	if (!p)
		return -1;
	memcpy(p, buf, len);
	return 0;
}

static int set_slot(struct vm *vm, struct mem_slot *s, uint64_t size)
{
	struct kvm_userspace_memory_region r = {
		.slot = s->slot, .flags = s->flags, .guest_phys_addr = s->gpa,
		.memory_size = size, .userspace_addr = (uintptr_t)s->hva,
	};
	if (vm->vm_fd < 0)
		return 0; /* test VM without KVM */
	return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
}

int vm_map_memory(struct vm *vm, uint64_t gpa, uint64_t size, void *hva,
		  bool readonly, bool log_dirty)
{
	pthread_mutex_lock(&vm->slot_lock);
	int i;
	for (i = 0; i < VM_MAX_MEMSLOTS && vm->slots[i].used; i++)
		;
	if (i == VM_MAX_MEMSLOTS) {
		pthread_mutex_unlock(&vm->slot_lock);
		return -1;
	}
	struct mem_slot *s = &vm->slots[i];
	*s = (struct mem_slot){ .used = true, .slot = i, .gpa = gpa, .size = size, .hva = hva,
				.flags = (readonly ? KVM_MEM_READONLY : 0) |
					 (log_dirty ? KVM_MEM_LOG_DIRTY_PAGES : 0) };
	if (set_slot(vm, s, size) < 0) {
		msg_error("cannot map guest memory at 0x%llx (+0x%llx): %s",
			  (unsigned long long)gpa, (unsigned long long)size, strerror(errno));
		s->used = false;
		pthread_mutex_unlock(&vm->slot_lock);
		return -1;
	}
	pthread_mutex_unlock(&vm->slot_lock);
	return i;
}

void vm_unmap_memory(struct vm *vm, int slot)
{
	if (slot < 0 || slot >= VM_MAX_MEMSLOTS)
		return;
	pthread_mutex_lock(&vm->slot_lock);
	struct mem_slot *s = &vm->slots[slot];
	if (s->used) {
		set_slot(vm, s, 0);
		s->used = false;
	}
	pthread_mutex_unlock(&vm->slot_lock);
}

int vm_get_dirty_log(struct vm *vm, int slot, uint64_t *bitmap)
{
	if (slot < 0 || slot >= VM_MAX_MEMSLOTS || !vm->slots[slot].used)
		return -1;
	if (vm->vm_fd < 0) {
		/* test VM: report everything dirty */
		memset(bitmap, 0xff, ((vm->slots[slot].size / 4096) + 63) / 64 * 8);
		return 0;
	}
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };
	return ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &log);
}

/* Allocate RAM and map it: [0, 640K), [768K, low_ram), [4G, 4G + high_ram). */
int vm_setup_ram(struct vm *vm, uint64_t bytes)
{
	vm->ram_size = bytes;
	vm->low_ram = MIN(bytes, PCI_HOLE_START);
	vm->high_ram = bytes - vm->low_ram;
	vm->ram = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram == MAP_FAILED) {
		vm->ram = NULL;
		msg_error("cannot allocate %llu MiB of guest memory: %s",
			  (unsigned long long)(bytes >> 20), strerror(errno));
		return -1;
	}
	madvise(vm->ram, bytes, MADV_MERGEABLE);
	/* 0xA0000-0xBFFFF is the VGA window: not RAM, so accesses exit to the VGA device. */
	if (vm_map_memory(vm, 0, 0xA0000, vm->ram, false, false) < 0 ||
	    vm_map_memory(vm, 0xC0000, vm->low_ram - 0xC0000, vm->ram + 0xC0000, false, false) < 0)
		return -1;
	if (vm->high_ram &&
	    vm_map_memory(vm, HIGH_RAM_START, vm->high_ram, vm->ram + vm->low_ram, false, false) < 0)
		return -1;
	return 0;
}
