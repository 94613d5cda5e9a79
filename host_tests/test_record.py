"""Record lines must be exact JSON text, identical on both interpreters."""

import json
import unittest

from socbar import record
from socbar.reading import F_REGS, F_SOC, F_STATUS, F_TEMPS, F_VALUES, F_VOLTAGE, NO_SENSOR, Reading


class FixedTest(unittest.TestCase):
    def test_decimal_text(self):
        self.assertEqual(record.fixed(87_500_000, 6), "87.5")
        self.assertEqual(record.fixed(100_000_000, 6), "100")
        self.assertEqual(record.fixed(1, 6), "0.000001")
        self.assertEqual(record.fixed(-422_200, 3), "-422.2")
        self.assertEqual(record.fixed(-5, 1), "-0.5")
        self.assertEqual(record.fixed(0, 3), "0")


class LineTest(unittest.TestCase):
    def test_fields_of_the_flags_only(self):
        r = Reading()
        r.soc = 54_321_000
        r.status = 0x93
        r.voltage_mv = 52_910
        r.temps[0] = 278
        r.temps[2] = -15
        text = record.line("tinybms", r, F_SOC | F_STATUS | F_VOLTAGE | F_TEMPS)
        self.assertEqual(
            text,
            '{"format": "tinybms", "soc_pct": 54.321, "voltage_v": 52.91, "status": "discharging", '
            '"status_code": 147, "temps_c": [27.8, null, -1.5]}',
        )
        self.assertEqual(json.loads(text)["temps_c"], [27.8, None, -1.5])
        self.assertEqual(r.temps[1], NO_SENSOR)

    def test_unknown_status_is_null_with_its_code(self):
        r = Reading()
        r.status = 0x42
        self.assertEqual(record.line("x", r, F_STATUS), '{"format": "x", "status": null, "status_code": 66}')

    def test_registers_with_and_without_address(self):
        r = Reading()
        r.reg_count = 2
        r.regs[0], r.reg_addrs[0] = 0x9740, -1
        r.regs[1], r.reg_addrs[1] = 4200, 315
        expected = '{"format": "tinybms", "registers": [[null, 38720], [315, 4200]]}'
        self.assertEqual(record.line("tinybms", r, F_REGS), expected)

    def test_values_are_named(self):
        r = Reading()
        r.value_count = 2
        r.values[0] = 39_977
        r.values[1] = -422_200
        expected = '{"format": "cav3", "values": {"Ah": 39.977, "A": -422.2}}'
        self.assertEqual(record.line("cav3", r, F_VALUES, ("Ah", "A")), expected)
