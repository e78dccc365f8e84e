/* x86-64 instruction wrappers: port I/O, control registers, interrupts.
 * The only place kernel C code uses inline assembly for these (Intel SDM vol 2).
 */
#ifndef ARCH_X86_64_CPU_H
#define ARCH_X86_64_CPU_H

#include <stdbool.h>
#include <stdint.h>

#define RFLAGS_TF (1ull << 8)   /* trap flag: single-step */
#define RFLAGS_IF (1ull << 9)   /* interrupts enabled */
#define RFLAGS_DF (1ull << 10)  /* string instructions count down */
#define RFLAGS_IOPL (3ull << 12) /* I/O privilege level */
#define RFLAGS_NT (1ull << 14)  /* nested task */
#define RFLAGS_AC (1ull << 18)  /* alignment check (CPL 3 only) */

#define CR0_MP    (1ull << 1)   /* monitor coprocessor: WAIT honours TS */
#define CR0_EM    (1ull << 2)   /* x87 emulation: x87 instructions raise #NM */
#define CR0_TS    (1ull << 3)   /* task switched: x87/SSE raise #NM */
#define CR0_NE    (1ull << 5)   /* native x87 errors (#MF), not IRQ 13 */
#define CR0_AM    (1ull << 18)  /* alignment mask (with RFLAGS.AC) */
#define CR4_OSFXSR     (1ull << 9)   /* the OS saves SSE state: SSE allowed */
#define CR4_OSXMMEXCPT (1ull << 10)  /* unmasked SIMD FP errors raise #XM */

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

/* Write n bytes from s to one port (rep outsb). */
static inline void outsb(uint16_t port, const void *s, uint64_t n)
{
	__asm__ volatile("rep outsb" : "+S"(s), "+c"(n) : "d"(port) : "memory");
}

/* A short delay on ISA hardware: a write to the unused POST port. */
static inline void io_wait(void)
{
	outb(0x80, 0);
}

static inline void cpu_halt(void)
{
	__asm__ volatile("hlt" ::: "memory");
}

static inline void cpu_pause(void)
{
	__asm__ volatile("pause");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

/* Enable interrupts and halt with no window in between (sti shadow). */
static inline void irq_enable_and_halt(void)
{
	__asm__ volatile("sti; hlt" ::: "memory");
}

/* The stack pointer where it is read: below every local of the caller's
 * frame (the frame's address is not: locals lie below it). */
static inline uint64_t read_rsp(void)
{
	uint64_t sp;
	__asm__ volatile("movq %%rsp, %0" : "=r"(sp));
	return sp;
}

static inline uint64_t read_rflags(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f) : : "memory");
	return f;
}

/* Disable interrupts; returns the previous RFLAGS for irq_restore(). */
static inline uint64_t irq_save(void)
{
	uint64_t f = read_rflags();
	irq_disable();
	return f;
}

static inline void irq_restore(uint64_t flags)
{
	if (flags & RFLAGS_IF)
		irq_enable();
}

static inline bool irq_enabled(void)
{
	return read_rflags() & RFLAGS_IF;
}

static inline uint64_t read_cr0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline void write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint64_t read_dr6(void)
{
	uint64_t v;
	__asm__ volatile("mov %%dr6, %0" : "=r"(v));
	return v;
}

static inline void write_dr6(uint64_t v)
{
	__asm__ volatile("mov %0, %%dr6" : : "r"(v));
}

/* Debug registers DR0-DR3 (breakpoint addresses) and DR7 (their control):
 * the number is part of the instruction, hence one wrapper per register. */
#define DEBUG_REG_ACCESSORS(n)                                               \
	static inline uint64_t read_dr##n(void)                              \
	{                                                                    \
		uint64_t v;                                                  \
		__asm__ volatile("mov %%dr" #n ", %0" : "=r"(v));            \
		return v;                                                    \
	}                                                                    \
	static inline void write_dr##n(uint64_t v)                           \
	{                                                                    \
		__asm__ volatile("mov %0, %%dr" #n : : "r"(v));              \
	}
DEBUG_REG_ACCESSORS(0)
DEBUG_REG_ACCESSORS(1)
DEBUG_REG_ACCESSORS(2)
DEBUG_REG_ACCESSORS(3)
DEBUG_REG_ACCESSORS(7)

/* Pseudo-descriptor for lgdt/lidt (Intel SDM vol 3, 3.5.1). */
struct descriptor_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static inline void lgdt(const struct descriptor_ptr *p)
{
	__asm__ volatile("lgdt %0" : : "m"(*p) : "memory");
}

static inline void lidt(const struct descriptor_ptr *p)
{
	__asm__ volatile("lidt %0" : : "m"(*p) : "memory");
}

static inline void sidt(struct descriptor_ptr *p)
{
	__asm__ volatile("sidt %0" : "=m"(*p));
}

static inline void sgdt(struct descriptor_ptr *p)
{
	__asm__ volatile("sgdt %0" : "=m"(*p));
}

static inline void ltr(uint16_t selector)
{
	__asm__ volatile("ltr %0" : : "r"(selector) : "memory");
}

/* The task register's selector. */
static inline uint16_t str(void)
{
	uint16_t v;
	__asm__ volatile("str %0" : "=r"(v));
	return v;
}

/* The LDT register's selector (0: no LDT). */
static inline uint16_t sldt(void)
{
	uint16_t v;
	__asm__ volatile("sldt %0" : "=r"(v));
	return v;
}

static inline void lldt(uint16_t selector)
{
	__asm__ volatile("lldt %0" : : "r"(selector) : "memory");
}

/* Reload CS with a far return, DS/ES/SS with data, and zero FS/GS. */
static inline void load_segments(uint16_t code, uint16_t data)
{
	__asm__ volatile(
		"pushq %q0\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w1, %%ds\n\t"
		"movw %w1, %%es\n\t"
		"movw %w1, %%ss\n\t"
		"movw %w2, %%fs\n\t"
		"movw %w2, %%gs"
		: : "r"((uint64_t)code), "r"(data), "r"((uint16_t)0)
		: "rax", "memory");
}

static inline void invlpg(uint64_t addr)
{
	__asm__ volatile("invlpg (%0)" : : "r"(addr) : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)) : "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
			 uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(0));
}

/* Stop this CPU for good: interrupts off, halt forever. */
__attribute__((noreturn)) static inline void cpu_stop(void)
{
	for (;;) {
		irq_disable();
		cpu_halt();
	}
}

#endif /* ARCH_X86_64_CPU_H */
