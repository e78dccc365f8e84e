/* 80x25 colour text mode (the IBM VGA's BIOS mode 3: 720x400 pixels, 9x16
 * character cells, text at 0xb8000) programmed register by register, for a
 * card that no VGA BIOS set up (a PVH boot). Register values: IBM VGA
 * technical reference and FreeVGA; what each one means is beside it.
 */
#include "drivers/vga_mode.h"

#include "drivers/fb_font.h"
#include "drivers/vga.h"
#include "drivers/vga_registers.h"

#define FONT_GLYPH_STRIDE  32     /* plane 2 keeps 32 bytes per character */
#define NO_CARD            0xff   /* what a port nothing decodes reads as */
#define DAC_SHIFT          2      /* 8-bit colour components to the DAC's 6 */

/* Plane 2 alone, linearly at 0xa0000, for loading the font. */
#define FONT_MAP_MASK      0x04   /* sequencer 2: writes go to plane 2 only */
#define FONT_MEMORY_MODE   0x06   /* sequencer 4: 256 KiB, odd/even off */
#define FONT_READ_MAP      0x02   /* graphics 4: reads from plane 2 */
#define FONT_GC_MODE       0x00   /* graphics 5: write mode 0, odd/even off */
#define FONT_GC_MISC       0x04   /* graphics 6: text, 0xa0000-0xaffff, no chaining */

/* Miscellaneous output: bit 0 colour (CRTC at 0x3d4), bit 1 CPU access to
 * video memory on, bits 2-3 = 01 the 28.322 MHz clock (720 pixels a line),
 * bit 5 odd/even page high, bits 6-7 = 01 sync polarities for 400 lines. */
#define MODE3_MISC         0x67

static const uint8_t mode3_seq[] = {
	[VGA_SEQ_RESET]       = VGA_SEQ_RUN,
	[VGA_SEQ_CLOCKING]    = 0x00,  /* 9-dot characters, screen on */
	[VGA_SEQ_MAP_MASK]    = 0x03,  /* writes: plane 0 (characters), 1 (attributes) */
	[VGA_SEQ_CHAR_MAP]    = 0x00,  /* font A = font B = plane 2 offset 0 */
	[VGA_SEQ_MEMORY_MODE] = 0x02,  /* 256 KiB, odd/even, no chain 4 */
};

static const uint8_t mode3_crtc[VGA_CRTC_REGS] = {
	0x5f,  /* 0x00 horizontal total: 100 characters (value + 5) */
	0x4f,  /* 0x01 horizontal display end: 80 characters */
	0x50,  /* 0x02 start horizontal blanking */
	0x82,  /* 0x03 end horizontal blanking; bit 7 set (compatibility read) */
	0x55,  /* 0x04 start horizontal retrace */
	0x81,  /* 0x05 end horizontal retrace */
	0xbf,  /* 0x06 vertical total: 449 lines (with the overflow) */
	0x1f,  /* 0x07 overflow: bit 8 of the vertical counts */
	0x00,  /* 0x08 preset row scan */
	0x4f,  /* 0x09 maximum scan line: 16 lines a character (bit 6: line compare bit 9) */
	0x0d,  /* 0x0a cursor start: scan line 13, cursor on */
	0x0e,  /* 0x0b cursor end: scan line 14 */
	0x00,  /* 0x0c start address high */
	0x00,  /* 0x0d start address low */
	0x00,  /* 0x0e cursor location high */
	0x00,  /* 0x0f cursor location low */
	0x9c,  /* 0x10 vertical retrace start */
	0x8e,  /* 0x11 vertical retrace end; bit 7 protects 0x00-0x07 again */
	0x8f,  /* 0x12 vertical display end: 400 lines (0x18f with the overflow) */
	0x28,  /* 0x13 offset: 80 cells of 2 bytes a row, in words of 4 bytes */
	0x1f,  /* 0x14 underline location: off (beyond the 16 scan lines) */
	0x96,  /* 0x15 start vertical blanking */
	0xb9,  /* 0x16 end vertical blanking */
	0xa3,  /* 0x17 mode control: byte addressing, sync on, CGA compatibility off */
	0xff,  /* 0x18 line compare: no split screen */
};

static const uint8_t mode3_gc[VGA_GC_REGS] = {
	0x00,  /* 0x00 set/reset */
	0x00,  /* 0x01 enable set/reset: off, CPU data is written as is */
	0x00,  /* 0x02 colour compare */
	0x00,  /* 0x03 data rotate: none, no logical operation */
	0x00,  /* 0x04 read map select: plane 0 */
	0x10,  /* 0x05 graphics mode: write mode 0, odd/even addressing */
	0x0e,  /* 0x06 misc: text, odd/even chained, memory at 0xb8000-0xbffff */
	0x00,  /* 0x07 colour don't care */
	0xff,  /* 0x08 bit mask: every bit from the CPU */
};

static const uint8_t mode3_ac[VGA_AC_REGS] = {
	/* 0x00-0x0f palette: text colour -> DAC entry, the EGA colours as a
	 * VGA BIOS sets them (brown, colour 6, is EGA colour 0x14) */
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07,
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
	0x0c,  /* 0x10 mode control: text, line graphics (9th column of 0xc0-0xdf), blink */
	0x00,  /* 0x11 overscan colour: black */
	0x0f,  /* 0x12 colour plane enable: all four */
	0x08,  /* 0x13 horizontal panning: none (8 is no shift with 9-dot characters) */
	0x00,  /* 0x14 colour select */
};

