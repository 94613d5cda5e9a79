"""The decoders' byte copy: the viper loop on MicroPython agrees with the portable one."""

import unittest

from socbar.bytecopy import copy, copy_py, drop_until


class CopyTest(unittest.TestCase):
    def test_copies_a_range(self):
        for fn in (copy, copy_py):
            dst = bytearray(8)
            fn(dst, 2, b"\x01\x02\x03\x04\x05", 1, 3)
            self.assertEqual(dst, bytearray(b"\x00\x00\x02\x03\x04\x00\x00\x00"))

    def test_moves_down_within_one_buffer(self):
        # The decoders drop a frame by moving the rest of their buffer to the front.
        for fn in (copy, copy_py):
            buf = bytearray(b"abcdefgh")
            fn(buf, 0, buf, 3, 5)
            self.assertEqual(buf, bytearray(b"defghfgh"))

    def test_nothing_to_copy(self):
        for fn in (copy, copy_py):
            dst = bytearray(b"xy")
            fn(dst, 0, b"ab", 0, 0)
            self.assertEqual(dst, bytearray(b"xy"))


class DropUntilTest(unittest.TestCase):
    def test_keeps_from_the_next_sync_on(self):
        buf = bytearray(b"\xaa\x01\x02\xaa\x1a\x05..")
        self.assertEqual(drop_until(buf, 1, 6, b"\xaa"), 3)  # the failed frame's first byte goes
        self.assertEqual(bytes(buf[0:3]), b"\xaa\x1a\x05")

    def test_nothing_kept_without_a_sync(self):
        buf = bytearray(b"\xaa\x01\x02\x03")
        self.assertEqual(drop_until(buf, 1, 4, b"\xaa"), 0)
        self.assertEqual(drop_until(buf, 4, 4, b"\xaa"), 0)  # everything was dropped already

    def test_the_first_sync_in_range_and_none_past_n(self):
        buf = bytearray(b"\x01\xaa\x02\xaa\x03\xaa")
        self.assertEqual(drop_until(buf, 1, 4, b"\xaa"), 3)  # from the first sync, not the last
        self.assertEqual(bytes(buf[0:3]), b"\xaa\x02\xaa")
        buf = bytearray(b"\x01\x02\x03\xaa")  # a stale sync past n counts for nothing
        self.assertEqual(drop_until(buf, 1, 3, b"\xaa"), 0)
        buf = bytearray(b"\xaa\x01")  # nothing dropped: the sync at 0 stays
        self.assertEqual(drop_until(buf, 0, 2, b"\xaa"), 2)

    def test_a_sync_further_past_n_counts_for_nothing(self):
        buf = bytearray(b"\x01\x02\x03\x04\x05\xaa")
        self.assertEqual(drop_until(buf, 1, 3, b"\xaa"), 0)
