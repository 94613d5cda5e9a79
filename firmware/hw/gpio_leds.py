"""Discrete LEDs, one GPIO per bar segment, optionally dimmed by PWM.

A segment is lit when any of its three GRB bytes in the renderer's frame is
non-zero; colour is lost, on/off is what a plain LED can show. Below full
``brightness`` (0-255, ``bar.brightness``) each LED is driven by a PWM channel
at 1 kHz instead of a plain output: the RP2040 has 16 channels, and GPIO n and
n + 16 share one, so such a pair shows the same level.
"""

from machine import PWM, Pin

PWM_HZ = 1000


class GpioLeds:
    def __init__(self, pins, active=1, brightness=255):
        self._on = 1 if active else 0
        self._lit = bytearray(len(pins))
        self._pins = []
        self._pwms = []
        if brightness >= 255:
            self._pins = [Pin(p, Pin.OUT, value=1 - self._on) for p in pins]
            return
        duty = brightness * 65535 // 255
        self._duty_on = duty if active else 65535 - duty
        self._duty_off = 0 if active else 65535
        self._pwms = [PWM(Pin(p), freq=PWM_HZ, duty_u16=self._duty_off) for p in pins]

    def write(self, frame):
        """Show frame (3 bytes per segment); a pin is touched only when it changes."""
        count = len(frame) // 3
        for i in range(len(self._lit)):
            lit = 1 if i < count and (frame[3 * i] | frame[3 * i + 1] | frame[3 * i + 2]) else 0
            if lit != self._lit[i]:
                self._set(i, lit)

    def _set(self, i, lit):
        self._lit[i] = lit
        if self._pwms:
            self._pwms[i].duty_u16(self._duty_on if lit else self._duty_off)
        else:
            self._pins[i].value(self._on if lit else 1 - self._on)
