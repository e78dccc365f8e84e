/* Sanitizer reports: one at a time, each location once per reset, printed
 * whole and then handed to the test runner's `bug` hook (test_hooks.h).
 * Built without sanitizers: this is part of their runtime.
 */
#include "san/report.h"

#include "arch/x86_64/backtrace.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "console.h"
#include "lib/symbols.h"
#include "panic.h"
#include "san/kasan.h"
#include "san/san.h"
#include "test_hooks.h"

#define SEEN_MAX        64        /* locations remembered between resets */
#define BACKTRACE_DEPTH 16
#define FRAME_BYTES     16        /* saved rbp, return address */

static const void *seen[SEEN_MAX];
static unsigned nseen;
static volatile bool reporting;     /* a report is being printed */

void san_reports_reset(void)
{
	nseen = 0;
}

/* Remember location; false if it was already there. A full table reports
 * everything (never hides a bug). */
static bool first_time(const void *location)
{
	for (unsigned i = 0; i < nseen; i++)
		if (seen[i] == location)
			return false;
	if (nseen < SEEN_MAX)
		seen[nseen++] = location;
	return true;
}

bool san_report_begin(const void *location, bool fatal, uint64_t *flags)
{
	*flags = irq_save();
	if (reporting || (!fatal && !first_time(location))) {
		irq_restore(*flags);
		return false;
	}
	reporting = true;
	kasan_disable_current();   /* what the report itself touches */
	/* Only this CPU runs: a held lock means we interrupted its holder. */
	if (console_lock_held())
		console_break_lock();
	return true;
}

void san_report_end(uint64_t flags, const char *what, bool fatal)
{
	reporting = false;
	kasan_enable_current();
	if (what && test_hooks && test_hooks->bug)
		test_hooks->bug(what, fatal);
	if (fatal)
		panic("%s", what ? what : "sanitizer report");
	irq_restore(flags);
}

const char *san_path(const char *file)
{
	if (!file)
		return "?";
	while (file[0] == '.' && file[1] == '.' && file[2] == '/')
		file += 3;
	return file;
}

void san_print_trace(const uint64_t *pcs, int n)
{
	for (int i = 0; i < n; i++) {
		const char *name;
		uint64_t off;

		if (symbols_lookup(pcs[i], &name, &off))
			kprintf("  #%d 0x%016llx %s+0x%llx\n", i,
				(unsigned long long)pcs[i], name,
				(unsigned long long)off);
		else
			kprintf("  #%d 0x%016llx ?\n", i, (unsigned long long)pcs[i]);
	}
}

/* Can a frame record (saved rbp, return address) be read at fp? With KASAN
 * the checked ranges are mapped memory and hold every stack; otherwise ask
 * the page tables. */
#ifdef KASAN
static bool frame_readable(uint64_t fp)
{
	return fp % sizeof(uint64_t) == 0 && kasan_mapped(fp, FRAME_BYTES);
}
#else
static bool frame_readable(uint64_t fp)
{
	struct translation t;

	return fp % sizeof(uint64_t) == 0 && paging_translate(fp, &t) &&
	       paging_translate(fp + FRAME_BYTES - 1, &t);
}
#endif

int san_trace_collect(const void *frame, uint64_t *pcs)
{
	uint64_t fp = (uint64_t)(uintptr_t)frame;
	int n = 0;

	while (n < SAN_TRACE_DEPTH && fp && frame_readable(fp)) {
		const uint64_t *rec = (const uint64_t *)fp;

		if (rec[1] == 0)
			break;
		pcs[n++] = rec[1] - 1;   /* the call, not the return address */
		if (rec[0] <= fp)
			break;          /* frames must move up the stack */
		fp = rec[0];
	}
	return n;
}

void san_print_backtrace(uint64_t pc, const void *frame)
{
	backtrace_print(pc, (uint64_t)(uintptr_t)frame, BACKTRACE_DEPTH);
}
