/* kmain(): where every way into the kernel ends up; sets the machine up and
 * hands over to the image's main. See docs/boot.md for the state at entry.
 */
#include <stdint.h>

#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"
#include "console.h"
#include "coverage/coverage.h"
#include "drivers/keyboard.h"
#include "init.h"
#include "lib/cmdline.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "panic.h"
#include "san/kasan.h"
#include "task/sleep.h"
#include "test_hooks.h"

#define LOG_WORD_MAX 8

const struct boot_info *boot_info;

typedef void (*init_fn)(void);
extern const init_fn __init_array_start[], __init_array_end[];

/* The compilers' constructors (the linker script gathers them): with KASAN
 * they register the globals' redzones, so they run once its shadow is up. */
static void run_constructors(void)
{
	for (const init_fn *f = __init_array_start; f < __init_array_end; f++)
		(*f)();
}

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

/* Not instrumented for KASAN: its frame would poison the boot stack's
 * shadow before kasan_early_init() has mapped it. */
__attribute__((no_sanitize_address))
void kmain(const struct boot_info *bi)
{
	boot_info = bi;
	kasan_early_init(bi);   /* before any instrumented frame: docs/architecture.md */
	test_hooks_init();
	console_init(bi);
	if (test_hooks && test_hooks->console_ready)
		test_hooks->console_ready();
	if (bi->magic != BOOT_INFO_MAGIC || bi->version != BOOT_INFO_VERSION)
		panic("boot_info has magic 0x%llx version %u; this kernel needs "
		      "version %u", (unsigned long long)bi->magic, bi->version,
		      BOOT_INFO_VERSION);
	coverage_init(bi->cmdline);
	apply_cmdline(bi->cmdline);
	arch_init(bi);
	sleep_init();
	frame_init(bi);
	kasan_init();
	run_constructors();
	heap_init();
	if (keyboard_init() != 0)
		log_warn("no PS/2 controller: no keyboard input");
	if (test_hooks && test_hooks->run)
		test_hooks->run(bi);
	kernel_main(bi);
}
