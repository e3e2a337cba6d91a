/*
 * The typed VM configuration. One table (vmconfig_keys[] below) names every
 * key vmstation knows: how it is parsed, its default, its limits, and how
 * `vmstation check` prints it. Keys from xl.cfg(5) and old xm files that
 * vmstation accepts but does not act on are in the same table and are warned
 * about; keys in no table are warned as unknown. The parsers of keys with a
 * syntax of their own live in core/vmconfig_*.c (see vmconfig_priv.h).
 *
 * Messages go to stderr as "file:line:col: message" (errors),
 * "file:line:col: warning: ..." and "file:line:col: note: ...".
 */
#include "core/vmconfig_priv.h"

#include <stdlib.h>
#include <string.h>

/* ---- the table ---------------------------------------------------------- */

static const int sb16_ports[] = { 0x220, 0x240, 0x260, 0x280, -1 };
/* SB16 mixer register 0x80 selects IRQ 2(9), 5, 7 or 10; 0x81 DMA 0, 1, 3 and 5, 6, 7. */
static const int sb16_irqs[] = { 5, 7, 9, 10, -1 };
static const int sb16_dmas[] = { 0, 1, 3, -1 };
static const int sb16_hdmas[] = { 5, 6, 7, -1 };

#define STR(n, f, d) { .name = n, .kind = K_STR, FIELD(f), .def_str = d }
#define OPT(n, f) { .name = n, .kind = K_OPTSTR, FIELD(f) }
#define NUM(n, f, lo, hi, d) { .name = n, .kind = K_NUM, FIELD(f), .min = lo, .max = hi, .def = d }
#define BOOL(n, f, d) { .name = n, .kind = K_BOOL, FIELD(f), .def = d }
#define ACTION(n, f, d) { .name = n, .kind = K_ACTION, FIELD(f), .def = d }
#define CUSTOM(n, p, pr) { .name = n, .kind = K_CUSTOM, .parse = p, .print = pr }
#define ALIAS(n, of) { .name = n, .kind = K_ALIAS, .why = of }
#define IGNORED(n, reason) { .name = n, .kind = K_IGNORED, .why = reason }

