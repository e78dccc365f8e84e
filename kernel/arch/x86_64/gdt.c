/* GDT with flat 64-bit kernel segments and a TSS whose IST stacks (each with
 * an unmapped guard page below it) take double faults, NMIs and machine checks.
 */
#include "arch/x86_64/gdt.h"

#include <stddef.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "lib/string.h"
#include "panic.h"

#define PAGE_SIZE        4096
#define IST_STACK_SIZE   (4 * PAGE_SIZE)
#define IST_COUNT        3

/* Descriptor bits (Intel SDM vol 3, 3.4.5). */
#define SEG_PRESENT      (1ull << 47)
#define SEG_CODE_DATA    (1ull << 44)   /* S: code or data, not system */
#define SEG_EXEC         (1ull << 43)
#define SEG_RW           (1ull << 41)   /* readable code / writable data */
#define SEG_LONG         (1ull << 53)   /* L: 64-bit code */
#define SEG_TSS_AVAIL    (0x9ull << 40) /* type 9: available 64-bit TSS */

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "TSS is 104 bytes");
_Static_assert(offsetof(struct tss, ist) == 36, "IST1 at offset 36");

static uint64_t gdt[5];
static struct tss tss;

/* One guard page then the stack, per IST slot. */
static uint8_t ist_stacks[IST_COUNT][PAGE_SIZE + IST_STACK_SIZE]
	__attribute__((aligned(PAGE_SIZE)));

static void set_tss_descriptor(void)
{
	uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;

	gdt[3] = (limit & 0xffff) | (base & 0xffffff) << 16 | SEG_TSS_AVAIL |
		 SEG_PRESENT | ((limit >> 16) & 0xf) << 48 |
		 ((base >> 24) & 0xff) << 56;
	gdt[4] = base >> 32;
}

static void setup_ist(void)
{
	for (int i = 0; i < IST_COUNT; i++) {
		uint8_t *guard = ist_stacks[i];

		if (paging_unmap((uint64_t)guard) != 0)
			panic("gdt: cannot unmap IST guard page %p", (void *)guard);
		tss.ist[i] = (uint64_t)(guard + PAGE_SIZE + IST_STACK_SIZE);
	}
	tss.iomap_base = sizeof(tss);   /* no I/O permission bitmap */
}

void gdt_ist_range(int ist, uint64_t *bottom, uint64_t *top)
{
	if (ist < 1 || ist > IST_COUNT)
		panic("gdt: no IST slot %d", ist);
	*top = tss.ist[ist - 1];
	*bottom = *top - IST_STACK_SIZE;
}

void gdt_init(void)
{
	struct descriptor_ptr ptr = { sizeof(gdt) - 1, (uint64_t)gdt };

	gdt[1] = SEG_PRESENT | SEG_CODE_DATA | SEG_EXEC | SEG_RW | SEG_LONG;
	gdt[2] = SEG_PRESENT | SEG_CODE_DATA | SEG_RW;
	setup_ist();
	set_tss_descriptor();
	lgdt(&ptr);
	load_segments(GDT_KERNEL_CODE, GDT_KERNEL_DATA);
	ltr(GDT_TSS);
}
