"""The display states of docs/protocol.md section 6, over virtual time.

Timing used throughout: a 1000 ms period, stale after 3 periods (3000 ms),
link lost or asleep after 6 (6000 ms).
"""

import unittest

import alloc
from socbar.compat import ticks_add
from socbar.config import validate
from socbar.fields import (
    CA_BRAKE,
    CA_THROTTLE_FAULT,
    F_AH,
    F_CA_FLAGS,
    F_CURRENT,
    F_SOC,
    F_STATUS,
    F_VOLTAGE,
)
from socbar.reading import Reading
from socbar.state import BmsState
from socbar.states import (
    ASLEEP,
    CHARGING,
    EMPTY,
    FAULT,
    FULL,
    LINK_LOST,
    LIVE,
    REGEN,
    STALE,
    STATE_NAMES,
)


def make(soc=None, ignition=True, start=0, key=False, timing=None):
    """A BmsState on the test timing, updated once at ``start`` with the key as given."""
    doc = {"timing": timing or {"period_ms": 1000, "stale_periods": 3, "lost_periods": 6},
           "ignition": {"enabled": ignition}}
    if soc:
        doc["soc"] = soc
    config, messages = validate(doc)
    assert messages == [], messages
    reading = Reading()
    state = BmsState(reading, config)
    state.ignition = key
    state.update(start)
    return reading, state


def soc_frame(state, reading, now, soc, status=0x93):
    reading.soc = soc
    reading.status = status
    reading.have |= F_SOC | F_STATUS
    state.heard(1, 0, F_SOC | F_STATUS, now)


class NamesTest(unittest.TestCase):
    def test_every_state_has_its_word(self):
        self.assertEqual(STATE_NAMES[LIVE], "live")
        self.assertEqual(STATE_NAMES[LINK_LOST], "link_lost")
        self.assertEqual(len(set(STATE_NAMES)), 9)


class SilenceTest(unittest.TestCase):
    def test_never_heard_key_off_is_asleep(self):
        reading, s = make()
        for t in (0, 5999, 6000, 60000):
            self.assertEqual(s.update(t), ASLEEP)

    def test_never_heard_key_on_is_link_lost_after_the_lost_time(self):
        reading, s = make(key=True)
        self.assertEqual(s.update(5999), ASLEEP)  # the BMS may still be waking
        self.assertEqual(s.update(6000), LINK_LOST)

    def test_key_turned_on_later_gives_the_bms_time_to_wake(self):
        reading, s = make()
        self.assertEqual(s.update(20000), ASLEEP)
        s.ignition = True
        self.assertEqual(s.update(20001), ASLEEP)
        self.assertEqual(s.update(26000), ASLEEP)
        self.assertEqual(s.update(26001), LINK_LOST)

    def test_without_the_passthrough_silence_is_sleep(self):
        reading, s = make(ignition=False, key=True)  # not wired: the firmware cannot know the key
        self.assertEqual(s.update(60000), ASLEEP)


