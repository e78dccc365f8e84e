/* Frame-pointer backtraces: [rbp] holds the caller's rbp, [rbp+8] the return
 * address (System V x86-64 ABI with -fno-omit-frame-pointer).
 */
#include "arch/x86_64/backtrace.h"

#include <stdbool.h>

#include "arch/x86_64/paging.h"
#include "console.h"
#include "lib/symbols.h"

static bool readable(uint64_t addr)
{
	struct translation t;

	return (addr & 7) == 0 && paging_translate(addr, &t) &&
	       paging_translate(addr + 8, &t);
}

static void print_frame(int n, uint64_t pc)
{
	const char *name;
	uint64_t off;

	if (symbols_lookup(pc, &name, &off))
		kprintf("  #%d 0x%016llx %s+0x%llx\n", n, (unsigned long long)pc,
			name, (unsigned long long)off);
	else
		kprintf("  #%d 0x%016llx ?\n", n, (unsigned long long)pc);
}

void backtrace_print(uint64_t rip, uint64_t rbp, int depth)
{
	kprintf("  backtrace:\n");
	print_frame(0, rip);
	for (int n = 1; n < depth && rbp && readable(rbp); n++) {
		const uint64_t *frame = (const uint64_t *)rbp;

		if (frame[1] == 0)
			break;
		/* a return address points after the call: look up the call */
		print_frame(n, frame[1] - 1);
		if (frame[0] <= rbp)
			break;   /* frames must move up the stack */
		rbp = frame[0];
	}
}
