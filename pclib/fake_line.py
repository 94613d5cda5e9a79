"""Allocation-free stand-ins for the App's adapters, for the bench and the soak.

They run under the MicroPython unix port next to the real App, and the
benchmark measures the App's allocations with them in place, so none of them
allocates once built: the UART is a fixed ring released at the line rate, the
LEDs copy the frame into their own buffer, and every check the soak needs
(bytes written, when the LEDs and the ignition output last changed) is a
counter or a tick.
"""

from socbar.compat import ticks_add

RING = 4096  # bytes a UART ring holds (the board's is 1024; room for a slow tick)


class Clock:
    """Virtual milliseconds, wrapping like ticks_ms; the App calls it for the time."""

    def __init__(self, start=0):
        self.now = start

    def __call__(self):
        return self.now

    def ticks_ms(self):
        return self.now

    def tick(self, ms=1):
        self.now = ticks_add(self.now, ms)


class LineUart:
    """Receive ring filled by ``deliver`` and released 10 bits per byte at ``baud``."""

    def __init__(self, baud=115200):
        self.baud = baud
        self.ring = bytearray(RING)
        self.head = 0  # next byte the App reads
        self.queued = 0  # delivered, not read
        self.ready = 0  # of those, already clocked in by the line
        self.bits = 0  # line time not yet spent, in bit-milliseconds
        self.lost = 0
        self.written = 0  # bytes the App wrote: must stay 0 in listen mode
        self.first_write = -1  # first byte it wrote, for the message
        self.last_byte_at = 0  # tick at which the line finished the last queued byte

    def deliver(self, data, n):
        ring = self.ring
        at = (self.head + self.queued) % RING
        i = 0
        while i < n and self.queued < RING:
            ring[at] = data[i]
            at = at + 1 if at + 1 < RING else 0
            self.queued += 1
            i += 1
        self.lost += n - i

    def elapse(self, now, ms=1):
        """``ms`` milliseconds of line time, ending at ``now``."""
        if self.ready == self.queued:
            self.bits = 0  # an idle line banks no time
            return
        self.bits += self.baud * ms
        whole = self.bits // 10000
        self.bits -= whole * 10000
        self.ready += whole
        if self.ready >= self.queued:
            self.ready = self.queued
            self.bits = 0
            self.last_byte_at = now

    def any(self):
        return self.ready

    def readinto(self, buf, n=None):
        if n is None or n > len(buf):
            n = len(buf)
        if n > self.ready:
            n = self.ready
        ring = self.ring
        head = self.head
        i = 0
        while i < n:
            buf[i] = ring[head]
            head = head + 1 if head + 1 < RING else 0
            i += 1
        self.head = head
        self.ready -= n
        self.queued -= n
        return n

    def write(self, buf, n=None):
        if n is None:
            n = len(buf)
        if n and self.written == 0:
            self.first_write = buf[0] if n < 2 else buf[1]
        self.written += n
        return n

    def set_baud(self, baud):
        self.baud = baud

    def unplug(self):
        """Drop whatever the line has not delivered yet (a cable pulled mid-frame)."""
        self.queued = self.ready


class Leds:
    """Keeps a copy of the last frame written and when it was written."""

    def __init__(self, clock, size=3 * 64):
        self.clock = clock
        self.frame = bytearray(size)
        self.n = 0
        self.writes = 0
        self.written_at = 0

    def write(self, frame):
        n = len(frame)
        i = 0
        while i < n:
            self.frame[i] = frame[i]
            i += 1
        self.n = n
        self.writes += 1
        self.written_at = self.clock.now

    def dark(self):
        i = 0
        while i < self.n:
            if self.frame[i]:
                return False
            i += 1
        return True


class Ignition:
    """The key-switch input the harness sets and the output the App drives."""

    def __init__(self, clock):
        self.clock = clock
        self.level = False
        self.out = False
        self.changed_at = 0  # tick of the last change of the output

    def read(self):
        return self.level

    def drive(self, on):
        on = bool(on)
        if on != self.out:
            self.out = on
            self.changed_at = self.clock.now
