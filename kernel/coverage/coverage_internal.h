/* Between the coverage writer (coverage.c) and the part that knows one
 * compiler's instrumentation (gcov_gcc.c or gcov_llvm.c; meson links the
 * one that matches the compiler). Private to kernel/coverage/.
 */
#ifndef COVERAGE_INTERNAL_H
#define COVERAGE_INTERNAL_H

#include <stdint.h>

/* Records of the current dump (coverage_stream.h), in this order: an
 * object, then for each of its functions the function and its arcs. */
void coverage_put_object(const char *gcda, uint32_t version, uint32_t stamp,
			 uint32_t checksum);
void coverage_put_function(uint32_t ident, uint32_t lineno_checksum,
			   uint32_t cfg_checksum);
void coverage_put_arcs(uint32_t n, const uint64_t *counters);

/* Implemented for each compiler: put every registered object's records;
 * zero every counter. Called with interrupts off. */
void coverage_emit_objects(void);
void coverage_reset_counters(void);

#endif /* COVERAGE_INTERNAL_H */
