"""SOC from amp-hours and from pack voltage, in 0.000001 % units."""

import unittest

import alloc
from socbar.soc import LIFEPO4_OCV_MV, NMC_OCV_MV, soc_from_ah, soc_from_voltage


class FromAmpHoursTest(unittest.TestCase):
    def test_share_of_capacity_left(self):
        self.assertEqual(soc_from_ah(0, 10000), 100_000_000)
        self.assertEqual(soc_from_ah(2500, 10000), 75_000_000)  # 7.5 of 10 Ah left
        self.assertEqual(soc_from_ah(10000, 10000), 0)
        # 1/3 left: 33.333333 % truncated to the unit
        self.assertEqual(soc_from_ah(2000, 3000), 33_333_333)

    def test_clamped_and_safe(self):
        self.assertEqual(soc_from_ah(12000, 10000), 0)  # more used than the pack holds
        self.assertEqual(soc_from_ah(-50, 10000), 100_000_000)  # regen before the first use
        self.assertEqual(soc_from_ah(10, 0), 0)

    def test_edges(self):
        self.assertEqual(soc_from_ah(9999, 10000), 10_000)  # 1 mAh of 10 Ah left: 0.01 %
        self.assertEqual(soc_from_ah(0, 1), 100_000_000)  # the smallest capacity, full
        self.assertEqual(soc_from_ah(-50, 0), 0)  # no capacity: nothing to show

    def test_large_pack_stays_exact(self):
        # 2000 Ah pack, 1 Ah used: 99.95 %
        self.assertEqual(soc_from_ah(1000, 2_000_000), 99_950_000)


class FromVoltageTest(unittest.TestCase):
    def test_table_points(self):
        # 13 NMC cells at the table's 50 % point (3740 mV), its top and its bottom
        self.assertEqual(soc_from_voltage(13 * 3740, 13, "nmc"), 50_000_000)
        self.assertEqual(soc_from_voltage(13 * 4200, 13, "nmc"), 100_000_000)
        self.assertEqual(soc_from_voltage(13 * 3000, 13, "nmc"), 0)

    def test_interpolates_between_points(self):
        # Halfway between the 50 % (3740 mV) and 60 % (3800 mV) points: 55 %.
        self.assertEqual(soc_from_voltage(10 * 3770, 10, "nmc"), 55_000_000)
        # A quarter of the way from 20 % to 30 % on LiFePO4 (3200 -> 3220 mV): 22.5 %.
        self.assertEqual(soc_from_voltage(16 * 3205, 16, "lifepo4"), 22_500_000)

    def test_pack_millivolts_are_not_lost_to_the_cell_count(self):
        # 13 cells, 50 % step spans 13 * 60 = 780 mV of pack voltage.
        # 13 mV above 48620: 13 / 780 of 10 % = 0.1666... %
        self.assertEqual(soc_from_voltage(48633, 13, "nmc"), 50_166_666)
        # 20 mV above: 20 / 780 of 10 % = 0.25641025... % (the same 3741 mV cell mean)
        self.assertEqual(soc_from_voltage(48640, 13, "nmc"), 50_256_410)

    def test_outside_the_table(self):
        self.assertEqual(soc_from_voltage(4 * 2000, 4, "lifepo4"), 0)
        self.assertEqual(soc_from_voltage(4 * 3650, 4, "lifepo4"), 100_000_000)  # charging voltage
        self.assertEqual(soc_from_voltage(48000, 0, "lifepo4"), 0)

    def test_first_and_last_steps_interpolate(self):
        # One NMC cell halfway up the first step (3000 -> 3450 mV) and the last (4060 -> 4200 mV).
        self.assertEqual(soc_from_voltage(3225, 1, "nmc"), 5_000_000)
        self.assertEqual(soc_from_voltage(4130, 1, "nmc"), 95_000_000)
        self.assertEqual(soc_from_voltage(3740, 1, "nmc"), 50_000_000)  # one cell is a pack too

    def test_tables_rise(self):
        for table in (NMC_OCV_MV, LIFEPO4_OCV_MV):
            self.assertEqual(len(table), 11)
            for i in range(10):
                self.assertTrue(table[i] < table[i + 1], table)

    def test_allocates_nothing(self):
        if not alloc.measurable():
            self.skipTest(alloc.UNMEASURABLE)

        def spin(n):
            mv = 40000
            while n:
                soc_from_voltage(mv, 13, "nmc")
                soc_from_ah(mv, 100_000)
                mv += 17
                n -= 1

        self.assertEqual(alloc.allocated(spin, 1000), 0)
