/* `vmstation view`: a libvncclient VNC viewer in an SDL window (ui/viewer.c). */
#ifndef VMST_VIEWER_H
#define VMST_VIEWER_H

/* argv[0] is "view"; returns the exit status. */
int viewer_main(int argc, char **argv);

#endif
