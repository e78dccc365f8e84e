/* kmain(): the kernel entry the loader jumps to; sets the machine up and hands
 * over to kernel_run(). See docs/boot.md for the state at entry.
 */
#include <stdint.h>

#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"
#include "console.h"
#include "drivers/keyboard.h"
#include "kernel.h"
#include "lib/cmdline.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "panic.h"

#define LOG_WORD_MAX 8

const struct boot_info *boot_info;

static void apply_cmdline(const char *cmdline)
{
	char level[LOG_WORD_MAX];

	if (cmdline_get(cmdline, "log", level, sizeof(level))) {
		int l = log_level_parse(level);

		if (l < 0)
			log_warn("unknown log level '%s' ignored", level);
		else
			log_set_level((enum log_level)l);
	}
}

__attribute__((noreturn)) void kmain(const struct boot_info *bi);

void kmain(const struct boot_info *bi)
{
	boot_info = bi;
	console_init(bi);
	if (bi->magic != BOOT_INFO_MAGIC || bi->version != BOOT_INFO_VERSION)
		panic("boot_info has magic 0x%llx version %u; this kernel needs "
		      "version %u", (unsigned long long)bi->magic, bi->version,
		      BOOT_INFO_VERSION);
	apply_cmdline(bi->cmdline);
	arch_init(bi);
	frame_init(bi);
	heap_init();
	if (keyboard_init() != 0)
		log_warn("no PS/2 controller: no keyboard input");
	kernel_run(bi);
}
