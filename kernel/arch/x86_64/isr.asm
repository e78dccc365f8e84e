; Interrupt entry stubs: one per vector 0-47, all funnelling into one path
; that saves the general registers as a struct int_frame (arch.h) and calls
; interrupt_dispatch(frame). Vectors that push no error code get a zero, so
; every frame has the same shape (Intel SDM vol 3, 6.12, 6.14).

bits 64
default rel

extern interrupt_dispatch
global isr_stub_table

section .text

%macro STUB_NOERR 1
isr_%1:
        push    0
        push    %1
        jmp     isr_common
%endmacro

%macro STUB_ERR 1
isr_%1:
        push    %1
        jmp     isr_common
%endmacro

; Vectors that push an error code: 8, 10-14, 17, 21, 29, 30.
%assign v 0
%rep 48
  %if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
        STUB_ERR v
  %else
        STUB_NOERR v
  %endif
  %assign v v + 1
%endrep

isr_common:
        cld
        push    rax
        push    rbx
        push    rcx
        push    rdx
        push    rsi
        push    rdi
        push    rbp
        push    r8
        push    r9
        push    r10
        push    r11
        push    r12
        push    r13
        push    r14
        push    r15
        mov     rdi, rsp
        mov     rbx, rsp            ; callee-saved: the frame
        and     rsp, -16            ; the C ABI wants a 16-byte aligned call
        call    interrupt_dispatch
        mov     rsp, rbx
        pop     r15
        pop     r14
        pop     r13
        pop     r12
        pop     r11
        pop     r10
        pop     r9
        pop     r8
        pop     rbp
        pop     rdi
        pop     rsi
        pop     rdx
        pop     rcx
        pop     rbx
        pop     rax
        add     rsp, 16             ; vector and error code
        iretq

section .rodata
align 8
isr_stub_table:
%assign v 0
%rep 48
        dq      isr_ %+ v
  %assign v v + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
