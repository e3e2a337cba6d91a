/*
 * joyread: the state of one evdev device from guest user space, for
 * tests/slow/71_gameport_linux.sh. Built by build-linux-686-joystick.sh as
 * a static freestanding i386 program (no libc: int 0x80 system calls), run
 * by the guest's /init.
 *
 *   joyread /dev/input/eventN
 *
 * Prints the device's name once ("JOYNAME <name>"), then every 200 ms of
 * guest time, while it keeps the device open (Linux's analog driver polls
 * the game port only while its input device is open):
 *   "JOY n=<seq> x=<v> <min> <max> y=<v> <min> <max> rud=... thr=... b=<bits>"
 * from EVIOCGABS (ABS_X, ABS_Y, ABS_RUDDER, ABS_THROTTLE: the analog
 * driver's axes 0-3; "-" where the device has no such axis) and EVIOCGKEY (b: BTN_TRIGGER, BTN_THUMB, BTN_TOP,
 * BTN_TOP2 as 1/0 digits).
 */
#include <asm-generic/ioctl.h>
#include <linux/input-event-codes.h>

#define SYS_exit 1
#define SYS_read 3
#define SYS_write 4
#define SYS_open 5
#define SYS_ioctl 54
#define SYS_nanosleep 162

struct absinfo { int value, minimum, maximum, fuzz, flat, resolution; };
#define EVIOCGNAME(len) _IOC(_IOC_READ, 'E', 0x06, len)
#define EVIOCGKEY(len) _IOC(_IOC_READ, 'E', 0x18, len)
#define EVIOCGABS(abs) _IOR('E', 0x40 + (abs), struct absinfo)

static long sys3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}

static unsigned len(const char *s)
{
	unsigned n = 0;
	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	sys3(SYS_write, 1, (long)s, len(s));
}

static void num(long v)
{
	char b[16];
	int i = 15, neg = v < 0;
	b[i] = 0;
	if (neg)
		v = -v;
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 1);
	if (neg)
		b[--i] = '-';
	say(&b[i]);
}

static void axis(int fd, const char *label, int code)
{
	struct absinfo a;
	say(label);
	if (sys3(SYS_ioctl, fd, (long)EVIOCGABS(code), (long)&a) < 0) {
		say("-");
		return;
	}
	num(a.value);
	say(" ");
	num(a.minimum);
	say(" ");
	num(a.maximum);
}

static void run(int argc, char **argv)
{
	if (argc < 2) {
		say("JOYREAD usage: joyread /dev/input/eventN\n");
		sys3(SYS_exit, 1, 0, 0);
	}
	long fd = sys3(SYS_open, (long)argv[1], 0, 0);
	if (fd < 0) {
		say("JOYREAD FAIL open errno=");
		num(-fd);
		say("\n");
		sys3(SYS_exit, 1, 0, 0);
	}
	char name[128];
	long n = sys3(SYS_ioctl, fd, (long)EVIOCGNAME(sizeof(name) - 1), (long)name);
	name[n > 0 && n < (long)sizeof(name) ? n : 0] = 0;
	say("JOYNAME ");
	say(name);
	say("\n");
	for (long seq = 1;; seq++) {
		unsigned char keys[KEY_MAX / 8 + 1];
		for (unsigned i = 0; i < sizeof(keys); i++)
			keys[i] = 0;
		sys3(SYS_ioctl, fd, (long)EVIOCGKEY(sizeof(keys)), (long)keys);
		say("JOY n=");
		num(seq);
		axis(fd, " x=", ABS_X);
		axis(fd, " y=", ABS_Y);
		axis(fd, " rud=", ABS_RUDDER);
		axis(fd, " thr=", ABS_THROTTLE);
		say(" b=");
		static const int btn[4] = { BTN_TRIGGER, BTN_THUMB, BTN_TOP, BTN_TOP2 };
		for (int i = 0; i < 4; i++)
			say(keys[btn[i] / 8] & (1u << (btn[i] % 8)) ? "1" : "0");
		say("\n");
		long ts[2] = { 0, 200000000 };
		sys3(SYS_nanosleep, (long)ts, 0, 0);
	}
}

/* the entry point: argc and argv are on the stack */
__asm__(".globl _start\n_start:\n"
	"\txor %ebp, %ebp\n"
	"\tmov (%esp), %eax\n"
	"\tlea 4(%esp), %edx\n"
	"\tand $-16, %esp\n"
	"\tpush %edx\n"
	"\tpush %eax\n"
	"\tcall run_entry\n"
	"\thlt\n");

__attribute__((used)) void run_entry(int argc, char **argv)
{
	run(argc, argv);
}
