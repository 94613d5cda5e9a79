"""Low-power waiting while the BMS sleeps.

``machine.lightsleep`` is taken in bounded slices because the watchdog keeps
counting while the CPU sleeps and the ignition input must still be looked at
within its bound: between slices the caller's ``between()`` runs (feed the
watchdog, mirror the ignition, look for UART bytes) and may end the sleep.
"""

from machine import lightsleep


class Sleeper:
    def __init__(self, slice_ms=100, between=None):
        self.slice_ms = slice_ms
        self.between = between

    def sleep(self, ms):
        """Sleep up to ms; return the ms slept (less when between() returned True)."""
        slept = 0
        while slept < ms:
            step = ms - slept
            if step > self.slice_ms:
                step = self.slice_ms
            lightsleep(step)
            slept += step
            if self.between is not None and self.between():
                break
        return slept
