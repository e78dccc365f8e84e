; boot/stage2.asm: second stage of the BIOS loader.
; Real mode: A20, CPU checks, E820 map, command line (fw_cfg or the image's),
; kernel ELF read with large INT 13h reads. Long mode: ELF segments placed and
; mapped with their own permissions, physical memory mapped at BOOT_PHYS_OFFSET,
; a stack with a guard page, boot_info filled, jump to the kernel entry.
; Layout and contract: docs/boot.md. Every failure prints "loader: ..." on the
; screen and COM1, then halts.

%include "image.inc"
%include "boot_info.inc"

bits 16
org IMG_STAGE2_ADDR

; ---------------------------------------------------------------------------
; Constants
COM1            equ 0x3f8
UART_LSR        equ 5
UART_LSR_THRE   equ 0x20
VGA_TEXT        equ 0xb8000
VGA_ERROR_ATTR  equ 0x4f            ; white on red

FW_CFG_SEL      equ 0x510           ; QEMU fw_cfg selector port
FW_CFG_DATA     equ 0x511           ; QEMU fw_cfg data port
FW_CFG_SIGNATURE equ 0x0000
FW_CFG_FILE_DIR equ 0x0019
FW_CFG_FILE_SIZE equ 64             ; one directory entry

E820_SMAP       equ 0x534d4150      ; "SMAP"
E820_BUF        equ 0x1000          ; BOOT_MMAP_MAX entries of 24 bytes
FWCFG_ENTRY     equ 0x1c00          ; one fw_cfg directory entry
CMDLINE_BUF     equ 0x2000          ; BOOT_CMDLINE_MAX bytes (the stack
                                    ; grows down from 0x7c00 to above it)
BOUNCE_SEG      equ 0x1000          ; disk reads land at 0x10000
BOUNCE_ADDR     equ 0x10000
READ_CHUNK      equ 127             ; sectors per INT 13h read (BIOS limit)
TMP_PML4        equ 0x70000         ; identity map of the first 4 GiB
TMP_PDPT        equ 0x71000
TMP_PD          equ 0x72000         ; four page directories
KERNEL_ELF      equ 0x100000        ; the ELF file is read to 1 MiB

PAGE_SIZE       equ 0x1000
PTE_P           equ 1 << 0
PTE_W           equ 1 << 1
PTE_PS          equ 1 << 7
PTE_ADDR        equ 0x000ffffffffff000
KERNEL_MIN_VADDR equ 0xffffffff80000000

CR0_PE          equ 1 << 0
CR0_WP          equ 1 << 16
CR0_PG          equ 1 << 31
CR4_PAE         equ 1 << 5
MSR_EFER        equ 0xc0000080
EFER_LME        equ 1 << 8
EFER_NXE        equ 1 << 11
CPUID_EXT_LM    equ 1 << 29         ; 0x80000001 EDX: long mode
CPUID_EXT_NX    equ 1 << 20         ; 0x80000001 EDX: no-execute

ELF_MAGIC       equ 0x464c457f
PT_LOAD         equ 1
PF_X            equ 1
PF_W            equ 2

CODE64_SEL      equ 0x08
DATA_SEL        equ 0x10

; ---------------------------------------------------------------------------
; Real mode
entry:
        cli
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7c00
        sti
        cld
        mov     [boot_drive], dl

        cmp     dword [IMG_HEADER_ADDR + IMG_HDR_MAGIC], IMG_HDR_MAGIC_LO
        jne     .bad_magic
        cmp     dword [IMG_HEADER_ADDR + IMG_HDR_MAGIC + 4], IMG_HDR_MAGIC_HI
        jne     .bad_magic

        call    enable_a20
        call    check_cpu
        call    read_e820
        call    read_cmdline
        call    read_kernel
        jmp     enter_long_mode
.bad_magic:
        mov     si, msg_magic
        jmp     fatal16

; Print DS:SI (NUL-terminated) on screen and COM1, then halt.
fatal16:
        lodsb
        test    al, al
        jz      .halt
        mov     cl, al
        mov     ah, 0x0e
        mov     bx, 0x0007
        int     0x10
        mov     al, cl
        call    serial_putc
        jmp     fatal16
.halt:
        cli
        hlt
        jmp     .halt

; Write AL to COM1 from real mode. Clobbers DX.
serial_putc:
        push    ax
        mov     dx, COM1 + UART_LSR
.wait:
        in      al, dx
        test    al, UART_LSR_THRE
        jz      .wait
        pop     ax
        mov     dx, COM1
        out     dx, al
        ret

; --- A20 -------------------------------------------------------------------
; Returns with A20 on, or halts.
enable_a20:
        call    a20_on
        je      .done
        mov     ax, 0x2401          ; BIOS: enable A20
        int     0x15
        call    a20_on
        je      .done
        in      al, 0x92            ; "fast A20" through system control port A
        test    al, 2
        jnz     .check
        or      al, 2
        and     al, 0xfe            ; never set bit 0: it resets the machine
        out     0x92, al
.check:
        call    a20_on
        je      .done
        mov     si, msg_a20
        jmp     fatal16
.done:
        ret

; ZF set when A20 is on: 0000:0500 and ffff:0510 are different bytes.
a20_on:
        push    ds
        push    es
        xor     ax, ax
        mov     ds, ax
        not     ax
        mov     es, ax
        mov     byte [0x0500], 0x00
        mov     byte [es:0x0510], 0xff
        cmp     byte [0x0500], 0xff  ; wrapped around: A20 off
        setne   al
        cmp     al, 1
        pop     es
        pop     ds
        ret

; --- CPU -------------------------------------------------------------------
check_cpu:
        mov     eax, 0x80000000
        cpuid
        cmp     eax, 0x80000001
        jb      .no_lm
        mov     eax, 0x80000001
        cpuid
        test    edx, CPUID_EXT_LM
        jz      .no_lm
        test    edx, CPUID_EXT_NX
        jz      .done
        mov     dword [nx_bit + 4], 0x80000000  ; NX usable: bit 63
        or      dword [efer_bits], EFER_NXE
.done:
        ret
.no_lm:
        mov     si, msg_no_lm
        jmp     fatal16

; --- E820 ------------------------------------------------------------------
read_e820:
        xor     ebx, ebx
        mov     di, E820_BUF
.next:
        mov     dword [di + 20], 1  ; ACPI 3 attribute default: valid
        mov     eax, 0xe820
        mov     ecx, BI_MMAP_ENTRY_SIZE
        mov     edx, E820_SMAP
        int     0x15
        jc      .end                ; carry: past the last entry
        cmp     eax, E820_SMAP
        jne     .fail
        mov     eax, [di + 8]       ; skip empty entries
        or      eax, [di + 12]
        jz      .skip
        add     di, BI_MMAP_ENTRY_SIZE
        inc     word [mmap_count]
        cmp     word [mmap_count], BOOT_MMAP_MAX
        je      .end
.skip:
        test    ebx, ebx
        jnz     .next
.end:
        cmp     word [mmap_count], 0
        je      .fail
        ret
.fail:
        mov     si, msg_e820
        jmp     fatal16

; --- command line ----------------------------------------------------------
; The image's built-in command line, then a space and fw_cfg "opt/cmdline"
; when QEMU provides it: the kernel reads words left to right and the last
; word of a key wins, so the passed words override the built-in ones. A
; command line that does not fit is an error, never cut short.
read_cmdline:
        mov     si, IMG_HEADER_ADDR + IMG_HDR_CMDLINE
        mov     di, CMDLINE_BUF
        mov     cx, IMG_HDR_CMDLINE_MAX - 1
.builtin:
        lodsb
        test    al, al
        jz      .builtin_done
        stosb
        loop    .builtin
.builtin_done:
        mov     byte [di], 0
        call    fwcfg_cmdline
        ret

; Append fw_cfg file "opt/cmdline" to the command line at DI (its end) if
; QEMU provides it.
fwcfg_cmdline:
        push    di
        mov     dx, FW_CFG_SEL
        mov     ax, FW_CFG_SIGNATURE
        out     dx, ax
        mov     dx, FW_CFG_DATA
        mov     di, FWCFG_ENTRY
        mov     cx, 4
        rep     insb
        pop     di
        cmp     dword [FWCFG_ENTRY], "QEMU"
        jne     .done
        mov     dx, FW_CFG_SEL
        mov     ax, FW_CFG_FILE_DIR
        out     dx, ax
        call    fwcfg_read_be32     ; number of files
        mov     ebp, eax
.entry:
        test    ebp, ebp
        jz      .done
        dec     ebp
        push    di
        mov     di, FWCFG_ENTRY
        mov     cx, FW_CFG_FILE_SIZE
        mov     dx, FW_CFG_DATA
        rep     insb
        mov     si, FWCFG_ENTRY + 8 ; name
        mov     di, fwcfg_name
        mov     cx, fwcfg_name_len
        repe    cmpsb
        pop     di
        jne     .entry
        mov     ax, [FWCFG_ENTRY + 4]  ; selector, big-endian
        xchg    al, ah
        mov     dx, FW_CFG_SEL
        out     dx, ax
        mov     eax, [FWCFG_ENTRY]  ; size, big-endian
        bswap   eax
        cmp     di, CMDLINE_BUF     ; a built-in line: a space between
        je      .room
        mov     byte [di], ' '
        inc     di
.room:
        movzx   ecx, di             ; room left for the bytes and the NUL
        neg     ecx
        add     ecx, CMDLINE_BUF + BOOT_CMDLINE_MAX - 1
        cmp     eax, ecx
        ja      .too_long
        mov     cx, ax
        mov     dx, FW_CFG_DATA
        rep     insb
        mov     byte [di], 0
.done:
        ret
.too_long:
        mov     si, msg_cmdline
        jmp     fatal16

; EAX = next four fw_cfg data bytes read as a big-endian number.
fwcfg_read_be32:
        mov     dx, FW_CFG_DATA
        mov     cx, 4
.byte:
        shl     eax, 8
        in      al, dx
        loop    .byte
        ret

; --- kernel ----------------------------------------------------------------
; Read the kernel ELF to KERNEL_ELF, READ_CHUNK sectors at a time through the
; bounce buffer, copying each chunk up with unreal-mode addressing.
read_kernel:
        mov     eax, [IMG_HEADER_ADDR + IMG_HDR_KERNEL_BYTES]
        mov     [kernel_bytes], eax
        test    eax, eax
        jz      .empty
        cmp     eax, IMG_KERNEL_MAX_BYTES
        ja      .too_big
        call    check_low_ram
        mov     eax, [kernel_bytes]
        add     eax, IMG_SECTOR_SIZE - 1
        shr     eax, 9
        mov     [sectors_left], eax
        mov     eax, [IMG_HEADER_ADDR + IMG_HDR_KERNEL_LBA]
        mov     [dap_lba], eax
        mov     dword [copy_dest], KERNEL_ELF
.chunk:
        mov     eax, [sectors_left]
        test    eax, eax
        jz      .done
        cmp     eax, READ_CHUNK
        jbe     .read
        mov     eax, READ_CHUNK
.read:
        mov     [dap_count], ax
        sub     [sectors_left], eax
        mov     si, dap
        mov     ah, 0x42
        mov     dl, [boot_drive]
        int     0x13
        jc      .read_error
        movzx   ecx, word [dap_count]
        add     [dap_lba], ecx
        shl     ecx, 7              ; sectors -> dwords
        call    copy_up
        jmp     .chunk
.done:
        ret
.empty:
        mov     si, msg_empty
        jmp     fatal16
.too_big:
        mov     si, msg_too_big
        jmp     fatal16
.read_error:
        mov     si, msg_read
        jmp     fatal16

; The usable E820 region holding 1 MiB must also hold the ELF file; its end
; (below 4 GiB) bounds everything the loader allocates.
check_low_ram:
        mov     si, E820_BUF
        mov     cx, [mmap_count]
.region:
        cmp     dword [si + 16], BOOT_MEM_USABLE
        jne     .next
        cmp     dword [si + 4], 0   ; base above 4 GiB
        jne     .next
        cmp     dword [si], KERNEL_ELF
        ja      .next
        mov     eax, [si]
        mov     edx, [si + 4]
        add     eax, [si + 8]
        adc     edx, [si + 12]
        cmp     eax, KERNEL_ELF
        jbe     .next
        test    edx, edx
        jz      .found
        mov     eax, 0xfffff000     ; reaches past 4 GiB: cap it
.found:
        mov     [ram_limit], eax
        mov     edx, KERNEL_ELF
        add     edx, [kernel_bytes]
        cmp     edx, eax
        ja      .no_ram
        ret
.next:
        add     si, BI_MMAP_ENTRY_SIZE
        loop    .region
.no_ram:
        mov     si, msg_no_ram
        jmp     fatal16

; Copy ECX dwords from BOUNCE_ADDR to [copy_dest] and advance it.
copy_up:
        call    enter_unreal
        cld
        mov     esi, BOUNCE_ADDR
        mov     edi, [copy_dest]
        a32 rep movsd
        mov     [copy_dest], edi
        ret

; Give DS and ES 4 GiB limits, staying in real mode (BIOS calls may reset them).
enter_unreal:
        cli
        push    ds
        push    es
        lgdt    [gdt_desc]
        mov     eax, cr0
        or      al, CR0_PE
        mov     cr0, eax
        jmp     $ + 2
        mov     bx, DATA_SEL
        mov     ds, bx
        mov     es, bx
        and     al, ~CR0_PE
        mov     cr0, eax
        pop     es
        pop     ds
        sti
        ret

; --- into long mode ----------------------------------------------------------
; Identity-map the first 4 GiB with 2 MiB pages, then switch straight from
; real mode to long mode.
enter_long_mode:
        cli
        mov     al, 0xff            ; mask both PICs: the kernel reprograms them
        out     0xa1, al
        out     0x21, al
        push    es
        mov     ax, TMP_PML4 >> 4
        mov     es, ax
        xor     di, di
        xor     eax, eax
        mov     cx, 6 * PAGE_SIZE / 4
        rep     stosd
        mov     dword [es:0], TMP_PDPT + PTE_P + PTE_W
        mov     di, TMP_PDPT - TMP_PML4
        mov     eax, TMP_PD + PTE_P + PTE_W
        mov     cx, 4
.pdpt:
        mov     [es:di], eax
        add     di, 8
        add     eax, PAGE_SIZE
        loop    .pdpt
        mov     di, TMP_PD - TMP_PML4
        mov     eax, PTE_P + PTE_W + PTE_PS
        mov     cx, 4 * 512
.pd:
        mov     [es:di], eax
        add     di, 8
        add     eax, 0x200000
        loop    .pd
        pop     es

        lgdt    [gdt_desc]
        mov     eax, cr4
        or      eax, CR4_PAE
        mov     cr4, eax
        mov     eax, TMP_PML4
        mov     cr3, eax
        mov     ecx, MSR_EFER
        rdmsr
        or      eax, [efer_bits]
        wrmsr
        mov     eax, cr0
        or      eax, CR0_PG | CR0_WP | CR0_PE
        mov     cr0, eax
        jmp     CODE64_SEL:long_entry

; ---------------------------------------------------------------------------
; Long mode (identity-mapped low memory)
bits 64

long_entry:
        mov     ax, DATA_SEL
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        xor     eax, eax
        mov     fs, ax
        mov     gs, ax
        mov     rsp, 0x7c00

        call    parse_elf
        call    place_kernel
        call    build_page_tables
        call    fill_boot_info
        jmp     start_kernel

; Print the string at RSI on COM1 and in red on the first VGA line, then halt.
fatal64:
        mov     rdi, VGA_TEXT
.next:
        lodsb
        test    al, al
        jz      .halt
        cmp     al, 10
        jb      .serial
        mov     ah, VGA_ERROR_ATTR
        mov     [rdi], ax
        add     rdi, 2
.serial:
        call    serial_putc64
        jmp     .next
.halt:
        cli
        hlt
        jmp     .halt

; Write AL to COM1 from 64-bit code. Clobbers DX.
serial_putc64:
        push    rax
        mov     dx, COM1 + UART_LSR
.wait:
        in      al, dx
        test    al, UART_LSR_THRE
        jz      .wait
        pop     rax
        mov     dx, COM1
        out     dx, al
        ret

; --- ELF -------------------------------------------------------------------
; Check the header and find the range [vmin, vmax) the PT_LOAD segments span.
parse_elf:
        mov     rbx, KERNEL_ELF
        mov     rsi, msg_bad_elf
        cmp     dword [rbx], ELF_MAGIC
        jne     fatal64
        cmp     word [rbx + 4], 0x0102  ; 64-bit, little-endian
        jne     fatal64
        cmp     dword [rbx + 16], 0x003e0002  ; ET_EXEC, EM_X86_64
        jne     fatal64
        cmp     word [rbx + 54], 56     ; e_phentsize
        jne     fatal64
        movzx   ecx, word [rbx + 56]    ; e_phnum
        mov     rax, 56
        mul     rcx
        add     rax, [rbx + 32]         ; e_phoff
        cmp     rax, [kernel_bytes]
        ja      fatal64
        mov     rax, [rbx + 24]
        mov     [entry_point], rax
        mov     qword [vmin], -1
        mov     qword [vmax], 0
        call    for_each_load
        mov     rsi, msg_no_load
        cmp     qword [vmax], 0
        je      fatal64
        mov     rax, [vmax]
        sub     rax, [vmin]
        mov     rsi, msg_too_big
        cmp     rax, IMG_KERNEL_MAX_BYTES
        ja      fatal64
        ret

; Validate every PT_LOAD program header and widen [vmin, vmax).
for_each_load:
        mov     rbx, KERNEL_ELF
        mov     rdx, [rbx + 32]
        add     rdx, rbx                ; rdx = first program header
        movzx   ecx, word [rbx + 56]
.phdr:
        test    ecx, ecx
        jz      .done
        cmp     dword [rdx], PT_LOAD
        jne     .skip
        call    check_segment
        mov     rax, [rdx + 16]
        cmp     rax, [vmin]
        jae     .max
        mov     [vmin], rax
.max:
        add     rax, [rdx + 40]
        add     rax, PAGE_SIZE - 1
        and     rax, ~(PAGE_SIZE - 1)
        cmp     rax, [vmax]
        jbe     .skip
        mov     [vmax], rax
.skip:
        add     rdx, 56
        dec     ecx
        jmp     .phdr
.done:
        ret

; RDX = a PT_LOAD header: in the file, page aligned, W^X, in the top 2 GiB.
check_segment:
        mov     rsi, msg_bad_elf
        mov     rax, [rdx + 8]          ; p_offset + p_filesz within the file
        add     rax, [rdx + 32]
        jc      fatal64
        cmp     rax, [kernel_bytes]
        ja      fatal64
        mov     rax, [rdx + 32]
        cmp     rax, [rdx + 40]         ; p_filesz <= p_memsz
        ja      fatal64
        mov     rsi, msg_align
        test    qword [rdx + 16], PAGE_SIZE - 1
        jnz     fatal64
        mov     rsi, msg_wx
        mov     eax, [rdx + 4]
        and     eax, PF_W | PF_X
        cmp     eax, PF_W | PF_X
        je      fatal64
        mov     rsi, msg_high
        mov     rax, KERNEL_MIN_VADDR
        cmp     [rdx + 16], rax
        jb      fatal64
        ret

; --- placing the kernel ----------------------------------------------------
; Zero [kphys, kphys + (vmax - vmin)) after the ELF file, copy each segment's
; file bytes to kphys + (vaddr - vmin); the zeroed rest is its .bss.
place_kernel:
        mov     rax, KERNEL_ELF
        add     rax, [kernel_bytes]
        add     rax, PAGE_SIZE - 1
        and     rax, ~(PAGE_SIZE - 1)
        mov     [kernel_phys], rax
        mov     rdi, rax
        mov     rcx, [vmax]
        sub     rcx, [vmin]
        lea     rdx, [rdi + rcx]
        mov     [next_free], rdx
        mov     rsi, msg_no_ram
        cmp     rdx, [ram_limit]
        ja      fatal64
        shr     rcx, 3
        xor     eax, eax
        rep     stosq
        mov     rbx, KERNEL_ELF
        mov     rdx, [rbx + 32]
        add     rdx, rbx
        movzx   r8d, word [rbx + 56]
.phdr:
        test    r8d, r8d
        jz      .done
        cmp     dword [rdx], PT_LOAD
        jne     .skip
        mov     rsi, [rdx + 8]
        add     rsi, rbx
        mov     rdi, [rdx + 16]
        sub     rdi, [vmin]
        add     rdi, [kernel_phys]
        mov     rcx, [rdx + 32]
        rep     movsb
.skip:
        add     rdx, 56
        dec     r8d
        jmp     .phdr
.done:
        ret

; R11 = a zeroed page from the bump allocator. Preserves other registers.
alloc_page:
        push    rax
        push    rcx
        push    rdi
        mov     r11, [next_free]
        lea     rax, [r11 + PAGE_SIZE]
        cmp     rax, [ram_limit]
        ja      .no_ram
        mov     [next_free], rax
        mov     rdi, r11
        mov     ecx, PAGE_SIZE / 8
        xor     eax, eax
        rep     stosq
        pop     rdi
        pop     rcx
        pop     rax
        ret
.no_ram:
        mov     rsi, msg_no_ram
        jmp     fatal64

; Map the 4 KiB page at virtual RDI to physical RSI with leaf flags RDX,
; creating tables as needed. Mapping a page twice is a loader bug: halt.
map_page:
        push    rcx
        mov     rax, [pml4]
        mov     ecx, 39
.level:
        mov     r8, rdi
        shr     r8, cl
        and     r8d, 511
        lea     r9, [rax + r8 * 8]
        mov     r10, [r9]
        test    r10, PTE_P
        jnz     .down
        call    alloc_page
        lea     r10, [r11 + PTE_P + PTE_W]
        mov     [r9], r10
.down:
        mov     rax, PTE_ADDR
        and     rax, r10
        sub     ecx, 9
        cmp     ecx, 12
        jne     .level
        mov     r8, rdi
        shr     r8, 12
        and     r8d, 511
        lea     r9, [rax + r8 * 8]
        test    qword [r9], PTE_P
        jnz     .twice
        lea     r10, [rsi + rdx]
        mov     [r9], r10
        pop     rcx
        ret
.twice:
        mov     rsi, msg_twice
        jmp     fatal64

; --- page tables -------------------------------------------------------------
build_page_tables:
        call    alloc_page
        mov     [pml4], r11
        call    map_physical_memory
        call    map_kernel
        call    map_stack
        mov     rax, [pml4]             ; keep the identity map for the switch
        mov     rdx, [TMP_PML4]
        mov     [rax], rdx
        ret

; All of physical memory, up to the end of the highest RAM region and at
; least 4 GiB (device memory), at BOOT_PHYS_OFFSET with 2 MiB pages, NX.
map_physical_memory:
        call    phys_top_gib
        mov     rbx, rax                ; number of GiB to map
        call    alloc_page
        mov     rax, [pml4]
        lea     rdx, [r11 + PTE_P + PTE_W]
        mov     [rax + ((BOOT_PHYS_OFFSET >> 39) & 511) * 8], rdx
        mov     rdi, r11                ; rdi = PDPT
        xor     r12, r12                ; r12 = physical address
.gib:
        call    alloc_page
        lea     rdx, [r11 + PTE_P + PTE_W]
        mov     [rdi], rdx
        add     rdi, 8
        mov     ecx, 512
.pd:
        mov     rdx, r12
        or      rdx, PTE_P + PTE_W + PTE_PS
        or      rdx, [nx_bit]
        mov     [r11], rdx
        add     r11, 8
        add     r12, 0x200000
        loop    .pd
        dec     rbx
        jnz     .gib
        ret

; RAX = GiB to map: max(4, end of highest usable/ACPI region), at most 512.
phys_top_gib:
        mov     rax, 0x100000000
        mov     rsi, E820_BUF
        movzx   ecx, word [mmap_count]
.entry:
        cmp     dword [rsi + 16], BOOT_MEM_ACPI_NVS
        ja      .next
        cmp     dword [rsi + 16], BOOT_MEM_RESERVED
        je      .next
        mov     rdx, [rsi]
        add     rdx, [rsi + 8]
        cmp     rdx, rax
        jbe     .next
        mov     rax, rdx
.next:
        add     rsi, BI_MMAP_ENTRY_SIZE
        loop    .entry
        add     rax, 0x3fffffff
        shr     rax, 30
        cmp     rax, 512
        jbe     .done
        mov     eax, 512
.done:
        ret

; Map each PT_LOAD page at its virtual address: present, writable only with
; PF_W, executable only with PF_X.
map_kernel:
        mov     rbx, KERNEL_ELF
        mov     r13, [rbx + 32]
        add     r13, rbx
        movzx   r14d, word [rbx + 56]
.phdr:
        test    r14d, r14d
        jz      .done
        cmp     dword [r13], PT_LOAD
        jne     .skip
        call    map_segment
.skip:
        add     r13, 56
        dec     r14d
        jmp     .phdr
.done:
        ret

; R13 = a PT_LOAD header.
map_segment:
        mov     rdx, PTE_P
        test    dword [r13 + 4], PF_W
        jz      .nx
        or      rdx, PTE_W
.nx:
        test    dword [r13 + 4], PF_X
        jnz     .flags_done
        or      rdx, [nx_bit]
.flags_done:
        mov     rdi, [r13 + 16]         ; vaddr
        mov     r15, [r13 + 40]
        add     r15, PAGE_SIZE - 1
        shr     r15, 12                 ; pages
.page:
        test    r15, r15
        jz      .done
        mov     rsi, rdi
        sub     rsi, [vmin]
        add     rsi, [kernel_phys]
        call    map_page
        add     rdi, PAGE_SIZE
        dec     r15
        jmp     .page
.done:
        ret

; BOOT_STACK_SIZE bytes below BOOT_STACK_TOP; the page below stays unmapped.
map_stack:
        mov     rdi, BOOT_STACK_TOP - BOOT_STACK_SIZE
        mov     rdx, PTE_P + PTE_W
        or      rdx, [nx_bit]
        mov     r15, BOOT_STACK_SIZE / PAGE_SIZE
.page:
        call    alloc_page
        mov     rsi, r11
        call    map_page
        add     rdi, PAGE_SIZE
        dec     r15
        jnz     .page
        ret

; --- boot_info ---------------------------------------------------------------
fill_boot_info:
        call    alloc_page
        mov     [boot_info], r11
        mov     rbx, r11
%rep (BI_TOTAL_SIZE + PAGE_SIZE - 1) / PAGE_SIZE - 1
        call    alloc_page          ; the next pages: boot_info is contiguous
%endrep
        mov     rax, BOOT_INFO_MAGIC
        mov     [rbx + BI_MAGIC], rax
        mov     dword [rbx + BI_VERSION], BOOT_INFO_VERSION
        mov     dword [rbx + BI_SIZE], BI_TOTAL_SIZE
        mov     rax, BOOT_PHYS_OFFSET
        mov     [rbx + BI_PHYS_OFFSET], rax
        mov     rax, [kernel_phys]
        mov     [rbx + BI_KERNEL_PHYS_START], rax
        add     rax, [vmax]
        sub     rax, [vmin]
        mov     [rbx + BI_KERNEL_PHYS_END], rax
        mov     rax, [vmin]
        mov     [rbx + BI_KERNEL_VIRT_START], rax
        mov     qword [rbx + BI_KERNEL_ELF_PHYS], KERNEL_ELF
        mov     eax, [kernel_bytes]
        mov     [rbx + BI_KERNEL_ELF_SIZE], rax
        mov     qword [rbx + BI_LOADER_PHYS_START], KERNEL_ELF
        mov     rax, [next_free]
        mov     [rbx + BI_LOADER_PHYS_END], rax
        mov     rax, BOOT_STACK_TOP
        mov     [rbx + BI_STACK_TOP], rax
        mov     qword [rbx + BI_STACK_SIZE], BOOT_STACK_SIZE
        movzx   eax, word [mmap_count]
        mov     [rbx + BI_MMAP_COUNT], eax
        movzx   eax, byte [boot_drive]
        mov     [rbx + BI_BOOT_DRIVE], eax
        mov     dword [rbx + BI_BOOT_METHOD], BOOT_METHOD_BIOS
        lea     rdi, [rbx + BI_MMAP]
        mov     rsi, E820_BUF
        imul    ecx, [rbx + BI_MMAP_COUNT], BI_MMAP_ENTRY_SIZE
        rep     movsb
        lea     rdi, [rbx + BI_CMDLINE]
        mov     rsi, CMDLINE_BUF
        mov     ecx, BOOT_CMDLINE_MAX
        rep     movsb
        ret

; --- jump ------------------------------------------------------------------
; Switch to the final tables and enter the kernel with RDI = &boot_info (its
; physical-memory alias). The identity map (PML4 entry 0) is still there for
; this last jump; the kernel's entry stub removes it before any C code runs.
start_kernel:
        mov     rax, [pml4]
        mov     cr3, rax
        mov     rbx, BOOT_PHYS_OFFSET
        add     [gdt_desc + 2], rbx     ; the GDT through the alias
        lgdt    [gdt_desc]
        mov     rdi, [boot_info]
        add     rdi, rbx
        mov     rsp, BOOT_STACK_TOP
        push    0                       ; no return address
        xor     ebp, ebp
        jmp     [entry_point]

; ---------------------------------------------------------------------------
; Data
align 8
gdt:
        dq      0
        dq      0x00af9a000000ffff      ; 0x08: 64-bit code, ring 0
        dq      0x00cf92000000ffff      ; 0x10: data, 4 GiB
gdt_end:
gdt_desc:
        dw      gdt_end - gdt - 1
        dq      gdt

align 4
dap:
        db      16, 0
dap_count:
        dw      0
        dw      0, BOUNCE_SEG           ; offset, segment
dap_lba:
        dq      0

align 8
nx_bit:         dq 0
efer_bits:      dd EFER_LME
kernel_bytes:   dq 0
sectors_left:   dd 0
copy_dest:      dd 0
ram_limit:      dq 0
entry_point:    dq 0
vmin:           dq 0
vmax:           dq 0
kernel_phys:    dq 0
next_free:      dq 0
pml4:           dq 0
boot_info:      dq 0
mmap_count:     dw 0
boot_drive:     db 0

fwcfg_name:     db "opt/cmdline", 0
fwcfg_name_len  equ $ - fwcfg_name

msg_magic:      db "loader: bad image header magic (not built by mkimage?)", 13, 10, 0
msg_a20:        db "loader: could not enable the A20 line", 13, 10, 0
msg_no_lm:      db "loader: this CPU has no long mode (x86-64)", 13, 10, 0
msg_e820:       db "loader: the BIOS gave no E820 memory map", 13, 10, 0
msg_empty:      db "loader: the image holds no kernel", 13, 10, 0
msg_too_big:    db "loader: kernel too big (16 MiB at most)", 13, 10, 0
msg_read:       db "loader: disk read error while reading the kernel", 13, 10, 0
msg_no_ram:     db "loader: not enough memory above 1 MiB for the kernel", 13, 10, 0
msg_bad_elf:    db "loader: kernel is not a valid x86-64 ELF executable", 13, 10, 0
msg_no_load:    db "loader: kernel ELF has no loadable segment", 13, 10, 0
msg_align:      db "loader: kernel segment is not page aligned", 13, 10, 0
msg_wx:         db "loader: kernel segment is both writable and executable", 13, 10, 0
msg_high:       db "loader: kernel is not linked in the top 2 GiB", 13, 10, 0
msg_twice:      db "loader: kernel segments overlap", 13, 10, 0
msg_cmdline:    db "loader: command line too long (4095 bytes at most)", 13, 10, 0

        times   IMG_STAGE2_MAX * IMG_SECTOR_SIZE - ($ - $$) db 0
