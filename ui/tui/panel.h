/*
 * The manager panel: `vmstation` with no command (or `vmstation --config
 * FILE`) opens an ncurses panel listing the VMs of vmstation.conf's vm_dir,
 * runs several of them at once in this process, and drives them from a menu,
 * function keys and the mouse.
 */
#ifndef VMST_TUI_PANEL_H
#define VMST_TUI_PANEL_H

/* Returns the process exit status. */
int panel_main(int argc, char **argv);

#endif
