/* CPU exceptions 0-31 (Intel SDM vol 3, chapter 6): decoded reports and a
 * record of the last one; a test runner sees each first (test_hooks.h).
 */
#ifndef ARCH_X86_64_EXCEPTION_H
#define ARCH_X86_64_EXCEPTION_H

#include <stdbool.h>
#include <stddef.h>
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
#define EXC_VIRTUALIZATION  20
#define EXC_CONTROL_PROTECTION 21
#define EXC_VMM_COMMUNICATION 29
#define EXC_SECURITY        30
#define EXC_COUNT           32

/* Page-fault error code bits (Intel SDM vol 3, 4.7). */
#define PF_PRESENT          (1u << 0)
#define PF_WRITE            (1u << 1)
#define PF_USER             (1u << 2)
#define PF_RESERVED         (1u << 3)
#define PF_FETCH            (1u << 4)
#define PF_PROTECTION_KEY   (1u << 5)
#define PF_SHADOW_STACK     (1u << 6)

/* Selector error code of #TS, #NP, #SS, #GP (Intel SDM vol 3, 6.13): the
 * descriptor at fault; 0 when no descriptor was involved.
 */
#define SELERR_EXTERNAL     (1u << 0)   /* EXT: during delivery of an external event */
#define SELERR_IDT          (1u << 1)   /* the index is an IDT vector */
#define SELERR_LDT          (1u << 2)   /* TI: the index is in the LDT, not the GDT */
#define SELERR_INDEX_SHIFT  3
#define SELERR_SELECTOR_MASK 0xffffu   /* the selector; the upper bits are reserved */

/* The last exception taken, whatever happened to it next (ktest ends the
 * case it was in, so this is how a test reads the error code afterwards).
 */
struct exception_record {
	uint64_t count;        /* exceptions taken since boot, this one included */
	uint64_t vector;
	uint64_t error_code;   /* 0 for vectors that push none */
	uint64_t cr2;          /* faulting address for page faults, else 0 */
	uint64_t rip;
};

/* "page fault" etc.; "reserved" for unnamed vectors 0-31, "interrupt" for
 * 32-255 and "unknown" beyond. The one table of exception names. */
const char *exception_name(unsigned vector);

/* True for the vectors whose frame carries a CPU-pushed error code. */
bool exception_has_error_code(unsigned vector);

/* Describe error code @error of exception @vector in words, e.g.
 * "protection violation, write, kernel mode" for a page fault or
 * "GDT selector 0x28 (index 5)" for a #GP; "" for vectors without an error
 * code. Returns the length as snprintf does. Pure: safe in any context.
 */
int exception_decode_error(unsigned vector, uint64_t error, char *buf,
			   size_t len);

/* Print the full report: name, vector, decoded error code, CR2 for page
 * faults, RIP/RSP/RFLAGS, registers and a symbolized backtrace. Only for an
 * exception the interrupted code will not resume from: cli does not mask
 * exceptions, so that code may hold the console lock, and the report takes
 * the lock over rather than deadlock on it.
 */
void exception_report(const struct int_frame *frame);

/* Copy the record of the last exception taken (all zero before the first).
 * Safe in any context.
 */
void exception_last(struct exception_record *out);

/* The C handler for vectors 0-31 (from interrupt_dispatch). */
void exception_handle(struct int_frame *frame);

#endif
