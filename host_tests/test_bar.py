"""The SOC bar, frame by frame, against the rules written in socbar/bar.py's docstring.

Expected bytes are worked out by hand: a colour channel c at brightness B is
ceil(c * B / 255), bytes go out G, R, B, and with n segments segment k
(1-based) is lit when the SOC is above (k - 1) * 100 / n %.
"""

import unittest

import alloc
from socbar.bar import BarRenderer
from socbar.compat import ticks_add
from socbar.config import validate
from socbar.states import ASLEEP, CHARGING, EMPTY, FAULT, FULL, LINK_LOST, LIVE, REGEN, STALE

PCT = 1_000_000  # one percent in the Reading's SOC units

# Default colours at brightness 64, as GRB bytes.
RED = bytes((0, 64, 0))  # (255, 0, 0)
AMBER = bytes((38, 64, 0))  # (255, 150, 0): ceil(150 * 64 / 255) = ceil(37.6) = 38
GREEN = bytes((64, 0, 0))  # (0, 255, 0)
DARK = bytes(3)


def bar_with(**bar):
    return BarRenderer(validate({"bar": bar})[0])


def segment(r, i):
    return bytes(r.frame[3 * i : 3 * i + 3])


def on_mask(r):
    """Which segments a plain on/off LED would show: any non-zero byte."""
    return tuple(1 if any(r.frame[3 * i : 3 * i + 3]) else 0 for i in range(r.segments))


def masks(state, soc, segments=10, times=range(0, 4000, 50)):
    r = bar_with(segments=segments, leds="gpio")
    out = []
    for t in times:
        r.render(state, soc, t)
        out.append(on_mask(r))
    return out


def render_many(r, count):
    # Module-level so the allocation test measures renders, not a closure.
    for k in range(count):
        r.render(k % 9, (k * 1237) % (101 * PCT), k * 37)


class FastPathTest(unittest.TestCase):
    """Between two steps of the pattern a new SOC redraws only when it moves what is shown."""

    def test_a_soc_within_the_shown_level_changes_nothing(self):
        r = bar_with()
        self.assertTrue(r.render(LIVE, 55 * PCT, 0))
        before = bytes(r.frame)
        self.assertFalse(r.render(LIVE, 57 * PCT, 10))  # still 6 segments, still amber
        self.assertEqual(bytes(r.frame), before)

    def test_a_soc_that_moves_the_level_is_drawn_at_once(self):
        r = bar_with()
        r.render(LIVE, 55 * PCT, 0)
        self.assertTrue(r.render(LIVE, 65 * PCT, 10))  # 10 ms later, before the next step
        self.assertEqual(r.lit, 7)
        self.assertEqual(segment(r, 6), GREEN)  # 65 % is green on every lit segment
        self.assertEqual(segment(r, 0), GREEN)

    def test_in_every_state_that_shows_the_soc_a_new_level_is_drawn_at_once(self):
        for state, lit in ((LIVE, 7), (CHARGING, 7), (FULL, 7), (REGEN, 7)):
            r = bar_with()
            r.render(state, 55 * PCT, 0)
            self.assertTrue(r.render(state, 65 * PCT, 10), state)
            self.assertEqual(r.lit, lit, state)

    def test_a_soc_that_crosses_only_a_colour_edge_is_drawn_at_once(self):
        r = bar_with(colors=[[0, 255, 0, 0], [55, 0, 255, 0]])  # red below 55 %, green from it
        r.render(LIVE, 52 * PCT, 0)
        self.assertEqual((r.lit, segment(r, 0)), (6, RED))
        self.assertTrue(r.render(LIVE, 57 * PCT, 10))  # past 55 % + 1 % hysteresis, still 6
        self.assertEqual((r.lit, segment(r, 0)), (6, GREEN))

    def test_a_soc_in_a_state_that_does_not_show_it_draws_nothing(self):
        r = bar_with()
        r.render(STALE, 55 * PCT, 0)
        before = bytes(r.frame)
        self.assertFalse(r.render(STALE, 90 * PCT, 10))
        self.assertEqual(bytes(r.frame), before)
        r.render(LIVE, 90 * PCT, 20)  # back to live: the new SOC, not a remembered level
        self.assertEqual(r.lit, 9)


