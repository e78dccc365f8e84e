/* CPU exception handling: named, decoded reports; breakpoints return; every
 * other exception is fatal unless a test runner's hook takes it.
 */
#include "arch/x86_64/exception.h"

#include "arch/x86_64/cpu.h"
#include "console.h"
#include "arch/x86_64/backtrace.h"
#include "lib/printf.h"
#include "panic.h"
#include "test_hooks.h"

#define BACKTRACE_DEPTH 16
#define ERROR_TEXT_MAX  96

static struct exception_record last;

static const char *const cp_causes[] = {
	"", "near RET", "far RET or IRET", "missing ENDBRANCH", "RSTORSSP",
	"SETSSBSY",
};

#define CP_CAUSE_MASK   0x7fffu
#define CP_ENCLAVE      (1u << 15)

bool exception_has_error_code(unsigned vector)
{
	switch (vector) {
	case EXC_DOUBLE_FAULT: case EXC_INVALID_TSS: case EXC_SEGMENT_NP:
	case EXC_STACK_FAULT: case EXC_GENERAL_PROTECTION: case EXC_PAGE_FAULT:
	case EXC_ALIGNMENT_CHECK: case EXC_CONTROL_PROTECTION: case EXC_VMM_COMMUNICATION:
	case EXC_SECURITY:
		return true;
	default:
		return false;
	}
}

static int decode_page_fault(uint64_t e, char *buf, size_t len)
{
	return ksnprintf(buf, len, "%s, %s, %s mode%s%s%s%s",
		e & PF_PRESENT ? "protection violation" : "page not present",
		e & PF_FETCH ? "instruction fetch" : e & PF_WRITE ? "write" : "read",
		e & PF_USER ? "user" : "kernel",
		e & PF_RESERVED ? ", reserved bit set" : "",
		e & PF_PROTECTION_KEY ? ", protection key" : "",
		e & PF_SHADOW_STACK ? ", shadow stack" : "",
		(e & PF_FETCH) && (e & PF_PRESENT) ? " (no-execute page)" : "");
}

/* The selector error code of #TS, #NP, #SS and #GP. */
static int decode_selector(uint64_t e, char *buf, size_t len)
{
	const char *ext = e & SELERR_EXTERNAL ? ", external event" : "";
	uint64_t sel = e & SELERR_SELECTOR_MASK;
	unsigned long long index = sel >> SELERR_INDEX_SHIFT;

	if (sel == 0)
		return ksnprintf(buf, len, "no selector");
	if (e & SELERR_IDT)
		return ksnprintf(buf, len, "IDT vector 0x%llx%s", index, ext);
	return ksnprintf(buf, len, "%s selector 0x%llx (index %llu)%s",
			 e & SELERR_LDT ? "LDT" : "GDT",
			 (unsigned long long)(index << SELERR_INDEX_SHIFT), index, ext);
}

static int decode_control_protection(uint64_t e, char *buf, size_t len)
{
	uint64_t cause = e & CP_CAUSE_MASK;

	return ksnprintf(buf, len, "%s%s",
			 cause && cause < sizeof(cp_causes) / sizeof(cp_causes[0]) ?
			 cp_causes[cause] : "unknown cause",
			 e & CP_ENCLAVE ? ", in an enclave" : "");
}

int exception_decode_error(unsigned vector, uint64_t error, char *buf,
			   size_t len)
{
	switch (vector) {
	case EXC_PAGE_FAULT:
		return decode_page_fault(error, buf, len);
	case EXC_INVALID_TSS: case EXC_SEGMENT_NP: case EXC_STACK_FAULT:
	case EXC_GENERAL_PROTECTION:
		return decode_selector(error, buf, len);
	case EXC_CONTROL_PROTECTION:
		return decode_control_protection(error, buf, len);
	default:
		return ksnprintf(buf, len, "%s", "");
	}
}

static void report_registers(const struct int_frame *f)
{
	kprintf("  rip %016llx rsp %016llx rflags %016llx\n",
		(unsigned long long)f->rip, (unsigned long long)f->rsp,
		(unsigned long long)f->rflags);
	kprintf("  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n",
		(unsigned long long)f->rax, (unsigned long long)f->rbx,
		(unsigned long long)f->rcx, (unsigned long long)f->rdx);
	kprintf("  rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n",
		(unsigned long long)f->rsi, (unsigned long long)f->rdi,
		(unsigned long long)f->rbp, (unsigned long long)f->r8);
	kprintf("  r9  %016llx r10 %016llx r11 %016llx r12 %016llx\n",
		(unsigned long long)f->r9, (unsigned long long)f->r10,
		(unsigned long long)f->r11, (unsigned long long)f->r12);
	kprintf("  r13 %016llx r14 %016llx r15 %016llx cs %llx ss %llx\n",
		(unsigned long long)f->r13, (unsigned long long)f->r14,
		(unsigned long long)f->r15, (unsigned long long)f->cs,
		(unsigned long long)f->ss);
}

void exception_report(const struct int_frame *f)
{
	char what[ERROR_TEXT_MAX];

	/* Only this CPU runs, and the holder it interrupted never resumes. */
	if (console_lock_held())
		console_break_lock();
	exception_decode_error((unsigned)f->vector, f->error_code, what,
			       sizeof(what));
	kprintf("%s (vector %llu), error code 0x%llx%s%s\n",
		exception_name((unsigned)f->vector), (unsigned long long)f->vector,
		(unsigned long long)f->error_code, what[0] ? ": " : "", what);
	if (f->vector == EXC_PAGE_FAULT)
		kprintf("  address 0x%016llx\n", (unsigned long long)read_cr2());
	report_registers(f);
	backtrace_print(f->rip, f->rbp, BACKTRACE_DEPTH);
}

void exception_last(struct exception_record *out)
{
	*out = last;
}

static void record(const struct int_frame *f)
{
	last.count++;
	last.vector = f->vector;
	last.error_code = f->error_code;
	last.cr2 = f->vector == EXC_PAGE_FAULT ? read_cr2() : 0;
	last.rip = f->rip;
}

void exception_handle(struct int_frame *frame)
{
	record(frame);
	if (test_hooks && test_hooks->exception && test_hooks->exception(frame))
		return;
	if (frame->vector == EXC_BREAKPOINT) {
		/* Resumable: never take the lock from the code it interrupted. */
		if (!console_lock_held())
			kprintf("breakpoint at 0x%llx; continuing\n",
				(unsigned long long)frame->rip);
		return;
	}
	exception_report(frame);
	panic("unhandled %s (vector %llu) at 0x%llx",
	      exception_name((unsigned)frame->vector),
	      (unsigned long long)frame->vector, (unsigned long long)frame->rip);
}
