"""Discrete LEDs, one GPIO per bar segment.

A segment is lit when any of its three GRB bytes in the renderer's frame is
non-zero; colour and brightness are lost, on/off is what a plain LED can show.
"""

from machine import Pin


class GpioLeds:
    def __init__(self, pins, active=1):
        self._on = 1 if active else 0
        self._pins = [Pin(p, Pin.OUT, value=1 - self._on) for p in pins]
        self._lit = bytearray(len(pins))

    def write(self, frame):
        """Show frame (3 bytes per segment); a pin is touched only when it changes."""
        count = len(frame) // 3
        for i in range(len(self._pins)):
            j = 3 * i
            lit = 1 if i < count and (frame[j] | frame[j + 1] | frame[j + 2]) else 0
            if lit != self._lit[i]:
                self._lit[i] = lit
                self._pins[i].value(self._on if lit else 1 - self._on)
