/* The kernel's sanitizer runtimes (kernel/san/): UBSan and KASAN reports in
 * test images, each failing the test case that made it (docs/testing.md).
 * What the rest of the kernel and a test runner may call; without either
 * sanitizer these do nothing.
 */
#ifndef SAN_SAN_H
#define SAN_SAN_H

/* For code that breaks a rule on purpose to test another detector (the
 * stack protector, the page-fault handler, the heap's own checks): neither
 * sanitizer looks at it, so that the detector under test is the one that
 * fires. */
#define SAN_EXEMPT __attribute__((no_sanitize("kernel-address", "undefined")))

#if defined(KASAN) || defined(UBSAN)
/* Forget which locations were reported: each is reported once until the
 * next reset. A test runner calls it before every case, so that a case
 * repeating a bug reports it again. */
void san_reports_reset(void);
#else
static inline void san_reports_reset(void)
{
}
#endif

#endif
