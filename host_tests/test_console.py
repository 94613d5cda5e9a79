"""The board LED's patterns (console.py): the heartbeat and the blink code, edge by edge."""

import unittest

from console import Console


class Led:
    def __init__(self):
        self.changes = []  # (ms, on)
        self.now = 0

    def set(self, on):
        self.changes.append((self.now, on))


def lit_console():
    """A Console at tick 0 and the LED it drives."""
    led = Led()
    return Console(log=lambda *a: None, status_led=led, now=0), led


def run(console, led, start, end):
    for ms in range(start, end):
        led.now = ms
        console.led(ms)


class HeartbeatTest(unittest.TestCase):
    def test_one_flash_of_50_ms_a_second(self):
        c, led = lit_console()
        run(c, led, 0, 3000)
        self.assertEqual(led.changes, [(0, True), (50, False), (1000, True), (1050, False),
                                       (2000, True), (2050, False)])

    def test_the_blink_code_three_flashes_of_150_ms_every_two_seconds(self):
        c, led = lit_console()
        c.config_messages(["something"], 0)
        run(c, led, 0, 2000)
        self.assertEqual(led.changes, [(0, True), (150, False), (400, True), (550, False),
                                       (800, True), (950, False)])

    def test_a_code_started_mid_pattern_starts_its_own_cycle_at_once(self):
        c, led = lit_console()
        run(c, led, 0, 620)  # the heartbeat's dark part
        c.config_messages(["something"], 620)
        run(c, led, 620, 800)
        self.assertEqual(led.changes[2:], [(620, True), (770, False)])

    def test_after_dark_the_pattern_is_back_at_the_next_call(self):
        c, led = lit_console()
        run(c, led, 0, 1010)
        led.now = 1010
        c.dark()
        run(c, led, 1011, 1060)
        self.assertEqual(led.changes[-3:], [(1010, False), (1011, True), (1050, False)])
