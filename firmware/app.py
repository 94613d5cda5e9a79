"""The superloop: hardware adapters at the edges, the pure core in between.

``App`` imports no hardware module. ``main.py`` hands it the board's
adapters, the host tests hand it fakes and ``make sim`` hands it a simulated
BMS line, so the same object runs everywhere. Adapters:

- ``uart``: ``readinto(buf) -> n`` (never blocks), ``write(buf, n)``, ``set_baud(baud)``
- ``leds``: ``write(frame)``; ``False`` means busy (the frame is sent again next pass)
- ``ignition``: ``read() -> bool`` (key input active), ``drive(on)`` (BMS ignition output)
- ``clock()``: now in ticks_ms units; ``watchdog.feed()``; ``display.show(lines)``;
  ``status_led.set(on)``; ``sleeper.sleep(ms)`` (one bounded low-power slice)

One ``step()`` reads what the UART holds, decodes it, updates the display
state, redraws the bar and writes the LEDs only when the frame changed,
refreshes the display page at its own slow rate, blinks the status LED and
feeds the watchdog, but only when every stage of the pass went well. Each
stage runs in its own ``try``, so a failing display cannot stop the bar; a
hang stops the feeding and the watchdog resets the board.

``ignition_tick(now)`` is the passthrough. On the board it runs from a timer
every few ms (and a pin interrupt), so the output follows the key within the
debounce plus one timer period however long a pass takes; ``main.py`` then
clears ``tick_in_step``. Without a timer (host tests, the simulator) it runs
at the top of every step.

Input modes (config ``input``): ``listen`` never writes a byte; the format is
configured or detected. ``poll`` reads the Tiny BMS protocol: every
``poll_period_ms``, only while the BMS ignition output is on, it asks for
SOC, status, voltage, current and temperatures one at a time, each after
the previous reply or ``REPLY_MS``; an unanswered first request of a round
is sent again once (the wake rule: a sleeping BMS only wakes on it). With
``baud: "auto"`` in listen mode the line rate flips between 115200 and 9600
after ``JUNK_BYTES`` bytes, or any bytes over the link-lost time, with no
good frame.

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
from socbar.bar import BarRenderer
from socbar.compat import const, ticks_add, ticks_diff
from socbar.ignition import IgnitionFilter
from socbar.reading import (
    CA_BRAKE,
    CA_THROTTLE_FAULT,
    F_CA_FLAGS,
    F_CURRENT,
    F_STATUS,
    F_TEMPS,
    F_VOLTAGE,
    NO_SENSOR,
    STATUS_NAMES,
    Reading,
)
from socbar.state import ASLEEP, EMPTY, REGEN, STATE_NAMES, BmsState
from socbar.tinybms import TinyBmsDecoder, request

RX_BYTES = const(256)  # read per pass; the UART's own ring holds what arrives meanwhile
REPLY_MS = const(100)  # a poll request unanswered this long is given up
JUNK_BYTES = const(256)  # bytes without a good frame before the line rate flips
POLL_COMMANDS = b"\x1a\x18\x14\x15\x1b"  # SOC, status, voltage, current, temperatures
STAGES = ("input", "state", "leds", "display", "status", "ignition")


def _decoder(name, reading, config):
    """The decoder for a format name; the optional ones are imported only when used."""
    if name == "cav3":
        from socbar.cav3 import CaV3Decoder

        return CaV3Decoder(reading, config["cav3"]["columns"])
    if name == "custom":
        from socbar.custom import CustomDecoder

        return CustomDecoder(reading, config["custom"])
    return TinyBmsDecoder(reading)


def _fixed(value, scale, decimals):
    """A fixed-point int as text with ``decimals`` digits: _fixed(-8250, 1000, 2) -> "-8.25"."""
    sign = "-" if value < 0 else ""
    value = -value if value < 0 else value
    div = scale // 10**decimals
    return "%s%d.%0*d" % (sign, value // scale, decimals, value % scale // div)


class App:
    def __init__(self, config, board, uart, leds, ignition, clock, watchdog=None, display=None,
                 status_led=None, sleeper=None, log=print, messages=()):
        self.config = config
        self.board = board
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
        self.reading = Reading()
        self.bms = BmsState(self.reading, config)
        self.bar = BarRenderer(config)
        self.ign = IgnitionFilter(config)
        self.state = ASLEEP
        self.sleeping = False
        self.sleeps = 0  # times low power was entered
        self.baud_switches = 0
        self.requests_sent = 0
        # main.py clears this once a timer runs ignition_tick, so the two never interleave.
        self.tick_in_step = True

        messages = list(messages)
        inp = config["input"]
        self.poll = inp["mode"] == "poll"
        self._ign_on = config["ignition"]["enabled"] and ignition is not None
        self._button = self._ign_on and config["ignition"]["show_s"] > 0
        fmt = inp["format"]
        baud = inp["baud"]
        if self.poll:
            if fmt not in ("auto", "tinybms"):
                messages.append('input.format: "%s" cannot be polled; poll mode reads the Tiny BMS '
                                "protocol" % fmt)
            fmt = "tinybms"
            if baud != 115200:
                if baud != "auto":
                    messages.append("input.baud: %s; the Tiny BMS polls at 115200, which is used" % baud)
                baud = 115200
            if not self._ign_on:
                messages.append("input.mode: poll asks only while the ignition is on, and the "
                                "ignition passthrough is off: nothing will be polled")
        self._auto_baud = baud == "auto"
        self.baud = 115200 if self._auto_baud else baud
        uart.set_baud(self.baud)

        self.decoder = None
        self._candidates = ()
        self._detector = None
        if fmt == "auto":
            from socbar.detect import Detector

            self._candidates = tuple(_decoder(name, self.reading, config)
                                     for name in ("tinybms", "custom", "cav3"))
            self._detector = Detector(self._candidates)
        else:
            self.decoder = _decoder(fmt, self.reading, config)
            self._soc_source(self.decoder)
        self._rx = bytearray(RX_BYTES)
        self._heard = 0  # bytes read this pass
        self._good = 0  # good frames seen so far (of every candidate while detecting)
        self._bad = 0
        self._junk = 0  # bytes since the last good frame or line-rate switch
        self._junk_since = now
        self._junk_at = now  # when the last of them arrived
        self._lost_ms = config["timing"]["period_ms"] * config["timing"]["lost_periods"]

        self._requests = tuple(bytearray(4) for _ in POLL_COMMANDS)
        for i in range(len(POLL_COMMANDS)):
            request(self._requests[i], POLL_COMMANDS[i])
        self._poll_period = inp["poll_period_ms"]
        self._poll_i = -1  # request of the round awaiting its reply; -1 between rounds
        self._poll_due = now
        self._sent_at = now
        self._sent_good = 0
        self._retried = False

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

    @property
    def errors(self):
        """Exceptions caught in every stage so far."""
        return self.console.errors

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

    # ---- the loop -----------------------------------------------------------

    def run(self):
        while True:
            self.step()

    def step(self):
        """One non-blocking pass of the loop."""
        now = self.clock()
        ok = True
        try:
            if self.tick_in_step:
                self.ignition_tick(now)
        except Exception as exc:
            ok = self._failed(5, exc, now)
        try:
            self._input(now)
        except Exception as exc:  # any stage failure is counted, never fatal
            ok = self._failed(0, exc, now)
        try:
            if self._ign_on:
                self.bms.set_ignition(self.ignition_out)
            self.state = self.bms.update(now)
        except Exception as exc:
            ok = self._failed(1, exc, now)
        try:
            self._leds(now)
        except Exception as exc:
            ok = self._failed(2, exc, now)
        try:
            self._page(now)
        except Exception as exc:
            ok = self._failed(3, exc, now)
        rest = self._can_rest(now)
        try:
            if rest:
                self.console.dark()
            else:
                self.console.led(now)
        except Exception as exc:
            ok = self._failed(4, exc, now)
        if ok and self.watchdog is not None:
            self.watchdog.feed()
        sleeper = self.sleeper
        if rest and sleeper is not None:
            if not self.sleeping:
                self.sleeping = True
                self.sleeps += 1
            if sleeper.sleep(self._slice_ms):
                self._woke = True  # the line came alive: its first bytes were lost asleep
                self._woke_at = self.clock()
        else:
            self.sleeping = False

    def _failed(self, stage, exc, now):
        self.stage_errors[stage] += 1
        self.console.error(STAGES[stage], exc, now)
        return False

    # ---- input --------------------------------------------------------------

    def _input(self, now):
        n = self.uart.readinto(self._rx) or 0
        self._heard = n
        dec = self.decoder
        flags = 0
        detector = self._detector
        if n and detector is not None:
            winner = detector.feed(self._rx, n)
            if winner is not None:
                self._chosen(winner)
                dec = winner
        elif n and dec is not None:
            flags = dec.feed(self._rx, n)
        if dec is not None:
            good = dec.good
            bad = dec.bad
        else:
            good = bad = 0
            for c in self._candidates:
                good += c.good
                bad += c.bad
        if good != self._good:
            self._junk = 0
            if dec is None:
                self._good = good
            while self._good != good:  # one outcome per frame, for the link quality
                self._good += 1
                self.bms.on_frame(flags, now)
        elif n:
            if self._junk and ticks_diff(now, self._junk_at) >= self._lost_ms:
                self._junk = 0  # a stray byte long ago is not a run of garbage
            if self._junk == 0:
                self._junk_since = now
            self._junk += n
            self._junk_at = now
        while self._bad < bad:
            self._bad += 1
            self.bms.on_bad_frame(now)
        if self._auto_baud and self._junk and (
                self._junk >= JUNK_BYTES or ticks_diff(self._junk_at, self._junk_since) >= self._lost_ms):
            self._switch_baud()
        if self.poll and dec is not None:
            self._poll(dec, now)

    def _chosen(self, winner):
        """Detection is over: keep the winner, forget what the candidates wrote."""
        self.decoder = winner
        self._detector = None
        self._candidates = ()
        self.reading.clear()
        self._good = winner.good
        self._bad = winner.bad
        self.console.log("input: %s at %d baud" % (winner.name, self.baud))
        self._soc_source(winner)

    def _soc_source(self, dec):
        """A Cycle Analyst sends no SOC: derive it from the pack voltage unless told otherwise."""
        if dec.name == "cav3" and self.config["soc"]["source"] == "bms":
            self.bms.set_source("voltage")
            self.console.log("soc.source: the Cycle Analyst sends no SOC; using the pack voltage "
                             "(set soc.source to \"ah\" or \"voltage\" to choose)")

    def _switch_baud(self):
        self.baud = 9600 if self.baud == 115200 else 115200
        self.uart.set_baud(self.baud)
        self.baud_switches += 1
        self._junk = 0
        detector = self._detector
        if detector is not None:
            detector.restart()
        elif self.decoder is not None:
            self.decoder.reset()

    def _poll(self, dec, now):
        """Send the next read request of the round when it is due; see the module docstring."""
        if not self.ignition_out:
            self._poll_i = -1
            self._poll_due = now  # key on again: ask at once
            return
        i = self._poll_i
        if i < 0:
            if ticks_diff(now, self._poll_due) < 0:
                return
            self._poll_due = ticks_add(now, self._poll_period)
            self._retried = False
            self._send(dec, 0, now)
            return
        answered = dec.good + dec.bad
        if answered != self._sent_good:
            i += 1
        elif ticks_diff(now, self._sent_at) >= REPLY_MS:
            if i == 0 and not self._retried:
                self._retried = True  # the wake rule: the first request only woke the BMS
            else:
                i += 1
        else:
            return
        if i < len(POLL_COMMANDS):
            self._send(dec, i, now)
        else:
            self._poll_i = -1

    def _send(self, dec, i, now):
        self._poll_i = i
        self._sent_at = now
        self._sent_good = dec.good + dec.bad
        self.uart.write(self._requests[i], 4)
        self.requests_sent += 1

    # ---- output -------------------------------------------------------------

    def _leds(self, now):
        state = self.state
        if self._button and not self.ign.showing(now):
            state = ASLEEP  # "press to show": dark until the button is pressed
        if self.bar.render(state, self.bms.soc, now):
            self._dirty = True
        if self._dirty and self.leds.write(self.bar.frame) is not False:
            self._dirty = False

    def _page(self, now):
        if self.display is None or ticks_diff(now, self._page_due) < 0:
            return
        self._page_due = ticks_add(now, self._page_ms)
        self.display.show(self.page())

    def page(self):
        """The display page as lines of at most 16 characters."""
        r = self.reading
        state = self.state
        shows_soc = state <= REGEN or state == EMPTY
        lines = ["SOC %s%%" % _fixed(self.bms.soc, 1000000, 1) if shows_soc else "SOC --"]
        volts = _fixed(r.voltage_mv, 1000, 2) + "V" if r.have & F_VOLTAGE else "--V"
        amps = _fixed(r.current_ma, 1000, 2) + "A" if r.have & F_CURRENT else "--A"
        lines.append(volts + " " + amps)
        temps = "T"
        for i in range(3):
            t = r.temps[i]
            temps += " --" if t == NO_SENSOR or not r.have & F_TEMPS else " " + _fixed(t, 10, 1)
        lines.append(temps + "C")
        lines.append(STATE_NAMES[state])
        lines.append("link %d%%" % self.bms.quality)
        if r.have & F_CA_FLAGS:  # the Cycle Analyst's preset, brake, throttle fault, limit
            lines.append("P%d%s%s%s" % (r.preset, " brk" if r.ca_flags & CA_BRAKE else "",
                                         " THR" if r.ca_flags & CA_THROTTLE_FAULT else "",
                                         " lim" + chr(r.limit) if r.limit else ""))  # <= 16 chars
        elif r.have & F_STATUS and r.status not in STATUS_NAMES:
            lines.append("status 0x%02X ?" % r.status)  # undocumented: shown as a code, never a state
        return lines

    def _can_rest(self, now):
        """Low power is allowed: nothing to show, nothing heard, key and output off, and
        no line activity woke the board within the lost time (it stays up for whole frames)."""
        if self._woke and ticks_diff(now, self._woke_at) >= self._lost_ms:
            self._woke = False
        return (self.sleeper is not None and self.state == ASLEEP and not self._heard
                and not self._woke and not self.ignition_out and not self._ign_raw
                and not self.bar.lit and not self._dirty)
