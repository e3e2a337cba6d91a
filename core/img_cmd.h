/* `vmstation img`: create, inspect, convert and commit disk images (raw, qcow2). */
#ifndef VMST_IMG_CMD_H
#define VMST_IMG_CMD_H

/* argv[0] is "img"; returns the process exit status. */
int cmd_img(int argc, char **argv);

#endif
