/* Tests for the scancode set 1 decoder (drivers/scancode): every code of the
 * US layout against a table written from the IBM PC/AT set 1 chart, make and
 * break codes, modifiers and locks, E0/E1 sequences, and junk input.
 */
#include "ktest.h"

#include "drivers/scancode.h"
#include "lib/string.h"

KTEST_SUITE(scancode);

#define ESC '\x1b'

struct code {
	uint8_t code;       /* make code (second byte for E0 keys) */
	uint8_t key;
	const char *name;
	char normal;        /* typed alone (num lock on) */
	char shifted;       /* typed with left shift held */
};

static const struct code one_byte[] = {
	{ 0x01, KEY_ESCAPE, "esc", ESC, ESC },
	{ 0x02, KEY_1, "1", '1', '!' }, { 0x03, KEY_2, "2", '2', '@' },
	{ 0x04, KEY_3, "3", '3', '#' }, { 0x05, KEY_4, "4", '4', '$' },
	{ 0x06, KEY_5, "5", '5', '%' }, { 0x07, KEY_6, "6", '6', '^' },
	{ 0x08, KEY_7, "7", '7', '&' }, { 0x09, KEY_8, "8", '8', '*' },
	{ 0x0a, KEY_9, "9", '9', '(' }, { 0x0b, KEY_0, "0", '0', ')' },
	{ 0x0c, KEY_MINUS, "minus", '-', '_' },
	{ 0x0d, KEY_EQUAL, "equal", '=', '+' },
	{ 0x0e, KEY_BACKSPACE, "backspace", '\b', '\b' },
	{ 0x0f, KEY_TAB, "tab", '\t', '\t' },
	{ 0x10, KEY_Q, "q", 'q', 'Q' }, { 0x11, KEY_W, "w", 'w', 'W' },
	{ 0x12, KEY_E, "e", 'e', 'E' }, { 0x13, KEY_R, "r", 'r', 'R' },
	{ 0x14, KEY_T, "t", 't', 'T' }, { 0x15, KEY_Y, "y", 'y', 'Y' },
	{ 0x16, KEY_U, "u", 'u', 'U' }, { 0x17, KEY_I, "i", 'i', 'I' },
	{ 0x18, KEY_O, "o", 'o', 'O' }, { 0x19, KEY_P, "p", 'p', 'P' },
	{ 0x1a, KEY_LEFT_BRACKET, "bracket_left", '[', '{' },
	{ 0x1b, KEY_RIGHT_BRACKET, "bracket_right", ']', '}' },
	{ 0x1c, KEY_ENTER, "ret", '\n', '\n' },
	{ 0x1d, KEY_LEFT_CTRL, "ctrl", 0, 0 },
	{ 0x1e, KEY_A, "a", 'a', 'A' }, { 0x1f, KEY_S, "s", 's', 'S' },
	{ 0x20, KEY_D, "d", 'd', 'D' }, { 0x21, KEY_F, "f", 'f', 'F' },
	{ 0x22, KEY_G, "g", 'g', 'G' }, { 0x23, KEY_H, "h", 'h', 'H' },
	{ 0x24, KEY_J, "j", 'j', 'J' }, { 0x25, KEY_K, "k", 'k', 'K' },
	{ 0x26, KEY_L, "l", 'l', 'L' },
	{ 0x27, KEY_SEMICOLON, "semicolon", ';', ':' },
	{ 0x28, KEY_APOSTROPHE, "apostrophe", '\'', '"' },
	{ 0x29, KEY_GRAVE, "grave_accent", '`', '~' },
	{ 0x2a, KEY_LEFT_SHIFT, "shift", 0, 0 },
	{ 0x2b, KEY_BACKSLASH, "backslash", '\\', '|' },
	{ 0x2c, KEY_Z, "z", 'z', 'Z' }, { 0x2d, KEY_X, "x", 'x', 'X' },
	{ 0x2e, KEY_C, "c", 'c', 'C' }, { 0x2f, KEY_V, "v", 'v', 'V' },
	{ 0x30, KEY_B, "b", 'b', 'B' }, { 0x31, KEY_N, "n", 'n', 'N' },
	{ 0x32, KEY_M, "m", 'm', 'M' },
	{ 0x33, KEY_COMMA, "comma", ',', '<' },
	{ 0x34, KEY_DOT, "dot", '.', '>' },
	{ 0x35, KEY_SLASH, "slash", '/', '?' },
	{ 0x36, KEY_RIGHT_SHIFT, "shift_r", 0, 0 },
	{ 0x37, KEY_KP_ASTERISK, "kp_multiply", '*', '*' },
	{ 0x38, KEY_LEFT_ALT, "alt", 0, 0 },
	{ 0x39, KEY_SPACE, "spc", ' ', ' ' },
	{ 0x3a, KEY_CAPS_LOCK, "caps_lock", 0, 0 },
	{ 0x3b, KEY_F1, "f1", 0, 0 }, { 0x3c, KEY_F2, "f2", 0, 0 },
	{ 0x3d, KEY_F3, "f3", 0, 0 }, { 0x3e, KEY_F4, "f4", 0, 0 },
	{ 0x3f, KEY_F5, "f5", 0, 0 }, { 0x40, KEY_F6, "f6", 0, 0 },
	{ 0x41, KEY_F7, "f7", 0, 0 }, { 0x42, KEY_F8, "f8", 0, 0 },
	{ 0x43, KEY_F9, "f9", 0, 0 }, { 0x44, KEY_F10, "f10", 0, 0 },
	{ 0x45, KEY_NUM_LOCK, "num_lock", 0, 0 },
	{ 0x46, KEY_SCROLL_LOCK, "scroll_lock", 0, 0 },
	/* keypad digits: shift suspends num lock, so they type nothing */
	{ 0x47, KEY_KP_7, "kp_7", '7', 0 }, { 0x48, KEY_KP_8, "kp_8", '8', 0 },
	{ 0x49, KEY_KP_9, "kp_9", '9', 0 },
	{ 0x4a, KEY_KP_MINUS, "kp_subtract", '-', '-' },
	{ 0x4b, KEY_KP_4, "kp_4", '4', 0 }, { 0x4c, KEY_KP_5, "kp_5", '5', 0 },
	{ 0x4d, KEY_KP_6, "kp_6", '6', 0 },
	{ 0x4e, KEY_KP_PLUS, "kp_add", '+', '+' },
	{ 0x4f, KEY_KP_1, "kp_1", '1', 0 }, { 0x50, KEY_KP_2, "kp_2", '2', 0 },
	{ 0x51, KEY_KP_3, "kp_3", '3', 0 }, { 0x52, KEY_KP_0, "kp_0", '0', 0 },
	{ 0x53, KEY_KP_DOT, "kp_decimal", '.', 0 },
	{ 0x54, KEY_SYSRQ, "sysrq", 0, 0 },
	{ 0x56, KEY_102ND, "less", '<', '>' },
	{ 0x57, KEY_F11, "f11", 0, 0 }, { 0x58, KEY_F12, "f12", 0, 0 },
};

