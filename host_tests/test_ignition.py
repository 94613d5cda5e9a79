"""The ignition passthrough logic: debounce, and the bounded wake of press-to-show."""

import unittest

import alloc
from socbar.compat import ticks_add
from socbar.ignition import IgnitionFilter


def cfg(debounce_ms=10, show_s=0, wake_bms_s=0):
    return {"ignition": {"debounce_ms": debounce_ms, "show_s": show_s, "wake_bms_s": wake_bms_s}}


def run(filt, levels, start=0):
    """Feed one sample per ms; return the output at every ms."""
    out = []
    now = start
    for level in levels:
        out.append(filt.update(level, now))
        now = ticks_add(now, 1)
    return out


class DebounceTest(unittest.TestCase):
    def test_first_sample_is_taken_as_it_is(self):
        # main.py drove the output from the raw key at boot: no drop-out.
        self.assertEqual(IgnitionFilter(cfg()).update(True, 0), True)
        self.assertEqual(IgnitionFilter(cfg()).update(False, 0), False)

    def test_output_changes_once_the_level_has_surely_held_debounce_ms(self):
        f = IgnitionFilter(cfg(debounce_ms=10))
        out = run(f, [False] * 5 + [True] * 30)
        # First seen at tick 5, which may be late in that millisecond: only at tick 16
        # has the level surely held 10 ms.
        self.assertEqual(out.index(True), 16)
        self.assertTrue(all(out[16:]))

    def test_a_level_seen_for_debounce_ticks_may_be_shorter_and_is_not_taken(self):
        # Seen at ticks 5 to 15: from late in ms 5 to early in ms 15 is as little as 9.x ms.
        f = IgnitionFilter(cfg(debounce_ms=10))
        self.assertFalse(any(run(f, [False] * 5 + [True] * 11 + [False] * 20)))

    def test_bounces_shorter_than_debounce_are_ignored(self):
        f = IgnitionFilter(cfg(debounce_ms=10))
        levels = [False] * 3 + ([True, True, False] * 5) + [False] * 20
        self.assertFalse(any(run(f, levels)))

    def test_contact_bounce_then_steady(self):
        f = IgnitionFilter(cfg(debounce_ms=10))
        levels = [False, True, False, True, True, False, True] + [True] * 20
        out = run(f, levels)
        self.assertEqual(out.index(True), 6 + 10 + 1)  # last edge seen at tick 6

    def test_zero_debounce_follows_at_once(self):
        f = IgnitionFilter(cfg(debounce_ms=0))
        self.assertEqual(run(f, [False, True, False, True]), [False, True, False, True])

    def test_release_is_debounced_too(self):
        f = IgnitionFilter(cfg(debounce_ms=10))
        out = run(f, [True] * 5 + [False] * 20)
        self.assertEqual(out.index(False), 16)

    def test_across_the_tick_wrap(self):
        from socbar.compat import ticks_diff

        start = ticks_add(0, -5)  # five ms before the counter wraps
        f = IgnitionFilter(cfg(debounce_ms=10))
        out = run(f, [False] * 2 + [True] * 20, start)
        self.assertEqual(out.index(True), 13)
        self.assertTrue(ticks_diff(ticks_add(start, 13), 0) > 0)


