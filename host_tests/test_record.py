"""Record lines must be exact JSON text, identical on both interpreters."""

import json
import unittest

from socbar import record
from socbar.fields import (
    CA_BRAKE,
    CA_THROTTLE_FAULT,
    F_CA_FLAGS,
    F_CELL_MAX,
    F_CELL_MIN,
    F_REGS,
    F_SOC,
    F_STATUS,
    F_TEMPS,
    F_VALUES,
    F_VOLTAGE,
    NO_SENSOR,
)
from socbar.reading import Reading


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
        r.slots()  # the registers, values and version a record may show
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

    def test_unknown_status_is_unknown_with_its_code(self):
        # 0x95 is not among the six documented codes (docs/protocol.md section 3).
        r = Reading()
        r.slots()  # the registers, values and version a record may show
        for code in (0x42, 0x95):
            r.status = code
            expected = '{"format": "x", "status": "unknown", "status_code": %d}' % code
            self.assertEqual(record.line("x", r, F_STATUS), expected)

    def test_cell_min_and_max_apart(self):
        # Issue 11 case 7: a record holds what its frame carried.
        r = Reading()
        r.slots()  # the registers, values and version a record may show
        r.cell_min_mv, r.cell_max_mv = 3012, 4123
        self.assertEqual(record.line("x", r, F_CELL_MAX), '{"format": "x", "cell_max_mv": 4123}')
        self.assertEqual(record.line("x", r, F_CELL_MIN), '{"format": "x", "cell_min_mv": 3012}')

    def test_cycle_analyst_flags(self):
        r = Reading()
        r.slots()  # the registers, values and version a record may show
        r.preset, r.ca_flags, r.limit = 2, CA_BRAKE, ord("W")
        expected = '{"format": "cav3", "preset": 2, "brake": true, "throttle_fault": false, "limit": "W"}'
        self.assertEqual(record.line("cav3", r, F_CA_FLAGS), expected)
        r.limit = 0
        self.assertEqual(json.loads(record.line("cav3", r, F_CA_FLAGS))["limit"], None)

    def test_throttle_fault_without_brake(self):
        # Each flag letter of the row is its own field: X alone is no brake.
        r = Reading()
        r.slots()  # the registers, values and version a record may show
        r.preset, r.ca_flags = 1, CA_THROTTLE_FAULT
        got = json.loads(record.line("cav3", r, F_CA_FLAGS))
        self.assertEqual((got["brake"], got["throttle_fault"]), (False, True))

    def test_registers_with_and_without_address(self):
        r = Reading()
        r.slots()  # the registers, values and version a record may show
        r.reg_count = 2
        r.regs[0], r.reg_addrs[0] = 0x9740, -1
        r.regs[1], r.reg_addrs[1] = 4200, 315
        expected = '{"format": "tinybms", "registers": [[null, 38720], [315, 4200]]}'
        self.assertEqual(record.line("tinybms", r, F_REGS), expected)

    def test_register_address_zero_is_an_address(self):
        # Tiny BMS register 0 is cell 1's voltage: only a negative address means unknown.
        r = Reading()
        r.slots()  # the registers, values and version a record may show
        r.reg_count = 2
        r.regs[0], r.reg_addrs[0] = 3301, 0
        r.regs[1], r.reg_addrs[1] = 3302, 1
        expected = '{"format": "tinybms", "registers": [[0, 3301], [1, 3302]]}'
        self.assertEqual(record.line("tinybms", r, F_REGS), expected)

    def test_values_are_named(self):
        r = Reading()
        r.slots()  # the registers, values and version a record may show
        r.value_count = 3
        r.value_mask = 0b101  # the row had no "V": absent, not 0
        r.values[0] = 39_977
        r.values[2] = -422_200
        expected = '{"format": "cav3", "values": {"Ah": 39.977, "A": -422.2}}'
        self.assertEqual(record.line("cav3", r, F_VALUES, ("Ah", "V", "A")), expected)


class EveryFieldTest(unittest.TestCase):
    def test_every_flag_in_its_unit_and_order(self):
        from socbar.fields import (
            F_ACK,
            F_AH,
            F_CELLS,
            F_CURRENT,
            F_NACK,
            F_RANGE,
            F_SPEED,
            F_VERSION,
        )

        r = Reading()
        r.slots()  # the registers, values and version a record may show
        r.soc = 5
        r.voltage_mv = -1
        r.current_ma = -8_250
        r.status = 0x91
        r.temps[1] = 5
        r.cell_min_mv, r.cell_max_mv = 3_301, 3_402
        r.cell_count = 2
        r.cells[0], r.cells[1] = 33_015, 34_020  # 0.1 mV
        r.ah_used_mah = 12_345
        r.speed = 25_500
        r.distance_km, r.time_left_s = 42, 3_600
        r.version_count = 2
        r.version[0], r.version[1] = 1, 2
        r.ack_cmd = 0x0D
        r.nack_cmd, r.nack_err = 0x0B, 1
        r.value_count = 1
        r.value_mask = 1
        r.values[0] = 7
        flags = (F_SOC | F_VOLTAGE | F_CURRENT | F_STATUS | F_TEMPS | F_CELL_MIN | F_CELL_MAX | F_CELLS
                 | F_AH | F_SPEED | F_RANGE | F_VERSION | F_ACK | F_NACK | F_VALUES)
        text = record.line("x", r, flags, ("n",))
        self.assertEqual(
            text,
            '{"format": "x", "soc_pct": 0.000005, "voltage_v": -0.001, "current_a": -8.25, '
            '"status": "charging", "status_code": 145, "temps_c": [null, 0.5, null], '
            '"cell_min_mv": 3301, "cell_max_mv": 3402, "cells_mv": [3301.5, 3402], "ah_used": 12.345, '
            '"speed": 25.5, "distance_km": 42, "time_left_s": 3600, "version": [1, 2], "ack": 13, '
            '"nack": 11, "nack_error": 1, "values": {"n": 0.007}}',
        )
        self.assertEqual(json.loads(text)["cells_mv"], [3301.5, 3402])

    def test_fixed_around_zero(self):
        self.assertEqual(record.fixed(0, 1), "0")
        self.assertEqual(record.fixed(1, 3), "0.001")
        self.assertEqual(record.fixed(10, 3), "0.01")
        self.assertEqual(record.fixed(-1, 3), "-0.001")
