/* IDT: 64-bit interrupt gates for vectors 0-47 (Intel SDM vol 3, 6.14.1). */
#include "arch/x86_64/idt.h"

#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/exception.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/pic.h"

#define IDT_ENTRIES      256
#define GATE_INTERRUPT   0x8e   /* present, ring 0, 64-bit interrupt gate */
#define STUB_COUNT       (IDT_EXCEPTIONS + IDT_IRQ_COUNT)


struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate is 16 bytes");

extern const uint64_t isr_stub_table[STUB_COUNT];

static struct idt_gate idt[IDT_ENTRIES];

static void set_gate(int vector, uint64_t handler, int ist)
{
	struct idt_gate *g = &idt[vector];

	g->offset_lo = handler & 0xffff;
	g->selector = GDT_KERNEL_CODE;
	g->ist = (uint8_t)ist;
	g->type_attr = GATE_INTERRUPT;
	g->offset_mid = (handler >> 16) & 0xffff;
	g->offset_hi = (uint32_t)(handler >> 32);
	g->reserved = 0;
}

void idt_init(void)
{
	struct descriptor_ptr ptr = { sizeof(idt) - 1, (uint64_t)idt };

	for (int v = 0; v < STUB_COUNT; v++)
		set_gate(v, isr_stub_table[v], 0);
	set_gate(EXC_DOUBLE_FAULT, isr_stub_table[EXC_DOUBLE_FAULT], IST_DOUBLE_FAULT);
	set_gate(EXC_NMI, isr_stub_table[EXC_NMI], IST_NMI);
	set_gate(EXC_MACHINE_CHECK, isr_stub_table[EXC_MACHINE_CHECK], IST_MACHINE_CHECK);
	lidt(&ptr);
}

void interrupt_dispatch(struct int_frame *frame)
{
	if (frame->vector < IDT_EXCEPTIONS)
		exception_handle(frame);
	else
		pic_handle_irq(frame);
}
