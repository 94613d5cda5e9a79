"""The SOC-bar strip: WS2812 data from a PIO state machine, fed by DMA.

One bit is 10 PIO cycles at 8 MHz (1.25 us, 800 kHz). Each bit starts with
the line going high; a 0 drops it after T1, a 1 holds it for T1 + T2:

    T1 = 3 cycles (0.375 us)   high for both bit values
    T2 = 3 cycles (0.375 us)   high for a 1, low for a 0
    T3 = 4 cycles (0.5 us)     low for both

    0: 0.375 us high, 0.875 us low   (WS2812B: 0.40 / 0.85 us +-150 ns)
    1: 0.750 us high, 0.500 us low   (WS2812B: 0.80 / 0.45 us +-150 ns)

Words are 24-bit GRB in the top of 32 bits, shifted out MSB first, pulled
automatically every 24 bits; when the FIFO runs dry the line stays low, which
latches the strip. The CPU only starts a DMA transfer per frame: nothing
waits on bit timing and interrupts stay on, so the ignition IRQ keeps its
bound while the strip updates.
"""

# The PIO assembler's words (out, jmp, side, x, ...) exist only inside @rp2.asm_pio.
# pyright: reportUndefinedVariable=false

import rp2
from machine import Pin
from socbar.compat import const

_T1 = const(3)  # the T1, T2, T3 of the table above, in PIO cycles
_T2 = const(3)
_T3 = const(4)
_FREQ = const(8_000_000)  # 10 cycles per bit at 800 kHz


@rp2.asm_pio(sideset_init=rp2.PIO.OUT_LOW, out_shiftdir=rp2.PIO.SHIFT_LEFT, autopull=True,
             pull_thresh=24, fifo_join=rp2.PIO.JOIN_TX)
def ws2812_program():
    wrap_target()  # noqa: F821
    label("bit")  # noqa: F821
    out(x, 1).side(0)[_T3 - 1]  # noqa: F821
    jmp(not_x, "zero").side(1)[_T1 - 1]  # noqa: F821
    jmp("bit").side(1)[_T2 - 1]  # noqa: F821
    label("zero")  # noqa: F821
    nop().side(0)[_T2 - 1]  # noqa: F821
    wrap()  # noqa: F821


class Ws2812:
    def __init__(self, pin, count, sm_id=0):
        self.count = count
        self._sm = rp2.StateMachine(sm_id, ws2812_program, freq=_FREQ, sideset_base=Pin(pin))
        self._sm.active(1)
        # Little-endian 32-bit words: byte 0 unused, then B, R, G, so G leaves first.
        self._words = bytearray(4 * count)
        self._dma = rp2.DMA()
        dreq = (sm_id >> 2) * 8 + (sm_id & 3)  # PIOn TX FIFO m (RP2040 DREQ table)
        self._ctrl = self._dma.pack_ctrl(size=2, inc_write=False, treq_sel=dreq)

    def write(self, frame):
        """Start sending frame (GRB, 3 bytes per LED); False while the last one still runs.

        The caller keeps the frame and tries again on its next pass. Frames sent
        milliseconds apart also give the strip its >280 us latch gap.
        """
        if self._dma.active():
            return False
        words = self._words
        n = len(frame) // 3
        if n > self.count:
            n = self.count
        for i in range(n):
            j = 3 * i
            k = 4 * i
            words[k + 1] = frame[j + 2]
            words[k + 2] = frame[j + 1]
            words[k + 3] = frame[j]
        self._dma.config(read=words, write=self._sm, count=n, ctrl=self._ctrl, trigger=True)
        return True
