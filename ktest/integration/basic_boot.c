/* basic_boot: the kernel boots into a test image and prints through both
 * console sinks (blog_os's tests/basic_boot.rs).
 */
#include "drivers/vga.h"
#include "console.h"
#include "ktest.h"
#include "lib/string.h"

KTEST_SUITE(basic_boot);

KTEST(basic_boot, boots)
{
	EXPECT_TRUE(1);
}

KTEST(basic_boot, println_simple)
{
	kprintf("test_println_simple output\n");
}

KTEST(basic_boot, println_many)
{
	for (int i = 0; i < 200; i++)
		kprintf("test_println_many output %d\n", i);
}

/* The line printed last is on the VGA screen, on the row above the cursor. */
KTEST(basic_boot, println_output_on_vga)
{
	const char *s = "Some test string that fits on a single line";
	int row, col;

	if (!vga_has_screen())
		KTEST_SKIP("no VGA text screen: no framebuffer, "
			   "no VGA card in text mode");
	kprintf("\n%s\n", s);
	vga_cursor(&row, &col);
	ASSERT_GT(row, 0);
	for (size_t i = 0; i < strlen(s); i++)
		EXPECT_EQ_MSG(s[i], (char)(vga_cell(row - 1, (int)i) & 0xff),
			      "column %zu", i);
}
