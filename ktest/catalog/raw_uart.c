/* Catalog, output integrity past the kernel: a case that writes to COM1's
 * ports itself, around the kernel and ktest, cannot forge a result. Every
 * result comes right after a sum of all ktest wrote before it
 * (docs/protocol.md, "Sums"); any byte ktest did not write breaks the sum,
 * and the case that was running is CRASHED. The next cases run in a new
 * boot and get their own verdicts.
 *
 * expect: image FAIL
 */
#include "arch/x86_64/cpu.h"
#include "ktest.h"

#define COM1          0x3f8
#define COM1_MCR      (COM1 + 4)
#define COM1_LSR      (COM1 + 5)
#define MCR_LOOPBACK  0x10
#define LSR_THR_EMPTY 0x20

static void raw_uart(const char *s)
{
	for (; *s; s++) {
		while (!(inb(COM1_LSR) & LSR_THR_EMPTY))
			;
		outb(COM1, (uint8_t)*s);
	}
}

KTEST_SUITE(uart);

/* expect: uart.forges_its_own_pass CRASHED */
KTEST(uart, forges_its_own_pass)
{
	raw_uart("    # forges_its_own_pass: 10 us\n    ok 1 forges_its_own_pass\n");
	EXPECT_EQ(1, 2);
}

/* expect: uart.forges_the_next_result CRASHED */
KTEST(uart, forges_the_next_result)
{
	raw_uart("    # forges_the_next_result: 10 us\n    ok 2 forges_the_next_result\n"
		 "    # fails_after_a_forgery: 10 us\n    ok 3 fails_after_a_forgery\n");
	EXPECT_EQ(1, 2);
}

/* expect: uart.fails_after_a_forgery FAIL */
KTEST(uart, fails_after_a_forgery)
{
	EXPECT_EQ(1, 2);
}

/* expect: uart.forges_a_sum_too CRASHED */
KTEST(uart, forges_a_sum_too)
{
	raw_uart("    # forges_a_sum_too: 10 us\n    # ktest: sum 00000000\n"
		 "    ok 4 forges_a_sum_too\n");
	EXPECT_EQ(1, 2);
}

/* expect: uart.writes_only_a_diagnostic CRASHED */
KTEST(uart, writes_only_a_diagnostic)
{
	raw_uart("    # a line ktest did not write\n");
}

/* The port in loopback: what ktest writes after it never leaves the
 * machine, so its PASS cannot be read, and the exit code that comes
 * instead is not taken for one.
 * expect: uart.silences_the_port CRASHED */
KTEST(uart, silences_the_port)
{
	outb(COM1_MCR, inb(COM1_MCR) | MCR_LOOPBACK);
}

/* expect: uart.passes_after_raw_writes PASS */
KTEST(uart, passes_after_raw_writes)
{
	EXPECT_EQ(2, 1 + 1);
}
