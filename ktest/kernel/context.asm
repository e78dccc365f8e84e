; ktest stack switching. ktest_switch(save_rsp, stack_top, fn, arg) saves the
; callee-saved registers and RFLAGS (System V x86-64 ABI) on the current stack,
; stores RSP in *save_rsp, and calls fn(arg) on the new stack. fn never
; returns; ktest_resume(rsp) unwinds back to the ktest_switch() call from any
; context (a case body, an exception or an interrupt handler), restoring
; RFLAGS (and so the interrupt flag) as it was at the switch.

bits 64
default rel

global ktest_switch
global ktest_resume

section .text
ktest_switch:
        pushfq
        push    rbx
        push    rbp
        push    r12
        push    r13
        push    r14
        push    r15
        mov     [rdi], rsp
        mov     rsp, rsi
        xor     ebp, ebp                ; backtraces stop here
        mov     rdi, rcx                ; fn(arg)
        push    0                       ; fake return address: aligned call frame
        jmp     rdx

ktest_resume:
        mov     rsp, rdi
        pop     r15
        pop     r14
        pop     r13
        pop     r12
        pop     rbp
        pop     rbx
        popfq
        ret

section .note.GNU-stack noalloc noexec nowrite progbits
