/* Tests for the VGA text writer's status-line support (drivers/vga): cells
 * written at a position, rows reserved from scrolling, and backspace.
 */
#include "ktest.h"

#include "console.h"
#include "drivers/vga.h"
#include "lib/string.h"

#define CHAR_OF(cell)  ((char)((cell) & 0xff))
#define ATTR_OF(cell)  ((uint8_t)((cell) >> 8))

static int reset(struct ktest *t)
{
	(void)t;
	if (!vga_has_screen())
		KTEST_SKIP("no VGA text screen: no framebuffer, "
			   "no VGA card in text mode");
	vga_reserve_top(0);
	vga_clear();
	return 0;
}

static void unreserve(struct ktest *t)
{
	(void)t;
	vga_reserve_top(0);
}

KTEST_SUITE(vga, .case_init = reset, .case_exit = unreserve);

static void expect_text(int row, int col, const char *s)
{
	for (size_t i = 0; s[i]; i++)
		EXPECT_EQ_MSG(s[i], CHAR_OF(vga_cell(row, col + (int)i)),
			      "row %d col %zu", row, col + i);
}

KTEST(vga, write_at_places_text_and_colour)
{
	int row, col;

	vga_cursor(&row, &col);
	vga_write_at(3, 70, "0123456789abc", VGA_BLACK, VGA_LIGHT_GREY);
	expect_text(3, 70, "0123456789");          /* cut at the row's end */
	EXPECT_EQ(VGA_BLACK | VGA_LIGHT_GREY << 4, ATTR_OF(vga_cell(3, 70)));
	EXPECT_EQ(' ', CHAR_OF(vga_cell(4, 0)));   /* nothing wrapped */
	vga_write_at(VGA_ROWS, 0, "x", VGA_WHITE, VGA_BLACK);   /* ignored */
	vga_cursor(&row, &col);
	EXPECT_EQ(0, row);
	EXPECT_EQ(0, col);
}

/* A reserved top row survives the text area scrolling under it. */
KTEST(vga, reserved_rows_do_not_scroll)
{
	int row, col;

	vga_write_at(0, 0, "status", VGA_BLACK, VGA_LIGHT_GREY);
	vga_reserve_top(1);
	vga_cursor(&row, &col);
	EXPECT_EQ(1, row);
	for (int i = 0; i < VGA_ROWS * 2; i++)
		vga_write("line\n", 5);
	expect_text(0, 0, "status");
	expect_text(VGA_ROWS - 2, 0, "line");
	vga_cursor(&row, &col);
	EXPECT_EQ(VGA_ROWS - 1, row);
}

KTEST(vga, backspace_moves_back_within_the_line)
{
	int row, col;

	vga_write("ab\b\bxy\b", 7);
	expect_text(0, 0, "xy");
	vga_cursor(&row, &col);
	EXPECT_EQ(1, col);
	vga_write("\b\b\b", 3);
	vga_cursor(&row, &col);
	EXPECT_EQ(0, col);
	EXPECT_EQ(0, row);
}
