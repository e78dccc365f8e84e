/* Intel 8259A programmable interrupt controllers, master and slave, remapped
 * so that IRQ 0-15 arrive on vectors 32-47 (8259A datasheet, ICW1-ICW4, OCW2/3).
 */
#include "arch/x86_64/pic.h"
#include "arch/x86_64/pic_registers.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "panic.h"

#define PIC1_CMD     0x20
#define PIC1_DATA    0x21
#define PIC2_CMD     0xa0
#define PIC2_DATA    0xa1

#define ICW1_INIT    0x10   /* initialization */
#define ICW1_ICW4    0x01   /* ICW4 follows */
#define ICW3_MASTER_HAS_SLAVE_ON_2 0x04
#define ICW3_SLAVE_ID 0x02
#define ICW4_8086    0x01   /* 8086 mode */
#define OCW2_EOI     0x20   /* non-specific end of interrupt */
#define OCW3_READ_IRR 0x0a  /* next read of the command port returns the IRR */
#define OCW3_READ_ISR 0x0b  /* next read of the command port returns the ISR */
#define OCW3_POLL    0x0c   /* next read acknowledges and returns the top IRQ */
#define POLL_IRQ_PENDING 0x80  /* poll byte: an IRQ was pending (bits 0-2 say which) */
#define POLL_LEVEL_MASK  0x07
#define MASK_ALL     0xff
#define LINES_PER_PIC 8

static irq_handler_fn handlers[IDT_IRQ_COUNT];
static uint64_t spurious;

void pic_init(void)
{
	outb(PIC1_CMD, ICW1_INIT | ICW1_ICW4);
	io_wait();
	outb(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
	io_wait();
	outb(PIC1_DATA, IDT_IRQ_BASE);
	io_wait();
	outb(PIC2_DATA, IDT_IRQ_BASE + 8);
	io_wait();
	outb(PIC1_DATA, ICW3_MASTER_HAS_SLAVE_ON_2);
	io_wait();
	outb(PIC2_DATA, ICW3_SLAVE_ID);
	io_wait();
	outb(PIC1_DATA, ICW4_8086);
	io_wait();
	outb(PIC2_DATA, ICW4_8086);
	io_wait();
	outb(PIC1_DATA, (uint8_t)~(1u << IRQ_CASCADE));
	outb(PIC2_DATA, MASK_ALL);
}

static void check_line(unsigned line)
{
	if (line >= IDT_IRQ_COUNT)
		panic("pic: no IRQ line %u", line);
}

static uint16_t data_port(unsigned line)
{
	return line < LINES_PER_PIC ? PIC1_DATA : PIC2_DATA;
}

/* Read-modify-write of a mask register, with interrupts off so that an
 * interrupt handler changing the same register cannot be lost.
 */
static void set_masked(unsigned line, int masked)
{
	uint16_t port = data_port(line);
	uint8_t bit = (uint8_t)(1u << (line % LINES_PER_PIC));
	uint64_t flags;

	check_line(line);
	flags = irq_save();
	outb(port, masked ? inb(port) | bit : inb(port) & (uint8_t)~bit);
	irq_restore(flags);
}

void pic_mask(unsigned line)
{
	set_masked(line, 1);
}

void pic_unmask(unsigned line)
{
	set_masked(line, 0);
}

uint16_t pic_get_mask(void)
{
	return (uint16_t)(inb(PIC2_DATA) << 8 | inb(PIC1_DATA));
}

static uint16_t read_register(uint8_t ocw3)
{
	outb(PIC1_CMD, ocw3);
	outb(PIC2_CMD, ocw3);
	return (uint16_t)(inb(PIC2_CMD) << 8 | inb(PIC1_CMD));
}

uint16_t pic_read_irr(void)
{
	return read_register(OCW3_READ_IRR);
}

uint16_t pic_read_isr(void)
{
	return read_register(OCW3_READ_ISR);
}

int pic_poll(void)
{
	uint8_t v;

	outb(PIC1_CMD, OCW3_POLL);
	v = inb(PIC1_CMD);
	return v & POLL_IRQ_PENDING ? v & POLL_LEVEL_MASK : -1;
}

void pic_send_eoi(unsigned line)
{
	if (line >= LINES_PER_PIC)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}

void irq_set_handler(unsigned line, irq_handler_fn handler)
{
	uint64_t flags;

	check_line(line);
	flags = irq_save();
	handlers[line] = handler;
	if (handler)
		pic_unmask(line);
	else
		pic_mask(line);
	irq_restore(flags);
}

uint64_t pic_spurious_count(void)
{
	return spurious;
}

/* A line-7/15 interrupt with its in-service bit clear was spurious. */
static int is_spurious(unsigned line)
{
	uint16_t cmd = line == IRQ_SPURIOUS_MASTER ? PIC1_CMD : PIC2_CMD;

	if (line != IRQ_SPURIOUS_MASTER && line != IRQ_SPURIOUS_SLAVE)
		return 0;
	outb(cmd, OCW3_READ_ISR);
	if (inb(cmd) & (1u << (line % LINES_PER_PIC)))
		return 0;
	spurious++;
	if (line == IRQ_SPURIOUS_SLAVE)
		outb(PIC1_CMD, OCW2_EOI);   /* the master did see the cascade */
	return 1;
}

void pic_handle_irq(struct int_frame *frame)
{
	unsigned line = (unsigned)frame->vector - IDT_IRQ_BASE;

	if (is_spurious(line))
		return;
	/* Acknowledge first: a handler may never return here (a test case
	 * ended by its timeout), and the line must not stay blocked.
	 */
	pic_send_eoi(line);
	if (handlers[line])
		handlers[line](frame);
}

irq_handler_fn irq_get_handler(unsigned line)
{
	check_line(line);
	return handlers[line];
}
