"""A small SSD1306 text page through micropython-lib's ``ssd1306`` driver.

The app decides the words; this only lays the lines out, 10 px apart. A full
refresh moves 1 KB over I2C (about 25 ms at 400 kHz), so the app calls
``show`` at its own slow rate, never per frame.
"""

from ssd1306 import SSD1306_I2C

LINE_PX = 10


class Oled:
    def __init__(self, i2c, addr=0x3C, width=128, height=64):
        self._fb = SSD1306_I2C(width, height, i2c, addr)
        self.rows = height // LINE_PX

    def show(self, lines):
        """Draw up to ``rows`` lines of text (8 px font, 16 characters on 128 px)."""
        fb = self._fb
        fb.fill(0)
        y = 0
        for line in lines:
            if y // LINE_PX >= self.rows:
                break
            fb.text(line, 0, y, 1)
            y += LINE_PX
        fb.show()
