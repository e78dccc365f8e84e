/* ktest: in-kernel unit tests, KUnit-style checks, KTAP v1 output.
 *
 * The same API builds for the kernel (each test image boots and reports over
 * COM1) and for the host (a native executable, run under ASan/UBSan).
 *
 *   #include <ktest.h>
 *
 *   KTEST_SUITE(fmt);
 *
 *   KTEST(fmt, prints_decimal)
 *   {
 *       char buf[16];
 *       EXPECT_EQ(2, ksnprintf(buf, sizeof buf, "%d", 42));
 *       EXPECT_STREQ("42", buf);
 *   }
 *
 * EXPECT_* records a failure and lets the case go on; ASSERT_* ends the case.
 * Every check has a _MSG variant taking a printf-style message.
 */
#ifndef KTEST_H
#define KTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktest_protocol.h"

struct ktest;

/* What a case must do to pass. */
enum ktest_expect {
	KTEST_EXPECT_RETURN = 0,  /* return normally with no failed check */
	KTEST_EXPECT_EXCEPTION,   /* raise exactly CPU exception .vector */
	KTEST_EXPECT_PANIC,       /* call panic() */
};

/**
 * struct ktest_suite - a group of cases, with optional fixtures.
 * @init:      runs once before the suite's first case; nonzero skips the suite.
 * @exit:      runs once after the suite's last case.
 * @case_init: runs before each case; may set t->priv; nonzero fails the case
 *             (KTEST_SKIP() in it skips the case).
 * @case_exit: runs after each case whose case_init succeeded, also when the
 *             body failed an ASSERT or was skipped, and in the kernel when it
 *             faulted or panicked. (On the host a case that crashed has lost
 *             its process, so case_exit cannot run there.)
 * init and exit run in the runner itself, not isolated like a case: a fault
 * or panic in them ends the run as an error.
 */
struct ktest_suite {
	const char *name;
	int (*init)(void);
	void (*exit)(void);
	int (*case_init)(struct ktest *t);
	void (*case_exit)(struct ktest *t);
};

/* A parameter table: @count entries of @size bytes; @describe names one. */
struct ktest_params {
	const void *table;
	size_t count;
	size_t size;
	void (*describe)(const void *param, char *buf, size_t len);
};

struct ktest_case {
	const char *name;
	const struct ktest_suite *suite;
	void (*fn)(struct ktest *t);
	const char *file;
	int line;
	enum ktest_expect expect;
	int vector;               /* for KTEST_EXPECT_EXCEPTION */
	bool slow;                /* ten times the default timeout */
	bool kernel_only;         /* skipped on the host backend */
	bool keeps_memory;        /* may leave heap blocks or frames allocated */
	const struct ktest_params *params;
};

/* The per-case context handed to every case and fixture. */
struct ktest {
	const struct ktest_case *tcase;
	const void *param;        /* current parameter, or NULL */
	void *priv;               /* free for fixtures */
	int failures;             /* failed checks so far */
	bool skipped;             /* ended by KTEST_SKIP() */
	char skip_reason[120];
};

/* ------------------------------------------------------------------------ */
/* Declaring suites and cases. */

#define KTEST_SECTION "ktest_cases"

/**
 * KTEST_SUITE(name, ...) - define a suite; fixtures as designated initializers:
 *   KTEST_SUITE(heap, .case_init = heap_setup, .case_exit = heap_teardown);
 */
#define KTEST_SUITE(sname, ...)                                              \
	const struct ktest_suite ktest_suite_##sname = {                     \
		.name = #sname, __VA_ARGS__ }

/* A case's name is unique in its image: a second definition of one is a
 * link error (multiple definition of ktest_case_id_suite__case), and the
 * name must leave room in results for a parameter's description. */
