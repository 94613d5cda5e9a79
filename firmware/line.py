"""The BMS line: what is heard, what is asked, at which rate, in which format.

``Line`` owns the UART adapter's receive buffer, the decoder (or, while the
format is still being detected, the candidate decoders), the line rate and
the poll rounds, and tells the ``BmsState`` what each pass brought: good
frames (with the flags of what they carried) and bad ones. The App calls
``service(now)`` once per pass and knows nothing of formats or requests.

Input modes (config ``input``):

- ``listen`` never writes a byte. The format is configured, or detected by
  running every candidate decoder on the same bytes, each into a Reading of
  its own (with the rate detected too, only the formats of the current
  rate); the first to decode a frame it can vouch for (socbar.detect) wins,
  its Reading becomes the one shown and that very frame reaches the state
  at once, so the bar lights on the first broadcast after power-up. What
  the losers decoded is dropped with them. A lone Tiny BMS candidate (the
  default at 115200), whose first CRC-valid frame wins, is fed without a
  Detector, into the Reading shown.
- ``poll`` speaks the Tiny BMS protocol: a ``Poller`` (poll.py) asks for SOC,
  status, voltage, current and temperatures in rounds, only while the BMS
  ignition output is on.

With ``baud: "auto"`` in listen mode the line rate flips between 115200 and
9600 after 256 bytes, or any bytes over the link-lost time, with
no good frame.

Nothing here allocates in a steady-state pass.
"""

# The decoders' viper feed takes the receive buffer as ptr8; the stubs cannot say so.
# pyright: reportArgumentType=false

from socbar.compat import const, ticks_diff
from socbar.reading import Reading
from socbar.tinybms import TinyBmsDecoder

RX_BYTES = const(256)  # read per pass; the UART's own ring holds what arrives meanwhile
_JUNK_BYTES = const(256)  # bytes without a good frame before the line rate flips


def _decoder(name, reading, config):
    """The decoder for a format name; the optional ones are imported only when used."""
    if name == "cav3":
        from socbar.cav3 import CaV3Decoder

        return CaV3Decoder(reading, config["cav3"]["columns"])
    if name == "custom":
        from socbar.custom import CustomDecoder

        return CustomDecoder(reading, config["custom"])
    return TinyBmsDecoder(reading)


def _detectable(config, baud):
    """The formats auto-detection tries at ``baud`` (None: the rate is configured, any format).

    With the rate detected too, each format is tried only at its own rate: the Tiny BMS speaks
    115200 and nothing else, a Cycle Analyst 9600 (docs/protocol.md), so a Tiny BMS never makes
    the board load the Cycle Analyst decoder. A custom description of an 8-byte ``AA 1A`` frame
    with CRC-16/MODBUS over it all (the shipped one) describes the Tiny BMS's own 0x1A reply,
    which the Tiny BMS decoder reads and wins in a tie: that candidate could never win."""
    desc = config["custom"]
    custom = not (desc["sync"].upper() == "AA1A" and desc["length"] == 8
                  and desc["checksum"] == "crc16-modbus" and desc["checksum_start"] == 0)
    names = ("tinybms", "custom", "cav3") if custom else ("tinybms", "cav3")
    if baud is None:
        return names
    other = "cav3" if baud == 115200 else "tinybms"
    return tuple(name for name in names if name != other)


