/* Interrupt-safe spinlock for a single CPU: taking it disables interrupts, so
 * an interrupt handler can never spin on a lock its own CPU holds.
 */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "panic.h"

struct spinlock {
	volatile int locked;
	uint64_t saved_flags;
};

#define SPINLOCK_INIT { 0, 0 }

/* Take l with interrupts off until spin_unlock() (which restores the
 * interrupt flag as it was). Only the boot CPU runs, and a holder cannot be
 * interrupted, so finding l held means this CPU interrupted its own holder
 * (an exception or NMI handler) or took it twice: it would spin forever, so
 * it panics instead. (With more CPUs running this becomes a real spin.)
 */
static inline void spin_lock(struct spinlock *l)
{
	uint64_t flags = irq_save();

	if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		panic("spinlock %p: taken again on the CPU that holds it",
		      (void *)l);
	l->saved_flags = flags;
}

static inline void spin_unlock(struct spinlock *l)
{
	uint64_t flags = l->saved_flags;

	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	irq_restore(flags);
}

static inline bool spin_is_locked(const struct spinlock *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED);
}

/* For the panic path only: drop a lock whose holder will never return. */
static inline void spin_force_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
