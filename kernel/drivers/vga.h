/* VGA text mode (80x25, 16 colours) writer: the text's layout, shown in the
 * VGA text buffer or drawn by a renderer (drivers/fb.c on a framebuffer). */
#ifndef DRIVERS_VGA_H
#define DRIVERS_VGA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VGA_COLS 80
#define VGA_ROWS 25

enum vga_color {
	VGA_BLACK, VGA_BLUE, VGA_GREEN, VGA_CYAN, VGA_RED, VGA_MAGENTA,
	VGA_BROWN, VGA_LIGHT_GREY, VGA_DARK_GREY, VGA_LIGHT_BLUE,
	VGA_LIGHT_GREEN, VGA_LIGHT_CYAN, VGA_LIGHT_RED, VGA_PINK, VGA_YELLOW,
	VGA_WHITE,
};

/* The 16 colours as 0xRRGGBB, in enum vga_color order. */
extern const uint32_t vga_color_rgb[16];

/* Somewhere other than the VGA text buffer to show the cells on. */
struct vga_screen {
	void *ctx;
	void (*draw)(void *ctx, int row, int col, uint16_t cell);
	void (*cursor)(void *ctx, int row, int col);
};

/* Use the text buffer at virtual address @buffer (physical 0xb8000) and
 * clear it; the card must be in text mode (drivers/vga_mode.h). Until this
 * or vga_init_screen() runs, writes go nowhere and vga_cell() reads 0. */
void vga_init(volatile uint16_t *buffer);

/* Show the text on @screen instead (no VGA text buffer) and clear it. */
void vga_init_screen(const struct vga_screen *screen);

/* Show the text on @screen, or on the VGA text buffer given to vga_init()
 * when NULL, redrawing every cell there; returns the screen it replaces.
 * For tests that draw on a screen of their own and then put it back.
 */
const struct vga_screen *vga_swap_screen(const struct vga_screen *screen);

/* Write n bytes at the cursor: '\n' starts a line, '\r' returns, '\b' moves
 * back one column (not past the start of the line), '\t' to the next
 * multiple of 8, long lines wrap, the screen scrolls. Callers serialise.
 */
void vga_write(const char *s, size_t n);

void vga_set_color(enum vga_color fg, enum vga_color bg);

/* Keep the top rows (0 to VGA_ROWS - 1) out of the text area vga_write
 * scrolls: a status line. The cursor moves below them if it was inside.
 */
void vga_reserve_top(int rows);

/* Write the string s at (row, col) in fg on bg, cut at the end of the row;
 * the cursor and the colour of vga_write stay as they were. Writes only
 * those cells, so it needs no lock against vga_write when row is reserved.
 */
void vga_write_at(int row, int col, const char *s, enum vga_color fg,
		  enum vga_color bg);
void vga_clear(void);

/* Whether the text is shown at all: false when the console found no screen
 * (no framebuffer, no VGA card in text mode) and writes go nowhere. */
bool vga_has_screen(void);

/* Whether the cells go to the VGA text buffer at 0xb8000 (not a vga_screen). */
bool vga_on_text_buffer(void);

/* The character and attribute at (row, col) as the screen shows it (the
 * VGA text buffer's memory, or what was last drawn on a screen), for tests. */
uint16_t vga_cell(int row, int col);
void vga_cursor(int *row, int *col);

#endif
