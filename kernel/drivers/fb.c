/* Text on a linear 32-bit framebuffer (UEFI 2.10, 12.9 GOP pixel formats
 * PixelRedGreenBlueReserved8BitPerColor and PixelBlueGreenRed...): the VGA
 * text writer's 80x25 cells drawn with an 8x16 font in the VGA's 16 colours
 * (IBM VGA technical reference: the text-mode palette), scaled by a whole
 * factor and centred, with an underline cursor as in text mode.
 */
#include "drivers/fb.h"

#include <stdbool.h>

#include "drivers/fb_font.h"

#define BYTES_PER_PIXEL   4
#define CURSOR_FIRST_ROW  14       /* text mode's cursor: glyph rows 14-15 */
#define ATTR_FG(cell)     (((cell) >> 8) & 0xf)
#define ATTR_BG(cell)     (((cell) >> 12) & 0xf)
#define GLYPH(cell)       ((cell) & 0xff)

static uint32_t pixel_of(uint32_t format, uint32_t rgb)
{
	uint32_t r = rgb >> 16 & 0xff, g = rgb >> 8 & 0xff, b = rgb & 0xff;

	/* Little-endian 32-bit stores: byte 0 is the lowest. */
	return format == BOOT_FB_RGBX ? r | g << 8 | b << 16 : b | g << 8 | r << 16;
}

static volatile uint32_t *pixel_at(const struct fb *fb, uint32_t x, uint32_t y)
{
	return (volatile uint32_t *)(fb->base + (uint64_t)y * fb->pitch) + x;
}

static void screen_draw(void *ctx, int row, int col, uint16_t cell)
{
	fb_draw_cell(ctx, row, col, cell);
}

static void screen_cursor(void *ctx, int row, int col)
{
	fb_move_cursor(ctx, row, col);
}

static void clear(struct fb *fb)
{
	for (uint32_t y = 0; y < fb->height; y++)
		for (uint32_t x = 0; x < fb->width; x++)
			*pixel_at(fb, x, y) = fb->palette[VGA_BLACK];
}

int fb_init(struct fb *fb, const struct boot_framebuffer *bf, uint64_t phys_offset)
{
	uint32_t sx, sy;

	if ((bf->format != BOOT_FB_RGBX && bf->format != BOOT_FB_BGRX) ||
	    bf->width < FB_TEXT_WIDTH || bf->height < FB_TEXT_HEIGHT ||
	    bf->pitch < bf->width * BYTES_PER_PIXEL)
		return -1;
	fb->base = (volatile uint8_t *)(uintptr_t)(bf->phys + phys_offset);
	fb->width = bf->width;
	fb->height = bf->height;
	fb->pitch = bf->pitch;
	sx = bf->width / FB_TEXT_WIDTH;
	sy = bf->height / FB_TEXT_HEIGHT;
	fb->scale = sx < sy ? sx : sy;
	fb->x0 = (bf->width - FB_TEXT_WIDTH * fb->scale) / 2;
	fb->y0 = (bf->height - FB_TEXT_HEIGHT * fb->scale) / 2;
	for (int c = 0; c < 16; c++)
		fb->palette[c] = pixel_of(bf->format, vga_color_rgb[c]);
	fb->cursor_row = fb->cursor_col = -1;   /* none until moved */
	for (int i = 0; i < VGA_ROWS * VGA_COLS; i++)
		fb->cells[i] = 0;
	fb->screen = (struct vga_screen){ fb, screen_draw, screen_cursor };
	clear(fb);
	return 0;
}

/* Glyph rows [first, FB_FONT_HEIGHT) of cell at (row, col); rows of the
 * glyph below `underline` use its bits, the rest are solid foreground. */
static void draw(struct fb *fb, int row, int col, uint16_t cell, int underline)
{
	uint32_t fg = fb->palette[ATTR_FG(cell)], bg = fb->palette[ATTR_BG(cell)];
	const uint8_t *glyph = fb_font[GLYPH(cell)];
	uint32_t s = fb->scale;
	uint32_t x = fb->x0 + (uint32_t)col * FB_FONT_WIDTH * s;
	uint32_t y = fb->y0 + (uint32_t)row * FB_FONT_HEIGHT * s;

	for (int gy = 0; gy < FB_FONT_HEIGHT; gy++) {
		uint8_t bits = gy >= underline ? 0xff : glyph[gy];

		for (uint32_t dy = 0; dy < s; dy++) {
			volatile uint32_t *p = pixel_at(fb, x, y + (uint32_t)gy * s + dy);

			for (int gx = 0; gx < FB_FONT_WIDTH; gx++)
				for (uint32_t dx = 0; dx < s; dx++)
					*p++ = bits & (0x80 >> gx) ? fg : bg;
		}
	}
}

static bool on_screen(int row, int col)
{
	return row >= 0 && row < VGA_ROWS && col >= 0 && col < VGA_COLS;
}

void fb_draw_cell(struct fb *fb, int row, int col, uint16_t cell)
{
	bool cursor = row == fb->cursor_row && col == fb->cursor_col;

	if (!on_screen(row, col))
		return;
	fb->cells[row * VGA_COLS + col] = cell;
	draw(fb, row, col, cell, cursor ? CURSOR_FIRST_ROW : FB_FONT_HEIGHT);
}

void fb_move_cursor(struct fb *fb, int row, int col)
{
	int old_row = fb->cursor_row, old_col = fb->cursor_col;

	fb->cursor_row = row;
	fb->cursor_col = col;
	if (on_screen(old_row, old_col) && (old_row != row || old_col != col))
		draw(fb, old_row, old_col, fb->cells[old_row * VGA_COLS + old_col],
		     FB_FONT_HEIGHT);
	if (on_screen(row, col))
		draw(fb, row, col, fb->cells[row * VGA_COLS + col], CURSOR_FIRST_ROW);
}

uint32_t fb_pixel(const struct fb *fb, uint32_t x, uint32_t y)
{
	return *pixel_at(fb, x, y);
}

uint32_t fb_color(const struct fb *fb, enum vga_color c)
{
	return fb->palette[c];
}
