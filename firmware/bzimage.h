/*
 * The x86 Linux boot protocol's setup header (Documentation/arch/x86/boot.rst):
 * recognising a bzImage and finding its compressed payload.
 */
#ifndef VMST_BZIMAGE_H
#define VMST_BZIMAGE_H

#include <stddef.h>
#include <stdint.h>

/* Offsets in the image file and in boot_params (the "zero page"). */
#define SETUP_HDR_START   0x1f1
#define SETUP_HDR_MAX_END 0x290   /* boot_params.hdr ends here */
#define HDR_SETUP_SECTS   0x1f1
#define HDR_BOOT_FLAG     0x1fe   /* 0xAA55 */
#define HDR_JUMP          0x200
#define HDR_MAGIC         0x202   /* "HdrS" */
#define HDR_VERSION       0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS     0x211
#define HDR_CODE32_START  0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE  0x21c
#define HDR_HEAP_END_PTR  0x224
#define HDR_CMD_LINE_PTR  0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE   0x234
#define HDR_XLOADFLAGS    0x236
#define HDR_CMDLINE_SIZE  0x238
#define HDR_HW_SUBARCH    0x23c
#define HDR_PAYLOAD_OFFSET 0x248
#define HDR_PAYLOAD_LENGTH 0x24c
#define HDR_SETUP_DATA    0x250
#define HDR_PREF_ADDRESS  0x258
#define HDR_INIT_SIZE     0x260

#define XLF_KERNEL_64     0x01    /* xloadflags (2.12+): 64-bit entry at +0x200 */

#define LOADFLAG_LOADED_HIGH 0x01
#define LOADFLAG_CAN_USE_HEAP 0x80

struct bzimage_info {
	uint16_t version;          /* boot protocol, e.g. 0x020f */
	uint32_t setup_size;       /* (setup_sects + 1) * 512: start of the protected-mode code */
	uint64_t payload_off;      /* in the file */
	uint32_t payload_len;
	uint32_t hdr_end;          /* the file's header occupies [0x1f1, hdr_end) */
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;     /* including the NUL */
	uint32_t init_size;        /* memory the kernel needs from its load address */
	uint64_t pref_address;
	/*
	 * classic: no payload to unpack on the host (protocol before 2.08, or
	 * payload_length 0): the protected-mode part [setup_size, file end) is
	 * loaded at 1 MiB as a boot loader of the time did, and entered at
	 * code32_start (or at +0x200 in long mode if xloadflags has
	 * XLF_KERNEL_64).
	 */
	int classic;
	uint32_t pm_len;           /* protected-mode part, classic images */
	uint32_t code32_start;
	uint16_t xloadflags;       /* 0 before 2.12 */
};

/*
 * 1 if img is a bzImage we can load (fills bi), 0 if it does not carry the
 * setup-header signature at all, -1 if it does but is malformed (message in
 * err). Every field is read only if the image's protocol version has it.
 */
int bzimage_parse(const uint8_t *img, size_t len, struct bzimage_info *bi,
		  char *err, size_t errlen);

#endif
