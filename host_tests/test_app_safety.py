"""The App's safety duties: the ignition bound under a saturated UART, the
watchdog, configuration errors and low power (docs/protocol.md section 5).

Timing runs on the fake ``machine`` clock, whose ``Timer`` fires while a pass
"takes" virtual time, as the board's timer interrupt does.
"""

import unittest

import frames
import machine
from test_app import TINY, Recorder, Rig, soc_frame, status_frame

TIMER_MS = 2  # the ignition timer period main.py uses
DEBOUNCE_MS = 10


class SaturatedUart:
    """Every read returns a full buffer; the pass then lasts as long as the line took to bring it."""

    def __init__(self):
        one = soc_frame(80) + status_frame(0x93)
        self.stream = one * (600 // len(one) + 1)
        self.at = 0
        self.reads = 0

    def readinto(self, buf):
        n = len(buf)
        for i in range(n):
            buf[i] = self.stream[self.at]
            self.at = (self.at + 1) % len(self.stream)
        self.reads += 1
        machine.clock.advance(n * 10 * 1000 // 115200 + 1)  # 256 bytes: 23 ms
        return n

    def write(self, buf, n):
        raise AssertionError("listen mode wrote to the UART")

    def set_baud(self, baud):
        pass


class IgnitionLatencyTest(unittest.TestCase):
    def _worst(self, with_timer):
        from hw.ignition import IgnitionPins

        machine.reset_fakes()
        rig = Rig(TINY, key=False)
        app = rig.app
        pins = IgnitionPins(20, "down", 1, 21, 1)
        app.ignition = pins
        app.clock = machine.clock.ticks_ms
        uart = SaturatedUart()
        app.line.uart = uart
        timer = None
        if with_timer:
            timer = machine.Timer(period=TIMER_MS, callback=lambda t: app.ignition_tick(machine.clock.now))
        key = machine.Pin(20)
        out = machine.Pin(21)
        worst = 0
        level = 0
        for k in range(40):
            # Flip the key at a different phase of the pass each time.
            machine.clock.advance(7 + k % 5)
            level ^= 1
            key.set_external(level)
            edge = machine.clock.now
            while out.value() != level:
                app.step()
                self.assertLess(machine.clock.now - edge, 1000)
            changed = [t for t, v in out.history if v == level][-1]
            worst = max(worst, changed - edge)
            for _ in range(3):
                app.step()
        if timer is not None:
            timer.deinit()
        self.assertGreater(uart.reads, 100)
        return worst

    def test_output_follows_within_debounce_plus_10_ms(self):
        worst = self._worst(with_timer=True)
        self.assertLessEqual(worst, DEBOUNCE_MS + 10)
        self.assertGreaterEqual(worst, DEBOUNCE_MS)  # the debounce is honoured, not skipped

    def test_without_the_timer_a_slow_pass_would_break_the_bound(self):
        # The reason main.py runs ignition_tick from a timer: a pass with a full
        # buffer takes 23 ms of line time here.
        self.assertGreater(self._worst(with_timer=False), DEBOUNCE_MS + 10)


class BrokenLeds:
    def __init__(self):
        self.fail = 1  # passes left that raise; -1: always
        self.writes = 0

    def write(self, frame):
        if self.fail:
            self.fail -= 1 if self.fail > 0 else 0
            raise OSError(5)
        self.writes += 1


class WatchdogTest(unittest.TestCase):
    def test_a_raising_stage_is_counted_and_the_loop_goes_on(self):
        rig = Rig(TINY)
        leds = BrokenLeds()
        rig.app.leds = leds
        rig.app.watchdog = rig.rec
        rig.send(soc_frame(80))
        rig.run(20)
        self.assertEqual(rig.app.console.errors, 1)
        self.assertEqual(rig.app.stage_errors[2], 1)  # "leds"
        self.assertEqual(leds.writes, 1)  # the frame went out on the next pass
        self.assertEqual(len(rig.rec.feeds), 19)  # every pass but the failing one
        self.assertEqual(rig.app.bms.soc, 80000000)
        self.assertEqual(len([line for line in rig.logs if "error in leds" in line]), 1)

    def test_errors_are_reported_rarely(self):
        rig = Rig(TINY)
        leds = BrokenLeds()
        leds.fail = -1
        rig.app.leds = leds
        rig.send(soc_frame(80))
        rig.run(12000)  # a pass a ms, each failing
        self.assertEqual(rig.app.console.errors, rig.app.stage_errors[2])
        self.assertGreater(rig.app.console.errors, 10000)
        errors = [line for line in rig.logs if line.startswith("error")]
        self.assertEqual(len(errors), 3)  # at 1 ms, 5001 ms and 10001 ms

    def test_a_stage_that_always_fails_starves_the_watchdog(self):
        from hw.watchdog import Watchdog

        clock = machine.reset_fakes()
        rig = Rig(TINY)
        rig.app.clock = clock.ticks_ms
        rig.app.watchdog = Watchdog(1000)
        wdt = machine.WDT.instance
        for _ in range(3000):
            clock.advance(1)
            rig.app.step()
        self.assertFalse(wdt.expired())
        leds = BrokenLeds()
        leds.fail = -1
        rig.app.leds = leds
        rig.send(soc_frame(80))  # the bar changes, every LED write raises
        for _ in range(1500):
            clock.advance(1)
            rig.uart.elapse(clock.now)
            rig.app.step()
        self.assertTrue(wdt.expired())

    def test_a_hang_lets_the_watchdog_expire(self):
        from hw.watchdog import Watchdog

        clock = machine.reset_fakes()
        rig = Rig(TINY)
        rig.app.clock = clock.ticks_ms
        rig.app.watchdog = Watchdog(1000)
        wdt = machine.WDT.instance
        for _ in range(2000):
            clock.advance(1)
            rig.app.step()
        self.assertFalse(wdt.expired())
        clock.advance(1001)  # the loop is stuck: no step
        self.assertTrue(wdt.expired())


class ConfigErrorTest(unittest.TestCase):
    def _rises(self, led):
        return len([1 for _, on in led if on])

    def test_messages_blink_code_and_safe_defaults(self):
        doc = {"bar": {"segments": 0}, "input": {"mode": "pol"}}
        rec = Recorder(None)
        rig = Rig(doc, status_led=rec)
        rec.clock = rig.clock
        self.assertEqual(len(rig.app.bar.frame), 30)  # the default 10 segments
        self.assertFalse(rig.app.line.poll)
        text = "\n".join(rig.logs)
        self.assertIn("bar.segments", text)
        self.assertIn("input.mode", text)
        rig.run(3999)
        # Blink code: 3 flashes 400 ms apart every 2000 ms, not the heartbeat's one a second.
        self.assertEqual(self._rises(rec.led), 6)
        ons = [t for t, on in rec.led if on]
        self.assertEqual(ons[2] - ons[1], 400)
        self.assertEqual(ons[4] - ons[1], 2000)

    def test_no_errors_heartbeat(self):
        rec = Recorder(None)
        rig = Rig(TINY, status_led=rec)
        rec.clock = rig.clock
        rig.run(3999)
        self.assertEqual(self._rises(rec.led), 4)  # at 1, 1000, 2000 and 3000 ms
        self.assertEqual([line for line in rig.logs if line.startswith("config")], [])

    def test_poll_without_ignition_is_reported(self):
        rig = Rig({"input": {"mode": "poll"}, "ignition": {"enabled": False}})
        self.assertIn("nothing will be polled", "\n".join(rig.logs))
        rig.run(3000)
        self.assertEqual(rig.uart.sent, [])


class LowPowerTest(unittest.TestCase):
    def _asleep_rig(self):
        rec = Recorder(None)
        rig = Rig(TINY, key=False, sleeper=rec, status_led=rec)
        rec.clock = rig.clock
        rig.run(100)
        return rig, rec

    def test_sleeps_in_bounded_slices_while_asleep(self):
        from socbar.states import ASLEEP

        rig, rec = self._asleep_rig()
        self.assertEqual(rig.app.state, ASLEEP)
        self.assertTrue(rig.app.sleeping)
        self.assertGreater(len(rec.slept), 90)
        self.assertEqual(set(ms for _, ms in rec.slept), {100})  # power.sleep_slice_ms
        self.assertEqual(rec.led[-1][1], False)  # the status LED is dark
        self.assertEqual(rig.app.sleeps, 1)

    def test_uart_bytes_wake_it(self):
        rig, rec = self._asleep_rig()
        rig.send(soc_frame(80) + status_frame(0x93))
        rig.run(5)
        self.assertFalse(rig.app.sleeping)
        self.assertEqual(rig.app.bms.soc, 80000000)
        slept = len(rec.slept)
        rig.run(100)
        self.assertEqual(len(rec.slept), slept)  # live: no more sleeping

    def test_line_activity_during_a_slice_keeps_it_awake_for_whole_frames(self):
        rig, rec = self._asleep_rig()
        woken = [True]

        def sleep(ms):  # the first slice ends with a start bit on RX (the bytes were lost)
            rec.slept.append((rig.clock.now, ms))
            return woken.pop() if woken else False

        rec.sleep = sleep
        rig.run(1)
        slept = len(rec.slept)
        rig.run(5900)  # awake for the link-lost time (6 periods of 1000 ms) ...
        self.assertEqual(len(rec.slept), slept)
        self.assertFalse(rig.app.sleeping)
        rig.run(200)  # ... then, nothing heard, back to sleep
        self.assertTrue(rig.app.sleeping)

    def test_the_key_wakes_it(self):
        rig, rec = self._asleep_rig()
        rig.ignition.level = True
        rig.run(1)
        slept = len(rec.slept)
        rig.run(50)
        self.assertFalse(rig.app.sleeping)
        self.assertEqual(len(rec.slept), slept)
        self.assertTrue(rig.ignition.out)

    def test_never_while_the_ignition_output_is_on(self):
        # A button press wakes the BMS for 4 s (less than the lost time, so the silent BMS
        # still reads as asleep): the bar is dark and the button released, but the output is on.
        from socbar.states import ASLEEP

        rec = Recorder(None)
        rig = Rig({"input": {"format": "tinybms", "baud": 115200},
                   "ignition": {"show_s": 1, "wake_bms_s": 4}}, key=False, sleeper=rec)
        rec.clock = rig.clock
        rig.run(100)
        self.assertTrue(rig.app.sleeping)  # asleep, key off: low power
        rig.ignition.level = True
        rig.run(50)  # a press of 50 ms
        rig.ignition.level = False
        on_for = 0
        while rig.ignition.out or on_for == 0:
            rig.run(1)
            if rig.ignition.out:
                on_for += 1
                self.assertEqual(rig.app.state, ASLEEP)
                self.assertFalse(rig.app.sleeping, rig.clock.now)
        self.assertTrue(on_for > 3000, on_for)
        slept = len(rec.slept)
        rig.run(100)
        self.assertTrue(rig.app.sleeping)  # the output is off again: low power is allowed
        self.assertTrue(len(rec.slept) > slept)

    def test_disabled_in_config(self):
        rec = Recorder(None)
        rig = Rig({"input": {"format": "tinybms"}, "power": {"sleep": False}}, key=False, sleeper=rec)
        rig.run(500)
        self.assertEqual(rec.slept, [])

    def test_never_while_frames_arrive(self):
        rec = Recorder(None)
        rig = Rig(TINY, key=False, sleeper=rec)
        rec.clock = rig.clock
        rig.broadcast(5)
        self.assertEqual(rec.slept, [])


class FramesSelfCheckTest(unittest.TestCase):
    def test_soc_request_crc(self):
        # docs/protocol.md: CRC-16/MODBUS check value 0x4B37 for ASCII 123456789.
        self.assertEqual(frames.crc16(b"123456789"), 0x4B37)


class PressToShowTest(unittest.TestCase):
    """ignition.show_s 5, wake_bms_s 2: a press shows the bar 5 s and asserts ignition 2 s, no longer."""

    def test_press_shows_the_bar_and_wakes_the_bms_for_a_bounded_time(self):
        from socbar.states import LIVE

        rig = Rig({"input": {"format": "tinybms", "baud": 115200},
                   "ignition": {"show_s": 5, "wake_bms_s": 2}}, key=False)
        rig.broadcast(2, pct=80)
        self.assertEqual(rig.app.state, LIVE)
        self.assertEqual(rig.app.bar.lit, 0)  # not pressed: dark although the BMS talks
        self.assertTrue(rig.leds.dark())
        rig.ignition.level = True  # press at 2000 ms, held 3 s: holding does not extend anything
        rig.send(soc_frame(80))
        rig.run(20)
        self.assertTrue(rig.ignition.out)
        self.assertEqual(rig.app.bar.lit, 8)
        on_at = rig.ignition.changed_at
        rig.run(3000 - 20)
        rig.ignition.level = False
        self.assertFalse(rig.ignition.out)
        self.assertEqual(rig.ignition.changed_at - on_at, 2000)  # 2 s from the debounced press
        for _ in range(3):
            rig.send(soc_frame(80))
            rig.run(600)
        self.assertEqual(rig.app.bar.lit, 8)  # still within the 5 s of showing
        rig.run(600)
        self.assertEqual(rig.app.bar.lit, 0)
