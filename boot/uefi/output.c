/* The UEFI loader's failure messages: "loader: ..." on COM1 (a 16550,
 * programmed as boot/stage1.asm does) and on every firmware text console
 * that is not itself a serial terminal (UEFI 2.10, 12.4), so that COM1
 * shows each line exactly once even where the firmware mirrors its console
 * there, as OVMF does. Then the machine halts.
 */
#include "loader.h"

#define COM1              0x3f8
#define UART_IER          1
#define UART_FCR          2
#define UART_LCR          3
#define UART_MCR          4
#define UART_LSR          5
#define UART_DLL          0
#define UART_DLM          1
#define UART_LCR_DLAB     0x80
#define UART_LCR_8N1      0x03
#define UART_FCR_ENABLE   0xc7      /* enable and clear the FIFOs */
#define UART_MCR_DTR_RTS  0x03
#define UART_LSR_THRE     0x20
#define UART_DIVISOR      1         /* 115200 baud */
#define LINE_MAX          160

static struct efi_system_table *sys;
static bool boot_services;

static void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, UART_LCR_DLAB);
	outb(COM1 + UART_DLL, UART_DIVISOR);
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, UART_LCR_8N1);
	outb(COM1 + UART_FCR, UART_FCR_ENABLE);
	outb(COM1 + UART_MCR, UART_MCR_DTR_RTS);
}

static void serial_write(const char *s)
{
	for (; *s; s++) {
		while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE))
			;
		outb(COM1, (uint8_t)*s);
	}
}

void output_init(struct efi_system_table *st)
{
	sys = st;
	boot_services = true;
}

void output_boot_services_gone(void)
{
	boot_services = false;
}

/* Whether a device path runs through a UART: a serial terminal. */
static bool is_serial(const struct efi_device_path *dp)
{
	for (int n = 0; n < 64 && dp->type != EFI_DP_END; n++) {
		uint16_t len = (uint16_t)(dp->length[0] | dp->length[1] << 8);

		if (dp->type == EFI_DP_MESSAGING && dp->subtype == EFI_DP_MSG_UART)
			return true;
		if (len < sizeof(*dp))
			return false;
		dp = (const struct efi_device_path *)((const uint8_t *)dp + len);
	}
	return false;
}

/* The physical text consoles that are not serial terminals: not the
 * firmware's console splitters (ConOut, StdErr), which would also write to
 * a serial terminal. */
static void screen_write(const char16 *line)
{
	static const struct efi_guid text_guid = EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID;
	static const struct efi_guid path_guid = EFI_DEVICE_PATH_PROTOCOL_GUID;
	struct efi_boot_services *bs = sys->boot_services;
	efi_handle *handles;
	uint64_t count;

	if (EFI_ERROR(bs->locate_handle_buffer(EFI_BY_PROTOCOL, &text_guid, NULL,
					       &count, &handles)))
		return;
	for (uint64_t i = 0; i < count; i++) {
		struct efi_text_output *out;
		void *dp;

		if (handles[i] == sys->console_out_handle ||
		    handles[i] == sys->standard_error_handle ||
		    EFI_ERROR(bs->handle_protocol(handles[i], &path_guid, &dp)) ||
		    is_serial(dp) ||
		    EFI_ERROR(bs->handle_protocol(handles[i], &text_guid, (void **)&out)))
			continue;
		out->set_attribute(out, EFI_WHITE | EFI_BACKGROUND_RED);
		out->output_string(out, line);
		out->set_attribute(out, EFI_LIGHTGRAY);
	}
}

static void append(char *line, size_t *n, const char *s)
{
	while (*s && *n < LINE_MAX - 3)
		line[(*n)++] = *s++;
	line[*n] = 0;
}

__attribute__((noreturn)) static void fail_line(char *line)
{
	char16 wide[LINE_MAX];
	size_t n = strlen(line);

	append(line, &n, "\r\n");
	serial_init();
	serial_write(line);
	if (boot_services) {
		for (size_t i = 0; i <= n; i++)
			wide[i] = (char16)line[i];
		screen_write(wide);
	}
	halt_forever();
}

void loader_fail(const char *msg)
{
	char line[LINE_MAX];
	size_t n = 0;

	line[0] = 0;
	append(line, &n, msg);
	fail_line(line);
}

void loader_fail_status(const char *msg, efi_status s)
{
	char line[LINE_MAX], hex[19] = "0x";
	size_t n = 0;

	for (int i = 0; i < 16; i++)
		hex[2 + i] = "0123456789abcdef"[(s >> (60 - 4 * i)) & 0xf];
	hex[18] = 0;
	line[0] = 0;
	append(line, &n, msg);
	append(line, &n, " (EFI status ");
	append(line, &n, hex);
	append(line, &n, ")");
	fail_line(line);
}
