/*
 * Memory dumps: x /fmt addr (guest virtual, through the current vCPU's page
 * tables) and xp /fmt addr (guest physical).
 *
 * fmt is /[count][format][size] as in QEMU and gdb: format x (hex), d
 * (signed), u (unsigned), o (octal), c (characters); size b, h, w, g. Both
 * are remembered for the next x/xp of the session. The layout follows
 * QEMU's memory_dump: the address, then 16 bytes per line (8 for bytes).
 * Every read goes through vm_read_guest, so any address is safe. As in
 * QEMU, xp also reads a device's registers: an address outside RAM that a
 * device claims is read through the MMIO bus, one access of the format's
 * size per value, with the vCPUs stopped, like a vCPU's load (a register
 * that clears when read is cleared by xp too).
 */
#include <ctype.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ui/monitor/monitor.h"
#include "core/util.h"
#include "core/vcpu.h"
#include "core/vm.h"

#define DUMP_MAX_BYTES (64 * 1024)   /* a monitor reply, not a disk image */

struct mem_fmt {
	unsigned count;
	char format;
	unsigned size;
};

/* Parse "/10xw"; 0, or -1 with a message printed. */
static int parse_fmt(struct monitor_session *s, const char *cmd, const char *p,
		     struct mem_fmt *f)
{
	f->count = 1;
	f->format = s->mem_fmt;
	f->size = s->mem_size;
	if (*p != '/')
		return 0;
	p++;
	if (isdigit((unsigned char)*p)) {
		unsigned long n = strtoul(p, (char **)&p, 10);
		f->count = n > DUMP_MAX_BYTES ? DUMP_MAX_BYTES : (unsigned)n;
	}
	for (; *p; p++) {
		switch (*p) {
		case 'x': case 'd': case 'u': case 'o': case 'c':
			f->format = *p;
			break;
		case 'i':
			monitor_printf(s, "%s: format 'i' (disassembly) is not supported\n", cmd);
			return -1;
		case 'b': f->size = 1; break;
		case 'h': f->size = 2; break;
		case 'w': f->size = 4; break;
		case 'g': case 'L': f->size = 8; break;
		default:
			monitor_printf(s, "invalid char in format: '%c'\n", *p);
			return -1;
		}
	}
	s->mem_fmt = f->format;
	s->mem_size = f->size;
	return 0;
}

struct translate_req {
	struct vcpu *vcpu;
	uint64_t va;
	uint64_t pa;
	bool ok;
};

static void translate_paused(void *opaque)
{
	struct translate_req *r = opaque;
	struct kvm_translation tr = { .linear_address = r->va };
	if (r->vcpu->fd >= 0 && ioctl(r->vcpu->fd, KVM_TRANSLATE, &tr) == 0 && tr.valid) {
		r->pa = tr.physical_address;
		r->ok = true;
	}
}

/* Read len bytes at addr (virtual through vcpu, or physical); 0 or -1. */
static int read_mem(struct vm *vm, struct vcpu *vcpu, uint64_t addr, void *buf, size_t len)
{
	if (!vcpu)
		return vm_read_guest(vm, addr, buf, len);
	uint8_t *out = buf;
	while (len) {
		size_t chunk = MIN(len, 4096 - (addr & 4095));   /* one page at a time */
		struct translate_req r = { .vcpu = vcpu, .va = addr };
		vm_run_paused(vm, translate_paused, &r);
		if (!r.ok || vm_read_guest(vm, r.pa, out, chunk) < 0)
			return -1;
		out += chunk;
		addr += chunk;
		len -= chunk;
	}
	return 0;
}

struct mmio_req {
	struct vm *vm;
	uint64_t addr;
	uint8_t *buf;
	unsigned len, size;
	bool ok;
};

static void mmio_paused(void *opaque)
{
	struct mmio_req *r = opaque;
	for (unsigned i = 0; i + r->size <= r->len; i += r->size)
		r->ok &= iobus_access(&r->vm->mmio, r->addr + i, r->buf + i, r->size, false);
}

/* len bytes of device registers at physical addr in accesses of size bytes:
 * 0, or -1 when a device claims not all of them. */
static int read_mmio(struct vm *vm, uint64_t addr, uint8_t *buf, unsigned len, unsigned size)
{
	struct mmio_req r = { .vm = vm, .addr = addr, .buf = buf, .len = len, .size = size,
			      .ok = true };
	vm_run_paused(vm, mmio_paused, &r);
	return r.ok ? 0 : -1;
}

