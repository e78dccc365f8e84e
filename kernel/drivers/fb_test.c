/* Tests for the framebuffer text console (drivers/fb): glyphs in the VGA
 * colours in both pixel formats, scale and centring, the pitch, the cursor,
 * and the VGA text writer's wrapping and scrolling drawn through it. Each
 * case draws on a framebuffer of its own in the heap, never the screen.
 */
#include "ktest.h"

#include "drivers/fb.h"
#include "drivers/fb_font.h"
#include "drivers/vga.h"
#include "mm/frame.h"
#include "mm/heap.h"

#define SENTINEL 0xa5a5a5a5u
#define PITCH_PAD 64            /* bytes past each scan line's pixels */
#define ROOM      (4u << 20)    /* memory beside a framebuffer: kernel, tables */

static struct fb fb;
static uint8_t *mem;

/* A framebuffer of width x height in the heap, every byte SENTINEL. A heap
 * that cannot give it fails the case, unless the machine is too small to
 * hold it with room to spare (twice its size and 4 MiB: a 4 MiB framebuffer
 * in 8 MiB of RAM, say), which skips the case. */
static struct boot_framebuffer fake(uint32_t width, uint32_t height, uint32_t format)
{
	struct boot_framebuffer bf = { 0, width, height, width * 4 + PITCH_PAD, format };
	size_t bytes = (size_t)bf.pitch * height;
	uint64_t memory = frame_total_count() * FRAME_SIZE;

	mem = kmalloc(bytes);
	if (!mem && memory < 2 * bytes + ROOM)
		KTEST_SKIP("a %zu KiB framebuffer in the heap needs more than the "
			   "machine's %llu KiB", bytes / 1024,
			   (unsigned long long)(memory / 1024));
	ASSERT_NOT_NULL(mem);
	for (size_t i = 0; i < bytes; i += 4)
		*(uint32_t *)(mem + i) = SENTINEL;
	bf.phys = (uint64_t)(uintptr_t)mem;
	return bf;
}

static void fake_init(uint32_t width, uint32_t height, uint32_t format)
{
	struct boot_framebuffer bf = fake(width, height, format);

	ASSERT_EQ(0, fb_init(&fb, &bf, 0));
}

static void release(struct ktest *t)
{
	(void)t;
	kfree(mem);
	mem = NULL;
}

KTEST_SUITE(fb, .case_exit = release);

/* Every pixel of the cell at (row, col) is ch's glyph in fg on bg. */
static void expect_cell(int row, int col, uint8_t ch, enum vga_color fg, enum vga_color bg)
{
	uint32_t s = fb.scale, bad = 0;

	for (uint32_t y = 0; y < FB_FONT_HEIGHT * s; y++) {
		for (uint32_t x = 0; x < FB_FONT_WIDTH * s; x++) {
			bool on = fb_font[ch][y / s] & (0x80 >> (x / s));
			uint32_t px = fb_pixel(&fb, fb.x0 + (uint32_t)col * 8 * s + x,
					       fb.y0 + (uint32_t)row * 16 * s + y);

			bad += px != fb_color(&fb, on ? fg : bg);
		}
	}
	EXPECT_EQ_MSG(0u, bad, "cell (%d, %d) should show '%c'", row, col, ch);
}

KTEST(fb, refuses_what_it_cannot_draw_on)
{
	struct boot_framebuffer bf = fake(FB_TEXT_WIDTH, FB_TEXT_HEIGHT, BOOT_FB_NONE);

	EXPECT_EQ(-1, fb_init(&fb, &bf, 0));
	bf.format = BOOT_FB_RGBX;
	bf.width = FB_TEXT_WIDTH - 1;
	EXPECT_EQ(-1, fb_init(&fb, &bf, 0));
	bf.width = FB_TEXT_WIDTH;
	bf.pitch = FB_TEXT_WIDTH * 4 - 4;
	EXPECT_EQ(-1, fb_init(&fb, &bf, 0));
	EXPECT_EQ(SENTINEL, *(uint32_t *)mem);           /* nothing drawn */
}

KTEST(fb, draws_glyphs_in_the_vga_colours)
{
	fake_init(FB_TEXT_WIDTH, FB_TEXT_HEIGHT, BOOT_FB_RGBX);
	EXPECT_EQ(0x5555ffu, fb_color(&fb, VGA_LIGHT_RED));   /* bytes ff 55 55 */
	EXPECT_EQ(0x0055aau, fb_color(&fb, VGA_BROWN));       /* aa 55 00 */
	EXPECT_EQ(0u, fb_pixel(&fb, 0, 0));                   /* cleared black */
	fb_draw_cell(&fb, 3, 7, (uint16_t)((VGA_LIGHT_RED | VGA_BLUE << 4) << 8 | 'A'));
	expect_cell(3, 7, 'A', VGA_LIGHT_RED, VGA_BLUE);
	fb_draw_cell(&fb, 24, 79, (uint16_t)((VGA_BLACK | VGA_WHITE << 4) << 8 | 'g'));
	expect_cell(24, 79, 'g', VGA_BLACK, VGA_WHITE);       /* bright background */
	fb_draw_cell(&fb, 25, 0, 'x');                        /* off screen: ignored */
	expect_cell(3, 8, ' ', VGA_BLACK, VGA_BLACK);
}

