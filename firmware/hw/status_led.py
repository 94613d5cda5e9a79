"""The board's own LED, for a heartbeat and blink codes: a plain pin, or the Pico W's LED
on the wireless chip by its name "LED". A board whose LED is a WS2812 uses hw/status_pixel.py,
so a board with a plain LED keeps that code off its heap.
"""

from machine import Pin


class StatusLed:
    def __init__(self, pin, active=1):
        self._on = 1 if active else 0
        self._pin = Pin(pin, Pin.OUT, value=1 - self._on)

    def set(self, on):
        self._pin.value(self._on if on else 1 - self._on)
