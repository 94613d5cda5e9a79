"""Low-power waiting while the BMS sleeps: one bounded ``machine.lightsleep`` slice.

Any interrupt ends a light sleep on the RP2040, and a running timer's next
tick is one: with the passthrough's 2 ms timer running a 100 ms slice lasted
2 ms. So the slice stops that timer first (the key input keeps its pin
interrupt, which wakes the chip on a key edge) and starts it again after.

In light sleep the UART's clock stops, so bytes that arrive are lost; a
falling edge on the RX pin (a start bit) wakes the chip, and ``sleep`` says
so, so the loop stays awake to hear the frames that follow. That edge
interrupt is armed only for the slice: awake, it would cost about 2 650
cycles per edge, most of the CPU at a busy 115200 line.
"""

from machine import Pin, lightsleep


class Sleeper:
    def __init__(self, rx_pin, timer=None):
        """``timer``: the passthrough's ``IgnitionTimer`` (hw/ignition.py), or None; main.py
        sets it once the timer exists."""
        self._rx = Pin(rx_pin)
        self.timer = timer
        self._on_edge = self._edge  # one bound method, made once
        self.woken = False

    def _edge(self, pin):
        self.woken = True

    def sleep(self, ms):
        """Light-sleep up to ``ms``; True when line activity was seen meanwhile."""
        timer = self.timer
        if timer is not None:
            timer.stop()
        self.woken = False
        self._rx.irq(self._on_edge, Pin.IRQ_FALLING, hard=True)
        lightsleep(ms)
        self._rx.irq(None)
        if timer is not None:
            timer.start()
        return self.woken
