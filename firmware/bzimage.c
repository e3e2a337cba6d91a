/*
 * bzImage setup-header parsing. The fields and their protocol versions are
 * from the kernel's boot protocol document (Documentation/arch/x86/boot.rst).
 */
#include "firmware/bzimage.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"

int bzimage_parse(const uint8_t *img, size_t len, struct bzimage_info *bi,
		  char *err, size_t errlen)
{
	memset(bi, 0, sizeof(*bi));
	if (len < HDR_MAGIC + 4 || ld16(img + HDR_BOOT_FLAG) != 0xAA55 ||
	    memcmp(img + HDR_MAGIC, "HdrS", 4))
		return 0;
	if (len < HDR_VERSION + 2) {
		snprintf(err, errlen, "bzImage header truncated");
		return -1;
	}
	bi->version = ld16(img + HDR_VERSION);
	if (bi->version < 0x0200) {
		snprintf(err, errlen, "boot protocol %u.%02u is too old (2.00 or newer needed)",
			 bi->version >> 8, bi->version & 0xff);
		return -1;
	}
	/* The header runs from 0x1f1 to the target of the short jump at 0x200;
	 * it must hold the last field of its protocol version. */
	bi->hdr_end = HDR_JUMP + 2 + img[HDR_JUMP + 1];
	if (bi->hdr_end > SETUP_HDR_MAX_END)
		bi->hdr_end = SETUP_HDR_MAX_END;
	uint32_t need = bi->version >= 0x0208 ? HDR_PAYLOAD_LENGTH + 4 :
			bi->version >= 0x0206 ? HDR_CMDLINE_SIZE + 4 :
			bi->version >= 0x0203 ? HDR_INITRD_ADDR_MAX + 4 :
			bi->version >= 0x0202 ? HDR_CMD_LINE_PTR + 4 : HDR_RAMDISK_SIZE + 4;
	if (bi->hdr_end < need || len < bi->hdr_end) {
		snprintf(err, errlen, "bzImage header truncated");
		return -1;
	}
	unsigned sects = img[HDR_SETUP_SECTS];
	if (sects == 0)
		sects = 4; /* "if this field is 0, the real value is 4" */
	bi->setup_size = (sects + 1) * 512;
	if (bi->setup_size >= len) {
		snprintf(err, errlen, "bzImage setup code (%u bytes) fills the whole %zu-byte "
			 "file: no protected-mode part", bi->setup_size, len);
		return -1;
	}
	bi->code32_start = ld32(img + HDR_CODE32_START);
	if (bi->version >= 0x020c && bi->hdr_end >= HDR_XLOADFLAGS + 2)
		bi->xloadflags = ld16(img + HDR_XLOADFLAGS);
	if (bi->version >= 0x0208) {
		bi->payload_off = (uint64_t)bi->setup_size + ld32(img + HDR_PAYLOAD_OFFSET);
		bi->payload_len = ld32(img + HDR_PAYLOAD_LENGTH);
	}
	bi->classic = bi->payload_len == 0;
	if (bi->classic) {
		/* a zImage (loaded at 0x10000, before bzImages) has no use today */
		if (!(img[HDR_LOADFLAGS] & LOADFLAG_LOADED_HIGH)) {
			snprintf(err, errlen, "zImage (protocol %u.%02u, loaded low) is not "
				 "supported: only bzImages", bi->version >> 8, bi->version & 0xff);
			return -1;
		}
		bi->pm_len = len - bi->setup_size > UINT32_MAX ? UINT32_MAX :
			     (uint32_t)(len - bi->setup_size);
	} else if (bi->payload_off > len || bi->payload_len > len - bi->payload_off) {
		snprintf(err, errlen, "bzImage payload (offset %llu, %u bytes) lies outside "
			 "the %zu-byte file", (unsigned long long)bi->payload_off,
			 bi->payload_len, len);
		return -1;
	}
	/* fields by the version that introduced them (boot.rst) */
	bi->initrd_addr_max = bi->version >= 0x0203 ? ld32(img + HDR_INITRD_ADDR_MAX) : 0x37FFFFFF;
	if (bi->version >= 0x0206)
		bi->cmdline_size = ld32(img + HDR_CMDLINE_SIZE);
	if (bi->cmdline_size == 0)
		bi->cmdline_size = 256; /* 255 characters and the NUL before 2.06 */
	if (bi->version >= 0x020a && bi->hdr_end >= HDR_PREF_ADDRESS + 8)
		bi->pref_address = ld64(img + HDR_PREF_ADDRESS);
	if (bi->version >= 0x020a && bi->hdr_end >= HDR_INIT_SIZE + 4)
		bi->init_size = ld32(img + HDR_INIT_SIZE);
	return 1;
}
