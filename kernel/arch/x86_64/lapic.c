/* Local APIC virtual wire mode for the legacy 8259A PICs (Intel SDM vol. 3,
 * 10.4 "Local APIC" and 10.5.1 "Local Vector Table"; MP spec 3.6.2.2).
 */
#include "arch/x86_64/lapic.h"

#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "init.h"

#define CPUID_FEATURES      1
#define CPUID_EDX_APIC      (1u << 9)
#define MSR_IA32_APIC_BASE  0x1b
#define APIC_BASE_ENABLE    (1ull << 11)    /* global enable */
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ull

#define LAPIC_SVR           0xf0    /* spurious-interrupt vector register */
#define LAPIC_LVT_LINT0     0x350
#define LAPIC_LVT_LINT1     0x360
#define SVR_APIC_ENABLE     (1u << 8)   /* software enable */
#define SVR_VECTOR_MASK     0xffu
#define SPURIOUS_VECTOR     0xff        /* low nibble must be 1s on old CPUs */
#define LVT_DELIVERY_NMI    (4u << 8)
#define LVT_DELIVERY_EXTINT (7u << 8)
#define LVT_TRIGGER_LEVEL   (1u << 15)  /* ExtINT is level-triggered anyway */

static volatile uint32_t *reg(uint64_t base, uint32_t offset)
{
	return (volatile uint32_t *)phys_to_virt(base + offset);
}

bool lapic_virtual_wire(void)
{
	uint32_t a, b, c, d;
	uint64_t base_msr, base;

	cpuid(CPUID_FEATURES, &a, &b, &c, &d);
	if (!(d & CPUID_EDX_APIC))
		return false;
	base_msr = rdmsr(MSR_IA32_APIC_BASE);
	if (!(base_msr & APIC_BASE_ENABLE))
		return false;
	base = base_msr & APIC_BASE_ADDR_MASK;
	*reg(base, LAPIC_SVR) = (*reg(base, LAPIC_SVR) & ~SVR_VECTOR_MASK) |
				SVR_APIC_ENABLE | SPURIOUS_VECTOR;
	*reg(base, LAPIC_LVT_LINT0) = LVT_DELIVERY_EXTINT | LVT_TRIGGER_LEVEL;
	*reg(base, LAPIC_LVT_LINT1) = LVT_DELIVERY_NMI;
	return true;
}
