/* Tests for the screen the console found (drivers/vga_mode): a VGA card
 * that answers gives a text screen, in 80x25 colour text mode, whether a
 * VGA BIOS set it up (BIOS boot) or the kernel did (PVH boot).
 */
#include "ktest.h"

#include "arch/x86_64/cpu.h"
#include "drivers/vga.h"
#include "drivers/vga_mode.h"
#include "drivers/vga_registers.h"

#define CHAR_SCAN_LINES 16

KTEST_SUITE(vga_mode);

/* A card whose text buffer does not work leaves the console on COM1 alone,
 * and the screen tests skip: here that is a failure. */
KTEST(vga_mode, a_vga_card_gives_a_screen)
{
	if (!vga_mode_probe())
		KTEST_SKIP("no VGA card: nothing answers at port 0x3cc");
	EXPECT_TRUE_MSG(vga_has_screen(), "a VGA card answers, but the console "
			"found no text screen on it");
}

/* Each check names the register it reads (IBM VGA technical reference). */
KTEST(vga_mode, card_is_in_80x25_colour_text_mode)
{
	uint8_t gc_misc, ac_index;

	if (!vga_on_text_buffer())
		KTEST_SKIP("no VGA text screen at 0xb8000 (a framebuffer, or no card)");
	(void)inb(VGA_INPUT_STATUS_1);           /* the AC port at its index */
	ac_index = inb(VGA_AC_WRITE);
	EXPECT_TRUE_MSG(ac_index & VGA_AC_SHOW, "AC index 0x%x: screen blanked", ac_index);
	EXPECT_EQ(0, vga_reg_read(VGA_SEQ_INDEX, VGA_SEQ_CLOCKING) & VGA_SEQ_SCREEN_OFF);
	EXPECT_TRUE(inb(VGA_MISC_READ) & VGA_MISC_COLOR);   /* CRTC at 0x3d4 */
	gc_misc = vga_reg_read(VGA_GC_INDEX, VGA_GC_MISC);
	EXPECT_EQ(0, gc_misc & VGA_GC_GRAPHICS);
	EXPECT_EQ(VGA_GC_MAP_B8000, gc_misc & VGA_GC_MAP_MASK);
	EXPECT_EQ(0, vga_ac_read(VGA_AC_MODE) & VGA_AC_GRAPHICS);
	EXPECT_EQ(VGA_COLS - 1, vga_reg_read(VGA_CRTC_INDEX, VGA_CRTC_H_DISPLAY_END));
	EXPECT_EQ(CHAR_SCAN_LINES - 1,
		  vga_reg_read(VGA_CRTC_INDEX, VGA_CRTC_MAX_SCAN_LINE) & 0x1f);
}

/* The hardware cursor is on, at the writer's cursor. */
KTEST(vga_mode, hardware_cursor_follows_the_text)
{
	int row, col;

	if (!vga_on_text_buffer())
		KTEST_SKIP("no VGA text screen at 0xb8000 (a framebuffer, or no card)");
	vga_write("\nabc", 4);
	vga_cursor(&row, &col);
	EXPECT_EQ(row * VGA_COLS + col,
		  vga_reg_read(VGA_CRTC_INDEX, VGA_CRTC_CURSOR_HI) << 8 |
		  vga_reg_read(VGA_CRTC_INDEX, VGA_CRTC_CURSOR_LO));
	EXPECT_EQ(0, vga_reg_read(VGA_CRTC_INDEX, VGA_CRTC_CURSOR_START) &
		     VGA_CRTC_CURSOR_OFF);
}
