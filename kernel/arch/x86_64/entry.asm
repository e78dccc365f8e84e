; Kernel entry (the ELF entry point), jumped to by the loader with RDI =
; &boot_info and a fresh stack. It drops the loader's identity map of low
; memory (PML4 entry 0, kept only for the hand-over: docs/boot.md) so that no
; C code ever runs with page 0 mapped, then enters kmain(boot_info).

bits 64
default rel

BI_PHYS_OFFSET  equ 16
PTE_ADDR_MASK   equ 0x000ffffffffff000

global kernel_entry
extern kmain

section .text
kernel_entry:
        mov     rax, cr3
        mov     rcx, PTE_ADDR_MASK
        and     rax, rcx
        add     rax, [rdi + BI_PHYS_OFFSET]
        mov     qword [rax], 0
        mov     rax, cr3
        mov     cr3, rax                ; flush the identity translations
        jmp     kmain

section .note.GNU-stack noalloc noexec nowrite progbits
