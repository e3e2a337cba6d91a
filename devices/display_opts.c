/*
 * nographic=1, as QEMU's -nographic: no window and no VNC server, the
 * graphics card stays (screendump works), and COM1 goes to the terminal
 * (stdio, with the ctrl-a escape keys) unless the VM file says where COM1
 * goes. SeaBIOS is told too (fw_cfg "etc/sercon-port"), so its menus and
 * messages appear on that serial console.
 *
 * A "device" created first of all, so that the serial port, the card and
 * `vmstation run` (which opens the SDL window after creating the VM) all see
 * the adjusted settings.
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "core/vm.h"
#include "core/vmconfig.h"

static int display_opts_create(struct vm *vm)
{
	struct vm_config *cfg = vm->cfg;
	if (!cfg || !cfg->nographic)
		return 0;
	cfg->sdl = false;
	cfg->vnc = false;
	cfg->vncconsole = false;
	if (cfg->n_serial == 0 || !cfg->serial[0] || !strcmp(cfg->serial[0], "none")) {
		if (cfg->n_serial == 0)
			cfg->n_serial = 1;
		free(cfg->serial[0]);
		cfg->serial[0] = xstrdup("stdio");
	}
	return 0;
}

DEVICE_TYPE(display_opts, 0, display_opts_create);
