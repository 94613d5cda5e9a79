"""SOC from amp-hours and from pack voltage, in 0.000001 % units."""

import unittest

from socbar.soc import OCV_MV, soc_from_ah, soc_from_voltage


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

    def test_large_pack_stays_exact(self):
        # 2000 Ah pack, 1 Ah used: 99.95 %
        self.assertEqual(soc_from_ah(1000, 2_000_000), 99_950_000)


class FromVoltageTest(unittest.TestCase):
    def test_table_points(self):
        nmc = OCV_MV["nmc"]
        # 13 cells at the 50 % point of the table
        self.assertEqual(soc_from_voltage(13 * nmc[5], 13, nmc), 50_000_000)
        self.assertEqual(soc_from_voltage(13 * nmc[10], 13, nmc), 100_000_000)
        self.assertEqual(soc_from_voltage(13 * nmc[0], 13, nmc), 0)

    def test_interpolates_between_points(self):
        nmc = OCV_MV["nmc"]
        # Halfway between the 50 % and 60 % points: 55 %.
        half = (nmc[5] + nmc[6]) // 2
        self.assertEqual(soc_from_voltage(10 * half, 10, nmc), 55_000_000)
        # A quarter of the way from 20 % to 30 % on LiFePO4 (3200 -> 3220 mV): 22.5 %.
        lfp = OCV_MV["lifepo4"]
        self.assertEqual((lfp[2], lfp[3]), (3200, 3220))
        self.assertEqual(soc_from_voltage(16 * 3205, 16, lfp), 22_500_000)

    def test_outside_the_table(self):
        lfp = OCV_MV["lifepo4"]
        self.assertEqual(soc_from_voltage(4 * 2000, 4, lfp), 0)
        self.assertEqual(soc_from_voltage(4 * 3650, 4, lfp), 100_000_000)  # charging voltage
        self.assertEqual(soc_from_voltage(48000, 0, lfp), 0)

    def test_tables_rise(self):
        for name, table in OCV_MV.items():
            self.assertEqual(len(table), 11, name)
            for i in range(10):
                self.assertTrue(table[i] < table[i + 1], name)
