/*
 * Port I/O from the monitor, as QEMU's HMP has it: i /fmt port reads one
 * port, o /fmt port value writes one. The size comes from the format's last
 * letter (b, h or w; a byte when none is given); the access goes through
 * the VM's port bus like a vCPU's IN or OUT, with the vCPUs stopped, so a
 * device sees it as the guest's own (reads with side effects, such as a
 * status register that clears when read, have them here too).
 */
#include "ui/monitor/monitor.h"
#include "core/vm.h"

/* "/b", "/2xh" ...: the access size in bytes (1, 2 or 4), or 0 with a message printed. */
static unsigned parse_size(struct monitor_session *s, const char *cmd, const char *fmt)
{
	unsigned size = 1;
	for (const char *p = fmt + 1; *p; p++) {
		switch (*p) {
		case 'b': size = 1; break;
		case 'h': size = 2; break;
		case 'w': size = 4; break;
		case 'x': case 'd': case 'u': case '0': case '1': case '2': case '3':
		case '4': case '5': case '6': case '7': case '8': case '9':
			break;     /* counts and formats mean nothing for one port */
		default:
			monitor_printf(s, "%s: invalid char in format: '%c'\n", cmd, *p);
			return 0;
		}
	}
	return size;
}

struct port_req {
	struct vm *vm;
	uint16_t port;
	unsigned size;
	bool write;
	uint8_t data[4];
};

/* With every vCPU stopped: a device that counts on its vCPU being the
 * only one inside it sees no access of ours in the middle of its own. */
static void access_paused(void *opaque)
{
	struct port_req *r = opaque;
	iobus_access(&r->vm->pio, r->port, r->data, r->size, r->write);
}

static void port_access(struct monitor_session *s, struct monitor_args *a, bool write)
{
	const char *cmd = write ? "o" : "i";
	int ai = 1;
	unsigned size = 1;
	if (a->argc > 1 && a->argv[1][0] == '/') {
		if (!(size = parse_size(s, cmd, a->argv[1])))
			return;
		ai = 2;
	}
	int want = write ? 2 : 1;
	if (a->argc - ai != want) {
		monitor_printf(s, "%s: %s expected\n", cmd, write ? "port and value" : "port");
		monitor_usage(s, a->cmd);
		return;
	}
	uint64_t port, val = 0;
	if (monitor_parse_num(s, a->argv[ai], 0xFFFF, &port) < 0)
		return;
	uint64_t vmax = size == 4 ? 0xFFFFFFFFull : (1ull << (8 * size)) - 1;
	if (write && monitor_parse_num(s, a->argv[ai + 1], vmax, &val) < 0)
		return;
	struct port_req r = { .vm = monitor_vm(s), .port = (uint16_t)port, .size = size,
			      .write = write };
	for (unsigned i = 0; i < 4; i++)
		r.data[i] = (uint8_t)(val >> (8 * i));
	vm_run_paused(r.vm, access_paused, &r);
	if (write)
		return;
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)r.data[i] << (8 * i);
	monitor_printf(s, "port%c[0x%04x] = 0x%0*x\n", size == 1 ? 'b' : size == 2 ? 'w' : 'l',
		       (unsigned)port, (int)size * 2, v);
}

static void do_in(struct monitor_session *s, struct monitor_args *a) { port_access(s, a, false); }
static void do_out(struct monitor_session *s, struct monitor_args *a) { port_access(s, a, true); }

static const struct monitor_cmd ioport_cmds[] = {
	{ "i", "/fmt port", "I/O port read (fmt: /[bhw], a byte by default)", "", 1, 2, do_in },
	{ "o", "/fmt port value", "I/O port write (fmt: /[bhw], a byte by default)", "", 2, 3,
	  do_out },
};
MONITOR_COMMANDS(ioport, ioport_cmds, false);
