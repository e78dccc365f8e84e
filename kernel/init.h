/* Kernel start-up (init.c): kmain() brings the machine up, then runs the
 * image's main; the boot_info the kernel was entered with stays here.
 */
#ifndef INIT_H
#define INIT_H

#include "boot_info.h"

/* The boot_info the kernel was entered with, valid for its whole life. */
extern const struct boot_info *boot_info;

/* The kernel's own main (main.c): kmain() runs it once the machine is up,
 * unless a test runner's hook runs instead (test_hooks.h). Never returns.
 */
__attribute__((noreturn)) void kernel_main(const struct boot_info *bi);

/* Physical address -> its alias in the loader's physical-memory map. */
static inline void *phys_to_virt(unsigned long long phys)
{
	return (void *)(boot_info->phys_offset + phys);
}

#endif
