/* Sanitizer reports (KASAN, UBSan): printed one at a time on the console,
 * then handed to a test runner through the `bug` test hook (test_hooks.h),
 * as Linux's kunit_fail_current_test() does for KUnit. Private to kernel/san/
 * and mm/heap_kasan.c.
 */
#ifndef SAN_REPORT_H
#define SAN_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SAN_WHAT_MAX 256          /* a report's one-line summary */
#define SAN_TRACE_DEPTH 8         /* return addresses kept per stack trace */

/*
 * Start a report about location (the pc or the source location it is
 * about): masks interrupts and breaks a console lock this CPU holds.
 * Returns false, with nothing started, when the report must not be printed:
 * another report is being printed (a bug found while reporting is dropped;
 * KASAN checks nothing meanwhile), or this location was already reported
 * since san_reports_reset() (fatal reports are always printed).
 */
bool san_report_begin(const void *location, bool fatal, uint64_t *flags);

/* End it: restore interrupts and tell the test runner (the `bug` hook), or,
 * in an image without one, panic if the kind is fatal. what: one line
 * naming the report; NULL when the caller panics itself right after (a bad
 * kfree), so the panic alone decides the verdict. Does not return when
 * fatal. */
void san_report_end(uint64_t flags, const char *what, bool fatal);

/* A source path as the compiler recorded it, without the leading "../" of
 * a build directory. */
const char *san_path(const char *file);

/* Print "  #i 0x... symbol+0x..." for each of n return addresses. */
void san_print_trace(const uint64_t *pcs, int n);

/* Save up to SAN_TRACE_DEPTH return addresses by walking frame pointers
 * from frame (a __builtin_frame_address() value), as far as the stack it
 * lies on is readable; returns how many. */
int san_trace_collect(const void *frame, uint64_t *pcs);

/* Print the backtrace of the report's context: the pc it is about, then
 * the callers from frame, the frame of the function that pc lies in. */
void san_print_backtrace(uint64_t pc, const void *frame);

#endif
