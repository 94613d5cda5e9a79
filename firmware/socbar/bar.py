"""The SOC bar: from the display state, the SOC and the time to one LED frame.

Segment 0 is the bottom of the bar (the first LED, or the last with
``bar.reverse``). Every pattern is told apart by which segments are on and
by blink timing alone, so it reads the same on plain on/off LEDs as on
WS2812s; colour only adds to it. Periods are in ms from entering the state:

============  =========================================================  ======
state         segments                                                   lit
============  =========================================================  ======
live          the SOC segments, steady, in the colour for the SOC;        SOC
              below ``low_pct`` the top one blinks 500 on / 500 off
charging      the SOC segments steady; the next one up (the top one       SOC
              when all are lit) blinks blue 1000 on / 1000 off
regen         as charging, in cyan, 250 on / 250 off                      SOC
full          the SOC segments steady but the top lit one, which is       SOC
              dark for the last 250 of every 2000 (a segment the SOC
              does not reach never lights)
fault         every segment red, two 100 ms flashes per second            0
link_lost     the two end segments magenta, three 100 ms flashes every    0
              2000; never the SOC
stale         only segment 0, dim white, on 200 of every 2000: a live     0
              bar always has a steady or a 500/500 segment, so stale
              never looks live
empty, asleep all dark (docs/protocol.md section 6)                           0
============  =========================================================  ======

SOC segments: with n segments, segment k (1-based) is lit when the SOC is
above (k - 1) * 100 / n %, so 55 % on 10 segments lights 6. The colour is
that of the last ``colors`` entry whose from_pct the SOC has reached, and
the low blink runs below ``low_pct``. Hysteresis of h = ``hysteresis_pct``
around each of these thresholds: a change upwards waits until the SOC is h
past the threshold, one downwards until it is h below it, so a SOC hovering
at a boundary never flickers. Colours are scaled by ``brightness`` rounding
up, so a lit segment is never black; in gpio mode brightness does not apply.

All arithmetic is on small ints in 0.01 % steps and the frame is written in
place, so ``render`` allocates nothing.
"""

from array import array

from .compat import const, ticks_add, ticks_diff

# socbar/states.py's states, as private copies: mpy-cross folds them into the code, so they
# cost no globals entry and no lookup (host_tests/test_pc_constants.py checks them).
_FAULT = const(4)
_FULL = const(2)
_LINK_LOST = const(7)
_LIVE = const(0)
_REGEN = const(3)
_STALE = const(8)

_PCT = const(100)  # 0.01 % steps per percent
_STEPS = const(10000)  # 100 % in 0.01 % steps
_SOC_PER_STEP = const(10000)  # Reading SOC units (0.000001 %) per 0.01 % step
_EPOCH = const(60000)  # a whole number of every pattern's period
_HOLD_MS = const(1000)  # how long a picture that does not blink is kept without a redraw

# Colour slots in the palette; the colour map follows them.
_C_OFF = const(0)
_C_CHARGE = const(1)
_C_REGEN = const(2)
_C_FAULT = const(3)
_C_LOST = const(4)
_C_STALE = const(5)
_C_MAP = const(6)

# R, G, B of the slots before the colour map: off, charging blue, regen cyan, fault red, link
# lost magenta, stale white (dimmed to a quarter below). Bytes: one object on the heap, not seven.
_SPECIAL = b"\x00\x00\x00" b"\x00\x40\xff" b"\x00\xff\xff" b"\xff\x00\x00" b"\xff\x00\xff" b"\xff\xff\xff"


