/* ktest output: the one line discipline of the test output (docs/protocol.md,
 * "Output"). ktest's own lines are built whole and written at once; text
 * from anything else (kernel messages, what a case prints) only ever leaves
 * as "# | " diagnostic lines, wrapped, with every byte that is not printable
 * ASCII escaped as \xNN. So no text can be read as a result or break the
 * parse, and the line state lives here alone.
 */
#include "internal.h"

#define OUT_CUT_MARK "..."

static int depth;               /* 1 inside a suite's subtest */
static bool text_open;          /* a text line was begun and not ended */
static size_t text_columns;     /* bytes of it so far, escapes included */
static bool started;            /* the version line is out */

/* The line being built; the scratch buffer formats into it. */
static char line[KTEST_LINE_MAX];
static size_t line_len;
static bool line_cut;
static char scratch[KTEST_LINE_MAX];

/* ------------------------------------------------------------------------ */
/* Escaping. */

static bool printable(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

/* c as it appears in the output: itself or \xNN; returns the length. */
static size_t escape(unsigned char c, char out[4])
{
	static const char hex[] = "0123456789abcdef";

	if (printable(c)) {
		out[0] = (char)c;
		return 1;
	}
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[c >> 4];
	out[3] = hex[c & 0xf];
	return 4;
}

/* ------------------------------------------------------------------------ */
/* Writing: every byte ktest writes is counted into the document's sum
 * (docs/protocol.md, "Sums"), under the backend's lock. */

static uint32_t crc32_update(uint32_t crc, const char *s, size_t n)
{
	crc = ~crc;
	for (; n; n--) {
		crc ^= (unsigned char)*s++;
		for (int bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (KTEST_SUM_POLY & (0u - (crc & 1u)));
	}
	return ~crc;
}

static void emit(const char *s, size_t n)
{
	uint32_t *sum = ktest_backend_sum();

	*sum = crc32_update(*sum, s, n);
	ktest_backend_write(s, n);
}

/* ------------------------------------------------------------------------ */
/* Building one of ktest's lines. */

static void line_put(const char *s, size_t n)
{
	size_t room = sizeof line - sizeof OUT_CUT_MARK - 1;
	char esc[4];

	for (; n; n--, s++) {
		size_t e = escape((unsigned char)*s, esc);

		if (line_len + e > room) {
			line_cut = true;
			return;
		}
		for (size_t i = 0; i < e; i++)
			line[line_len++] = esc[i];
	}
}

static void line_puts(const char *s)
{
	line_put(s, kt_strlen(s));
}

static void line_begin(void)
{
	line_len = 0;
	line_cut = false;
	if (depth > 0)
		line_puts(KTEST_INDENT);
}

static void line_vprintf(const char *fmt, va_list ap)
{
	kt_vformat(scratch, sizeof scratch, fmt, ap);
	line_puts(scratch);
}

/* End the line being built: the cut mark if it was cut, and the newline. */
static void line_finish(void)
{
	if (line_cut)
		for (const char *m = OUT_CUT_MARK; *m; m++)
			line[line_len++] = *m;
	line[line_len++] = '\n';
}

/* With the lock held: end an open text line, since text never shares a
 * line with ktest's own output. */
static void close_text(void)
{
	if (text_open)
		emit("\n", 1);
	text_open = false;
}

/* With the lock held: end the line being built and write it. */
static void line_write(void)
{
	line_finish();
	emit(line, line_len);
}

/* Write the line. */
static void line_emit(void)
{
	uint64_t saved = ktest_backend_lock();

	close_text();
	line_write();
	ktest_backend_unlock(saved);
}

void out_set_depth(int d)
{
	depth = d;
}

void out_line(const char *fmt, ...)
{
	va_list ap;

	line_begin();
	va_start(ap, fmt);
	line_vprintf(fmt, ap);
	va_end(ap);
	line_emit();
}

static void diag_begin(const char *tag)
{
	line_begin();
	line_puts(KTEST_DIAG);
	if (tag[0]) {
		line_puts(tag);
		line_puts(": ");
	}
}

void out_diag(const char *tag, const char *fmt, ...)
{
	va_list ap;

	diag_begin(tag);
	va_start(ap, fmt);
	line_vprintf(fmt, ap);
	va_end(ap);
	line_emit();
}

void out_diag_lines(const char *tag, const char *lead, const char *text)
{
	const char *end;

	do {
		for (end = text; *end && *end != '\n'; end++)
			;
		diag_begin(tag);
		line_puts(lead);
		line_put(text, (size_t)(end - text));
		line_emit();
		text = end + 1;
	} while (*end && *text);
}

/* A case's result: its duration line, the sum of the document up to and
 * including it, and the result line, written under one lock so that no
 * text comes between them. */
void out_result(const char *tag, uint64_t us, const char *fmt, ...)
{
	uint64_t saved = ktest_backend_lock();
	va_list ap;

	close_text();
	diag_begin(tag);
	kt_format(scratch, sizeof scratch, "%llu us", (unsigned long long)us);
	line_puts(scratch);
	line_write();
	diag_begin(KTEST_TAG_RUNNER);
	kt_format(scratch, sizeof scratch, "%s %08x", KTEST_SAY_SUM,
		  (unsigned)*ktest_backend_sum());
	line_puts(scratch);
	line_write();
	line_begin();
	va_start(ap, fmt);
	line_vprintf(fmt, ap);
	va_end(ap);
	line_write();
	ktest_backend_unlock(saved);
}

/* The top-level version line: a document starts, and its sum with it
 * (after any open text line, which ends the one before); the next line
 * says that results come with sums. */
void out_version(void)
{
	uint64_t saved = ktest_backend_lock();

	close_text();
	*ktest_backend_sum() = 0;
	line_begin();
	line_puts(KTEST_VERSION_LINE);
	line_write();
	ktest_backend_unlock(saved);
	ktest_say("%s %s", KTEST_SAY_SUMS, KTEST_SUM_KIND);
}

void ktest_start_output(void)
{
	if (started)
		return;
	started = true;
	out_version();
}

void ktest_say(const char *fmt, ...)
{
	va_list ap;

	diag_begin(KTEST_TAG_RUNNER);
	va_start(ap, fmt);
	line_vprintf(fmt, ap);
	va_end(ap);
	line_emit();
}

/* ------------------------------------------------------------------------ */
/* Text from anything else. */

/* Bytes staged for one backend write. */
struct stage {
	char buf[256];
	size_t len;
};

static void stage_put(struct stage *st, const char *s, size_t n)
{
	for (; n; n--) {
		if (st->len == sizeof st->buf) {
			emit(st->buf, st->len);
			st->len = 0;
		}
		st->buf[st->len++] = *s++;
	}
}

static void text_prefix(struct stage *st)
{
	if (depth > 0)
		stage_put(st, KTEST_INDENT, kt_strlen(KTEST_INDENT));
	stage_put(st, KTEST_DIAG KTEST_TEXT_MARK,
		  kt_strlen(KTEST_DIAG KTEST_TEXT_MARK));
	text_open = true;
	text_columns = 0;
}

/* One byte of text: a newline ends the line, anything else is escaped and
 * wraps the line at KTEST_TEXT_COLUMNS. */
static void text_byte(struct stage *st, unsigned char c)
{
	char esc[4];
	size_t n;

	if (!text_open)
		text_prefix(st);
	if (c == '\n') {
		stage_put(st, "\n", 1);
		text_open = false;
		return;
	}
	n = escape(c, esc);
	if (text_columns + n > KTEST_TEXT_COLUMNS) {
		stage_put(st, "\n", 1);
		text_prefix(st);
	}
	stage_put(st, esc, n);
	text_columns += n;
}

void ktest_text(const char *s, size_t n)
{
	struct stage st = { .len = 0 };
	uint64_t saved = ktest_backend_lock();

	while (n--)
		text_byte(&st, (unsigned char)*s++);
	if (st.len)
		emit(st.buf, st.len);
	ktest_backend_unlock(saved);
}
