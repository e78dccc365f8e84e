/* keyboard: the harness types keys through QEMU (run_qemu.py --keys, QMP
 * send-key) once the case says it is waiting; they must come out of the
 * PS/2 controller, IRQ 1, the driver's ring and the set 1 decoder as the
 * key presses typed, in order: letters, shift, caps lock, an arrow (E0) and
 * the keypad's / and Enter. The keys are in ktest/meson.build.
 */
#include "console.h"
#include "drivers/keyboard.h"
#include "ktest.h"

/* Longest gap between two presses: the harness types about ten a second,
 * and the case must end well before the harness gives up on a silent image.
 */
#define WAIT_MS 20000   /* a gap that ends the typing: long, for a loaded host */

struct press {
	uint8_t key;
	char ch;
};

/* What `--keys 'h i shift-a shift-1 up kp_divide kp_enter caps_lock b
 * caps_lock ret'` must press, in order (releases are not listed).
 */
static const struct press expected[] = {
	{ KEY_H, 'h' }, { KEY_I, 'i' },
	{ KEY_LEFT_SHIFT, 0 }, { KEY_A, 'A' },
	{ KEY_LEFT_SHIFT, 0 }, { KEY_1, '!' },
	{ KEY_UP, 0 },
	{ KEY_KP_SLASH, '/' }, { KEY_KP_ENTER, '\n' },
	{ KEY_CAPS_LOCK, 0 }, { KEY_B, 'B' }, { KEY_CAPS_LOCK, 0 },
	{ KEY_ENTER, '\n' },
};

#define EXPECTED_COUNT (sizeof(expected) / sizeof(expected[0]))

KTEST_SUITE(keyboard_input);

KTEST(keyboard_input, typed_keys_arrive_in_order, KTEST_SLOW)
{
	struct key_event ev = { 0 };
	struct press got[EXPECTED_COUNT];
	size_t n = 0;

	while (keyboard_poll(&ev))
		;   /* nothing typed yet should count */
	ktest_ask_for_input();
	while (n < EXPECTED_COUNT && keyboard_wait(&ev, WAIT_MS)) {
		if (!ev.pressed)
			continue;
		got[n].key = ev.key;
		got[n].ch = ev.ch;
		ktest_log("press %s ch 0x%02x", scancode_key_name(ev.key),
			  (unsigned char)ev.ch);
		n++;
	}
	ASSERT_EQ_MSG(EXPECTED_COUNT, n, "key presses before a %d ms gap", WAIT_MS);
	for (size_t i = 0; i < n; i++) {
		EXPECT_EQ_MSG(expected[i].key, got[i].key, "press %zu: %s", i,
			      scancode_key_name(got[i].key));
		EXPECT_EQ_MSG(expected[i].ch, got[i].ch, "press %zu", i);
	}
	EXPECT_EQ(0u, keyboard_dropped());
}
