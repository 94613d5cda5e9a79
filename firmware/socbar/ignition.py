"""The logic of the ignition passthrough (docs/protocol.md section 5).

Two ways to wire the input, chosen by ``ignition.show_s``:

- ``show_s == 0`` (default): the input is the vehicle's key switch and the
  output follows it, debounced: a new input level is taken once it has held
  for ``debounce_ms`` (more than that many whole millisecond ticks since it
  was first seen, so never sooner). The output is exactly the debounced input.
- ``show_s > 0``: the input is a push button. A press lights the bar for
  ``show_s`` seconds (``showing``) and, if ``wake_bms_s > 0``, asserts the
  output for ``wake_bms_s`` seconds from the press to wake the BMS: never
  longer, and holding the button does not extend it. With ``wake_bms_s == 0``
  the output is never asserted.

The first sample is taken as it is: ``main.py`` has already driven the output
from the raw input at boot, so the filter starts from the same level instead
of dropping the output for a debounce time. ``update`` allocates nothing and
raises nothing, so it may run in a timer callback. ``settled`` says that no
later sample of the same input can change the output (no debounce running, no
button window open), so a timer tick that reads that input may stop there.
"""

from .compat import ticks_diff


class IgnitionFilter:
    def __init__(self, cfg):
        ign = cfg["ignition"]
        # Whole millisecond ticks a new level must be seen for: one more than the debounce,
        # so a level first seen late in a millisecond has still held for the whole time.
        debounce = ign["debounce_ms"]
        self._hold = debounce + 1 if debounce else 0
        self._show_ms = ign["show_s"] * 1000
        self._wake_ms = ign["wake_bms_s"] * 1000
        self._button = self._show_ms > 0
        self._window = max(self._show_ms, self._wake_ms)
        self.level = False  # the debounced input: key on, or button held
        self.out = False
        self.settled = False  # no sample of an unchanged input can move the output
        self._raw = False
        self._since = 0  # when the raw input last changed
        self._primed = False
        self._pressed = False  # a press whose show / wake window is still open
        self._pressed_at = 0

    def update(self, raw, now):
        """Take one sample of the input (True = active); return the output level."""
        if not self._primed:
            self._primed = True
            self._raw = self.level = raw
            self._since = now
        if raw != self._raw:
            self._raw = raw
            self._since = now
        if raw != self.level and ticks_diff(now, self._since) >= self._hold:
            self.level = raw
            if raw and self._button:
                self._pressed = True
                self._pressed_at = now
        if not self._button:
            self.settled = raw == self.level
            self.out = self.level
            return self.out
        if self._pressed and ticks_diff(now, self._pressed_at) >= self._window:
            self._pressed = False  # closed for good, so the tick wrap cannot reopen it
        self.settled = raw == self.level and not self._pressed
        self.out = self._pressed and ticks_diff(now, self._pressed_at) < self._wake_ms
        return self.out

    def showing(self, now):
        """True while a button press asks for the bar to be shown."""
        return self._pressed and ticks_diff(now, self._pressed_at) < self._show_ms
