/* ktest kernel backend: runs each case body on its own stack (with an
 * unmapped guard page), catches CPU exceptions, panics and timeouts that
 * happen inside it, and ends the run through QEMU's isa-debug-exit device.
 * Implements ktest_backend.h; the contract with the harness is docs/protocol.md.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/exception.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/tsc.h"
#include "console.h"
#include "kernel.h"
#include "ktest_backend.h"
#include "ktest_kernel.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "panic.h"

#define DEBUG_EXIT_PORT   0xf4    /* isa-debug-exit iobase */
#define EXIT_PASS         0x10    /* QEMU exits with 33 */
#define EXIT_FAIL         0x11    /* QEMU exits with 35 */
#define EXIT_ERROR        0x12    /* QEMU exits with 37 */

#define CASE_PAGE_SIZE    4096
#define CASE_STACK_SIZE   (16 * CASE_PAGE_SIZE)
#define TRY_DEPTH         8       /* nested ktest_backend_try() calls */
#define TRY_STACK_GAP     128     /* below the caller's frame, 16-aligned */

/* One guard page, then the stack every case body runs on. */
static uint8_t case_stack[CASE_PAGE_SIZE + CASE_STACK_SIZE]
	__attribute__((aligned(CASE_PAGE_SIZE)));

/* A place to come back to: the runner (level 0) or a ktest_backend_try(). */
struct resume_point {
	uint64_t rsp;                    /* saved by ktest_switch() */
	struct ktest_end_info *end;      /* filled when we come back here */
};

static struct {
	volatile bool active;            /* a case body is on case_stack */
	uint64_t deadline_tick;          /* pit_ticks() after which it times out */
	uint64_t budget_ticks;
	struct ktest *t;
	struct resume_point points[1 + TRY_DEPTH];
	int depth;                       /* points[depth] is the innermost */
} cur;

/* context.asm: run fn(arg) on stack_top, saving the caller's callee-saved
 * registers and RFLAGS; ktest_resume() returns from it from anywhere.
 */
void ktest_switch(uint64_t *save_rsp, uint64_t stack_top,
		  void (*fn)(void *), void *arg);
__attribute__((noreturn)) void ktest_resume(uint64_t rsp);

static bool guard_ready;

static void setup_guard(void)
{
	if (guard_ready)
		return;
	if (paging_unmap((uint64_t)case_stack) != PAGING_OK)
		panic("ktest: cannot unmap the case stack guard page");
	guard_ready = true;
}

/* Kernel messages are KTAP diagnostics, indented like the lines around them. */
const char *console_serial_prefix(void)
{
	return ktest_diag_prefix();
}

/* Go back to the innermost resume point with its end info filled. */
__attribute__((noreturn)) static void resume_innermost(enum ktest_end how)
{
	struct resume_point *p = &cur.points[cur.depth];

	p->end->how = how;
	if (cur.depth == 0)
		cur.active = false;
	console_break_lock();   /* a holder on the abandoned stack never returns */
	ktest_resume(p->rsp);
}

