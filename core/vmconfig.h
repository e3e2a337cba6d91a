/*
 * The typed configuration of one VM, built from an xl-style .cfg file.
 *
 * One table of known keys (core/vmconfig.c) drives parsing, defaults,
 * validation and `vmstation check`, which prints every key back in xl syntax.
 */
#ifndef VMST_VMCONFIG_H
#define VMST_VMCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>

#include "core/config.h"

enum vm_action { ACT_DESTROY, ACT_RESTART, ACT_PRESERVE, ACT_RENAME_RESTART,
		 ACT_COREDUMP_DESTROY, ACT_COREDUMP_RESTART, ACT_SOFT_RESET };

enum disk_kind { DISK_HD, DISK_CDROM };

#define VM_MAX_DISKS 4   /* hda hdb hdc hdd */
#define VM_MAX_SERIAL 4  /* COM1..COM4 */
#define VM_MAX_USBDEV 8
#define VM_MAX_SOUND 4
#define VM_MAX_CPUID 32  /* entries of the list form of cpuid= */
#define VM_MAX_CPU_LISTS 64 /* cpus = [...]: one host CPU list per vCPU (vcpus <= 64) */
#define VM_MAX_VIFS 4    /* network cards */
#define VIF_MAX_HOSTFWD 8 /* hostfwd= rules per vif */

struct disk_spec {
	bool present;
	char *path;        /* NULL or "" = empty drive (CD only) */
	int index;         /* 0 hda, 1 hdb, 2 hdc, 3 hdd */
	enum disk_kind kind;
	bool readonly;
	bool phy;          /* phy: prefix (block device) */
	bool no_discard;   /* no-discard: the disk does not offer TRIM */
	char *format;      /* "raw" or "qcow2" */
	bool format_set;   /* format given: no probing of the image's magic */
	int line, col;     /* where it was configured, for errors */
};

/*
 * One vif= entry (xl-network-configuration(5)) and vmstation's additions
 * (tap=, hostfwd=, tftp=, bootfile=): a card on a user-mode NAT network, or
 * on a Linux bridge through a TAP (bridge=, tap=).
 */
struct vif_spec {
	uint8_t mac[6];
	bool mac_set;      /* mac= given; else derived from the VM's name and index */
	char *model;       /* "rtl8139", "e1000", "ne2k_pci" or "ne2k_isa" */
	uint16_t io;       /* ne2k_isa: its I/O base (io=, default 0x300) */
	uint8_t irq;       /* ne2k_isa: its IRQ (irq=, default 9) */
	bool model_set;    /* model= given (ne2000 = 1 changes the others) */
	int io_at;         /* offset of io=/irq= in the string, for a warning */
	int type_at, vifname_at, nat_at;  /* offsets of type=, vifname=, a NAT-only key */
	char *type;        /* "ioemu" or "vif" (both: an emulated card), "user" (NAT, explicitly) */
	char *bridge;      /* a Linux bridge to put a TAP on (NAT when it cannot be had) */
	char *tap;         /* vmstation's tap=: an existing TAP to open (prepared by the admin) */
	char *vifname;     /* the TAP's name (a bridge=) or the card's (the monitor) */
	char *ip, *script, *backend, *gatewaydev;
	char *rate;        /* as given; rate_bps is what it means */
	uint64_t rate_bps;          /* bytes per second, 0 = unlimited */
	uint32_t rate_interval_us;  /* replenish interval (xl's default 50 ms) */
	char *hostfwd[VIF_MAX_HOSTFWD]; unsigned n_hostfwd; /* QEMU's hostfwd rules */
	char *tftp, *bootfile;      /* slirp's TFTP root and DHCP boot file */
	int line, col;
};

struct floppy_spec {
	char *path;        /* NULL = no drive; "" = empty drive */
	bool readonly;
	int line, col;
};

struct vm_config {
	char *file;        /* the .cfg path, or NULL */
	char *name;
	uint64_t memory_mib;
	unsigned vcpus;
	/* cpus: host CPUs the vCPU threads may run on, xl syntax (core/cpuset.h) */
	char *cpus[VM_MAX_CPU_LISTS]; unsigned n_cpus;
	bool cpus_list;    /* the list form: cpus[i] is vCPU i's (later vCPUs unpinned) */
	/* cpus_soft: xl's soft affinity, kept for `check` only (not acted on) */
	char *cpus_soft[VM_MAX_CPU_LISTS]; unsigned n_cpus_soft;
	bool cpus_soft_list;
	char *firmware;    /* bios.bin path */
	char *vgabios;     /* VGA option ROM path */

	/* direct Linux boot */
	char *kernel, *ramdisk, *cmdline;

	char *cpuid;       /* xl cpuid= string, e.g. "host,cx16=0" */
	/* or its list form, xend's "0x1:ecx=xxxx...1xxx" entries (core/cpuid_xend.h) */
	char *cpuid_list[VM_MAX_CPUID]; unsigned n_cpuid_list;
	int cpuid_line[VM_MAX_CPUID], cpuid_col[VM_MAX_CPUID]; /* where each entry is, for errors */
	bool acpi, apic, pae, hpet, localtime;
	bool viridian;     /* Hyper-V enlightenments (core/hyperv.h) */
	char *irq_assist;  /* "auto", "on", "off": see core/irq_assist.c */
	long long rtc_timeoffset;

