"""The App end to end on fake adapters and a virtual clock: listen and poll
modes, line-rate switching, the display states, the display page, and the
allocation of a steady-state pass (MicroPython only).

Frames come from host_tests/frames.py (CRC computed bit by bit from
docs/protocol.md); expected values are worked out from docs/protocol.md by hand.
"""

import unittest

import alloc
import frames
from fake_line import Clock, Ignition, Leds, LineUart
from socbar.config import validate
from socbar.fields import F_TEMPS

PERIOD_MS = 1000


def soc_frame(pct):
    """The 0x1A response: UINT32 LE in 0.000001 % (docs/protocol.md section 2)."""
    return frames.frame(0x1A, frames.u32le(pct * 1000000))


def status_frame(code):
    return frames.frame(0x18, frames.u16le(code))


class RecordingUart(LineUart):
    """The line-rate UART, also keeping every request the App writes."""

    def __init__(self, baud=115200):
        LineUart.__init__(self, baud)
        self.sent = []
        self.answer = None  # callable(request bytes) -> reply bytes, or None

    def write(self, buf, n=None):
        n = len(buf) if n is None else n
        req = bytes(buf[0:n])
        self.sent.append(req)
        LineUart.write(self, buf, n)
        if self.answer is not None:
            reply = self.answer(req)
            if reply:
                self.deliver(reply, len(reply))
        return n


class Recorder:
    """Display, status LED, sleeper and watchdog stand-ins that remember their calls."""

    def __init__(self, clock):
        self.clock = clock
        self.pages = []
        self.led = []  # (tick, on) of every change
        self.slept = []
        self.feeds = []

    def show(self, lines):
        self.pages.append((self.clock.now, list(lines)))

    def set(self, on):
        self.led.append((self.clock.now, on))

    def sleep(self, ms):
        self.slept.append((self.clock.now, ms))

    def feed(self):
        self.feeds.append(self.clock.now)


class Rig:
    """An App on fake adapters; ``run(ms)`` ticks the clock, the line, the passthrough and the loop."""

    def __init__(self, doc=None, key=True, step_ms=1, start=0, **extra):
        self.config, messages = validate(doc or {})
        self.clock = Clock(start)
        self.uart = RecordingUart(115200)
        self.leds = Leds(self.clock)
        self.ignition = Ignition(self.clock)
        self.ignition.level = key
        self.rec = Recorder(self.clock)
        self.logs = []
        self.step_ms = step_ms
        from app import App

        self.app = App(self.config, self.uart, self.leds, self.ignition, self.clock,
                       log=self.log, messages=messages, **extra)
        self._since = 0

    def log(self, *args):
        self.logs.append(" ".join([str(a) for a in args]))

    def send(self, data):
        self.uart.deliver(data, len(data))

    def run(self, ms):
        app = self.app
        clock = self.clock
        for _ in range(ms):
            clock.tick()
            self.uart.elapse(clock.now)
            app.ignition_tick(clock.now)
            self._since += 1
            if self._since >= self.step_ms:
                self._since = 0
                app.step()

    def broadcast(self, seconds, pct=80, status=0x93):
        """The BMS sends SOC and status once a period, for ``seconds`` periods."""
        for _ in range(seconds):
            self.send(soc_frame(pct) + status_frame(status))
            self.run(PERIOD_MS)


TINY = {"input": {"format": "tinybms", "baud": 115200}}


