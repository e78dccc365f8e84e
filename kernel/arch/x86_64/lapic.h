/* The local APIC, only as far as the 8259A PICs need it (Intel SDM vol. 3,
 * ch. 10): their interrupts reach the CPU through its LINT0 pin.
 */
#ifndef ARCH_X86_64_LAPIC_H
#define ARCH_X86_64_LAPIC_H

#include <stdbool.h>

/* Put the local APIC in virtual wire mode, as a PC BIOS leaves it: software
 * enabled, LINT0 = ExtINT (the 8259A's INTR), LINT1 = NMI. PVH firmware
 * (QEMU microvm) leaves LINT0 masked, which would block every PIC interrupt.
 * Does nothing without an APIC or with the APIC disabled in IA32_APIC_BASE
 * (then the pins are wired to the CPU directly). Returns whether it
 * programmed the APIC. Boot time only, interrupts off.
 */
bool lapic_virtual_wire(void);

#endif /* ARCH_X86_64_LAPIC_H */
