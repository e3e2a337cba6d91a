/*
 * Virtual device names of disk= specs (xl's vdev) and the emulated IDE
 * position each one takes in an HVM guest.
 *
 * xl numbers hdX, xvdX and sdX disks a, b, c ... from 0 and lets an HVM guest
 * see the first four on the emulated IDE controller (0 primary master ...
 * 3 secondary slave). Explicit sdX hard disks go to an emulated SCSI
 * controller instead; CD-ROMs are on IDE whatever their name. Partition
 * names (hda1, xvda2) only mean something to PV front ends.
 */
#include "core/vmconfig_priv.h"

#include <stdio.h>
#include <string.h>

static const char *const ide_pos[] = { "primary master", "primary slave", "secondary master",
				       "secondary slave" };

/* "xvdab" -> 27 (letters a..z, aa..zz as Linux names them); -1 if none. */
static int letters_to_disk(const char *s, size_t n)
{
	if (n == 1)
		return s[0] - 'a';
	if (n == 2)
		return (s[0] - 'a' + 1) * 26 + (s[1] - 'a');
	return -1;
}

int vmc_vdev_position(const char *name, bool cdrom, int *idx, char *note, size_t notelen,
		      char *why, size_t whylen)
{
	static const char *const kinds[] = { "hd", "xvd", "sd" };
	const char *kind = NULL, *p = name;
	note[0] = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(kinds) && !kind; i++)
		if (!strncmp(name, kinds[i], strlen(kinds[i])))
			kind = kinds[i];
	if (kind)
		p += strlen(kind);
	size_t nl = strspn(p, "abcdefghijklmnopqrstuvwxyz");
	const char *digits = p + nl;
	size_t nd = strspn(digits, "0123456789");
	int disk = kind && nl ? letters_to_disk(p, nl) : -1;
	if (disk < 0 || digits[nd]) {
		snprintf(why, whylen, "'%s' is not a disk name vmstation knows (hda-hdd, xvda-xvdd, "
			 "or sda-sdd for CD-ROMs)", name);
		return -1;
	}
	if (nd) {
		snprintf(why, whylen, "'%s' is a partition: partition names are for PV guests, an HVM "
			 "guest sees whole disks (use %.*s)", name, (int)(digits - name), name);
		return -1;
	}
	if (disk > 3) {
		snprintf(why, whylen, "'%s' is beyond the four IDE positions (%sa-%sd): an HVM guest "
			 "has no emulated disk there", name, kind, kind);
		return -1;
	}
	if (!strcmp(kind, "sd") && !cdrom) {
		snprintf(why, whylen, "'%s': xl puts sdX hard disks on an emulated SCSI controller, "
			 "which vmstation does not have (use hd%c or xvd%c)", name, 'a' + disk,
			 'a' + disk);
		return -1;
	}
	if (strcmp(kind, "hd"))
		snprintf(note, notelen, "'%s' is emulated as hd%c, the IDE %s, as xl does for an HVM "
			 "guest", name, 'a' + disk, ide_pos[disk]);
	*idx = disk;
	return 0;
}
