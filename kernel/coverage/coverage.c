/* Coverage runtime: writes the counters of the instrumented objects (which
 * register themselves from the compiler's constructors, run by kmain) as
 * dumps on the coverage channel, QEMU's isa-debugcon (coverage_stream.h,
 * docs/protocol.md).
 * Built without instrumentation itself, so a dump never changes counters.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "coverage.h"
#include "coverage_internal.h"
#include "coverage_stream.h"
#include "lib/cmdline.h"
#include "lib/string.h"

#define OUT_BUF_BYTES 1024      /* bytes per rep outsb */
#define WORD_MAX      8         /* the value of coverage=... */

static struct {
	bool present;           /* the channel's device answered */
	bool per_case;          /* coverage=case */
	char label[COVERAGE_LABEL_MAX + 1];
	uint8_t buf[OUT_BUF_BYTES];
	size_t used;
	uint64_t records;       /* O, F and A records of the current dump */
} cov;

static void out_flush(void)
{
	outsb(COVERAGE_PORT, cov.buf, cov.used);
	cov.used = 0;
}

static void put_byte(uint8_t b)
{
	if (cov.used == sizeof cov.buf)
		out_flush();
	cov.buf[cov.used++] = b;
}

/* Unsigned LEB128: seven bits a byte, low first; a zero counter is 1 byte. */
static void put_number(uint64_t v)
{
	do {
		uint8_t b = v & 0x7f;

		v >>= 7;
		put_byte(v ? b | 0x80 : b);
	} while (v);
}

/* Not kstrlen(): that is instrumented, and a dump must not count itself. */
static void put_string(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	put_number(n);
	for (size_t i = 0; i < n; i++)
		put_byte((uint8_t)s[i]);
}

void coverage_put_object(const char *gcda, uint32_t version, uint32_t stamp,
			 uint32_t checksum)
{
	put_byte(COVERAGE_TAG_OBJECT);
	put_string(gcda, SIZE_MAX);
	put_number(version);
	put_number(stamp);
	put_number(checksum);
	cov.records++;
}

void coverage_put_function(uint32_t ident, uint32_t lineno_checksum,
			   uint32_t cfg_checksum)
{
	put_byte(COVERAGE_TAG_FUNCTION);
	put_number(ident);
	put_number(lineno_checksum);
	put_number(cfg_checksum);
	cov.records++;
}

void coverage_put_arcs(uint32_t n, const uint64_t *counters)
{
	put_byte(COVERAGE_TAG_ARCS);
	put_number(n);
	for (uint32_t i = 0; i < n; i++)
		put_number(counters[i]);
	cov.records++;
}

/* One whole dump of every counter, labelled with cov.label. */
static void dump(void)
{
	cov.records = 0;
	put_byte(COVERAGE_TAG_DUMP);
	put_string(cov.label, COVERAGE_LABEL_MAX);
	coverage_emit_objects();
	put_byte(COVERAGE_TAG_END);
	put_number(cov.records);
	out_flush();
}

void coverage_init(const char *cmdline)
{
	char word[WORD_MAX];

	cov.present = inb(COVERAGE_PORT) == COVERAGE_READBACK;
	cov.per_case = cmdline_get(cmdline, COVERAGE_WORD, word, sizeof word) &&
		       strcmp(word, COVERAGE_PER_CASE) == 0;
}

void coverage_mark(const char *name)
{
	uint64_t flags;
	size_t n = 0;

	if (!cov.per_case || !cov.present)
		return;
	flags = irq_save();
	dump();
	coverage_reset_counters();
	while (name && n < COVERAGE_LABEL_MAX && name[n]) {
		cov.label[n] = name[n];
		n++;
	}
	cov.label[n] = '\0';
	irq_restore(flags);
}

void coverage_flush(void)
{
	uint64_t flags;

	if (!cov.present)
		return;
	flags = irq_save();
	dump();
	irq_restore(flags);
}