#define KTEST_DEFINE_CASE_(sname, cname, ...)                                \
	_Static_assert(sizeof(#sname "." #cname) <= KTEST_NAME_MAX - 16,      \
		       "ktest: suite.case name longer than KTEST_NAME_MAX"); \
	extern const char ktest_case_id_##sname##__##cname;                  \
	__attribute__((used)) const char ktest_case_id_##sname##__##cname = 1; \
	extern const struct ktest_suite ktest_suite_##sname;                 \
	static void ktest_fn_##sname##_##cname(struct ktest *t);             \
	static const struct ktest_case ktest_case_##sname##_##cname = {      \
		.name = #cname, .suite = &ktest_suite_##sname,               \
		.fn = ktest_fn_##sname##_##cname,                            \
		.file = __FILE__, .line = __LINE__, __VA_ARGS__ };           \
	static const struct ktest_case *const ktest_ptr_##sname##_##cname    \
		__attribute__((used, section(KTEST_SECTION), aligned(8))) =  \
		&ktest_case_##sname##_##cname;                               \
	static void ktest_fn_##sname##_##cname(                              \
		struct ktest *t __attribute__((unused)))

/**
 * KTEST(suite, name, ...) - define a case; attributes may follow:
 *   KTEST(paging, nx_fetch_faults, KTEST_EXPECT_FAULT(X86_PF)) { ... }
 *   KTEST(heap, big_churn, KTEST_SLOW) { ... }
 */
#define KTEST(sname, cname, ...) KTEST_DEFINE_CASE_(sname, cname, __VA_ARGS__)

/* Attributes for KTEST(). */
#define KTEST_EXPECT_FAULT(vec) .expect = KTEST_EXPECT_EXCEPTION, .vector = (vec), \
	.kernel_only = true
#define KTEST_SHOULD_PANIC      .expect = KTEST_EXPECT_PANIC
#define KTEST_SLOW              .slow = true
#define KTEST_KERNEL_ONLY       .kernel_only = true
/* The case may leave memory allocated (a cache it fills on purpose): after
 * every other case, a heap block or frame it did not free fails it. */
#define KTEST_KEEPS_MEMORY      .keeps_memory = true

/**
 * KTEST_PARAM(suite, name, type, table, describe, ...) - run the body once per
 * entry of the array @table; inside, `param` is a `const type *`. @describe is
 * `void f(const type *p, char *buf, size_t len)` naming an entry in results
 * (`name[description]`). KTEST() attributes may follow, as for KTEST().
 */
#define KTEST_PARAM(sname, cname, type, tbl, describe_fn, ...)               \
	static void ktest_pbody_##sname##_##cname(struct ktest *t,           \
						  const type *param);        \
	static void ktest_pdesc_##sname##_##cname(const void *p, char *b,    \
						  size_t n)                  \
	{                                                                    \
		describe_fn((const type *)p, b, n);                          \
	}                                                                    \
	static const struct ktest_params ktest_params_##sname##_##cname = {  \
		.table = (tbl), .count = sizeof(tbl) / sizeof((tbl)[0]),     \
		.size = sizeof((tbl)[0]),                                    \
		.describe = ktest_pdesc_##sname##_##cname };                 \
	KTEST_DEFINE_CASE_(sname, cname,                                     \
			   .params = &ktest_params_##sname##_##cname,        \
			   __VA_ARGS__)                                      \
	{                                                                    \
		ktest_pbody_##sname##_##cname(t, (const type *)t->param);    \
	}                                                                    \
	static void ktest_pbody_##sname##_##cname(                           \
		struct ktest *t __attribute__((unused)),                     \
		const type *param __attribute__((unused)))

/* ------------------------------------------------------------------------ */
/* Checks. The functions below are the implementation; use the macros. */

enum ktest_level { KTEST_EXPECTATION, KTEST_ASSERTION };

enum ktest_op { KTEST_OP_EQ, KTEST_OP_NE, KTEST_OP_LT, KTEST_OP_LE,
		KTEST_OP_GT, KTEST_OP_GE };

struct ktest_loc {
	const char *file;
	int line;
	enum ktest_level level;
	const char *macro;
};

#define KTEST_LOC_(lvl, mac) \
	(&(const struct ktest_loc){ __FILE__, __LINE__, (lvl), (mac) })

#define KTEST_PRINTF_(f, a) __attribute__((format(printf, f, a)))