const struct key vmconfig_keys[] = {
	{ .name = "type", .kind = K_CUSTOM, .alias = "builder", .parse = vmc_parse_type,
	  .print = vmc_print_type },
	ALIAS("builder", "type"),
	{ .name = "name", .kind = K_CUSTOM, FIELD(name), .def_str = "vm", .parse = vmc_parse_name },
	NUM("memory", memory_mib, 1, 1 << 20, 128),
	CUSTOM("maxmem", vmc_parse_maxmem, NULL),
	NUM("vcpus", vcpus, 1, 64, 1),
	CUSTOM("cpus", vmc_parse_cpus, vmc_print_cpus),
	CUSTOM("cpus_soft", vmc_parse_cpus_soft, vmc_print_cpus_soft),
	{ .name = "firmware", .kind = K_STR, FIELD(firmware), .def_str = "/usr/share/seabios/bios.bin",
	  .alias = "bios_path_override" },
	ALIAS("bios_path_override", "firmware"),
	CUSTOM("bios", vmc_parse_bios, NULL),
	STR("vgabios", vgabios, "/usr/share/seabios/vgabios-stdvga.bin"),
	{ .name = "kernel", .kind = K_CUSTOM, FIELD(kernel), .parse = vmc_parse_kernel },
	OPT("ramdisk", ramdisk),
	{ .name = "extra", .kind = K_CUSTOM, FIELD(cmdline), .parse = vmc_parse_extra },
	ALIAS("cmdline", "extra"),
	ALIAS("root", "extra"),
	{ .name = "cpuid", .kind = K_CUSTOM, FIELD(cpuid), .parse = vmc_parse_cpuid,
	  .print = vmc_print_cpuid },
	BOOL("acpi", acpi, 1),
	BOOL("apic", apic, 1),
	BOOL("pae", pae, 1),
	BOOL("hpet", hpet, 1),
	CUSTOM("viridian", vmc_parse_viridian, vmc_print_viridian),
	BOOL("localtime", localtime, 0),
	{ .name = "irq_assist", .kind = K_CUSTOM, FIELD(irq_assist), .parse = vmc_parse_irq_assist },
	NUM("rtc_timeoffset", rtc_timeoffset, -3155760000LL, 3155760000LL, 0),
	ACTION("on_poweroff", on_poweroff, ACT_DESTROY),
	ACTION("on_reboot", on_reboot, ACT_RESTART),
	ACTION("on_crash", on_crash, ACT_DESTROY),
	CUSTOM("hdtype", vmc_parse_hdtype, NULL),
	CUSTOM("disk", vmc_parse_disks, vmc_print_disks),
	CUSTOM("fda", vmc_parse_floppy, vmc_print_fda),
	CUSTOM("fdb", vmc_parse_floppy, vmc_print_fdb),
	{ .name = "boot", .kind = K_CUSTOM, FIELD(boot), .def_str = "cd", .parse = vmc_parse_boot },
	BOOL("boot_menu", boot_menu, 0),
	{ .name = "boot_menu_key", .kind = K_CUSTOM, FIELD(boot_menu_key), .parse = vmc_parse_boot_menu_key },
	CUSTOM("serial", vmc_parse_serial, vmc_print_serial),
	{ .name = "debugcon", .kind = K_CUSTOM, FIELD(debugcon), .parse = vmc_parse_debugcon },
	BOOL("monitor", monitor, 0),
	OPT("monitor_path", monitor_path),
	{ .name = "vga", .kind = K_CUSTOM, FIELD(vga), .def_str = "stdvga", .parse = vmc_parse_vga },
	CUSTOM("stdvga", vmc_parse_stdvga, NULL),
	NUM("videoram", videoram_mib, 1, 256, 16),
	BOOL("sdl", sdl, 0),
	BOOL("vnc", vnc, 1),
	BOOL("vncconsole", vncconsole, 0),
	BOOL("vncunused", vncunused, 1),
	NUM("vncdisplay", vncdisplay, 0, 59635, 0),
	{ .name = "vnclisten", .kind = K_CUSTOM, FIELD(vnclisten), .def_str = VNC_LISTEN_DEFAULT,
	  .parse = vmc_parse_vnclisten, .print = vmc_print_vnclisten },
	OPT("vncpasswd", vncpasswd),
	STR("keymap", keymap, "en-us"),
	BOOL("nographic", nographic, 0),
	{ .name = "full_screen", .kind = K_BOOL, FIELD(full_screen), .alias = "full-screen" },
	ALIAS("full-screen", "full_screen"),
	{ .name = "fullscreen_scale", .kind = K_CUSTOM, FIELD(fullscreen_scale), .def_str = "aspect",
	  .parse = vmc_parse_fullscreen_scale },
	BOOL("usb", usb, 0),
	CUSTOM("usbdevice", vmc_parse_usbdevice, vmc_print_usbdevice),
	CUSTOM("soundhw", vmc_parse_soundhw, vmc_print_soundhw),
	{ .name = "sb16_port", .kind = K_NUM, FIELD(sb16_port), .def = 0x220, .choices = sb16_ports,
	  .flags = F_HEX },
	{ .name = "sb16_irq", .kind = K_NUM, FIELD(sb16_irq), .def = 5, .choices = sb16_irqs },
	{ .name = "sb16_dma", .kind = K_NUM, FIELD(sb16_dma), .def = 1, .choices = sb16_dmas },
	{ .name = "sb16_hdma", .kind = K_NUM, FIELD(sb16_hdma), .def = 5, .choices = sb16_hdmas },
	BOOL("gameport", gameport, 0),
	{ .name = "audio", .kind = K_CUSTOM, FIELD(audio), .parse = vmc_parse_audio },
	CUSTOM("vif", vmc_parse_vif, vmc_print_vif),
	CUSTOM("ne2000", vmc_parse_ne2000, NULL),   /* after vif: it changes the vifs */
	OPT("log_dir", log_dir),

	/* xl.cfg(5) / xm keys accepted without effect */
	IGNORED("cpu_weight", "scheduler parameters are not implemented"),
	IGNORED("cpu_cap", "scheduler parameters are not implemented"),
	IGNORED("pool", "CPU pools are a Xen feature"),
	IGNORED("maxvcpus", "vCPU hot-plug is not implemented"),
	IGNORED("device_model", "vmstation is its own device model"),
	IGNORED("device_model_version", "vmstation is its own device model"),
	IGNORED("device_model_override", "vmstation is its own device model"),
	IGNORED("device_model_args", "vmstation is its own device model"),
	IGNORED("device_model_args_hvm", "vmstation is its own device model"),
	IGNORED("device_model_stubdomain_override", "vmstation is its own device model"),
	IGNORED("device_model_user", "vmstation is its own device model"),
	IGNORED("shadow_memory", "a Xen paging option"),
	IGNORED("hap", "a Xen paging option"),
	IGNORED("nestedhvm", "nested virtualization is not offered"),
	IGNORED("timer_mode", "a Xen timer option"),
	IGNORED("tsc_mode", "a Xen timer option"),
	IGNORED("vpt_align", "a Xen timer option"),
	IGNORED("xen_platform_pci", "there is no Xen platform device"),
	IGNORED("pci", "PCI pass-through is not implemented"),
	IGNORED("vtpm", "there is no TPM"),
	IGNORED("vfb", "a Xen PV device"),
	IGNORED("vkb", "a Xen PV device"),
	IGNORED("channel", "a Xen PV device"),
	IGNORED("uuid", "VMs are known by name"),
	IGNORED("on_watchdog", "there is no watchdog device"),
	IGNORED("bootloader", "for Xen PV guests"),
	IGNORED("acpi_s3", "ACPI sleep states are not configurable"),
	IGNORED("acpi_s4", "ACPI sleep states are not configurable"),
	IGNORED("spice", "SPICE is not implemented (use vnc= or sdl=)"),
	IGNORED("usbctrl", "use usb=1 and usbdevice="),
	IGNORED("usbdev", "use usb=1 and usbdevice="),
	IGNORED("seclabel", "Xen security labels"),
	IGNORED("gfx_passthru", "graphics pass-through is not implemented"),
	IGNORED("e820_host", "a Xen memory-map option"),
	IGNORED("rdm", "a Xen memory-map option"),
	IGNORED("mmio_hole", "a Xen memory-map option"),
};

