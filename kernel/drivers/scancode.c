/* PS/2 scancode set 1 to key events and US-layout characters: two tables
 * (one-byte codes map to themselves, E0 codes through `extended`), one table
 * of what each key types, and a small state machine for the prefixes.
 */
#include "drivers/scancode.h"

#include <stddef.h>

#define PREFIX_EXTENDED   0xe0   /* next byte is an extended key */
#define PREFIX_PAUSE      0xe1   /* two more bytes: 1D 45 (make), 9D C5 (break) */
#define BREAK_BIT         0x80   /* a break code is its make code | 0x80 */
#define CODE_MASK         0x7f
#define PAUSE_MAKE_1      0x1d
#define PAUSE_MAKE_2      0x45
#define PAUSE_BREAK_1     0x9d
#define PAUSE_BREAK_2     0xc5
#define ASCII_ESCAPE      0x1b
#define ASCII_CTRL_MASK   0x1f   /* ctrl+letter = letter & 0x1f */

enum kind {
	KIND_NONE,        /* types nothing (function, navigation keys) */
	KIND_PLAIN,       /* normal / shifted character */
	KIND_LETTER,      /* shift and caps lock pick the case; ctrl: control code */
	KIND_KEYPAD,      /* types only with num lock on and shift up */
	KIND_MODIFIER,    /* held state in mods */
	KIND_LOCK,        /* toggles a lock bit in mods */
};

struct key_info {
	const char *name;
	char normal;
	char shifted;
	uint8_t kind;
	uint16_t mod;     /* SCANCODE_MOD_* bit of a modifier or lock key */
};

#define PLAIN(n, c, sc)  { n, c, sc, KIND_PLAIN, 0 }
#define LETTER(n, c)     { n, c, (char)((c) - 'a' + 'A'), KIND_LETTER, 0 }
#define KEYPAD(n, c)     { n, c, c, KIND_KEYPAD, 0 }
#define NAMED(n)         { n, 0, 0, KIND_NONE, 0 }
#define MODIFIER(n, m)   { n, 0, 0, KIND_MODIFIER, m }
#define LOCK(n, m)       { n, 0, 0, KIND_LOCK, m }