class BarRenderer:
    """Draws ``frame`` (GRB bytes, 3 per segment); see the module docstring for the patterns."""

    def __init__(self, cfg):
        bar = cfg["bar"]
        self.segments = n = bar["segments"]
        self.frame = bytearray(3 * n)
        self.lit = 0
        self._reverse = bar["reverse"]
        self._hyst = bar["hysteresis_pct"] * _PCT
        self._low_at = bar["low_pct"] * _PCT
        colors = bar["colors"]
        self._from = array("h", [c[0] * _PCT for c in colors])
        self._last_color = len(colors) - 1
        brightness = 255 if bar["leds"] == "gpio" else bar["brightness"]
        self._rgb = rgb = bytearray(3 * (_C_MAP + len(colors)))
        for slot in range(_C_MAP + len(colors)):
            for k in range(3):
                v = _SPECIAL[3 * slot + k] if slot < _C_MAP else colors[slot - _C_MAP][1 + k]
                v = (v * brightness + 254) // 255
                if slot == _C_STALE:
                    v = (v + 3) // 4
                rgb[3 * slot + k] = v
        self._state = -1
        self._t0 = 0
        self._soc = -1  # the SOC of the last full render ...
        self._until = 0  # ... and when its picture may next change
        self._level = -1  # SOC segments shown; -1: start afresh
        self._color = 0
        self._low = False
        self._fill = 0  # the picture of the last draw: _fill segments in colour slot _fill_col,
        self._fill_col = _C_OFF
        self._mark = -1  # ... and up to two segments in _mark_col over them
        self._mark2 = -1
        self._mark_col = _C_OFF

    def render(self, state, soc, now):
        """Redraw ``frame`` for ``state`` at time ``now``; True when its bytes changed.

        The frame starts dark, so a first render of a dark state returns False. Between two
        edges of the pattern only a SOC that changes what is shown of it (level, colour, low
        blink) is drawn; everything else returns at once, and nothing here allocates: each
        function keeps within the 11 machine words of state a bytecode call holds on the C
        stack."""
        if state == self._state and ticks_diff(now, self._until) < 0:
            if soc == self._soc:
                return False
            self._soc = soc
            if state > _REGEN or not self._follow(soc):
                return False  # a state that does not show the SOC, or nothing of it moved
            return self._draw(state, now)
        if state <= _REGEN:
            self._follow(soc)
        self._soc = soc
        return self._draw(state, now)

    def _draw(self, state, now):
        """The picture of ``state`` at ``now`` into ``frame``; True when a byte changed."""
        if state != self._state:
            self._state = state
            self._t0 = now
        t = ticks_diff(now, self._t0)
        if t < 0 or t >= _EPOCH:
            t = t % _EPOCH
            self._t0 = ticks_add(now, -t)
        step = self._pattern(state, t)
        self._until = ticks_add(now, step - t % step if step else _HOLD_MS)
        return self._paint()

    def _pattern(self, state, t):
        """What the segments show ``t`` ms into the pattern of ``state`` (``_fill`` segments in
        ``_fill_col``, up to two ``_mark`` ones in ``_mark_col`` over them); returns the step
        every edge of the pattern falls on, or 0 when nothing blinks."""
        self._mark = self._mark2 = -1
        self._mark_col = _C_OFF
        if state > _REGEN:
            self._level = -1
            self.lit = 0
            return self._alarm(state, t)
        fill = self.lit = self._fill = self._level
        col = self._fill_col = _C_MAP + self._color
        if state == _LIVE:
            if self._low and fill > 0:
                self._mark = fill - 1
                self._mark_col = col if t % 1000 < 500 else _C_OFF
                return 500
            return 0
        if state == _FULL:
            if fill > 0 and t % 2000 >= 1750:
                self._mark = fill - 1
            return 250
        n = self.segments
        self._mark = fill if fill < n else n - 1
        if state == _REGEN:
            self._mark_col = _C_REGEN if t % 500 < 250 else _C_OFF
            return 250
        self._mark_col = _C_CHARGE if t % 2000 < 1000 else _C_OFF
        return 1000

    def _alarm(self, state, t):
        """``_pattern`` of the states that do not show the SOC."""
        self._fill = 0
        self._fill_col = _C_OFF
        if state == _FAULT:
            p = t % 1000
            if p < 100 or 200 <= p < 300:
                self._fill = self.segments
                self._fill_col = _C_FAULT
            return 100
        if state == _LINK_LOST:
            self._mark = 0
            self._mark2 = self.segments - 1
            p = t % 2000
            self._mark_col = _C_LOST if p < 500 and p % 200 < 100 else _C_OFF
            return 100
        if state == _STALE:
            self._mark = 0
            self._mark_col = _C_STALE if t % 2000 < 200 else _C_OFF
            return 200
        return 0  # empty, asleep: dark

    def _paint(self):
        """Write every segment's colour into ``frame``; True when a byte changed."""
        changed = False
        for i in range(self.segments):
            if self._put(i):
                changed = True
        return changed

    def _put(self, i):
        """Segment ``i`` in its colour (GRB); True when its bytes changed."""
        if i == self._mark or i == self._mark2:
            s = 3 * self._mark_col
        else:
            s = 3 * self._fill_col if i < self._fill else 3 * _C_OFF
        j = 3 * (self.segments - 1 - i if self._reverse else i)
        f = self.frame
        rgb = self._rgb
        if f[j] == rgb[s + 1] and f[j + 1] == rgb[s] and f[j + 2] == rgb[s + 2]:
            return False
        f[j] = rgb[s + 1]
        f[j + 1] = rgb[s]
        f[j + 2] = rgb[s + 2]
        return True

    def _follow(self, soc):
        """Move the shown level, colour and low flag towards ``soc``, with hysteresis; True when
        one of them moved (always when starting afresh, without hysteresis)."""
        p = soc // _SOC_PER_STEP
        p = 0 if p < 0 else _STEPS if p > _STEPS else p
        if self._level < 0:
            self._level = self._count(p)
            self._color = 0
            self._move_color(p, 0)
            self._low = p < self._low_at
            return True
        h = self._hyst
        moved = self._move_level(p, h)
        if self._move_color(p, h):
            moved = True
        low = p < self._low_at + h if self._low else p < self._low_at - h
        if low != self._low:
            self._low = low
            moved = True
        return moved

    def _move_level(self, p, h):
        """The level moves up once ``p`` is ``h`` past a segment's edge, down once ``h`` below."""
        level = self._count(p - h)
        if self._level < level:
            self._level = level
            return True
        level = self._count(p + h)
        if self._level > level:
            self._level = level
            return True
        return False

    def _move_color(self, p, h):
        """The colour moves to the last one whose from_pct ``p`` is ``h`` past (down: ``h`` below)."""
        c = self._color
        frm = self._from
        while c < self._last_color and p >= frm[c + 1] + h:
            c += 1
        while c > 0 and p < frm[c] - h:
            c -= 1
        if c == self._color:
            return False
        self._color = c
        return True

    def _count(self, p):
        """Segments lit for ``p`` (0.01 % steps): those whose lower edge ``p`` is above."""
        if p <= 0:
            return 0
        n = self.segments
        k = (p * n + _STEPS - 1) // _STEPS
        return k if k < n else n
