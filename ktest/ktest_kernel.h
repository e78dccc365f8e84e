/* ktest inside a test image: set-up called by the test image's kernel_run(). */
#ifndef KTEST_KERNEL_H
#define KTEST_KERNEL_H

/* Install the exception and timer hooks and the case stack guard page. */
void ktest_kernel_init(void);

#endif
