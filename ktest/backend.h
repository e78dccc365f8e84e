/* ktest backend interface: what the portable runner (ktest/core/) needs from
 * the place it runs in, and what it offers back. ktest/kernel/ implements it
 * inside a test image, ktest/host/ for native executables. Private to ktest.
 *
 * How a case runs: the core calls ktest_backend_run() once per case (and per
 * parameter); the body it passes runs case_init, the case, case_exit and the
 * check of what the case left behind, each inside ktest_backend_try(), so
 * that an ASSERT (ktest_backend_abort()) ends only the stage it happened in.
 */
#ifndef KTEST_BACKEND_H
#define KTEST_BACKEND_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktest.h"
#include "ktest_protocol.h"

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

/* ------------------------------------------------------------------------ */
/* Implemented by each backend. */

/* Write bytes to the test output (COM1 or stdout) as they are. Only the
 * core's output module (ktest/core/out.c) calls it, inside
 * ktest_backend_lock(). */
void ktest_backend_write(const char *s, size_t n);

/* Where the output's running sum lives (docs/protocol.md, "Sums"): memory
 * every writer of the output shares (the host backend's case processes
 * write it too). */
uint32_t *ktest_backend_sum(void);

/* Make the output module's work atomic against kernel text printed from
 * an interrupt: returns what ktest_backend_unlock() restores. */
uint64_t ktest_backend_lock(void);
void ktest_backend_unlock(uint64_t saved);

/* Format into buf like vsnprintf; returns the would-be length. */
int ktest_backend_vformat(char *buf, size_t len, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Monotonic time in microseconds. */
uint64_t ktest_backend_now_us(void);

/* The command line words (docs/protocol.md); never NULL; valid until
 * ktest_main() returns. */
const char *ktest_backend_cmdline(void);

/* Name of x86 exception @vector ("page fault"); "interrupt" for 32..255. */
const char *ktest_backend_vector_name(int vector);

/*
 * Run body(t, end) isolated from the runner, with a budget of timeout_ms.
 * body fills *end itself (how the case body ended) and returns normally.
 * When the backend has to cut body short (a fault, panic or stack overflow
 * it cannot resume from inside a ktest_backend_try(), or a run past the
 * budget) it fills *end itself (how, vector, a one-line reason) and returns.
 * body may be given a copy of *t and *end (the host runs it in a child
 * process); the backend copies both back before returning.
 */
void ktest_backend_run(struct ktest *t,
		       void (*body)(struct ktest *t, struct ktest_end_info *end),
		       unsigned timeout_ms, struct ktest_end_info *end);

/*
 * Inside ktest_backend_run()'s body: call fn(t) and come back here when it
 * returns (KTEST_END_RETURNED) or calls ktest_backend_abort()
 * (KTEST_END_ABORTED). A backend that can recover from a fault, a panic or
 * a timeout in fn does so here, fills *end and returns its kind. Whatever
 * it returns is also stored in end->how. Tries nest; ktest_backend_abort()
 * ends the innermost one.
 */
enum ktest_end ktest_backend_try(struct ktest *t, void (*fn)(struct ktest *t),
				 struct ktest_end_info *end);

/* Run a suite's init or exit fixture in the runner (not in a case's
 * isolation: what it sets up must last for the suite's cases), catching the
 * faults, panics, ASSERTs and overruns the backend can. Returns how it
 * ended, also in *end. */
enum ktest_end ktest_backend_fixture(void (*fn)(struct ktest *t),
				     unsigned timeout_ms,
				     struct ktest_end_info *end);

/* Leave fn of the innermost ktest_backend_try() now (ASSERT failures,
 * KTEST_FAIL and skips). */
__attribute__((noreturn)) void ktest_backend_abort(void);

/* Before a case's case_init (in the runner): remember the state a case can
 * change and must give back. */
void ktest_backend_case_start(const struct ktest *t);

/* After its case_exit, inside a ktest_backend_try() of the case: report
 * through ktest_leftover() everything the case left changed, and restore
 * what can be restored. Returns false when the machine is no longer fit to
 * run another case (then the run stops and asks for a restart). */
bool ktest_backend_case_check(struct ktest *t);

/* End the run with a KTEST_STATUS_* value. */
__attribute__((noreturn)) void ktest_backend_exit(int status);

/* ktest.fresh: wait for the harness's next line of command line words (on
 * COM1; on the host, stdin) and store it in buf without its newline,
 * NUL-terminated. Returns its length, or -1 when it did not fit in cap
 * bytes (the rest of the line is dropped). Called from the runner, with
 * interrupts on. */
long ktest_backend_read_words(char *buf, size_t cap);

/* ktest.fresh: a run's last line is out; stay here until the harness
 * restores the machine's saved state (the kernel halts), or end with
 * status (the host exits). */
__attribute__((noreturn)) void ktest_backend_park(int status);

/* ------------------------------------------------------------------------ */
/* Implemented by the core for the backends. */

/* The KTAP version line, once, as the first output of the run. */
void ktest_start_output(void);

/* The full name of the result being run (suite.case or suite.case[param]);
 * "" outside a case. */
const char *ktest_current_name(void);

/* Runs the selected cases; returns a KTEST_STATUS_* value. */
int ktest_main(void);

/* Text printed by anything but ktest (kernel messages, a case's kprintf, a
 * host case's stdout): goes out as "# | " diagnostics of the case running,
 * escaped, whatever bytes it holds (docs/protocol.md, "Output"). */
void ktest_text(const char *s, size_t n);

/* A "# ktest: ..." line from the runner (the backend's own news). */
void ktest_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A sanitizer found a bug (the backend saw its report): inside a case,
 * prints what as the case's diagnostic and fails the case, which goes on
 * as after an EXPECT; outside any case, a "# ktest: error:" line and an
 * error of the run. */
void ktest_bug(const char *what);

/* In ktest_backend_case_check(): the case left something changed. Prints
 * it as the case's diagnostic and fails the case. */
void ktest_leftover(struct ktest *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* KTEST_BACKEND_H */
