"""The superloop: hardware adapters at the edges, the pure core in between.

``App`` imports no hardware module. ``main.py`` hands it the board's
adapters, the host tests hand it fakes and ``make sim`` hands it a simulated
BMS line, so the same object runs everywhere. Adapters:

- ``uart``: ``readinto(buf) -> n`` (never blocks), ``write(buf, n)``, ``set_baud(baud)``,
  and for ``run`` only ``wait(ms, early)`` (``early``: return as soon as a byte is there)
- ``leds``: ``write(frame)``; ``False`` means busy (the frame is sent again next pass)
- ``ignition``: ``read() -> bool`` (key input active), ``drive(on)`` (BMS ignition output)
- ``clock()``: now in ticks_ms units; ``watchdog.feed()``; ``display.show(lines)``;
  ``status_led.set(on)``; ``sleeper.sleep(ms)`` (one bounded low-power slice; True when
  line activity woke it)
- ``web``: ``attach(app, config)`` once, ``poll(now)`` once a pass, in its own stage (the dashboard server)

One ``step()`` lets the ``Line`` (line.py) read and decode what the UART
holds, updates the display state, redraws the bar and writes the LEDs only
when the frame changed, refreshes the display page at its own slow rate,
blinks the status LED and feeds the watchdog, but only when every stage of
the pass went well. Each stage runs in its own ``try``, so a failing display
cannot stop the bar; a hang stops the feeding and the watchdog resets the
board.

``run()`` waits between passes instead of spinning, and says how long in
``wait_ms``: not at all after a full read (a backlog), ``RX_GAP_MS`` after a
pass that heard bytes (so more of them gather for the next pass, and a
frame's last byte reaches the LEDs within about 6 ms on an RP2040), and up to ``IDLE_MS``
(sooner when a poll request falls due) when the line was quiet, returning
at the first byte.

``ignition_tick(now)`` is the passthrough. On the board it runs from a timer
every few ms and from a pin interrupt on the key input, so the output follows
the key within the debounce plus a few ms however long a pass takes;
``main.py`` then clears ``tick_in_step``. Without a timer (host tests, the
simulator) it runs at the top of every step.

With ``ignition.show_s`` > 0 the input is a button and the bar stays dark
except while a press asks for it (``IgnitionFilter.showing``).

Low power: while the state is asleep (bar blank, BMS silent) with the key
off and the output off, the status LED goes dark and each pass ends with one
``power.sleep_slice_ms`` slice of ``sleeper.sleep``; the next pass sees UART
bytes or the key and stays awake. Bytes that arrive during a slice are lost
on the RP2040, so when ``sleeper.sleep`` reports line activity the loop
stays awake for the link-lost time, long enough to hear whole frames.

Nothing here allocates in a steady-state pass; the display page (text) is
built only at its refresh rate.
"""

from array import array

from console import Console
from line import Line
from socbar.bar import BarRenderer
from socbar.compat import const, ticks_add, ticks_diff
from socbar.ignition import IgnitionFilter
from socbar.reading import Reading
from socbar.state import BmsState

try:
    import micropython
except ImportError:  # CPython
    from socbar.compat import micropython

# Constants of line.py and socbar/states.py, as private copies: mpy-cross folds them into the
# code, so they cost no globals entry and no lookup (host_tests/test_pc_constants.py checks them).
_RX_BYTES = const(256)
_ASLEEP = const(6)

STAGES = ("input", "state", "leds", "display", "status", "ignition", "web")
RX_GAP_MS = const(4)  # after a pass that heard bytes: let the next ones gather
IDLE_MS = const(20)  # the longest wait on a quiet line: blink patterns step at this pace


