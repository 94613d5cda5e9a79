"""The board's own LED, for a heartbeat and blink codes.

``StatusLed`` drives a plain pin, or the Pico W's LED on the wireless chip by
its name "LED". ``StatusPixel`` drives a board's on-board WS2812 (RP2040-Zero,
XIAO RP2040) through ``neopixel``, imported only then (a board with a plain
LED keeps that module off its heap); it writes only on a change, because each
write holds interrupts off for about 30 us.
"""

from machine import Pin

_DARK = (0, 0, 0)


class StatusLed:
    def __init__(self, pin, active=1):
        self._on = 1 if active else 0
        self._pin = Pin(pin, Pin.OUT, value=1 - self._on)

    def set(self, on):
        self._pin.value(self._on if on else 1 - self._on)


class StatusPixel:
    def __init__(self, pin, power=None, color=(0, 0, 24)):
        if power is not None:
            Pin(power, Pin.OUT, value=1)  # the XIAO RP2040 switches the pixel's supply
        from neopixel import NeoPixel

        self._np = NeoPixel(Pin(pin, Pin.OUT), 1)
        self._color = color
        self._lit = None

    def set(self, on):
        if on == self._lit:
            return
        self._lit = on
        self._np[0] = self._color if on else _DARK
        self._np.write()