class ListenTest(unittest.TestCase):
    def test_decodes_soc_and_never_writes(self):
        rig = Rig(TINY)
        rig.broadcast(3, pct=80)
        app = rig.app
        from socbar.states import LIVE

        self.assertEqual(app.bms.soc, 80000000)
        self.assertEqual(app.state, LIVE)
        # 80 % on 10 segments: segment k is lit above (k - 1) * 10 %, so 8 are lit.
        self.assertEqual(app.bar.lit, 8)
        self.assertEqual(rig.leds.frame[0:30], app.bar.frame)
        self.assertFalse(rig.leds.dark())
        self.assertEqual(app.line.decoder.name, "tinybms")
        self.assertEqual(app.line.decoder.good, 6)
        self.assertEqual(rig.uart.written, 0)
        self.assertEqual(rig.uart.sent, [])

    def test_auto_detects_tinybms_and_never_writes(self):
        rig = Rig({})  # format auto, baud auto
        self.assertIsNone(rig.app.line.decoder)
        rig.broadcast(4, pct=55)
        self.assertEqual(rig.app.line.decoder.name, "tinybms")
        self.assertEqual(rig.app.bms.soc, 55000000)
        self.assertEqual(rig.app.bar.lit, 6)  # 55 % > 50 %: six segments
        self.assertEqual(rig.uart.written, 0)
        self.assertEqual(rig.app.line.baud, 115200)

    def test_leds_written_only_when_the_frame_changes(self):
        rig = Rig(TINY)
        rig.broadcast(2, pct=80)
        writes = rig.leds.writes
        rig.broadcast(3, pct=80)  # same SOC, steady picture
        self.assertEqual(rig.leds.writes, writes)

    def test_first_pass_clears_what_the_leds_showed_before(self):
        rig = Rig(TINY, key=False)
        rig.leds.write(bytes([9] * 30))  # left over from before a reset
        rig.run(1)
        self.assertTrue(rig.leds.dark())

    def test_busy_leds_get_the_frame_next_pass(self):
        rig = Rig(TINY)
        busy = [True]
        real = rig.leds.write

        def write(frame):
            if busy[0]:
                return False  # a DMA transfer still running
            return real(frame)

        rig.leds.write = write
        rig.broadcast(1, pct=80)
        self.assertTrue(rig.leds.dark())
        busy[0] = False
        rig.run(1)
        self.assertEqual(rig.leds.frame[0:30], rig.app.bar.frame)


class LineRateTest(unittest.TestCase):
    def test_garbage_flips_the_rate_and_frames_then_decode(self):
        rig = Rig({"input": {"format": "tinybms", "baud": "auto"}})
        junk = bytes(range(0x20, 0x7F)) * 3  # 285 bytes, no 0xAA: nothing can decode
        rig.send(junk)
        rig.run(50)
        self.assertEqual(rig.app.line.baud, 9600)
        self.assertEqual(rig.uart.baud, 9600)
        self.assertEqual(rig.app.line.baud_switches, 1)
        rig.broadcast(3, pct=30)
        self.assertEqual(rig.app.line.baud_switches, 1)
        self.assertEqual(rig.app.bms.soc, 30000000)

    def test_cycle_analyst_at_9600_found_from_auto_auto(self):
        rig = Rig({})  # format auto, baud auto: starts at 115200

        def line(text):
            # At the wrong rate a receiver sees framing junk, never the text.
            data = text if rig.uart.baud == 9600 else bytes(len(text)) + b"\xf8" * len(text)
            rig.send(data)

        # The header goes by at the wrong rate, so the rows are mapped by the
        # configured columns: the 14 of a V3.1 unit (docs/protocol.md section 4).
        line(b"Ah\tV\tA\tS\tD\tDeg\tRPM\tHW\tNm\tThI\tThO\tAuxA\tAuxD\tFlgs\r\n")
        for _ in range(100):  # ten rows a second for 10 s
            line(b"1.234\t52.10\t-4.22\t25.3\t12.85\t27.5\t60\t150\t10.2\t1.50\t1.20\t0.00\t0\t0\r\n")
            rig.run(100)
        self.assertEqual(rig.app.line.baud, 9600)
        self.assertEqual(rig.app.line.baud_switches, 1)
        self.assertEqual(rig.app.line.decoder.name, "cav3")
        self.assertEqual(rig.app.bms.reading.voltage_mv, 52100)
        self.assertEqual(rig.app.bms.reading.current_ma, -4220)
        self.assertEqual(rig.uart.written, 0)

    def test_a_v2_unit_without_header_found_from_auto_auto(self):
        # The board powers up after the CA, so it sees no header; five columns (a V2 unit).
        rig = Rig({})

        def line(text):
            data = text if rig.uart.baud == 9600 else bytes(len(text)) + b"\xf8" * len(text)
            rig.send(data)

        for i in range(100):
            line(b"0.%03d\t36.04\t2.25\t21.52\t7.257\r\n" % (500 + i))
            rig.run(100)
        self.assertEqual(rig.app.line.decoder.name, "cav3")
        self.assertEqual(rig.app.bms.reading.voltage_mv, 36040)
        self.assertEqual(rig.app.bms.reading.have & F_TEMPS, 0)  # a V2 row has no temperature

    def test_junk_trickling_for_the_link_lost_time_flips(self):
        # A 115200 broadcast heard at 9600 gives a byte or two of junk a period.
        rig = Rig({"input": {"format": "tinybms", "baud": "auto"}})
        for _ in range(6):
            rig.send(b"\x01")
            rig.run(1000)
        self.assertEqual(rig.app.line.baud_switches, 0)  # junk over 5000 ms so far
        rig.send(b"\x01")
        rig.run(10)  # over 6000 ms: the link-lost time of 6 periods
        self.assertEqual(rig.app.line.baud_switches, 1)
        self.assertEqual(rig.app.line.baud, 9600)

    def test_a_stray_byte_then_silence_keeps_the_rate(self):
        # A working link, one glitch, then the BMS sleeps: the rate was right all along.
        rig = Rig({"input": {"format": "tinybms", "baud": "auto"}})
        rig.broadcast(3)
        rig.send(b"\x00")
        rig.run(8000)
        rig.send(b"\x00")  # long after: a new glitch, not a run of garbage
        rig.run(8000)
        self.assertEqual(rig.app.line.baud_switches, 0)
        rig.broadcast(2, pct=55)
        self.assertEqual(rig.app.bms.soc, 55_000_000)

    def test_a_good_stream_keeps_its_rate(self):
        rig = Rig({"input": {"format": "tinybms", "baud": "auto"}})
        rig.broadcast(10)
        self.assertEqual(rig.app.line.baud_switches, 0)

    def test_fixed_rate_never_flips(self):
        rig = Rig({"input": {"format": "tinybms", "baud": 9600}})
        self.assertEqual(rig.uart.baud, 9600)
        rig.send(bytes(400))
        rig.run(8000)
        self.assertEqual((rig.app.line.baud_switches, rig.uart.baud), (0, 9600))


