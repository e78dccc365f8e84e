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

static bool in_file(uint64_t off, uint64_t len, size_t size)
{
	return off <= size && len <= size - off;
}

bool symbols_init(const void *elf, size_t size)
{
	const unsigned char *base = elf;
	const struct elf64_ehdr *eh = elf;
	const struct elf64_shdr *sh;

	syms = NULL;
	nsyms = 0;
	if (!elf || size < sizeof(*eh) || base[0] != 0x7f || base[1] != 'E' ||
	    base[2] != 'L' || base[3] != 'F' || base[4] != 2 ||
	    eh->shentsize != sizeof(*sh) ||
	    !in_file(eh->shoff, (uint64_t)eh->shnum * sizeof(*sh), size))
		return false;
	sh = (const void *)(base + eh->shoff);
	for (unsigned i = 0; i < eh->shnum; i++) {
		const struct elf64_shdr *str;

		if (sh[i].type != SHT_SYMTAB || sh[i].link >= eh->shnum)
			continue;
		str = &sh[sh[i].link];
		if (!in_file(sh[i].offset, sh[i].size, size) ||
		    !in_file(str->offset, str->size, size))
			return false;
		syms = (const void *)(base + sh[i].offset);
		nsyms = sh[i].size / sizeof(*syms);
		strtab = (const char *)base + str->offset;
		strtab_size = str->size;
		return true;
	}
	return false;
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
