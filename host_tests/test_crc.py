"""CRC-16/MODBUS and the simple checksums, against values from docs/protocol.md."""

import unittest

from frames import crc16 as crc_bitwise  # the CRC from its definition, bit by bit
from socbar import crc

# Worked examples of docs/protocol.md section 2: frames whose last two bytes are the CRC, low byte first.
WORKED = (
    b"\xaa\x10\x01\x3b\x00\x02\x04\x10\x68\x09\xc4\x19\x61",
    b"\xaa\x10\x01\x3b\x00\x02\x28\x22",
    b"\xaa\x03\x00\x05\x00\x05\x8c\x13",
    b"\xaa\x03\x0a\x97\x40\x97\x40\x97\x2c\x97\x2c\x97\x2c\x3e\xc7",
    b"\xaa\x1b\x3f\x1b",
    b"\xaa\x1b\x06\x16\x01\x14\x01\x16\x01\x0e\x4e",
)


class Crc16Test(unittest.TestCase):
    def test_check_value(self):
        self.assertEqual(crc.crc16(b"123456789", 0, 9), 0x4B37)
        self.assertEqual(crc.crc16_py(b"123456789", 0, 9), 0x4B37)

    def test_worked_examples(self):
        for frame in WORKED:
            n = len(frame)
            expected = frame[n - 2] | (frame[n - 1] << 8)
            self.assertEqual(crc.crc16(frame, 0, n - 2), expected)
            self.assertEqual(crc.crc16_py(frame, 0, n - 2), expected)

    def test_range_and_continuation(self):
        data = bytearray(b"xx123456789yy")
        self.assertEqual(crc.crc16(data, 2, 11), 0x4B37)
        first = crc.crc16(data, 2, 6)
        self.assertEqual(crc.crc16(data, 6, 11, first), 0x4B37)
        self.assertEqual(crc.crc16(data, 5, 5), 0xFFFF)

    def test_fast_path_matches_definition(self):
        data = bytearray(range(256)) + bytearray(range(255, -1, -3))
        for end in (1, 2, 17, 255, len(data)):
            self.assertEqual(crc.crc16(data, 0, end), crc_bitwise(data[0:end]))
            self.assertEqual(crc.crc16_py(data, 0, end), crc_bitwise(data[0:end]))


class SimpleChecksumTest(unittest.TestCase):
    def test_sum8(self):
        self.assertEqual(crc.sum8(b"\x01\x02\xff", 0, 3), 0x02)  # 0x102 keeps its low byte
        self.assertEqual(crc.sum8(b"\x10\x20\x30", 1, 3), 0x50)
        self.assertEqual(crc.sum8(b"", 0, 0), 0)

    def test_xor8(self):
        self.assertEqual(crc.xor8(b"\x0f\xf0\xff", 0, 3), 0x00)
        self.assertEqual(crc.xor8(b"\xaa\x55\x01", 0, 3), 0xFE)