/* Each returns true when the check held. On a failed ASSERT it does not
 * return. Outside a case (a suite fixture) a failure is reported and counted
 * as an error of the run, and an ASSERT returns false like an EXPECT. */
bool ktest_check_bool(const struct ktest_loc *loc, bool ok, const char *text,
		      const char *fmt, ...) KTEST_PRINTF_(4, 5);
bool ktest_check_int(const struct ktest_loc *loc, enum ktest_op op,
		     bool is_signed, uint64_t a, uint64_t b, const char *ta,
		     const char *tb, const char *fmt, ...) KTEST_PRINTF_(8, 9);
bool ktest_check_ptr(const struct ktest_loc *loc, enum ktest_op op,
		     const void *a, const void *b, const char *ta,
		     const char *tb, const char *fmt, ...) KTEST_PRINTF_(7, 8);
bool ktest_check_str(const struct ktest_loc *loc, bool want_equal,
		     const char *a, const char *b, const char *ta,
		     const char *tb, const char *fmt, ...) KTEST_PRINTF_(7, 8);
bool ktest_check_mem(const struct ktest_loc *loc, const void *a,
		     const void *b, size_t n, const char *ta, const char *tb,
		     const char *fmt, ...) KTEST_PRINTF_(7, 8);

/* End the current case as skipped / failed. Never return. Outside a case
 * (a suite fixture) they print the message and end the run as an error. */
__attribute__((noreturn)) void ktest_skip(const char *fmt, ...) KTEST_PRINTF_(1, 2);
__attribute__((noreturn)) void ktest_fail_now(const struct ktest_loc *loc,
					      const char *fmt, ...) KTEST_PRINTF_(2, 3);
/* Print a `#` diagnostic line attributed to the current case: `# case: msg`
 * inside a case, `# msg` outside. Each '\n' in the message starts a new line. */
void ktest_log(const char *fmt, ...) KTEST_PRINTF_(1, 2);

/* The case being run, or NULL outside a case. */
struct ktest *ktest_current(void);

/* Ask the harness to type the next `--keys` spec now (a case that tests
 * keyboard input calls it once it is ready to read the keys). */
void ktest_ask_for_input(void);

/*
 * Integer checks compare as int64_t when both operands fit in it (signed
 * types, and unsigned types narrower than 64 bits), else as uint64_t. So
 * EXPECT_LT(-1, 1u) holds, as it does on paper; only a 64-bit unsigned
 * operand makes the comparison unsigned. Unary + applies C's promotions
 * (and accepts bit-fields, which __typeof__ and sizeof do not).
 */
#define KTEST_IS_SIGNED_(x) ((__typeof__(+(x)))-1 < (__typeof__(+(x)))1)
#define KTEST_FITS_I64_(x) \
	(KTEST_IS_SIGNED_(x) || sizeof(+(x)) < sizeof(uint64_t))

/* The text arguments are stringized by the public macros, before their
 * arguments are macro-expanded: failures show the source as written. */
#define KTEST_INT_(lvl, mac, op, a, ta, b, tb, ...)                          \
	ktest_check_int(KTEST_LOC_(lvl, mac), op,                            \
			KTEST_FITS_I64_(a) && KTEST_FITS_I64_(b),            \
			(uint64_t)(a), (uint64_t)(b), ta, tb, __VA_ARGS__)
#define KTEST_BOOL_(lvl, mac, ok, tc, ...)                                   \
	ktest_check_bool(KTEST_LOC_(lvl, mac), (ok), tc, __VA_ARGS__)
#define KTEST_PTR_(lvl, mac, op, a, ta, b, tb, ...)                          \
	ktest_check_ptr(KTEST_LOC_(lvl, mac), op, (a), (b), ta, tb, __VA_ARGS__)
#define KTEST_STR_(lvl, mac, eq, a, ta, b, tb, ...)                          \
	ktest_check_str(KTEST_LOC_(lvl, mac), eq, (a), (b), ta, tb, __VA_ARGS__)
#define KTEST_MEM_(lvl, mac, a, ta, b, tb, n, ...)                           \
	ktest_check_mem(KTEST_LOC_(lvl, mac), (a), (b), (n), ta, tb, __VA_ARGS__)