static const struct key_info keys[KEY_COUNT] = {
	[KEY_ESCAPE] = PLAIN("esc", ASCII_ESCAPE, ASCII_ESCAPE),
	[KEY_1] = PLAIN("1", '1', '!'), [KEY_2] = PLAIN("2", '2', '@'),
	[KEY_3] = PLAIN("3", '3', '#'), [KEY_4] = PLAIN("4", '4', '$'),
	[KEY_5] = PLAIN("5", '5', '%'), [KEY_6] = PLAIN("6", '6', '^'),
	[KEY_7] = PLAIN("7", '7', '&'), [KEY_8] = PLAIN("8", '8', '*'),
	[KEY_9] = PLAIN("9", '9', '('), [KEY_0] = PLAIN("0", '0', ')'),
	[KEY_MINUS] = PLAIN("minus", '-', '_'),
	[KEY_EQUAL] = PLAIN("equal", '=', '+'),
	[KEY_BACKSPACE] = PLAIN("backspace", '\b', '\b'),
	[KEY_TAB] = PLAIN("tab", '\t', '\t'),
	[KEY_Q] = LETTER("q", 'q'), [KEY_W] = LETTER("w", 'w'),
	[KEY_E] = LETTER("e", 'e'), [KEY_R] = LETTER("r", 'r'),
	[KEY_T] = LETTER("t", 't'), [KEY_Y] = LETTER("y", 'y'),
	[KEY_U] = LETTER("u", 'u'), [KEY_I] = LETTER("i", 'i'),
	[KEY_O] = LETTER("o", 'o'), [KEY_P] = LETTER("p", 'p'),
	[KEY_LEFT_BRACKET] = PLAIN("bracket_left", '[', '{'),
	[KEY_RIGHT_BRACKET] = PLAIN("bracket_right", ']', '}'),
	[KEY_ENTER] = PLAIN("ret", '\n', '\n'),
	[KEY_LEFT_CTRL] = MODIFIER("ctrl", SCANCODE_MOD_LEFT_CTRL),
	[KEY_A] = LETTER("a", 'a'), [KEY_S] = LETTER("s", 's'),
	[KEY_D] = LETTER("d", 'd'), [KEY_F] = LETTER("f", 'f'),
	[KEY_G] = LETTER("g", 'g'), [KEY_H] = LETTER("h", 'h'),
	[KEY_J] = LETTER("j", 'j'), [KEY_K] = LETTER("k", 'k'),
	[KEY_L] = LETTER("l", 'l'),
	[KEY_SEMICOLON] = PLAIN("semicolon", ';', ':'),
	[KEY_APOSTROPHE] = PLAIN("apostrophe", '\'', '"'),
	[KEY_GRAVE] = PLAIN("grave_accent", '`', '~'),
	[KEY_LEFT_SHIFT] = MODIFIER("shift", SCANCODE_MOD_LEFT_SHIFT),
	[KEY_BACKSLASH] = PLAIN("backslash", '\\', '|'),
	[KEY_Z] = LETTER("z", 'z'), [KEY_X] = LETTER("x", 'x'),
	[KEY_C] = LETTER("c", 'c'), [KEY_V] = LETTER("v", 'v'),
	[KEY_B] = LETTER("b", 'b'), [KEY_N] = LETTER("n", 'n'),
	[KEY_M] = LETTER("m", 'm'),
	[KEY_COMMA] = PLAIN("comma", ',', '<'),
	[KEY_DOT] = PLAIN("dot", '.', '>'),
	[KEY_SLASH] = PLAIN("slash", '/', '?'),
	[KEY_RIGHT_SHIFT] = MODIFIER("shift_r", SCANCODE_MOD_RIGHT_SHIFT),
	[KEY_KP_ASTERISK] = PLAIN("kp_multiply", '*', '*'),
	[KEY_LEFT_ALT] = MODIFIER("alt", SCANCODE_MOD_LEFT_ALT),
	[KEY_SPACE] = PLAIN("spc", ' ', ' '),
	[KEY_CAPS_LOCK] = LOCK("caps_lock", SCANCODE_MOD_CAPS_LOCK),
	[KEY_F1] = NAMED("f1"), [KEY_F2] = NAMED("f2"), [KEY_F3] = NAMED("f3"),
	[KEY_F4] = NAMED("f4"), [KEY_F5] = NAMED("f5"), [KEY_F6] = NAMED("f6"),
	[KEY_F7] = NAMED("f7"), [KEY_F8] = NAMED("f8"), [KEY_F9] = NAMED("f9"),
	[KEY_F10] = NAMED("f10"),
	[KEY_NUM_LOCK] = LOCK("num_lock", SCANCODE_MOD_NUM_LOCK),
	[KEY_SCROLL_LOCK] = LOCK("scroll_lock", SCANCODE_MOD_SCROLL_LOCK),
	[KEY_KP_7] = KEYPAD("kp_7", '7'), [KEY_KP_8] = KEYPAD("kp_8", '8'),
	[KEY_KP_9] = KEYPAD("kp_9", '9'),
	[KEY_KP_MINUS] = PLAIN("kp_subtract", '-', '-'),
	[KEY_KP_4] = KEYPAD("kp_4", '4'), [KEY_KP_5] = KEYPAD("kp_5", '5'),
	[KEY_KP_6] = KEYPAD("kp_6", '6'),
	[KEY_KP_PLUS] = PLAIN("kp_add", '+', '+'),
	[KEY_KP_1] = KEYPAD("kp_1", '1'), [KEY_KP_2] = KEYPAD("kp_2", '2'),
	[KEY_KP_3] = KEYPAD("kp_3", '3'), [KEY_KP_0] = KEYPAD("kp_0", '0'),
	[KEY_KP_DOT] = KEYPAD("kp_decimal", '.'),
	[KEY_SYSRQ] = NAMED("sysrq"),
	[KEY_102ND] = PLAIN("less", '<', '>'),
	[KEY_F11] = NAMED("f11"), [KEY_F12] = NAMED("f12"),
	[KEY_KP_ENTER] = PLAIN("kp_enter", '\n', '\n'),
	[KEY_RIGHT_CTRL] = MODIFIER("ctrl_r", SCANCODE_MOD_RIGHT_CTRL),
	[KEY_KP_SLASH] = PLAIN("kp_divide", '/', '/'),
	[KEY_PRINT_SCREEN] = NAMED("print"),
	[KEY_RIGHT_ALT] = MODIFIER("alt_r", SCANCODE_MOD_RIGHT_ALT),
	[KEY_HOME] = NAMED("home"), [KEY_UP] = NAMED("up"),
	[KEY_PAGE_UP] = NAMED("pgup"), [KEY_LEFT] = NAMED("left"),
	[KEY_RIGHT] = NAMED("right"), [KEY_END] = NAMED("end"),
	[KEY_DOWN] = NAMED("down"), [KEY_PAGE_DOWN] = NAMED("pgdn"),
	[KEY_INSERT] = NAMED("insert"), [KEY_DELETE] = NAMED("delete"),
	[KEY_LEFT_GUI] = MODIFIER("meta_l", SCANCODE_MOD_LEFT_GUI),
	[KEY_RIGHT_GUI] = MODIFIER("meta_r", SCANCODE_MOD_RIGHT_GUI),
	[KEY_MENU] = NAMED("menu"), [KEY_POWER] = NAMED("power"),
	[KEY_SLEEP] = NAMED("sleep"), [KEY_WAKE] = NAMED("wake"),
	[KEY_PAUSE] = NAMED("pause"),
};

/* The second byte of E0 xx (make code, break bit clear) -> key. The fake
 * shifts E0 2A and E0 36 (and their breaks), which keyboards wrap around
 * Print Screen and the grey keys, are left out on purpose: they decode to
 * nothing, so they never touch the real shift state.
 */
