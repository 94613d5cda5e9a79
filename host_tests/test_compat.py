"""Tick arithmetic must survive the counter's wrap on every interpreter."""

import unittest

from socbar.compat import ticks_add, ticks_diff


class TicksTest(unittest.TestCase):
    def test_diff_across_wrap(self):
        # Walk far enough forward from zero to cross any tick period in use.
        start = 0
        for _ in range(40):
            later = ticks_add(start, 1234)
            self.assertEqual(ticks_diff(later, start), 1234)
            self.assertEqual(ticks_diff(start, later), -1234)
            start = ticks_add(start, 1 << 28)

    def test_add_negative(self):
        self.assertEqual(ticks_diff(ticks_add(5, -10), 5), -10)
