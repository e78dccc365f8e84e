/* x86-64 bring-up order: segments and stacks, then traps, then interrupts. */
#include "arch/x86_64/arch.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/tsc.h"
#include "kernel.h"
#include "lib/symbols.h"

#ifndef PIT_HZ
#define PIT_HZ 1000
#endif

void arch_init(const struct boot_info *bi)
{
	/* PVH boot has no ELF file in memory: backtraces show bare addresses */
	if (bi->kernel_elf_size)
		symbols_init(phys_to_virt(bi->kernel_elf_phys), bi->kernel_elf_size);
	gdt_init();
	idt_init();
	lapic_virtual_wire();
	pic_init();
	pit_init(PIT_HZ);
	irq_enable();
	tsc_calibrate();
}
