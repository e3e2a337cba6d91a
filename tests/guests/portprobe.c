/*
 * portprobe: from guest user space (iopl 3), the game port at 0x201 read
 * the way Linux's ns558 ISA probe reads it, for
 * tests/slow/71_gameport_linux.sh: when ns558 finds nothing, this says
 * which of its checks the port failed. Static freestanding i386 (int 0x80).
 * Prints one line:
 *   "PORTPROBE c=CC u=UU v=VV settle=SS changes=N"  (hex bytes)
 * c: before a write; u: right after writing ~c & ~3 (bits 0-1 must be 1);
 * v: u ANDed with 1000 more reads (must differ from u: axes ended);
 * settle: a read 4 ms later; changes: reads of the next 1000 whose axis
 * bits differed from it (must be 0). Exit status 0 when all three checks
 * pass (a joystick is attached), 1 otherwise.
 */
#define SYS_exit 1
#define SYS_write 4
#define SYS_iopl 110
#define SYS_nanosleep 162

static long sys3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}

static unsigned char inb(unsigned short port)
{
	unsigned char v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void outb(unsigned char v, unsigned short port)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static char *hex2(char *p, unsigned v)
{
	p[0] = "0123456789abcdef"[(v >> 4) & 15];
	p[1] = "0123456789abcdef"[v & 15];
	return p + 2;
}

static char *put(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static int run(void)
{
	char line[96], *p = line;
	if (sys3(SYS_iopl, 3, 0, 0) < 0) {
		sys3(SYS_write, 1, (long)"PORTPROBE iopl failed\n", 22);
		return 1;
	}
	unsigned char c = inb(0x201);
	outb((unsigned char)(~c & ~3), 0x201);
	unsigned char u = inb(0x201), v = u;
	for (int i = 0; i < 1000; i++)
		v &= inb(0x201);
	long ts[2] = { 0, 4000000 };
	sys3(SYS_nanosleep, (long)ts, 0, 0);
	unsigned char s = inb(0x201);
	unsigned changes = 0;
	for (int i = 0; i < 1000; i++)
		changes += ((s ^ inb(0x201)) & 0xf) != 0;
	p = put(p, "PORTPROBE c=");
	p = hex2(p, c);
	p = put(p, " u=");
	p = hex2(p, u);
	p = put(p, " v=");
	p = hex2(p, v);
	p = put(p, " settle=");
	p = hex2(p, s);
	p = put(p, " changes=");
	p = hex2(p, changes >> 8);
	p = hex2(p, changes & 0xff);
	*p++ = '\n';
	sys3(SYS_write, 1, (long)line, p - line);
	return (u & 3) == 3 && u != v && changes == 0 ? 0 : 1;
}

__asm__(".globl _start\n_start:\n"
	"\tand $-16, %esp\n"
	"\tcall run_entry\n"
	"\tmov %eax, %ebx\n"
	"\tmov $1, %eax\n"
	"\tint $0x80\n");

__attribute__((used)) int run_entry(void)
{
	return run();
}
