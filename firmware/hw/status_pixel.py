"""A board's on-board WS2812 as its status LED (RP2040-Zero, XIAO RP2040), through ``neopixel``.

It writes only on a change, because each write holds interrupts off for about 30 us.
"""

from machine import Pin
from neopixel import NeoPixel

_DARK = (0, 0, 0)


class StatusPixel:
    def __init__(self, pin, power=None, color=(0, 0, 24)):
        if power is not None:
            Pin(power, Pin.OUT, value=1)  # the XIAO RP2040 switches the pixel's supply
        self._np = NeoPixel(Pin(pin, Pin.OUT), 1)
        self._color = color
        self._lit = None

    def set(self, on):
        if on == self._lit:
            return
        self._lit = on
        self._np[0] = self._color if on else _DARK
        self._np.write()
