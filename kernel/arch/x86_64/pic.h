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

/* Mask / unmask one line (0-15) in the PICs' interrupt mask registers. Safe
 * in any context. Panics on a line above 15.
 */
void pic_mask(unsigned line);
void pic_unmask(unsigned line);

/* The interrupt mask registers, slave in bits 8-15: a set bit is masked. */
uint16_t pic_get_mask(void);

/* The interrupt request (pending) and in-service registers, slave in bits
 * 8-15 (8259A OCW3). Safe with interrupts off; for diagnostics and tests.
 */
uint16_t pic_read_irr(void);
uint16_t pic_read_isr(void);

/* Polled mode (8259A OCW3 poll command): acknowledge the master's highest
 * priority pending line as an INTA cycle would, setting its in-service bit,
 * without interrupting the CPU. Returns the line (0-7), or -1 if none was
 * pending. Call with interrupts off; the caller owes the line an EOI.
 */
int pic_poll(void);

/* Acknowledge line; the slave too for lines 8-15. */
void pic_send_eoi(unsigned line);

/* Spurious interrupts seen on lines 7 and 15 (not acknowledged), for tests. */
uint64_t pic_spurious_count(void);

/* From interrupt_dispatch for vectors 32-47: spurious check, handler, EOI. */
void pic_handle_irq(struct int_frame *frame);

#endif