# docs/protocol.md's worked temperature reply: 27.8, 27.6, 27.8 degC.
TEMPS = bytes((0xAA, 0x1B, 0x06, 0x16, 0x01, 0x14, 0x01, 0x16, 0x01, 0x0E, 0x4E))

POLL = {"input": {"mode": "poll", "format": "tinybms", "baud": 115200, "poll_period_ms": 1000}}


def bms_answer(req):
    """A Tiny BMS that answers each read request at once (values from docs/protocol.md section 2)."""
    cmd = req[1]
    if cmd == 0x1A:
        return soc_frame(64)
    if cmd == 0x18:
        return status_frame(0x93)
    if cmd == 0x14:
        return frames.frame(0x14, frames.float32_le(52.5))
    if cmd == 0x15:
        return frames.frame(0x15, frames.float32_le(-8.25))
    if cmd == 0x1B:
        return TEMPS
    return b""


class PollTest(unittest.TestCase):
    def test_silent_while_the_key_is_off(self):
        rig = Rig(POLL, key=False)
        rig.run(5000)
        self.assertEqual(rig.uart.sent, [])

    def test_asks_each_value_once_a_period_while_answered(self):
        rig = Rig(POLL, key=True)
        rig.uart.answer = bms_answer
        rig.run(2500)  # rounds start at 10 ms (debounce) and 1010 ms, 2010 ms
        one = [frames.read_request(c) for c in (0x1A, 0x18, 0x14, 0x15, 0x1B)]
        self.assertEqual(rig.uart.sent, one * 3)
        self.assertEqual(one[4], bytes((0xAA, 0x1B, 0x3F, 0x1B)))  # docs/protocol.md's worked request
        app = rig.app
        self.assertEqual(app.bms.soc, 64000000)
        self.assertEqual(app.bms.reading.voltage_mv, 52500)
        self.assertEqual(app.bms.reading.current_ma, -8250)
        self.assertEqual(app.bar.lit, 7)

    def test_wake_rule_repeats_the_first_request(self):
        rig = Rig(POLL, key=True)
        rig.run(900)  # nobody answers
        soc, status, volt, amps, temp = [frames.read_request(c) for c in (0x1A, 0x18, 0x14, 0x15, 0x1B)]
        self.assertEqual(rig.uart.sent, [soc, soc, status, volt, amps, temp])

    def test_woken_bms_answers_the_repeat(self):
        rig = Rig(POLL, key=True)
        asked = []

        def sleepy(req):
            asked.append(req)
            return b"" if len(asked) == 1 else bms_answer(req)  # the first byte only wakes it

        rig.uart.answer = sleepy
        rig.run(500)
        soc = frames.read_request(0x1A)
        self.assertEqual(rig.uart.sent[0:2], [soc, soc])
        self.assertEqual(len(rig.uart.sent), 6)
        self.assertEqual(rig.app.bms.soc, 64000000)

    def test_stops_when_the_key_goes_off(self):
        rig = Rig(POLL, key=True)
        rig.uart.answer = bms_answer
        rig.run(1500)
        rig.ignition.level = False
        rig.run(20)
        sent = len(rig.uart.sent)
        rig.run(10000)
        self.assertEqual(len(rig.uart.sent), sent)


