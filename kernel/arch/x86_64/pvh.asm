; PVH direct boot entry (Xen's x86/HVM direct boot ABI, which QEMU -kernel
; follows for an ELF with a XEN_ELFNOTE_PHYS32_ENTRY note). QEMU loads the
; PT_LOAD segments at their physical addresses and firmware enters here in
; 32-bit protected mode, paging off, EBX = physical address of struct
; hvm_start_info. This code builds the same boot_info as the BIOS loader from
; the start info (memory map, command line, RSDP, and the first module when
; it is this kernel's ELF file, for its symbols) and enters the kernel the
; same way, through the long-mode code it shares with it (boot/loader64.inc).
; docs/boot.md describes the steps and the layout.

%include "image.inc"
%include "boot_info.inc"
%include "loader_defs.inc"

KERNEL_BASE     equ 0xffffffff80000000  ; virtual = physical + KERNEL_BASE, as
                                        ; linker.ld links the image
%define PHYS(label) ((label) - KERNEL_BASE)

; Xen public/elfnote.h and public/arch-x86/hvm/start_info.h
XEN_ELFNOTE_PHYS32_ENTRY  equ 18
XEN_HVM_START_MAGIC_VALUE equ 0x336ec578
SI_MAGIC        equ 0               ; struct hvm_start_info
SI_VERSION      equ 4
SI_NR_MODULES   equ 12
SI_MODLIST_PADDR equ 16
SI_CMDLINE_PADDR equ 24
SI_RSDP_PADDR   equ 32
SI_MEMMAP_PADDR equ 40              ; version 1 and later
SI_MEMMAP_ENTRIES equ 48
SI_SIZE         equ 56              ; version 1
MEMMAP_ADDR     equ 0               ; struct hvm_memmap_table_entry
MEMMAP_SIZE     equ 8
MEMMAP_TYPE     equ 16
MEMMAP_ENTRY_SIZE equ 24
MOD_PADDR       equ 0               ; struct hvm_modlist_entry
MOD_SIZE        equ 8
MOD_ENTRY_SIZE  equ 32
ELF_ID_BYTES    equ E_PHOFF         ; e_ident through e_entry: compared
ACPI3_ATTR_ENABLED equ 1            ; E820 extended attribute: entry valid

; The pages after the kernel image: the temporary identity map, then the
; loader's stack; boot/loader64.inc allocates from there on.
TMP_TABLES      equ 6               ; PML4, PDPT, four PDs
TMP_STACK_TOP   equ (TMP_TABLES + 1) * PAGE_SIZE
LOW_4G          equ 0x100000000     ; the end of the identity map

; 16550 registers (offsets from COM1) and the values programmed
UART_DLL        equ 0               ; divisor latch low (DLAB=1)
UART_DLM        equ 1               ; divisor latch high (DLAB=1)
UART_IER        equ 1
UART_FCR        equ 2
UART_LCR        equ 3
UART_MCR        equ 4
LCR_DLAB        equ 0x80
LCR_8N1         equ 0x03
FCR_ENABLE_CLEAR equ 0xc7           ; enable, clear both FIFOs
MCR_DTR_RTS     equ 0x03
BAUD_DIVISOR    equ 1               ; 115200 / 115200

global pvh_entry                    ; linked in with -u: nothing calls it

extern __ehdr_start                 ; linker: the ELF header, first in memory
extern __kernel_end                 ; linker: page-aligned end of the image

section .note.Xen note alloc noexec nowrite align=4
        dd      4                   ; n_namesz
        dd      8                   ; n_descsz: QEMU reads 8 bytes for ELF64
        dd      XEN_ELFNOTE_PHYS32_ENTRY
        db      "Xen", 0
        dq      PHYS(pvh_entry)

; ---------------------------------------------------------------------------
; 32-bit protected mode, paging off: addresses are physical (PHYS()).
section .text
bits 32

pvh_entry:
        cli
        cld
        mov     [PHYS(start_info)], ebx
        mov     esp, PHYS(__kernel_end) + TMP_STACK_TOP
        call    uart_init
        mov     al, 0xff            ; mask both PICs: the kernel reprograms them
        out     PIC2_DATA, al
        out     PIC1_DATA, al
        call    check_cpu32
        mov     edi, PHYS(__kernel_end)
        call    identity_map32
        mov     dword [PHYS(next_free)], PHYS(__kernel_end) + TMP_STACK_TOP
        lgdt    [PHYS(gdt_desc)]
        mov     ax, DATA_SEL
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     eax, cr4
        or      eax, CR4_PAE
        mov     cr4, eax
        mov     eax, PHYS(__kernel_end)
        mov     cr3, eax
        mov     ecx, MSR_EFER
        rdmsr
        or      eax, [PHYS(efer_bits)]
        wrmsr
        mov     eax, cr0
        or      eax, CR0_PG | CR0_WP | CR0_PE
        mov     cr0, eax
        jmp     CODE64_SEL:PHYS(pvh_long)

; Program COM1 (115200 8N1, FIFOs on) for the loader's messages.
uart_init:
        mov     esi, PHYS(uart_setup)
.reg:
        lodsw                       ; al = register, ah = value
        test    al, al
        js      .done
        movzx   edx, al
        add     edx, COM1
        mov     al, ah
        out     dx, al
        jmp     .reg
.done:
        ret

; Long mode is required; NX is used when the CPU has it.
check_cpu32:
        CHECK_CPU PHYS(nx_bit) + 4, PHYS(efer_bits)
.no_lm:
        mov     esi, PHYS(msg_no_lm)
        jmp     fatal32

; Identity-map the first 4 GiB with 2 MiB pages in the TMP_TABLES pages at
; EDI: PML4, then the PDPT, then four page directories.
identity_map32:
        push    edi
        xor     eax, eax
        mov     ecx, TMP_TABLES * PAGE_SIZE / 4
        rep     stosd
        pop     edi
        lea     eax, [edi + PAGE_SIZE + PTE_P + PTE_W]
        mov     [edi], eax
        lea     edx, [edi + PAGE_SIZE]
        add     eax, PAGE_SIZE
        mov     ecx, 4
.pdpt:
        mov     [edx], eax
        add     edx, 8
        add     eax, PAGE_SIZE
        loop    .pdpt
        lea     edx, [edi + 2 * PAGE_SIZE]
        mov     eax, PTE_P + PTE_W + PTE_PS
        mov     ecx, 4 * 512
.pd:
        mov     [edx], eax
        add     edx, 8
        add     eax, LARGE_PAGE_SIZE
        loop    .pd
        ret

; Print the string at ESI on COM1, then halt.
fatal32:
        lodsb
        test    al, al
        jz      .halt
        mov     bl, al
        mov     dx, COM1 + UART_LSR
.wait:
        in      al, dx
        test    al, UART_LSR_THRE
        jz      .wait
        mov     al, bl
        mov     dx, COM1
        out     dx, al
        jmp     fatal32
.halt:
        hlt
        jmp     .halt

; ---------------------------------------------------------------------------
; Long mode, identity-mapped: the code runs at its physical address and
; reaches its data RIP-relative.
bits 64
default rel

pvh_long:
        mov     ax, DATA_SEL
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        xor     eax, eax
        mov     fs, ax
        mov     gs, ax
        lea     rsp, [__kernel_end + TMP_STACK_TOP]

        mov     dword [boot_method], BOOT_METHOD_PVH
        call    check_start_info
        lea     rax, [__ehdr_start]
        mov     [elf_phys], rax     ; kernel_bytes stays 0: the loaded image
                                    ; is no file (take_module may name one)
        call    parse_elf
        call    place_pvh_kernel
        call    find_ram_limit
        call    check_start_info_clear
        call    find_module
        call    copy_memmap
        call    copy_cmdline
        mov     rsi, [start_info]
        mov     rax, [rsi + SI_RSDP_PADDR]
        mov     [acpi_rsdp], rax
        call    build_page_tables
        call    fill_boot_info
        call    take_module
        jmp     start_kernel

; The start info (below 4 GiB: EBX held its address) must carry the magic
; and a memory map (version 1 and later) inside the identity map.
check_start_info:
        mov     rsi, [start_info]
        lea     rdi, [msg_magic]
        cmp     dword [rsi + SI_MAGIC], XEN_HVM_START_MAGIC_VALUE
        jne     .fail
        lea     rdi, [msg_no_memmap]
        cmp     dword [rsi + SI_VERSION], 1
        jb      .fail
        cmp     dword [rsi + SI_MEMMAP_ENTRIES], 0
        je      .fail
        mov     ecx, [rsi + SI_MEMMAP_ENTRIES]
        imul    rcx, rcx, MEMMAP_ENTRY_SIZE
        mov     rax, [rsi + SI_MEMMAP_PADDR]
        jmp     check_below_4g
.fail:
        mov     rsi, rdi
        jmp     fatal64

; QEMU put each segment at its p_paddr. The mapping wants them as laid out
; virtually (physical = kernel_phys + virtual - vmin): check that (for text
; and data it holds, or this code would not run), and zero each segment past
; its file bytes (.bss; QEMU zero-fills too, but the ABI does not say so).
place_pvh_kernel:
        lea     rax, [__ehdr_start] ; where vmin (the text segment) runs
        mov     [kernel_phys], rax
        mov     [loader_start], rax
        lea     r12, [zero_bss]
        jmp     each_load

; R13 = a PT_LOAD header: check its p_paddr, zero it past its file bytes.
zero_bss:
        mov     rdi, [r13 + P_VADDR]
        sub     rdi, [vmin]
        add     rdi, [kernel_phys]
        lea     rsi, [msg_layout]
        cmp     rdi, [r13 + P_PADDR]
        jne     fatal64
        add     rdi, [r13 + P_FILESZ]
        mov     rcx, [r13 + P_MEMSZ]
        sub     rcx, [r13 + P_FILESZ]
        xor     eax, eax
        rep     stosb
        ret

; The start info and its memory map lie outside the loader's memory.
check_start_info_clear:
        mov     rax, [start_info]
        mov     ecx, SI_SIZE
        call    check_clear
        mov     rsi, [start_info]
        mov     ecx, [rsi + SI_MEMMAP_ENTRIES]
        imul    rcx, rcx, MEMMAP_ENTRY_SIZE
        mov     rax, [rsi + SI_MEMMAP_PADDR]
        jmp     check_clear

; Where the first module (QEMU's -initrd) lies, read now: its list entry is
; start info data, which must lie below 4 GiB and clear of the memory the
; loader allocates from. take_module looks at the module once the loader is
; done writing.
find_module:
        mov     rsi, [start_info]
        cmp     dword [rsi + SI_NR_MODULES], 0
        je      .done
        mov     rax, [rsi + SI_MODLIST_PADDR]
        test    rax, rax            ; 0 means "not present" (start_info.h)
        jz      .done
        mov     ecx, MOD_ENTRY_SIZE
        call    check_below_4g
        mov     rax, [rsi + SI_MODLIST_PADDR]
        call    check_clear
        mov     rsi, [rsi + SI_MODLIST_PADDR]
        mov     rax, [rsi + MOD_PADDR]
        mov     [module_phys], rax
        mov     rax, [rsi + MOD_SIZE]
        mov     [module_size], rax
.done:
        ret

; After the loader's last allocation: the module becomes the ELF file that
; boot_info names (kernel_elf_phys/size), and the kernel gets its symbol
; table, when it lies intact and is this kernel's ELF file. Any other module
; is left alone and the kernel boots without symbols: not an ELF, another
; kernel's, above 4 GiB, or over pages the loader wrote (QEMU puts it at the
; top of the low RAM, far from them, unless there is hardly any RAM). The
; kernel's frame allocator keeps out of it.
take_module:
        mov     rbx, [module_phys]
        mov     rcx, [module_size]
        call    module_intact
        jc      .done
        call    module_is_kernel
        jc      .done
        mov     rdi, [boot_info]
        mov     [rdi + BI_KERNEL_ELF_PHYS], rbx
        mov     [rdi + BI_KERNEL_ELF_SIZE], rcx
.done:
        ret

; CF clear when the module [RBX, RBX + RCX) is intact: at least an ELF
; header, inside the identity map, and clear of every page the loader wrote,
; [kernel_phys, next_free). Preserves RBX, RCX.
module_intact:
        test    rbx, rbx            ; 0: not present
        jz      .no
        cmp     rcx, ELF_EHDR_SIZE
        jb      .no
        mov     rax, rbx
        add     rax, rcx
        jc      .no
        mov     rdx, LOW_4G
        cmp     rax, rdx
        ja      .no
        cmp     rax, [kernel_phys]
        jbe     .yes                ; wholly below the kernel
        cmp     rbx, [next_free]
        jb      .no
.yes:
        clc
        ret
.no:
        stc
        ret

; CF clear when the module at RBX (RCX bytes, at least an ELF header) is
; this kernel's ELF file: the same identification, type, machine, version
; and entry point, and the same program headers byte for byte, as the image
; QEMU loaded. Preserves RBX, RCX.
module_is_kernel:
        push    rcx
        lea     rsi, [__ehdr_start]
        mov     rdi, rbx
        mov     ecx, ELF_ID_BYTES
        repe    cmpsb
        jne     .no
        lea     rsi, [__ehdr_start]
        mov     eax, [rsi + E_PHENTSIZE]    ; e_phentsize and e_phnum
        cmp     eax, [rbx + E_PHENTSIZE]
        jne     .no
        movzx   ecx, word [rsi + E_PHNUM]
        imul    ecx, ecx, ELF_PHDR_SIZE
        mov     rax, [rbx + E_PHOFF]        ; the module's program headers
        add     rax, rcx                    ; lie inside it
        jc      .no
        cmp     rax, [rsp]
        ja      .no
        mov     rdi, [rbx + E_PHOFF]
        add     rdi, rbx
        add     rsi, [rsi + E_PHOFF]
        repe    cmpsb
        jne     .no
        pop     rcx
        clc
        ret
.no:
        pop     rcx
        stc
        ret

; [RAX, RAX + RCX): start info data, which must lie inside the identity map
; for the loader to read it. Preserves RSI.
check_below_4g:
        add     rax, rcx
        jc      .above
        mov     rdx, LOW_4G
        cmp     rax, rdx
        ja      .above
        ret
.above:
        lea     rsi, [msg_above_4g]
        jmp     fatal64

; ram_limit = end of the usable region holding the kernel, within the
; identity map; the kernel and the pages already used must lie below it.
find_ram_limit:
        mov     rsi, [start_info]
        mov     ecx, [rsi + SI_MEMMAP_ENTRIES]
        mov     rsi, [rsi + SI_MEMMAP_PADDR]
        mov     rdx, [kernel_phys]
.entry:
        cmp     dword [rsi + MEMMAP_TYPE], BOOT_MEM_USABLE
        jne     .next
        cmp     rdx, [rsi + MEMMAP_ADDR]
        jb      .next
        mov     rax, [rsi + MEMMAP_ADDR]
        add     rax, [rsi + MEMMAP_SIZE]
        cmp     rdx, rax
        jb      .found
.next:
        add     rsi, MEMMAP_ENTRY_SIZE
        loop    .entry
        jmp     .no_ram
.found:
        mov     rdx, LOW_4G
        cmp     rax, rdx
        cmova   rax, rdx
        mov     [ram_limit], rax
        cmp     [next_free], rax
        ja      .no_ram
        ret
.no_ram:
        lea     rsi, [msg_no_ram]
        jmp     fatal64

; The start info's memory map into boot_info's layout: non-empty entries, at
; most BOOT_MMAP_MAX, with ACPI 3.0 attributes "valid" (as the BIOS path).
copy_memmap:
        call    alloc_page
        mov     [mmap_buf], r11
        mov     rdi, r11
        mov     rsi, [start_info]
        mov     ecx, [rsi + SI_MEMMAP_ENTRIES]
        mov     rsi, [rsi + SI_MEMMAP_PADDR]
        xor     edx, edx            ; entries kept
.entry:
        cmp     qword [rsi + MEMMAP_SIZE], 0
        je      .next
        mov     rax, [rsi + MEMMAP_ADDR]
        mov     [rdi], rax
        mov     rax, [rsi + MEMMAP_SIZE]
        mov     [rdi + 8], rax
        mov     eax, [rsi + MEMMAP_TYPE]
        mov     [rdi + 16], eax
        mov     dword [rdi + 20], ACPI3_ATTR_ENABLED
        add     rdi, BI_MMAP_ENTRY_SIZE
        inc     edx
        cmp     edx, BOOT_MMAP_MAX
        je      .done
.next:
        add     rsi, MEMMAP_ENTRY_SIZE
        loop    .entry
.done:
        mov     [mmap_count], dx
        ret

; The command line (-append) whole, or stop: one that does not fit
; BOOT_CMDLINE_MAX bytes with its NUL is never cut short.
copy_cmdline:
        mov     rsi, [start_info]
        mov     rsi, [rsi + SI_CMDLINE_PADDR]
        test    rsi, rsi
        jz      .copy               ; none: an empty line (RCX = 0)
        lea     rax, [rsi + BOOT_CMDLINE_MAX]
        mov     rdx, LOW_4G
        cmp     rax, rdx
        ja      .above_4g
        mov     rdi, rsi            ; find its NUL among the first bytes
        mov     ecx, BOOT_CMDLINE_MAX
        xor     eax, eax
        repne   scasb
        jne     .too_long
        mov     rcx, rdi
        sub     rcx, rsi            ; length with the NUL
        mov     rax, rsi
        call    check_clear
.copy:
        call    alloc_page          ; zeroed: an absent line reads empty
        mov     [cmdline_buf], r11
        mov     rdi, r11
        rep     movsb
        ret
.too_long:
        lea     rsi, [msg_cmdline]
        jmp     fatal64
.above_4g:
        lea     rsi, [msg_above_4g]
        jmp     fatal64

; [RAX, RAX + RCX): start info data, which must lie outside the RAM the
; loader allocates from, [kernel_phys, ram_limit): it is read after pages
; there are written. QEMU's firmware keeps it below 1 MiB. Preserves RSI.
check_clear:
        cmp     rax, [ram_limit]
        jae     .clear
        add     rax, rcx
        cmp     rax, [kernel_phys]
        jbe     .clear
        lea     rsi, [msg_overlap]
        jmp     fatal64
.clear:
        ret

%include "loader64.inc"

; ---------------------------------------------------------------------------
section .data
%include "loader_data.inc"

align 8
start_info:     dq 0                ; physical address of struct hvm_start_info
module_phys:    dq 0                ; the first module (hvm_modlist_entry)
module_size:    dq 0

uart_setup:                         ; register, value; ends with -1
        db      UART_IER, 0
        db      UART_LCR, LCR_DLAB
        db      UART_DLL, BAUD_DIVISOR & 0xff
        db      UART_DLM, BAUD_DIVISOR >> 8
        db      UART_LCR, LCR_8N1
        db      UART_FCR, FCR_ENABLE_CLEAR
        db      UART_MCR, MCR_DTR_RTS
        db      -1, 0

msg_magic:      db "loader: no PVH start info (bad magic at EBX)", 13, 10, 0
msg_no_memmap:  db "loader: the PVH start info has no memory map", 13, 10, 0
msg_above_4g:   db "loader: PVH start info data above 4 GiB", 13, 10, 0
msg_overlap:    db "loader: PVH start info data lies in the memory the loader uses", 13, 10, 0
msg_layout:     db "loader: kernel segments are not at their physical load addresses", 13, 10, 0

section .note.GNU-stack noalloc noexec nowrite progbits
