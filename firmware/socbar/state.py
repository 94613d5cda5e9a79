"""What the user must be told about the BMS: the display states of docs/protocol.md section 6.

``BmsState`` decides the state (a small int, named in socbar/states.py) from
what was heard, when, and the ignition.
"""

from .compat import const, ticks_diff

# socbar/fields.py's constants, as private copies: mpy-cross folds them into the code, so
# they cost no globals entry and no lookup (host_tests/test_pc_constants.py checks them).
_CA_THROTTLE_FAULT = const(0x02)
_F_AH = const(0x0100)
_F_CA_FLAGS = const(0x10000)
_F_CURRENT = const(0x0008)
_F_SOC = const(0x0001)
_F_STATUS = const(0x0002)
_F_VOLTAGE = const(0x0004)
_SOC_FULL = const(100_000_000)
_ST_CHARGING = const(0x91)
_ST_FAULT = const(0x9B)
_ST_FULL = const(0x92)
_ST_REGEN = const(0x96)

# socbar/states.py's states, as private copies (host_tests/test_pc_constants.py checks them).
_LIVE = const(0)
_CHARGING = const(1)
_FULL = const(2)
_REGEN = const(3)
_FAULT = const(4)
_EMPTY = const(5)
_ASLEEP = const(6)
_LINK_LOST = const(7)
_STALE = const(8)

_QUALITY_WINDOW = const(32)  # frame outcomes remembered, in two 16-bit halves: small ints
_HALF_MASK = const(0xFFFF)
# Without a status field (Cycle Analyst data) current into the pack means charging.
# The CA logs amps drawn from the pack as positive, so charge reads negative;
# less than this much is taken as the sensor's zero offset.
_CHARGE_MA = const(100)

_SOURCES = ("bms", "ah", "voltage")


def _ones(half):
    """The number of bits set in a 16-bit half of the window."""
    half -= (half >> 1) & 0x5555
    half = (half & 0x3333) + ((half >> 2) & 0x3333)
    half = (half + (half >> 4)) & 0x0F0F
    return (half + (half >> 8)) & 0x1F


