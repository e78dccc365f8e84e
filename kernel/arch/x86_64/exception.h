/* CPU exceptions 0-31: reports and the hook a test runner can install. */
#ifndef ARCH_X86_64_EXCEPTION_H
#define ARCH_X86_64_EXCEPTION_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/arch.h"

#define EXC_DIVIDE_ERROR    0
#define EXC_DEBUG           1
#define EXC_NMI             2
#define EXC_BREAKPOINT      3
#define EXC_OVERFLOW        4
#define EXC_BOUND_RANGE     5
#define EXC_INVALID_OPCODE  6
#define EXC_DEVICE_NA       7
#define EXC_DOUBLE_FAULT    8
#define EXC_INVALID_TSS     10
#define EXC_SEGMENT_NP      11
#define EXC_STACK_FAULT     12
#define EXC_GENERAL_PROTECTION 13
#define EXC_PAGE_FAULT      14
#define EXC_X87_FP          16
#define EXC_ALIGNMENT_CHECK 17
#define EXC_MACHINE_CHECK   18
#define EXC_SIMD_FP         19

/* Page-fault error code bits (Intel SDM vol 3, 4.7). */
#define PF_PRESENT          (1u << 0)
#define PF_WRITE            (1u << 1)
#define PF_USER             (1u << 2)
#define PF_RESERVED         (1u << 3)
#define PF_FETCH            (1u << 4)

/* "page fault" etc.; "reserved" for unnamed vectors. */
const char *exception_name(unsigned vector);

/* Print the full report: name, vector, decoded error code, CR2 for page
 * faults, RIP/RSP/RFLAGS, registers and a symbolized backtrace. Takes no lock
 * it could deadlock on (the console lock is interrupt-safe).
 */
void exception_report(const struct int_frame *frame);

/* Called first for every exception. Returns true if it dealt with it (and
 * then it may never return at all, e.g. to end a test case).
 */
typedef bool (*exception_hook_fn)(struct int_frame *frame);
void exception_set_hook(exception_hook_fn hook);

/* The C handler for vectors 0-31 (from interrupt_dispatch). */
void exception_handle(struct int_frame *frame);

#endif
