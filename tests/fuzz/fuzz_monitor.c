/*
 * Random command lines into a monitor session on a KVM-less test VM (RAM,
 * a disk and an empty CD drive): nothing may crash, overrun or leak, and
 * the session must still answer `info status` afterwards.
 *
 * Commands that would end the test VM or wait (quit, stop, sendkey's hold,
 * system_reset) only post requests to the VM's event loop, which is not
 * running here.
 */
#include <sanitizer/lsan_interface.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/block.h"
#include "ui/monitor/monitor.h"
#include "core/util.h"
#include "core/vm.h"
#include "core/vmconfig.h"

/*
 * tests/fuzz/driver.c keeps its seed buffers until exit without freeing
 * them, which the exit-time leak check would report; instead this target
 * checks for leaks itself while the driver's buffers are still in use.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "leak_check_at_exit=0";
}

static struct vm *vm;
static unsigned long iterations;
static struct vm_config cfg;
static struct monitor_session *sess;
static size_t out_bytes;
static char last[256];

static void sink(void *opaque, const char *s, size_t n)
{
	(void)opaque;
	out_bytes += n;
	size_t k = n < sizeof(last) - 1 ? n : sizeof(last) - 1;
	memcpy(last, s + n - k, k);
	last[k] = 0;
}

static void teardown(void)
{
	if (!vm)
		return;
	monitor_session_free(sess);
	monitor_stop_all(vm);
	/* the drives added below belong to no device: free them here */
	struct blockdev *bds[VM_MAX_BLOCK];
	unsigned n = vm->n_blocks;
	memcpy(bds, vm->blocks, n * sizeof(bds[0]));
	vm_destroy(vm);
	for (unsigned i = 0; i < n; i++)
		block_free(bds[i]);
	vmconfig_free(&cfg);
	vm = NULL;
	sess = NULL;
}

/* A fresh VM and session for every input: a finding replays from its file. */
static void setup(void)
{
	static bool registered;
	if (!registered)
		atexit(teardown);
	registered = true;
	teardown();
	vmconfig_defaults(&cfg);
	vm = vm_new_test(2, &cfg);
	if (!vm)
		abort();
	vm_add_block(vm, block_new(BLK_DISK, "ide0-hd0", "hda"));
	vm_add_block(vm, block_new(BLK_CDROM, "ide1-cd0", "hdc"));
	sess = monitor_session_new(vm, sink, NULL, MONITOR_F_BANNER | MONITOR_F_PROMPT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/*
	 * Keep away from the command that writes host files at a random path:
	 * anywhere in the input, since any line (after a newline, blanks) may
	 * start it, and with the NULs the session skips taken out ("screen\0dump"
	 * is screendump to monitor_session_input). Names match only in full.
	 */
	char *flat = malloc(size + 1);
	size_t nflat = 0;
	for (size_t i = 0; i < size; i++)
		if (data[i])
			flat[nflat++] = (char)data[i];
	bool writes_files = memmem(flat, nflat, "screendump", 10) != NULL;
	free(flat);
	if (writes_files)
		return 0;
	setup();
	/* whole input as a byte stream (several lines, embedded NULs), then as one line */
	monitor_session_input(sess, (const char *)data, size);
	monitor_session_input(sess, "\n", 1);
	char *line = malloc(size + 1);
	memcpy(line, data, size);
	line[size] = 0;
	monitor_session_line(sess, line);
	free(line);

	/* completion on the same text, cursor anywhere */
	char *l2 = strndup((const char *)data, size);
	int point = size ? (int)(data[0] % (strlen(l2) + 1)) : 0;
	monitor_free_completions(monitor_complete(vm, l2, point));
	free(l2);

	if (++iterations % 4096 == 0 && __lsan_do_recoverable_leak_check()) {
		fprintf(stderr, "memory leaked after %lu inputs\n", iterations);
		abort();
	}

	monitor_session_line(sess, "info status");
	if (!strstr(last, "VM status: ") && !strstr(last, "(vmstation) ")) {
		fprintf(stderr, "session stopped answering: '%s'\n", last);
		abort();
	}
	return 0;
}