class LevelTest(unittest.TestCase):
    def test_ten_segments_at_55_percent(self):
        r = bar_with()
        self.assertTrue(r.render(LIVE, 55 * PCT, 0))
        self.assertEqual(r.lit, 6)  # 55 % is above 50 %, the lower edge of segment 6
        for i in range(6):
            self.assertEqual(segment(r, i), AMBER, i)  # 30 <= 55 < 60: amber
        for i in range(6, 10):
            self.assertEqual(segment(r, i), DARK, i)

    def test_count_rule(self):
        for pct_x100, lit in ((1, 1), (1000, 1), (1001, 2), (5000, 5), (5001, 6), (9001, 10), (10000, 10)):
            r = bar_with()
            r.render(LIVE, pct_x100 * 10_000, 0)
            self.assertEqual(r.lit, lit, pct_x100)

    def test_soc_out_of_range_is_clamped(self):
        r = bar_with()
        r.render(LIVE, 150 * PCT, 0)
        self.assertEqual(r.lit, 10)
        r = bar_with()
        r.render(LIVE, -5, 0)
        self.assertEqual((r.lit, bytes(r.frame)), (0, bytes(30)))

    def test_colour_follows_soc(self):
        r = bar_with()
        r.render(LIVE, 20 * PCT, 0)
        self.assertEqual((r.lit, segment(r, 0), segment(r, 1), segment(r, 2)), (2, RED, RED, DARK))
        r = bar_with()
        r.render(LIVE, 65 * PCT, 0)
        self.assertEqual((r.lit, segment(r, 6), segment(r, 7)), (7, GREEN, DARK))

    def test_brightness_scales_and_never_blacks_out(self):
        r = bar_with(brightness=255)
        r.render(LIVE, 55 * PCT, 0)
        self.assertEqual(segment(r, 0), bytes((150, 255, 0)))
        r = bar_with(brightness=1)
        r.render(LIVE, 55 * PCT, 0)
        self.assertEqual(segment(r, 0), bytes((1, 1, 0)))  # ceil(150 / 255) = 1

    def test_custom_colours(self):
        r = bar_with(brightness=255, colors=[[0, 10, 20, 30], [50, 40, 50, 60]])
        r.render(LIVE, 49 * PCT, 0)
        self.assertEqual(segment(r, 0), bytes((20, 10, 30)))
        r = bar_with(brightness=255, colors=[[0, 10, 20, 30], [50, 40, 50, 60]])
        r.render(LIVE, 50 * PCT, 0)
        self.assertEqual(segment(r, 0), bytes((50, 40, 60)))

    def test_reverse_lights_from_the_far_end(self):
        r = bar_with(reverse=True)
        r.render(LIVE, 25 * PCT, 0)
        self.assertEqual(r.lit, 3)
        self.assertEqual(bytes(r.frame), DARK * 7 + RED * 3)  # 25 %: ceil(2.5) = 3, red

    def test_one_and_sixty_four_segments(self):
        r = bar_with(segments=1)
        r.render(LIVE, 1 * PCT // 100, 0)
        self.assertEqual((len(r.frame), r.lit), (3, 1))
        r = bar_with(segments=64)
        r.render(LIVE, 50 * PCT, 0)
        self.assertEqual((len(r.frame), r.lit), (192, 32))
        r = bar_with(segments=64)
        r.render(LIVE, 50 * PCT + 10_000, 0)  # 50.01 %
        self.assertEqual(r.lit, 33)


class HysteresisTest(unittest.TestCase):
    def test_boundary_falling_then_rising(self):
        # 10 segments, hysteresis 1 %: the 50 % boundary.
        r = bar_with(hysteresis_pct=1)
        r.render(LIVE, 50_500_000, 0)
        self.assertEqual(r.lit, 6)
        # Up: more than 1 % above 50 % (count of SOC - 1 %); down: 1 % or more below.
        for soc, lit in ((49_500_000, 6), (49_010_000, 6), (49_000_000, 5), (50_500_000, 5),
                         (51_000_000, 5), (51_010_000, 6)):
            r.render(LIVE, soc, 0)
            self.assertEqual(r.lit, lit, soc)

    def test_hovering_at_a_boundary_never_changes_the_frame(self):
        r = bar_with(hysteresis_pct=1)
        r.render(LIVE, 50 * PCT, 0)
        before = bytes(r.frame)
        for k in range(100):
            soc = 50 * PCT + (900_000 if k % 2 else -900_000)
            self.assertFalse(r.render(LIVE, soc, 0), soc)
        self.assertEqual(bytes(r.frame), before)

    def test_colour_has_hysteresis_too(self):
        # The 60 % amber -> green boundary (segment boundary 60 % as well).
        r = bar_with(hysteresis_pct=1)
        r.render(LIVE, 59_500_000, 0)
        self.assertEqual(segment(r, 0), AMBER)
        r.render(LIVE, 60_990_000, 0)
        self.assertEqual(segment(r, 0), AMBER)
        r.render(LIVE, 61_000_000, 0)
        self.assertEqual(segment(r, 0), GREEN)
        r.render(LIVE, 59_000_000, 0)
        self.assertEqual(segment(r, 0), GREEN)
        r.render(LIVE, 58_990_000, 0)
        self.assertEqual(segment(r, 0), AMBER)

    def test_no_hysteresis(self):
        r = bar_with(hysteresis_pct=0)
        r.render(LIVE, 50_010_000, 0)
        self.assertEqual(r.lit, 6)
        r.render(LIVE, 50 * PCT, 0)
        self.assertEqual(r.lit, 5)

    def test_leaving_the_soc_states_starts_afresh(self):
        r = bar_with(hysteresis_pct=1)
        r.render(LIVE, 50_500_000, 0)
        r.render(STALE, 49_500_000, 10)
        r.render(LIVE, 49_500_000, 20)
        self.assertEqual(r.lit, 5)


class EdgesTest(unittest.TestCase):
    def test_hysteresis_from_a_dark_bar(self):
        # A bar showing no segment (0.005 %) waits, like any other, until the SOC is 1 % past 0.
        r = bar_with(hysteresis_pct=1)
        r.render(LIVE, 5_000, 0)
        self.assertEqual(r.lit, 0)
        for soc, lit in ((500_000, 0), (1_000_000, 0), (1_010_000, 1)):
            r.render(LIVE, soc, 0)
            self.assertEqual(r.lit, lit, soc)

    def test_exactly_the_low_threshold_is_not_low(self):
        r = bar_with(segments=1)  # low_pct 10: "below" blinks, 10 % itself does not
        for t in (0, 700):
            r.render(LIVE, 10 * PCT, t)
            self.assertEqual(segment(r, 0), RED, t)

    def test_colour_falls_two_steps_at_once(self):
        for start in (65 * PCT, 45 * PCT):
            r = bar_with(hysteresis_pct=1)
            r.render(LIVE, start, 0)
            r.render(LIVE, 20 * PCT, 0)
            self.assertEqual(segment(r, 0), RED, start)


class BlinkTest(unittest.TestCase):
    def test_low_soc_top_segment_blinks_at_1_hz(self):
        r = bar_with()  # low_pct 10
        r.render(LIVE, 5 * PCT, 0)  # 5 %: one segment
        self.assertEqual(r.lit, 1)
        expected = ((0, RED), (450, RED), (500, DARK), (950, DARK), (1000, RED), (1500, DARK))
        for t, colour in expected:
            r.render(LIVE, 5 * PCT, t)
            self.assertEqual(segment(r, 0), colour, t)

    def test_render_says_when_the_frame_changed(self):
        r = bar_with()
        changes = [r.render(LIVE, 5 * PCT, t) for t in range(0, 2000, 100)]
        # On at 0 (a change from dark), off at 500, on at 1000, off at 1500.
        self.assertEqual([t for t, c in zip(range(0, 2000, 100), changes) if c], [0, 500, 1000, 1500])

    def test_only_the_top_lit_segment_blinks(self):
        r = bar_with(segments=20)  # 9 % on 20 segments: ceil(1.8) = 2 lit
        r.render(LIVE, 9 * PCT, 0)
        r.render(LIVE, 9 * PCT, 600)
        self.assertEqual((segment(r, 0), segment(r, 1)), (RED, DARK))

    def test_low_threshold_has_hysteresis(self):
        # Blink phase "off" at t = 700; low_pct 10, hysteresis 1: in below 9 %, out at 11 %.
        r = bar_with(segments=1)
        r.render(LIVE, 10_500_000, 0)
        for soc, blinking in ((10_500_000, False), (9_000_000, False), (8_990_000, True),
                              (10_500_000, True), (10_990_000, True), (11_000_000, False)):
            r.render(LIVE, soc, 700)
            self.assertEqual(segment(r, 0) == DARK, blinking, soc)

    def test_blink_survives_the_tick_wrap(self):
        start = ticks_add(0, -300)  # 300 ms before the tick counter wraps
        r = bar_with()
        r.render(LIVE, 5 * PCT, start)
        for dt, colour in ((400, RED), (600, DARK), (1100, RED)):
            r.render(LIVE, 5 * PCT, ticks_add(start, dt))
            self.assertEqual(segment(r, 0), colour, dt)

    def test_long_stay_in_a_state_keeps_the_rhythm(self):
        r = bar_with()
        r.render(LIVE, 5 * PCT, 0)
        for t in range(0, 125_000, 250):
            r.render(LIVE, 5 * PCT, t)
            self.assertEqual(segment(r, 0), RED if t % 1000 < 500 else DARK, t)


class PatternTest(unittest.TestCase):
    def test_charging(self):
        # 65 %: ceil(6.5) = 7 SOC segments steady; segment index 7 blue (0, 64, 255)
        # at brightness 64: G = ceil(64 * 64 / 255) = ceil(16.06) = 17, R = 0, B = 64.
        r = bar_with()
        r.render(CHARGING, 65 * PCT, 0)
        self.assertEqual(r.lit, 7)
        self.assertEqual(segment(r, 6), GREEN)
        self.assertEqual(segment(r, 7), bytes((17, 0, 64)))
        self.assertEqual(segment(r, 8), DARK)

    def test_charging_marker_colour(self):
        r = bar_with(brightness=255)
        r.render(CHARGING, 65 * PCT, 0)
        self.assertEqual(segment(r, 7), bytes((64, 0, 255)))
        r.render(CHARGING, 65 * PCT, 1000)
        self.assertEqual(segment(r, 7), DARK)
        self.assertEqual(segment(r, 6), bytes((255, 0, 0)))

    def test_gpio_patterns(self):
        steady7 = (1,) * 7 + (0,) * 3
        with8 = (1,) * 8 + (0,) * 2
        self.assertEqual(masks(LIVE, 65 * PCT, times=(0, 500, 1999)), [steady7] * 3)
        self.assertEqual(masks(CHARGING, 65 * PCT, times=(0, 999, 1000, 1999, 2000)),
                         [with8, with8, steady7, steady7, with8])
        self.assertEqual(masks(REGEN, 65 * PCT, times=(0, 249, 250, 499, 500)),
                         [with8, with8, steady7, steady7, with8])
        full = (1,) * 10
        top_off = (1,) * 9 + (0,)
        self.assertEqual(masks(FULL, 100 * PCT, times=(0, 1749, 1750, 1999, 2000)),
                         [full, full, top_off, top_off, full])
        dark = (0,) * 10
        self.assertEqual(masks(FAULT, 65 * PCT, times=(0, 99, 100, 199, 200, 299, 300, 999, 1000)),
                         [full, full, dark, dark, full, full, dark, dark, full])
        ends = (1,) + (0,) * 8 + (1,)
        self.assertEqual(masks(LINK_LOST, 65 * PCT, times=(0, 100, 200, 300, 400, 500, 1999, 2000)),
                         [ends, dark, ends, dark, ends, dark, dark, ends])
        first = (1,) + (0,) * 9
        self.assertEqual(masks(STALE, 65 * PCT, times=(0, 199, 200, 1999, 2000)),
                         [first, first, dark, dark, first])

    def test_full_never_lights_a_segment_the_soc_does_not_reach(self):
        # A BMS may say "fully charged" while its SOC estimate is lower: 55 % reaches 6 of 10.
        steady6 = (1,) * 6 + (0,) * 4
        top_off = (1,) * 5 + (0,) * 5
        for soc, reached in ((55 * PCT, 6), (100 * PCT, 10), (5 * PCT, 1)):
            for mask in masks(FULL, soc, times=range(0, 4000, 10)):
                self.assertEqual(mask[reached:], (0,) * (10 - reached), (soc, mask))
        self.assertEqual(masks(FULL, 55 * PCT, times=(0, 1749, 1750, 1999, 2000, 3750)),
                         [steady6, steady6, top_off, top_off, steady6, top_off])

    def test_gpio_states_all_differ_even_on_one_segment(self):
        for segments in (1, 2, 10):
            seen = {}
            for state in (LIVE, CHARGING, FULL, REGEN, FAULT, LINK_LOST, STALE):
                soc = 100 * PCT if state == FULL else 65 * PCT
                seq = tuple(masks(state, soc, segments))
                self.assertNotIn(seq, seen, (segments, state, seen.get(seq)))
                seen[seq] = state
            low = tuple(masks(LIVE, 5 * PCT, segments))
            self.assertNotIn(low, seen, (segments, seen.get(low)))

    def test_gpio_mode_is_full_scale(self):
        r = bar_with(leds="gpio")
        r.render(LIVE, 65 * PCT, 0)
        self.assertEqual(segment(r, 0), bytes((255, 0, 0)))

    def test_stale_is_one_dim_white_segment(self):
        r = bar_with()
        r.render(STALE, 65 * PCT, 0)
        # white at 64 is 64 per channel, a quarter of that rounded up is 16
        self.assertEqual(bytes(r.frame), bytes((16, 16, 16)) + bytes(27))
        self.assertEqual(r.lit, 0)

    def test_fault_and_link_lost_colours(self):
        r = bar_with(brightness=255)
        r.render(FAULT, 65 * PCT, 0)
        self.assertEqual(bytes(r.frame), bytes((0, 255, 0)) * 10)
        self.assertEqual(r.lit, 0)
        r = bar_with(brightness=255)
        r.render(LINK_LOST, 65 * PCT, 0)
        self.assertEqual(bytes(r.frame), bytes((0, 255, 255)) + bytes(24) + bytes((0, 255, 255)))
        self.assertEqual(r.lit, 0)

    def test_link_lost_ignores_the_soc(self):
        self.assertEqual(masks(LINK_LOST, 5 * PCT), masks(LINK_LOST, 95 * PCT))

    def test_empty_and_asleep_are_dark(self):
        for state in (EMPTY, ASLEEP):
            r = bar_with()
            r.render(LIVE, 65 * PCT, 0)
            self.assertTrue(r.render(state, 65 * PCT, 10))
            for t in range(10, 3000, 70):
                self.assertFalse(r.render(state, 65 * PCT, t))
                self.assertEqual(bytes(r.frame), bytes(30))
                self.assertEqual(r.lit, 0)

    def test_lit_for_states_with_a_soc(self):
        for state in (LIVE, CHARGING, FULL, REGEN):
            r = bar_with()
            r.render(state, 65 * PCT, 0)
            self.assertEqual(r.lit, 7, state)


class StartTest(unittest.TestCase):
    """Before its first render the bar is dark; every pattern's periods count from the first
    render in its state, whatever the clock read before."""

    def test_a_new_bar_is_dark_and_lights_nothing(self):
        r = bar_with()
        self.assertEqual(r.lit, 0)
        self.assertEqual(bytes(r.frame), bytes(30))

    def test_the_first_render_starts_the_pattern(self):
        # 1500 ms after boot: charging's blue marker is on for the first 1000 ms of the state, so
        # it is on now and off from 1000 ms later; counted from boot it would be off at once.
        r = bar_with()
        r.render(CHARGING, 65 * PCT, 1500)
        self.assertEqual(segment(r, 7), bytes((17, 0, 64)))
        r.render(CHARGING, 65 * PCT, 2499)
        self.assertEqual(segment(r, 7), bytes((17, 0, 64)))
        r.render(CHARGING, 65 * PCT, 2500)
        self.assertEqual(segment(r, 7), DARK)


class AllocationTest(unittest.TestCase):
    def test_render_allocates_nothing(self):
        if not alloc.measurable():
            self.skipTest(alloc.UNMEASURABLE)
        r = bar_with(segments=64, hysteresis_pct=2)
        self.assertEqual(alloc.allocated(lambda n: render_many(r, n), 1000, warm=1000), 0)


class RhythmEdgesTest(unittest.TestCase):
    def test_rhythm_kept_past_a_minute_off_the_step_grid(self):
        # Periods count from entering the state, however long it lasts: renders at odd
        # times past the first minute keep the 500 on / 500 off low blink in step.
        r = bar_with()
        r.render(LIVE, 5 * PCT, 0)
        for t in (60_250, 60_350, 60_450, 60_550, 60_700, 61_100, 61_600, 121_300, 121_800):
            r.render(LIVE, 5 * PCT, t)
            self.assertEqual(segment(r, 0), RED if t % 1000 < 500 else DARK, t)

    def test_rhythm_kept_past_half_the_tick_period(self):
        # A state held for days: ticks_diff only reaches half the 2**30 tick period, yet the
        # blink stays in step with the time since entering the state.
        half = 1 << 29
        r = bar_with()
        r.render(LIVE, 5 * PCT, 0)
        r.render(LIVE, 5 * PCT, half - 1000)
        for k in range(40):
            t = half + 100 * k
            r.render(LIVE, 5 * PCT, t)
            self.assertEqual(segment(r, 0), RED if t % 1000 < 500 else DARK, t)

    def test_coming_back_from_fault_starts_afresh(self):
        # A SOC state entered again is drawn from the SOC alone, with no hysteresis from the
        # level shown before the fault: 50.5 % lights 6 of 10 segments.
        r = bar_with(hysteresis_pct=1)
        r.render(LIVE, 10 * PCT, 0)
        r.render(FAULT, 10 * PCT, 10)
        r.render(LIVE, 50_500_000, 20)
        self.assertEqual(r.lit, 6)

    def test_unchanged_dark_frame_returns_false(self):
        # "a first render of a dark state returns False": the value itself, not just falsy.
        r = bar_with()
        self.assertEqual(r.render(EMPTY, 0, 0), False)
        self.assertEqual(r.render(LIVE, 50 * PCT, 10), True)
        self.assertEqual(r.render(LIVE, 50 * PCT, 2000), False)
