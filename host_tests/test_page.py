"""The display page's text (socbar/page.py) from a BmsState and its Reading."""

import unittest

from socbar.config import validate
from socbar.fields import F_CURRENT, F_STATUS, F_TEMPS, F_VOLTAGE, NO_SENSOR
from socbar.page import lines
from socbar.reading import Reading
from socbar.state import BmsState
from socbar.states import LIVE, REGEN, STALE


def bms(soc=0):
    state = BmsState(Reading(), validate({})[0])
    state.soc = soc
    return state


class PageTest(unittest.TestCase):
    def test_zero_is_not_negative(self):
        b = bms()
        b.reading.voltage_mv = 0
        b.reading.current_ma = 0
        b.reading.have = F_VOLTAGE | F_CURRENT
        self.assertEqual(lines(LIVE, b)[:2], ["SOC 0.0%", "0.00V 0.00A"])

    def test_negative_values_and_rounding_down(self):
        b = bms(55_555_555)  # 55.555555 %: shown to one decimal, cut, not rounded
        b.reading.voltage_mv = 51_999
        b.reading.current_ma = -8_250
        b.reading.have = F_VOLTAGE | F_CURRENT
        self.assertEqual(lines(LIVE, b)[:2], ["SOC 55.5%", "51.99V -8.25A"])

    def test_regen_shows_the_soc_and_stale_does_not(self):
        b = bms(64_000_000)
        self.assertEqual(lines(REGEN, b)[0], "SOC 64.0%")
        self.assertEqual(lines(STALE, b)[0], "SOC --")

    def test_a_missing_sensor_reads_dashes_beside_the_others(self):
        b = bms()
        b.reading.temps[0] = 253
        b.reading.temps[1] = NO_SENSOR
        b.reading.temps[2] = -105
        b.reading.have = F_TEMPS
        self.assertEqual(lines(LIVE, b)[2], "T 25.3 -- -10.5C")

    def test_temperatures_no_frame_carried_are_not_shown(self):
        b = bms()
        b.reading.temps[0] = 253
        b.reading.have = F_VOLTAGE
        self.assertEqual(lines(LIVE, b)[2], "T -- -- --C")

    def test_an_undocumented_status_code_in_capitals(self):
        b = bms()
        b.reading.status = 0xAB
        b.reading.have = F_STATUS
        self.assertEqual(lines(LIVE, b)[5], "status 0xAB ?")