class LiveTest(unittest.TestCase):
    def test_live_then_stale_then_link_lost_with_the_key_on(self):
        reading, s = make(key=True)
        soc_frame(s, reading, 1000, 55_000_000)
        self.assertEqual(s.update(1000), LIVE)
        self.assertEqual(s.soc, 55_000_000)
        self.assertEqual(s.update(3999), LIVE)
        self.assertEqual(s.update(4000), STALE)  # 3000 ms old
        self.assertEqual(s.update(6999), STALE)
        self.assertEqual(s.update(7000), LINK_LOST)  # 6000 ms old
        self.assertEqual(reading.have, 0)  # forgotten: it cannot come back as live
        self.assertEqual(s.soc, 0)

    def test_live_then_asleep_with_the_key_off(self):
        reading, s = make()
        soc_frame(s, reading, 1000, 55_000_000)
        self.assertEqual(s.update(1500), LIVE)
        self.assertEqual(s.update(4500), STALE)
        self.assertEqual(s.update(7000), ASLEEP)

    def test_status_codes(self):
        for status, expected in ((0x91, CHARGING), (0x92, FULL), (0x93, LIVE), (0x96, REGEN),
                                 (0x97, LIVE), (0x9B, FAULT)):
            reading, s = make()
            soc_frame(s, reading, 10, 40_000_000, status)
            self.assertEqual(s.update(10), expected, hex(status))

    def test_fault_beats_empty_and_empty_beats_charging(self):
        reading, s = make()
        soc_frame(s, reading, 10, 0, 0x9B)
        self.assertEqual(s.update(10), FAULT)
        soc_frame(s, reading, 20, 0, 0x91)
        self.assertEqual(s.update(20), EMPTY)

    def test_soc_zero_is_empty(self):
        reading, s = make()
        soc_frame(s, reading, 10, 0)
        self.assertEqual(s.update(10), EMPTY)
        soc_frame(s, reading, 20, 1)  # 0.000001 % is not empty
        self.assertEqual(s.update(20), LIVE)

    def test_frames_without_the_soc_are_never_live(self):
        reading, s = make()
        reading.voltage_mv = 52000
        s.heard(1, 0, F_VOLTAGE, 10)
        self.assertEqual(s.update(10), STALE)

    def test_old_soc_with_other_frames_fresh_is_stale(self):
        reading, s = make()
        soc_frame(s, reading, 0, 70_000_000)
        for t in range(500, 5000, 500):
            s.heard(1, 0, F_VOLTAGE, t)
        self.assertEqual(s.update(2999), LIVE)
        self.assertEqual(s.update(3000), STALE)

    def test_age_of_the_last_good_frame(self):
        reading, s = make(key=True)
        s.update(100)
        self.assertEqual(s.age_ms, -1)  # nothing heard yet
        soc_frame(s, reading, 1000, 55_000_000)
        s.update(2500)
        self.assertEqual(s.age_ms, 1500)
        s.update(7000)
        self.assertEqual(s.age_ms, -1)  # lost: forgotten

    def test_an_old_soc_stays_stale_however_long_other_frames_flow(self):
        # Stale after 30 s, lost after 2000 s: a status frame every 1000 s keeps the link.
        reading, s = make(timing={"period_ms": 10000, "stale_periods": 3, "lost_periods": 200})
        soc_frame(s, reading, 0, 70_000_000)
        now = 0
        while now < (1 << 30) + 2_000_000:  # past one whole turn of the tick counter
            now += 1_000_000
            self.assertEqual(s.update(ticks_add(now, -1)), STALE, now)
            s.heard(1, 0, F_STATUS, ticks_add(now, 0))

    def test_across_the_tick_wrap(self):
        start = ticks_add(0, -2000)  # two seconds before the counter wraps
        reading, s = make(start=start, key=True)
        soc_frame(s, reading, ticks_add(start, 1000), 80_000_000)
        self.assertEqual(s.update(ticks_add(start, 3999)), LIVE)
        self.assertEqual(s.update(ticks_add(start, 4000)), STALE)
        self.assertEqual(s.update(ticks_add(start, 7000)), LINK_LOST)


class BadFramesTest(unittest.TestCase):
    def test_bad_frames_only_is_link_lost_even_with_the_key_off(self):
        reading, s = make()
        for t in range(0, 7000, 500):
            s.heard(0, 1, 0, t)
        self.assertEqual(s.update(6500), LINK_LOST)
        self.assertEqual(s.update(12499), LINK_LOST)  # the last bad frame was at 6500
        self.assertEqual(s.update(12500), ASLEEP)  # then silence, key off

    def test_quality_is_the_share_of_good_frames(self):
        reading, s = make()
        for _ in range(3):
            s.heard(1, 0, 0, 0)
        s.heard(0, 1, 0, 0)
        self.assertEqual(s.quality, 75)
        for _ in range(31):
            s.heard(1, 0, 0, 0)
        self.assertEqual(s.quality, 96)  # 31 of the last 32: the bad one is the oldest
        s.heard(1, 0, 0, 0)
        self.assertEqual(s.quality, 100)  # it has left the window of 32

    def test_quality_of_passes_with_many_frames_each(self):
        # One heard() per pass, good frames before bad ones, counts from 0 to 40: the quality is
        # the share of good ones among the last 32 outcomes, or among all of them before 32.
        reading, s = make()
        window = []
        seed = 12345
        for i in range(300):
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            good, bad = (seed >> 8) % 41 * (i % 3 != 1), (seed >> 16) % 41 * (i % 4 != 2)
            s.heard(good, bad, 0, 0)
            window = (window + [1] * good + [0] * bad)[-32:]
            expected = sum(window) * 100 // len(window) if window else 0
            self.assertEqual(s.quality, expected, (i, good, bad))

    def test_quality_of_bad_frames_only(self):
        reading, s = make()
        self.assertEqual(s.quality, 0)
        for _ in range(40):
            s.heard(0, 1, 0, 0)
        self.assertEqual(s.quality, 0)
        for _ in range(8):
            s.heard(1, 0, 0, 0)
        self.assertEqual(s.quality, 25)  # 8 of 32


