/* The coverage channel: how a test image built with -Db_coverage=true hands
 * its counters to the harness (tools/harness/coverage.py reads the
 * COVERAGE_* lines of this header). docs/protocol.md, "Coverage".
 *
 * Bytes go to QEMU's isa-debugcon device, which the harness attaches to a
 * file; reading the port gives COVERAGE_READBACK when the device is there.
 * A dump is a series of records, each a tag byte and its fields; numbers
 * are unsigned LEB128, strings a number (length) then that many bytes:
 *
 *   'D' label         a dump begins; label "" = not inside a case
 *   'O' path version stamp checksum
 *                     an object: its .gcda path, the compiler's gcov
 *                     version and the stamp (and gcc 12's checksum) of its
 *                     .gcno; its functions follow
 *   'F' ident lineno_checksum cfg_checksum
 *                     a function of the last object
 *   'A' n c1 .. cn    the arc counters of the last function
 *   'E' records       the dump ends: records = the O, F and A records in it
 *
 * A dump without its 'E' (the machine stopped in the middle) is dropped.
 */
#ifndef COVERAGE_STREAM_H
#define COVERAGE_STREAM_H

#define COVERAGE_PORT       0xe9   /* QEMU isa-debugcon's default iobase */
#define COVERAGE_READBACK   0xe9   /* what reading the port gives */
#define COVERAGE_TAG_DUMP      'D'
#define COVERAGE_TAG_OBJECT    'O'
#define COVERAGE_TAG_FUNCTION  'F'
#define COVERAGE_TAG_ARCS      'A'
#define COVERAGE_TAG_END       'E'
#define COVERAGE_LABEL_MAX  200    /* bytes of a label (a result's name) */
#define COVERAGE_WORD       "coverage"    /* kernel command line key */
#define COVERAGE_PER_CASE   "case"        /* coverage=case: one dump per case */

#endif /* COVERAGE_STREAM_H */
