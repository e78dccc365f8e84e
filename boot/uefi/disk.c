/* What the UEFI loader reads from the disk it was loaded from: the kernel
 * ELF as a file of the EFI System Partition (UEFI 2.10, 13.4 Simple File
 * System, 13.5 File Protocol), and the image header that mkimage.py puts in
 * the partition's sector 1 (13.9 Block I/O, relative to the partition), for
 * its built-in command line.
 */
#include "image.h"
#include "loader.h"

#define KERNEL_FILE        u"\\EFI\\ktest\\kernel.elf"
#define FILE_INFO_BYTES    512     /* EFI_FILE_INFO and a short file name */

static void *protocol(struct efi_boot_services *bs, efi_handle h, const struct efi_guid *g,
		      const char *what)
{
	void *p;
	efi_status s = bs->handle_protocol(h, g, &p);

	if (EFI_ERROR(s))
		loader_fail_status(what, s);
	return p;
}

static struct efi_file *open_kernel(const struct efi_loaded_image *li,
				    struct efi_boot_services *bs)
{
	static const struct efi_guid fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
	struct efi_simple_file_system *fs;
	struct efi_file *root, *file;
	efi_status s;

	fs = protocol(bs, li->device_handle, &fs_guid,
		      "loader: the boot partition has no file system");
	s = fs->open_volume(fs, &root);
	if (EFI_ERROR(s))
		loader_fail_status("loader: cannot open the boot partition's file system", s);
	s = root->open(root, &file, KERNEL_FILE, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(s))
		loader_fail_status("loader: cannot open EFI/ktest/kernel.elf", s);
	root->close(root);
	return file;
}

static uint64_t file_size(struct efi_file *file)
{
	static const struct efi_guid info_guid = EFI_FILE_INFO_GUID;
	uint64_t info_buf[FILE_INFO_BYTES / sizeof(uint64_t)];
	struct efi_file_info *info = (struct efi_file_info *)info_buf;
	uint64_t size = sizeof(info_buf);
	efi_status s = file->get_info(file, &info_guid, &size, info);

	if (EFI_ERROR(s))
		loader_fail_status("loader: cannot read EFI/ktest/kernel.elf's size", s);
	if (info->attribute & EFI_FILE_DIRECTORY)
		loader_fail("loader: EFI/ktest/kernel.elf is a directory");
	return info->file_size;
}

void disk_read_kernel(const struct efi_loaded_image *li, struct efi_boot_services *bs,
		      uint8_t **file_out, uint64_t *size_out)
{
	struct efi_file *file = open_kernel(li, bs);
	uint64_t size = file_size(file), got;
	void *buf;
	efi_status s;

	if (size == 0)
		loader_fail("loader: the image holds no kernel");
	if (size > IMG_KERNEL_MAX_BYTES)
		loader_fail("loader: kernel too big (16 MiB at most)");
	s = bs->allocate_pool(EFI_LOADER_DATA, size, &buf);
	if (EFI_ERROR(s))
		loader_fail_status("loader: not enough memory to read the kernel", s);
	got = size;
	s = file->read(file, &got, buf);
	if (EFI_ERROR(s) || got != size)
		loader_fail_status("loader: disk read error while reading the kernel", s);
	file->close(file);
	*file_out = buf;
	*size_out = size;
}

/* The words of a header sector whose magic is right; else none. */
static void header_words(const uint8_t *hdr, char *out)
{
	uint32_t magic[2];
	int i = 0;

	memcpy(magic, hdr + IMG_HDR_MAGIC, sizeof(magic));
	if (magic[0] == IMG_HDR_MAGIC_LO && magic[1] == IMG_HDR_MAGIC_HI)
		for (; i < IMG_HDR_CMDLINE_MAX - 1 && hdr[IMG_HDR_CMDLINE + i]; i++)
			out[i] = (char)hdr[IMG_HDR_CMDLINE + i];
	out[i] = 0;
}

/* The header's command line when the boot partition's sector 1 holds the
 * image header; "" when it does not (the loader and the kernel were copied
 * to some other EFI System Partition): the built-in words are optional. */
void disk_read_builtin_cmdline(const struct efi_loaded_image *li,
			       struct efi_boot_services *bs, char *out)
{
	static const struct efi_guid bio_guid = EFI_BLOCK_IO_PROTOCOL_GUID;
	struct efi_block_io *bio;
	uint64_t page;

	out[0] = 0;
	if (EFI_ERROR(bs->handle_protocol(li->device_handle, &bio_guid, (void **)&bio)) ||
	    bio->media->block_size != IMG_SECTOR_SIZE ||
	    EFI_ERROR(bs->allocate_pages(EFI_ALLOCATE_ANY_PAGES, EFI_LOADER_DATA, 1, &page)))
		return;
	/* A whole page: aligned for any IoAlign the device asks for. */
	if (!EFI_ERROR(bio->read_blocks(bio, bio->media->media_id,
					IMG_HEADER_LBA - IMG_ESP_LBA, IMG_SECTOR_SIZE,
					(void *)page)))
		header_words((const uint8_t *)page, out);
	bs->free_pages(page, 1);
}