#define KTEST_E_ KTEST_EXPECTATION
#define KTEST_A_ KTEST_ASSERTION

/* Expectations: record a failure, the case goes on. */
#define EXPECT_TRUE(c)                  KTEST_BOOL_(KTEST_E_, "EXPECT_TRUE", (c), #c, NULL)
#define EXPECT_FALSE(c)                 KTEST_BOOL_(KTEST_E_, "EXPECT_FALSE", !(c), #c, NULL)
#define EXPECT_EQ(a, b)                 KTEST_INT_(KTEST_E_, "EXPECT_EQ", KTEST_OP_EQ, a, #a, b, #b, NULL)
#define EXPECT_NE(a, b)                 KTEST_INT_(KTEST_E_, "EXPECT_NE", KTEST_OP_NE, a, #a, b, #b, NULL)
#define EXPECT_LT(a, b)                 KTEST_INT_(KTEST_E_, "EXPECT_LT", KTEST_OP_LT, a, #a, b, #b, NULL)
#define EXPECT_LE(a, b)                 KTEST_INT_(KTEST_E_, "EXPECT_LE", KTEST_OP_LE, a, #a, b, #b, NULL)
#define EXPECT_GT(a, b)                 KTEST_INT_(KTEST_E_, "EXPECT_GT", KTEST_OP_GT, a, #a, b, #b, NULL)
#define EXPECT_GE(a, b)                 KTEST_INT_(KTEST_E_, "EXPECT_GE", KTEST_OP_GE, a, #a, b, #b, NULL)
#define EXPECT_NULL(p)                  KTEST_PTR_(KTEST_E_, "EXPECT_NULL", KTEST_OP_EQ, p, #p, NULL, NULL, NULL)
#define EXPECT_NOT_NULL(p)              KTEST_PTR_(KTEST_E_, "EXPECT_NOT_NULL", KTEST_OP_NE, p, #p, NULL, NULL, NULL)
#define EXPECT_PTR_EQ(a, b)             KTEST_PTR_(KTEST_E_, "EXPECT_PTR_EQ", KTEST_OP_EQ, a, #a, b, #b, NULL)
#define EXPECT_PTR_NE(a, b)             KTEST_PTR_(KTEST_E_, "EXPECT_PTR_NE", KTEST_OP_NE, a, #a, b, #b, NULL)
#define EXPECT_STREQ(a, b)              KTEST_STR_(KTEST_E_, "EXPECT_STREQ", true, a, #a, b, #b, NULL)
#define EXPECT_STRNE(a, b)              KTEST_STR_(KTEST_E_, "EXPECT_STRNE", false, a, #a, b, #b, NULL)
#define EXPECT_MEMEQ(a, b, n)           KTEST_MEM_(KTEST_E_, "EXPECT_MEMEQ", a, #a, b, #b, n, NULL)