class StatesEndToEndTest(unittest.TestCase):
    """docs/protocol.md section 6 with period 1000 ms, stale after 3 periods, lost after 6."""

    def test_silence_with_key_on_goes_stale_then_link_lost(self):
        from socbar.states import LINK_LOST, LIVE, STALE

        rig = Rig(TINY, key=True)
        rig.broadcast(3, pct=80)  # last frame at 2000 ms, silence from there
        rig.run(500)  # 1500 ms of silence
        self.assertEqual(rig.app.state, LIVE)
        rig.run(2000)  # 3500 ms
        self.assertEqual(rig.app.state, STALE)
        self.assertEqual(rig.app.bar.lit, 0)  # stale is never shown as SOC
        rig.run(2000)  # 5500 ms
        self.assertEqual(rig.app.state, STALE)
        rig.run(1000)  # 6500 ms
        self.assertEqual(rig.app.state, LINK_LOST)
        self.assertEqual(rig.app.bar.lit, 0)
        self.assertFalse(rig.leds.dark())  # the link-lost pattern, not a blank bar

    def test_bad_frames_only_are_link_lost_while_detecting_too(self):
        from socbar.states import LINK_LOST

        for doc in (TINY, {}):  # a fixed format, and auto-detection that never finds a winner
            rig = Rig(doc, key=False)
            bad = bytearray(soc_frame(50))
            bad[-1] ^= 0xFF  # the CRC no longer checks
            for _ in range(8):
                rig.send(bytes(bad))
                rig.run(PERIOD_MS)
            self.assertEqual(rig.app.state, LINK_LOST, doc)  # something talks, nothing decodes

    def test_cycle_analyst_shows_a_soc_from_the_pack_voltage_by_default(self):
        from socbar.soc import soc_from_voltage
        from socbar.states import LIVE

        rig = Rig({"input": {"format": "cav3", "baud": 9600}})  # soc.source left at "bms"
        for _ in range(30):
            rig.send(b"1.234\t52.10\t4.22\t25.3\t12.85\t27.5\t60\t150\t10.2\t1.50\t1.20\t0.00\t0\t0\r\n")
            rig.run(100)
        self.assertEqual(rig.app.state, LIVE)
        self.assertEqual(rig.app.bms.soc, soc_from_voltage(52100, 13, "nmc"))  # default 13 NMC cells
        self.assertTrue(rig.app.bms.soc > 0)
        self.assertTrue(any("soc.source" in line for line in rig.logs))

    def test_silence_with_key_off_is_asleep_and_blank(self):
        from socbar.states import ASLEEP

        rig = Rig(TINY, key=True)
        rig.broadcast(3, pct=80)
        rig.ignition.level = False
        rig.run(7000)
        self.assertEqual(rig.app.state, ASLEEP)
        self.assertEqual(rig.app.bar.lit, 0)
        self.assertTrue(rig.leds.dark())
        self.assertFalse(rig.ignition.out)

    def test_a_pulled_cable_shows_the_link_quality_falling(self):
        # Issue 11 case 12: link lost must not read "link quality 100 %".
        from socbar.states import LINK_LOST

        rig = Rig(TINY, key=True)
        rig.broadcast(5, pct=80)
        self.assertEqual(rig.app.bms.quality, 100)
        rig.run(7000)  # the cable is out: silence with the key on
        self.assertEqual(rig.app.state, LINK_LOST)
        self.assertEqual(rig.app.bms.quality, 0)
        self.assertEqual(rig.app.page()[4], "link 0%")

    def test_never_heard_with_key_off_is_asleep(self):
        from socbar.states import ASLEEP

        rig = Rig(TINY, key=False)
        rig.run(100)
        self.assertEqual(rig.app.state, ASLEEP)
        self.assertTrue(rig.leds.dark())

    def test_charging_and_fault_from_status(self):
        from socbar.states import CHARGING, FAULT

        rig = Rig(TINY)
        rig.broadcast(2, status=0x91)
        self.assertEqual(rig.app.state, CHARGING)
        rig.broadcast(2, status=0x9B)
        self.assertEqual(rig.app.state, FAULT)

    def test_zero_soc_is_blank(self):
        from socbar.states import EMPTY

        rig = Rig(TINY)
        rig.broadcast(2, pct=0)
        self.assertEqual(rig.app.state, EMPTY)
        self.assertTrue(rig.leds.dark())


