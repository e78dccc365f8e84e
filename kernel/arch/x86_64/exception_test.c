/* Tests for CPU exception handling (arch/x86_64/exception): every exception
 * ring 0 can raise on purpose, with its vector, error code, CR2 and RIP as
 * the handler recorded them (Intel SDM vol 3, 6.15), and the error-code
 * decoder.
 *
 * The instructions that fault on purpose are inline assembly here rather
 * than cpu.h wrappers: they exist only to be executed by these cases.
 *
 * Not raised: #OF and #BR (INTO and BOUND are invalid in 64-bit mode), #AC
 * (alignment checks apply at CPL 3 only, and nothing runs there yet), #TS
 * and #NP (they need a corrupt TSS or a not-present descriptor, which the
 * kernel never builds), #SS (ring 0 can only raise it with a non-canonical
 * stack reference, which QEMU's TCG reports as #GP), #XM (QEMU's TCG keeps
 * unmasked SSE errors in MXCSR and never raises it), NMI and #MC (hardware),
 * #DF (its own image: ktest/integration/stack_overflow.c). Nor a #GP for
 * INT n through a missing IDT gate: QEMU's TCG reports its error code as
 * vector * 16 + 2 instead of the SDM's vector * 8 + 2, so such a case would
 * pass or fail depending on the machine; the decoder test covers IDT codes.
 */
#include "ktest.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/exception.h"
#include "arch/x86_64/paging.h"
#include "lib/string.h"

#define DECODED_MAX      96
#define NON_CANONICAL    0x8000000000000000ull
#define BAD_SELECTOR     0xfff8     /* GDT index 8191: far past our GDT */
#define DR6_SINGLE_STEP  (1ull << 14)
#define X87_CW_UNMASK_ZE 0x037b     /* default 0x037f with zero-divide unmasked */
#define RET_OPCODE       0xc3
#define CPUID_EXT_FEATURES 0x80000001u
#define CPUID_EDX_NX     (1u << 20)

/* What the case about to fault expects the handler to record. */
static struct {
	bool armed;                /* set by the body just before it faults */
	uint64_t vector;
	uint64_t error_code;
	const char *decoded;       /* exception_decode_error() of it */
	bool check_cr2;
	uint64_t cr2;
	uint64_t rip;              /* 0: not checked */
	uint64_t dr6;              /* DR6 bits that must be set */
} want;

static struct exception_record before;
static uint64_t saved_cr0, saved_cr4;

static int arm(struct ktest *t)
{
	(void)t;
	memset(&want, 0, sizeof(want));
	exception_last(&before);
	saved_cr0 = read_cr0();
	saved_cr4 = read_cr4();
	return 0;
}

