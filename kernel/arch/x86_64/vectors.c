/* Names of the x86 exception vectors (Intel SDM vol 3, table 6-1). Pure and
 * portable: the kernel's reports and ktest's verdicts (kernel and host
 * backends) take their names from here.
 */
#include "arch/x86_64/exception.h"

static const char *const names[EXC_COUNT] = {
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

#define VECTOR_COUNT 256

const char *exception_name(unsigned vector)
{
	if (vector < EXC_COUNT)
		return names[vector];
	return vector < VECTOR_COUNT ? "interrupt" : "unknown";
}
