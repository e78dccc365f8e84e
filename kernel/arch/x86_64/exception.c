/* CPU exception handling: named, decoded reports; breakpoints return; every
 * other exception is fatal unless a hook (the ktest runner) takes it.
 */
#include "arch/x86_64/exception.h"

#include "arch/x86_64/cpu.h"
#include "console.h"
#include "arch/x86_64/backtrace.h"
#include "panic.h"

#define BACKTRACE_DEPTH 16

static const char *const names[32] = {
	"divide error", "debug", "non-maskable interrupt", "breakpoint",
	"overflow", "bound range exceeded", "invalid opcode",
	"device not available", "double fault", "coprocessor segment overrun",
	"invalid TSS", "segment not present", "stack-segment fault",
	"general protection fault", "page fault", "reserved",
	"x87 floating-point error", "alignment check", "machine check",
	"SIMD floating-point exception", "virtualization exception",
	"control protection exception", "reserved", "reserved", "reserved",
	"reserved", "reserved", "reserved", "hypervisor injection exception",
	"VMM communication exception", "security exception", "reserved",
};

static exception_hook_fn hook;

const char *exception_name(unsigned vector)
{
	return vector < 32 ? names[vector] : "reserved";
}

void exception_set_hook(exception_hook_fn h)
{
	hook = h;
}

static void report_page_fault(const struct int_frame *f)
{
	uint64_t e = f->error_code;

	kprintf("  address 0x%016llx: %s, %s, %s mode%s%s\n",
		(unsigned long long)read_cr2(),
		e & PF_PRESENT ? "protection violation" : "page not present",
		e & PF_FETCH ? "instruction fetch" : e & PF_WRITE ? "write" : "read",
		e & PF_USER ? "user" : "kernel",
		e & PF_RESERVED ? ", reserved bit set" : "",
		e & PF_FETCH && e & PF_PRESENT ? " (no-execute page)" : "");
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
	kprintf("%s (vector %llu), error code 0x%llx\n",
		exception_name((unsigned)f->vector), (unsigned long long)f->vector,
		(unsigned long long)f->error_code);
	if (f->vector == EXC_PAGE_FAULT)
		report_page_fault(f);
	report_registers(f);
	backtrace_print(f->rip, f->rbp, BACKTRACE_DEPTH);
}

void exception_handle(struct int_frame *frame)
{
	if (hook && hook(frame))
		return;
	if (frame->vector == EXC_BREAKPOINT) {
		kprintf("breakpoint at 0x%llx; continuing\n",
			(unsigned long long)frame->rip);
		return;
	}
	exception_report(frame);
	panic("unhandled %s (vector %llu) at 0x%llx",
	      exception_name((unsigned)frame->vector),
	      (unsigned long long)frame->vector, (unsigned long long)frame->rip);
}
