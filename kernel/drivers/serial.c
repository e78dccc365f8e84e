/* 16550 UART on COM1 (I/O port 0x3f8), 115200 8N1, transmit FIFO used in
 * bursts: when the line status says the FIFO is empty, up to 16 bytes go out
 * with one `rep outsb`, so the output path costs one status read per 16 bytes.
 */
#include "drivers/serial.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pic.h"

#define COM1            0x3f8
#define UART_THR        0       /* transmit holding register */
#define UART_RBR        0       /* receive buffer register */
#define UART_IER        1       /* interrupt enable */
#define UART_DLL        0       /* divisor latch low (DLAB=1) */
#define UART_DLM        1       /* divisor latch high (DLAB=1) */
#define UART_FCR        2       /* FIFO control */
#define UART_LCR        3       /* line control */
#define UART_MCR        4       /* modem control */
#define UART_LSR        5       /* line status */

#define LCR_DLAB        0x80
#define LCR_8N1         0x03
#define FCR_ENABLE_CLEAR 0xc7   /* enable, clear both FIFOs, 14-byte trigger */
#define MCR_DTR_RTS     0x03
#define LSR_THRE        0x20    /* transmit FIFO empty */
#define LSR_DATA_READY  0x01    /* a received byte waits in RBR */
#define IER_RECEIVED    0x01    /* interrupt when data is received */
#define MCR_OUT2        0x08    /* gates the UART's interrupt to the PIC */
#define RECEIVE_BURST   16      /* bytes one interrupt takes at most */
#define UART_FIFO_SIZE  16
#define BAUD_DIVISOR    1       /* 115200 / 115200 */
#define THRE_SPIN_LIMIT 1000000 /* give up on a dead UART */

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, BAUD_DIVISOR & 0xff);
	outb(COM1 + UART_DLM, BAUD_DIVISOR >> 8);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
}

/* Wait until the transmit FIFO is empty; false if it never empties. */
static int wait_fifo_empty(void)
{
	for (uint32_t i = 0; i < THRE_SPIN_LIMIT; i++) {
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			return 1;
		cpu_pause();
	}
	return 0;
}

static void serial_write(const char *s, size_t n)
{
	while (n > 0) {
		size_t burst = n < UART_FIFO_SIZE ? n : UART_FIFO_SIZE;

		if (!wait_fifo_empty())
			return;
		outsb(COM1 + UART_THR, s, burst);
		s += burst;
		n -= burst;
	}
}

serial_write_fn serial_claim_output(void)
{
	static bool claimed;

	if (claimed)
		return NULL;
	claimed = true;
	return serial_write;
}

static serial_receive_fn receiver;

/* IRQ 4: take every byte the receive FIFO holds. */
static void on_receive(struct int_frame *frame)
{
	(void)frame;
	for (int i = 0; i < RECEIVE_BURST && (inb(COM1 + UART_LSR) & LSR_DATA_READY); i++) {
		uint8_t byte = inb(COM1 + UART_RBR);

		if (receiver)
			receiver(byte);
	}
}

void serial_set_receiver(serial_receive_fn on_byte)
{
	uint64_t flags = irq_save();

	receiver = on_byte;
	outb(COM1 + UART_IER, on_byte ? IER_RECEIVED : 0);
	outb(COM1 + UART_MCR, MCR_DTR_RTS | (on_byte ? MCR_OUT2 : 0));
	irq_set_handler(IRQ_COM1, on_byte ? on_receive : NULL);
	irq_restore(flags);
}