CA_ROW = b"0.512\t52.3\t-4.25\t21.5\t3.104\t24.1\t60\t150\t12.3\t1.23\t1.10\t0.00\t0.00\t0\r\n"


class DetectionHandOverTest(unittest.TestCase):
    """Auto-detection picks one format; what another candidate decoded meanwhile is not the BMS's."""

    def test_a_stray_cycle_analyst_line_leaves_nothing_behind(self):
        from socbar.fields import F_AH, F_CURRENT, F_VOLTAGE
        from socbar.states import CHARGING, LIVE

        # A line a Cycle Analyst could have sent (52.3 V, 4.25 A into the pack: charging by
        # the CA's sign), then a Tiny BMS that sends only its SOC.
        rig = Rig({"input": {"format": "auto", "baud": 115200}})
        rig.send(b"\r\n" + CA_ROW)
        rig.run(100)
        self.assertIsNone(rig.app.line.decoder)  # one line decides nothing
        for _ in range(5):
            rig.send(soc_frame(70))
            rig.run(PERIOD_MS)
            self.assertNotEqual(rig.app.state, CHARGING)
        app = rig.app
        self.assertEqual(app.line.decoder.name, "tinybms")
        self.assertEqual(app.state, LIVE)
        self.assertEqual(app.bms.soc, 70000000)
        self.assertEqual(app.bms.reading.have & (F_VOLTAGE | F_CURRENT | F_AH), 0)
        self.assertEqual(app.page()[1], "--V --A")

    def test_the_winner_keeps_what_comes_after_the_hand_over(self):
        from socbar.states import LIVE

        rig = Rig({"input": {"format": "auto", "baud": 115200}})
        rig.send(b"\r\n" + CA_ROW)
        rig.run(100)
        for _ in range(3):
            rig.send(soc_frame(70) + frames.frame(0x14, frames.float32_le(51.5)))
            rig.run(PERIOD_MS)
        self.assertEqual(rig.app.state, LIVE)
        self.assertEqual(rig.app.page()[1], "51.50V --A")


JUNK = bytes(range(14, 114)) * 3  # no sync byte of any format, no line end
SUM8 = {"sync": "5AA5", "length": 8, "checksum": "sum8", "checksum_start": 2,
        "fields": [{"name": "soc", "offset": 2, "width": 1, "mul": 1000000}]}


