/* Kernel-wide entry points shared by the kernel image and test images. */
#ifndef KERNEL_H
#define KERNEL_H

#include "boot_info.h"

/* The loader's boot_info, valid for the kernel's whole life. */
extern const struct boot_info *boot_info;

/* Called by kmain() once the machine is set up. The kernel image's main.c and
 * ktest's test-image main each define it. Must not return.
 */
__attribute__((noreturn)) void kernel_run(const struct boot_info *bi);

/* Physical address -> its alias in the loader's physical-memory map. */
static inline void *phys_to_virt(unsigned long long phys)
{
	return (void *)(boot_info->phys_offset + phys);
}

#endif
