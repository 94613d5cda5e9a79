"""The BMS serial port, read without ever blocking the loop.

The UART is created with ``timeout=0, timeout_char=0`` and read only as far as
``any()`` reports: with the default timeouts a read busy-waits between
characters, which cost most of the CPU at 9600 baud.

Between loop passes ``wait`` lets the CPU sleep: a plain ``sleep_ms``, or a
``select.poll`` on the UART that returns at the first byte. Its ``ipoll``
allocates nothing.
"""

import select
import time

from machine import UART, Pin
from socbar.compat import const

# 115200 baud fills 11.5 bytes per ms: 1024 bytes cover an 89 ms pause of the loop,
# over three times its longest pass (an OLED refresh, about 25 ms); the UART stops
# in light sleep, so a sleep slice fills nothing. The ring is on the heap.
_RXBUF = const(1024)
# The longest request poll mode writes is 8 bytes; a listener writes none. The ring is on the heap.
_TXBUF = const(32)


class UartPort:
    def __init__(self, uart_id, tx, rx, baud, rxbuf=_RXBUF):
        self._uart = UART(uart_id, baudrate=baud, tx=Pin(tx), rx=Pin(rx), bits=8, parity=None,
                          stop=1, timeout=0, timeout_char=0, rxbuf=rxbuf, txbuf=_TXBUF)
        self.baud = baud
        self._poll = None  # made at the first wait: only run() waits

    def readinto(self, buf):
        """Copy what has arrived, up to len(buf), into buf; return the count (0: nothing)."""
        n = self._uart.any()
        if n <= 0:
            return 0
        if n > len(buf):
            n = len(buf)
        return self._uart.readinto(buf, n) or 0

    def write(self, buf, n):
        """Send buf[0:n]. A request shorter than its buffer costs one slice."""
        if n == len(buf):
            self._uart.write(buf)
        else:
            self._uart.write(memoryview(buf)[:n])

    def wait(self, ms, early):
        """Sleep ``ms``; with ``early``, only until a byte is there."""
        if early:
            poll = self._poll
            if poll is None:
                poll = self._poll = select.poll()
                poll.register(self._uart, select.POLLIN)
            for _ in poll.ipoll(ms):
                break
        else:
            time.sleep_ms(ms)  # pyright: ignore[reportAttributeAccessIssue]

    def set_baud(self, baud):
        """Switch the line rate (format auto-detection tries 115200 and 9600)."""
        self._uart.init(baudrate=baud, timeout=0, timeout_char=0)
        self.baud = baud
