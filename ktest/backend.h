/* ktest backend interface: what the portable runner (core.c) needs from the
 * place it runs in. kernel.c implements it inside a test image; host.c
 * implements it for native executables. Private to ktest/.
 *
 * How a case runs: core calls ktest_backend_run() once per case (and per
 * parameter); the body it passes runs case_init, the case and case_exit, each
 * inside ktest_backend_try(), so that an ASSERT (ktest_backend_abort()) ends
 * only the stage it happened in and case_exit still runs.
 */
#ifndef KTEST_BACKEND_H
#define KTEST_BACKEND_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "ktest.h"

/* How a case body ended, as seen by the backend. */
enum ktest_end {
	KTEST_END_RETURNED,   /* body returned */
	KTEST_END_ABORTED,    /* ktest_backend_abort() was called (ASSERT, skip) */
	KTEST_END_EXCEPTION,  /* CPU exception (or a host signal) in the case */
	KTEST_END_PANIC,      /* panic() in the case */
	KTEST_END_TIMEOUT,    /* ran past its budget */
};

/* No CPU exception: a host signal without an x86 counterpart, or a case
 * process that exited on its own (a sanitizer report, exit()). */
#define KTEST_VECTOR_NONE (-1)

struct ktest_end_info {
	enum ktest_end how;
	int vector;           /* KTEST_END_EXCEPTION: x86 vector 0..255 or -1 */
	char reason[160];     /* one line: panic message, exception name, ... */
};

/* Write raw bytes to the test output (COM1 or stdout). core passes one whole
 * line ending in '\n' per call; keep it whole (no interleaving mid-line). */
void ktest_backend_write(const char *s, size_t n);

/* Format into buf like vsnprintf; returns the would-be length. core uses it
 * only for the printf-style messages of the test API (KTEST_SKIP, *_MSG,
 * ktest_log, KTEST_FAIL); it formats numbers itself. */
int ktest_backend_vformat(char *buf, size_t len, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Monotonic time in microseconds. */
uint64_t ktest_backend_now_us(void);

/* The command line words (see docs/protocol.md); never NULL; must stay valid
 * until ktest_main() returns. */
const char *ktest_backend_cmdline(void);

/*
 * Run body(t, end) isolated from the runner, with a budget of timeout_ms.
 * body fills *end itself (how the case body ended) and returns normally.
 * When the backend has to cut body short — a fault, panic or stack overflow
 * it cannot resume from inside a ktest_backend_try(), or a run past the
 * budget — it fills *end itself (how, vector, a one-line reason) and returns.
 * body may be given a copy of *t and *end (the host runs it in a child
 * process, on shared memory); the backend copies both back before returning.
 * Reports for faults are printed by the backend as `#` lines through
 * ktest_log().
 */
void ktest_backend_run(struct ktest *t,
		       void (*body)(struct ktest *t, struct ktest_end_info *end),
		       unsigned timeout_ms, struct ktest_end_info *end);

/*
 * Inside ktest_backend_run()'s body: call fn(t) and come back here when it
 * returns (KTEST_END_RETURNED) or calls ktest_backend_abort()
 * (KTEST_END_ABORTED). A backend that can recover from a fault, a panic or a
 * timeout in fn does so here, fills *end and returns its kind; the kernel
 * should, so that case_exit runs after an expected fault. Whatever it
 * returns is also stored in end->how (end->reason is "" for RETURNED and
 * ABORTED). Tries nest; ktest_backend_abort() ends the innermost one.
 */
enum ktest_end ktest_backend_try(struct ktest *t, void (*fn)(struct ktest *t),
				 struct ktest_end_info *end);

/* Leave fn of the innermost ktest_backend_try() now (called by core for
 * ASSERT failures, KTEST_FAIL and skips). */
__attribute__((noreturn)) void ktest_backend_abort(void);

/* End the run: status 0 all passed or skipped, 1 a failure, 2 an error. */
__attribute__((noreturn)) void ktest_backend_exit(int status);

/* Runs the selected cases; returns the exit status for ktest_backend_exit. */
int ktest_main(void);

/* What a line printed by someone else (a kernel log message) must start
 * with to be a KTAP diagnostic where the output stands: "# " at the top
 * level, "    # " inside a suite's subtest. Implemented by core. */
const char *ktest_diag_prefix(void);

/* Name of x86 exception @vector ("page fault"); "interrupt" for 32..255,
 * "unknown" otherwise. Implemented by core for the backends' reports. */
const char *ktest_vector_name(int vector);

#endif /* KTEST_BACKEND_H */
