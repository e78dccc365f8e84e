/* Tests for lib/symbols: lookups in a small ELF64 file built here byte by
 * byte (System V gABI ch. 4), damaged files refused without reading past
 * their end or out of alignment (the host twin runs under ASan and UBSan),
 * and in the kernel its own symbol table, which every way in must hand over
 * (docs/boot.md).
 */
#include "ktest.h"

#include "lib/string.h"
#include "lib/symbols.h"

#ifndef KTEST_HOST
#include "init.h"
#endif

/* The file: ELF header, three symbols (null, alpha, beta), their names, the
 * section headers (null, .symtab, .strtab), then spare bytes. */
#define SYMTAB_OFF      64
#define SYM_SIZE        24
#define STRTAB_OFF      136
#define STRTAB          "\0alpha\0beta"         /* and the final NUL */
#define SHDR_OFF        152
#define SHDR_SIZE       64
#define FILE_SIZE       512
#define ALPHA           0xffffffff80001000ull   /* a function of 0x20 bytes */
#define BETA            0xffffffff80002000ull   /* an object of 8 bytes */

/* Field offsets: ELF header, symbol, section header. */
#define E_SHOFF 40
#define E_SHENTSIZE 58
#define E_SHNUM 60
#define ST_NAME 0
#define ST_INFO 4
#define ST_VALUE 8
#define ST_SIZE 16
#define SH_TYPE 4
#define SH_OFFSET 24
#define SH_SIZE 32
#define SH_LINK 40
#define SHT_SYMTAB 2
#define SHT_STRTAB 3
#define SYMTAB_SH (SHDR_OFF + SHDR_SIZE)        /* section 1 */
#define STRTAB_SH (SHDR_OFF + 2 * SHDR_SIZE)    /* section 2 */

static uint64_t file_words[FILE_SIZE / 8 + 1];  /* aligned as ELF64 wants */
static unsigned char *const file = (unsigned char *)file_words;

static void put(size_t off, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width; i++)
		file[off + i] = (unsigned char)(v >> (8 * i));
}

static void put_symbol(unsigned i, uint32_t name, uint8_t type, uint64_t value,
		       uint64_t size)
{
	size_t at = SYMTAB_OFF + i * SYM_SIZE;

	put(at + ST_NAME, 4, name);
	put(at + ST_INFO, 1, type);
	put(at + ST_VALUE, 8, value);
	put(at + ST_SIZE, 8, size);
}

static void put_section(size_t at, uint32_t type, uint64_t off, uint64_t size,
			uint32_t link)
{
	put(at + SH_TYPE, 4, type);
	put(at + SH_OFFSET, 8, off);
	put(at + SH_SIZE, 8, size);
	put(at + SH_LINK, 4, link);
}

static void build_file(void)
{
	memset(file_words, 0, sizeof(file_words));
	memcpy(file, "\177ELF\2\1\1", 7);
	put(E_SHOFF, 8, SHDR_OFF);
	put(E_SHENTSIZE, 2, SHDR_SIZE);
	put(E_SHNUM, 2, 3);
	put_symbol(1, 1, 2 /* STT_FUNC */, ALPHA, 0x20);
	put_symbol(2, 7, 1 /* STT_OBJECT */, BETA, 8);
	memcpy(file + STRTAB_OFF, STRTAB, sizeof(STRTAB));
	put_section(SYMTAB_SH, SHT_SYMTAB, SYMTAB_OFF, 3 * SYM_SIZE, 2);
	put_section(STRTAB_SH, SHT_STRTAB, STRTAB_OFF, sizeof(STRTAB), 0);
}

/* Whether addr is name + off. */
static bool names(uint64_t addr, const char *name, uint64_t off)
{
	const char *got;
	uint64_t got_off;

	return symbols_lookup(addr, &got, &got_off) && !strcmp(got, name) && got_off == off;
}

#ifndef KTEST_HOST
/* Give the kernel its own table back, as arch_init() set it up. */
static void restore_kernel_symbols(struct ktest *t)
{
	(void)t;
	symbols_init(boot_info->kernel_elf_size ? phys_to_virt(boot_info->kernel_elf_phys) : NULL,
		     boot_info->kernel_elf_size);
}

KTEST_SUITE(symbols, .case_exit = restore_kernel_symbols);
#else
KTEST_SUITE(symbols);
#endif

KTEST(symbols, looks_up_functions_and_objects)
{
	build_file();
	ASSERT_TRUE(symbols_init(file, FILE_SIZE));
	EXPECT_EQ(3u, symbols_count());
	EXPECT_TRUE(names(ALPHA, "alpha", 0));
	EXPECT_TRUE(names(ALPHA + 0x1f, "alpha", 0x1f));
	EXPECT_TRUE(names(BETA + 7, "beta", 7));
	EXPECT_FALSE(names(ALPHA + 0x20, "alpha", 0x20));  /* past its end */
	EXPECT_FALSE(symbols_lookup(ALPHA - 1, &(const char *){ NULL }, &(uint64_t){ 0 }));
}