bool vga_mode_probe(void)
{
	return inb(VGA_MISC_READ) != NO_CARD;
}

/* Sequencer and miscellaneous output: the clock changes with the sequencer
 * held in synchronous reset, as the VGA requires. */
static void set_timing(void)
{
	vga_reg_write(VGA_SEQ_INDEX, VGA_SEQ_RESET, VGA_SEQ_SYNC_RESET);
	outb(VGA_MISC_WRITE, MODE3_MISC);
	for (uint8_t i = VGA_SEQ_CLOCKING; i < sizeof(mode3_seq); i++)
		vga_reg_write(VGA_SEQ_INDEX, i, mode3_seq[i]);
	vga_reg_write(VGA_SEQ_INDEX, VGA_SEQ_RESET, VGA_SEQ_RUN);
}

/* CRT controller: registers 0x00-0x07 ignore writes while 0x11's bit 7 is
 * set, so clear it first; the table sets it again after 0x00-0x07. */
static void set_crtc(void)
{
	uint8_t vre = vga_reg_read(VGA_CRTC_INDEX, VGA_CRTC_VRETRACE_END);

	vga_reg_write(VGA_CRTC_INDEX, VGA_CRTC_VRETRACE_END,
		      (uint8_t)(vre & ~VGA_CRTC_PROTECT));
	for (uint8_t i = 0; i < VGA_CRTC_REGS; i++)
		vga_reg_write(VGA_CRTC_INDEX, i, mode3_crtc[i]);
}

/* Attribute controller: one port takes index and data in turn (a read of
 * input status 1 restarts at index); the palette is writable only with the
 * screen blanked, so the last write shows it again. */
static void set_attributes(void)
{
	(void)inb(VGA_INPUT_STATUS_1);
	for (uint8_t i = 0; i < VGA_AC_REGS; i++) {
		outb(VGA_AC_WRITE, i);
		outb(VGA_AC_WRITE, mode3_ac[i]);
	}
	(void)inb(VGA_INPUT_STATUS_1);
	outb(VGA_AC_WRITE, VGA_AC_SHOW);
}

/* DAC: the 16 text colours at the entries the attribute palette names. */
static void set_colors(void)
{
	outb(VGA_DAC_MASK, 0xff);
	for (int c = 0; c < 16; c++) {
		uint32_t rgb = vga_color_rgb[c];

		outb(VGA_DAC_WRITE_INDEX, mode3_ac[VGA_AC_PALETTE + c]);
		outb(VGA_DAC_DATA, (uint8_t)((rgb >> 16 & 0xff) >> DAC_SHIFT));
		outb(VGA_DAC_DATA, (uint8_t)((rgb >> 8 & 0xff) >> DAC_SHIFT));
		outb(VGA_DAC_DATA, (uint8_t)((rgb & 0xff) >> DAC_SHIFT));
	}
}

/* Plane 2 holds the glyphs, 32 bytes per character of which text mode shows
 * the first 16 (the rest stay as they were: never shown). Write it alone,
 * linearly at 0xa0000, then put mode 3's values back. Write mode 0 with the
 * bit mask 0xff and no set/reset (mode 3's) stores the CPU's bytes as is. */
static void load_font(volatile uint8_t *window)
{
	vga_reg_write(VGA_SEQ_INDEX, VGA_SEQ_MAP_MASK, FONT_MAP_MASK);
	vga_reg_write(VGA_SEQ_INDEX, VGA_SEQ_MEMORY_MODE, FONT_MEMORY_MODE);
	vga_reg_write(VGA_GC_INDEX, VGA_GC_READ_MAP, FONT_READ_MAP);
	vga_reg_write(VGA_GC_INDEX, VGA_GC_MODE, FONT_GC_MODE);
	vga_reg_write(VGA_GC_INDEX, VGA_GC_MISC, FONT_GC_MISC);
	for (int ch = 0; ch < FB_FONT_GLYPHS; ch++)
		for (int row = 0; row < FB_FONT_HEIGHT; row++)
			window[ch * FONT_GLYPH_STRIDE + row] = fb_font[ch][row];
	vga_reg_write(VGA_SEQ_INDEX, VGA_SEQ_MAP_MASK, mode3_seq[VGA_SEQ_MAP_MASK]);
	vga_reg_write(VGA_SEQ_INDEX, VGA_SEQ_MEMORY_MODE, mode3_seq[VGA_SEQ_MEMORY_MODE]);
	for (uint8_t i = VGA_GC_READ_MAP; i <= VGA_GC_MISC; i++)
		vga_reg_write(VGA_GC_INDEX, i, mode3_gc[i]);
}

void vga_mode_set_text(volatile uint8_t *window)
{
	set_timing();
	set_crtc();
	for (uint8_t i = 0; i < VGA_GC_REGS; i++)
		vga_reg_write(VGA_GC_INDEX, i, mode3_gc[i]);
	set_attributes();
	set_colors();
	load_font(window);
}

bool vga_mode_text_works(volatile uint16_t *text)
{
	static const uint16_t patterns[] = { 0x5aa5, 0xa55a };
	uint16_t saved = text[0];
	bool works = true;

	for (unsigned i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		text[0] = patterns[i];
		works = works && text[0] == patterns[i];
	}
	text[0] = saved;
	return works;
}
