/* The ktest wire protocol (docs/protocol.md): every constant that a test
 * image, a host test executable and the harness must agree on, defined once.
 * The harness reads this file (tools/harness/protocol.py): keep each
 * definition on one line as `#define KTEST_NAME value`, a number or a string.
 */
#ifndef KTEST_PROTOCOL_H
#define KTEST_PROTOCOL_H

#define KTEST_PROTOCOL_VERSION   2

/* Ending a test image: QEMU's isa-debug-exit device. QEMU exits with status
 * (value << 1) | 1 of the 32-bit value written to the port. */
#define KTEST_EXIT_PORT          0xf4
#define KTEST_EXIT_PASS          0x10   /* run complete: every case passed or was skipped */
#define KTEST_EXIT_FAIL          0x11   /* run complete: a case failed */
#define KTEST_EXIT_ERROR         0x12   /* run error: see the last "# ktest:" lines */
#define KTEST_EXIT_RESTART       0x13   /* a case left the machine unusable: boot again after it */

/* Ending a host test executable: its exit status, one per exit value above. */
#define KTEST_STATUS_PASS        0
#define KTEST_STATUS_FAIL        1
#define KTEST_STATUS_ERROR       2
#define KTEST_STATUS_RESTART     3

/* Limits, in bytes unless said otherwise. */
#define KTEST_LINE_MAX           8192   /* a serial line, its '\n' included */
#define KTEST_TEXT_COLUMNS       200    /* kernel text per line before it wraps */
#define KTEST_NAME_MAX           200    /* a result's name, "suite.case[param]" */
#define KTEST_DESC_MAX           96     /* a parameter's description, its NUL included */
#define KTEST_CMDLINE_MAX        4095   /* the whole command line reaching the image */
#define KTEST_MAX_CASES          4096   /* cases (not parameters) in one image */
#define KTEST_MAX_FILTERS        64     /* globs in ktest.filter */
#define KTEST_MAX_REPEAT         1000000
#define KTEST_MAX_TIMEOUT_MS     3600000

/* Time budgets: one case's default, and the factor for KTEST_SLOW cases. */
#define KTEST_CASE_TIMEOUT_MS    5000
#define KTEST_SLOW_FACTOR        10

/* Lines. A suite's lines are indented; "# " starts a diagnostic; a tag
 * names what a diagnostic is about ("# tag: text": a case's name, or one of
 * the tags below, which no case may be named); kernel text (anything
 * printed other than by ktest itself) comes as "# | text". */
#define KTEST_VERSION_LINE       "KTAP version 1"
#define KTEST_INDENT             "    "
#define KTEST_DIAG               "# "
#define KTEST_TEXT_MARK          "| "
#define KTEST_TAG_RUNNER         "ktest"
#define KTEST_TAG_PLAN           "plan"
#define KTEST_TAG_CASE           "case"
#define KTEST_TAG_BUDGET         "budget"
#define KTEST_TAG_LOG            "log"     /* ktest_log() outside any case */
#define KTEST_SUBTEST            "Subtest"

/* What follows "# ktest: " on the runner's lines the harness acts on. */
#define KTEST_SAY_OPTIONS        "options"
#define KTEST_SAY_INPUT          "waiting for input"
#define KTEST_SAY_RESTART        "restart"
#define KTEST_SAY_ERROR          "error"
#define KTEST_SAY_FIXTURE        "fixture"  /* "fixture begin SUITE init", "fixture end" */
#define KTEST_SAY_READY          "ready"    /* ktest.fresh: send a line of words on COM1 */
#define KTEST_SAY_DONE           "done"     /* ktest.fresh: "done S", S a KTEST_STATUS_* value */
#define KTEST_SAY_SUMS           "sums"     /* "sums crc32": each result comes after its sum */
#define KTEST_SAY_SUM            "sum"      /* "sum XXXXXXXX": CRC-32 of the document before it */
#define KTEST_SUM_KIND           "crc32"    /* zlib's CRC-32 (reflected 0xedb88320) */
#define KTEST_SUM_POLY           0xedb88320

/* Directives after a result: "ok N name # SKIP reason". */
#define KTEST_DIRECTIVE_SKIP     "SKIP"
#define KTEST_DIRECTIVE_TIMEOUT  "TIMEOUT"

/* Command line words (key=value; for a key given twice the last one wins). */
#define KTEST_OPT_FILTER         "ktest.filter"
#define KTEST_OPT_LIST           "ktest.list"
#define KTEST_OPT_SHUFFLE        "ktest.shuffle"
#define KTEST_OPT_REPEAT         "ktest.repeat"
#define KTEST_OPT_TIMEOUT        "ktest.timeout"
#define KTEST_OPT_START          "ktest.start"
#define KTEST_OPT_FRESH          "ktest.fresh"

#endif /* KTEST_PROTOCOL_H */