/* A symbol whose name lies outside the string table is never named. */
KTEST(symbols, skips_a_name_outside_the_string_table)
{
	build_file();
	put(SYMTAB_OFF + SYM_SIZE + ST_NAME, 4, sizeof(STRTAB));
	ASSERT_TRUE(symbols_init(file, FILE_SIZE));
	EXPECT_FALSE(symbols_lookup(ALPHA, &(const char *){ NULL }, &(uint64_t){ 0 }));
	EXPECT_TRUE(names(BETA, "beta", 0));
}

/* One field of the file set to a damaging value. */
struct damage {
	const char *what;
	size_t off;
	unsigned width;
	uint64_t value;
};

static const struct damage damages[] = {
	{ "no_magic", 0, 1, 0 },
	{ "elf32", 4, 1, 1 },
	{ "section_headers_past_the_end", E_SHOFF, 8, FILE_SIZE - SHDR_SIZE },
	{ "section_headers_far_past_the_end", E_SHOFF, 8, ~0ull - 7 },
	{ "section_headers_misaligned", E_SHOFF, 8, SHDR_OFF + 4 },
	{ "section_header_size_wrong", E_SHENTSIZE, 2, 40 },
	{ "too_many_section_headers", E_SHNUM, 2, 0xffff },
	{ "no_symbol_table", SYMTAB_SH + SH_TYPE, 4, SHT_STRTAB },
	{ "symbol_table_past_the_end", SYMTAB_SH + SH_OFFSET, 8, FILE_SIZE },
	{ "symbol_table_size_wraps", SYMTAB_SH + SH_SIZE, 8, ~0ull - 16 },
	{ "symbol_table_misaligned", SYMTAB_SH + SH_OFFSET, 8, SYMTAB_OFF + 4 },
	{ "string_table_link_out_of_range", SYMTAB_SH + SH_LINK, 4, 3 },
	{ "string_table_past_the_end", STRTAB_SH + SH_SIZE, 8, FILE_SIZE },
	{ "string_table_offset_wraps", STRTAB_SH + SH_OFFSET, 8, ~0ull },
	{ "string_table_without_its_last_nul", STRTAB_SH + SH_SIZE, 8, sizeof(STRTAB) - 1 },
	{ "string_table_empty", STRTAB_SH + SH_SIZE, 8, 0 },
};

static void describe_damage(const struct damage *d, char *buf, size_t len)
{
	strlcpy(buf, d->what, len);
}

KTEST_PARAM(symbols, refuses_a_damaged_file, struct damage, damages, describe_damage)
{
	build_file();
	put(param->off, param->width, param->value);
	EXPECT_FALSE(symbols_init(file, FILE_SIZE));
	EXPECT_EQ(0u, symbols_count());
	EXPECT_FALSE(symbols_lookup(ALPHA, &(const char *){ NULL }, &(uint64_t){ 0 }));
}

KTEST(symbols, refuses_a_short_or_misplaced_file)
{
	build_file();
	EXPECT_FALSE(symbols_init(NULL, FILE_SIZE));
	EXPECT_FALSE(symbols_init(file, 63));           /* not even a header */
	EXPECT_FALSE(symbols_init(file, SHDR_OFF + 3 * SHDR_SIZE - 1));
	EXPECT_FALSE(symbols_init(file + 4, FILE_SIZE - 4));  /* misaligned */
	EXPECT_TRUE(symbols_init(file, SHDR_OFF + 3 * SHDR_SIZE));  /* just fits */
}

#ifndef KTEST_HOST
/* The kernel has its own symbols however it was booted: the BIOS and UEFI
 * loaders keep the ELF file they read; a PVH boot needs the ELF as its
 * module (QEMU's -initrd), which the harness always passes. */
KTEST(symbols, the_kernel_names_its_own_functions)
{
	ASSERT_NE_MSG(0u, boot_info->kernel_elf_size,
		      "no kernel ELF file in memory (boot method %u; PVH without "
		      "the ELF as -initrd?)", boot_info->boot_method);
	EXPECT_LT(100u, symbols_count());
	EXPECT_TRUE(names((uint64_t)(uintptr_t)symbols_lookup + 3, "symbols_lookup", 3));
	EXPECT_TRUE(names((uint64_t)(uintptr_t)restore_kernel_symbols, "restore_kernel_symbols", 0));
}
#endif