class QualityOverSilenceTest(unittest.TestCase):
    """Issue 11 case 12: the link quality falls when frames stop."""

    def test_missed_periods_count_and_a_lost_link_reads_zero(self):
        reading, s = make(key=True)
        for t in range(0, 10000, 1000):
            soc_frame(s, reading, t, 50_000_000)
            s.update(t)
        self.assertEqual(s.quality, 100)
        s.update(10999)  # the frame at 10 000 is 1 999 ms late: within two periods, no miss
        self.assertEqual(s.quality, 100)
        s.update(11000)  # two periods of silence: one frame missed, 10 good of 11
        self.assertEqual(s.quality, 90)
        s.update(13500)  # 4.5 periods: three missed
        self.assertEqual(s.quality, 76)  # 10 of 13
        self.assertEqual(s.update(15000), LINK_LOST)  # 6 periods since the last frame at 9 000
        self.assertEqual(s.quality, 0)
        soc_frame(s, reading, 16000, 50_000_000)
        self.assertEqual(s.quality, 100)  # a new window from the first frame back

    def test_bad_frames_alone_read_zero(self):
        reading, s = make(key=True)
        soc_frame(s, reading, 0, 50_000_000)
        for t in range(100, 7000, 100):
            s.heard(0, 1, 0, t)
        self.assertEqual(s.update(7000), LINK_LOST)
        self.assertEqual(s.quality, 0)


class CycleAnalystFlagsTest(unittest.TestCase):
    """Issue 11 case 4: a throttle fault (Flgs X) is a fault."""

    def flags(self, s, reading, now, bits):
        reading.voltage_mv = 52000
        reading.ca_flags = bits
        reading.have |= F_VOLTAGE | F_CA_FLAGS
        s.heard(1, 0, F_VOLTAGE | F_CA_FLAGS, now)

    def test_throttle_fault(self):
        reading, s = make(soc={"source": "voltage", "cells": 14, "chemistry": "nmc"})
        self.flags(s, reading, 0, CA_BRAKE)
        self.assertEqual(s.update(0), LIVE)
        self.flags(s, reading, 1000, CA_THROTTLE_FAULT | CA_BRAKE)
        self.assertEqual(s.update(1000), FAULT)
        self.flags(s, reading, 2000, 0)
        self.assertEqual(s.update(2000), LIVE)

    def test_an_old_fault_flag_decides_nothing(self):
        reading, s = make(soc={"source": "voltage", "cells": 14, "chemistry": "nmc"})
        self.flags(s, reading, 0, CA_THROTTLE_FAULT)
        reading.have |= F_VOLTAGE
        s.heard(1, 0, F_VOLTAGE, 2000)  # rows without a Flgs column from here on
        s.heard(1, 0, F_VOLTAGE, 3000)
        self.assertEqual(s.update(3000), LIVE)  # the flag is 3 periods old: stale


