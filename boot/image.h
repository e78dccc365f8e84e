/* Disk image layout shared by the BIOS loader (nasm, through tools/h2inc.py),
 * the UEFI loader and the image builder (tools/mkimage.py reads these #define
 * lines too). One image boots both ways: an MBR boot sector with a hybrid
 * partition table, a GPT (UEFI 2.10, 5.3) and an EFI System Partition (FAT)
 * whose reserved sectors hold the image header and the BIOS second stage.
 * Sizes in 512-byte sectors unless the name says BYTES. See docs/boot.md.
 */
#ifndef BOOT_IMAGE_H
#define BOOT_IMAGE_H

#define IMG_SECTOR_SIZE       512
#define IMG_GPT_HEADER_LBA    1      /* primary GPT header (UEFI: fixed) */
#define IMG_GPT_ENTRIES_LBA   2      /* primary partition entry array */
#define IMG_GPT_ENTRIES       128    /* entries of 128 bytes: 32 sectors, */
#define IMG_GPT_ENTRY_SIZE    128    /* the 16 KiB minimum UEFI asks for */
#define IMG_ESP_LBA           2048   /* the EFI System Partition, at 1 MiB */
#define IMG_ESP_RESERVED      64     /* FAT reserved sectors: its boot */
				     /* sector, the header, the second stage */
#define IMG_HEADER_LBA        2049   /* image header: IMG_ESP_LBA + 1 */
#define IMG_STAGE2_LBA        2050   /* second stage, right after the header */
#define IMG_STAGE2_MAX        62     /* sectors reserved for the second stage */
#define IMG_ALIGN_SECTORS     2048   /* image size rounded up to 1 MiB */

/* Where stage 1 loads the header and the second stage (real-mode address). */
#define IMG_HEADER_ADDR       0x7e00
#define IMG_STAGE2_ADDR       0x8000

/* Image header fields (byte offsets in the header sector). The kernel LBA
 * is where the kernel ELF's file in the ESP starts: mkimage.py stores it in
 * one run of sectors so that the BIOS loader reads it as it is.
 */
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