class App:
    def __init__(self, config, uart, leds, ignition, clock, watchdog=None, display=None,
                 status_led=None, sleeper=None, log=print, messages=(), web=None):
        self.uart = uart
        self.leds = leds
        self.ignition = ignition
        self.clock = clock
        self.watchdog = watchdog
        self.display = display if config["display"]["enabled"] else None
        self.sleeper = sleeper if config["power"]["sleep"] else None
        now = clock()
        self.console = Console(log, status_led, now)
        self.stage_errors = array("H", bytes(2 * len(STAGES)))
        self.bms = BmsState(Reading(), config)
        self.bar = BarRenderer(config)
        self.ign = IgnitionFilter(config)
        self.state = _ASLEEP
        self.sleeping = False
        self.sleeps = 0  # times low power was entered
        self.wait_ms = 0  # how long run() waits after this pass
        # main.py clears this once a timer runs ignition_tick, so the two never interleave.
        self.tick_in_step = True

        self._ign_on = config["ignition"]["enabled"] and ignition is not None
        self._button = self._ign_on and config["ignition"]["show_s"] > 0
        self.line = Line(config, uart, self.bms, self.console, now)
        # The methods every pass calls, bound once: a method looked up on an instance misses
        # the instance's attributes first, which costs more than the call.
        self._service = self.line.service
        self._update = self.bms.update
        self._render = self.bar.render
        self._led = self.console.led
        self._lost_ms = config["timing"]["period_ms"] * config["timing"]["lost_periods"]
        self._dirty = True  # whatever the LEDs show at start (a reset, power-up noise) is cleared
        self._page_ms = config["display"]["refresh_ms"]
        self._page_due = now
        self._slice_ms = config["power"]["sleep_slice_ms"]
        self._woke = False  # line activity ended a low-power slice ...
        self._woke_at = now  # ... at this tick

        # main.py made the output follow the input before anything else: start
        # from that belief, and drive whenever the filter's output differs.
        self.ignition_out = bool(self._ign_on and ignition is not None and ignition.read())
        self._ign_raw = False
        self.console.config_messages(messages, now)
        self.ignition_tick(now)
        self.web = web  # the dashboard server (webserver.py): one more stage of every pass
        if web is not None:
            web.attach(self, config)

    # ---- the ignition passthrough -------------------------------------------

    def ignition_tick(self, now):
        """Follow the key input with the ignition output; allocation-free, safe in a timer callback."""
        pins = self.ignition if self._ign_on else None
        if pins is None:
            return
        raw = pins.read()
        self._ign_raw = raw
        out = self.ign.update(raw, now)
        if out != self.ignition_out:
            self.ignition_out = out
            pins.drive(out)

    def irq(self, _source):
        """The callback of the board's ignition timer and key interrupt: ``ignition_tick`` now,
        unless the input still reads as the filter settled on. That one pin read is all most
        ticks cost: the timer runs 500 times a second, for as long as the board is awake."""
        if self.ign.settled and self.ignition.read() == self._ign_raw:
            return
        self.ignition_tick(self.clock())

    # ---- the loop -----------------------------------------------------------

    def run(self):
        uart = self.uart
        while True:
            self.step()
            if self.wait_ms:
                uart.wait(self.wait_ms, not self.line.heard)

    @micropython.native
    def step(self):
        """One non-blocking pass of the loop."""
        now = self.clock()
        ok = True
        try:
            if self.tick_in_step:
                self.ignition_tick(now)
        except Exception as exc:
            ok = self._failed(5, exc, now)
        heard = 0
        try:
            heard = self._service(now, self.ignition_out)
        except Exception as exc:  # any stage failure is counted, never fatal
            ok = self._failed(0, exc, now)
        bms = self.bms
        try:
            if self._ign_on:
                bms.ignition = self.ignition_out
            self.state = self._update(now)
        except Exception as exc:
            ok = self._failed(1, exc, now)
        try:
            state = self.state
            if self._button and not self.ign.showing(now):
                state = _ASLEEP  # "press to show": dark until the button is pressed
            if self._render(state, bms.soc, now):
                self._dirty = True
            if self._dirty and self.leds.write(self.bar.frame) is not False:
                self._dirty = False
        except Exception as exc:
            ok = self._failed(2, exc, now)
        display = self.display
        if display is not None:
            try:
                self._page(display, now)
            except Exception as exc:
                ok = self._failed(3, exc, now)
        web = self.web
        if web is not None:
            try:
                web.poll(now)
            except Exception as exc:
                ok = self._failed(6, exc, now)
        rest = self.sleeper is not None and self.state == _ASLEEP and self._can_rest(now)
        try:
            if rest:
                self.console.dark()
            else:
                self._led(now)
        except Exception as exc:
            ok = self._failed(4, exc, now)
        if ok and self.watchdog is not None:
            self.watchdog.feed()
        if rest:
            self._rest()
            return
        self.sleeping = False
        if heard >= _RX_BYTES:
            self.wait_ms = 0
        elif heard:
            self.wait_ms = RX_GAP_MS
        elif self.line.poll:
            due = self.line.due_in(now)
            self.wait_ms = IDLE_MS if due > IDLE_MS else due
        else:
            self.wait_ms = IDLE_MS

    def _rest(self):
        """One low-power slice; line activity that ends it keeps the board awake for a while."""
        if not self.sleeping:
            self.sleeping = True
            self.sleeps += 1
        self.wait_ms = 0
        if self.sleeper.sleep(self._slice_ms):  # pyright: ignore[reportOptionalMemberAccess]
            self._woke = True  # the line came alive: its first bytes were lost asleep
            self._woke_at = self.clock()

    def _failed(self, stage, exc, now):
        self.stage_errors[stage] += 1
        self.console.error(STAGES[stage], exc, now)
        return False

    # ---- output -------------------------------------------------------------

    def _page(self, display, now):
        if ticks_diff(now, self._page_due) < 0:
            return
        self._page_due = ticks_add(now, self._page_ms)
        display.show(self.page())

    def page(self):
        """The display page as lines of at most 16 characters (socbar/page.py)."""
        from socbar.page import lines

        return lines(self.state, self.bms)

    def _can_rest(self, now):
        """Low power is allowed once the state is asleep (``step`` checks that, and the sleeper):
        nothing heard, key and output off, nothing lit, and no line activity woke the board
        within the lost time (it stays up for whole frames)."""
        if self._woke and ticks_diff(now, self._woke_at) >= self._lost_ms:
            self._woke = False
        return (not self.line.heard and not self._woke and not self.ignition_out and not self._ign_raw
                and not self.bar.lit and not self._dirty)
