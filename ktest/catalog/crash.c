/* Catalog, cases that take the machine down: a triple fault, a reset, an
 * exit code written by the case, a halt or a spin with interrupts off.
 * Each is named (CRASHED or TIMEOUT) and the image boots again from the
 * next case, which passes (docs/verdicts.md). Built with a 300 ms budget.
 *
 * expect: image FAIL
 *
 * The same under --fresh-boot (each case from a restored snapshot): a
 * crash costs its case and a new QEMU, a hang is restored over.
 * run fresh: --fresh-boot
 * expect fresh: image FAIL
 * expect fresh: crash.passes_first PASS
 * expect fresh: crash.triple_faults CRASHED
 * expect fresh: crash.runs_after_a_triple_fault PASS
 * expect fresh: crash.resets_through_the_keyboard_controller CRASHED
 * expect fresh: crash.writes_the_pass_exit_code CRASHED
 * expect fresh: crash.writes_the_error_exit_code CRASHED
 * expect fresh: crash.halts_with_interrupts_off TIMEOUT
 * expect fresh: crash.spins_with_interrupts_off TIMEOUT
 * expect fresh: crash.spins_with_interrupts_on TIMEOUT
 * expect fresh: crash.halts_with_interrupts_on TIMEOUT
 * expect fresh: crash.runs_last PASS
 */
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "ktest.h"

#define KBC_COMMAND 0x64    /* 8042 keyboard controller */
#define KBC_PULSE_RESET 0xfe

KTEST_SUITE(crash);

/* expect: crash.passes_first PASS */
KTEST(crash, passes_first)
{
	EXPECT_TRUE(irq_enabled());
}

/* expect: crash.triple_faults CRASHED */
KTEST(crash, triple_faults)
{
	struct descriptor_ptr empty = { 0, 0 };

	lidt(&empty);
	__asm__ volatile("int3");
}

/* expect: crash.runs_after_a_triple_fault PASS */
KTEST(crash, runs_after_a_triple_fault)
{
	EXPECT_TRUE(irq_enabled());
}

/* expect: crash.resets_through_the_keyboard_controller CRASHED */
KTEST(crash, resets_through_the_keyboard_controller)
{
	outb(KBC_COMMAND, KBC_PULSE_RESET);
	for (;;)
		cpu_halt();
}

/* expect: crash.writes_the_pass_exit_code CRASHED */
KTEST(crash, writes_the_pass_exit_code)
{
	outl(KTEST_EXIT_PORT, KTEST_EXIT_PASS);
}

/* expect: crash.writes_the_error_exit_code CRASHED */
KTEST(crash, writes_the_error_exit_code)
{
	outl(KTEST_EXIT_PORT, KTEST_EXIT_ERROR);
}

/* expect: crash.halts_with_interrupts_off TIMEOUT */
KTEST(crash, halts_with_interrupts_off)
{
	cpu_stop();
}

/* expect: crash.spins_with_interrupts_off TIMEOUT */
KTEST(crash, spins_with_interrupts_off)
{
	irq_disable();
	for (;;)
		cpu_pause();
}

/* expect: crash.spins_with_interrupts_on TIMEOUT */
KTEST(crash, spins_with_interrupts_on)
{
	for (;;)
		cpu_pause();
}

/* expect: crash.halts_with_interrupts_on TIMEOUT */
KTEST(crash, halts_with_interrupts_on)
{
	for (;;)
		cpu_halt();
}

/* expect: crash.runs_last PASS */
KTEST(crash, runs_last)
{
	EXPECT_TRUE(irq_enabled());
}
