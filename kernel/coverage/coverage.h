/* Code coverage of the kernel inside QEMU (-Db_coverage=true): the counters
 * the compiler's instrumentation keeps, written out on the coverage channel
 * (coverage_stream.h) for the harness to merge into .gcda files. Without
 * coverage (KERNEL_COVERAGE undefined) every call here is an empty inline.
 */
#ifndef COVERAGE_COVERAGE_H
#define COVERAGE_COVERAGE_H

#ifdef KERNEL_COVERAGE

/* First thing in kmain(): registers every instrumented object (runs the
 * compiler's constructors) and reads `coverage=case` from the command line. */
void coverage_init(const char *cmdline);

/* With `coverage=case` only: writes the counters gathered since the last
 * mark as a dump labelled with that mark's name ("" before the first),
 * zeroes them, and names what runs next. Interrupts are off meanwhile. */
void coverage_mark(const char *name);

/* At the end of a run: writes the counters not yet written (all of them
 * without `coverage=case`). Nothing happens without the channel's device. */
void coverage_flush(void);

#else

static inline void coverage_init(const char *cmdline) { (void)cmdline; }
static inline void coverage_mark(const char *name) { (void)name; }
static inline void coverage_flush(void) { }

#endif /* KERNEL_COVERAGE */

#endif /* COVERAGE_COVERAGE_H */
