/* x86-64 bring-up order: segments and stacks, then traps, then interrupts. */
#include "arch/x86_64/arch.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/tsc.h"
#include "init.h"
#include "lib/symbols.h"

#define KBC_STATUS      0x64    /* 8042: status (read), command (write) */
#define KBC_INPUT_FULL  0x02    /* status: the controller has not taken input */
#define KBC_PULSE_RESET 0xfe    /* command: pulse the CPU reset line */
#define KBC_WAIT_LIMIT  100000

#ifndef PIT_HZ
#define PIT_HZ 1000
#endif

void arch_init(const struct boot_info *bi)
{
	/* Without the ELF file (a PVH boot without this kernel's ELF as its
	 * module, docs/boot.md) backtraces show bare addresses */
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

void arch_reboot(void)
{
	struct descriptor_ptr none = { 0, 0 };

	irq_disable();
	for (int i = 0; i < KBC_WAIT_LIMIT && (inb(KBC_STATUS) & KBC_INPUT_FULL); i++)
		cpu_pause();
	outb(KBC_STATUS, KBC_PULSE_RESET);
	/* No keyboard controller, or it did not reset: an empty IDT makes the
	 * next exception a triple fault, which resets the CPU. */
	lidt(&none);
	__asm__ volatile("int3");
	cpu_stop();
}
