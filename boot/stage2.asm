; boot/stage2.asm: second stage of the BIOS loader.
; Real mode: A20, CPU checks, E820 map, command line (fw_cfg or the image's),
; kernel ELF read with large INT 13h reads. Long mode: the ELF segments placed
; after the file, then boot/loader64.inc (shared with the PVH entry) maps them
; with their own permissions, maps physical memory at BOOT_PHYS_OFFSET and a
; stack with a guard page, fills boot_info and jumps to the kernel entry.
; Layout and contract: docs/boot.md. Every failure prints "loader: ..." on the
; screen and COM1, then halts.

%include "image.inc"
%include "boot_info.inc"
%include "loader_defs.inc"

bits 16
org IMG_STAGE2_ADDR

%define PHYS(label) (label)         ; flat binary: addresses are physical

; ---------------------------------------------------------------------------
; Constants
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
        CHECK_CPU nx_bit + 4, efer_bits
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
        out     PIC2_DATA, al
        out     PIC1_DATA, al
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
        add     eax, LARGE_PAGE_SIZE
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
default rel

long_entry:
        mov     ax, DATA_SEL
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        xor     eax, eax
        mov     fs, ax
        mov     gs, ax
        mov     rsp, 0x7c00

        mov     qword [elf_phys], KERNEL_ELF
        mov     qword [loader_start], KERNEL_ELF
        mov     qword [mmap_buf], E820_BUF
        mov     qword [cmdline_buf], CMDLINE_BUF
        mov     dword [boot_method], BOOT_METHOD_BIOS
        call    parse_elf
        call    place_kernel
        call    build_page_tables
        call    fill_boot_info
        jmp     start_kernel

; Zero [kphys, kphys + (vmax - vmin)) after the ELF file, copy each segment's
; file bytes to kphys + (vaddr - vmin); the zeroed rest is its .bss. The
; page tables, the stack and boot_info follow (next_free).
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
        lea     rsi, [msg_no_ram]
        cmp     rdx, [ram_limit]
        ja      fatal64
        shr     rcx, 3
        xor     eax, eax
        rep     stosq
        lea     r12, [copy_segment]
        jmp     each_load

; R13 = a PT_LOAD header: its file bytes to kernel_phys + (vaddr - vmin).
copy_segment:
        mov     rsi, [r13 + P_OFFSET]
        add     rsi, [elf_phys]
        mov     rdi, [r13 + P_VADDR]
        sub     rdi, [vmin]
        add     rdi, [kernel_phys]
        mov     rcx, [r13 + P_FILESZ]
        rep     movsb
        ret

%include "loader64.inc"

; ---------------------------------------------------------------------------
; Data
%include "loader_data.inc"

align 4
dap:
        db      16, 0
dap_count:
        dw      0
        dw      0, BOUNCE_SEG           ; offset, segment
dap_lba:
        dq      0

align 4
sectors_left:   dd 0
copy_dest:      dd 0

fwcfg_name:     db "opt/cmdline", 0
fwcfg_name_len  equ $ - fwcfg_name

msg_magic:      db "loader: bad image header magic (not built by mkimage?)", 13, 10, 0
msg_a20:        db "loader: could not enable the A20 line", 13, 10, 0
msg_e820:       db "loader: the BIOS gave no E820 memory map", 13, 10, 0
msg_empty:      db "loader: the image holds no kernel", 13, 10, 0
msg_read:       db "loader: disk read error while reading the kernel", 13, 10, 0

        times   IMG_STAGE2_MAX * IMG_SECTOR_SIZE - ($ - $$) db 0
