/* ktest's kernel backend: what its files (backend.c, isolation.c) share.
 * Private to ktest/kernel/.
 */
#ifndef KTEST_KERNEL_BACKEND_H
#define KTEST_KERNEL_BACKEND_H

#include <stdint.h>

#include "ktest.h"

/* Every case runs on one stack of KTEST_STACK_SIZE bytes at the top of a
 * PML4 slot of its own (a page below its end): nothing else is mapped in the
 * 512 GiB below it, so no frame, however large, reaches the runner's state;
 * test images are built with -fstack-clash-protection, so a frame larger
 * than a page touches every page on its way down. */
#define KTEST_STACK_REGION 0xfffffe8000000000ull  /* PML4 slot 509 */
#define KTEST_STACK_TOP    0xfffffefffffff000ull
#define KTEST_STACK_SIZE   0x10000ull             /* 64 KiB */

/* Map the case stack; returns its top. Panics when out of memory. */
uint64_t ktest_case_stack_init(void);

/* Save the machine state cases must leave as they found it. Once, before
 * the first case, with the machine fully set up. */
void ktest_isolation_init(void);

/* A case body returned with RFLAGS other than a case gets (interrupts on,
 * direction, trap, alignment-check, nested-task flags off, IOPL 0). */
void ktest_backend_flags_changed(struct ktest *t, uint64_t flags);

#endif
