/* clang's side of coverage: clang's gcov flavour (`--coverage`) gives every
 * object a constructor that registers two functions with llvm_gcov_init():
 * one that describes the object and its counters through the llvm_gcda_*
 * calls below (compiler-rt's GCDAProfiling.c writes a .gcda with them;
 * here they become records on the coverage channel), and one that zeroes
 * its counters.
 */
#include <stdint.h>

#include "coverage_internal.h"
#include "panic.h"

#define LLVM_OBJECTS_MAX 1024   /* instrumented objects in one image */

typedef void (*llvm_gcov_fn)(void);

/* The instrumentation's ABI (LLVM 11 and later). */
void llvm_gcov_init(llvm_gcov_fn writeout, llvm_gcov_fn reset);
void llvm_gcda_start_file(const char *orig_filename, uint32_t version,
			  uint32_t checksum);
void llvm_gcda_emit_function(uint32_t ident, uint32_t func_checksum,
			     uint32_t cfg_checksum);
void llvm_gcda_emit_arcs(uint32_t num_counters, uint64_t *counters);
void llvm_gcda_summary_info(void);
void llvm_gcda_end_file(void);

static struct {
	llvm_gcov_fn writeout, reset;
} objects[LLVM_OBJECTS_MAX];
static unsigned n_objects;

void llvm_gcov_init(llvm_gcov_fn writeout, llvm_gcov_fn reset)
{
	if (n_objects == LLVM_OBJECTS_MAX)
		panic("coverage: more than %u instrumented objects "
		      "(LLVM_OBJECTS_MAX, kernel/coverage/gcov_llvm.c)",
		      LLVM_OBJECTS_MAX);
	objects[n_objects].writeout = writeout;
	objects[n_objects].reset = reset;
	n_objects++;
}

/* clang's "checksum" is the .gcno's stamp; clang has no second checksum. */
void llvm_gcda_start_file(const char *orig_filename, uint32_t version,
			  uint32_t checksum)
{
	coverage_put_object(orig_filename, version, checksum, 0);
}

void llvm_gcda_emit_function(uint32_t ident, uint32_t func_checksum,
			     uint32_t cfg_checksum)
{
	coverage_put_function(ident, func_checksum, cfg_checksum);
}

void llvm_gcda_emit_arcs(uint32_t num_counters, uint64_t *counters)
{
	coverage_put_arcs(num_counters, counters);
}

/* The harness counts the runs. */
void llvm_gcda_summary_info(void)
{
}

void llvm_gcda_end_file(void)
{
}

void coverage_emit_objects(void)
{
	for (unsigned i = 0; i < n_objects; i++)
		objects[i].writeout();
}

void coverage_reset_counters(void)
{
	for (unsigned i = 0; i < n_objects; i++)
		objects[i].reset();
}