static const struct code extended[] = {
	{ 0x1c, KEY_KP_ENTER, "kp_enter", '\n', '\n' },
	{ 0x1d, KEY_RIGHT_CTRL, "ctrl_r", 0, 0 },
	{ 0x35, KEY_KP_SLASH, "kp_divide", '/', '/' },
	{ 0x37, KEY_PRINT_SCREEN, "print", 0, 0 },
	{ 0x38, KEY_RIGHT_ALT, "alt_r", 0, 0 },
	{ 0x46, KEY_PAUSE, "pause", 0, 0 },   /* Ctrl+Pause (Break) */
	{ 0x47, KEY_HOME, "home", 0, 0 }, { 0x48, KEY_UP, "up", 0, 0 },
	{ 0x49, KEY_PAGE_UP, "pgup", 0, 0 }, { 0x4b, KEY_LEFT, "left", 0, 0 },
	{ 0x4d, KEY_RIGHT, "right", 0, 0 }, { 0x4f, KEY_END, "end", 0, 0 },
	{ 0x50, KEY_DOWN, "down", 0, 0 }, { 0x51, KEY_PAGE_DOWN, "pgdn", 0, 0 },
	{ 0x52, KEY_INSERT, "insert", 0, 0 }, { 0x53, KEY_DELETE, "delete", 0, 0 },
	{ 0x5b, KEY_LEFT_GUI, "meta_l", 0, 0 },
	{ 0x5c, KEY_RIGHT_GUI, "meta_r", 0, 0 },
	{ 0x5d, KEY_MENU, "menu", 0, 0 }, { 0x5e, KEY_POWER, "power", 0, 0 },
	{ 0x5f, KEY_SLEEP, "sleep", 0, 0 }, { 0x63, KEY_WAKE, "wake", 0, 0 },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define BREAK(code) ((uint8_t)((code) | 0x80))
#define E0 0xe0

static void describe(const struct code *c, char *buf, size_t len)
{
	strlcpy(buf, c->name, len);
}

static bool in_table(const struct code *table, size_t n, uint8_t code)
{
	for (size_t i = 0; i < n; i++)
		if (table[i].code == code)
			return true;
	return false;
}

/* Feed bytes; the number of events, the last one in *ev. */
static int feed(struct scancode_state *s, const uint8_t *bytes, size_t n,
		struct key_event *ev)
{
	struct key_event e = { 0 };
	int events = 0;

	for (size_t i = 0; i < n; i++) {
		if (scancode_feed(s, bytes[i], &e)) {
			*ev = e;
			events++;
		}
	}
	return events;
}

/* Feed one byte that must complete an event. */
static struct key_event press(struct scancode_state *s, uint8_t byte)
{
	struct key_event ev = { 0 };

	ASSERT_TRUE_MSG(scancode_feed(s, byte, &ev), "byte 0x%02x", byte);
	return ev;
}

/* Check one key: make alone, make with shift held, and break. */
static void check_key(const struct code *c, const uint8_t *prefix,
		      size_t prefix_len)
{
	struct scancode_state s;
	struct key_event ev = { 0 };
	uint8_t make[2], brk[2];

	if (prefix_len) {
		memcpy(make, prefix, prefix_len);
		memcpy(brk, prefix, prefix_len);
	}
	make[prefix_len] = c->code;
	brk[prefix_len] = BREAK(c->code);
	scancode_init(&s);
	ASSERT_EQ(1, feed(&s, make, prefix_len + 1, &ev));
	EXPECT_EQ(c->key, ev.key);
	EXPECT_STREQ(c->name, scancode_key_name(ev.key));
	EXPECT_TRUE(ev.pressed);
	EXPECT_FALSE(ev.repeat);
	EXPECT_EQ(c->normal, ev.ch);
	ASSERT_EQ(1, feed(&s, brk, prefix_len + 1, &ev));
	EXPECT_EQ(c->key, ev.key);
	EXPECT_FALSE(ev.pressed);
	EXPECT_EQ(0, ev.ch);

	scancode_init(&s);
	press(&s, 0x2a);   /* left shift */
	ASSERT_EQ(1, feed(&s, make, prefix_len + 1, &ev));
	EXPECT_EQ(c->key, ev.key);
	EXPECT_EQ(c->shifted, ev.ch);
}

KTEST_PARAM(scancode, one_byte_codes, struct code, one_byte, describe)
{
	check_key(param, NULL, 0);
}

KTEST_PARAM(scancode, e0_codes, struct code, extended, describe)
{
	static const uint8_t e0[] = { E0 };

	check_key(param, e0, 1);
}

/* Every byte not in the chart, alone and after E0, is ignored and leaves no
 * prefix behind: the next key decodes normally.
 */
KTEST(scancode, unknown_codes_ignored)
{
	struct scancode_state s;
	struct key_event ev = { 0 };
	int unknown = 0;

	for (unsigned b = 0; b < 0x100; b++) {
		uint8_t make = b & 0x7f;
		uint8_t seq[2] = { E0, (uint8_t)b };

		if (b == E0 || b == 0xe1)
			continue;
		scancode_init(&s);
		if (!in_table(one_byte, COUNT(one_byte), make)) {
			unknown++;
			EXPECT_FALSE_MSG(scancode_feed(&s, (uint8_t)b, &ev), "0x%02x", b);
			EXPECT_EQ_MSG('a', press(&s, 0x1e).ch, "after 0x%02x", b);
		}
		scancode_init(&s);
		if (!in_table(extended, COUNT(extended), make)) {
			EXPECT_EQ_MSG(0, feed(&s, seq, 2, &ev), "E0 0x%02x", b);
			EXPECT_EQ_MSG('a', press(&s, 0x1e).ch, "after E0 0x%02x", b);
		}
	}
	EXPECT_GT(unknown, 0);
}

/* Any byte stream: no crash, no read outside the tables (ASan on the host),
 * every event names a key.
 */
KTEST(scancode, junk_never_crashes)
{
	struct scancode_state s;
	struct key_event ev = { 0 };
	uint32_t x = 12345;

	scancode_init(&s);
	for (unsigned a = 0; a < 0x100; a++) {
		for (unsigned b = 0; b < 0x100; b++) {
			if (scancode_feed(&s, (uint8_t)a, &ev))
				ASSERT_STRNE("unknown", scancode_key_name(ev.key));
			if (scancode_feed(&s, (uint8_t)b, &ev))
				ASSERT_STRNE("unknown", scancode_key_name(ev.key));
		}
	}
	for (int i = 0; i < 100000; i++) {
		x = x * 1103515245u + 12345u;   /* a fixed pseudo-random stream */
		if (scancode_feed(&s, (uint8_t)(x >> 16), &ev))
			ASSERT_STRNE("unknown", scancode_key_name(ev.key));
	}
}

KTEST(scancode, names_of_non_keys)
{
	EXPECT_STREQ("unknown", scancode_key_name(KEY_NONE));
	EXPECT_STREQ("unknown", scancode_key_name(0x55));
	EXPECT_STREQ("unknown", scancode_key_name(KEY_COUNT));
	EXPECT_STREQ("unknown", scancode_key_name(~0u));
}

KTEST(scancode, modifiers_and_locks)
{
	static const uint8_t mods[] = {
		KEY_LEFT_SHIFT, KEY_RIGHT_SHIFT, KEY_LEFT_CTRL, KEY_RIGHT_CTRL,
		KEY_LEFT_ALT, KEY_RIGHT_ALT, KEY_LEFT_GUI, KEY_RIGHT_GUI,
		KEY_CAPS_LOCK, KEY_NUM_LOCK, KEY_SCROLL_LOCK,
	};
	unsigned n = 0;

	for (unsigned k = 0; k <= KEY_COUNT; k++)
		n += scancode_is_modifier(k);
	EXPECT_EQ(sizeof(mods), n);
	for (size_t i = 0; i < sizeof(mods); i++)
		EXPECT_TRUE_MSG(scancode_is_modifier(mods[i]), "%s",
				scancode_key_name(mods[i]));
	EXPECT_FALSE(scancode_is_modifier(KEY_A));
	EXPECT_FALSE(scancode_is_modifier(KEY_UP));
}

KTEST(scancode, shift_left_and_right)
{
	struct scancode_state s;

	scancode_init(&s);
	EXPECT_EQ(SCANCODE_MOD_LEFT_SHIFT, press(&s, 0x2a).mods & SCANCODE_MOD_SHIFT);
	EXPECT_EQ('A', press(&s, 0x1e).ch);
	press(&s, 0x36);                       /* right shift too */
	press(&s, BREAK(0x2a));                /* left up, right still down */
	EXPECT_EQ('B', press(&s, 0x30).ch);
	EXPECT_EQ(SCANCODE_MOD_RIGHT_SHIFT, s.mods & SCANCODE_MOD_SHIFT);
	EXPECT_EQ(0, press(&s, BREAK(0x36)).mods & SCANCODE_MOD_SHIFT);
	EXPECT_EQ('a', press(&s, 0x1e).ch);
}

KTEST(scancode, caps_lock_toggles_letters_only)
{
	struct scancode_state s;

	scancode_init(&s);
	EXPECT_NE(0, press(&s, 0x3a).mods & SCANCODE_MOD_CAPS_LOCK);
	press(&s, BREAK(0x3a));
	EXPECT_EQ('Q', press(&s, 0x10).ch);
	EXPECT_EQ('1', press(&s, 0x02).ch);
	EXPECT_EQ(';', press(&s, 0x27).ch);
	press(&s, 0x2a);
	EXPECT_EQ('q', press(&s, 0x10).ch);   /* shift undoes caps for letters */
	EXPECT_EQ('!', press(&s, 0x02).ch);   /* but not for the rest */
	press(&s, BREAK(0x2a));
	press(&s, 0x3a);
	EXPECT_EQ(0, s.mods & SCANCODE_MOD_CAPS_LOCK);
	press(&s, BREAK(0x3a));
	EXPECT_EQ('q', press(&s, 0x10).ch);
}

/* Holding a lock key sends repeated makes: only the first toggles. */
KTEST(scancode, held_lock_key_toggles_once)
{
	struct scancode_state s;
	struct key_event ev = { 0 };

	scancode_init(&s);
	ev = press(&s, 0x3a);
	EXPECT_FALSE(ev.repeat);
	EXPECT_NE(0, ev.mods & SCANCODE_MOD_CAPS_LOCK);
	for (int i = 0; i < 2; i++) {
		ev = press(&s, 0x3a);
		EXPECT_TRUE(ev.repeat);
		EXPECT_NE_MSG(0, ev.mods & SCANCODE_MOD_CAPS_LOCK, "repeat %d", i);
	}
	ev = press(&s, BREAK(0x3a));
	EXPECT_FALSE(ev.repeat);
	EXPECT_NE(0, ev.mods & SCANCODE_MOD_CAPS_LOCK);
	press(&s, 0x3a);
	EXPECT_EQ(0, s.mods & SCANCODE_MOD_CAPS_LOCK);     /* a new press: off */
}

KTEST(scancode, repeat_flag)
{
	struct scancode_state s;

	scancode_init(&s);
	EXPECT_FALSE(press(&s, 0x1e).repeat);
	EXPECT_TRUE(press(&s, 0x1e).repeat);
	EXPECT_EQ('a', press(&s, 0x1e).ch);      /* a repeat types again */
	EXPECT_FALSE(press(&s, BREAK(0x1e)).repeat);
	EXPECT_FALSE(press(&s, 0x1e).repeat);
}

KTEST(scancode, ctrl_makes_control_codes)
{
	struct scancode_state s;
	struct key_event ev = { 0 };
	static const uint8_t right_ctrl[] = { E0, 0x1d }, right_up[] = { E0, 0x9d };

	scancode_init(&s);
	EXPECT_EQ(SCANCODE_MOD_LEFT_CTRL, press(&s, 0x1d).mods & SCANCODE_MOD_CTRL);
	EXPECT_EQ(0x03, press(&s, 0x2e).ch);     /* ctrl+c */
	EXPECT_EQ(0x1a, press(&s, 0x2c).ch);     /* ctrl+z */
	EXPECT_EQ(0, press(&s, 0x02).ch);        /* ctrl+1 types nothing */
	EXPECT_EQ('\n', press(&s, 0x1c).ch);     /* control keys still do */
	press(&s, BREAK(0x1d));
	EXPECT_EQ('c', press(&s, 0x2e).ch);
	ASSERT_EQ(1, feed(&s, right_ctrl, 2, &ev));
	EXPECT_EQ(SCANCODE_MOD_RIGHT_CTRL, ev.mods & SCANCODE_MOD_CTRL);
	EXPECT_EQ(0x01, press(&s, 0x1e).ch);
	ASSERT_EQ(1, feed(&s, right_up, 2, &ev));
	EXPECT_EQ(0, ev.mods & SCANCODE_MOD_CTRL);
}

KTEST(scancode, alt_and_gui_change_no_character)
{
	struct scancode_state s;
	struct key_event ev = { 0 };
	static const uint8_t alt_r[] = { E0, 0x38 }, alt_r_up[] = { E0, 0xb8 };
	static const uint8_t gui[] = { E0, 0x5b };

	scancode_init(&s);
	EXPECT_EQ(SCANCODE_MOD_LEFT_ALT, press(&s, 0x38).mods & SCANCODE_MOD_ALT);
	ev = press(&s, 0x1e);
	EXPECT_EQ('a', ev.ch);
	EXPECT_NE(0, ev.mods & SCANCODE_MOD_LEFT_ALT);
	press(&s, BREAK(0x38));
	ASSERT_EQ(1, feed(&s, alt_r, 2, &ev));
	EXPECT_EQ(SCANCODE_MOD_RIGHT_ALT, ev.mods & SCANCODE_MOD_ALT);
	ASSERT_EQ(1, feed(&s, alt_r_up, 2, &ev));
	EXPECT_EQ(0, ev.mods & SCANCODE_MOD_ALT);
	ASSERT_EQ(1, feed(&s, gui, 2, &ev));
	EXPECT_EQ(SCANCODE_MOD_LEFT_GUI, ev.mods & SCANCODE_MOD_GUI);
	EXPECT_EQ('b', press(&s, 0x30).ch);
}

KTEST(scancode, num_lock_and_keypad)
{
	struct scancode_state s;

	scancode_init(&s);
	EXPECT_NE(0, s.mods & SCANCODE_MOD_NUM_LOCK);     /* on at start */
	EXPECT_EQ('7', press(&s, 0x47).ch);
	press(&s, 0x45);                                   /* num lock off */
	press(&s, BREAK(0x45));
	EXPECT_EQ(0, s.mods & SCANCODE_MOD_NUM_LOCK);
	EXPECT_EQ(KEY_KP_7, press(&s, 0x47).key);          /* still its own key */
	EXPECT_EQ(0, press(&s, 0x47).ch);
	EXPECT_EQ(0, press(&s, 0x53).ch);
	EXPECT_EQ('+', press(&s, 0x4e).ch);                /* operators always */
	EXPECT_EQ('*', press(&s, 0x37).ch);
	press(&s, 0x2a);                                   /* shift: still none */
	EXPECT_EQ(0, press(&s, 0x4f).ch);
}

/* Keypad Enter and / are their own keys, not Enter and / of the main block. */
KTEST(scancode, keypad_enter_and_slash)
{
	struct scancode_state s;
	struct key_event ev = { 0 };
	static const uint8_t kp_enter[] = { E0, 0x1c }, kp_slash[] = { E0, 0x35 };

	scancode_init(&s);
	ASSERT_EQ(1, feed(&s, kp_enter, 2, &ev));
	EXPECT_EQ(KEY_KP_ENTER, ev.key);
	EXPECT_EQ('\n', ev.ch);
	EXPECT_EQ(KEY_ENTER, press(&s, 0x1c).key);
	ASSERT_EQ(1, feed(&s, kp_slash, 2, &ev));
	EXPECT_EQ(KEY_KP_SLASH, ev.key);
	EXPECT_EQ('/', ev.ch);
	press(&s, 0x2a);
	ASSERT_EQ(1, feed(&s, kp_slash, 2, &ev));
	EXPECT_EQ('/', ev.ch);                             /* not '?' */
	EXPECT_EQ('?', press(&s, 0x35).ch);
}

/* Print Screen is E0 2A E0 37 / E0 B7 E0 AA; arrows with shift held or num
 * lock on come wrapped in fake shifts too. They must not touch shift.
 */
KTEST(scancode, fake_shifts_ignored)
{
	struct scancode_state s;
	struct key_event ev = { 0 };
	static const uint8_t prtsc[] = { E0, 0x2a, E0, 0x37 };
	static const uint8_t prtsc_up[] = { E0, 0xb7, E0, 0xaa };
	static const uint8_t up_shifted[] = { E0, 0xaa, E0, 0x48, E0, 0xc8, E0, 0x2a };

	scancode_init(&s);
	ASSERT_EQ(1, feed(&s, prtsc, 4, &ev));
	EXPECT_EQ(KEY_PRINT_SCREEN, ev.key);
	EXPECT_TRUE(ev.pressed);
	EXPECT_EQ(0, ev.mods & SCANCODE_MOD_SHIFT);
	ASSERT_EQ(1, feed(&s, prtsc_up, 4, &ev));
	EXPECT_FALSE(ev.pressed);
	press(&s, 0x2a);                                   /* real shift held */
	EXPECT_EQ(2, feed(&s, up_shifted, 8, &ev));
	EXPECT_EQ(KEY_UP, ev.key);
	EXPECT_NE(0, s.mods & SCANCODE_MOD_LEFT_SHIFT);    /* still held */
	EXPECT_EQ('A', press(&s, 0x1e).ch);
}

/* Pause has no break code of its own: E1 1D 45 E1 9D C5 on every press. */
KTEST(scancode, pause_sequence)
{
	struct scancode_state s;
	struct key_event ev = { 0 };
	static const uint8_t make[] = { 0xe1, 0x1d, 0x45 };
	static const uint8_t brk[] = { 0xe1, 0x9d, 0xc5 };
	static const uint8_t bad[] = { 0xe1, 0x1e, 0x45 };

	scancode_init(&s);
	ASSERT_EQ(1, feed(&s, make, 3, &ev));
	EXPECT_EQ(KEY_PAUSE, ev.key);
	EXPECT_TRUE(ev.pressed);
	EXPECT_EQ(0, ev.mods & SCANCODE_MOD_CTRL);         /* 1D is not ctrl here */
	ASSERT_EQ(1, feed(&s, brk, 3, &ev));
	EXPECT_EQ(KEY_PAUSE, ev.key);
	EXPECT_FALSE(ev.pressed);
	EXPECT_EQ(0, ev.mods & SCANCODE_MOD_CTRL);
	EXPECT_EQ(0, feed(&s, bad, 3, &ev));
	EXPECT_EQ('a', press(&s, 0x1e).ch);
}

/* A prefix applies to the next byte only, and repeated prefixes collapse. */
KTEST(scancode, prefix_applies_once)
{
	struct scancode_state s;
	struct key_event ev = { 0 };
	static const uint8_t twice[] = { E0, E0, 0x48 };

	scancode_init(&s);
	ASSERT_EQ(1, feed(&s, twice, 3, &ev));
	EXPECT_EQ(KEY_UP, ev.key);
	EXPECT_EQ(KEY_KP_8, press(&s, 0x48).key);
}

/* A break for a key never pressed (held before boot) is still reported. */
KTEST(scancode, break_without_make)
{
	struct scancode_state s;
	struct key_event ev = { 0 };

	scancode_init(&s);
	ev = press(&s, BREAK(0x2a));
	EXPECT_EQ(KEY_LEFT_SHIFT, ev.key);
	EXPECT_FALSE(ev.pressed);
	EXPECT_EQ(0, ev.mods & SCANCODE_MOD_SHIFT);
	EXPECT_EQ('a', press(&s, 0x1e).ch);
}
