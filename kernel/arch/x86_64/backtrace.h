/* Stack backtraces by frame-pointer walk (the kernel keeps frame pointers). */
#ifndef ARCH_X86_64_BACKTRACE_H
#define ARCH_X86_64_BACKTRACE_H

#include <stdint.h>

/* Print up to depth frames starting at (rip, rbp), with symbol names. Stops
 * at the first frame pointer that is unmapped or misaligned, so it is safe
 * on a corrupt stack.
 */
void backtrace_print(uint64_t rip, uint64_t rbp, int depth);

#endif
