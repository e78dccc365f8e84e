/* Code coverage of the kernel inside QEMU (-Db_coverage=true): the counters
 * the compiler's instrumentation keeps, written out on the coverage channel
 * (coverage_stream.h) for the harness to merge into .gcda files. Without
 * coverage (KERNEL_COVERAGE undefined) every call here compiles to nothing.
 */
#ifndef COVERAGE_COVERAGE_H
#define COVERAGE_COVERAGE_H

#ifdef KERNEL_COVERAGE

/* In kmain(), once the console is up: finds the channel and reads
 * `coverage=case` from the command line. The instrumented objects register
 * when kmain runs the compiler's constructors (a layout the runtime does not
 * know panics then); counting needs no registration: what ran before is
 * counted too. */
void coverage_init(const char *cmdline);

/* With `coverage=case` only: writes the counters gathered since the last
 * mark as a dump labelled with that mark's name ("" before the first),
 * zeroes them, and names what runs next. Interrupts are off meanwhile. */
void coverage_mark(const char *name);

/* At the end of a run: writes the counters not yet written (all of them
 * without `coverage=case`). Nothing happens without the channel's device. */
void coverage_flush(void);

#else

/* Macros, so that not even the arguments are evaluated. */
#define coverage_init(cmdline) ((void)0)
#define coverage_mark(name) ((void)0)
#define coverage_flush() ((void)0)

#endif /* KERNEL_COVERAGE */

#endif /* COVERAGE_COVERAGE_H */