static void print_char(struct monitor_session *s, unsigned c)
{
	switch (c) {
	case '\'': monitor_printf(s, "\\'"); break;
	case '\\': monitor_printf(s, "\\\\"); break;
	case '\n': monitor_printf(s, "\\n"); break;
	case '\r': monitor_printf(s, "\\r"); break;
	default:
		if (c >= 32 && c <= 126)
			monitor_printf(s, "%c", c);
		else
			monitor_printf(s, "\\x%02x", c);
	}
}

static void dump(struct monitor_session *s, struct monitor_args *a, bool physical)
{
	struct vm *vm = monitor_vm(s);
	const char *cmd = physical ? "xp" : "x";
	struct mem_fmt f;
	int ai = 1;

	if (a->argc > 1 && a->argv[1][0] == '/') {
		if (parse_fmt(s, cmd, a->argv[1], &f) < 0)
			return;
		ai = 2;
	} else {
		parse_fmt(s, cmd, "", &f);
	}
	if (ai >= a->argc) {
		monitor_printf(s, "%s: address expected\n", cmd);
		monitor_usage(s, a->cmd);
		return;
	}
	if (ai + 1 < a->argc) {
		monitor_printf(s, "%s: extraneous characters at the end of line\n", cmd);
		return;
	}
	uint64_t addr;
	if (monitor_parse_num(s, a->argv[ai], UINT64_MAX, &addr) < 0)
		return;

	struct vcpu *vcpu = NULL;
	if (!physical) {
		if (!vm->n_vcpus) {
			monitor_printf(s, "No CPU available\n");
			return;
		}
		vcpu = vm->vcpus[s->cpu < vm->n_vcpus ? s->cpu : 0];
	}

	unsigned size = f.format == 'c' ? 1 : f.size;
	uint64_t len = (uint64_t)f.count * size;
	if (len > DUMP_MAX_BYTES)
		len = DUMP_MAX_BYTES;
	unsigned line = size == 1 ? 8 : 16;
	int digits;
	switch (f.format) {
	case 'o': digits = (int)(size * 8 + 2) / 3; break;
	case 'u': case 'd': digits = (int)(size * 8 * 10 + 32) / 33; break;
	default: digits = (int)size * 2; break;
	}

	while (len) {
		unsigned l = len < line ? (unsigned)len : line;
		uint8_t buf[16];
		monitor_printf(s, "%016" PRIx64 ":", addr);
		if (read_mem(vm, vcpu, addr, buf, l) < 0 &&
		    (!physical || read_mmio(vm, addr, buf, l, size) < 0)) {
			monitor_printf(s, " Cannot access memory\n");
			return;
		}
		for (unsigned i = 0; i + size <= l; i += size) {
			uint64_t v = size == 1 ? buf[i] : size == 2 ? ld16(buf + i) :
				     size == 4 ? ld32(buf + i) : ld64(buf + i);
			monitor_printf(s, " ");
			switch (f.format) {
			case 'o': monitor_printf(s, "%#*" PRIo64, digits, v); break;
			case 'u': monitor_printf(s, "%*" PRIu64, digits, v); break;
			case 'd': {
				int64_t sv = size == 1 ? (int8_t)v : size == 2 ? (int16_t)v :
					     size == 4 ? (int32_t)v : (int64_t)v;
				monitor_printf(s, "%*" PRId64, digits, sv);
				break;
			}
			case 'c': print_char(s, (unsigned)v); break;
			default: monitor_printf(s, "0x%0*" PRIx64, digits, v); break;
			}
		}
		monitor_printf(s, "\n");
		addr += l;
		len -= l;
	}
}

static void do_x(struct monitor_session *s, struct monitor_args *a) { dump(s, a, false); }
static void do_xp(struct monitor_session *s, struct monitor_args *a) { dump(s, a, true); }

static const struct monitor_cmd memory_cmds[] = {
	{ "x", "/fmt addr", "virtual memory dump starting at addr (fmt: /[count][xduoc][bhwg])",
	  "", 1, 2, do_x },
	{ "xp", "/fmt addr", "physical memory dump starting at addr (fmt: /[count][xduoc][bhwg])",
	  "", 1, 2, do_xp },
};
MONITOR_COMMANDS(memory, memory_cmds, false);
