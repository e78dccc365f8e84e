/* The VGA's I/O ports and the register indices the kernel uses (IBM VGA
 * technical reference; FreeVGA "VGA/SVGA Video Programming"): for the text
 * writer (vga.c), the mode set (vga_mode.c) and their tests.
 */
#ifndef DRIVERS_VGA_REGISTERS_H
#define DRIVERS_VGA_REGISTERS_H

#include <stdint.h>

#include "arch/x86_64/cpu.h"

/* Ports. The CRT controller and input status 1 sit at 0x3dx while the
 * miscellaneous output register's bit 0 is set (colour), 0x3bx otherwise. */
#define VGA_AC_WRITE        0x3c0   /* attribute controller: index, then data */
#define VGA_AC_READ         0x3c1   /* attribute controller: data */
#define VGA_MISC_WRITE      0x3c2   /* miscellaneous output */
#define VGA_SEQ_INDEX       0x3c4   /* sequencer */
#define VGA_DAC_MASK        0x3c6   /* DAC pixel mask, ANDed with each index */
#define VGA_DAC_WRITE_INDEX 0x3c8   /* DAC entry that 0x3c9 writes next */
#define VGA_DAC_DATA        0x3c9   /* red, green, blue: 6 bits each */
#define VGA_MISC_READ       0x3cc   /* miscellaneous output */
#define VGA_GC_INDEX        0x3ce   /* graphics controller */
#define VGA_CRTC_INDEX      0x3d4   /* CRT controller (colour addressing) */
#define VGA_INPUT_STATUS_1  0x3da   /* a read resets the AC's index/data flip-flop */
/* The data port of an indexed register group is its index port + 1. */

#define VGA_MISC_COLOR      0x01    /* misc bit 0: CRTC at 0x3d4, status at 0x3da */

/* Sequencer registers. */
#define VGA_SEQ_RESET       0x00    /* 0x01: synchronous reset; 0x03: run */
#define VGA_SEQ_CLOCKING    0x01    /* bit 0: 8-dot characters; bit 5: screen off */
#define VGA_SEQ_MAP_MASK    0x02    /* planes a CPU write goes to */
#define VGA_SEQ_CHAR_MAP    0x03    /* where in plane 2 the fonts are */
#define VGA_SEQ_MEMORY_MODE 0x04    /* bit 1: 256 KiB; bit 2: odd/even off; bit 3: chain 4 */
#define VGA_SEQ_RUN         0x03    /* reset register: neither reset asserted */
#define VGA_SEQ_SYNC_RESET  0x01    /* reset register: synchronous reset */
#define VGA_SEQ_SCREEN_OFF  0x20

/* CRT controller registers. */
#define VGA_CRTC_H_DISPLAY_END 0x01  /* characters a row, minus one */
#define VGA_CRTC_MAX_SCAN_LINE 0x09  /* bits 0-4: scan lines a character, minus one */
#define VGA_CRTC_CURSOR_START  0x0a  /* bit 5: cursor off */
#define VGA_CRTC_CURSOR_END    0x0b
#define VGA_CRTC_CURSOR_HI     0x0e
#define VGA_CRTC_CURSOR_LO     0x0f
#define VGA_CRTC_VRETRACE_END  0x11  /* bit 7: CRTC registers 0-7 write-protected */
#define VGA_CRTC_PROTECT       0x80
#define VGA_CRTC_CURSOR_OFF    0x20
#define VGA_CRTC_REGS          0x19

/* Graphics controller registers. */
#define VGA_GC_READ_MAP     0x04    /* the plane CPU reads come from */
#define VGA_GC_MODE         0x05    /* bit 4: odd/even addressing for the CPU */
#define VGA_GC_MISC         0x06    /* bit 0: graphics; bit 1: odd/even; bits 2-3: memory map */
#define VGA_GC_REGS         0x09
#define VGA_GC_GRAPHICS     0x01
#define VGA_GC_MAP_MASK     0x0c    /* memory map field */
#define VGA_GC_MAP_B8000    0x0c    /* 0xb8000-0xbffff (32 KiB): colour text */

/* Attribute controller registers; an index written with bit 5 (palette
 * address source) clear blanks the screen, with it set shows it, and the
 * palette (0x00-0x0f) can only be written while it is clear. */
#define VGA_AC_PALETTE      0x00    /* 16 entries: text colour -> DAC index */
#define VGA_AC_MODE         0x10    /* bit 0: graphics; bit 2: line graphics; bit 3: blink */
#define VGA_AC_REGS         0x15
#define VGA_AC_SHOW         0x20    /* palette address source */
#define VGA_AC_GRAPHICS     0x01

/* Write @value to register @index of the group whose index port is @port. */
static inline void vga_reg_write(uint16_t port, uint8_t index, uint8_t value)
{
	outb(port, index);
	outb((uint16_t)(port + 1), value);
}

static inline uint8_t vga_reg_read(uint16_t port, uint8_t index)
{
	outb(port, index);
	return inb((uint16_t)(port + 1));
}

/* Attribute controller register @index, leaving the screen shown. */
static inline uint8_t vga_ac_read(uint8_t index)
{
	uint8_t v;

	(void)inb(VGA_INPUT_STATUS_1);
	outb(VGA_AC_WRITE, index | VGA_AC_SHOW);
	v = inb(VGA_AC_READ);
	(void)inb(VGA_INPUT_STATUS_1);
	return v;
}

#endif
