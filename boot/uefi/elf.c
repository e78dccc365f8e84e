/* The kernel ELF's checks and placement, as boot/stage2.asm does them
 * (System V ABI, ELF-64 object file format 1.5; the x86-64 psABI): a 64-bit
 * little-endian x86-64 ET_EXEC whose PT_LOAD segments are page aligned,
 * inside the file, linked in the top 2 GiB, never writable and executable,
 * and never overlapping. Failure messages match the BIOS loader's.
 */
#include "image.h"
#include "loader.h"

#define ELF_MAGIC          0x464c457f     /* "\x7fELF" */
#define ELFCLASS64         2
#define ELFDATA2LSB        1
#define ET_EXEC            2
#define EM_X86_64          62
#define PT_LOAD            1
#define PF_X               1
#define PF_W               2
#define KERNEL_MIN_VADDR   0xffffffff80000000ull

struct elf64_ehdr {
	uint32_t magic;
	uint8_t class, data, version, osabi, pad[8];
	uint16_t type, machine;
	uint32_t version2;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr");
_Static_assert(offsetof(struct elf64_ehdr, phoff) == 32, "e_phoff");
_Static_assert(offsetof(struct elf64_ehdr, phentsize) == 54, "e_phentsize");

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr");

static const char msg_bad[] = "loader: kernel is not a valid x86-64 ELF executable";
static const char msg_no_load[] = "loader: kernel ELF has no loadable segment";
static const char msg_align[] = "loader: kernel segment is not page aligned";
static const char msg_wx[] = "loader: kernel segment is both writable and executable";
static const char msg_high[] = "loader: kernel is not linked in the top 2 GiB";
static const char msg_overlap[] = "loader: kernel segments overlap";
static const char msg_too_big[] = "loader: kernel too big (16 MiB at most)";

static const struct elf64_phdr *phdr(const struct kernel_image *k, unsigned i)
{
	const struct elf64_ehdr *eh = (const struct elf64_ehdr *)k->file;

	return (const struct elf64_phdr *)(k->file + eh->phoff) + i;
}

static unsigned phnum(const struct kernel_image *k)
{
	return ((const struct elf64_ehdr *)k->file)->phnum;
}

static const char *check_header(const uint8_t *file, uint64_t size)
{
	const struct elf64_ehdr *eh = (const struct elf64_ehdr *)file;

	if (size < sizeof(*eh) || eh->magic != ELF_MAGIC || eh->class != ELFCLASS64 ||
	    eh->data != ELFDATA2LSB || eh->type != ET_EXEC || eh->machine != EM_X86_64 ||
	    eh->phentsize != sizeof(struct elf64_phdr) || eh->phoff > size ||
	    (uint64_t)eh->phnum * sizeof(struct elf64_phdr) > size - eh->phoff)
		return msg_bad;
	return NULL;
}

static const char *check_segment(const struct elf64_phdr *p, uint64_t size)
{
	if (p->offset > size || p->filesz > size - p->offset || p->filesz > p->memsz)
		return msg_bad;
	if (p->vaddr & (PAGE_SIZE - 1))
		return msg_align;
	if ((p->flags & (PF_W | PF_X)) == (PF_W | PF_X))
		return msg_wx;
	if (p->vaddr < KERNEL_MIN_VADDR)
		return msg_high;
	if (p->memsz > UINT64_MAX - PAGE_SIZE - p->vaddr)    /* wraps past the top */
		return msg_bad;
	return NULL;
}

/* Whether two PT_LOAD segments share a page. */
static bool overlap(const struct elf64_phdr *a, const struct elf64_phdr *b)
{
	uint64_t a_end = PAGE_ROUND_UP(a->vaddr + a->memsz) - 1;
	uint64_t b_end = PAGE_ROUND_UP(b->vaddr + b->memsz) - 1;

	return a->memsz && b->memsz && a->vaddr <= b_end && b->vaddr <= a_end;
}

static const char *check_segments(struct kernel_image *k)
{
	k->vmin = UINT64_MAX;
	k->vmax = 0;
	for (unsigned i = 0; i < phnum(k); i++) {
		const struct elf64_phdr *p = phdr(k, i);
		const char *err;

		if (p->type != PT_LOAD)
			continue;
		err = check_segment(p, k->file_size);
		if (err)
			return err;
		for (unsigned j = 0; j < i; j++)
			if (phdr(k, j)->type == PT_LOAD && overlap(p, phdr(k, j)))
				return msg_overlap;
		if (p->vaddr < k->vmin)
			k->vmin = p->vaddr;
		if (PAGE_ROUND_UP(p->vaddr + p->memsz) > k->vmax)
			k->vmax = PAGE_ROUND_UP(p->vaddr + p->memsz);
	}
	return NULL;
}

const char *elf_check(const uint8_t *file, uint64_t size, struct kernel_image *k)
{
	const char *err = check_header(file, size);

	if (err)
		return err;
	k->file = file;
	k->file_size = size;
	k->entry = ((const struct elf64_ehdr *)file)->entry;
	err = check_segments(k);
	if (err)
		return err;
	if (k->vmin == UINT64_MAX)
		return msg_no_load;
	if (k->vmax - k->vmin > IMG_KERNEL_MAX_BYTES)
		return msg_too_big;
	return NULL;
}

void elf_place(const struct kernel_image *k, uint64_t phys)
{
	memset((void *)phys, 0, k->vmax - k->vmin);
	for (unsigned i = 0; i < phnum(k); i++) {
		const struct elf64_phdr *p = phdr(k, i);

		if (p->type == PT_LOAD)
			memcpy((void *)(phys + p->vaddr - k->vmin), k->file + p->offset,
			       p->filesz);
	}
}

void elf_for_each_load(const struct kernel_image *k,
		       void (*fn)(void *ctx, uint64_t vaddr, uint64_t memsz,
				  bool writable, bool executable),
		       void *ctx)
{
	for (unsigned i = 0; i < phnum(k); i++) {
		const struct elf64_phdr *p = phdr(k, i);

		if (p->type == PT_LOAD)
			fn(ctx, p->vaddr, p->memsz, p->flags & PF_W, p->flags & PF_X);
	}
}
