/* 16550 UART driver for COM1 (polled output). */
#ifndef DRIVERS_SERIAL_H
#define DRIVERS_SERIAL_H

#include <stddef.h>

/* Program COM1 for 115200 8N1 with FIFOs. Call once, early. */
void serial_init(void);

/* Write n bytes; "\n" goes out as is. Polled; callers serialise (console lock). */
void serial_write(const char *s, size_t n);

#endif
