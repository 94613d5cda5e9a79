"""The hardware watchdog, fed by the loop only after a good pass.

A hung loop must reset the MCU so that the ignition output returns to
following its input. Once started, an RP2040 watchdog cannot be stopped;
while the REPL or a deploy has the board, ``hw/keeper.py`` feeds it, and the
``Watchdog`` of the next start takes over from that keeper.
"""

import sys

from machine import WDT
from socbar.compat import const

_MAX_MS = const(8388)  # the RP2040 watchdog counter's limit (the RP2350's is twice that)


class Watchdog:
    def __init__(self, timeout_ms):
        """Start the watchdog (or take it over from a keeper); it cannot be stopped.
        Timeouts are clamped to 1..8388 ms."""
        timeout_ms = _MAX_MS if timeout_ms > _MAX_MS else timeout_ms if timeout_ms > 0 else 1
        self._wdt = WDT(timeout=timeout_ms)  # also reloads the counter
        keeper = sys.modules.get("hw.keeper")  # loaded only while a keeper may run
        if keeper is not None:
            keeper.stop()

    def feed(self):
        self._wdt.feed()
