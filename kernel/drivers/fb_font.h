/* The kernel's 8x16 glyphs, one per code page 437 byte, as the VGA text
 * screen shows them: the framebuffer console draws them, and after a PVH
 * boot vga_mode.c loads them into the VGA's plane 2. fb_font.c is generated
 * at build time by tools/mkfont.py from a PSF font (Spleen 8x16,
 * BSD-2-Clause: docs/architecture.md).
 */
#ifndef DRIVERS_FB_FONT_H
#define DRIVERS_FB_FONT_H

#include <stdint.h>

#define FB_FONT_WIDTH   8       /* bit 7 of a row's byte is its left pixel */
#define FB_FONT_HEIGHT  16
#define FB_FONT_GLYPHS  256

extern const uint8_t fb_font[FB_FONT_GLYPHS][FB_FONT_HEIGHT];

#endif
