/* Disk image layout shared by the loader (nasm, through tools/h2inc.py) and
 * the image builder (tools/mkimage.py reads these #define lines too).
 * Sizes in 512-byte sectors unless the name says BYTES. See docs/boot.md.
 */
#ifndef BOOT_IMAGE_H
#define BOOT_IMAGE_H

#define IMG_SECTOR_SIZE       512
#define IMG_HEADER_LBA        1      /* image header sector */
#define IMG_STAGE2_LBA        2      /* second stage, right after the header */
#define IMG_STAGE2_MAX        62     /* sectors reserved for the second stage */
#define IMG_KERNEL_LBA        64     /* kernel ELF starts at 32 KiB */
#define IMG_ALIGN_SECTORS     2048   /* image size rounded up to 1 MiB */

/* Where stage 1 loads the header and the second stage (real-mode address). */
#define IMG_HEADER_ADDR       0x7e00
#define IMG_STAGE2_ADDR       0x8000

/* Image header fields (byte offsets in the header sector). */
#define IMG_HDR_MAGIC_LO      0x4d49544b /* "KTIM" */
#define IMG_HDR_MAGIC_HI      0x31454741 /* "AGE1": "KTIMAGE1" */
#define IMG_HDR_MAGIC         0
#define IMG_HDR_KERNEL_LBA    8
#define IMG_HDR_KERNEL_BYTES  12
#define IMG_HDR_CMDLINE       64
#define IMG_HDR_CMDLINE_MAX   256

/* Loader limits. */
#define IMG_KERNEL_MAX_BYTES  0x1000000  /* 16 MiB ELF file */

#endif /* BOOT_IMAGE_H */
