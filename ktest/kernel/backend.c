/* ktest kernel backend: runs each case body on a stack of its own, far from
 * everything else, catches the CPU exceptions, panics and overruns that
 * happen inside it, and ends the run through QEMU's isa-debug-exit device.
 * Implements ktest/backend.h; installs the kernel's test hooks
 * (test_hooks.h). The contract with the harness is docs/protocol.md.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/exception.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/tsc.h"
#include "backend.h"
#include "console.h"
#include "coverage/coverage.h"
#include "drivers/serial.h"
#include "init.h"
#include "kernel_backend.h"
#include "lib/printf.h"
#include "panic.h"
#include "san/kasan.h"
#include "test_hooks.h"

#define TRY_DEPTH         8       /* nested ktest_backend_try() calls */
#define TRY_STACK_GAP     128     /* below the caller's stack pointer */

/* A place to come back to: the runner (level 0) or a ktest_backend_try(). */
struct resume_point {
	uint64_t rsp;                    /* saved by ktest_switch() */
	struct ktest_end_info *end;      /* filled when we come back here */
};

static struct {
	volatile bool active;            /* a case body is on the case stack */
	uint64_t deadline_tick;          /* pit_ticks() after which it times out */
	uint64_t budget_ticks;
	struct ktest *t;
	struct resume_point points[1 + TRY_DEPTH];
	int depth;                       /* points[depth] is the innermost */
	bool abandoned;                  /* a resume left frames behind */
} cur;

static serial_write_fn serial_out;       /* COM1, claimed at console_ready */
static uint64_t case_stack_top;

/* context.asm: run fn(arg) on stack_top, saving the caller's callee-saved
 * registers and RFLAGS; ktest_resume() returns from it from anywhere. */
void ktest_switch(uint64_t *save_rsp, uint64_t stack_top,
		  void (*fn)(void *), void *arg);
__attribute__((noreturn)) void ktest_resume(uint64_t rsp);

/* ------------------------------------------------------------------------ */
/* Leaving a case from wherever it is. */

/* Go back to the innermost resume point with its end info filled. */
__attribute__((noreturn)) static void resume_innermost(enum ktest_end how)
{
	struct resume_point *p = &cur.points[cur.depth];

	p->end->how = how;
	if (cur.depth == 0)
		cur.active = false;
	cur.abandoned = true;
	console_break_lock();   /* a holder on the abandoned stack never returns */
	ktest_resume(p->rsp);
}

/* After a resume: the frames it left below `below` on the case stack, and
 * on the double fault's stack, keep the poison of their KASAN redzones, and
 * may have been inside a section without KASAN checks; clear both before
 * anything runs there again. */
static void forget_frames(uint64_t below)
{
	uint64_t bottom = case_stack_top - KTEST_STACK_SIZE, ist_lo, ist_hi;

	if (!cur.abandoned)
		return;
	cur.abandoned = false;
	kasan_enable_all();
	kasan_unpoison((const void *)bottom, below - bottom);
	gdt_ist_range(IST_DOUBLE_FAULT, &ist_lo, &ist_hi);
	kasan_unpoison((const void *)ist_lo, ist_hi - ist_lo);
}

__attribute__((format(printf, 1, 2)))
static void set_reason(const char *fmt, ...)
{
	struct ktest_end_info *end = cur.points[cur.depth].end;
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(end->reason, sizeof(end->reason), fmt, ap);
	va_end(ap);
}

/* In the unmapped space below the case stack. */
static bool in_stack_guard(uint64_t addr)
{
	return addr >= KTEST_STACK_REGION &&
	       addr < KTEST_STACK_TOP - KTEST_STACK_SIZE;
}

static void exception_reason(const struct int_frame *f)
{
	if (f->vector == EXC_DOUBLE_FAULT && in_stack_guard(read_cr2()))
		set_reason("stack overflow: the case stack's guard was hit at 0x%llx",
			   (unsigned long long)read_cr2());
	else if (f->vector == EXC_PAGE_FAULT && in_stack_guard(read_cr2()))
		set_reason("stack overflow: a frame jumped to 0x%llx, below the case stack",
			   (unsigned long long)read_cr2());
	else if (f->vector == EXC_PAGE_FAULT)
		set_reason("at 0x%llx, address 0x%llx, error code 0x%llx",
			   (unsigned long long)f->rip,
			   (unsigned long long)read_cr2(),
			   (unsigned long long)f->error_code);
	else
		set_reason("at 0x%llx, error code 0x%llx",
			   (unsigned long long)f->rip,
			   (unsigned long long)f->error_code);
}

