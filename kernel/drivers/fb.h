/* Text on a linear framebuffer (the UEFI GOP's): draws the VGA text
 * writer's 80x25 cells with an 8x16 font in the 16 VGA colours. */
#ifndef DRIVERS_FB_H
#define DRIVERS_FB_H

#include <stdint.h>

#include "boot_info.h"
#include "drivers/vga.h"

#define FB_TEXT_WIDTH   (VGA_COLS * 8)      /* pixels the 80x25 text takes */
#define FB_TEXT_HEIGHT  (VGA_ROWS * 16)     /* at scale 1 */

struct fb {
	volatile uint8_t *base;     /* virtual address of pixel (0, 0) */
	uint32_t width, height;     /* pixels */
	uint32_t pitch;             /* bytes from one scan line to the next */
	uint32_t scale;             /* each font pixel is scale x scale pixels */
	uint32_t x0, y0;            /* top left of the text, centred */
	uint32_t palette[16];       /* the VGA colours in the pixel format */
	int cursor_row, cursor_col;
	uint16_t cells[VGA_ROWS * VGA_COLS];   /* what is drawn */
	struct vga_screen screen;   /* fb as the VGA text writer's screen */
};

/* Set fb up on the framebuffer bf (mapped at bf->phys + phys_offset), at the
 * largest whole scale that fits 80x25 cells, and clear it to black. Returns
 * 0, or -1 (fb untouched) for a pixel format other than BOOT_FB_RGBX and
 * BOOT_FB_BGRX or a framebuffer smaller than 640x400.
 */
int fb_init(struct fb *fb, const struct boot_framebuffer *bf, uint64_t phys_offset);

/* Draw cell (VGA attribute << 8 | CP437 character) at (row, col): glyph in
 * the attribute's low nibble's colour on its high nibble's (16 background
 * colours, no blinking). Out-of-range positions are ignored. Callers
 * serialise (the VGA text writer runs under the console lock).
 */
void fb_draw_cell(struct fb *fb, int row, int col, uint16_t cell);

/* Move the cursor, an underline in the cell's foreground colour on the last
 * two of its 16 rows, to (row, col); the old position is redrawn plain. */
void fb_move_cursor(struct fb *fb, int row, int col);

/* The pixel at (x, y) as stored (for tests). */
uint32_t fb_pixel(const struct fb *fb, uint32_t x, uint32_t y);

/* The pixel value of VGA colour c in fb's format (for tests). */
uint32_t fb_color(const struct fb *fb, enum vga_color c);

#endif
