/*
 * One virtual machine: KVM fds, guest memory, vCPU threads, I/O buses, its
 * event loop, its devices and its run state.
 *
 * State machine: CREATED -> RUNNING <-> PAUSED -> STOPPED | CRASHED.
 * Other threads (monitor, panel, windows) change state only through
 * vm_request_*(), which the VM carries out safely while vCPUs run.
 */
#ifndef VMST_VM_H
#define VMST_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/evloop.h"
#include "core/iobus.h"
#include "core/vmconfig.h"

struct vm;
struct vcpu;
struct kvm_run;

enum vm_state { VM_CREATED, VM_RUNNING, VM_PAUSED, VM_STOPPED, VM_CRASHED };
const char *vm_state_name(enum vm_state s);

/* Why the guest stopped running, reported by vm_wait(). */
enum vm_exit_reason { VMX_NONE, VMX_POWEROFF, VMX_REBOOT, VMX_CRASH, VMX_QUIT };

/* Guest physical layout (PC). RAM above PCI_HOLE_START is placed at 4 GiB. */
#define PCI_HOLE_START 0xE0000000ull   /* 3.5 GiB */
#define HIGH_RAM_START 0x100000000ull
#define KVM_IDENTITY_MAP_ADDR 0xFEFFC000ull
#define KVM_TSS_ADDR 0xFEFFD000ull

#define VM_MAX_VCPUS 64
#define VM_MAX_MEMSLOTS 32

struct mem_slot {
	bool used;
	uint32_t slot;
	uint64_t gpa, size;
	void *hva;
	uint32_t flags;   /* KVM_MEM_* */
};

/* Reset/cleanup hooks registered by devices, called in registration order. */
struct vm_hook {
	void (*fn)(void *opaque);
	void *opaque;
};

/*
 * The machine table: the parts a VM is made of, in order (firmware/pc.c
 * lists the PC's). A part's create function makes its chip (or firmware
 * step) for the VM if the config asks for it: 0 (also when it does not), or
 * <0 with a message printed, which fails vm_create.
 */
enum machine_phase {
	MACHINE_CHIPSET,  /* buses, the host and ISA bridges, fw_cfg */
	MACHINE_PLATFORM, /* what every PC has: DMA, RTC, timers, keyboard, COM ports */
	MACHINE_DEVICES,  /* what the VM file chooses: disks, sound, display, USB, NICs */
	MACHINE_FIRMWARE, /* what the guest boots: tables, the BIOS or a kernel */
};
struct machine_part {
	const char *name;
	enum machine_phase phase;
	int (*create)(struct vm *vm);
};
struct machine {
	const char *name;
	const struct machine_part *parts;
	unsigned n_parts;
};
/* Make part `name` of machine m on any VM (unit tests build VMs a part at a
 * time); 0, or -1 if it failed or m has no such part. */
int machine_create_part(const struct machine *m, struct vm *vm, const char *name);

/* VM-wide counters; exits are counted per vCPU (struct vcpu). */
struct vm_stats {
	_Atomic uint64_t disk_rd_bytes, disk_wr_bytes, net_rx_bytes, net_tx_bytes;
};

/* Named slots where devices publish themselves to UIs and the monitor. */
struct display;     /* core/host/display.h */
struct audio_mixer; /* core/host/audio.h */
struct input_sinks; /* core/host/input.h: keyboard/pointer targets */
struct vnc_server;  /* a front end: opaque here */
struct blockdev;    /* core/block.h */
struct chardev;     /* core/chardev.h */
struct pci_bus;     /* devices/pci.h */
struct netport;     /* core/net.h */

#define VM_MAX_BLOCK 8

struct vm {
	struct vm_config *cfg;
	char *name;

	int kvm_fd, vm_fd;
	int vcpu_mmap_size;
	struct kvm_cpuid2 *cpuid; /* what KVM supports, trimmed by cpuid= */
	bool hyperv;              /* viridian: Hyper-V leaves in cpuid, SynIC per vCPU */

	/* guest RAM */
	uint8_t *ram;          /* host mapping of all guest RAM (low then high) */
	uint64_t ram_size;     /* bytes */
	uint64_t low_ram;      /* bytes mapped at 0 (below the PCI hole) */
	uint64_t high_ram;     /* bytes mapped at 4 GiB */
	struct mem_slot slots[VM_MAX_MEMSLOTS];
	pthread_mutex_t slot_lock;

