"""A virtual millisecond clock shared by the fake hardware modules.

Tests advance it by hand, so timing is asserted without sleeping. It counts
with ``ticks_add`` from the core, so it wraps exactly like the interpreter's
``ticks_ms``, and a test can start it just before the wrap.
"""

from socbar.compat import ticks_add, ticks_diff


class VirtualClock:
    def __init__(self, start=0):
        self.now = start
        self._timers = []

    def ticks_ms(self):
        return self.now

    def advance(self, ms):
        """Move time forward 1 ms at a time, firing every timer that falls due."""
        for _ in range(ms):
            self.now = ticks_add(self.now, 1)
            for timer in list(self._timers):
                if ticks_diff(self.now, timer.due) >= 0:
                    timer.fire(self.now)

    def add_timer(self, timer):
        if timer not in self._timers:
            self._timers.append(timer)

    def remove_timer(self, timer):
        if timer in self._timers:
            self._timers.remove(timer)
