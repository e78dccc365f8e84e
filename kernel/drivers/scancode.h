/* PS/2 scancode set 1 decoder (IBM PC/XT codes, as an 8042 translating
 * controller delivers them) to key events and US-layout characters. Pure:
 * the caller owns the state, so the same code runs in the kernel and on the host.
 */
#ifndef DRIVERS_SCANCODE_H
#define DRIVERS_SCANCODE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Key codes. Keys with a one-byte make code take that code as their value
 * (KEY_A = 0x1e), as Linux's input codes do; 0xE0-prefixed keys follow.
 * A key code names a physical key, whatever the modifiers.
 */
enum key {
	KEY_NONE = 0x00,
	KEY_ESCAPE = 0x01, KEY_1, KEY_2, KEY_3, KEY_4, KEY_5, KEY_6, KEY_7,
	KEY_8, KEY_9, KEY_0, KEY_MINUS, KEY_EQUAL, KEY_BACKSPACE, KEY_TAB,
	KEY_Q = 0x10, KEY_W, KEY_E, KEY_R, KEY_T, KEY_Y, KEY_U, KEY_I, KEY_O,
	KEY_P, KEY_LEFT_BRACKET, KEY_RIGHT_BRACKET, KEY_ENTER, KEY_LEFT_CTRL,
	KEY_A = 0x1e, KEY_S, KEY_D, KEY_F, KEY_G, KEY_H, KEY_J, KEY_K, KEY_L,
	KEY_SEMICOLON, KEY_APOSTROPHE, KEY_GRAVE, KEY_LEFT_SHIFT, KEY_BACKSLASH,
	KEY_Z = 0x2c, KEY_X, KEY_C, KEY_V, KEY_B, KEY_N, KEY_M, KEY_COMMA,
	KEY_DOT, KEY_SLASH, KEY_RIGHT_SHIFT, KEY_KP_ASTERISK, KEY_LEFT_ALT,
	KEY_SPACE, KEY_CAPS_LOCK,
	KEY_F1 = 0x3b, KEY_F2, KEY_F3, KEY_F4, KEY_F5, KEY_F6, KEY_F7, KEY_F8,
	KEY_F9, KEY_F10, KEY_NUM_LOCK, KEY_SCROLL_LOCK,
	KEY_KP_7 = 0x47, KEY_KP_8, KEY_KP_9, KEY_KP_MINUS, KEY_KP_4, KEY_KP_5,
	KEY_KP_6, KEY_KP_PLUS, KEY_KP_1, KEY_KP_2, KEY_KP_3, KEY_KP_0, KEY_KP_DOT,
	KEY_SYSRQ = 0x54,        /* Alt + Print Screen */
	KEY_102ND = 0x56,        /* the extra key of ISO keyboards, left of Z */
	KEY_F11 = 0x57, KEY_F12 = 0x58,
	/* 0xE0-prefixed keys */
	KEY_KP_ENTER = 0x60, KEY_RIGHT_CTRL, KEY_KP_SLASH, KEY_PRINT_SCREEN,
	KEY_RIGHT_ALT, KEY_HOME, KEY_UP, KEY_PAGE_UP, KEY_LEFT, KEY_RIGHT,
	KEY_END, KEY_DOWN, KEY_PAGE_DOWN, KEY_INSERT, KEY_DELETE, KEY_LEFT_GUI,
	KEY_RIGHT_GUI, KEY_MENU, KEY_POWER, KEY_SLEEP, KEY_WAKE,
	KEY_PAUSE,               /* E1 1D 45 (and Ctrl+Pause, E0 46) */
	KEY_COUNT
};