	struct iobus pio, mmio;
	struct evloop *loop;   /* this VM's io thread */

	unsigned n_vcpus;
	struct vcpu *vcpus[VM_MAX_VCPUS];

	/* run state, guarded by state_lock */
	pthread_mutex_t state_lock;
	pthread_cond_t state_cond;
	enum vm_state state;
	enum vm_exit_reason exit_reason;
	unsigned vcpus_parked;   /* vCPUs waiting in the pause barrier */
	unsigned vcpus_running;  /* vCPU threads started and not exited */
	unsigned pause_count;    /* pause holders (user pause, reset, ...) */
	bool user_paused, quit, finished;
	_Atomic int requests;    /* non-zero: vCPUs must look at the fields above */
	_Atomic bool reset_pending; /* the guest asked for a reset; vCPUs held */
	struct kvm_clock_data *paused_clock;
	struct vm_kvm_reset *kvm_reset; /* irqchip/PIT power-on state */
	char crash_reason[128];
	unsigned resets;         /* how many resets so far */
	FILE *log;               /* <log_dir>/vmstation.log */
	bool verbose;            /* also print vm_log lines on stderr */
	uint64_t start_ns;       /* when it last started running */

	struct vm_hook reset_hooks[64]; unsigned n_reset_hooks;
	struct vm_hook free_hooks[64];  unsigned n_free_hooks;

	struct vm_stats stats;

	/* what devices publish */
	struct pci_bus *pci;
	struct blockdev *blocks[VM_MAX_BLOCK]; unsigned n_blocks;
	struct chardev *serial_chr[VM_MAX_SERIAL];
	struct netport *netports[VM_MAX_VIFS]; unsigned n_netports; /* core/net.c */
	struct display *display;
	struct audio_mixer *audio;
	struct input_sinks *input;
	struct vnc_server *vnc;  /* started by the application (ui/vm_frontends.h) */
	void *fwcfg;             /* firmware/fw_cfg.h */
	void *acpi;              /* ACPI power button, if any */
	void (*powerdown)(struct vm *vm); /* ACPI power button press */
	struct { const char *name; void *obj; } published[32]; unsigned n_published;

	/* Unit tests without KVM: interrupts go here instead of KVM_IRQ_LINE. */
	void (*irq_hook)(struct vm *vm, unsigned gsi, int level);
	/* Unit tests: the guest clock (vm_guest_ns) comes from here. */
	uint64_t (*clock_hook)(struct vm *vm);
	_Atomic bool kvmclock_broken; /* KVM_GET_CLOCK failed once: host clock */
	FILE *trace;             /* VMST_TRACE's timing trace (vm_trace), or NULL */
	void *test_opaque;

	/* Called on the io thread when the state changes (panel, windows). */
	void (*on_state_change)(struct vm *vm, void *opaque);
	void *on_state_change_opaque;
};

/*
 * A VM without KVM for unit tests: guest RAM (malloc'd, mapped at 0), the
 * I/O buses, an event loop (not started) and no devices. Interrupts go to
 * irq_hook. Free with vm_destroy. Device create functions work on it.
 */
struct vm *vm_new_test(uint64_t ram_mib, struct vm_config *cfg);

/* Create the VM from a config: KVM, memory, vCPUs, then machine m's parts
 * in order (firmware/pc.h: machine_pc). NULL on error. */
struct vm *vm_create(struct vm_config *cfg, const struct machine *m);
/* Start the vCPUs and io thread. */
int vm_start(struct vm *vm);
/* vm_start with the vCPUs parked before the first instruction (xl create -p) */
int vm_start_paused(struct vm *vm);
/* Block until the guest has stopped for good; returns why. */
enum vm_exit_reason vm_wait(struct vm *vm);
/* Stop everything and free the VM (the config stays the caller's). */
void vm_destroy(struct vm *vm);

/* What a front end reads of a VM without knowing struct vm (the plugins,
 * ui/plugin_api.h): its name, its config, its display surface (NULL when
 * it has no graphics card). */
const char *vm_name(const struct vm *vm);
const struct vm_config *vm_config(const struct vm *vm);
struct display *vm_display(const struct vm *vm);