class DetectionCandidatesTest(unittest.TestCase):
    """Which formats auto-detection tries: each at its own rate when the rate is detected too (the
    Tiny BMS speaks only 115200, a Cycle Analyst 9600), and never the shipped custom description,
    which is the Tiny BMS's own 0x1A reply."""

    def names(self, rig):
        detector = rig.app.line._detector
        if detector is rig.app.line._lone:  # a lone candidate runs without a Detector
            return [detector.name]
        return [dec.name for dec in detector.decoders]

    def test_with_the_rate_detected_each_format_is_tried_at_its_own_rate(self):
        rig = Rig({})
        self.assertEqual((rig.app.line.baud, self.names(rig)), (115200, ["tinybms"]))
        rig.send(JUNK)  # more than the junk that flips the line rate
        rig.run(100)
        self.assertEqual((rig.app.line.baud, self.names(rig)), (9600, ["cav3"]))
        rig.send(JUNK)
        rig.run(400)
        self.assertEqual((rig.app.line.baud, self.names(rig)), (115200, ["tinybms"]))
        rig.broadcast(1, pct=64)
        self.assertEqual(rig.app.line.decoder.name, "tinybms")
        self.assertEqual(rig.app.bms.soc, 64000000)

    def test_a_lone_tiny_bms_candidate_decodes_into_the_reading_shown(self):
        # Only its CRC-valid first frame writes, and that frame wins: one Reading on the board.
        rig = Rig({})
        lone = rig.app.line._detector
        self.assertIs(lone, rig.app.line._lone)  # the decoder itself, no Detector around it
        self.assertIs(lone.reading, rig.app.bms.reading)
        rig.send(JUNK)
        rig.run(100)  # at 9600 the Cycle Analyst needs two rows to win: a Reading of its own
        self.assertIsNot(rig.app.line._detector.decoders[0].reading, rig.app.bms.reading)
        rig.send(JUNK)
        rig.run(400)  # 115200 again: the same lone candidate, whose first frame wins
        self.assertIs(rig.app.line._detector, lone)
        rig.broadcast(1, pct=80)
        self.assertIs(rig.app.line.decoder, lone)
        self.assertEqual(rig.app.bms.soc, 80000000)
        rig = Rig({"input": {"baud": 115200}})
        readings = [dec.reading for dec in rig.app.line._detector.decoders]
        self.assertNotIn(rig.app.bms.reading, readings)

    def test_at_a_configured_rate_every_format_is_tried(self):
        rig = Rig({"input": {"baud": 115200}})
        self.assertEqual(self.names(rig), ["tinybms", "cav3"])
        rig = Rig({"input": {"baud": 9600}, "custom": SUM8})
        self.assertEqual(self.names(rig), ["tinybms", "custom", "cav3"])

    def test_a_custom_description_is_tried_at_both_rates(self):
        rig = Rig({"custom": SUM8})
        self.assertEqual(self.names(rig), ["tinybms", "custom"])
        rig.send(JUNK)
        rig.run(100)
        self.assertEqual(self.names(rig), ["custom", "cav3"])

    def test_any_other_description_is_tried(self):
        rig = Rig({"custom": SUM8})
        rig.send(bytes.fromhex("5AA54B12C0FE0C27"))  # SOC 0x4B = 75 %
        rig.run(100)
        self.assertEqual(rig.app.line.decoder.name, "custom")
        self.assertEqual(rig.app.bms.soc, 75000000)


class StartupGraceTest(unittest.TestCase):
    """Bad frames in the first seconds after boot are not a lost link (the lost time: 6 periods)."""

    def _bad_frames(self, key):
        from socbar.states import LINK_LOST

        rig = Rig(TINY, key=key)
        bad = bytearray(soc_frame(50))
        bad[-1] ^= 0xFF  # a broken CRC
        states = []
        for _ in range(10):  # one bad frame every 500 ms from boot for 5 s
            rig.send(bytes(bad))
            rig.run(500)
            states.append(rig.app.state)
        self.assertTrue(rig.app.line.decoder.bad >= 10)
        self.assertNotIn(LINK_LOST, states)
        for _ in range(4):  # bad frames only, past the lost time: now the link is lost
            rig.send(bytes(bad))
            rig.run(500)
        self.assertEqual(rig.app.state, LINK_LOST)

    def test_key_off(self):
        self._bad_frames(False)

    def test_key_on(self):
        self._bad_frames(True)


