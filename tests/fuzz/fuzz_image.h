/*
 * Disk images for the fuzz targets: made once with a known pattern, and
 * rewritten before an input only if the previous one changed them (mtime or
 * size), so that every input starts from the same media and a finding
 * replays from its file alone.
 */
#ifndef VMST_FUZZ_IMAGE_H
#define VMST_FUZZ_IMAGE_H

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fuzz_image {
	char path[64];
	size_t size;
	unsigned mul;            /* byte i is i * mul + (i >> 9) */
	struct timespec mtime;
	unsigned long writes;    /* how often it was (re)written */
};

static inline void fuzz_image_write(struct fuzz_image *im)
{
	FILE *f = fopen(im->path, "wb");
	if (!f)
		return;
	unsigned char buf[4096];
	for (size_t i = 0; i < im->size; i += sizeof(buf)) {
		size_t n = im->size - i < sizeof(buf) ? im->size - i : sizeof(buf);
		for (size_t k = 0; k < n; k++)
			buf[k] = (unsigned char)((i + k) * im->mul + ((i + k) >> 9));
		fwrite(buf, 1, n, f);
	}
	fclose(f);
	im->writes++;
	struct stat st;
	if (stat(im->path, &st) == 0)
		im->mtime = st.st_mtim;
}

static inline void fuzz_image_make(struct fuzz_image *im, const char *target, const char *name,
				   size_t size, unsigned mul)
{
	snprintf(im->path, sizeof(im->path), "/tmp/vmst-fuzz-%s-%d-%s", target, (int)getpid(), name);
	im->size = size;
	im->mul = mul;
	fuzz_image_write(im);
}

static inline void fuzz_image_restore(struct fuzz_image *im)
{
	struct stat st;
	if (stat(im->path, &st) < 0 || (size_t)st.st_size != im->size ||
	    st.st_mtim.tv_sec != im->mtime.tv_sec || st.st_mtim.tv_nsec != im->mtime.tv_nsec)
		fuzz_image_write(im);
}

#endif
