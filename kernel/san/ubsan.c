/* UBSan runtime for the kernel: the __ubsan_handle_* functions gcc's and
 * clang's -fsanitize=<check> instrumentation calls (the handler ABI of
 * LLVM's compiler-rt ubsan_handlers.h, which gcc shares), reporting in
 * compiler-rt's words, as Linux's lib/ubsan.c does. Recoverable kinds let
 * the code go on; a null pointer use, an unreachable point reached or a
 * missing return do not. Built without sanitizers.
 */
#include <stdarg.h>

#include "console.h"
#include "lib/printf.h"
#include "san/report.h"

#define TYPE_KIND_INTEGER   0
#define VALUE_TEXT_MAX      32
#define MESSAGE_MAX         160
#define COLUMN_REPORTED     0x80000000u   /* a bit some runtimes set */
#define LOG2_BITS_MAX       6             /* 64-bit values are inline */

struct source_location {
	const char *file;
	uint32_t line;
	uint32_t column;
};

struct type_descriptor {
	uint16_t kind;          /* TYPE_KIND_INTEGER, float, unknown */
	uint16_t info;          /* integers: bit 0 signed, bits 1.. log2(width) */
	char name[];            /* quoted: 'int' */
};

struct overflow_data {
	struct source_location loc;
	const struct type_descriptor *type;
};

struct shift_data {
	struct source_location loc;
	const struct type_descriptor *lhs_type;
	const struct type_descriptor *rhs_type;
};

struct out_of_bounds_data {
	struct source_location loc;
	const struct type_descriptor *array_type;
	const struct type_descriptor *index_type;
};

struct type_mismatch_data {
	struct source_location loc;
	const struct type_descriptor *type;
	uint8_t log_alignment;
	uint8_t type_check_kind;
};

struct location_data {
	struct source_location loc;
};

struct invalid_value_data {
	struct source_location loc;
	const struct type_descriptor *type;
};

struct invalid_builtin_data {
	struct source_location loc;
	uint8_t kind;
};

struct alignment_assumption_data {
	struct source_location loc;
	struct source_location assumption_loc;
	const struct type_descriptor *type;
};

/* What went wrong, where, and from where: the handler's caller. */
struct ubsan_site {
	const struct source_location *loc;
	const char *kind;
	bool fatal;
	uint64_t pc;
	const void *frame;
};

#define SITE(data, what, is_fatal)                                           \
	(&(struct ubsan_site){ &(data)->loc, (what), (is_fatal),             \
		(uint64_t)(uintptr_t)__builtin_return_address(0) - 1,        \
		*(void *const *)__builtin_frame_address(0) })

__attribute__((format(printf, 2, 3)))
static void report(const struct ubsan_site *s, const char *fmt, ...)
{
	char message[MESSAGE_MAX], what[SAN_WHAT_MAX];
	const char *file = san_path(s->loc->file);
	unsigned column = s->loc->column & ~COLUMN_REPORTED;
	uint64_t flags;
	va_list ap;

	if (!san_report_begin(s->loc, s->fatal, &flags))
		return;
	va_start(ap, fmt);
	kvsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	kprintf("UBSan: %s in %s:%u:%u\n  %s\n", s->kind, file,
		(unsigned)s->loc->line, column, message);
	san_print_backtrace(s->pc, s->frame);
	ksnprintf(what, sizeof what, "UBSan: %s in %s:%u:%u: %s", s->kind, file,
		  (unsigned)s->loc->line, column, message);
	san_report_end(flags, what, s->fatal);
}

/* ------------------------------------------------------------------------ */
/* Values. */

static bool is_integer(const struct type_descriptor *t)
{
	return t->kind == TYPE_KIND_INTEGER;
}

static bool is_signed(const struct type_descriptor *t)
{
	return is_integer(t) && (t->info & 1);
}

static unsigned bit_width(const struct type_descriptor *t)
{
	return 1u << (t->info >> 1);
}

/* A value handle: the value itself up to 64 bits, else a pointer to it
 * (whose low 64 bits are shown). Signed values sign-extended. */
static int64_t signed_value(const struct type_descriptor *t, uintptr_t v)
{
	unsigned w = bit_width(t);

	if ((t->info >> 1) > LOG2_BITS_MAX)
		return *(const int64_t *)v;
	return w == 64 ? (int64_t)v : (int64_t)((uint64_t)v << (64 - w)) >> (64 - w);
}

static uint64_t unsigned_value(const struct type_descriptor *t, uintptr_t v)
{
	if ((t->info >> 1) > LOG2_BITS_MAX)
		return *(const uint64_t *)v;
	return (uint64_t)v;
}

