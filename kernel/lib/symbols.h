/* Kernel symbol lookup from the kernel's own ELF file (its .symtab), which
 * the loaders leave in memory (boot_info->kernel_elf_phys): the BIOS and
 * UEFI loaders keep the file they read; after a PVH boot it is the module
 * (QEMU's -initrd) when that is this kernel's ELF. None: no symbols.
 */
#ifndef LIB_SYMBOLS_H
#define LIB_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Use the ELF image at elf (size bytes). Returns false, and lookups then
 * fail, if it is not a 64-bit ELF with a symbol table that lies whole and
 * aligned inside it; a damaged file is never read past its end.
 */
bool symbols_init(const void *elf, size_t size);

/* How many symbols the table has (0 without one). */
size_t symbols_count(void);

/* The function or object containing addr: its name and addr's offset in it.
 * Returns false if no symbol covers addr. Safe in any context.
 */
bool symbols_lookup(uint64_t addr, const char **name, uint64_t *offset);

#endif