/* Modifier and lock state, in key_event.mods and scancode_state.mods. */
#define SCANCODE_MOD_LEFT_SHIFT   (1u << 0)
#define SCANCODE_MOD_RIGHT_SHIFT  (1u << 1)
#define SCANCODE_MOD_LEFT_CTRL    (1u << 2)
#define SCANCODE_MOD_RIGHT_CTRL   (1u << 3)
#define SCANCODE_MOD_LEFT_ALT     (1u << 4)
#define SCANCODE_MOD_RIGHT_ALT    (1u << 5)
#define SCANCODE_MOD_LEFT_GUI     (1u << 6)
#define SCANCODE_MOD_RIGHT_GUI    (1u << 7)
#define SCANCODE_MOD_CAPS_LOCK    (1u << 8)
#define SCANCODE_MOD_NUM_LOCK     (1u << 9)
#define SCANCODE_MOD_SCROLL_LOCK  (1u << 10)

#define SCANCODE_MOD_SHIFT (SCANCODE_MOD_LEFT_SHIFT | SCANCODE_MOD_RIGHT_SHIFT)
#define SCANCODE_MOD_CTRL  (SCANCODE_MOD_LEFT_CTRL | SCANCODE_MOD_RIGHT_CTRL)
#define SCANCODE_MOD_ALT   (SCANCODE_MOD_LEFT_ALT | SCANCODE_MOD_RIGHT_ALT)
#define SCANCODE_MOD_GUI   (SCANCODE_MOD_LEFT_GUI | SCANCODE_MOD_RIGHT_GUI)

/* One key going down (a make code, repeated while held) or up (break). */
struct key_event {
	uint8_t key;        /* enum key */
	bool pressed;       /* make: true; break: false */
	bool repeat;        /* a make while the key was already down (typematic) */
	uint16_t mods;      /* SCANCODE_MOD_* after this event */
	char ch;            /* what the press types, 0 if nothing (see below) */
};

/* Decoder state between bytes; zero it with scancode_init(). */
struct scancode_state {
	uint8_t prefix;     /* 0xE0 or 0xE1 waiting for the rest, else 0 */
	uint8_t pause[2];   /* bytes after 0xE1 so far */
	uint8_t pause_len;
	uint16_t mods;
	uint8_t down[(KEY_COUNT + 7) / 8];   /* keys held, for repeat and locks */
};

/* Start with nothing held, caps and scroll lock off and num lock on (the
 * usual BIOS default, so the keypad types digits).
 */
void scancode_init(struct scancode_state *s);

/*
 * Feed one byte from the keyboard. Returns true and fills *ev when the byte
 * completes a key event; false for prefixes, the fake shifts that wrap
 * Print Screen and the extended keys (E0 2A, E0 36 and their breaks),
 * controller replies and unknown codes, which are ignored.
 *
 * Characters (ev->ch, only for presses, US layout):
 *  - letters: upper case when exactly one of shift and caps lock is on;
 *    with ctrl held, the control code (ctrl+C = 0x03);
 *  - digits and punctuation: shifted with shift; nothing with ctrl held;
 *  - Enter and keypad Enter '\n', Tab '\t', Backspace '\b', Escape 0x1b;
 *  - keypad digits and '.': only when num lock is on and shift is not held
 *    (shift + keypad, like num lock off, would mean the navigation key
 *    printed on it; they type nothing here, and the key code stays
 *    KEY_KP_n, so the caller can map it); keypad / * - + always type;
 *  - alt and the GUI keys do not change characters; caps lock, num lock and
 *    scroll lock toggle on a press that is not a repeat.
 * Never fails on any input; never reads outside its tables.
 */
bool scancode_feed(struct scancode_state *s, uint8_t byte,
		   struct key_event *ev);

/* True for shift, ctrl, alt, GUI and the lock keys: keys that change what
 * others type rather than typing or doing something themselves.
 */
bool scancode_is_modifier(unsigned key);

/* The key's name as QEMU's sendkey spells it ("a", "shift_r", "kp_enter",
 * "up"); "unknown" for codes that name no key.
 */
const char *scancode_key_name(unsigned key);

#endif
