/* Tests for the 8254 PIT driver (arch/x86_64/pit) and the TSC calibrated
 * from it: the tick rate against the CMOS real-time clock (an independent
 * clock, MC146818 seconds register) and against the TSC, sleeps, and the
 * tick/time conversions.
 */
#include "ktest.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/tsc.h"
#include "lib/printf.h"

/* MC146818 RTC through the CMOS index/data ports. */
#define CMOS_INDEX        0x70
#define CMOS_DATA         0x71
#define RTC_SECONDS       0x00
#define RTC_STATUS_A      0x0a
#define RTC_UPDATE_IN_PROGRESS 0x80

#ifndef PIT_HZ
#error "PIT_HZ comes from the build (meson option timer_hz)"
#endif

#define US_PER_S          1000000u
#define TSC_WINDOW_US     100000u   /* 100 ms */
#define RTC_EDGE_TIMEOUT_US 1500000u
/* An emulator under load coalesces ticks (QEMU's TCG was seen losing up to
 * a quarter of them while spinning on port I/O, a few percent while
 * halting): accept 60% to 150% of the configured rate, which still tells a
 * divisor off by a factor of two.
 */
#define RATE_MIN_PERCENT  60
#define RATE_MAX_PERCENT  150
/* The TSC is calibrated over 50 ms of ticks; it is good to well under 5%. */
#define TSC_SLACK_PERCENT 95

KTEST_SUITE(pit);

static uint8_t rtc_seconds(void)
{
	for (;;) {
		outb(CMOS_INDEX, RTC_STATUS_A);
		if (!(inb(CMOS_DATA) & RTC_UPDATE_IN_PROGRESS))
			break;
		cpu_pause();
	}
	outb(CMOS_INDEX, RTC_SECONDS);
	return inb(CMOS_DATA);
}

/* Halt until the RTC's seconds change; false if they do not in 1.5 s.
 * Halting between reads (each tick wakes it) rather than spinning on port
 * I/O lets an emulator deliver every tick on time.
 */
static bool next_rtc_second(void)
{
	uint8_t s = rtc_seconds();
	uint64_t u0 = tsc_micros();

	while (rtc_seconds() == s) {
		if (tsc_micros() - u0 > RTC_EDGE_TIMEOUT_US)
			return false;
		cpu_halt();
	}
	return true;
}

static void check_rate(uint64_t ticks, uint64_t us)
{
	uint64_t expected = (uint64_t)pit_hz() * us / US_PER_S;

	EXPECT_GE_MSG(ticks * 100, expected * RATE_MIN_PERCENT,
		      "%llu ticks in %llu us at %u Hz", (unsigned long long)ticks,
		      (unsigned long long)us, pit_hz());
	EXPECT_LE_MSG(ticks * 100, expected * RATE_MAX_PERCENT,
		      "%llu ticks in %llu us at %u Hz", (unsigned long long)ticks,
		      (unsigned long long)us, pit_hz());
}

/* pit_init(PIT_HZ) got the nearest rate the divisor allows, never below
 * (1% covers the rounding up to the 10 kHz the build option allows).
 */
KTEST(pit, rate_is_the_configured_one)
{
	EXPECT_GE(pit_hz(), PIT_HZ);
	EXPECT_LE(pit_hz(), PIT_HZ * 101 / 100);
}

/* One RTC second, from one seconds edge to the next, in PIT ticks. The RTC
 * does not depend on the PIT, so this catches a wrong divisor, which the TSC
 * (calibrated from the PIT) cannot.
 */
KTEST(pit, ticks_per_rtc_second)
{
	uint64_t t0;

	if (!next_rtc_second())
		KTEST_SKIP("the RTC's seconds do not advance");
	t0 = pit_ticks();
	ASSERT_TRUE(next_rtc_second());
	check_rate(pit_ticks() - t0, US_PER_S);
}

KTEST(pit, ticks_against_tsc)
{
	uint64_t t0 = pit_ticks(), u0 = tsc_micros(), us;

	ASSERT_GT(tsc_khz(), 0u);
	while (tsc_micros() - u0 < TSC_WINDOW_US)
		cpu_halt();
	us = tsc_micros() - u0;
	check_rate(pit_ticks() - t0, us);
}

static const uint64_t sleeps_ms[] = { 0, 1, 2, 10, 55 };

static void describe_ms(const uint64_t *ms, char *buf, size_t len)
{
	ksnprintf(buf, len, "%llu ms", (unsigned long long)*ms);
}

KTEST_PARAM(pit, sleep_waits_at_least, uint64_t, sleeps_ms, describe_ms)
{
	uint64_t t0 = pit_ticks(), u0 = tsc_micros();

	pit_sleep_ms(*param);
	EXPECT_GE(pit_ticks() - t0, pit_ms_to_ticks(*param));
	EXPECT_GE((tsc_micros() - u0) * 100, *param * 1000 * TSC_SLACK_PERCENT);
}

KTEST(pit, sleep_with_interrupts_off_panics, KTEST_SHOULD_PANIC)
{
	irq_disable();
	pit_sleep_ms(1);
}

/* ms_to_ticks rounds up: the ticks last at least that long. */
KTEST(pit, conversions)
{
	static const uint64_t ms[] = { 0, 1, 7, 1000, 123456 };

	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		uint64_t n = pit_ms_to_ticks(ms[i]);

		EXPECT_GE_MSG(pit_ticks_to_us(n), ms[i] * 1000, "%llu ms",
			      (unsigned long long)ms[i]);
		EXPECT_LT_MSG(pit_ticks_to_us(n - (n > 0)), ms[i] * 1000 + (ms[i] == 0),
			      "%llu ms: one tick less is too short",
			      (unsigned long long)ms[i]);
		EXPECT_GE(pit_ticks_to_ms(n), ms[i]);
	}
}

KTEST(pit, millis_follow_ticks)
{
	uint64_t m0 = pit_millis(), now = pit_ticks(), m1 = pit_millis();

	EXPECT_LE(m0, pit_ticks_to_ms(now));
	EXPECT_LE(pit_ticks_to_ms(now), m1);
	/* hz is the rate rounded down: hz ticks fit in a second, hz + 1 do not */
	EXPECT_LE(pit_ticks_to_us(pit_hz()), 1000000u);
	EXPECT_GT(pit_ticks_to_us(pit_hz() + 1), 1000000u);
}

static volatile uint64_t hook_calls;

static void counting_hook(struct int_frame *f)
{
	(void)f;
	hook_calls++;
}

/* An added hook sees every tick until it is removed, then none. */
KTEST(pit, tick_hook_sees_every_tick)
{
	uint64_t t0, t1, calls;

	hook_calls = 0;
	ASSERT_EQ(0, pit_add_tick_hook(counting_hook));
	t0 = pit_ticks();
	pit_sleep_ms(10);
	t1 = pit_ticks();
	pit_remove_tick_hook(counting_hook);
	calls = hook_calls;
	EXPECT_GE(calls, t1 - t0);
	EXPECT_GT(calls, 0u);
	pit_sleep_ms(2);
	EXPECT_EQ(calls, hook_calls);
}