/* A fault inside a case ends the stage it happened in. */
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
	exception_reason(f);
	if (expected)
		kprintf("%s (vector %llu), as expected: %s\n",
			exception_name((unsigned)f->vector),
			(unsigned long long)f->vector,
			cur.points[cur.depth].end->reason);
	else
		exception_report(f);
	resume_innermost(KTEST_END_EXCEPTION);
}

/* A case past its deadline is stopped where it is; what is left of it
 * (case_exit, the check) gets one more budget. */
static void on_tick(struct int_frame *f)
{
	if (!cur.active || pit_ticks() < cur.deadline_tick)
		return;
	set_reason("still running after its time budget, stopped at 0x%llx",
		   (unsigned long long)f->rip);
	cur.deadline_tick = pit_ticks() + cur.budget_ticks;
	resume_innermost(KTEST_END_TIMEOUT);
}

/* A sanitizer's report fails the case that made it (after Linux's
 * kunit_fail_current_test()); one that makes going on unsafe also ends the
 * stage it happened in, as an ASSERT does. */
static void on_bug(const char *what, bool fatal)
{
	ktest_bug(what);
	if (!fatal)
		return;
	if (cur.active && cur.depth > 0) {
		cur.points[cur.depth].end->reason[0] = '\0';
		resume_innermost(KTEST_END_ABORTED);
	}
	if (cur.active) {
		cur.points[0].end->vector = KTEST_VECTOR_NONE;
		set_reason("%s", what);
		resume_innermost(KTEST_END_PANIC);
	}
	ktest_say("%s: going on after this sanitizer report is unsafe",
		  KTEST_SAY_ERROR);
	ktest_backend_exit(KTEST_STATUS_ERROR);
}

static void on_panic(const char *message)
{
	if (cur.active) {
		cur.points[cur.depth].end->vector = KTEST_VECTOR_NONE;
		set_reason("%s", message);
		resume_innermost(KTEST_END_PANIC);
	}
	ktest_say("%s: kernel panic outside any case: %s", KTEST_SAY_ERROR,
		  message);
	ktest_backend_exit(KTEST_STATUS_ERROR);
}

/* ------------------------------------------------------------------------ */
/* Runs and tries. */

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

	coverage_mark(ktest_current_name());   /* coverage=case only */
	cur.t = t;
	cur.depth = 0;
	cur.points[0].end = end;
	cur.budget_ticks = ((uint64_t)timeout_ms * pit_hz() + 999) / 1000 + 1;
	cur.deadline_tick = pit_ticks() + cur.budget_ticks;
	irq_disable();
	cur.active = true;
	ktest_switch(&cur.points[0].rsp, case_stack_top, run_body, &call);
	forget_frames(case_stack_top);
	irq_enable();
	coverage_mark("");
}

/* RFLAGS bits a case must give back as it found them (IF on, the others
 * off), checked when it returns. */
#define RFLAGS_KEPT (RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | \
		     RFLAGS_NT | RFLAGS_IOPL)
#define RFLAGS_CASE RFLAGS_IF

static void try_body(void *arg)
{
	struct run_call *call = arg;
	uint64_t flags;

	irq_enable();
	call->fn(call->t);
	flags = read_rflags();
	call->end->how = KTEST_END_RETURNED;
	if ((flags & RFLAGS_KEPT) != RFLAGS_CASE)
		ktest_backend_flags_changed(call->t, flags);
	ktest_resume(cur.points[cur.depth].rsp);
}

enum ktest_end ktest_backend_try(struct ktest *t, void (*fn)(struct ktest *t),
				 struct ktest_end_info *end)
{
	struct run_call call = { t, end, NULL, fn };
	uint64_t below = (read_rsp() - TRY_STACK_GAP) & ~15ull;