static const char *value_text(const struct type_descriptor *t, uintptr_t v,
			      char *buf)
{
	if (!is_integer(t))
		ksnprintf(buf, VALUE_TEXT_MAX, "<value of type %s>", t->name);
	else if (is_signed(t))
		ksnprintf(buf, VALUE_TEXT_MAX, "%lld", (long long)signed_value(t, v));
	else
		ksnprintf(buf, VALUE_TEXT_MAX, "%llu",
			  (unsigned long long)unsigned_value(t, v));
	return buf;
}

static bool is_negative(const struct type_descriptor *t, uintptr_t v)
{
	return is_signed(t) && signed_value(t, v) < 0;
}

/* ------------------------------------------------------------------------ */
/* Handlers: arithmetic. */

static void overflow(const struct ubsan_site *s, const struct type_descriptor *t,
		     uintptr_t lhs, uintptr_t rhs, char op)
{
	char a[VALUE_TEXT_MAX], b[VALUE_TEXT_MAX];

	report(s, "%s integer overflow: %s %c %s cannot be represented in type %s",
	       is_signed(t) ? "signed" : "unsigned", value_text(t, lhs, a), op,
	       value_text(t, rhs, b), t->name);
}

#define UBSAN_OVERFLOW(name, op)                                             \
	void __ubsan_handle_##name##_overflow(struct overflow_data *d,        \
					     uintptr_t lhs, uintptr_t rhs);  \
	void __ubsan_handle_##name##_overflow(struct overflow_data *d,        \
					     uintptr_t lhs, uintptr_t rhs)   \
	{                                                                    \
		overflow(SITE(d, is_signed(d->type) ?                        \
			      "signed-integer-overflow" :                    \
			      "unsigned-integer-overflow", false),           \
			 d->type, lhs, rhs, op);                             \
	}

UBSAN_OVERFLOW(add, '+')
UBSAN_OVERFLOW(sub, '-')
UBSAN_OVERFLOW(mul, '*')

void __ubsan_handle_negate_overflow(struct overflow_data *d, uintptr_t old);
void __ubsan_handle_negate_overflow(struct overflow_data *d, uintptr_t old)
{
	char v[VALUE_TEXT_MAX];

	report(SITE(d, "signed-integer-overflow", false),
	       "negation of %s cannot be represented in type %s; cast to an "
	       "unsigned type to negate this value to itself",
	       value_text(d->type, old, v), d->type->name);
}

void __ubsan_handle_divrem_overflow(struct overflow_data *d, uintptr_t lhs,
				    uintptr_t rhs);
void __ubsan_handle_divrem_overflow(struct overflow_data *d, uintptr_t lhs,
				    uintptr_t rhs)
{
	char a[VALUE_TEXT_MAX];

	if (is_signed(d->type) && signed_value(d->type, rhs) == -1)
		report(SITE(d, "signed-integer-overflow", false),
		       "division of %s by -1 cannot be represented in type %s",
		       value_text(d->type, lhs, a), d->type->name);
	else
		report(SITE(d, "integer-divide-by-zero", false), "division by zero");
}

void __ubsan_handle_shift_out_of_bounds(struct shift_data *d, uintptr_t lhs,
					uintptr_t rhs);
void __ubsan_handle_shift_out_of_bounds(struct shift_data *d, uintptr_t lhs,
					uintptr_t rhs)
{
	const struct ubsan_site *s = SITE(d, "shift-out-of-bounds", false);
	char a[VALUE_TEXT_MAX], b[VALUE_TEXT_MAX];

	value_text(d->lhs_type, lhs, a);
	value_text(d->rhs_type, rhs, b);
	if (is_negative(d->rhs_type, rhs))
		report(s, "shift exponent %s is negative", b);
	else if (unsigned_value(d->rhs_type, rhs) >= bit_width(d->lhs_type))
		report(s, "shift exponent %s is too large for %u-bit type %s", b,
		       bit_width(d->lhs_type), d->lhs_type->name);
	else if (is_negative(d->lhs_type, lhs))
		report(s, "left shift of negative value %s", a);
	else
		report(s, "left shift of %s by %s places cannot be represented "
		       "in type %s", a, b, d->lhs_type->name);
}

/* ------------------------------------------------------------------------ */
/* Handlers: memory. */

void __ubsan_handle_out_of_bounds(struct out_of_bounds_data *d, uintptr_t index);
void __ubsan_handle_out_of_bounds(struct out_of_bounds_data *d, uintptr_t index)
{
	char i[VALUE_TEXT_MAX];

	report(SITE(d, "array-index-out-of-bounds", false),
	       "index %s out of bounds for type %s",
	       value_text(d->index_type, index, i), d->array_type->name);
}

static const char *const check_kinds[] = {
	"load of", "store to", "reference binding to", "member access within",
	"member call on", "constructor call on", "downcast of", "downcast of",
	"upcast of", "cast to virtual base of", "_Nonnull binding to",
	"dynamic operation on",
};