/* Requests, safe from any thread. pause waits until every vCPU is parked. */
void vm_pause(struct vm *vm);
void vm_resume(struct vm *vm);
void vm_request_reset(struct vm *vm);      /* the reset button: always resets */
void vm_request_reboot(struct vm *vm);     /* the guest reset itself: on_reboot decides */
void vm_request_poweroff(struct vm *vm);   /* the guest powered off: on_poweroff decides */
void vm_request_quit(struct vm *vm);       /* force off, no guest involvement */
void vm_request_crash(struct vm *vm, const char *why);
enum vm_state vm_get_state(struct vm *vm);

/* Device hooks. */
void vm_add_reset_hook(struct vm *vm, void (*fn)(void *), void *opaque);
void vm_add_free_hook(struct vm *vm, void (*fn)(void *), void *opaque);

/* Interrupt line (GSI 0-23) through the in-kernel PIC/IOAPIC. */
void vm_set_irq(struct vm *vm, unsigned gsi, int level);
static inline void vm_pulse_irq(struct vm *vm, unsigned gsi)
{
	vm_set_irq(vm, gsi, 1);
	vm_set_irq(vm, gsi, 0);
}

/* The in-kernel PIT's interrupt (IRQ 0) on or off; off also stops channel 0. */
void vm_pit_irq_enable(struct vm *vm, bool on);

/*
 * Guest memory. gpa_to_hva returns a host pointer only if the whole range
 * [gpa, gpa+len) lies inside guest RAM, else NULL: every guest-supplied DMA
 * address goes through this (or vm_read/write_guest).
 */
void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);
int vm_read_guest(struct vm *vm, uint64_t gpa, void *buf, uint64_t len);
int vm_write_guest(struct vm *vm, uint64_t gpa, const void *buf, uint64_t len);

/* Extra memory slots (BIOS ROM, video RAM BARs). Returns slot index or -1. */
int vm_map_memory(struct vm *vm, uint64_t gpa, uint64_t size, void *hva,
		  bool readonly, bool log_dirty);
void vm_unmap_memory(struct vm *vm, int slot);
/* Fetch and clear the dirty bitmap of a slot (one bit per 4 KiB page). */
int vm_get_dirty_log(struct vm *vm, int slot, uint64_t *bitmap);

/* Port I/O / MMIO registration (thin wrappers over iobus). */
int vm_register_pio(struct vm *vm, uint16_t base, uint16_t len,
		    const struct io_ops *ops, void *opaque, const char *name);
int vm_register_mmio(struct vm *vm, uint64_t base, uint64_t len,
		     const struct io_ops *ops, void *opaque, const char *name);

/* Per-VM log: "<log_dir>/vmstation.log", also on stderr when verbose. */
void vm_log(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Block devices, by QEMU name (ide1-cd0) or config name (hdc). */
struct blockdev *vm_find_block(struct vm *vm, const char *name);
void vm_add_block(struct vm *vm, struct blockdev *bd);

/*
 * Named per-VM objects so one device can find another ("isadma", "i8042",
 * "vga", ...). Publish at create time; lookups are for create time too.
 */
void vm_publish(struct vm *vm, const char *name, void *obj);
void *vm_lookup(struct vm *vm, const char *name);

/*
 * The guest's clock in ns: KVM's kvmclock (KVM_GET_CLOCK), which runs at the
 * host's rate, stands still while the VM is paused and is what the guest's
 * PIT, TSC and RTC agree with; the host's monotonic clock without KVM.
 * Devices that time something the guest measures (game-port one-shots, VGA
 * retrace) use it. Safe from any thread (vm_clock.c).
 */
uint64_t vm_guest_ns(struct vm *vm);

/*
 * Timing trace for tests and benchmarks: with VMST_TRACE=FILE in the
 * environment, each call appends "<host CLOCK_MONOTONIC ns> <text>\n" to
 * FILE (one file shared by the process's VMs, lines whole). Costs one
 * branch when off. Safe from any thread (vm_clock.c).
 */
void vm_trace(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline bool vm_tracing(const struct vm *vm) { return vm && vm->trace; }
/* Open the trace at VM creation (vm.c); closed with the VM. */
void vm_trace_open(struct vm *vm);
void vm_trace_close(struct vm *vm);

/* Run fn(opaque) with all vCPUs paused (for state that must not change under a running guest). */
void vm_run_paused(struct vm *vm, void (*fn)(void *), void *opaque);

#endif