class PageTest(unittest.TestCase):
    def test_page_words_at_the_refresh_rate(self):
        rig = Rig({"input": {"format": "tinybms", "baud": 115200},
                   "display": {"enabled": True, "refresh_ms": 500}})
        rig.app.display = rig.rec
        data = (soc_frame(64) + status_frame(0x93) + frames.frame(0x14, frames.float32_le(52.5))
                + frames.frame(0x15, frames.float32_le(-8.25)) + TEMPS)
        rig.send(data)
        rig.run(2000)
        times = [t for t, _ in rig.rec.pages]
        self.assertEqual(len(times), 4)
        for a, b in zip(times, times[1:]):
            self.assertEqual(b - a, 500)
        self.assertEqual(rig.rec.pages[-1][1],
                         ["SOC 64.0%", "52.50V -8.25A", "T 27.8 27.6 27.8C", "live", "link 100%"])

    def test_no_data_page(self):
        rig = Rig(TINY, key=False, display=None)
        lines = rig.app.page()
        self.assertEqual(lines, ["SOC --", "--V --A", "T -- -- --C", "asleep", "link 0%"])

    def test_cycle_analyst_flags_on_the_page_and_a_throttle_fault(self):
        # Issue 11 case 4: Flgs "2BW" is preset 2, brake, the watts limit; "1X" a throttle fault.
        from socbar.states import FAULT

        rig = Rig({"input": {"format": "cav3", "baud": 9600}})
        row = "1.234\t52.10\t4.22\t25.3\t12.85\t27.5\t60\t150\t10.2\t1.50\t1.20\t0.00\t0\t%s\r\n"
        for _ in range(3):
            rig.send((row % "2BW").encode())
            rig.run(100)
        self.assertEqual(rig.app.page()[5], "P2 brk limW")
        for _ in range(3):
            rig.send((row % "1X").encode())
            rig.run(100)
        self.assertEqual(rig.app.state, FAULT)
        self.assertEqual(rig.app.page()[5], "P1 THR")
        for _ in range(3):
            rig.send((row % "99BXs").encode())
            rig.run(100)
        self.assertEqual(rig.app.page()[5], "P99 brk THR lims")  # the longest: 16 characters

    def test_an_undocumented_status_is_a_code(self):
        # Issue 11 case 8: 0x95 is none of the six documented codes.
        rig = Rig(TINY)
        rig.broadcast(2, status=0x95)
        lines = rig.app.page()
        self.assertEqual(lines[5], "status 0x95 ?")
        self.assertTrue(all(len(line) <= 16 for line in lines))

    def test_display_off_in_config_is_never_drawn(self):
        rec = Recorder(Clock())
        rig = Rig(TINY, display=rec)  # display.enabled is false by default
        rig.broadcast(2)
        self.assertEqual(rec.pages, [])
        self.assertIsNone(rig.app.display)