	if (!cur.active || cur.depth == TRY_DEPTH)
		panic("ktest: try outside a case or nested too deep");
	end->reason[0] = '\0';
	cur.depth++;
	cur.points[cur.depth].end = end;
	irq_disable();
	ktest_switch(&cur.points[cur.depth].rsp,
		     below, try_body, &call);
	forget_frames(below);
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

/* A suite fixture runs isolated like a case, as a case that must return. */
static const struct ktest_suite fixture_suite = { .name = "fixture" };
static const struct ktest_case fixture_case = { .name = "fixture",
						 .suite = &fixture_suite };
static void (*fixture_fn)(struct ktest *t);

static void fixture_body(struct ktest *t, struct ktest_end_info *end)
{
	ktest_backend_try(t, fixture_fn, end);
}

enum ktest_end ktest_backend_fixture(void (*fn)(struct ktest *t),
				     unsigned timeout_ms,
				     struct ktest_end_info *end)
{
	struct ktest t = { .tcase = &fixture_case };

	fixture_fn = fn;
	*end = (struct ktest_end_info){ .how = KTEST_END_RETURNED };
	ktest_backend_run(&t, fixture_body, timeout_ms, end);
	return end->how;
}

/* ------------------------------------------------------------------------ */
/* Output, time, command line, exit. */

void ktest_backend_write(const char *s, size_t n)
{
	if (serial_out)
		serial_out(s, n);
}

uint64_t ktest_backend_lock(void)
{
	return irq_save();
}

void ktest_backend_unlock(uint64_t saved)
{
	irq_restore(saved);
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

const char *ktest_backend_vector_name(int vector)
{
	return exception_name((unsigned)vector);
}

void ktest_backend_exit(int status)
{
	static const uint32_t codes[] = { KTEST_EXIT_PASS, KTEST_EXIT_FAIL,
					  KTEST_EXIT_ERROR, KTEST_EXIT_RESTART };

	irq_disable();
	if (status < 0 || status > KTEST_STATUS_RESTART)
		status = KTEST_STATUS_ERROR;
	coverage_flush();
	outl(KTEST_EXIT_PORT, codes[status]);
	/* Still here: no isa-debug-exit device (real hardware). */
	ktest_say("run finished with status %d; halting", status);
	cpu_stop();
}

/* ------------------------------------------------------------------------ */
/* Fresh runs (ktest.fresh): words from COM1, then a parked machine. */

static struct {
	char *buf;
	size_t cap, len;
	bool too_long;
	volatile bool done;              /* the newline came */
} words_in;

/* COM1's receive interrupt: one byte of the line; '\r' is dropped, bytes
 * after the newline wait for a run that reads them (none does). */
static void on_word_byte(uint8_t byte)
{
	if (words_in.done || byte == '\r')
		return;
	if (byte == '\n')
		words_in.done = true;
	else if (words_in.len + 1 < words_in.cap)
		words_in.buf[words_in.len++] = (char)byte;
	else
		words_in.too_long = true;
}

long ktest_backend_read_words(char *buf, size_t cap)
{
	words_in.buf = buf;
	words_in.cap = cap;
	words_in.len = 0;
	words_in.too_long = false;
	words_in.done = false;
	serial_set_receiver(on_word_byte);
	irq_disable();
	while (!words_in.done) {
		irq_enable_and_halt();   /* a byte or a tick wakes it */
		irq_disable();
	}
	irq_enable();
	serial_set_receiver(NULL);       /* as the cases found it: no receiver */
	buf[words_in.len] = '\0';
	return words_in.too_long ? -1 : (long)words_in.len;
}

uint32_t *ktest_backend_sum(void)
{
	static uint32_t sum;

	return &sum;
}

void ktest_backend_park(int status)
{
	(void)status;   /* said on the "done" line */
	cpu_stop();
}

/* ------------------------------------------------------------------------ */
/* The hooks. */

static void on_console_ready(void)
{
	serial_out = serial_claim_output();
	ktest_start_output();
}

static void on_serial_text(const char *s, size_t n)
{
	ktest_text(s, n);
}

__attribute__((noreturn)) static void on_run(const struct boot_info *bi)
{
	(void)bi;
	case_stack_top = ktest_case_stack_init();
	ktest_isolation_init();
	ktest_backend_exit(ktest_main());
}

static const struct test_hooks ktest_hooks = {
	.console_ready = on_console_ready,
	.serial_text = on_serial_text,
	.exception = on_exception,
	.tick = on_tick,
	.panicked = on_panic,
	.bug = on_bug,
	.run = on_run,
};

TEST_HOOKS(ktest_hooks);