static void set_reason(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void set_reason(const char *fmt, ...)
{
	struct ktest_end_info *end = cur.points[cur.depth].end;
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(end->reason, sizeof(end->reason), fmt, ap);
	va_end(ap);
}

static bool in_guard_page(uint64_t addr)
{
	return addr >= (uint64_t)case_stack &&
	       addr < (uint64_t)case_stack + CASE_PAGE_SIZE;
}

/* Exception hook: a fault inside a case ends the stage it happened in. */
static bool on_exception(struct int_frame *f)
{
	bool expected;

	if (!cur.active)
		return false;
	expected = cur.t->tcase->expect == KTEST_EXPECT_EXCEPTION &&
		   (uint64_t)cur.t->tcase->vector == f->vector;
	if (f->vector == EXC_BREAKPOINT && !expected)
		return false;   /* int3 in a case: report and continue */
	cur.points[cur.depth].end->vector = (int)f->vector;
	if (f->vector == EXC_DOUBLE_FAULT && in_guard_page(read_cr2()))
		set_reason("stack overflow: the case stack's guard page was hit "
			   "at 0x%llx", (unsigned long long)read_cr2());
	else if (f->vector == EXC_PAGE_FAULT)
		set_reason("at 0x%llx, address 0x%llx, error code 0x%llx",
			   (unsigned long long)f->rip,
			   (unsigned long long)read_cr2(),
			   (unsigned long long)f->error_code);
	else
		set_reason("at 0x%llx, error code 0x%llx",
			   (unsigned long long)f->rip,
			   (unsigned long long)f->error_code);
	if (expected)
		kprintf("%s (vector %llu), as expected: %s\n",
			exception_name((unsigned)f->vector),
			(unsigned long long)f->vector,
			cur.points[cur.depth].end->reason);
	else
		exception_report(f);
	resume_innermost(KTEST_END_EXCEPTION);
}

/* Tick hook: a case past its deadline is stopped where it is; what is left
 * of it (case_exit) gets one more budget.
 */
static void on_tick(struct int_frame *f)
{
	if (!cur.active || pit_ticks() < cur.deadline_tick)
		return;
	set_reason("still running after its time budget, stopped at 0x%llx",
		   (unsigned long long)f->rip);
	cur.deadline_tick = pit_ticks() + cur.budget_ticks;
	resume_innermost(KTEST_END_TIMEOUT);
}

void panic_halt(const char *message)
{
	if (cur.active) {
		cur.points[cur.depth].end->vector = KTEST_VECTOR_NONE;
		set_reason("%s", message);
		resume_innermost(KTEST_END_PANIC);
	}
	kprintf("ktest: kernel panic outside any test case; giving up\n");
	ktest_backend_exit(2);
}

struct run_call {
	struct ktest *t;
	struct ktest_end_info *end;
	void (*body)(struct ktest *t, struct ktest_end_info *end);
	void (*fn)(struct ktest *t);
};

static void run_body(void *arg)
{
	struct run_call *call = arg;

	irq_enable();
	call->body(call->t, call->end);
	cur.active = false;
	ktest_resume(cur.points[0].rsp);
}

void ktest_backend_run(struct ktest *t,
		       void (*body)(struct ktest *t, struct ktest_end_info *end),
		       unsigned timeout_ms, struct ktest_end_info *end)
{
	struct run_call call = { t, end, body, NULL };

	setup_guard();
	cur.t = t;
	cur.depth = 0;
	cur.points[0].end = end;
	cur.budget_ticks = ((uint64_t)timeout_ms * pit_hz() + 999) / 1000 + 1;
	cur.deadline_tick = pit_ticks() + cur.budget_ticks;
	irq_disable();
	cur.active = true;
	ktest_switch(&cur.points[0].rsp,
		     (uint64_t)case_stack + sizeof(case_stack), run_body, &call);
	irq_enable();
}

static void try_body(void *arg)
{
	struct run_call *call = arg;

	irq_enable();
	call->fn(call->t);
	call->end->how = KTEST_END_RETURNED;
	ktest_resume(cur.points[cur.depth].rsp);
}

enum ktest_end ktest_backend_try(struct ktest *t, void (*fn)(struct ktest *t),
				 struct ktest_end_info *end)
{
	struct run_call call = { t, end, NULL, fn };
	uint64_t here = (uint64_t)__builtin_frame_address(0);

	if (!cur.active || cur.depth == TRY_DEPTH)
		panic("ktest: try outside a case or nested too deep");
	end->reason[0] = '\0';
	cur.depth++;
	cur.points[cur.depth].end = end;
	irq_disable();
	ktest_switch(&cur.points[cur.depth].rsp,
		     (here - TRY_STACK_GAP) & ~15ull, try_body, &call);
	cur.depth--;
	irq_enable();
	return end->how;
}

void ktest_backend_abort(void)
{
	if (!cur.active || cur.depth == 0)
		panic("ktest: assertion failed outside a test case");
	cur.points[cur.depth].end->reason[0] = '\0';
	resume_innermost(KTEST_END_ABORTED);
}

void ktest_backend_write(const char *s, size_t n)
{
	console_write_serial(s, n);
}

int ktest_backend_vformat(char *buf, size_t len, const char *fmt, va_list ap)
{
	return kvsnprintf(buf, len, fmt, ap);
}

uint64_t ktest_backend_now_us(void)
{
	return tsc_micros();
}

const char *ktest_backend_cmdline(void)
{
	return boot_info->cmdline;
}

void ktest_backend_exit(int status)
{
	static const uint32_t codes[] = { EXIT_PASS, EXIT_FAIL, EXIT_ERROR };

	irq_disable();
	outl(DEBUG_EXIT_PORT, codes[status >= 0 && status <= 2 ? status : 2]);
	/* Still here: no isa-debug-exit device (real hardware). */
	kprintf("ktest: run finished with status %d; halting\n", status);
	cpu_stop();
}

void ktest_kernel_init(void)
{
	setup_guard();
	exception_set_hook(on_exception);
	pit_set_tick_hook(on_tick);
}

/* Weak so that the harness's deliberately broken images can replace the
 * whole runner (ktest/broken/).
 */
__attribute__((weak)) void kernel_run(const struct boot_info *bi)
{
	(void)bi;
	ktest_kernel_init();
	ktest_backend_exit(ktest_main());
}