class SocSourceTest(unittest.TestCase):
    def test_amp_hours_against_the_capacity(self):
        reading, s = make(soc={"source": "ah", "capacity_mah": 10000})
        reading.ah_used_mah = 2500
        s.heard(1, 0, F_AH, 10)
        self.assertEqual(s.update(10), LIVE)
        self.assertEqual(s.soc, 75_000_000)

    def test_pack_voltage(self):
        reading, s = make(soc={"source": "voltage", "cells": 16, "chemistry": "lifepo4"})
        reading.voltage_mv = 16 * 3205  # 22.5 % (see test_soc)
        s.heard(1, 0, F_VOLTAGE, 10)
        self.assertEqual(s.update(10), LIVE)
        self.assertEqual(s.soc, 22_500_000)

    def test_cycle_analyst_current_into_the_pack_is_charging(self):
        reading, s = make(soc={"source": "ah", "capacity_mah": 10000})
        reading.ah_used_mah = 5000
        reading.have = F_AH | F_CURRENT  # a CA row: no status column
        for current_ma, expected in ((8250, LIVE), (0, LIVE), (-99, LIVE), (-100, CHARGING),
                                     (-2500, CHARGING)):
            reading.current_ma = current_ma
            s.heard(1, 0, F_AH | F_CURRENT, 10)
            self.assertEqual(s.update(10), expected, current_ma)

    def test_a_status_field_decides_over_the_current(self):
        reading, s = make()
        reading.current_ma = -5000
        soc_frame(s, reading, 10, 40_000_000, 0x93)
        reading.have = F_SOC | F_STATUS | F_CURRENT
        self.assertEqual(s.update(10), LIVE)

    def test_bms_soc_clamped(self):
        reading, s = make()
        soc_frame(s, reading, 10, 100_000_001)
        self.assertEqual(s.soc, 100_000_000)
        soc_frame(s, reading, 20, -5)
        self.assertEqual((s.soc, s.update(20)), (0, EMPTY))

    def test_silence_from_a_boot_just_before_the_tick_wrap_is_asleep(self):
        start = ticks_add(0, -3000)
        reading, s = make(start=start)
        self.assertEqual(s.update(ticks_add(start, 6000)), ASLEEP)
        self.assertEqual(s.update(ticks_add(start, 60000)), ASLEEP)


class AllocationTest(unittest.TestCase):
    def test_frames_and_updates_allocate_nothing(self):
        if not alloc.measurable():
            self.skipTest(alloc.UNMEASURABLE)
        reading, s = make(key=True)
        reading.soc = 50_000_000
        reading.status = 0x93

        def spin(n):
            now = 0
            while n:
                if now % 700 < 300:
                    s.heard(1, 0, F_SOC, now)
                else:
                    s.heard(0, 1, 0, now)
                s.update(now)
                now += 50
                n -= 1

        self.assertEqual(alloc.allocated(spin, 1000), 0)

    def test_every_state_of_a_cycle_analyst_allocates_nothing(self):
        if not alloc.measurable():
            self.skipTest(alloc.UNMEASURABLE)
        reading, s = make(soc={"source": "voltage", "cells": 13, "chemistry": "nmc"})
        seen = bytearray(9)

        def spin(n):
            # 10 s of rows once a second, then 8 s of silence; the key flips every cycle.
            now = 0
            while n:
                t = now % 18000
                if t == 0:
                    s.ignition = not s.ignition
                if t < 10000 and t % 1000 == 0:
                    reading.voltage_mv = 45000 + t // 10
                    reading.current_ma = 3000 - t
                    reading.have = F_VOLTAGE | F_CURRENT
                    s.heard(1, 0, F_VOLTAGE | F_CURRENT, now)
                elif t == 10500:
                    s.heard(0, 1, 0, now)
                seen[s.update(now)] = 1
                now += 250
                n -= 1

        self.assertEqual(alloc.allocated(spin, 1000, warm=1000), 0)
        for state in (LIVE, CHARGING, STALE, LINK_LOST, ASLEEP):
            self.assertEqual(seen[state], 1, STATE_NAMES[state])