def _allocated(rig, ms, chunk=None, every=1):
    """Heap bytes ``ms`` passes allocate (one a ms), with ``chunk`` arriving every ``every`` ms."""
    import gc

    gc.collect()
    before = gc.mem_alloc()
    for _ in range(ms // every):
        if chunk is not None:
            rig.send(chunk)
        rig.run(every)
    return gc.mem_alloc() - before


class IgnitionIrqTest(unittest.TestCase):
    """``App.irq``, the board's ignition timer and key interrupt callback: a tick that finds the
    input where the filter settled reads the pin and stops; an edge runs the passthrough."""

    def test_only_an_input_that_moved_or_a_running_debounce_costs_a_tick(self):
        rig = Rig(key=True)
        app = rig.app
        ticks = []
        real = app.ignition_tick

        def counted(now):
            ticks.append(now)
            real(now)

        app.ignition_tick = counted
        app.irq(None)
        self.assertEqual(ticks, [])
        rig.ignition.level = False  # key off: sampled at once, the debounce starts
        app.irq(None)
        self.assertEqual(len(ticks), 1)
        rig.clock.tick(10)
        app.irq(None)  # the debounce runs: every tick samples
        self.assertEqual(len(ticks), 2)
        self.assertTrue(app.ignition_out)
        rig.clock.tick(1)
        app.irq(None)  # 11 whole ticks: the level has surely held 10 ms
        self.assertFalse(app.ignition_out)
        self.assertFalse(rig.ignition.out)
        app.irq(None)
        self.assertEqual(len(ticks), 3)


class PacingTest(unittest.TestCase):
    """How long App.run waits after a pass (the chip spent 100 % of its time spinning)."""

    def paced(self, rig, ms):
        """Passes as App.run paces them: a wait on a quiet line ends at the first byte.
        The clock, the line and the passthrough move 1 ms at a time."""
        app = rig.app
        end = rig.clock.now + ms
        while rig.clock.now < end:
            app.step()
            early = not app.line.heard
            for _ in range(app.wait_ms or 1):
                rig.clock.tick()
                rig.uart.elapse(rig.clock.now)
                app.ignition_tick(rig.clock.now)
                if early and rig.uart.any():
                    break

    def test_a_quiet_line_waits_the_idle_time(self):
        from app import IDLE_MS

        rig = Rig(TINY)
        rig.run(5)
        self.assertEqual(rig.app.wait_ms, IDLE_MS)

    def test_after_bytes_it_waits_for_more_to_gather(self):
        from app import RX_GAP_MS

        rig = Rig(TINY)
        rig.send(soc_frame(50))
        rig.run(1)
        self.assertEqual(rig.app.line.heard, 8)  # the frame, within 1 ms at 115200 baud
        self.assertEqual(rig.app.wait_ms, RX_GAP_MS)

    def test_a_backlog_is_read_without_waiting(self):
        rig = Rig(TINY)
        backlog = soc_frame(50) * 40  # 320 bytes, more than one read
        rig.send(backlog)
        rig.clock.tick(40)
        rig.uart.elapse(rig.clock.now, 40)
        rig.app.step()
        self.assertEqual(rig.app.wait_ms, 0)

    def test_a_poll_request_falling_due_shortens_the_wait(self):
        from app import IDLE_MS

        rig = Rig({"input": {"mode": "poll", "poll_period_ms": 1000}})
        sent = len(rig.uart.sent)
        shortened = 0
        for _ in range(3000):
            rig.run(1)
            due = rig.app.line.due_in(rig.clock.now)  # nobody answers: requests and give-ups
            self.assertEqual(rig.app.wait_ms, due if 0 < due < IDLE_MS else IDLE_MS if due else 0)
            shortened += 0 < due < IDLE_MS
        self.assertGreater(len(rig.uart.sent), sent)
        self.assertGreater(shortened, 0)

    def test_the_first_frame_after_power_up_is_shown_within_10_ms(self):
        # Default configuration: format and line rate detected. One broadcast, 100 ms after boot.
        rig = Rig({})
        self.paced(rig, 100)
        rig.send(soc_frame(80) + status_frame(0x93))
        self.paced(rig, 50)
        self.assertEqual(rig.app.bar.lit, 8)
        self.assertLessEqual(rig.leds.written_at - rig.uart.last_byte_at, 10)


class AllocationTest(unittest.TestCase):
    """Bytes allocated by steady-state passes: 0 is the target (MicroPython only)."""

    def _measure(self, doc, answer=None):
        import gc

        if not hasattr(gc, "mem_alloc"):
            self.skipTest(alloc.UNMEASURABLE)
        rig = Rig(doc, key=True)
        chunk = soc_frame(80) + status_frame(0x93)
        if answer is not None:
            rig.uart.write = self._answering(rig, answer)  # replies built once, no request list
        for _ in range(3):
            rig.send(chunk)
            rig.run(PERIOD_MS)
        rig.send(chunk)
        if answer is not None:
            return rig, _allocated(rig, 1000)  # 1000 passes, one a ms; the BMS answers each request
        return rig, _allocated(rig, 1000, chunk, 4)  # and 500 frames arriving in pieces meanwhile

    def _answering(self, rig, answer):
        replies = {}
        for c in (0x1A, 0x18, 0x14, 0x15, 0x1B):
            replies[c] = answer(frames.read_request(c))
        rig.asked = [0]

        def write(buf, n=None):
            reply = replies[buf[1]]
            rig.uart.deliver(reply, len(reply))
            rig.asked[0] += 1
            return n

        return write

    def test_listen_pass_allocates_nothing(self):
        rig, used = self._measure(TINY)
        self.assertEqual(rig.app.line.decoder.good, 8 + 500)  # 4 pairs before, 250 pairs measured
        self.assertEqual(used, 0)

    def test_poll_pass_allocates_nothing(self):
        rig, used = self._measure(POLL, answer=bms_answer)
        self.assertEqual(rig.asked[0], 5 * 4)  # a round a second, in 4 s
        self.assertEqual(used, 0)
