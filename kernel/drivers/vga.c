/* VGA text mode at physical 0xb8000: 80x25 cells of (attribute << 8 | char),
 * with the hardware cursor moved through the CRT controller (ports 0x3d4/5).
 * Text is laid out (and scrolled) in a copy in RAM; after each write only the
 * cells that differ from what the screen shows are stored to the hardware,
 * which makes a scroll a few stores instead of a read and a write of every
 * cell of device memory (each one a trap into the device model under an
 * emulator). The same cells can instead go to a vga_screen, which draws
 * them (drivers/fb.c: a framebuffer under UEFI, where there is no text mode).
 * With neither (no VGA card) the text is kept but shown nowhere.
 */
#include "drivers/vga.h"

#include <stdbool.h>

#include "drivers/vga_registers.h"

#define TAB_WIDTH       8

#define VGA_CELLS       (VGA_ROWS * VGA_COLS)

/* IBM VGA technical reference: the text-mode palette as a VGA BIOS loads
 * it, 0xRRGGBB in enum vga_color order (the DAC keeps the top 6 bits). */
const uint32_t vga_color_rgb[16] = {
	0x000000, 0x0000aa, 0x00aa00, 0x00aaaa, 0xaa0000, 0xaa00aa, 0xaa5500, 0xaaaaaa,
	0x555555, 0x5555ff, 0x55ff55, 0x55ffff, 0xff5555, 0xff55ff, 0xffff55, 0xffffff,
};

static volatile uint16_t *vga_buf;
static const struct vga_screen *screen;    /* when set: cells go here */
static uint16_t text[VGA_CELLS];    /* what the screen should show */
static uint16_t shown[VGA_CELLS];   /* what was last stored to the screen */
static int top;                 /* rows above this are reserved (status) */
static int cur_row, cur_col;
static uint8_t attr = VGA_LIGHT_GREY | VGA_BLACK << 4;

static uint16_t blank(void)
{
	return (uint16_t)(attr << 8 | ' ');
}

static bool ready(void)
{
	return vga_buf || screen;
}

static void move_cursor(void)
{
	if (screen) {
		screen->cursor(screen->ctx, cur_row, cur_col);
		return;
	}
	uint16_t pos = (uint16_t)(cur_row * VGA_COLS + cur_col);

	vga_reg_write(VGA_CRTC_INDEX, VGA_CRTC_CURSOR_HI, (uint8_t)(pos >> 8));
	vga_reg_write(VGA_CRTC_INDEX, VGA_CRTC_CURSOR_LO, (uint8_t)(pos & 0xff));
}

/* Store cell i to the screen (and remember it as shown). */
static void show(int i, uint16_t v)
{
	text[i] = v;
	shown[i] = v;
	if (screen)
		screen->draw(screen->ctx, i / VGA_COLS, i % VGA_COLS, v);
	else
		vga_buf[i] = v;
}

/* Bring the text area's differing cells to the screen. */
static void sync(void)
{
	for (int i = top * VGA_COLS; i < VGA_CELLS; i++)
		if (text[i] != shown[i])
			show(i, text[i]);
}

static void scroll(void)
{
	for (int i = top * VGA_COLS; i < (VGA_ROWS - 1) * VGA_COLS; i++)
		text[i] = text[i + VGA_COLS];
	for (int i = 0; i < VGA_COLS; i++)
		text[(VGA_ROWS - 1) * VGA_COLS + i] = blank();
	cur_row = VGA_ROWS - 1;
}

static void newline(void)
{
	cur_col = 0;
	if (++cur_row == VGA_ROWS)
		scroll();
}

static void put(char c)
{
	switch (c) {
	case '\n':
		newline();
		return;
	case '\r':
		cur_col = 0;
		return;
	case '\b':
		if (cur_col > 0)
			cur_col--;
		return;
	case '\t':
		do
			put(' ');
		while (cur_col % TAB_WIDTH);
		return;
	}
	if (cur_col == VGA_COLS)
		newline();
	text[cur_row * VGA_COLS + cur_col++] = (uint16_t)(attr << 8 | (uint8_t)c);
}

void vga_init(volatile uint16_t *buffer)
{
	vga_buf = buffer;
	screen = NULL;
	vga_clear();
}

void vga_init_screen(const struct vga_screen *s)
{
	vga_buf = NULL;
	screen = s;
	vga_clear();
}

const struct vga_screen *vga_swap_screen(const struct vga_screen *s)
{
	const struct vga_screen *old = screen;

	screen = s;
	if (ready()) {
		for (int i = 0; i < VGA_CELLS; i++)
			show(i, text[i]);
		move_cursor();
	}
	return old;
}

void vga_clear(void)
{
	if (!ready())
		return;
	for (int i = 0; i < VGA_CELLS; i++)
		show(i, blank());
	cur_row = top;
	cur_col = 0;
	move_cursor();
}

void vga_reserve_top(int rows)
{
	if (rows < 0 || rows >= VGA_ROWS)
		return;
	top = rows;
	if (cur_row < top) {
		cur_row = top;
		cur_col = 0;
	}
	move_cursor();
}

void vga_write_at(int row, int col, const char *s, enum vga_color fg,
		  enum vga_color bg)
{
	uint16_t a = (uint16_t)((fg | bg << 4) << 8);

	if (!ready() || row < 0 || row >= VGA_ROWS || col < 0)
		return;
	for (; *s && col < VGA_COLS; s++, col++)
		show(row * VGA_COLS + col, a | (uint8_t)*s);
}

void vga_write(const char *s, size_t n)
{
	if (!ready())
		return;
	for (size_t i = 0; i < n; i++)
		put(s[i]);
	sync();
	move_cursor();
}

void vga_set_color(enum vga_color fg, enum vga_color bg)
{
	attr = (uint8_t)(fg | bg << 4);
}

bool vga_has_screen(void)
{
	return ready();
}

bool vga_on_text_buffer(void)
{
	return vga_buf && !screen;
}

uint16_t vga_cell(int row, int col)
{
	if (screen)
		return shown[row * VGA_COLS + col];
	return vga_buf ? vga_buf[row * VGA_COLS + col] : 0;
}

void vga_cursor(int *row, int *col)
{
	*row = cur_row;
	*col = cur_col;
}
