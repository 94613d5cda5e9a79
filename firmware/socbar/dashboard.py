"""What the web dashboard shows, as JSON text, built only while a request is answered.

The bar on the page is the renderer's own output: a second ``BarRenderer``
on the same configuration is set to where the App's one stands (state, its
start, the level, colour and low flag it settled on with hysteresis) and
drawn for one ``CYCLE_MS`` cycle in ``STEP_MS`` steps, so the page blinks
exactly as the LEDs do; a response starts the cycle at the App's own phase.
The cycle is kept until the state or the level changes, so answering a
request rarely draws at all (40 renders cost tens of ms on the RP2040). Colours go out
with the ``bar.brightness`` scaling undone, so a dim setting for the LEDs
still reads on a screen, while stale's quarter-brightness white stays dim.

Values are hidden in the same states as on the display page
(``App.page``): the SOC only while the bar shows it, and the Reading is
empty once the link is lost or the BMS sleeps; then the link quality (a
share of the last frames) is hidden too, since no frame is coming. In the
stale state the values are those of the last frames, so ``old`` is set and
``age_ms`` says how old. Numbers stay in the Reading's fixed-point units; the page divides.

Nothing here runs in the decode path: it allocates freely.
"""

import json

from .bar import BarRenderer
from .compat import const, ticks_add, ticks_diff
from .fields import F_CELL_MAX, F_CELL_MIN, F_CURRENT, F_TEMPS, F_VOLTAGE, NO_SENSOR
from .states import ASLEEP, EMPTY, LINK_LOST, REGEN, STALE, STATE_NAMES

STEP_MS = const(50)  # every blink edge of bar.py falls on a multiple of this
CYCLE_MS = const(2000)  # every pattern of bar.py repeats within this


def _colour(frame, i, scale):
    """Segment ``i`` of a GRB frame as "#rrggbb", brightness undone by ``scale`` (255 = none)."""
    g = frame[3 * i]
    r = frame[3 * i + 1]
    b = frame[3 * i + 2]
    if scale < 255:
        r = min(255, r * 255 // scale)
        g = min(255, g * 255 // scale)
        b = min(255, b * 255 // scale)
    return "#%02x%02x%02x" % (r, g, b)


class Dashboard:
    """The dashboard's data for one App: ``json(now)`` is the body of the JSON endpoint."""

    def __init__(self, app, cfg):
        self.app = app
        bar = cfg["bar"]
        self._shadow = BarRenderer(cfg)
        self._scale = 255 if bar["leds"] == "gpio" or bar["brightness"] == 0 else bar["brightness"]
        self._reverse = bar["reverse"]
        self._key = None  # what the cached cycle was drawn for
        self._colours = []
        self._steps = []

    def _cycle(self):
        """(colour lists, which one at each ``STEP_MS`` step) for one cycle from the state's start.

        Drawn again only when what the bar depends on changed: the state, or the level, colour
        or low flag the App's renderer settled on; so a request usually draws nothing."""
        bar = self.app.bar
        key = (bar._state if bar._state >= 0 else ASLEEP, bar._level, bar._color, bar._low)
        if key != self._key:
            s = self._shadow
            # The App's renderer is copied, not driven: drawing ahead must not move its clock.
            s._state, s._level, s._color, s._low = key
            s._t0 = s._until = bar._t0  # every step drawn in full: its frame is not yet this cycle's
            frames = []
            steps = []
            for k in range(CYCLE_MS // STEP_MS):
                s.render(key[0], self.app.bms.soc, ticks_add(bar._t0, k * STEP_MS))
                frame = bytes(s.frame)
                if frame not in frames:
                    frames.append(frame)
                steps.append(frames.index(frame))
            n = s.segments
            self._colours = [[_colour(f, n - 1 - i if self._reverse else i, self._scale) for i in range(n)]
                             for f in frames]
            self._steps = steps
            self._key = key
        return self._colours, self._steps

    def timeline(self, now):
        """[[colours of segments 0 (bottom) .. n-1], ms] runs covering ``CYCLE_MS`` from ``now``."""
        colours, steps = self._cycle()
        n = len(steps)
        j = ticks_diff(now, self.app.bar._t0) % CYCLE_MS // STEP_MS
        runs = []
        for k in range(n):
            seg = colours[steps[(j + k) % n]]
            if runs and runs[-1][0] is seg:
                runs[-1][1] += STEP_MS
            else:
                runs.append([seg, STEP_MS])
        return runs

    def data(self, now):
        """Everything the page shows, as a dict of JSON values."""
        app = self.app
        r = app.bms.reading
        bms = app.bms
        state = app.state
        have = r.have
        dec = app.line.decoder
        shows_soc = state <= REGEN or state == EMPTY
        temps = []
        for i in range(len(r.temps)):
            t = r.temps[i]
            temps.append(t if have & F_TEMPS and t != NO_SENSOR else None)
        return {
            "state": STATE_NAMES[state],
            "old": state == STALE,
            "soc": bms.soc if shows_soc else None,
            "voltage_mv": r.voltage_mv if have & F_VOLTAGE else None,
            "current_ma": r.current_ma if have & F_CURRENT else None,
            "temps_dc": temps,
            "cell_min_mv": r.cell_min_mv if have & F_CELL_MIN else None,
            "cell_max_mv": r.cell_max_mv if have & F_CELL_MAX else None,
            "quality": None if state == LINK_LOST or state == ASLEEP else bms.quality,
            "age_ms": bms.age_ms if bms.age_ms >= 0 else None,
            "format": dec.name if dec is not None else None,
            "good": dec.good if dec is not None else 0,
            "bad": dec.bad if dec is not None else 0,
            "skipped": dec.skipped if dec is not None else 0,
            "baud": app.line.baud,
            "errors": app.console.errors,
            "ignition": app.ignition_out,
            "bar": self.timeline(now),
        }

    def json(self, now):
        return json.dumps(self.data(now))
