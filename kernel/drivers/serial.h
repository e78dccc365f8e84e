/* 16550 UART driver for COM1: polled output, received bytes on IRQ 4. */
#ifndef DRIVERS_SERIAL_H
#define DRIVERS_SERIAL_H

#include <stddef.h>
#include <stdint.h>

/* Program COM1 for 115200 8N1 with FIFOs. Call once, early. */
void serial_init(void);

/* Writes n bytes to COM1 as they are; polled. */
typedef void (*serial_write_fn)(const char *s, size_t n);

/*
 * COM1's output has one owner: the first call returns the function that
 * writes to the UART, every later call NULL. The owner serialises its
 * writes. The console claims it in the kernel image, the test runner in a
 * test image, so that everything else printed reaches COM1 only through
 * the owner's line discipline (docs/protocol.md).
 */
serial_write_fn serial_claim_output(void);

/* Called in interrupt context for every byte COM1 receives. */
typedef void (*serial_receive_fn)(uint8_t byte);

/* Take COM1's receive interrupt (IRQ 4) and hand each byte to on_byte;
 * NULL gives the interrupt back (and masks IRQ 4). Not in interrupt
 * context; after pic_init().
 */
void serial_set_receiver(serial_receive_fn on_byte);

#endif