void __ubsan_handle_type_mismatch_v1(struct type_mismatch_data *d, uintptr_t ptr);
void __ubsan_handle_type_mismatch_v1(struct type_mismatch_data *d, uintptr_t ptr)
{
	uintptr_t align = (uintptr_t)1 << d->log_alignment;
	const char *how = d->type_check_kind < sizeof check_kinds / sizeof *check_kinds ?
			  check_kinds[d->type_check_kind] : "access of";

	if (!ptr)
		report(SITE(d, "null-pointer-dereference", true),
		       "%s null pointer of type %s", how, d->type->name);
	else if (ptr & (align - 1))
		report(SITE(d, "misaligned-access", false),
		       "%s misaligned address 0x%llx for type %s, which requires "
		       "%llu byte alignment", how, (unsigned long long)ptr,
		       d->type->name, (unsigned long long)align);
	else
		report(SITE(d, "object-size-mismatch", false),
		       "%s address 0x%llx with insufficient space for an object "
		       "of type %s", how, (unsigned long long)ptr, d->type->name);
}

void __ubsan_handle_pointer_overflow(struct location_data *d, uintptr_t base,
				     uintptr_t result);
void __ubsan_handle_pointer_overflow(struct location_data *d, uintptr_t base,
				     uintptr_t result)
{
	const struct ubsan_site *s = SITE(d, "pointer-overflow", false);
	unsigned long long b = base, r = result;

	if (!base && !result)
		report(s, "applying zero offset to null pointer");
	else if (!base)
		report(s, "applying non-zero offset 0x%llx to null pointer", r);
	else if (!result)
		report(s, "applying non-zero offset to non-null pointer 0x%llx "
		       "produced null pointer", b);
	else if (((intptr_t)base >= 0) == ((intptr_t)result >= 0))
		report(s, "%s of unsigned offset %s 0x%llx overflowed to 0x%llx",
		       base > result ? "addition" : "subtraction",
		       base > result ? "to" : "from", b, r);
	else
		report(s, "pointer index expression with base 0x%llx overflowed "
		       "to 0x%llx", b, r);
}

void __ubsan_handle_alignment_assumption(struct alignment_assumption_data *d,
					 uintptr_t ptr, uintptr_t align,
					 uintptr_t offset);
void __ubsan_handle_alignment_assumption(struct alignment_assumption_data *d,
					 uintptr_t ptr, uintptr_t align,
					 uintptr_t offset)
{
	report(SITE(d, "alignment-assumption", false),
	       "assumption of %llu byte alignment (offset %llu) for pointer of "
	       "type %s failed: 0x%llx", (unsigned long long)align,
	       (unsigned long long)offset, d->type->name, (unsigned long long)ptr);
}

/* ------------------------------------------------------------------------ */
/* Handlers: values and control flow. */

void __ubsan_handle_load_invalid_value(struct invalid_value_data *d, uintptr_t v);
void __ubsan_handle_load_invalid_value(struct invalid_value_data *d, uintptr_t v)
{
	char text[VALUE_TEXT_MAX];

	report(SITE(d, "invalid-load", false),
	       "load of value %s, which is not a valid value for type %s",
	       value_text(d->type, v, text), d->type->name);
}

void __ubsan_handle_invalid_builtin(struct invalid_builtin_data *d);
void __ubsan_handle_invalid_builtin(struct invalid_builtin_data *d)
{
	report(SITE(d, "invalid-builtin-use", false),
	       "passing zero to %s, which is not a valid argument",
	       d->kind == 0 ? "ctz()" : "clz()");
}

void __ubsan_handle_vla_bound_not_positive(struct invalid_value_data *d,
					   uintptr_t bound);
void __ubsan_handle_vla_bound_not_positive(struct invalid_value_data *d,
					   uintptr_t bound)
{
	char text[VALUE_TEXT_MAX];

	report(SITE(d, "vla-bound-not-positive", true),
	       "variable length array bound evaluates to non-positive value %s",
	       value_text(d->type, bound, text));
}

__attribute__((noreturn)) void __ubsan_handle_builtin_unreachable(struct location_data *d);
void __ubsan_handle_builtin_unreachable(struct location_data *d)
{
	report(SITE(d, "unreachable", true),
	       "execution reached an unreachable program point");
	__builtin_trap();       /* report() does not return for a fatal kind */
}

__attribute__((noreturn)) void __ubsan_handle_missing_return(struct location_data *d);
void __ubsan_handle_missing_return(struct location_data *d)
{
	report(SITE(d, "missing-return", true),
	       "execution reached the end of a value-returning function without "
	       "returning a value");
	__builtin_trap();
}
