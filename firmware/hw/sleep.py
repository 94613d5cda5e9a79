"""Low-power waiting while the BMS sleeps: one bounded ``machine.lightsleep`` slice.

The slice is bounded because the watchdog keeps counting while the CPU sleeps.
In light sleep the RP2040 stops the UART's clock, so bytes that arrive are
lost; but an edge on the RX pin wakes the chip (a GPIO interrupt ends a timed
light sleep), and ``sleep`` says so, so the loop stays awake to hear the
frames that follow. The key input wakes it the same way through the
passthrough's own pin interrupt.
"""

from machine import Pin, lightsleep


class Sleeper:
    def __init__(self, rx_pin=None):
        self.woken = False
        if rx_pin is not None:
            # A start bit pulls the idle-high line low.
            Pin(rx_pin).irq(self._edge, Pin.IRQ_FALLING, hard=True)

    def _edge(self, pin):
        self.woken = True

    def sleep(self, ms):
        """Light-sleep up to ``ms``; True when line activity was seen meanwhile."""
        self.woken = False
        lightsleep(ms)
        return self.woken
