"""The hardware watchdog: a hung loop resets the MCU and the ignition output
returns to following its input."""

from machine import WDT
from socbar.compat import const

MAX_MS = const(8388)  # the RP2040 watchdog counter's limit


class Watchdog:
    def __init__(self, timeout_ms):
        """Start the watchdog; it cannot be stopped. Timeouts are clamped to 1..8388 ms."""
        if timeout_ms > MAX_MS:
            timeout_ms = MAX_MS
        self._wdt = WDT(timeout=timeout_ms if timeout_ms > 0 else 1)

    def feed(self):
        self._wdt.feed()