class Line:
    def __init__(self, config, uart, bms, console, now):
        self.uart = uart
        self.bms = bms
        self._heard = bms.heard  # bound once: every pass that hears a frame calls it
        self.console = console
        # What detecting a format later (at the other line rate) may still read; the rest of the
        # configuration is not kept.
        self._config = {"cav3": config["cav3"], "custom": config["custom"], "soc": config["soc"]}
        inp = config["input"]
        self.poll = inp["mode"] == "poll"  # the configuration then says tinybms at 115200
        fmt = inp["format"]
        baud = inp["baud"]
        self._auto_baud = baud == "auto"
        self.baud = 115200 if self._auto_baud else baud
        uart.set_baud(self.baud)
        self.baud_switches = 0

        self.decoder = None
        self._detector = None
        self._detectors = []  # (rate, Detector or lone candidate) of each rate tried so far
        self._lone = None  # a lone Tiny BMS candidate, which runs without a Detector
        if fmt == "auto":
            self._detector = self._detector_for(self.baud)
        else:
            self._use(_decoder(fmt, bms.reading, config))
        self._rx = bytearray(RX_BYTES)
        self.heard = 0  # bytes read this pass
        self._good = 0  # frames of the decoder in use already told to the state
        self._bad = 0
        self._junk = 0  # bytes since the last good frame or line-rate switch
        self._junk_since = now
        self._junk_at = now  # when the last of them arrived
        self._lost_ms = config["timing"]["period_ms"] * config["timing"]["lost_periods"]
        self.poller = None
        if self.poll:
            from poll import Poller

            self.poller = Poller(uart, inp["poll_period_ms"], now)

    def service(self, now, asking):
        """Read what the UART holds, decode it and tell the state; in poll mode, ask
        (only while ``asking``: the BMS ignition output is on). Returns the bytes read.

        Bytecode, like its helpers: none needs more than 11 machine words of state, so no call
        takes its state from the heap."""
        n = self.uart.readinto(self._rx) or 0
        self.heard = n
        dec = self.decoder
        if dec is None:
            self._detecting(n, now)
            return n
        flags = dec.feed(self._rx, n) if n else 0
        if dec.good != self._good or dec.bad != self._bad:
            self._tell(dec, flags, now)
        elif n:
            self._count_junk(n, now)
        if self.poller is not None:
            self.poller.ask(dec, now, asking)
        return n

    def _tell(self, dec, flags, now):
        """The frames ``dec`` decoded since the last pass, carrying ``flags``, to the state."""
        good = dec.good - self._good
        self._good = dec.good
        self._heard(good, dec.bad - self._bad, flags, now)
        self._bad = dec.bad
        if good:
            self._junk = 0
        elif self.heard:
            self._count_junk(self.heard, now)

    def _detecting(self, n, now):
        """Feed the candidates; a winner's frames are shown from this pass. Until then any
        candidate's good frame says the rate is right, and garbage that none explains says the
        line talks (a bad frame to the state)."""
        if n:
            self._detect(n)
        dec = self.decoder
        if dec is not None:
            self._tell(dec, dec.reading.have, now)
            return
        dec = self._detector  # the candidates
        if dec is None:
            return
        good = dec.good - self._good
        self._good = dec.good
        if dec.bad != self._bad:
            self._heard(0, dec.bad - self._bad, 0, now)
            self._bad = dec.bad
        if good:
            self._junk = 0
        elif n:
            self._count_junk(n, now)

    def _detector_for(self, baud):
        """The candidates at ``baud``, built the first time the line runs at that rate."""
        for rate, detector in self._detectors:
            if rate == baud:
                return detector
        names = _detectable(self._config, baud if self._auto_baud else None)
        if names == ("tinybms",):
            # A lone Tiny BMS candidate wins with its first frame, and only a CRC-valid frame
            # writes anything: it decodes straight into the Reading shown, and needs no Detector
            # (socbar.detect stays off the heap).
            detector = self._lone = _decoder("tinybms", self.bms.reading, self._config)
        else:
            from socbar.detect import Detector

            detector = Detector(tuple(_decoder(name, Reading(), self._config) for name in names))
        self._detectors.append((baud, detector))
        return detector

    def _detect(self, n):
        """Feed every candidate; a winner becomes the decoder in use."""
        lone = self._lone
        if lone is not None and self._detector is lone:  # its first good frame wins
            before = lone.good
            lone.feed(self._rx, n)
            if lone.good != before:
                self._won(lone)
            return
        winner = self._detector.feed(self._rx, n)  # pyright: ignore[reportOptionalMemberAccess]
        if winner is not None:
            self._won(winner)

    def _won(self, winner):
        """From now on ``winner`` decodes; the other candidates, and what they decoded, go."""
        self._detector = None
        self._detectors = []
        self._lone = None
        self.bms.reading = winner.reading
        self._use(winner)
        self._good = 0  # every frame of the winner is still to be told to the state
        self._bad = winner.bad
        self.console.log("input: %s at %d baud" % (winner.name, self.baud))

    def _use(self, dec):
        """From now on ``dec`` decodes; its frames so far are still to be told to the state.
        A Cycle Analyst sends no SOC: derive it from the pack voltage unless told otherwise."""
        self.decoder = dec
        if dec.name == "cav3" and self._config["soc"]["source"] == "bms":
            self.bms.set_source("voltage")
            self.console.log("soc.source: the Cycle Analyst sends no SOC; using the pack voltage "
                             "(set soc.source to \"ah\" or \"voltage\" to choose)")

    def _count_junk(self, n, now):
        """Bytes with no good frame: after enough of them (auto rate), try the other rate."""
        if self._junk and ticks_diff(now, self._junk_at) >= self._lost_ms:
            self._junk = 0  # a stray byte long ago is not a run of garbage
        if self._junk == 0:
            self._junk_since = now
        self._junk += n
        self._junk_at = now
        if self._auto_baud and (self._junk >= _JUNK_BYTES
                                or ticks_diff(now, self._junk_since) >= self._lost_ms):
            self._switch_baud()

    def _switch_baud(self):
        self.baud = 9600 if self.baud == 115200 else 115200
        self.uart.set_baud(self.baud)
        self.baud_switches += 1
        self._junk = 0
        if self._detector is not None:
            self._detector = detector = self._detector_for(self.baud)
            lone = self._lone
            if lone is not None and detector is lone:
                lone.reset()
            else:  # a Detector: the lone candidate is the other branch
                detector.restart()  # pyright: ignore[reportAttributeAccessIssue]
            self._good = detector.good  # the counts the state has been told are this set's
            self._bad = detector.bad
        elif self.decoder is not None:
            self.decoder.reset()

    def due_in(self, now):
        """Milliseconds until this line has something to do without new bytes (a poll request
        or its reply timeout), or -1 when only bytes can give it work."""
        return -1 if self.poller is None else self.poller.due_in(now)
