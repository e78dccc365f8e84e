/* The kernel command line under UEFI, merged as boot/stage2.asm merges it:
 * the image header's built-in words, then the words passed at boot, from
 * the UEFI Shell's arguments (Shell spec 2.2, EFI_SHELL_PARAMETERS_PROTOCOL)
 * or else the image's load options (UEFI 2.10, 9.1 LoadOptions, UTF-16
 * text), then QEMU's fw_cfg file "opt/cmdline" (QEMU docs/specs/fw_cfg.rst,
 * the I/O port interface). A line that does not fit is an error, never cut.
 */
#include "loader.h"

#define FW_CFG_SEL          0x510
#define FW_CFG_DATA         0x511
#define FW_CFG_SIGNATURE    0x0000
#define FW_CFG_FILE_DIR     0x0019
#define FW_CFG_NAME_SIZE    56
#define FW_CFG_CMDLINE_FILE "opt/cmdline"
#define ASCII_FIRST_PRINTABLE 0x20
#define ASCII_LAST_PRINTABLE  0x7e

#define EFI_SHELL_PARAMETERS_PROTOCOL_GUID \
	{ 0x752f3136, 0x4e16, 0x4fdc, { 0xa2, 0x2a, 0xe5, 0xf4, 0x68, 0x12, 0xf4, 0xca } }

struct efi_shell_parameters {
	char16 **argv;
	uint64_t argc;
	void *std_in, *std_out, *std_err;
};

struct line {
	char *buf;
	size_t len;
};

static void too_long(void)
{
	loader_fail("loader: command line too long (4095 bytes at most)");
}

/* Start a new part: a space after what is there already. */
static void separate(struct line *l)
{
	if (l->len == 0)
		return;
	if (l->len + 1 > BOOT_CMDLINE_MAX - 1)
		too_long();
	l->buf[l->len++] = ' ';
}

static void put(struct line *l, char c)
{
	if (l->len + 1 > BOOT_CMDLINE_MAX - 1)
		too_long();
	l->buf[l->len++] = c;
}

/* Whether s[0..n) is printable ASCII in UTF-16 up to an optional NUL. */
static bool ascii_text(const char16 *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++)
		if (s[i] < ASCII_FIRST_PRINTABLE || s[i] > ASCII_LAST_PRINTABLE)
			return false;
	return true;
}

static void put_utf16(struct line *l, const char16 *s, size_t n)
{
	if (n == 0 || !s[0])
		return;
	separate(l);
	for (size_t i = 0; i < n && s[i]; i++)
		put(l, (char)s[i]);
}

/* The Shell's argv[1..] when the Shell started us, else the load options
 * when they are text: firmware boot entries often carry binary data there
 * (EDK2 puts a GUID), which is no command line. */
static void passed_words(struct line *l, efi_handle image,
			 const struct efi_loaded_image *li, struct efi_boot_services *bs)
{
	static const struct efi_guid shell_guid = EFI_SHELL_PARAMETERS_PROTOCOL_GUID;
	struct efi_shell_parameters *shell;
	const char16 *opts = li->load_options;
	size_t n = li->load_options_size / sizeof(char16);

	if (!EFI_ERROR(bs->handle_protocol(image, &shell_guid, (void **)&shell))) {
		for (uint64_t i = 1; i < shell->argc; i++) {
			size_t len = 0;

			while (shell->argv[i][len])
				len++;
			if (!ascii_text(shell->argv[i], len))
				loader_fail("loader: command line words must be printable ASCII");
			put_utf16(l, shell->argv[i], len);
		}
		return;
	}
	if (opts && li->load_options_size % sizeof(char16) == 0 && ascii_text(opts, n))
		put_utf16(l, opts, n);
}

static uint32_t fw_cfg_be32(void)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | inb(FW_CFG_DATA);
	return v;
}

static void fw_cfg_read(uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = inb(FW_CFG_DATA);
}

/* QEMU's opt/cmdline, when this is QEMU and it has one. */
static void fw_cfg_words(struct line *l)
{
	uint8_t entry[4 + 2 + 2 + FW_CFG_NAME_SIZE], sig[4];

	outw(FW_CFG_SEL, FW_CFG_SIGNATURE);
	fw_cfg_read(sig, sizeof(sig));
	if (memcmp(sig, "QEMU", sizeof(sig)) != 0)
		return;
	outw(FW_CFG_SEL, FW_CFG_FILE_DIR);
	for (uint32_t files = fw_cfg_be32(); files > 0; files--) {
		fw_cfg_read(entry, sizeof(entry));   /* size, select, reserved, name */
		if (memcmp(entry + 8, FW_CFG_CMDLINE_FILE, sizeof(FW_CFG_CMDLINE_FILE)) != 0)
			continue;
		uint32_t size = (uint32_t)entry[0] << 24 | entry[1] << 16 | entry[2] << 8 | entry[3];

		outw(FW_CFG_SEL, (uint16_t)(entry[4] << 8 | entry[5]));
		if (size == 0)
			return;
		separate(l);
		if (size > BOOT_CMDLINE_MAX - 1 - l->len)
			too_long();
		fw_cfg_read((uint8_t *)l->buf + l->len, size);
		l->len += size;
		return;
	}
}

void cmdline_build(char *out, const char *builtin, efi_handle image,
		   const struct efi_loaded_image *li, struct efi_boot_services *bs)
{
	struct line l = { out, 0 };

	for (const char *s = builtin; *s; s++)
		put(&l, *s);
	passed_words(&l, image, li, bs);
	fw_cfg_words(&l);
	out[l.len] = 0;
}
