/* Tests for the interrupt-safe spinlock (lib/spinlock.h): holding it keeps
 * interrupts (and so the timer) out, unlocking restores the interrupt flag as
 * it was, and taking a held lock on this CPU panics instead of hanging.
 */
#include "ktest.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/tsc.h"
#include "lib/spinlock.h"

#define HOLD_US   5000     /* several timer periods */
#define WAIT_US   100000

KTEST_SUITE(spinlock);

static void busy_wait_us(uint64_t us)
{
	for (uint64_t u0 = tsc_micros(); tsc_micros() - u0 < us;)
		cpu_pause();
}

KTEST(spinlock, lock_disables_interrupts_and_unlock_restores)
{
	struct spinlock l = SPINLOCK_INIT;

	ASSERT_TRUE(irq_enabled());
	spin_lock(&l);
	EXPECT_FALSE(irq_enabled());
	EXPECT_TRUE(spin_is_locked(&l));
	spin_unlock(&l);
	EXPECT_TRUE(irq_enabled());
	EXPECT_FALSE(spin_is_locked(&l));

	irq_disable();
	spin_lock(&l);
	spin_unlock(&l);
	EXPECT_FALSE(irq_enabled());   /* stays as the caller had it */
	irq_enable();
}

KTEST(spinlock, nested_locks_restore_in_order)
{
	struct spinlock a = SPINLOCK_INIT, b = SPINLOCK_INIT;

	spin_lock(&a);
	spin_lock(&b);
	spin_unlock(&b);
	EXPECT_FALSE(irq_enabled());   /* a is still held */
	spin_unlock(&a);
	EXPECT_TRUE(irq_enabled());
}

/* While the lock is held no tick is taken; the pending one comes at unlock. */
KTEST(spinlock, timer_waits_while_held)
{
	struct spinlock l = SPINLOCK_INIT;
	uint64_t t0, u0;

	spin_lock(&l);
	t0 = pit_ticks();
	busy_wait_us(HOLD_US);
	EXPECT_EQ(t0, pit_ticks());
	spin_unlock(&l);
	for (u0 = tsc_micros(); pit_ticks() == t0 && tsc_micros() - u0 < WAIT_US;)
		cpu_pause();
	EXPECT_GT(pit_ticks(), t0);
}

KTEST(spinlock, taking_a_held_lock_panics, KTEST_SHOULD_PANIC)
{
	struct spinlock l = SPINLOCK_INIT;

	spin_lock(&l);
	spin_lock(&l);
}