class ReviewCasesTest(unittest.TestCase):
    def test_an_old_status_decides_nothing(self):
        reading, s = make(key=True)
        reading.status = 0x91
        reading.soc = 60_000_000
        s.heard(1, 0, F_SOC | F_STATUS, 0)
        self.assertEqual(s.update(0), CHARGING)
        for t in range(500, 4000, 500):  # SOC frames only from here on
            s.heard(1, 0, F_SOC, t)
        self.assertEqual(s.update(2999), CHARGING)
        self.assertEqual(s.update(3000), LIVE)  # the charging status is 3000 ms old

    def test_poll_mode_period_is_the_poll_period_when_longer(self):
        doc = {"input": {"mode": "poll", "poll_period_ms": 10000},
               "timing": {"period_ms": 1000, "stale_periods": 3, "lost_periods": 6}}
        config, messages = validate(doc)
        self.assertEqual(messages, [])
        reading = Reading()
        s = BmsState(reading, config)
        s.ignition = True
        s.update(0)
        soc_frame(s, reading, 0, 50_000_000)
        self.assertEqual(s.update(9999), LIVE)  # 3 polls of 10 s make it stale, not 3 s
        self.assertEqual(s.update(30000), STALE)
        self.assertEqual(s.update(60000), LINK_LOST)

    def test_source_switched_to_voltage(self):
        reading, s = make(soc={"cells": 16, "chemistry": "lifepo4"})
        s.set_source("voltage")
        reading.voltage_mv = 16 * 3205
        s.heard(1, 0, F_VOLTAGE, 10)
        self.assertEqual(s.update(10), LIVE)
        self.assertEqual(s.soc, 22_500_000)


class ContractTest(unittest.TestCase):
    """Cases of protocol.md section 6 that the priority order decides: fault > link lost >
    asleep > empty > charging / full / regen > live > stale."""

    def test_fault_with_the_soc_never_received(self):
        reading, s = make(key=True)
        reading.status = 0x9B
        reading.have |= F_STATUS
        s.heard(1, 0, F_STATUS, 100)
        self.assertEqual(s.update(100), FAULT)
        self.assertEqual(s.update(2999), FAULT)

    def test_fault_with_the_soc_stale(self):
        reading, s = make(key=True)
        soc_frame(s, reading, 0, 70_000_000, 0x93)
        for t in range(500, 6000, 500):  # status frames only from here: the SOC goes stale at 3000
            reading.status = 0x9B
            s.heard(1, 0, F_STATUS, t)
            self.assertEqual(s.update(t), FAULT, t)
        self.assertEqual(s.update(5600), FAULT)

    def test_a_fault_goes_once_its_status_is_old(self):
        reading, s = make(key=True)
        reading.status = 0x9B
        reading.have |= F_STATUS
        s.heard(1, 0, F_STATUS, 0)
        for t in range(500, 4000, 500):
            s.heard(1, 0, F_VOLTAGE, t)  # the link lives, the fault is no longer said
        self.assertEqual(s.update(3000), STALE)


class StartupGraceTest(unittest.TestCase):
    """Bad frames right after boot are a BMS (or a line) still settling: not yet a lost link."""

    def test_bad_frames_in_the_first_lost_time_are_not_link_lost(self):
        for key in (False, True):
            reading, s = make(key=key, start=0)
            for t in range(0, 6000, 100):
                s.heard(0, 1, 0, t)
                self.assertNotEqual(s.update(t), LINK_LOST, (key, t))
            s.heard(0, 1, 0, 6000)
            self.assertEqual(s.update(6000), LINK_LOST, key)  # the grace ends; bad frames only is lost

    def test_the_grace_counts_from_the_first_update(self):
        start = ticks_add(0, -3000)  # a boot just before the tick counter wraps
        reading, s = make(start=start)
        s.heard(0, 1, 0, ticks_add(start, 5999))
        self.assertEqual(s.update(ticks_add(start, 5999)), ASLEEP)
        s.heard(0, 1, 0, ticks_add(start, 6000))
        self.assertEqual(s.update(ticks_add(start, 6000)), LINK_LOST)


class ForgetTest(unittest.TestCase):
    def test_what_a_loss_forgot_stays_forgotten_half_a_tick_period_later(self):
        # After half the tick counter's period (6.2 days on the RP2040) an old tick reads as
        # recent again: what the loss forgot must not come back with the next frame.
        half = (ticks_add(0, -1) + 1) // 2
        reading, s = make()
        soc_frame(s, reading, 0, 70_000_000, 0x91)
        self.assertEqual(s.update(7000), ASLEEP)
        later = ticks_add(ticks_add(0, half - 1), 1001)  # one add may not span half the period
        reading.voltage_mv = 52000
        reading.have |= F_VOLTAGE
        s.heard(1, 0, F_VOLTAGE, later)
        self.assertEqual(s.update(later), STALE)  # no SOC since the loss: neither empty nor live


