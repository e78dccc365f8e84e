/* The 8259A PICs' registers and counters beyond what drivers need (8259A
 * datasheet, OCW3): for pic.c's tests and for diagnostics. Drivers include
 * arch/x86_64/pic.h only.
 */
#ifndef ARCH_X86_64_PIC_REGISTERS_H
#define ARCH_X86_64_PIC_REGISTERS_H

#include <stdint.h>

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

/* Spurious interrupts seen on lines 7 and 15 (not acknowledged), for tests. */
uint64_t pic_spurious_count(void);

#endif