class BmsState:
    """Decides the display state from what was heard, when, and the ignition.

    Three clocks matter, all compared through ``ticks_diff``:

    - the last good frame of any kind: the link is alive while it is younger
      than ``lost_periods`` broadcast periods;
    - the last frame that carried the SOC being shown: younger than
      ``stale_periods`` periods, the SOC is live; older, it is stale and never
      drawn as if live;
    - when the ignition went on: a BMS needs a moment to wake, so silence
      counts as a lost link only once the key has been on for the lost time.

    A status (charging, full, regen, fault) counts only while it is younger
    than the stale time too. In poll mode the period is the poll period when
    that is longer, since data comes no faster than it is asked for.

    A Cycle Analyst's throttle fault flag (Flgs ``X``) is a fault like the
    BMS's fault status, and ages the same way.

    ``quality`` is the share of good frames among the last 32 outcomes. A
    frame that should have come and did not is an outcome too: while linked,
    every whole period of silence after the first two counts as one missed
    frame, and when the link is lost the window is emptied, so the quality
    reads 0 % until frames come back.

    Data without a status field (a Cycle Analyst stream) shows charging while
    0.1 A or more flows into the pack (negative amps in the CA's sign),
    regen braking included, since the stream cannot tell the two apart.

    Silence with the ignition off is sleep: a sleeping BMS is silent
    (docs/protocol.md section 3). With the passthrough disabled
    (``ignition.enabled`` false) the firmware cannot know the key, so silence
    is taken as sleep too: blank, as a sleeping BMS's own indicator is. Bad
    frames that keep arriving without a good one are a lost link whatever the
    key says, since something is talking. When the link is lost or the BMS
    falls asleep the Reading is cleared, so an old SOC cannot come back.
    """

    def __init__(self, reading, cfg):
        timing = cfg["timing"]
        period = timing["period_ms"]
        inp = cfg["input"]
        if inp["mode"] == "poll" and inp["poll_period_ms"] > period:
            period = inp["poll_period_ms"]  # polled data comes no faster than it is asked for
        self._period = period
        self._stale_ms = period * timing["stale_periods"]
        self._lost_ms = period * timing["lost_periods"]
        soc = cfg["soc"]
        self._soc_module = None  # socbar.soc, for a SOC derived from amp-hours or volts
        self.set_source(soc["source"])
        self._capacity = soc["capacity_mah"]
        self._cells = soc["cells"]
        self._chemistry = soc["chemistry"]
        self._key_known = cfg["ignition"]["enabled"]
        self.reading = reading
        self.ignition = False
        self.state = _ASLEEP
        self.soc = 0  # the SOC to show, 0.000001 % units
        self.quality = 0  # % of good frames among the last ones
        self.age_ms = -1  # since the last good frame; -1 when none since the last loss
        self._ring_hi = 0  # outcomes 16..31 ago, bit 15 the oldest
        self._ring_lo = 0  # the last 16 outcomes, bit 0 the newest
        self._outcomes_seen = 0
        self._started = False
        self._linked = False  # a good frame since the last loss
        self._soc_known = False
        self._status_known = False
        self._last_good = 0
        self._missed = 0  # periods of silence since the last good frame counted as missed
        self._last_soc = 0
        self._last_status = 0
        self._last_bad = 0
        self._bad_only = False  # a bad frame came after the last good one
        self._key_was = False
        self._key_on_at = 0
        self._key_settled = False  # the key has been on for the lost time
        self._boot_at = 0
        self._settled = False  # the lost time has passed since boot

    def set_source(self, name):
        """Where the SOC comes from: "bms", "ah" or "voltage" (soc.source)."""
        self._source = _SOURCES.index(name)
        self._soc_flag = (_F_SOC, _F_AH, _F_VOLTAGE)[self._source]
        if self._source:  # data without a SOC of its own: only then is socbar.soc loaded
            from . import soc

            self._soc_module = soc

    def heard(self, good, bad, flags, now):
        """What one pass of the loop brought: ``good`` frames that carried ``flags`` between
        them, then ``bad`` ones. One call per pass, however many frames."""
        if good:
            self._linked = True
            self._last_good = now
            self._missed = 0
            self._bad_only = False
            if (self._outcomes_seen < _QUALITY_WINDOW or self._ring_lo != _HALF_MASK
                    or self._ring_hi != _HALF_MASK):  # a window of good outcomes only stays so
                self._outcomes(1, good)
            if flags & self._soc_flag:
                self._last_soc = now
                self._soc_known = True
                if self._source:
                    self.soc = self._modelled()
                else:  # the BMS's own SOC, kept within 0..100 %
                    soc = self.reading.soc
                    self.soc = 0 if soc < 0 else _SOC_FULL if soc > _SOC_FULL else soc
            if flags & (_F_STATUS | _F_CA_FLAGS):
                self._last_status = now
                self._status_known = True
        if bad:
            self._last_bad = now
            self._bad_only = True
            self._outcomes(0, bad)

    def _outcomes(self, good, count):
        """Shift ``count`` outcomes (1 good, 0 bad) into the window and update the quality:
        one shift of both halves, whatever the count, so a pass of many frames costs no loop."""
        if count > _QUALITY_WINDOW:
            count = _QUALITY_WINDOW
        fill = _HALF_MASK if good else 0  # the outcomes shifted in, as many as ``count``
        lo = self._ring_lo
        if count >= 16:
            hi = ((lo << (count - 16)) | (fill >> (_QUALITY_WINDOW - count))) & _HALF_MASK
            lo = fill
        else:
            hi = ((self._ring_hi << count) | (lo >> (16 - count))) & _HALF_MASK
            lo = ((lo << count) | (fill >> (16 - count))) & _HALF_MASK
        self._ring_hi = hi
        self._ring_lo = lo
        seen = self._outcomes_seen + count
        if seen > _QUALITY_WINDOW:
            seen = _QUALITY_WINDOW
        self._outcomes_seen = seen
        self.quality = (_ones(hi) + _ones(lo)) * 100 // seen

    def _modelled(self):
        """The SOC from the amp-hours used or the pack voltage (soc.source "ah" or "voltage")."""
        r = self.reading
        models = self._soc_module  # socbar.soc: set_source loads it for these two sources
        if self._source == 1:
            return models.soc_from_ah(r.ah_used_mah, self._capacity)  # pyright: ignore
        return models.soc_from_voltage(r.voltage_mv, self._cells, self._chemistry)  # pyright: ignore

    def update(self, now):
        """The display state at ``now``; also kept in ``state``."""
        lost = self._lost_ms
        # Flags rather than old ticks, so that an hours-old start cannot wrap around.
        if not self._settled:
            if not self._started:
                self._started = True
                self._boot_at = now
            if ticks_diff(now, self._boot_at) >= lost:
                self._settled = True
        key = self.ignition and self._key_known
        if key != self._key_was:
            self._key_was = key
            if key:
                self._key_on_at = now
                self._key_settled = False
        if key and not self._key_settled and ticks_diff(now, self._key_on_at) >= lost:
            self._key_settled = True
        if self._linked:
            age = ticks_diff(now, self._last_good)
            if age < lost:
                self.age_ms = age
                if age >= 2 * self._period:
                    self._count_missed(age)
                self.state = self._judge(now)
                return self.state
            self._forget()
        self.age_ms = -1
        self.state = self._silent(now, key)
        return self.state

    def _judge(self, now):
        """The state of a live link from what the Reading holds and how old it is. A SOC or a
        status older than the stale time is forgotten first: flags, so the tick wrap cannot make
        them fresh again."""
        stale = self._stale_ms
        if self._soc_known and ticks_diff(now, self._last_soc) >= stale:
            self._soc_known = False
        if self._status_known and ticks_diff(now, self._last_status) >= stale:
            self._status_known = False  # an old status decides nothing
        r = self.reading
        status = r.status if self._status_known else 0
        if status == _ST_FAULT or (self._status_known and r.have & _F_CA_FLAGS
                                  and r.ca_flags & _CA_THROTTLE_FAULT):
            return _FAULT
        if not self._soc_known:
            return _STALE
        if self.soc <= 0:
            return _EMPTY
        if status == _ST_CHARGING or (
                not (r.have & _F_STATUS) and r.have & _F_CURRENT and r.current_ma <= -_CHARGE_MA):
            return _CHARGING
        if status == _ST_FULL:
            return _FULL
        if status == _ST_REGEN:
            return _REGEN
        return _LIVE

    def _silent(self, now, key):
        """No good frame for the lost time (or ever): link lost, or asleep."""
        if not self._settled:
            return _ASLEEP  # just booted: give the BMS its first periods
        if self._bad_only:
            if ticks_diff(now, self._last_bad) < self._lost_ms:
                return _LINK_LOST  # something talks, nothing decodes
            self._bad_only = False  # the talk stopped: plain silence from here on
        if key and self._key_settled:
            return _LINK_LOST
        return _ASLEEP

    def _count_missed(self, silent):
        """One missed frame per whole period of ``silent`` ms after the first two (jitter)."""
        period = self._period
        while silent >= (self._missed + 2) * period:  # fewer than lost_periods turns
            self._missed += 1
            self._outcomes(0, 1)

    def _forget(self):
        self._ring_hi = 0
        self._ring_lo = 0
        self._outcomes_seen = 0
        self.quality = 0
        self._linked = False
        self._soc_known = False
        self._status_known = False
        self.soc = 0
        self.reading.clear()