KTEST(fb, bgrx_stores_blue_first)
{
	fake_init(FB_TEXT_WIDTH, FB_TEXT_HEIGHT, BOOT_FB_BGRX);
	EXPECT_EQ(0xff5555u, fb_color(&fb, VGA_LIGHT_RED));   /* bytes 55 55 ff */
	EXPECT_EQ(0xaa5500u, fb_color(&fb, VGA_BROWN));
	fb_draw_cell(&fb, 0, 0, (uint16_t)((VGA_YELLOW | VGA_MAGENTA << 4) << 8 | '#'));
	expect_cell(0, 0, '#', VGA_YELLOW, VGA_MAGENTA);
}

KTEST(fb, scales_and_centres_the_text, KTEST_SLOW)
{
	fake_init(700, 450, BOOT_FB_RGBX);
	EXPECT_EQ(1u, fb.scale);
	EXPECT_EQ(30u, fb.x0);
	EXPECT_EQ(25u, fb.y0);
	release(NULL);
	fake_init(2 * FB_TEXT_WIDTH + 20, 2 * FB_TEXT_HEIGHT + 7, BOOT_FB_RGBX);
	EXPECT_EQ(2u, fb.scale);
	EXPECT_EQ(10u, fb.x0);
	EXPECT_EQ(3u, fb.y0);
	fb_draw_cell(&fb, 12, 40, (uint16_t)((VGA_WHITE | VGA_RED << 4) << 8 | 'W'));
	expect_cell(12, 40, 'W', VGA_WHITE, VGA_RED);
}

/* Nothing is stored in the bytes between a line's last pixel and the next
 * line: the pitch, not the width, steps from line to line. */
KTEST(fb, leaves_the_pitch_padding_alone)
{
	fake_init(FB_TEXT_WIDTH, FB_TEXT_HEIGHT, BOOT_FB_RGBX);
	for (int col = 0; col < VGA_COLS; col++)
		fb_draw_cell(&fb, 0, col, (uint16_t)(VGA_WHITE << 12 | ' '));
	for (uint32_t y = 0; y < FB_TEXT_HEIGHT; y++)
		for (uint32_t pad = 0; pad < PITCH_PAD; pad += 4)
			EXPECT_EQ_MSG(SENTINEL, *(uint32_t *)(mem + y * fb.pitch + FB_TEXT_WIDTH * 4 + pad),
				      "line %u", y);
	expect_cell(0, 79, ' ', VGA_WHITE, VGA_WHITE);
}

KTEST(fb, cursor_is_an_underline_that_moves)
{
	uint16_t cell = (uint16_t)((VGA_LIGHT_GREY | VGA_BLACK << 4) << 8 | 'o');

	fake_init(FB_TEXT_WIDTH, FB_TEXT_HEIGHT, BOOT_FB_RGBX);
	fb_draw_cell(&fb, 1, 1, cell);
	fb_move_cursor(&fb, 1, 1);
	EXPECT_EQ(fb_color(&fb, VGA_LIGHT_GREY), fb_pixel(&fb, 8, 16 + 14));
	EXPECT_EQ(fb_color(&fb, VGA_LIGHT_GREY), fb_pixel(&fb, 15, 16 + 15));
	fb_move_cursor(&fb, 1, 2);
	expect_cell(1, 1, 'o', VGA_LIGHT_GREY, VGA_BLACK);   /* plain again */
	fb_draw_cell(&fb, 1, 2, cell);                        /* keeps the cursor */
	EXPECT_EQ(fb_color(&fb, VGA_LIGHT_GREY), fb_pixel(&fb, 16, 16 + 15));
}

/* The VGA text writer's layout on this screen: a long line wraps, a full
 * screen scrolls, and the pixels follow. */
KTEST(fb, vga_text_wraps_and_scrolls_on_it, KTEST_SLOW)
{
	const struct vga_screen *old;
	int row, col;

	fake_init(FB_TEXT_WIDTH, FB_TEXT_HEIGHT, BOOT_FB_RGBX);
	vga_reserve_top(0);
	old = vga_swap_screen(&fb.screen);
	vga_clear();
	vga_set_color(VGA_LIGHT_GREY, VGA_BLACK);
	for (int i = 0; i < VGA_COLS; i++)
		vga_write("a", 1);
	vga_write("b", 1);
	expect_cell(0, 79, 'a', VGA_LIGHT_GREY, VGA_BLACK);
	expect_cell(1, 0, 'b', VGA_LIGHT_GREY, VGA_BLACK);
	for (int i = 0; i < VGA_ROWS - 1; i++)
		vga_write("\nz", 2);
	vga_cursor(&row, &col);
	vga_swap_screen(old);
	EXPECT_EQ(VGA_ROWS - 1, row);
	expect_cell(0, 0, 'b', VGA_LIGHT_GREY, VGA_BLACK);   /* the 'a' row scrolled off */
	expect_cell(VGA_ROWS - 1, 0, 'z', VGA_LIGHT_GREY, VGA_BLACK);
	expect_cell(1, 0, 'z', VGA_LIGHT_GREY, VGA_BLACK);
}
