/* The heap benchmark image: the three allocator designs on alloc_bench's
 * patterns in QEMU, printed as a table of KTAP `#` lines. A benchmark, run by
 * `meson test --benchmark` or `run_qemu.py IMAGE --headless`; never a test.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "console.h"
#include "ktest.h"
#include "mm/alloc/alloc_bench.h"
#include "mm/alloc/alloc.h"
#include "mm/heap.h"

#define ARENA_SIZE  0x400000      /* 4 MiB, the same as the host run */
#define ARENA_ALIGN 0x1000
#define OPS         200000        /* per pattern: TCG is slow */
#define REPEATS     3             /* the fastest of these runs counts */
#define NS_PER_MS   1000000u

static const struct alloc_ops *const designs[] = {
	&bump_ops, &linked_list_ops, &fixed_block_ops,
};
#define NDESIGNS (sizeof(designs) / sizeof(designs[0]))

static struct alloc_bench_result results[NDESIGNS][ALLOC_BENCH_PATTERNS];

/* TSC ticks to ns in two parts, so nothing overflows 64 bits. */
static uint64_t now_ns(void)
{
	uint64_t t = rdtsc(), khz = tsc_khz();

	return t / khz * NS_PER_MS + t % khz * NS_PER_MS / khz;
}

static void print_line(const char *line)
{
	kprintf("%s\n", line);
}

KTEST_SUITE(heap_bench);

KTEST(heap_bench, allocators, KTEST_SLOW)
{
	void *arena = kmalloc_aligned(ARENA_SIZE, ARENA_ALIGN);
	struct alloc_bench_env env = {
		.arena = arena, .arena_size = ARENA_SIZE, .ops = OPS, .repeats = REPEATS,
		.now_ns = now_ns, .print = print_line,
	};

	ASSERT_NOT_NULL(arena);
	ASSERT_NE(0u, tsc_khz());
	kprintf("heap allocators in QEMU, TSC %llu kHz, %u operations per pattern, "
		"fastest of %u runs\n", (unsigned long long)tsc_khz(), OPS, REPEATS);
	alloc_bench_table(&env, designs, NDESIGNS, results);
	kfree(arena);
}
