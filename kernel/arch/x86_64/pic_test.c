/* Tests for the 8259A PIC driver (arch/x86_64/pic): mask register updates,
 * IRQ routing to handlers, and spurious IRQ 7/15 detection, observed through
 * the PICs' own IMR, IRR and ISR (8259A datasheet, OCW1-OCW3).
 */
#include "ktest.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/pic_registers.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/tsc.h"

#define FREE_MASTER_LINE 5          /* LPT2 / sound: nothing uses it here */
#define FREE_SLAVE_LINE  11
#define WAIT_US          100000     /* for a timer tick to be pending */
#define MASKED_WAIT_US   20000
#define SLAVE_LINES      0xff00u    /* lines 8-15 in IMR/IRR/ISR words */
#define FIRST_SLAVE_LINE 8

/* Inline assembly outside cpu.h: INT n with a constant vector is only ever
 * needed to fake an interrupt in these tests.
 */
#define RAISE_VECTOR(v) __asm__ volatile("int %0" : : "i"(v) : "memory")

static uint16_t saved_mask;

static int save_mask(struct ktest *t)
{
	(void)t;
	saved_mask = pic_get_mask();
	return 0;
}

/* Put every line back as it was, whatever the case did, and acknowledge
 * what a failed case left in service (no interrupt handler is running).
 */
static void restore_mask(struct ktest *t)
{
	(void)t;
	for (unsigned i = 0; i < IDT_IRQ_COUNT && pic_read_isr(); i++)
		pic_send_eoi(pic_read_isr() & SLAVE_LINES ? FIRST_SLAVE_LINE : 0);
	for (unsigned line = 0; line < IDT_IRQ_COUNT; line++) {
		if (saved_mask & (1u << line))
			pic_mask(line);
		else
			pic_unmask(line);
	}
	irq_enable();
}

KTEST_SUITE(pic, .case_init = save_mask, .case_exit = restore_mask);

static void check_toggle(unsigned line)
{
	uint16_t bit = (uint16_t)(1u << line), before = pic_get_mask();

	pic_unmask(line);
	EXPECT_EQ_MSG(before & ~bit, pic_get_mask(), "line %u unmasked", line);
	pic_mask(line);
	EXPECT_EQ_MSG(before | bit, pic_get_mask(), "line %u masked", line);
}

KTEST(pic, mask_and_unmask_change_imr)
{
	check_toggle(FREE_MASTER_LINE);
	check_toggle(FREE_SLAVE_LINE);
	EXPECT_EQ(0, pic_get_mask() & (1u << IRQ_CASCADE));   /* cascade open */
	EXPECT_EQ(0, pic_get_mask() & (1u << IRQ_TIMER));
}

KTEST(pic, masked_timer_does_not_tick)
{
	uint64_t t0, u0;

	pic_mask(IRQ_TIMER);
	t0 = pit_ticks();
	for (u0 = tsc_micros(); tsc_micros() - u0 < MASKED_WAIT_US;)
		cpu_pause();
	EXPECT_EQ(t0, pit_ticks());
	pic_unmask(IRQ_TIMER);
	for (u0 = tsc_micros(); pit_ticks() == t0 && tsc_micros() - u0 < WAIT_US;)
		cpu_halt();
	EXPECT_GT(pit_ticks(), t0);
}

static volatile unsigned routed_calls;
static volatile uint64_t routed_vector;

static void on_free_line(struct int_frame *f)
{
	routed_calls++;
	routed_vector = f->vector;
}

KTEST(pic, handler_gets_its_line)
{
	irq_set_handler(FREE_MASTER_LINE, on_free_line);
	EXPECT_EQ(0, pic_get_mask() & (1u << FREE_MASTER_LINE));
	routed_calls = 0;
	RAISE_VECTOR(IDT_IRQ_BASE + FREE_MASTER_LINE);
	EXPECT_EQ(1u, routed_calls);
	EXPECT_EQ(IDT_IRQ_BASE + FREE_MASTER_LINE, routed_vector);
	irq_set_handler(FREE_MASTER_LINE, NULL);
	EXPECT_NE(0, pic_get_mask() & (1u << FREE_MASTER_LINE));
	RAISE_VECTOR(IDT_IRQ_BASE + FREE_MASTER_LINE);
	EXPECT_EQ(1u, routed_calls);
}

/* With interrupts off, wait for a timer tick to be pending and acknowledge
 * it by polling, so that IRQ 0 is in service: an EOI sent now would clear
 * its ISR bit, which is how the cases below see one.
 */
static void put_timer_in_service(void)
{
	uint64_t u0 = tsc_micros();

	irq_disable();
	while (!(pic_read_irr() & (1u << IRQ_TIMER)) && tsc_micros() - u0 < WAIT_US)
		cpu_pause();
	ASSERT_NE(0, pic_read_irr() & (1u << IRQ_TIMER));
	ASSERT_EQ(IRQ_TIMER, pic_poll());
	ASSERT_EQ(1u << IRQ_TIMER, pic_read_isr());
}

/* An IRQ 7 whose ISR bit is clear was spurious: counted, not acknowledged. */
KTEST(pic, spurious_irq7_not_acknowledged)
{
	uint64_t before = pic_spurious_count();

	put_timer_in_service();
	RAISE_VECTOR(IDT_IRQ_BASE + IRQ_SPURIOUS_MASTER);
	EXPECT_EQ(before + 1, pic_spurious_count());
	EXPECT_EQ(1u << IRQ_TIMER, pic_read_isr());   /* no EOI went out */
	pic_send_eoi(IRQ_TIMER);
	EXPECT_EQ(0, pic_read_isr());
	irq_enable();
}

/* A spurious IRQ 15: the slave gets no EOI, but the master, which did take
 * the cascade IRQ 2, does: its highest in-service line (here 0) clears.
 */
KTEST(pic, spurious_irq15_acknowledges_master_only)
{
	uint64_t before = pic_spurious_count();

	put_timer_in_service();
	RAISE_VECTOR(IDT_IRQ_BASE + IRQ_SPURIOUS_SLAVE);
	EXPECT_EQ(before + 1, pic_spurious_count());
	EXPECT_EQ(0, pic_read_isr());
	irq_enable();
}

/* A real IRQ (a line in service) is acknowledged by the dispatcher. */
KTEST(pic, real_irq_is_acknowledged)
{
	uint64_t before = pic_spurious_count();

	put_timer_in_service();
	RAISE_VECTOR(IDT_IRQ_BASE + IRQ_TIMER);
	EXPECT_EQ(before, pic_spurious_count());
	EXPECT_EQ(0, pic_read_isr());
	irq_enable();
}

KTEST(pic, line_out_of_range_panics, KTEST_SHOULD_PANIC)
{
	pic_mask(IDT_IRQ_COUNT);
}
