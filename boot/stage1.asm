; boot/stage1.asm: BIOS boot sector (MBR code, 446 bytes).
; Loads the image header and the second stage (LBA 1 onwards) with one INT 13h
; extended read and jumps to the second stage with the boot drive in DL.
; Errors print "loader: ..." on screen (BIOS teletype) and on COM1, then halt.

bits 16
org 0x7c00

%include "image.inc"

COM1            equ 0x3f8
UART_LSR        equ 5               ; line status register
UART_LSR_THRE   equ 0x20            ; transmit holding register empty
STAGE1_SECTORS  equ 1 + IMG_STAGE2_MAX  ; header + second stage

start:
        jmp     0:.canonical        ; some BIOSes enter at 07c0:0000
.canonical:
        cli
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7c00
        sti
        cld
        mov     [boot_drive], dl
        mov     si, uart_init       ; 115200 8N1, FIFOs on (for error messages)
.uart:
        lodsw                       ; al = register, ah = value
        test    al, al
        js      .uart_done
        movzx   dx, al
        add     dx, COM1
        mov     al, ah
        out     dx, al
        jmp     .uart
.uart_done:

        mov     ah, 0x41            ; INT 13h extensions present?
        mov     bx, 0x55aa
        mov     dl, [boot_drive]
        int     0x13
        jc      .no_ext
        cmp     bx, 0xaa55
        jne     .no_ext

        mov     si, dap
        mov     ah, 0x42            ; extended read
        mov     dl, [boot_drive]
        int     0x13
        jc      .read_error

        mov     dl, [boot_drive]
        jmp     0:IMG_STAGE2_ADDR

.no_ext:
        mov     si, msg_no_ext
        jmp     fatal
.read_error:
        mov     si, msg_read

; Print the NUL-terminated string at DS:SI on screen and COM1, then halt.
fatal:
        lodsb
        test    al, al
        jz      .halt
        mov     cl, al
        mov     ah, 0x0e            ; teletype output
        mov     bx, 0x0007
        int     0x10
        mov     dx, COM1 + UART_LSR
.wait:
        in      al, dx
        test    al, UART_LSR_THRE
        jz      .wait
        mov     dx, COM1
        mov     al, cl
        out     dx, al
        jmp     fatal
.halt:
        cli
        hlt
        jmp     .halt

msg_no_ext:     db "loader: BIOS has no INT 13h extensions", 13, 10, 0
msg_read:       db "loader: disk read error (second stage)", 13, 10, 0

uart_init:                          ; (register, value) pairs
        db      1, 0x00             ; IER: no interrupts
        db      3, 0x80             ; LCR: DLAB on
        db      0, 0x01             ; DLL: divisor 1 = 115200 baud
        db      1, 0x00             ; DLM
        db      3, 0x03             ; LCR: 8N1, DLAB off
        db      2, 0xc7             ; FCR: enable and clear FIFOs
        db      4, 0x03             ; MCR: DTR, RTS
        db      0x80

align 4
dap:                                ; disk address packet
        db      16, 0
        dw      STAGE1_SECTORS
        dw      IMG_HEADER_ADDR, 0  ; offset, segment
        dq      IMG_HEADER_LBA
boot_drive:     db 0

        times   446 - ($ - $$) db 0 ; the partition table is written by mkimage
        times   510 - ($ - $$) db 0
        dw      0xaa55
