"""Fake micropython-lib ``ssd1306`` for the host: a frame buffer that records pages.

On the MicroPython unix port the built-in ``framebuf`` draws real pixels; on
CPython, which has no ``framebuf``, a stand-in only records the text calls.
``shown`` holds, for every ``show()``, the (x, y, text) drawn since ``fill``.
"""

try:
    from framebuf import MONO_VLSB, FrameBuffer
except ImportError:  # CPython
    MONO_VLSB = 0

    class FrameBuffer:
        def __init__(self, buf, width, height, fmt):
            pass

        def fill(self, c):
            pass

        def text(self, s, x, y, c=1):
            pass


class SSD1306_I2C(FrameBuffer):
    def __init__(self, width, height, i2c, addr=0x3C, external_vcc=False):
        i2c.writeto(addr, b"\x00\xae")  # display off: fails like the real one if absent
        self.width = width
        self.height = height
        self.addr = addr
        self.buffer = bytearray(width * height // 8)
        super().__init__(self.buffer, width, height, MONO_VLSB)
        self.drawn = []
        self.shown = []

    def fill(self, c):
        self.drawn = []
        super().fill(c)

    def text(self, s, x, y, c=1):
        self.drawn.append((x, y, s))
        super().text(s, x, y, c)

    def show(self):
        self.shown.append(list(self.drawn))

    def poweroff(self):
        pass

    def poweron(self):
        pass

    def contrast(self, value):
        pass