	enum vm_action on_poweroff, on_reboot, on_crash;

	struct disk_spec disks[VM_MAX_DISKS];
	struct floppy_spec fd[2];
	char *boot;        /* "cd", "d", "a", ... */
	bool boot_menu;
	char *boot_menu_key;  /* "esc" or "f12": the key SeaBIOS's boot menu waits for */

	char *serial[VM_MAX_SERIAL]; unsigned n_serial; /* specs: pty stdio file:P unix:P,server null none */
	char *debugcon;    /* chardev spec; default file in the VM's log dir */
	char *monitor_path; /* unix socket for the monitor, or NULL */
	bool monitor;      /* monitor=1: console allowed inside VNC/SDL windows */

	/* display */
	char *vga;         /* "stdvga", "cirrus", "none" */
	unsigned videoram_mib;
	bool sdl, vnc, vncconsole, vncunused, nographic, full_screen;
	char *fullscreen_scale; /* "aspect" (320x200, 640x400 shown 4:3) or "integer" */
	int vncdisplay;
	char *vnclisten, *vncpasswd, *keymap;
	int vnc_websocket; /* vnclisten's ",websocket=PORT": WebSocket (noVNC) port, 0 = none */

	/* input */
	bool usb;
	char *usbdevice[VM_MAX_USBDEV]; unsigned n_usbdevice;

	/* sound */
	char *soundhw[VM_MAX_SOUND]; unsigned n_soundhw;
	unsigned sb16_port, sb16_irq, sb16_dma, sb16_hdma;
	bool gameport;     /* the game port at 0x201 without an SB16 (sb16 brings its own) */
	char *audio;       /* backend: "pulse", "sdl", "wav:/path", "none", or NULL = default */

	/* network */
	struct vif_spec vifs[VM_MAX_VIFS]; unsigned n_vifs;

	char *log_dir;     /* where this VM's logs go */
};

/*
 * Build a vm_config from a parsed file. Returns 0, or -1 with one or more
 * "file:line:col: message" lines written to stderr. Unknown keys and keys that
 * are accepted but not acted on are warned on stderr with their line.
 * vc need not be initialised (it is overwritten); on -1 it is left freed and
 * zeroed, so vmconfig_free(vc) is safe either way.
 * Strings given as '' mean "unset" (NULL) except fda/fdb, where '' is an empty
 * drive and 'none' no drive at all.
 */
int vmconfig_from_cfg(struct vm_config *vc, struct cfg *cfg);
/* Parse and build in one go. */
int vmconfig_load(struct vm_config *vc, const char *path);
void vmconfig_free(struct vm_config *vc);
/* Defaults for every key (what an empty file gives). */
void vmconfig_defaults(struct vm_config *vc);
/* Every key with its effective value, one "key = value" line each, xl syntax. */
void vmconfig_print(const struct vm_config *vc, FILE *out);

/* vif i's MAC when none is given: 00:16:3e (Xen's prefix) and three bytes of
 * a hash of the VM name and i, the same on every run. */
void vif_default_mac(const char *vm_name, unsigned i, uint8_t mac[6]);
/* xl's rate= ("10Mb/s", "1MB/s@20ms"): 0, or -1 with why. */
int vif_parse_rate(const char *s, uint64_t *bytes_per_s, uint32_t *interval_us, char *why,
		   size_t whylen);
void vif_spec_free(struct vif_spec *v);

/* "hda".."hdd" -> 0..3; -1 otherwise. */
int disk_index_from_name(const char *name);
const char *action_name(enum vm_action a);

/* Whether soundhw= asks for a card: entries may be lists themselves
 * ("sb16,pcspk"); "all" asks for every card. */
bool vmconfig_soundhw_has(const struct vm_config *cfg, const char *card);

/*
 * nographic=1, as QEMU's -nographic: no window and no VNC server (the
 * graphics card stays, so screendump works), and COM1 goes to the terminal
 * (stdio, with the ctrl-a escape keys) unless the VM file says where COM1
 * goes. vm_create applies it before making the machine, so the serial port,
 * the card, fw_cfg's "etc/sercon-port" for SeaBIOS, and the front ends
 * started afterwards all see the adjusted settings.
 */
void vmconfig_apply_nographic(struct vm_config *cfg);

/*
 * Whether value is one the key's table allows (its choices or its range), as
 * the parser checks it: for devices handed a config built in code.
 */
bool vmconfig_value_allowed(const char *key, long long value);

/* kernel= names a kernel for direct boot (not hvmloader, the BIOS). */
bool vmconfig_direct_boot(const struct vm_config *cfg);

/* Where the VNC server listens unless vnclisten= says otherwise: this
 * machine only (secure default). */
#define VNC_LISTEN_DEFAULT "127.0.0.1"
/* The address the VNC server of cfg listens on ("localhost" is 127.0.0.1). */
const char *vmconfig_vnc_listen(const struct vm_config *cfg);

#endif
