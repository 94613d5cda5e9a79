"""What the user must be told about the BMS: the display states of protocol.md section 6.

The states are small ints so the renderer and the loop compare them without
allocating; ``STATE_NAMES[state]`` is the word the console, the display page
and the PC tools use.
"""

from .compat import const, ticks_diff
from .reading import F_AH, F_SOC, F_VOLTAGE, SOC_FULL, ST_CHARGING, ST_FAULT, ST_FULL, ST_REGEN
from .soc import OCV_MV, soc_from_ah, soc_from_voltage

LIVE = const(0)
CHARGING = const(1)
FULL = const(2)
REGEN = const(3)
FAULT = const(4)
EMPTY = const(5)
ASLEEP = const(6)
LINK_LOST = const(7)
STALE = const(8)

STATE_NAMES = ("live", "charging", "full", "regen", "fault", "empty", "asleep", "link_lost", "stale")

_QUALITY_WINDOW = const(24)  # frame outcomes remembered; a 24-bit ring stays a small int
_RING_MASK = const(0xFFFFFF)

_SOURCES = ("bms", "ah", "voltage")


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

    Silence with the ignition off is sleep: a sleeping BMS is silent
    (protocol.md section 3). With the passthrough disabled
    (``ignition.enabled`` false) the firmware cannot know the key, so silence
    is taken as sleep too: blank, as a sleeping BMS's own indicator is. Bad
    frames that keep arriving without a good one are a lost link whatever the
    key says, since something is talking. When the link is lost or the BMS
    falls asleep the Reading is cleared, so an old SOC cannot come back.
    """

    def __init__(self, reading, cfg):
        timing = cfg["timing"]
        period = timing["period_ms"]
        self._stale_ms = period * timing["stale_periods"]
        self._lost_ms = period * timing["lost_periods"]
        soc = cfg["soc"]
        self._source = _SOURCES.index(soc["source"])
        self._soc_flag = (F_SOC, F_AH, F_VOLTAGE)[self._source]
        self._capacity = soc["capacity_mah"]
        self._cells = soc["cells"]
        self._table = OCV_MV[soc["chemistry"]]
        self._key_known = cfg["ignition"]["enabled"]
        self.reading = reading
        self.ignition = False
        self.state = ASLEEP
        self.soc = 0  # the SOC to show, 0.000001 % units
        self.quality = 0  # % of good frames among the last ones
        self._ring = 0
        self._outcomes = 0
        self._started = False
        self._linked = False  # a good frame since the last loss
        self._soc_known = False
        self._last_good = 0
        self._last_soc = 0
        self._last_bad = 0
        self._bad_run = 0  # bad frames since the last good one
        self._key_was = False
        self._key_on_at = 0
        self._key_settled = False  # the key has been on for the lost time
        self._boot_at = 0
        self._settled = False  # the lost time has passed since boot

    def set_ignition(self, on):
        self.ignition = on

    def on_frame(self, flags, now):
        """One or more good frames arrived; ``flags`` says what they carried."""
        self._linked = True
        self._last_good = now
        self._bad_run = 0
        self._outcome(1)
        if flags & self._soc_flag:
            self._last_soc = now
            self._soc_known = True
            self.soc = self._derive()

    def on_bad_frame(self, now):
        self._last_bad = now
        self._bad_run += 1
        self._outcome(0)

    def _outcome(self, good):
        self._ring = ((self._ring << 1) | good) & _RING_MASK
        if self._outcomes < _QUALITY_WINDOW:
            self._outcomes += 1
        ring = self._ring
        ones = 0
        while ring:
            ones += ring & 1
            ring >>= 1
        self.quality = ones * 100 // self._outcomes

    def _derive(self):
        r = self.reading
        if self._source == 0:
            soc = r.soc
            return 0 if soc < 0 else SOC_FULL if soc > SOC_FULL else soc
        if self._source == 1:
            return soc_from_ah(r.ah_used_mah, self._capacity)
        return soc_from_voltage(r.voltage_mv, self._cells, self._table)

    def update(self, now):
        """The display state at ``now``; also kept in ``state``."""
        lost = self._lost_ms
        if not self._started:
            self._started = True
            self._boot_at = now
        # Flags rather than old ticks, so that an hours-old start cannot wrap around.
        if not self._settled and ticks_diff(now, self._boot_at) >= lost:
            self._settled = True
        key = self.ignition and self._key_known
        if key and not self._key_was:
            self._key_on_at = now
            self._key_settled = False
        if key and not self._key_settled and ticks_diff(now, self._key_on_at) >= lost:
            self._key_settled = True
        self._key_was = key
        if self._linked and ticks_diff(now, self._last_good) >= lost:
            self._forget()
        if not self._linked:
            self.state = self._silent(now, key)
            return self.state
        fresh = ticks_diff(now, self._last_good) < self._stale_ms
        r = self.reading
        if fresh and r.status == ST_FAULT:
            state = FAULT
        elif not self._soc_known or ticks_diff(now, self._last_soc) >= self._stale_ms:
            state = STALE
        elif self.soc <= 0:
            state = EMPTY
        elif r.status == ST_CHARGING:
            state = CHARGING
        elif r.status == ST_FULL:
            state = FULL
        elif r.status == ST_REGEN:
            state = REGEN
        else:
            state = LIVE
        self.state = state
        return state

    def _silent(self, now, key):
        """No good frame for the lost time (or ever): link lost, or asleep."""
        if not self._settled:
            return ASLEEP  # just booted: give the BMS its first periods
        if self._bad_run:
            if ticks_diff(now, self._last_bad) < self._lost_ms:
                return LINK_LOST  # something talks, nothing decodes
            self._bad_run = 0  # the talk stopped: plain silence from here on
        if key and self._key_settled:
            return LINK_LOST
        return ASLEEP

    def _forget(self):
        self._linked = False
        self._soc_known = False
        self.soc = 0
        self.reading.clear()
