"""A Reading starts, and after clear() starts again, as "nothing heard": every slot empty."""

import unittest

from socbar.fields import MAX_CELLS, MAX_REGS, MAX_VALUES, MAX_VERSION, NO_SENSOR
from socbar.reading import Reading

SCALARS = ("have", "soc", "status", "voltage_mv", "current_ma", "cell_min_mv", "cell_max_mv",
           "ah_used_mah", "speed", "distance_km", "time_left_s", "cell_count", "reg_count",
           "value_count", "value_mask", "preset", "ca_flags", "limit", "version_count", "ack_cmd",
           "nack_cmd", "nack_err")


def filled():
    """A Reading with a non-zero value in every slot."""
    r = Reading()
    r.slots()
    for i, name in enumerate(SCALARS):
        setattr(r, name, i + 1)
    for slots in (r.temps, r.cells, r.regs, r.reg_addrs, r.values, r.version):
        for i in range(len(slots)):
            slots[i] = 7
    return r


class ReadingTest(unittest.TestCase):
    def assert_empty(self, r):
        for name in SCALARS:
            self.assertEqual((name, getattr(r, name)), (name, 0))
        self.assertEqual(list(r.temps), [NO_SENSOR] * 3)

    def test_a_new_reading_has_heard_nothing(self):
        self.assert_empty(Reading())

    def test_clear_forgets_every_value(self):
        r = filled()
        r.clear()
        self.assert_empty(r)

    def test_the_large_slots_are_made_at_their_first_use(self):
        r = Reading()
        self.assertEqual((r.regs, r.reg_addrs, r.values, r.version), (None, None, None, None))
        r.slots()
        regs = r.regs
        r.regs[0] = 5
        r.slots()  # once: what they hold stays
        self.assertIs(r.regs, regs)
        self.assertEqual(r.regs[0], 5)

    def test_slot_sizes_and_ranges(self):
        r = Reading()
        r.slots()
        self.assertEqual([len(r.cells), len(r.regs), len(r.reg_addrs), len(r.values), len(r.version)],
                         [MAX_CELLS, MAX_REGS, MAX_REGS, MAX_VALUES, MAX_VERSION])
        for slots in (r.cells, r.regs, r.reg_addrs, r.values, r.version):
            self.assertEqual(list(slots), [0] * len(slots))
        # Cells, registers and version words are unsigned 16-bit; addresses and temperatures signed.
        r.cells[0] = r.regs[0] = r.version[0] = 0xFFFF
        self.assertEqual((r.cells[0], r.regs[0], r.version[0]), (0xFFFF, 0xFFFF, 0xFFFF))
        r.reg_addrs[0] = r.temps[0] = -1
        self.assertEqual((r.reg_addrs[0], r.temps[0]), (-1, -1))
        r.values[0] = -(2 ** 30)  # a Cycle Analyst number in milli-units needs 32 bits
        self.assertEqual(r.values[0], -(2 ** 30))


if __name__ == "__main__":
    unittest.main()