class PressToShowTest(unittest.TestCase):
    def test_press_wakes_the_bms_for_the_bound_only(self):
        f = IgnitionFilter(cfg(debounce_ms=10, show_s=5, wake_bms_s=2))
        levels = [False] * 10 + [True] * 6000  # pressed at 10 ms and held for 6 s
        out = run(f, levels)
        first = out.index(True)
        self.assertEqual(first, 21)  # debounced press
        self.assertEqual(out.count(True), 2000)  # exactly wake_bms_s, though still held
        self.assertFalse(any(out[first + 2000 :]))

    def test_a_wake_longer_than_the_show_runs_its_full_bound(self):
        f = IgnitionFilter(cfg(debounce_ms=0, show_s=1, wake_bms_s=2))
        out = run(f, [False] + [True] * 50 + [False] * 3000)  # a 50 ms press at 1 ms
        self.assertEqual(out.index(True), 1)
        self.assertEqual(out.count(True), 2000)  # wake_bms_s, though the bar shows for 1 s only

    def test_bar_shown_for_show_s(self):
        f = IgnitionFilter(cfg(debounce_ms=10, show_s=3, wake_bms_s=0))
        for i in range(40):  # a 30 ms press from ms 0 to 30
            self.assertFalse(f.update(0 < i < 30, i))  # wake 0: the output is never asserted
        self.assertTrue(f.showing(12))  # pressed at tick 1, taken at tick 12
        self.assertTrue(f.showing(12 + 2999))
        self.assertFalse(f.showing(12 + 3000))

    def test_a_second_press_starts_again(self):
        f = IgnitionFilter(cfg(debounce_ms=0, show_s=2, wake_bms_s=1))
        self.assertFalse(f.update(False, 0))
        self.assertTrue(f.update(True, 1))
        self.assertTrue(f.update(False, 500))  # released: the wake still runs its course
        self.assertTrue(f.update(False, 999))
        self.assertFalse(f.update(False, 1001))
        self.assertTrue(f.update(True, 1500))  # pressed again
        self.assertTrue(f.update(True, 2499))
        self.assertFalse(f.update(True, 2500))

    def test_window_never_reopens_after_the_tick_wrap(self):
        f = IgnitionFilter(cfg(debounce_ms=0, show_s=1, wake_bms_s=1))
        f.update(False, 0)
        f.update(True, 1)
        f.update(True, 5000)  # window closed
        half = 1 << 29  # far enough for a naive ticks_diff to turn negative
        self.assertFalse(f.update(True, ticks_add(1, 2 * half - 10)))
        self.assertFalse(f.showing(ticks_add(1, 2 * half - 10)))

    def test_window_closes_at_its_very_last_tick(self):
        # A sample taken exactly when the window ends closes it: no later sample reopens it.
        f = IgnitionFilter(cfg(debounce_ms=0, show_s=1, wake_bms_s=1))
        f.update(False, 0)
        f.update(True, 1)
        self.assertFalse(f.update(True, 1001))  # 1000 ms after the press: the window's end
        late = ticks_add(1, (1 << 30) - 10)  # the next sample comes after the tick wrap
        self.assertFalse(f.update(True, late))
        self.assertFalse(f.showing(late))

    def test_button_mode_output_is_a_level(self):
        # The output is a pin level, True or False, before a press and after its window too.
        f = IgnitionFilter(cfg(debounce_ms=0, show_s=1, wake_bms_s=1))
        self.assertEqual(f.update(False, 0), False)
        self.assertEqual(f.showing(0), False)
        self.assertEqual(f.update(True, 1), True)
        self.assertEqual(f.update(True, 1001), False)
        self.assertEqual(f.showing(1001), False)
        self.assertEqual(f.update(False, 1002), False)


class SettledTest(unittest.TestCase):
    """``settled``: no later sample of the same input can move the output, so a timer tick that
    reads the input unchanged may skip the filter."""

    def test_nothing_is_settled_before_the_first_sample(self):
        self.assertIs(IgnitionFilter(cfg()).settled, False)

    def test_steady_until_an_edge_then_through_the_debounce(self):
        f = IgnitionFilter(cfg(debounce_ms=10))
        f.update(False, 0)
        self.assertTrue(f.settled)
        f.update(True, 5)
        self.assertFalse(f.settled)  # the debounce runs: a sample at 16 switches the output
        f.update(True, 15)
        self.assertFalse(f.settled)
        self.assertTrue(f.update(True, 16))
        self.assertTrue(f.settled)

    def test_a_bounce_back_settles_at_once(self):
        f = IgnitionFilter(cfg(debounce_ms=10))
        f.update(False, 0)
        f.update(True, 3)
        f.update(False, 4)  # back to the level the output shows: nothing is pending
        self.assertTrue(f.settled)
        self.assertFalse(f.out)

    def test_a_button_window_keeps_it_unsettled_until_it_closes(self):
        f = IgnitionFilter(cfg(debounce_ms=0, show_s=1, wake_bms_s=2))
        f.update(False, 0)
        self.assertTrue(f.settled)
        self.assertTrue(f.update(True, 1))
        f.update(False, 2)  # released: the wake output still has to drop at 2001
        self.assertFalse(f.settled)
        self.assertTrue(f.update(False, 2000))
        self.assertFalse(f.update(False, 2001))
        self.assertTrue(f.settled)


class AllocationTest(unittest.TestCase):
    def test_update_allocates_nothing(self):
        if not alloc.measurable():
            self.skipTest(alloc.UNMEASURABLE)
        f = IgnitionFilter(cfg(debounce_ms=10, show_s=2, wake_bms_s=1))

        def spin(n):
            now = 0
            level = False
            while n:
                if now % 37 == 0:
                    level = not level
                f.update(level, now)
                f.showing(now)
                now += 1
                n -= 1

        self.assertEqual(alloc.allocated(spin, 1000), 0)
