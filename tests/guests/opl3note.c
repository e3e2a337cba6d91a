/*
 * opl3note: plays one FM note through Linux's own OPL3 driver from guest user
 * space, for tests/slow/70_sb16_linux.sh. Built by build-linux-686-sound.sh as
 * a static freestanding i386 program (no libc: int 0x80 system calls), run by
 * the guest's /init.
 *
 *   opl3note [DEVICE]       (default /dev/snd/hwC0D0, the card's OPL3 hwdep)
 *
 * Through the hwdep's SNDRV_DM_FM ioctls (<sound/asound_fm.h>): reset the
 * chip, switch the driver to OPL3 mode, program voice 0 as two operators in parallel (the modulator at full
 * attenuation, the carrier a sustained sine at -6 dB, both outputs), key it on at block 4,
 * F-number 870 (870 * 49716 / 2^16 = 659.98 Hz) for 2 s, key it off.
 * Prints "OPL3NOTE ok" or "OPL3NOTE FAIL <step> errno=<n>"; exit status 0/1.
 */
#include <asm-generic/ioctl.h>
#include <sound/asound_fm.h>

#define SYS_exit 1
#define SYS_write 4
#define SYS_open 5
#define SYS_ioctl 54
#define SYS_nanosleep 162
#define O_RDWR 2

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
	int i = 15;
	b[i] = 0;
	if (v < 0)
		v = -v;
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 0);
	say(&b[i]);
}

static void die(const char *step, long r)
{
	say("OPL3NOTE FAIL ");
	say(step);
	say(" errno=");
	num(r);
	say("\n");
	sys3(SYS_exit, 1, 0, 0);
}

static void ioc(int fd, unsigned long req, void *arg, const char *step)
{
	long r = sys3(SYS_ioctl, fd, (long)req, (long)arg);
	if (r < 0)
		die(step, r);
}

static void pause_ms(long ms)
{
	struct { long s, ns; } ts = { ms / 1000, (ms % 1000) * 1000000L };
	sys3(SYS_nanosleep, (long)&ts, 0, 0);
}

static void run(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/snd/hwC0D0";
	long fd = sys3(SYS_open, (long)dev, O_RDWR, 0);
	if (fd < 0)
		die("open", fd);
	struct snd_dm_fm_info info = { 0 };
	ioc(fd, SNDRV_DM_FM_IOCTL_INFO, &info, "info");
	say("OPL3NOTE info fm_mode=");
	num(info.fm_mode);
	say(" rhythm=");
	num(info.rhythm);
	say("\n");
	ioc(fd, SNDRV_DM_FM_IOCTL_RESET, 0, "reset");
	/* the reset leaves the driver in OPL2 mode, where it writes no output
	 * bits (register 0xC0 bits 4-5): on a YMF262 in OPL3 mode, as the driver
	 * sets it at probe, such a channel is silent. OPL3 mode: the argument
	 * is the mode itself, not a pointer. */
	ioc(fd, SNDRV_DM_FM_IOCTL_SET_MODE, (void *)(long)SNDRV_DM_FM_MODE_OPL3, "set_mode opl3");
	for (unsigned char op = 0; op < 2; op++) {
		struct snd_dm_fm_voice v = { 0 };
		v.op = op;
		v.voice = 0;
		v.do_sustain = 1;
		v.harmonic = 1;        /* multiplier 1: the note's own frequency */
		/* the driver writes ~volume as the total level (attenuation in
		 * 0.75 dB steps): 0 silences the modulator, 55 is -6 dB */
		v.volume = op ? 55 : 0;
		v.attack = 15;
		v.decay = 0;
		v.sustain = 0;         /* sustain level 0: stay at full level */
		v.release = 15;
		v.connection = 1;      /* parallel: the carrier alone is heard */
		v.left = v.right = 1;
		v.waveform = 0;        /* sine */
		ioc(fd, SNDRV_DM_FM_IOCTL_SET_VOICE, &v, op ? "set_voice carrier" : "set_voice modulator");
	}
	struct snd_dm_fm_note n = { .voice = 0, .octave = 4, .fnum = 870, .key_on = 1 };
	ioc(fd, SNDRV_DM_FM_IOCTL_PLAY_NOTE, &n, "key_on");
	pause_ms(2000);
	n.key_on = 0;
	ioc(fd, SNDRV_DM_FM_IOCTL_PLAY_NOTE, &n, "key_off");
	say("OPL3NOTE ok\n");
	sys3(SYS_exit, 0, 0, 0);
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

/* the compiler may turn struct zeroing into a call */
void *memset(void *d, int c, unsigned long n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}