#define EXPECT_TRUE_MSG(c, ...)         KTEST_BOOL_(KTEST_E_, "EXPECT_TRUE", (c), #c, __VA_ARGS__)
#define EXPECT_FALSE_MSG(c, ...)        KTEST_BOOL_(KTEST_E_, "EXPECT_FALSE", !(c), #c, __VA_ARGS__)
#define EXPECT_EQ_MSG(a, b, ...)        KTEST_INT_(KTEST_E_, "EXPECT_EQ", KTEST_OP_EQ, a, #a, b, #b, __VA_ARGS__)
#define EXPECT_NE_MSG(a, b, ...)        KTEST_INT_(KTEST_E_, "EXPECT_NE", KTEST_OP_NE, a, #a, b, #b, __VA_ARGS__)
#define EXPECT_LT_MSG(a, b, ...)        KTEST_INT_(KTEST_E_, "EXPECT_LT", KTEST_OP_LT, a, #a, b, #b, __VA_ARGS__)
#define EXPECT_LE_MSG(a, b, ...)        KTEST_INT_(KTEST_E_, "EXPECT_LE", KTEST_OP_LE, a, #a, b, #b, __VA_ARGS__)
#define EXPECT_GT_MSG(a, b, ...)        KTEST_INT_(KTEST_E_, "EXPECT_GT", KTEST_OP_GT, a, #a, b, #b, __VA_ARGS__)
#define EXPECT_GE_MSG(a, b, ...)        KTEST_INT_(KTEST_E_, "EXPECT_GE", KTEST_OP_GE, a, #a, b, #b, __VA_ARGS__)
#define EXPECT_NULL_MSG(p, ...)         KTEST_PTR_(KTEST_E_, "EXPECT_NULL", KTEST_OP_EQ, p, #p, NULL, NULL, __VA_ARGS__)
#define EXPECT_NOT_NULL_MSG(p, ...)     KTEST_PTR_(KTEST_E_, "EXPECT_NOT_NULL", KTEST_OP_NE, p, #p, NULL, NULL, __VA_ARGS__)
#define EXPECT_PTR_EQ_MSG(a, b, ...)    KTEST_PTR_(KTEST_E_, "EXPECT_PTR_EQ", KTEST_OP_EQ, a, #a, b, #b, __VA_ARGS__)
#define EXPECT_PTR_NE_MSG(a, b, ...)    KTEST_PTR_(KTEST_E_, "EXPECT_PTR_NE", KTEST_OP_NE, a, #a, b, #b, __VA_ARGS__)
#define EXPECT_STREQ_MSG(a, b, ...)     KTEST_STR_(KTEST_E_, "EXPECT_STREQ", true, a, #a, b, #b, __VA_ARGS__)
#define EXPECT_STRNE_MSG(a, b, ...)     KTEST_STR_(KTEST_E_, "EXPECT_STRNE", false, a, #a, b, #b, __VA_ARGS__)
#define EXPECT_MEMEQ_MSG(a, b, n, ...)  KTEST_MEM_(KTEST_E_, "EXPECT_MEMEQ", a, #a, b, #b, n, __VA_ARGS__)

/* Assertions: a failure ends the case (case_exit still runs). */
#define ASSERT_TRUE(c)                  KTEST_BOOL_(KTEST_A_, "ASSERT_TRUE", (c), #c, NULL)
#define ASSERT_FALSE(c)                 KTEST_BOOL_(KTEST_A_, "ASSERT_FALSE", !(c), #c, NULL)
#define ASSERT_EQ(a, b)                 KTEST_INT_(KTEST_A_, "ASSERT_EQ", KTEST_OP_EQ, a, #a, b, #b, NULL)
#define ASSERT_NE(a, b)                 KTEST_INT_(KTEST_A_, "ASSERT_NE", KTEST_OP_NE, a, #a, b, #b, NULL)
#define ASSERT_LT(a, b)                 KTEST_INT_(KTEST_A_, "ASSERT_LT", KTEST_OP_LT, a, #a, b, #b, NULL)
#define ASSERT_LE(a, b)                 KTEST_INT_(KTEST_A_, "ASSERT_LE", KTEST_OP_LE, a, #a, b, #b, NULL)
#define ASSERT_GT(a, b)                 KTEST_INT_(KTEST_A_, "ASSERT_GT", KTEST_OP_GT, a, #a, b, #b, NULL)
#define ASSERT_GE(a, b)                 KTEST_INT_(KTEST_A_, "ASSERT_GE", KTEST_OP_GE, a, #a, b, #b, NULL)
#define ASSERT_NULL(p)                  KTEST_PTR_(KTEST_A_, "ASSERT_NULL", KTEST_OP_EQ, p, #p, NULL, NULL, NULL)
#define ASSERT_NOT_NULL(p)              KTEST_PTR_(KTEST_A_, "ASSERT_NOT_NULL", KTEST_OP_NE, p, #p, NULL, NULL, NULL)
#define ASSERT_PTR_EQ(a, b)             KTEST_PTR_(KTEST_A_, "ASSERT_PTR_EQ", KTEST_OP_EQ, a, #a, b, #b, NULL)
#define ASSERT_PTR_NE(a, b)             KTEST_PTR_(KTEST_A_, "ASSERT_PTR_NE", KTEST_OP_NE, a, #a, b, #b, NULL)
#define ASSERT_STREQ(a, b)              KTEST_STR_(KTEST_A_, "ASSERT_STREQ", true, a, #a, b, #b, NULL)
#define ASSERT_STRNE(a, b)              KTEST_STR_(KTEST_A_, "ASSERT_STRNE", false, a, #a, b, #b, NULL)
#define ASSERT_MEMEQ(a, b, n)           KTEST_MEM_(KTEST_A_, "ASSERT_MEMEQ", a, #a, b, #b, n, NULL)

