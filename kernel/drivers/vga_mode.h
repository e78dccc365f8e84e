/* Setting a VGA card up for 80x25 text mode (BIOS mode 3) without a BIOS:
 * after a PVH boot no VGA BIOS has run and the card is in its reset state.
 */
#ifndef DRIVERS_VGA_MODE_H
#define DRIVERS_VGA_MODE_H

#include <stdbool.h>
#include <stdint.h>

#define VGA_WINDOW_PHYS     0xa0000   /* the VGA's memory window, 128 KiB */
#define VGA_TEXT_PHYS       0xb8000   /* the colour text buffer inside it */

/* Whether a VGA card answers at its I/O ports: the miscellaneous output
 * register reads back (0x3cc) as 0xff only where nothing decodes the port.
 * Only reads; safe on any machine, in any state of the card. */
bool vga_mode_probe(void);

/* Program the card for 80x25 colour text with 8x16 characters (mode 3's
 * register values), the 16 text colours in the DAC, and the font (fb_font)
 * in plane 2; the text buffer's contents are left to the caller to clear.
 * @window is the virtual address of VGA_WINDOW_PHYS. For a card no BIOS set
 * up: after a BIOS boot its VGA BIOS did this, with its own font.
 * Interrupts off, at boot; nothing else may use the card meanwhile.
 */
void vga_mode_set_text(volatile uint8_t *window);

/* Whether @text (the virtual address of VGA_TEXT_PHYS) keeps what is stored
 * to it, tried on its first cell with two patterns; the cell is restored. */
bool vga_mode_text_works(volatile uint16_t *text);

#endif
