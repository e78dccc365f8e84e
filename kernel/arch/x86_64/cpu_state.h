/* The CPU state a few instructions can change and the rest of the kernel
 * relies on: control, debug and descriptor-table registers, the tables and
 * the TSS themselves, EFER and the local APIC (Intel SDM vol 3, 2.5, 3.5,
 * 7.2, 10.4, 17.2). A test runner saves it once and, after every case,
 * finds and undoes what the case changed.
 */
#ifndef ARCH_X86_64_CPU_STATE_H
#define ARCH_X86_64_CPU_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPU_STATE_IDT_BYTES 4096       /* 256 gates of 16 bytes */
#define CPU_STATE_GDT_BYTES 64
#define CPU_STATE_TSS_BYTES 104

struct cpu_state {
	uint64_t cr0, cr3, cr4, efer;
	uint64_t dr[4], dr7;
	uint64_t gdt_base, idt_base, tss_base;
	uint16_t gdt_limit, idt_limit, tr, ldtr;
	uint64_t apic_base;                /* IA32_APIC_BASE */
	uint32_t apic_svr, apic_tpr, apic_lvt_timer, apic_timer_count;
	uint8_t idt[CPU_STATE_IDT_BYTES];  /* the tables' contents */
	uint8_t gdt[CPU_STATE_GDT_BYTES];
	uint8_t tss[CPU_STATE_TSS_BYTES];
};

/* Save the current state. Interrupts off. */
void cpu_state_save(struct cpu_state *s);

/* Compare the current state with *saved, call changed(what, ctx) for each
 * part that differs ("CR0 0x... instead of 0x...") and put the saved value
 * back. Returns false when something could not be put back (a local APIC,
 * once disabled, stays so until a reset). Interrupts off.
 */
typedef void (*cpu_state_report_fn)(const char *what, void *ctx);
bool cpu_state_restore(const struct cpu_state *saved,
		       cpu_state_report_fn changed, void *ctx);

#endif
