/* Interrupt-safe spinlock for a single CPU: taking it disables interrupts, so
 * an interrupt handler can never spin on a lock its own CPU holds.
 */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include <stdint.h>

#include "arch/x86_64/cpu.h"

struct spinlock {
	volatile int locked;
	uint64_t saved_flags;
};

#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock(struct spinlock *l)
{
	uint64_t flags = irq_save();

	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		cpu_pause();
	l->saved_flags = flags;
}

static inline void spin_unlock(struct spinlock *l)
{
	uint64_t flags = l->saved_flags;

	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	irq_restore(flags);
}

/* For the panic path only: drop a lock whose holder will never return. */
static inline void spin_force_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
