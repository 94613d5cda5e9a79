"""The ignition passthrough pins: the key-switch input and the output stage.

The output is driven to its inactive level first, in the constructor's
first statement, so a reset never asserts the BMS ignition on its own. The
output pin drives a high-side switch or photo-MOS, never B+ directly.
"""

from machine import Pin, Timer


class IgnitionPins:
    def __init__(self, in_pin, pull, in_active, out_pin, out_active):
        self._out = Pin(out_pin, Pin.OUT, value=0 if out_active else 1)
        self._out_on = 1 if out_active else 0
        pull = Pin.PULL_UP if pull == "up" else Pin.PULL_DOWN if pull == "down" else None
        self._in = Pin(in_pin, Pin.IN, pull)  # pyright: ignore[reportArgumentType] - None: no pull
        self._in_on = 1 if in_active else 0

    def read(self):
        """True while the key switch / button input is at its active level."""
        return self._in.value() == self._in_on

    def drive(self, on):
        """Assert (True) or release (False) the BMS ignition."""
        self._out.value(self._out_on if on else 1 - self._out_on)


class IgnitionTimer:
    """The passthrough's periodic tick: ``tick(timer)`` every ``period_ms`` from a hard timer
    interrupt, so no long C call of the loop (an I2C refresh, a collection) delays it.
    A build whose Timer lacks ``hard`` gets the soft one, which the loop may hold up.
    ``stop`` / ``start`` bracket a light sleep, which any running timer would end."""

    def __init__(self, period_ms, tick):
        self._period = period_ms
        self._tick = tick
        self._timer = Timer(-1)
        self._hard = True
        try:
            self.start()
        except TypeError:
            self._hard = False
            self.start()

    def start(self):
        if self._hard:
            self._timer.init(mode=Timer.PERIODIC, period=self._period, callback=self._tick, hard=True)
        else:
            self._timer.init(mode=Timer.PERIODIC, period=self._period, callback=self._tick)

    def stop(self):
        self._timer.deinit()