const size_t vmconfig_n_keys = ARRAY_SIZE(vmconfig_keys);

void vmconfig_defaults(struct vm_config *vc)
{
	memset(vc, 0, sizeof(*vc));
	for (size_t i = 0; i < vmconfig_n_keys; i++) {
		const struct key *k = &vmconfig_keys[i];
		if (!k->size)
			continue;
		if (k->def_str)
			*vmc_field_str(vc, k) = xstrdup(k->def_str);
		else if (k->kind == K_NUM || k->kind == K_BOOL || k->kind == K_ACTION)
			vmc_store_num(vc, k, k->def);
	}
	vc->serial[0] = xstrdup("none");
	vc->n_serial = 1;
	vc->log_dir = xasprintf("%s/%s", state_dir(), vc->name);
}

int vmconfig_from_cfg(struct vm_config *vc, struct cfg *cfg)
{
	struct ctx c = { .vc = vc, .cfg = cfg };

	vmconfig_defaults(vc);
	vc->file = xstrdup(cfg->file);
	char *fname = vmc_name_from_file(cfg->file);
	if (fname) {
		free(vc->name);
		vc->name = fname;
	}
	free(vc->log_dir);
	vc->log_dir = NULL;

	for (size_t i = 0; i < vmconfig_n_keys; i++) {
		const struct key *k = &vmconfig_keys[i];
		struct cfg_entry *e;
		switch (k->kind) {
		case K_ALIAS:
			break;
		case K_IGNORED:
			if ((e = cfg_lookup(cfg, k->name)))
				vwarn(&c, e, "'%s' accepted but not acted on (%s)", e->key, k->why);
			break;
		case K_CUSTOM:
			k->parse(&c, k, cfg_lookup(cfg, k->name));
			break;
		default:
			if ((e = vmc_lookup2(cfg, k->name, k->alias)))
				vmc_parse_simple(&c, k, e);
			break;
		}
	}
	if (!vc->log_dir)
		vc->log_dir = xasprintf("%s/%s", state_dir(), vc->name);
	if (!vc->apic && vc->vcpus > 1) {
		/* the PIC-only PC has one processor (Xen refuses it too) */
		struct cfg_entry *e = cfg_lookup(cfg, "apic");
		verr(&c, e->val, "apic = 0 with vcpus = %u: a guest without local APICs has one CPU",
		     vc->vcpus);
	}
	if (vc->boot && strchr(vc->boot, 'n') && !vc->n_vifs) {
		struct cfg_entry *e = cfg_lookup(cfg, "boot");
		vwarn(&c, e->val, "boot 'n': there is no network card (add vif = [ '' ]); the BIOS "
		      "skips it");
	}
	if (vc->ramdisk && !vc->kernel) {
		struct cfg_entry *e = cfg_lookup(cfg, "ramdisk");
		vwarn(&c, e->val, "ramdisk is only used with kernel=");
	}

	for (size_t i = 0; i < cfg->n; i++) {
		struct cfg_entry *e = &cfg->entries[i];
		if (!e->used)
			vwarn(&c, e, "unknown key '%s' ignored", e->key);
	}
	vmc_flush_messages(&c);
	if (c.errors) {
		vmconfig_free(vc);
		return -1;
	}
	return 0;
}

