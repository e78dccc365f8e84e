/* Two cascaded 8259A PICs remapped to vectors 32-47. */
#ifndef ARCH_X86_64_PIC_H
#define ARCH_X86_64_PIC_H

#include <stdint.h>

#include "arch/x86_64/arch.h"

#define IRQ_TIMER     0
#define IRQ_KEYBOARD  1
#define IRQ_CASCADE   2
#define IRQ_COM1      4
#define IRQ_SPURIOUS_MASTER 7
#define IRQ_SPURIOUS_SLAVE  15

typedef void (*irq_handler_fn)(struct int_frame *frame);

/* Remap both PICs to 32-47 and mask every line (the cascade stays open). */
void pic_init(void);

/* Route IRQ line (0-15) to handler (NULL to remove) and unmask or mask it.
 * The handler runs in interrupt context, interrupts off, after the EOI.
 * Panics on a line above 15.
 */
void irq_set_handler(unsigned line, irq_handler_fn handler);

/* The handler of IRQ line (0-15), NULL if none. Panics above 15. */
irq_handler_fn irq_get_handler(unsigned line);

/* Mask / unmask one line (0-15) in the PICs' interrupt mask registers. Safe
 * in any context. Panics on a line above 15.
 */
void pic_mask(unsigned line);
void pic_unmask(unsigned line);

/* The interrupt mask registers, slave in bits 8-15: a set bit is masked. */
uint16_t pic_get_mask(void);

/* Acknowledge line; the slave too for lines 8-15. */
void pic_send_eoi(unsigned line);

/* From interrupt_dispatch for vectors 32-47: spurious check, handler, EOI. */
void pic_handle_irq(struct int_frame *frame);

#endif
