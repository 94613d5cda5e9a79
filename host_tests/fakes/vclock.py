"""A virtual millisecond clock shared by the fake hardware modules.

Tests advance it by hand, so timing is asserted without sleeping. It counts
with the interpreter's own ``ticks_add`` (on CPython, the same 2**30 wrap the
core's compat module uses), so it wraps exactly like ``ticks_ms`` and a test
can start it just before the wrap. The fakes import nothing of the firmware.
"""

try:
    from time import ticks_add, ticks_diff  # pyright: ignore[reportAttributeAccessIssue]
except ImportError:  # CPython: MicroPython's semantics, a counter wrapping at 2**30
    _PERIOD = 1 << 30
    _HALF = _PERIOD // 2

    def ticks_add(ticks, delta):
        return (ticks + delta) & (_PERIOD - 1)

    def ticks_diff(end, start):
        return ((end - start + _HALF) & (_PERIOD - 1)) - _HALF


class VirtualClock:
    def __init__(self, start=0):
        self.now = start
        self.interrupts = 0  # timer and pin interrupts so far: each ends a light sleep
        self._timers = []
        self._events = []  # (tick, callable): things the outside world does, in order

    def at(self, tick, event):
        """Test-side: ``event()`` happens when the clock reaches ``tick`` (a key turned, ...)."""
        self._events.append((tick, event))

    def ticks_ms(self):
        return self.now

    def advance(self, ms):
        """Move time forward 1 ms at a time, firing every timer that falls due."""
        for _ in range(ms):
            self.now = ticks_add(self.now, 1)
            for event in list(self._events):
                if ticks_diff(self.now, event[0]) >= 0:
                    self._events.remove(event)
                    event[1]()
            for timer in list(self._timers):
                if ticks_diff(self.now, timer.due) >= 0:
                    self.interrupts += 1
                    timer.fire(self.now)

    def add_timer(self, timer):
        if timer not in self._timers:
            self._timers.append(timer)

    def remove_timer(self, timer):
        if timer in self._timers:
            self._timers.remove(timer)