#define ASSERT_TRUE_MSG(c, ...)         KTEST_BOOL_(KTEST_A_, "ASSERT_TRUE", (c), #c, __VA_ARGS__)
#define ASSERT_FALSE_MSG(c, ...)        KTEST_BOOL_(KTEST_A_, "ASSERT_FALSE", !(c), #c, __VA_ARGS__)
#define ASSERT_EQ_MSG(a, b, ...)        KTEST_INT_(KTEST_A_, "ASSERT_EQ", KTEST_OP_EQ, a, #a, b, #b, __VA_ARGS__)
#define ASSERT_NE_MSG(a, b, ...)        KTEST_INT_(KTEST_A_, "ASSERT_NE", KTEST_OP_NE, a, #a, b, #b, __VA_ARGS__)
#define ASSERT_LT_MSG(a, b, ...)        KTEST_INT_(KTEST_A_, "ASSERT_LT", KTEST_OP_LT, a, #a, b, #b, __VA_ARGS__)
#define ASSERT_LE_MSG(a, b, ...)        KTEST_INT_(KTEST_A_, "ASSERT_LE", KTEST_OP_LE, a, #a, b, #b, __VA_ARGS__)
#define ASSERT_GT_MSG(a, b, ...)        KTEST_INT_(KTEST_A_, "ASSERT_GT", KTEST_OP_GT, a, #a, b, #b, __VA_ARGS__)
#define ASSERT_GE_MSG(a, b, ...)        KTEST_INT_(KTEST_A_, "ASSERT_GE", KTEST_OP_GE, a, #a, b, #b, __VA_ARGS__)
#define ASSERT_NULL_MSG(p, ...)         KTEST_PTR_(KTEST_A_, "ASSERT_NULL", KTEST_OP_EQ, p, #p, NULL, NULL, __VA_ARGS__)
#define ASSERT_NOT_NULL_MSG(p, ...)     KTEST_PTR_(KTEST_A_, "ASSERT_NOT_NULL", KTEST_OP_NE, p, #p, NULL, NULL, __VA_ARGS__)
#define ASSERT_PTR_EQ_MSG(a, b, ...)    KTEST_PTR_(KTEST_A_, "ASSERT_PTR_EQ", KTEST_OP_EQ, a, #a, b, #b, __VA_ARGS__)
#define ASSERT_PTR_NE_MSG(a, b, ...)    KTEST_PTR_(KTEST_A_, "ASSERT_PTR_NE", KTEST_OP_NE, a, #a, b, #b, __VA_ARGS__)
#define ASSERT_STREQ_MSG(a, b, ...)     KTEST_STR_(KTEST_A_, "ASSERT_STREQ", true, a, #a, b, #b, __VA_ARGS__)
#define ASSERT_STRNE_MSG(a, b, ...)     KTEST_STR_(KTEST_A_, "ASSERT_STRNE", false, a, #a, b, #b, __VA_ARGS__)
#define ASSERT_MEMEQ_MSG(a, b, n, ...)  KTEST_MEM_(KTEST_A_, "ASSERT_MEMEQ", a, #a, b, #b, n, __VA_ARGS__)

/* Fail the case now, with a message. */
#define KTEST_FAIL(...)  ktest_fail_now(KTEST_LOC_(KTEST_A_, "KTEST_FAIL"), __VA_ARGS__)
/* End the case as skipped, with a reason: KTEST_SKIP("no %s device", "ps/2"). */
#define KTEST_SKIP(...)  ktest_skip(__VA_ARGS__)

#endif /* KTEST_H */
