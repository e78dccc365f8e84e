/* Catalog, the CPU state a few instructions change: control and debug
 * registers, descriptor tables and their contents, the TSS, the local APIC.
 * Each change fails its case and is undone before the next one
 * (docs/verdicts.md).
 *
 * expect: image FAIL
 */
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "ktest.h"
#include "init.h"

#define CR0_WP          (1ull << 16)
#define CR4_TSD         (1ull << 2)
#define DR7_L0          (1ull << 0)
#define MSR_APIC_BASE   0x1b
#define APIC_ENABLE     (1ull << 11)
#define APIC_TPR        0x80
#define IDT_GATE_BYTES  16
#define TSS_IST1        36

KTEST_SUITE(cpu_state);

/* expect: cpu_state.clears_write_protect FAIL */
KTEST(cpu_state, clears_write_protect)
{
	write_cr0(read_cr0() & ~CR0_WP);
}

/* expect: cpu_state.sets_cr4_tsd FAIL */
KTEST(cpu_state, sets_cr4_tsd)
{
	write_cr4(read_cr4() | CR4_TSD);
}

/* expect: cpu_state.arms_a_breakpoint_register FAIL */
KTEST(cpu_state, arms_a_breakpoint_register)
{
	static volatile int watched;

	write_dr0((uint64_t)&watched);
	write_dr7(read_dr7() | DR7_L0);
}

/* expect: cpu_state.control_registers_are_back PASS */
KTEST(cpu_state, control_registers_are_back)
{
	EXPECT_TRUE(read_cr0() & CR0_WP);
	EXPECT_FALSE(read_cr4() & CR4_TSD);
	EXPECT_FALSE(read_dr7() & DR7_L0);
	EXPECT_EQ(0u, read_dr0());
}

/* expect: cpu_state.shrinks_the_idt FAIL */
KTEST(cpu_state, shrinks_the_idt)
{
	struct descriptor_ptr idtr;

	sidt(&idtr);
	idtr.limit = 14 * IDT_GATE_BYTES - 1;   /* no page-fault gate */
	lidt(&idtr);
}

/* expect: cpu_state.overwrites_an_idt_gate FAIL */
KTEST(cpu_state, overwrites_an_idt_gate)
{
	struct descriptor_ptr idtr;

	sidt(&idtr);
	((volatile uint8_t *)idtr.base)[14 * IDT_GATE_BYTES + 5] = 0;  /* not present */
}

/* expect: cpu_state.page_faults_still_work PASS */
KTEST(cpu_state, page_faults_still_work)
{
	struct descriptor_ptr idtr;

	sidt(&idtr);
	EXPECT_GE(idtr.limit, 255 * IDT_GATE_BYTES);
}

/* expect: cpu_state.page_fault_is_caught FAIL */
KTEST(cpu_state, page_fault_is_caught)
{
	EXPECT_EQ(0, *(volatile int *)0xffff900000000000ull);
}

/* expect: cpu_state.overwrites_the_tss FAIL */
KTEST(cpu_state, overwrites_the_tss)
{
	struct descriptor_ptr gdtr;
	uint64_t *gdt;
	uint64_t base;

	sgdt(&gdtr);
	gdt = (uint64_t *)gdtr.base;
	base = ((gdt[str() >> 3] >> 16) & 0xffffff) |
	       ((gdt[str() >> 3] >> 56) << 24) | (gdt[(str() >> 3) + 1] << 32);
	*(volatile uint64_t *)(base + TSS_IST1) = 0x1000;
}

/* expect: cpu_state.double_fault_stack_is_back PASS */
KTEST(cpu_state, double_fault_stack_is_back, KTEST_EXPECT_FAULT(8))
{
	/* A page fault that cannot be delivered on this stack: a double
	 * fault, on the IST stack the TSS names. */
	__asm__ volatile("mov %0, %%rsp; pushq $0" : : "r"(0xffff900000001000ull));
}

/* expect: cpu_state.raises_the_apic_priority FAIL */
KTEST(cpu_state, raises_the_apic_priority)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (!(base & APIC_ENABLE))
		KTEST_SKIP("no local APIC enabled");
	*(volatile uint32_t *)phys_to_virt((base & ~0xfffull) + APIC_TPR) = 0xf0;
}

/* expect: cpu_state.disables_the_apic FAIL */
KTEST(cpu_state, disables_the_apic)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) & ~APIC_ENABLE);
}

/* expect: cpu_state.apic_is_back PASS */
KTEST(cpu_state, apic_is_back)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	ASSERT_TRUE(base & APIC_ENABLE);
	EXPECT_EQ(0u, *(volatile uint32_t *)phys_to_virt((base & ~0xfffull) + APIC_TPR) & 0xf0);
}
