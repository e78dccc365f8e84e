/* x86-64 bring-up: what kmain() calls, and the interrupt frame. */
#ifndef ARCH_X86_64_ARCH_H
#define ARCH_X86_64_ARCH_H

#include <stdint.h>

#include "boot_info.h"

/* GDT + TSS, IDT, PICs and PIT; leaves interrupts enabled. */
void arch_init(const struct boot_info *bi);

/* Reset the machine: the 8042 keyboard controller's reset line, else a
 * triple fault. Never returns. */
__attribute__((noreturn)) void arch_reboot(void);

/* Registers saved by the interrupt entry stubs (isr.asm), lowest address first. */
struct int_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;     /* pushed by the CPU */
};

_Static_assert(sizeof(struct int_frame) == 22 * 8, "int_frame layout");

#endif