static const uint8_t extended[BREAK_BIT] = {
	[0x1c] = KEY_KP_ENTER, [0x1d] = KEY_RIGHT_CTRL, [0x35] = KEY_KP_SLASH,
	[0x37] = KEY_PRINT_SCREEN, [0x38] = KEY_RIGHT_ALT, [0x46] = KEY_PAUSE,
	[0x47] = KEY_HOME, [0x48] = KEY_UP, [0x49] = KEY_PAGE_UP,
	[0x4b] = KEY_LEFT, [0x4d] = KEY_RIGHT, [0x4f] = KEY_END,
	[0x50] = KEY_DOWN, [0x51] = KEY_PAGE_DOWN, [0x52] = KEY_INSERT,
	[0x53] = KEY_DELETE, [0x5b] = KEY_LEFT_GUI, [0x5c] = KEY_RIGHT_GUI,
	[0x5d] = KEY_MENU, [0x5e] = KEY_POWER, [0x5f] = KEY_SLEEP,
	[0x63] = KEY_WAKE,
};

_Static_assert(KEY_COUNT <= 0x100, "key codes fit in key_event.key");
_Static_assert(KEY_F12 < KEY_KP_ENTER, "one-byte and E0 key codes overlap");

void scancode_init(struct scancode_state *s)
{
	*s = (struct scancode_state){ .mods = SCANCODE_MOD_NUM_LOCK };
}

const char *scancode_key_name(unsigned key)
{
	return key < KEY_COUNT && keys[key].name ? keys[key].name : "unknown";
}

bool scancode_is_modifier(unsigned key)
{
	return key < KEY_COUNT && (keys[key].kind == KIND_MODIFIER ||
				   keys[key].kind == KIND_LOCK);
}

static bool is_down(const struct scancode_state *s, unsigned key)
{
	return s->down[key / 8] & (1u << (key % 8));
}

static void set_down(struct scancode_state *s, unsigned key, bool down)
{
	if (down)
		s->down[key / 8] |= (uint8_t)(1u << (key % 8));
	else
		s->down[key / 8] &= (uint8_t)~(1u << (key % 8));
}

/* What a press of key types with modifiers mods. */
static char key_char(const struct key_info *k, uint16_t mods)
{
	bool shift = mods & SCANCODE_MOD_SHIFT, ctrl = mods & SCANCODE_MOD_CTRL;
	bool caps = mods & SCANCODE_MOD_CAPS_LOCK;
	bool num = mods & SCANCODE_MOD_NUM_LOCK;
	char c;

	switch (k->kind) {
	case KIND_LETTER:
		c = shift != caps ? k->shifted : k->normal;
		return ctrl ? (char)(c & ASCII_CTRL_MASK) : c;
	case KIND_PLAIN:
		c = shift ? k->shifted : k->normal;
		return ctrl && c >= ' ' ? 0 : c;
	case KIND_KEYPAD:
		return num && !shift ? k->normal : 0;
	default:
		return 0;
	}
}

/* Fill *ev for key going down or up, updating held keys and modifiers. */
static bool emit(struct scancode_state *s, unsigned key, bool pressed,
		 struct key_event *ev)
{
	const struct key_info *k = &keys[key];
	bool repeat = pressed && is_down(s, key);

	set_down(s, key, pressed);
	if (k->kind == KIND_MODIFIER) {
		if (pressed)
			s->mods |= k->mod;
		else
			s->mods &= (uint16_t)~k->mod;
	} else if (k->kind == KIND_LOCK && pressed && !repeat) {
		s->mods ^= k->mod;
	}
	*ev = (struct key_event){
		.key = (uint8_t)key, .pressed = pressed, .repeat = repeat,
		.mods = s->mods, .ch = pressed ? key_char(k, s->mods) : 0,
	};
	return true;
}

/* A byte after E1: Pause is E1 1D 45 (make) then E1 9D C5 (break). */
static bool pause_byte(struct scancode_state *s, uint8_t byte,
		       struct key_event *ev)
{
	s->pause[s->pause_len++] = byte;
	if (s->pause_len < sizeof(s->pause))
		return false;
	s->prefix = 0;
	s->pause_len = 0;
	if (s->pause[0] == PAUSE_MAKE_1 && s->pause[1] == PAUSE_MAKE_2)
		return emit(s, KEY_PAUSE, true, ev);
	if (s->pause[0] == PAUSE_BREAK_1 && s->pause[1] == PAUSE_BREAK_2)
		return emit(s, KEY_PAUSE, false, ev);
	return false;
}

bool scancode_feed(struct scancode_state *s, uint8_t byte,
		   struct key_event *ev)
{
	uint8_t code = byte & CODE_MASK, prefix = s->prefix;
	unsigned key;

	if (prefix == PREFIX_PAUSE)
		return pause_byte(s, byte, ev);
	if (byte == PREFIX_EXTENDED || byte == PREFIX_PAUSE) {
		s->prefix = byte;
		s->pause_len = 0;
		return false;
	}
	s->prefix = 0;
	if (prefix == PREFIX_EXTENDED) {
		key = extended[code];
	} else {
		key = code <= KEY_F12 && keys[code].name ? code : KEY_NONE;
	}
	if (key == KEY_NONE)
		return false;
	return emit(s, key, !(byte & BREAK_BIT), ev);
}