static void expect(uint64_t vector, uint64_t error, const char *decoded)
{
	want.vector = vector;
	want.error_code = error;
	want.decoded = decoded;
	want.armed = true;
	/* The fault that follows may be a plain C access, which the compiler
	 * could otherwise move above these stores.
	 */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* After the case: exactly one exception, and the one expected. */
static void check_record(void)
{
	struct exception_record now;
	char text[DECODED_MAX];

	if (!want.armed)
		return;
	exception_last(&now);
	EXPECT_EQ(before.count + 1, now.count);
	EXPECT_EQ(want.vector, now.vector);
	EXPECT_EQ(want.error_code, now.error_code);
	if (want.check_cr2)
		EXPECT_EQ(want.cr2, now.cr2);
	if (want.rip)
		EXPECT_EQ(want.rip, now.rip);
	if (want.dr6)
		EXPECT_EQ(want.dr6, read_dr6() & want.dr6);
	exception_decode_error((unsigned)now.vector, now.error_code, text,
			       sizeof(text));
	EXPECT_STREQ(want.decoded, text);
}

static void disarm(struct ktest *t)
{
	(void)t;
	check_record();
	write_cr0(saved_cr0);
	write_cr4(saved_cr4);
}

KTEST_SUITE(exception, .case_init = arm, .case_exit = disarm);

/* The seed's first test: int3 is reported and execution goes on. */
KTEST(exception, breakpoint_returns)
{
	struct exception_record now;
	volatile int after = 0;
	uint64_t next;

	__asm__ volatile("int3\n\t"
			 "1: leaq 1b(%%rip), %0" : "=r"(next) : : "memory");
	after = 1;
	EXPECT_EQ(1, after);
	exception_last(&now);
	EXPECT_EQ(before.count + 1, now.count);
	EXPECT_EQ(EXC_BREAKPOINT, now.vector);
	EXPECT_EQ(next, now.rip);          /* a trap: RIP is past the int3 */
}

KTEST(exception, breakpoint_as_fault, KTEST_EXPECT_FAULT(EXC_BREAKPOINT))
{
	expect(EXC_BREAKPOINT, 0, "");
	__asm__ volatile("leaq 1f(%%rip), %%rax\n\t"
			 "movq %%rax, %0\n\t"
			 "int3\n"
			 "1:" : "=m"(want.rip) : : "rax", "memory");
}

KTEST(exception, divide_error, KTEST_EXPECT_FAULT(EXC_DIVIDE_ERROR))
{
	expect(EXC_DIVIDE_ERROR, 0, "");
	__asm__ volatile("leaq 1f(%%rip), %%rax\n\t"
			 "movq %%rax, %0\n\t"
			 "xorl %%edx, %%edx\n\t"
			 "xorl %%ecx, %%ecx\n\t"
			 "movl $1, %%eax\n"
			 "1: divl %%ecx"
			 : "=m"(want.rip) : : "rax", "rcx", "rdx", "memory");
}

KTEST(exception, invalid_opcode, KTEST_EXPECT_FAULT(EXC_INVALID_OPCODE))
{
	expect(EXC_INVALID_OPCODE, 0, "");
	__asm__ volatile("leaq 1f(%%rip), %%rax\n\t"
			 "movq %%rax, %0\n"
			 "1: ud2" : "=m"(want.rip) : : "rax", "memory");
}

/* TF set by popf: the CPU traps after the next instruction. */
KTEST(exception, debug_single_step, KTEST_EXPECT_FAULT(EXC_DEBUG))
{
	write_dr6(0);
	want.dr6 = DR6_SINGLE_STEP;
	expect(EXC_DEBUG, 0, "");
	__asm__ volatile("pushfq\n\t"
			 "orq %0, (%%rsp)\n\t"
			 "popfq\n\t"
			 "nop\n\t"
			 "nop" : : "i"(RFLAGS_TF) : "memory", "cc");
}

KTEST(exception, gp_non_canonical_address,
      KTEST_EXPECT_FAULT(EXC_GENERAL_PROTECTION))
{
	expect(EXC_GENERAL_PROTECTION, 0, "no selector");
	__asm__ volatile("movabsq %1, %%rax\n\t"
			 "leaq 1f(%%rip), %%rcx\n\t"
			 "movq %%rcx, %0\n"
			 "1: movq (%%rax), %%rax"
			 : "=m"(want.rip) : "i"(NON_CANONICAL) : "rax", "rcx", "memory");
}

KTEST(exception, gp_bad_segment_selector,
      KTEST_EXPECT_FAULT(EXC_GENERAL_PROTECTION))
{
	expect(EXC_GENERAL_PROTECTION, BAD_SELECTOR,
	       "GDT selector 0xfff8 (index 8191)");
	__asm__ volatile("movw %0, %%ax\n\t"
			 "movw %%ax, %%ds" : : "i"(BAD_SELECTOR) : "rax", "memory");
}

/* CR0.TS: the next x87 instruction raises #NM (lazy FPU switching). */
KTEST(exception, device_not_available, KTEST_EXPECT_FAULT(EXC_DEVICE_NA))
{
	write_cr0((read_cr0() | CR0_TS) & ~CR0_EM);
	expect(EXC_DEVICE_NA, 0, "");
	__asm__ volatile("fnop" : : : "memory");
}

static void reset_x87(struct ktest *t)
{
	(void)t;
	check_record();
	write_cr0((saved_cr0 | CR0_NE) & ~(CR0_EM | CR0_TS));
	__asm__ volatile("fninit" : : : "memory");
	write_cr0(saved_cr0);
}

KTEST_SUITE(exception_x87, .case_init = arm, .case_exit = reset_x87);

/* The same, in a suite whose case_exit clears the pending x87 error, so a
 * later x87 instruction in the run does not fault.
 */
KTEST(exception_x87, fwait_raises_pending_error, KTEST_EXPECT_FAULT(EXC_X87_FP))
{
	uint16_t cw = X87_CW_UNMASK_ZE;

	write_cr0((read_cr0() | CR0_NE) & ~(CR0_EM | CR0_TS));
	expect(EXC_X87_FP, 0, "");
	__asm__ volatile("fninit\n\t"
			 "fldcw %1\n\t"
			 "fld1\n\t"
			 "fldz\n\t"
			 "fdivrp\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "movq %%rax, %0\n"
			 "1: fwait" : "=m"(want.rip) : "m"(cw) : "rax", "memory");
}

/* ------------------------------------------------------------------------ */
/* Page faults on a page of our own. */

static uint8_t victim[PAGE_SIZE_4K] __attribute__((aligned(PAGE_SIZE_4K)));
static struct translation victim_map;

static int save_mapping(struct ktest *t)
{
	arm(t);
	if (!paging_translate((uint64_t)victim, &victim_map) ||
	    victim_map.page_size != PAGE_SIZE_4K)
		KTEST_SKIP("the test page is not mapped with a 4 KiB page");
	return 0;
}

static void restore_mapping(struct ktest *t)
{
	(void)t;
	check_record();
	paging_unmap((uint64_t)victim);
	if (paging_map((uint64_t)victim, victim_map.phys, victim_map.flags,
		       NULL) != PAGING_OK)
		KTEST_FAIL("cannot map the test page back");
}

/* Expect a page fault at addr; the fence in expect() covers these stores. */
static void expect_page_fault(uint64_t addr, uint64_t error, const char *decoded)
{
	want.check_cr2 = true;
	want.cr2 = addr;
	expect(EXC_PAGE_FAULT, error, decoded);
}

KTEST_SUITE(page_fault, .case_init = save_mapping, .case_exit = restore_mapping);

KTEST(page_fault, read_not_present, KTEST_EXPECT_FAULT(EXC_PAGE_FAULT))
{
	volatile uint8_t *p = victim + 0x123;

	ASSERT_EQ(PAGING_OK, paging_unmap((uint64_t)victim));
	expect_page_fault((uint64_t)p, 0, "page not present, read, kernel mode");
	(void)*p;
}

KTEST(page_fault, write_read_only, KTEST_EXPECT_FAULT(EXC_PAGE_FAULT))
{
	volatile uint8_t *p = victim + 0x456;

	ASSERT_EQ(PAGING_OK, paging_protect((uint64_t)victim,
					    victim_map.flags & ~PTE_WRITABLE));
	EXPECT_EQ(0, *p);                  /* reading is still fine */
	expect_page_fault((uint64_t)p, PF_PRESENT | PF_WRITE,
			  "protection violation, write, kernel mode");
	*p = 1;
}

KTEST(page_fault, fetch_no_execute, KTEST_EXPECT_FAULT(EXC_PAGE_FAULT))
{
	uint32_t a, b, c, d;
	void (*fn)(void);

	cpuid(CPUID_EXT_FEATURES, &a, &b, &c, &d);
	if (!(d & CPUID_EDX_NX))
		KTEST_SKIP("the CPU has no NX bit");
	ASSERT_NE(0, victim_map.flags & PTE_NX);
	victim[0] = RET_OPCODE;            /* would return if it could run */
	fn = (void (*)(void))(uintptr_t)victim;
	want.rip = (uint64_t)victim;
	expect_page_fault((uint64_t)victim, PF_PRESENT | PF_FETCH,
			  "protection violation, instruction fetch, kernel mode "
			  "(no-execute page)");
	fn();
}

/* ------------------------------------------------------------------------ */
/* The decoder and the tables, without faulting. */

KTEST_SUITE(exception_decode);

static const char *decode(unsigned vector, uint64_t error)
{
	static char text[DECODED_MAX];

	exception_decode_error(vector, error, text, sizeof(text));
	return text;
}

KTEST(exception_decode, page_fault_bits)
{
	EXPECT_STREQ("page not present, read, kernel mode",
		     decode(EXC_PAGE_FAULT, 0));
	EXPECT_STREQ("page not present, write, user mode",
		     decode(EXC_PAGE_FAULT, PF_WRITE | PF_USER));
	EXPECT_STREQ("protection violation, read, kernel mode, reserved bit set",
		     decode(EXC_PAGE_FAULT, PF_PRESENT | PF_RESERVED));
	EXPECT_STREQ("page not present, instruction fetch, kernel mode",
		     decode(EXC_PAGE_FAULT, PF_FETCH));
	EXPECT_STREQ("protection violation, write, user mode, protection key",
		     decode(EXC_PAGE_FAULT, PF_PRESENT | PF_WRITE | PF_USER |
			    PF_PROTECTION_KEY));
}

KTEST(exception_decode, selector_error_codes)
{
	EXPECT_STREQ("no selector", decode(EXC_GENERAL_PROTECTION, 0));
	EXPECT_STREQ("GDT selector 0x28 (index 5)",
		     decode(EXC_GENERAL_PROTECTION, 0x28));
	EXPECT_STREQ("LDT selector 0x10 (index 2)",
		     decode(EXC_SEGMENT_NP, 0x10 | SELERR_LDT));
	EXPECT_STREQ("IDT vector 0xd, external event",
		     decode(EXC_INVALID_TSS, 0xd << 3 | SELERR_IDT | SELERR_EXTERNAL));
	EXPECT_STREQ("GDT selector 0x18 (index 3)",
		     decode(EXC_STACK_FAULT, 0x18));
}

KTEST(exception_decode, control_protection_and_others)
{
	EXPECT_STREQ("near RET", decode(EXC_CONTROL_PROTECTION, 1));
	EXPECT_STREQ("missing ENDBRANCH, in an enclave",
		     decode(EXC_CONTROL_PROTECTION, 3 | 1u << 15));
	EXPECT_STREQ("unknown cause", decode(EXC_CONTROL_PROTECTION, 99));
	EXPECT_STREQ("", decode(EXC_DOUBLE_FAULT, 0));
	EXPECT_STREQ("", decode(EXC_DIVIDE_ERROR, 0));
}

KTEST(exception_decode, truncates_safely)
{
	char small[8];

	memset(small, 'x', sizeof(small));
	EXPECT_EQ(strlen("page not present, read, kernel mode"),
		  (size_t)exception_decode_error(EXC_PAGE_FAULT, 0, small,
						 sizeof(small)));
	EXPECT_STREQ("page no", small);
}

KTEST(exception_decode, which_vectors_push_error_codes)
{
	static const unsigned with[] = { 8, 10, 11, 12, 13, 14, 17, 21, 29, 30 };
	unsigned n = 0;

	for (unsigned v = 0; v < EXC_COUNT; v++)
		n += exception_has_error_code(v);
	EXPECT_EQ(sizeof(with) / sizeof(with[0]), n);
	for (size_t i = 0; i < sizeof(with) / sizeof(with[0]); i++)
		EXPECT_TRUE_MSG(exception_has_error_code(with[i]), "vector %u", with[i]);
}

KTEST(exception_decode, names)
{
	EXPECT_STREQ("divide error", exception_name(EXC_DIVIDE_ERROR));
	EXPECT_STREQ("page fault", exception_name(EXC_PAGE_FAULT));
	EXPECT_STREQ("general protection fault",
		     exception_name(EXC_GENERAL_PROTECTION));
	EXPECT_STREQ("double fault", exception_name(EXC_DOUBLE_FAULT));
	EXPECT_STREQ("reserved", exception_name(15));
	EXPECT_STREQ("interrupt", exception_name(EXC_COUNT));
	EXPECT_STREQ("interrupt", exception_name(255));
	EXPECT_STREQ("unknown", exception_name(256));
}
