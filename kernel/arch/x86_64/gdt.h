/* Global descriptor table and task state segment (Intel SDM vol 3, 3.4, 8.7). */
#ifndef ARCH_X86_64_GDT_H
#define ARCH_X86_64_GDT_H

#include <stdint.h>

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_TSS         0x18

/* Interrupt stack table slots (1-based as the IDT gate stores them). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI          2
#define IST_MACHINE_CHECK 3

/* Load the GDT, reload the segment registers, load the TSS. */
void gdt_init(void);

/* The [bottom, top) range of IST stack slot ist, for diagnostics and tests. */
void gdt_ist_range(int ist, uint64_t *bottom, uint64_t *top);

#endif
