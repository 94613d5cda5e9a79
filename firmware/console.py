"""What the firmware tells a person: console lines and the board LED.

The USB console is slow and every line allocates, so lines are rare: the
configuration messages once at start, and stage errors at most one line per
5 s (each line says how many errors there were in all). The board
LED needs no computer: a short heartbeat flash every second while all is well,
or, while the configuration had errors, a blink code of three flashes every
two seconds. Dark while the board sleeps.
"""

from socbar.compat import const, ticks_add, ticks_diff

_ERROR_GAP_MS = const(5000)
_HEARTBEAT_MS = const(1000)
_HEARTBEAT_ON_MS = const(50)
_CODE_CONFIG = const(3)
_CODE_PERIOD_MS = const(2000)
_CODE_ON_MS = const(150)
_CODE_STEP_MS = const(400)
_EDGE_MS = const(50)  # every edge of both patterns falls on a multiple of this


class Console:
    def __init__(self, log=print, status_led=None, now=0):
        self.log = log
        self.status_led = status_led
        self.code = 0  # blink code shown instead of the heartbeat; 0: none
        self.errors = 0
        self._last_line = now
        self._first = True
        self._t0 = now
        self._lit = None
        self._until = now  # no edge of the pattern before this tick ...
        self._waiting = False  # ... while this holds

    def config_messages(self, messages, now):
        """Print every configuration message once; a non-empty list starts the blink code."""
        if not messages:
            return
        self.log("config: %d problem(s); running on safe defaults for them:" % len(messages))
        for msg in messages:
            self.log("config: " + msg)
        self.code = _CODE_CONFIG
        self._t0 = now
        self._waiting = False

    def error(self, stage, exc, now):
        """Count an exception caught in ``stage``; report it unless a line went out recently."""
        self.errors += 1
        if self._first or ticks_diff(now, self._last_line) >= _ERROR_GAP_MS:
            self._first = False
            self._last_line = now
            self.log("error in %s: %s: %s (%d error(s) so far)"
                     % (stage, type(exc).__name__, exc, self.errors))

    def led(self, now):
        """Drive the board LED for ``now``: heartbeat or blink code; writes only on a change,
        and between two edges of the pattern only compares the time."""
        if self._waiting and ticks_diff(now, self._until) < 0:
            return
        period = _CODE_PERIOD_MS if self.code else _HEARTBEAT_MS
        t = ticks_diff(now, self._t0)
        if t < 0 or t >= period:  # keep the phase anchor recent, so ticks never wrap under it
            t %= period
            self._t0 = ticks_add(now, -t)
        if self.code:
            on = t < self.code * _CODE_STEP_MS and t % _CODE_STEP_MS < _CODE_ON_MS
        else:
            on = t < _HEARTBEAT_ON_MS
        self._until = ticks_add(now, _EDGE_MS - t % _EDGE_MS)
        self._waiting = True
        self._set(on)

    def dark(self):
        """The LED off, for low power; the next ``led`` lights it again at once if it should."""
        self._waiting = False
        self._set(False)

    def _set(self, on):
        if on != self._lit and self.status_led is not None:
            self._lit = on
            self.status_led.set(on)
