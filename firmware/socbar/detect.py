"""Format auto-detection: feed the same bytes to every candidate decoder, keep the one that works.

Each candidate is a ready decoder with a Reading of its own, so the winner's
values can be shown as they are and nothing a loser decoded survives.
``feed`` returns the winner once a candidate has decoded the frames it needs
to be believed and more than any other: one frame where a CRC or checksum
vouches for it (tinybms, a checksummed custom layout), so the first
broadcast after power-up is shown at once; two for the rest (an unchecked
custom layout, Cycle Analyst text rows, the easiest for line noise to
imitate). On a tie the more specific framing wins: tinybms (a CRC over a
known command set) before custom (a user-described layout) before cav3.

``hopeless`` turns true after ``limit`` bytes without a winner, so the
caller can try the other line rate and then call ``restart``.
"""

from array import array

from .compat import const

try:
    import micropython
except ImportError:  # CPython
    from .compat import micropython

PREFERENCE = ("tinybms", "custom", "cav3")
LIMIT = const(1024)  # bytes: several CA V3 rows, or many frames of any binary format
_UNCHECKED = const(2)  # frames a candidate without a checksum must decode to win


def _needed(dec):
    """Frames ``dec`` must decode before it can win."""
    if dec.name == "tinybms" or (dec.name == "custom" and dec.checked):
        return 1
    return _UNCHECKED


class Detector:
    """Runs candidate decoders side by side; see the module docstring. ``feed`` is machine code
    (``@micropython.native``): as bytecode its state would be taken from the heap at every call."""

    def __init__(self, decoders, limit=LIMIT):
        self.decoders = tuple(decoders)
        self.limit = limit
        count = len(self.decoders)
        self._rank = bytearray(count)
        for k in range(count):
            name = self.decoders[k].name
            self._rank[k] = PREFERENCE.index(name) if name in PREFERENCE else len(PREFERENCE)
        self._base = array("i", bytes(4 * count))  # good counts at the last restart
        self._needed = bytes(_needed(dec) for dec in self.decoders)
        self.restart()

    def restart(self):
        """Start over, as after a line-rate change: partial frames dropped, counts from zero."""
        for k in range(len(self.decoders)):
            dec = self.decoders[k]
            dec.reset()
            self._base[k] = dec.good
        self.bytes_seen = 0
        self.hopeless = False

    @property
    def good(self):
        """Good frames of every candidate, winners or not."""
        total = 0
        for dec in self.decoders:
            total += dec.good
        return total

    @property
    def bad(self):
        """Bad frames of every candidate: garbage that no format explains still says the line talks."""
        total = 0
        for dec in self.decoders:
            total += dec.bad
        return total

    @micropython.native
    def feed(self, buf, n):
        """Feed ``buf[0:n]`` to every candidate; return the winning decoder or None."""
        decoders = self.decoders
        for k in range(len(decoders)):
            decoders[k].feed(buf, n)
        self.bytes_seen += n
        best = -1
        best_good = 0
        rank = self._rank
        for k in range(len(decoders)):
            good = decoders[k].good - self._base[k]
            if good >= self._needed[k] and (good > best_good or (good == best_good and rank[k] < rank[best])):
                best = k
                best_good = good
        if best >= 0:
            return decoders[best]
        if self.bytes_seen >= self.limit:
            self.hopeless = True
        return None
