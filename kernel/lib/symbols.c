/* Symbol lookup over an ELF64 .symtab/.strtab pair (System V gABI, ch. 4).
 * Portable C: the same file is tested on the host.
 */
#include "lib/symbols.h"

#define SHT_SYMTAB    2
#define STT_FUNC      2
#define STT_OBJECT    1

struct elf64_ehdr {
	unsigned char ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_shdr {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
	uint32_t link, info;
	uint64_t addralign, entsize;
};

struct elf64_sym {
	uint32_t name;
	unsigned char info, other;
	uint16_t shndx;
	uint64_t value, size;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF header");
_Static_assert(sizeof(struct elf64_shdr) == 64, "section header");
_Static_assert(sizeof(struct elf64_sym) == 24, "symbol");

static const struct elf64_sym *syms;
static size_t nsyms;
static const char *strtab;
static size_t strtab_size;

/* The tables are read in place: each must lie inside the file, at an offset
 * its structures' alignment allows (ELF64 needs 8; a file that breaks that is
 * damaged, and a misaligned read is undefined behaviour in C). */
#define ELF64_ALIGN 8

static bool in_file(uint64_t off, uint64_t len, size_t size)
{
	return off <= size && len <= size - off;
}

static bool table_in_file(uint64_t off, uint64_t len, size_t size)
{
	return off % ELF64_ALIGN == 0 && in_file(off, len, size);
}

static bool is_elf64(const unsigned char *base, size_t size)
{
	const struct elf64_ehdr *eh = (const void *)base;

	return size >= sizeof(*eh) && base[0] == 0x7f && base[1] == 'E' &&
	       base[2] == 'L' && base[3] == 'F' && base[4] == 2 &&
	       eh->shentsize == sizeof(struct elf64_shdr) &&
	       table_in_file(eh->shoff, (uint64_t)eh->shnum * eh->shentsize, size);
}

/* Take the symbol table sym and its string table str, if both are whole
 * and every name ends inside the string table (its last byte is a NUL). */
static bool take_tables(const unsigned char *base, size_t size,
			const struct elf64_shdr *sym, const struct elf64_shdr *str)
{
	if (!table_in_file(sym->offset, sym->size, size) ||
	    !in_file(str->offset, str->size, size) || str->size == 0 ||
	    base[str->offset + str->size - 1] != '\0')
		return false;
	syms = (const void *)(base + sym->offset);
	nsyms = sym->size / sizeof(*syms);
	strtab = (const char *)base + str->offset;
	strtab_size = str->size;
	return true;
}

bool symbols_init(const void *elf, size_t size)
{
	const unsigned char *base = elf;
	const struct elf64_ehdr *eh = elf;
	const struct elf64_shdr *sh;

	syms = NULL;
	nsyms = 0;
	if (!elf || (uintptr_t)elf % ELF64_ALIGN || !is_elf64(base, size))
		return false;
	sh = (const void *)(base + eh->shoff);
	for (unsigned i = 0; i < eh->shnum; i++)
		if (sh[i].type == SHT_SYMTAB && sh[i].link < eh->shnum)
			return take_tables(base, size, &sh[i], &sh[sh[i].link]);
	return false;
}

size_t symbols_count(void)
{
	return nsyms;
}

bool symbols_lookup(uint64_t addr, const char **name, uint64_t *offset)
{
	const struct elf64_sym *best = NULL;

	for (size_t i = 0; i < nsyms; i++) {
		const struct elf64_sym *s = &syms[i];
		unsigned type = s->info & 0xf;

		if ((type != STT_FUNC && type != STT_OBJECT) || s->name >= strtab_size)
			continue;
		if (addr < s->value || (s->size && addr >= s->value + s->size))
			continue;
		if (!best || s->value > best->value)
			best = s;
	}
	if (!best)
		return false;
	*name = strtab + best->name;
	*offset = addr - best->value;
	return true;
}
