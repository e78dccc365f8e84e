/* Interrupt descriptor table and the C side of interrupt entry. */
#ifndef ARCH_X86_64_IDT_H
#define ARCH_X86_64_IDT_H

#include "arch/x86_64/arch.h"

#define IDT_EXCEPTIONS   32     /* vectors 0-31 are CPU exceptions */
#define IDT_IRQ_BASE     32     /* the PICs are remapped to 32-47 */
#define IDT_IRQ_COUNT    16

/* Fill and load the IDT: exceptions (double fault, NMI, machine check on IST
 * stacks) and the 16 PIC lines.
 */
void idt_init(void);

/* Called by isr.asm for every interrupt, with interrupts disabled. */
void interrupt_dispatch(struct int_frame *frame);

#endif
