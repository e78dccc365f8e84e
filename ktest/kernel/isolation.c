/* ktest isolation between cases: the case stack, and the check after every
 * case of what it must leave as it found it (docs/verdicts.md): the heap
 * intact and every block and frame it took given back, the kernel's tick
 * hooks and IRQ handlers, the PIC masks, the PIT's rate and mode, and the
 * CPU state of arch/x86_64/cpu_state.h. What differs is put back and fails
 * the case.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_state.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/pit.h"
#include "backend.h"
#include "kernel_backend.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "panic.h"
#include "san/kasan.h"
#include "san/san.h"

#define PAGE 0x1000ull

static struct {
	struct cpu_state cpu;
	uint16_t pic_mask;
	unsigned pit_hz;
	tick_hook_fn tick_hooks[PIT_MAX_TICK_HOOKS];
	irq_handler_fn irq[IDT_IRQ_COUNT];
} baseline;

/* What a case starts with, for its leak check. */
static struct {
	size_t blocks;
	uint64_t frames, heap_frames, tables;
} before;

static uint64_t bad_flags;       /* RFLAGS a case body returned with, or 0 */

uint64_t ktest_case_stack_init(void)
{
	for (uint64_t va = KTEST_STACK_TOP - KTEST_STACK_SIZE; va < KTEST_STACK_TOP;
	     va += PAGE) {
		uint64_t frame = frame_alloc();

		if (!frame || paging_map(va, frame, PTE_WRITABLE | PTE_NX,
					 frame_alloc_zeroed) != PAGING_OK)
			panic("ktest: cannot map the case stack at 0x%llx",
			      (unsigned long long)va);
	}
	if (!kasan_add_range(KTEST_STACK_TOP - KTEST_STACK_SIZE, KTEST_STACK_SIZE))
		panic("ktest: no frames for the case stack's KASAN shadow");
	return KTEST_STACK_TOP;
}

void ktest_isolation_init(void)
{
	uint64_t flags = irq_save();

	cpu_state_save(&baseline.cpu);
	irq_restore(flags);
	baseline.pic_mask = pic_get_mask();
	baseline.pit_hz = pit_hz();
	pit_tick_hooks(baseline.tick_hooks);
	for (unsigned i = 0; i < IDT_IRQ_COUNT; i++)
		baseline.irq[i] = irq_get_handler(i);
}

static void memory_now(size_t *blocks, uint64_t *frames, uint64_t *heap_frames,
		       uint64_t *tables)
{
	struct heap_stats h;

	heap_stats(&h);
	*blocks = h.alloc.live;
	*frames = frame_used_count();
	*heap_frames = h.mapped_bytes / PAGE;
	*tables = paging_tables_created() + kasan_shadow_frames();
}

void ktest_backend_case_start(const struct ktest *t)
{
	(void)t;
	bad_flags = 0;
	san_reports_reset();
	memory_now(&before.blocks, &before.frames, &before.heap_frames,
		   &before.tables);
}

void ktest_backend_flags_changed(struct ktest *t, uint64_t flags)
{
	(void)t;
	bad_flags = flags | 1;   /* bit 1 of RFLAGS is always set: never 0 */
}

static void report_cpu_change(const char *what, void *ctx)
{
	ktest_leftover(ctx, "%s", what);
}

static void check_flags(struct ktest *t)
{
	if (!bad_flags)
		return;
	ktest_leftover(t, "RFLAGS 0x%llx on return:%s%s%s%s", (unsigned long long)bad_flags,
		       bad_flags & RFLAGS_IF ? "" : " interrupts off",
		       bad_flags & RFLAGS_DF ? " direction flag set" : "",
		       bad_flags & RFLAGS_TF ? " trap flag set" : "",
		       bad_flags & (RFLAGS_AC | RFLAGS_NT | RFLAGS_IOPL) ?
		       " AC, NT or IOPL changed" : "");
}

/* The PIT's rate and mode, the tick hooks. */
static void check_timer(struct ktest *t)
{
	tick_hook_fn hooks[PIT_MAX_TICK_HOOKS];

	if (pit_hz() != baseline.pit_hz ||
	    pit_mode_status() != pit_expected_mode_status()) {
		ktest_leftover(t, "the PIT reprogrammed: %u Hz, mode status 0x%x "
			       "(was %u Hz, 0x%x)", pit_hz(), pit_mode_status(),
			       baseline.pit_hz, pit_expected_mode_status());
		pit_init(baseline.pit_hz);
	}
	pit_tick_hooks(hooks);
	for (int i = 0; i < PIT_MAX_TICK_HOOKS; i++) {
		if (hooks[i] == baseline.tick_hooks[i])
			continue;
		ktest_leftover(t, "tick hooks changed (hook %d is %p, was %p)", i,
			       (void *)hooks[i], (void *)baseline.tick_hooks[i]);
		for (int j = 0; j < PIT_MAX_TICK_HOOKS; j++)
			if (hooks[j])
				pit_remove_tick_hook(hooks[j]);
		for (int j = 0; j < PIT_MAX_TICK_HOOKS; j++)
			if (baseline.tick_hooks[j])
				pit_add_tick_hook(baseline.tick_hooks[j]);
		return;
	}
}

/* The IRQ handlers, then the PIC masks (setting a handler unmasks). */
static void check_interrupts(struct ktest *t)
{
	uint16_t mask;

	for (unsigned i = 0; i < IDT_IRQ_COUNT; i++) {
		if (irq_get_handler(i) == baseline.irq[i])
			continue;
		ktest_leftover(t, "IRQ %u handler %p, was %p", i,
			       (void *)irq_get_handler(i), (void *)baseline.irq[i]);
		irq_set_handler(i, baseline.irq[i]);
	}
	mask = pic_get_mask();
	if (mask == baseline.pic_mask)
		return;
	ktest_leftover(t, "PIC mask 0x%04x, was 0x%04x", mask, baseline.pic_mask);
	for (unsigned i = 0; i < IDT_IRQ_COUNT; i++) {
		if (baseline.pic_mask & (1u << i))
			pic_mask(i);
		else
			pic_unmask(i);
	}
}

/* Heap blocks and frames the case took and did not give back. Frames the
 * heap grew by, page tables added and KASAN shadow mapped (counted with
 * the tables) stay mapped for good: not a leak. Blocks in KASAN's
 * quarantine count as freed (heap_stats()). */
static void check_memory(struct ktest *t)
{
	size_t blocks;
	uint64_t frames, heap_frames, tables, kept;

	memory_now(&blocks, &frames, &heap_frames, &tables);
	if (t->tcase->keeps_memory)
		return;
	if (blocks > before.blocks)
		ktest_leftover(t, "%zu heap block(s) not freed (KTEST_KEEPS_MEMORY "
			       "if on purpose)", blocks - before.blocks);
	kept = (heap_frames - before.heap_frames) + (tables - before.tables);
	if (frames > before.frames + kept)
		ktest_leftover(t, "%llu frame(s) not freed (KTEST_KEEPS_MEMORY if "
			       "on purpose)",
			       (unsigned long long)(frames - before.frames - kept));
}

bool ktest_backend_case_check(struct ktest *t)
{
	uint64_t flags;
	bool fit;

	check_flags(t);
	heap_check();           /* panics, caught as the case's, if corrupted */
	flags = irq_save();
	fit = cpu_state_restore(&baseline.cpu, report_cpu_change, t);
	irq_restore(flags);
	if (!fit)
		ktest_leftover(t, "a change that cannot be undone without a reset");
	check_timer(t);
	check_interrupts(t);
	check_memory(t);
	return fit;
}