class BadFramesAfterGoodTest(unittest.TestCase):
    def test_one_bad_frame_after_the_link_went_quiet_is_link_lost_until_the_lost_time(self):
        reading, s = make(start=0)
        soc_frame(s, reading, 7000, 50_000_000)
        s.heard(0, 1, 0, 7500)
        self.assertEqual(s.update(7500), LIVE)  # a good frame is younger than the stale time
        self.assertEqual(s.update(13000), LINK_LOST)  # the good one is lost-old; the bad 5500 ms
        self.assertEqual(s.update(13500), ASLEEP)  # the bad one too: plain silence, key off


class FreshStateTest(unittest.TestCase):
    """What a BmsState reads before its first update: nothing heard, so asleep and blank."""

    def test_before_the_first_update(self):
        config, _ = validate({})
        s = BmsState(Reading(), config)
        self.assertEqual((s.state, s.soc, s.quality, s.age_ms, s.ignition), (ASLEEP, 0, 0, -1, False))

    def test_listen_mode_ignores_the_poll_period(self):
        # Only polled data comes at the poll period; a listener keeps the broadcast period.
        doc = {"input": {"mode": "listen", "poll_period_ms": 10000},
               "timing": {"period_ms": 1000, "stale_periods": 3, "lost_periods": 6}}
        config, _ = validate(doc)
        reading = Reading()
        s = BmsState(reading, config)
        s.update(0)
        soc_frame(s, reading, 0, 50_000_000)
        self.assertEqual(s.update(2999), LIVE)
        self.assertEqual(s.update(3000), STALE)


class AfterALossTest(unittest.TestCase):
    def test_the_quality_window_starts_empty_after_a_loss(self):
        reading, s = make(key=True)
        for t in range(0, 3000, 100):
            soc_frame(s, reading, t, 50_000_000)
        self.assertEqual(s.update(9000), LINK_LOST)
        for k in range(40):  # every frame after the loss is good: 100 %, whatever came before
            soc_frame(s, reading, 10000 + k, 50_000_000)
            self.assertEqual(s.quality, 100, k)

    def test_bad_talk_that_stopped_stays_silence_half_a_tick_period_later(self):
        half = (ticks_add(0, -1) + 1) // 2
        reading, s = make()
        for t in range(0, 7000, 500):
            s.heard(0, 1, 0, t)
        self.assertEqual(s.update(12500), ASLEEP)  # the talk stopped; key off
        later = ticks_add(ticks_add(6500, half - 1), 1001)  # the old bad tick reads as recent again
        self.assertEqual(s.update(later), ASLEEP)


class UpdateEdgesTest(unittest.TestCase):
    def test_update_keeps_the_state_it_returns(self):
        # "The display state at ``now``; also kept in ``state``."
        reading, s = make()
        soc_frame(s, reading, 100, 50_000_000)
        self.assertEqual(s.update(100), LIVE)
        self.assertEqual(s.state, LIVE)
        soc_frame(s, reading, 200, 50_000_000, status=0x91)
        self.assertEqual(s.update(200), CHARGING)
        self.assertEqual(s.state, CHARGING)

    def test_many_good_frames_in_one_pass(self):
        # One call per pass, however many frames: 40 good ones fill the 32-outcome window.
        reading, s = make()
        s.heard(0, 1, 0, 0)
        s.heard(40, 0, 0, 100)
        self.assertEqual(s.quality, 100)

    def test_good_frames_then_silence_near_the_tick_wrap_is_asleep(self):
        # Only good frames, then the link goes quiet with the key off: asleep, not link lost,
        # whatever the tick counter reads (here just before it wraps to 0).
        reading, s = make(start=ticks_add(0, -20000))
        soc_frame(s, reading, ticks_add(0, -12000), 50_000_000)
        self.assertEqual(s.update(ticks_add(0, -12000)), LIVE)
        self.assertEqual(s.update(ticks_add(0, -6000)), ASLEEP)