int vmconfig_load(struct vm_config *vc, const char *path)
{
	char err[512];
	struct cfg *cfg = cfg_parse_file(path, err, sizeof(err));

	if (!cfg) {
		memset(vc, 0, sizeof(*vc));
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	int rc = vmconfig_from_cfg(vc, cfg);
	cfg_free(cfg);
	return rc;
}

void vmconfig_free(struct vm_config *vc)
{
	char **strs[] = { &vc->file, &vc->name, &vc->firmware, &vc->vgabios, &vc->kernel,
			  &vc->ramdisk, &vc->cmdline, &vc->cpuid, &vc->boot, &vc->debugcon,
			  &vc->monitor_path, &vc->vga, &vc->vnclisten, &vc->vncpasswd, &vc->keymap,
			  &vc->audio, &vc->log_dir, &vc->fd[0].path, &vc->fd[1].path, &vc->irq_assist,
			  &vc->boot_menu_key, &vc->fullscreen_scale };
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		free(*strs[i]);
	vmc_free_disks(vc);
	for (unsigned i = 0; i < vc->n_vifs && i < VM_MAX_VIFS; i++)
		vif_spec_free(&vc->vifs[i]);
	vmc_free_str_list(vc->serial, &vc->n_serial, VM_MAX_SERIAL);
	vmc_free_str_list(vc->usbdevice, &vc->n_usbdevice, VM_MAX_USBDEV);
	vmc_free_str_list(vc->soundhw, &vc->n_soundhw, VM_MAX_SOUND);
	vmc_free_str_list(vc->cpuid_list, &vc->n_cpuid_list, VM_MAX_CPUID);
	vmc_free_str_list(vc->cpus, &vc->n_cpus, VM_MAX_CPU_LISTS);
	vmc_free_str_list(vc->cpus_soft, &vc->n_cpus_soft, VM_MAX_CPU_LISTS);
	memset(vc, 0, sizeof(*vc));
}

bool vmconfig_value_allowed(const char *key, long long value)
{
	for (size_t i = 0; i < vmconfig_n_keys; i++) {
		const struct key *k = &vmconfig_keys[i];
		if (strcmp(k->name, key))
			continue;
		if (k->choices) {
			for (const int *ch = k->choices; *ch >= 0; ch++)
				if (*ch == value)
					return true;
			return false;
		}
		return k->kind == K_NUM && value >= k->min && value <= k->max;
	}
	return false;
}
