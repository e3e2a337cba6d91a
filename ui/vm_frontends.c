/* Front ends started beside each VM (ui/vm_frontends.h). */
#include "core/host/display.h"
#include "core/vm.h"
#include "ui/audio_backend.h"
#include "ui/joystick.h"
#include "ui/joystick.h"
#include "ui/vm_frontends.h"
#include "ui/vnc_server.h"

/* A free hook: hooks run in reverse, so this one runs before the graphics
 * card frees the display the server listens to. */
static void vnc_stop(void *opaque)
{
	struct vm *vm = opaque;
	vnc_server_stop(vm->vnc);
	vm->vnc = NULL;
}

int vm_frontends_start(struct vm *vm, char *err, size_t errlen)
{
	if (vm->cfg && vm->cfg->vnc && vm->display) {
		vm->vnc = vnc_server_start(vm, err, errlen);
		if (!vm->vnc)
			return -1;
		vm_add_free_hook(vm, vnc_stop, vm);
	}
	joy_hub_attach(vm);
	joy_hub_attach(vm);
	audio_backend_start(vm);
	return 0;
}

struct vnc_server *vnc_of(struct vm *vm)
{
	return vm->vnc;
}
