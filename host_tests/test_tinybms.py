"""The Tiny BMS decoder and request builders, against docs/protocol.md.

Frames come from docs/protocol.md's worked examples or are built by frames.py
with its own bit-by-bit CRC; every expected value is worked out by hand in
the comments, never taken from the decoder.
"""

import unittest

import alloc
import frames
from feeding import feed
from frames import float32_bits, float32_le, frame, i16le, u16be, u16le, u32le, with_pl
from socbar.fields import (
    F_ACK,
    F_CELL_MAX,
    F_CELL_MIN,
    F_CELLS,
    F_CURRENT,
    F_NACK,
    F_RANGE,
    F_REGS,
    F_SOC,
    F_SPEED,
    F_STATUS,
    F_TEMPS,
    F_VERSION,
    F_VOLTAGE,
    MAX_REGS,
    NO_SENSOR,
)
from socbar.reading import Reading
from socbar.requests import read_block, read_registers, request
from socbar.tinybms import TinyBmsDecoder, _milli


def float_milli(buf, offset):
    """1000 x the little-endian IEEE-754 single at ``buf[offset:offset + 4]``, as the decoder
    converts a float field (its upper and lower 16-bit halves)."""
    return _milli(buf[offset + 2] | (buf[offset + 3] << 8), buf[offset] | (buf[offset + 1] << 8))


MILLI_MAX = 2**30 - 1  # the saturation bound of the module docstring: a small int on the RP2040
NOT_FINITE = -(2**30)  # float_milli's answer to NaN and infinities, below every finite value
ASK_MEMORY = 4  # unanswered responses after which a line is no longer answers-only

TEMPS_REPLY = bytes.fromhex("AA1B061601140116010E4E")
TEMPS_REQUEST = bytes.fromhex("AA1B3F1B")
MODBUS_REQUEST = bytes.fromhex("AA03000500058C13")
MODBUS_REPLY = bytes.fromhex("AA030A97409740972C972C972C3EC7")
WRITE_REQUEST = bytes.fromhex("AA10013B0002041068 09C41961".replace(" ", ""))
WRITE_REPLY = bytes.fromhex("AA10013B00022822")


def decoder():
    return TinyBmsDecoder(Reading())


def fed(data, step=0):
    """A decoder that has been fed ``data`` whole (step 0) or in ``step``-byte chunks."""
    return feed(decoder(), data, step)


def counters(dec):
    return (dec.good, dec.bad, dec.skipped, dec.overlong, dec.requests)


class WorkedExampleTest(unittest.TestCase):
    def test_temperature_reply(self):
        # 0x0116 = 278, 0x0114 = 276: 27.8, 27.6, 27.8 degC in 0.1 degC.
        dec = fed(TEMPS_REPLY)
        self.assertEqual(dec.flags, F_TEMPS)
        self.assertEqual(list(dec.reading.temps), [278, 276, 278])
        self.assertEqual(counters(dec), (1, 0, 0, 0, 0))

    def test_modbus_reply_without_request(self):
        dec = fed(MODBUS_REPLY)
        r = dec.reading
        self.assertEqual(dec.flags, F_REGS)
        self.assertEqual(r.reg_count, 5)
        self.assertEqual(list(r.regs[0:5]), [0x9740, 0x9740, 0x972C, 0x972C, 0x972C])
        self.assertEqual(list(r.reg_addrs[0:5]), [-1, -1, -1, -1, -1])
        self.assertEqual(counters(dec), (1, 0, 0, 0, 0))

    def test_modbus_request_then_reply(self):
        # Registers 5-9 are cells 5-9 (0.1 mV): 0x9740 = 38720, 0x972C = 38700.
        dec = fed(MODBUS_REQUEST + MODBUS_REPLY)
        r = dec.reading
        self.assertEqual(dec.flags, F_REGS | F_CELLS)
        self.assertEqual(list(r.reg_addrs[0:5]), [5, 6, 7, 8, 9])
        self.assertEqual(list(r.cells[5:10]), [38720, 38720, 38700, 38700, 38700])
        self.assertEqual(r.cell_count, 10)
        self.assertEqual(counters(dec), (1, 0, 0, 0, 1))

    def test_write_reply_is_an_ack_of_0x10(self):
        dec = fed(WRITE_REPLY)
        self.assertEqual(dec.flags, F_ACK)
        self.assertEqual(dec.reading.ack_cmd, 0x10)
        self.assertEqual(counters(dec), (1, 0, 0, 0, 0))

    def test_write_request_is_not_decoded(self):
        # Read as an 8-byte write reply its CRC fails: one bad frame, and no
        # 0xAA follows, so all 13 bytes are skipped.
        dec = fed(WRITE_REQUEST)
        self.assertEqual(dec.flags, 0)
        self.assertEqual(counters(dec), (0, 1, 13, 0, 0))

    def test_temperature_request_is_a_request(self):
        dec = fed(TEMPS_REQUEST + TEMPS_REPLY)
        self.assertEqual(counters(dec), (1, 0, 0, 0, 1))
        self.assertEqual(list(dec.reading.temps), [278, 276, 278])


class FloatTest(unittest.TestCase):
    def milli(self, x):
        return float_milli(float32_le(x), 0)

    def test_exact_values(self):
        self.assertEqual(self.milli(53.25), 53250)
        self.assertEqual(self.milli(-12.5), -12500)
        self.assertEqual(self.milli(1.0), 1000)
        self.assertEqual(self.milli(0.0), 0)
        self.assertEqual(float_milli(float32_bits(0x80000000), 0), 0)  # -0.0
        self.assertEqual(self.milli(4096.25), 4096250)
        self.assertEqual(self.milli(524288.5), 524288500)  # 2**19 + 0.5
        self.assertEqual(self.milli(1048575.0), 1048575000)  # 2**20 - 1

    def test_rounding(self):
        self.assertEqual(self.milli(0.0009765625), 1)  # 2**-10 -> 0.9765625
        self.assertEqual(self.milli(0.00048828125), 0)  # 2**-11 -> 0.488
        self.assertEqual(self.milli(0.0625), 63)  # 62.5: ties away from zero
        self.assertEqual(self.milli(-0.0625), -63)
        self.assertEqual(self.milli(0.001), 1)  # nearest single is 0.0010000000475
        # Nearest single to 1234.5678 is 1234.5677490234375 -> 1234567.749.
        self.assertEqual(self.milli(1234.5678), 1234568)
        self.assertEqual(self.milli(3.14159), 3142)

    def test_tiny_and_denormal(self):
        self.assertEqual(float_milli(float32_bits(0x00000001), 0), 0)
        self.assertEqual(float_milli(float32_bits(0x007FFFFF), 0), 0)
        self.assertEqual(self.milli(1e-10), 0)

    def test_saturation(self):
        self.assertEqual(self.milli(1048576.0), MILLI_MAX)  # 2**20
        self.assertEqual(self.milli(-3e9), -MILLI_MAX)
        self.assertEqual(float_milli(float32_bits(0x7F7FFFFF), 0), MILLI_MAX)  # largest finite

    def test_not_finite(self):
        for bits in (0x7FC00000, 0x7F800000, 0xFF800000, 0xFFFFFFFF):
            self.assertEqual(float_milli(float32_bits(bits), 0), NOT_FINITE)

    def test_offset(self):
        self.assertEqual(float_milli(b"\x00\x00" + float32_le(-2.5), 2), -2500)


class CommandTest(unittest.TestCase):
    def test_pack_voltage(self):
        dec = fed(frame(0x14, float32_le(53.25)))
        self.assertEqual(dec.flags, F_VOLTAGE)
        self.assertEqual(dec.reading.voltage_mv, 53250)
        self.assertEqual(dec.reading.have, F_VOLTAGE)

    def test_pack_current(self):
        dec = fed(frame(0x15, float32_le(-12.5)))
        self.assertEqual(dec.flags, F_CURRENT)
        self.assertEqual(dec.reading.current_ma, -12500)

    def test_nan_is_ignored_but_the_frame_is_good(self):
        dec = fed(frame(0x14, float32_le(48.0)) + frame(0x14, float32_bits(0x7FC00000)))
        self.assertEqual(dec.reading.voltage_mv, 48000)
        self.assertEqual(counters(dec), (2, 0, 0, 0, 0))

    def test_cell_max_min(self):
        dec = fed(frame(0x16, u16le(4123)) + frame(0x17, u16le(3012)))
        self.assertEqual(dec.flags, F_CELL_MAX | F_CELL_MIN)
        self.assertEqual((dec.reading.cell_max_mv, dec.reading.cell_min_mv), (4123, 3012))

    def test_status(self):
        dec = fed(frame(0x18, u16le(0x9B)))
        self.assertEqual(dec.flags, F_STATUS)
        self.assertEqual(dec.reading.status, 0x9B)

    def test_soc(self):
        dec = fed(frame(0x1A, u32le(87654321)))
        self.assertEqual(dec.flags, F_SOC)
        self.assertEqual(dec.reading.soc, 87654321)
        self.assertEqual(fed(frame(0x1A, u32le(100000000))).reading.soc, 100000000)

    def test_temps_with_missing_sensor(self):
        dec = fed(with_pl(0x1B, i16le(-55, -32768, 1234)))
        self.assertEqual(list(dec.reading.temps), [-55, -32768, 1234])

    def test_cells(self):
        values = [36000 + 37 * i for i in range(13)]
        dec = fed(with_pl(0x1C, u16le(*values)))
        self.assertEqual(dec.flags, F_CELLS)
        self.assertEqual(dec.reading.cell_count, 13)
        self.assertEqual(list(dec.reading.cells[0:13]), values)
        dec = fed(with_pl(0x1C, u16le(*range(41000, 41016))))
        self.assertEqual(dec.reading.cell_count, 16)
        self.assertEqual(dec.reading.cells[15], 41015)

    def test_versions(self):
        dec = fed(with_pl(0x1E, b"\x01\x02\x03" + u16le(0x0102)))
        self.assertEqual(dec.flags, F_VERSION)
        self.assertEqual(dec.reading.version_count, 4)
        self.assertEqual(list(dec.reading.version[0:4]), [1, 2, 3, 258])
        dec = fed(with_pl(0x1F, b"\x01\x02\x03" + u16le(0x0203, 7, 9)))
        self.assertEqual(dec.reading.version_count, 6)
        self.assertEqual(list(dec.reading.version[0:6]), [1, 2, 3, 515, 7, 9])

    def test_speed_distance_time(self):
        dec = fed(frame(0x20, float32_le(24.5) + u32le(42) + u32le(5400)))
        r = dec.reading
        self.assertEqual(dec.flags, F_SPEED | F_RANGE)
        self.assertEqual((r.speed, r.distance_km, r.time_left_s), (24500, 42, 5400))
        dec = fed(frame(0x20, float32_bits(0x7F800000) + u32le(7) + u32le(86400)))
        self.assertEqual(dec.flags, F_RANGE)  # an infinite speed is left out
        self.assertEqual((dec.reading.distance_km, dec.reading.time_left_s), (7, 86400))

    def test_ack_and_nack(self):
        dec = fed(frame(0x01, b"\x07") + frame(0x00, b"\x1a\x01"))
        r = dec.reading
        self.assertEqual(dec.flags, F_ACK | F_NACK)
        self.assertEqual((r.ack_cmd, r.nack_cmd, r.nack_err), (7, 0x1A, 1))

    def test_block_without_request(self):
        dec = fed(with_pl(0x07, u16le(1, 2, 0xFFFF)))
        r = dec.reading
        self.assertEqual(dec.flags, F_REGS)
        self.assertEqual(list(r.regs[0:3]), [1, 2, 0xFFFF])
        self.assertEqual(list(r.reg_addrs[0:3]), [-1, -1, -1])

    def test_block_request_then_reply(self):
        # Regs 46-50: SOC 95 000 000 = 0x05A995C0 (low word first), internal
        # temp 25.1 degC, reg 49, status 0x93.
        dec = fed(frames.block_read_request(46, 5) + with_pl(0x07, u16le(0x95C0, 0x05A9, 251, 0, 0x93)))
        r = dec.reading
        self.assertEqual(dec.flags, F_REGS | F_SOC | F_TEMPS | F_STATUS)
        self.assertEqual(list(r.reg_addrs[0:5]), [46, 47, 48, 49, 50])
        self.assertEqual((r.soc, r.temps[0], r.status), (95000000, 251, 0x93))
        self.assertEqual(counters(dec), (1, 0, 0, 0, 1))

    def test_a_nan_in_a_float_register_pair_sets_no_flag(self):
        # 0x7FC00000 is a quiet NaN: registers 36-37 say nothing of the voltage (as a NaN 0x14).
        dec = fed(frames.modbus_read_request(36, 2) + with_pl(0x03, u16be(0x0000, 0x7FC0)))
        self.assertEqual((dec.flags, dec.reading.voltage_mv), (F_REGS, 0))

    def test_modbus_floats_and_cell_range(self):
        # 53.25 = 0x42550000, -12.5 = 0xC1480000: low word in the lower register.
        reply = with_pl(0x03, u16be(0x0000, 0x4255, 0x0000, 0xC148, 3012, 4123))
        dec = fed(frames.modbus_read_request(36, 6) + reply)
        r = dec.reading
        self.assertEqual(dec.flags, F_REGS | F_VOLTAGE | F_CURRENT | F_CELL_MIN | F_CELL_MAX)
        self.assertEqual((r.voltage_mv, r.current_ma), (53250, -12500))
        self.assertEqual((r.cell_min_mv, r.cell_max_mv), (3012, 4123))

    def test_reply_of_another_size_has_no_addresses(self):
        dec = fed(frames.modbus_read_request(36, 4) + with_pl(0x03, u16be(1, 2)))
        self.assertEqual(dec.flags, F_REGS)
        self.assertEqual(list(dec.reading.reg_addrs[0:2]), [-1, -1])

    def test_individual_registers(self):
        # 0xFF9C = -100: external temp 1 at -10.0 degC.
        pairs = u16le(46, 0x95C0, 47, 0x05A9, 50, 0x91, 42, 0xFF9C)
        dec = fed(with_pl(0x09, u16le(46, 47, 50, 42)) + with_pl(0x09, pairs))
        r = dec.reading
        self.assertEqual(dec.flags, F_REGS | F_SOC | F_STATUS | F_TEMPS)
        self.assertEqual(list(r.reg_addrs[0:4]), [46, 47, 50, 42])
        self.assertEqual((r.soc, r.status, r.temps[1]), (95000000, 0x91, -100))

    def test_individual_register_request(self):
        dec = fed(with_pl(0x09, u16le(50)) + with_pl(0x09, u16le(50, 0x97)))
        self.assertEqual(counters(dec), (1, 0, 0, 0, 1))
        self.assertEqual(dec.reading.status, 0x97)

    def test_have_accumulates_and_on_record_sees_each_frame(self):
        seen = []
        dec = decoder()
        dec.on_record = seen.append
        data = frame(0x1A, u32le(5)) + frame(0x18, u16le(0x93))
        self.assertEqual(dec.feed(data, len(data)), F_SOC | F_STATUS)
        self.assertEqual(seen, [F_SOC, F_STATUS])
        self.assertEqual(dec.reading.have, F_SOC | F_STATUS)


def mixed_stream():
    return (
        frames.read_request(0x1A)
        + frame(0x1A, u32le(50000000))
        + b"\x00\x13\x55"
        + frames.read_request(0x14)
        + frame(0x14, float32_le(53.25))
        + TEMPS_REQUEST
        + TEMPS_REPLY
        + MODBUS_REQUEST
        + MODBUS_REPLY
        + frames.read_request(0x18)
        + frame(0x18, u16le(0x91))
        + frames.read_request(0x1C)
        + with_pl(0x1C, u16le(*range(37000, 37013)))
        + frames.read_request(0x20)
        + frame(0x20, float32_le(12.0) + u32le(3) + u32le(600))
        + WRITE_REPLY
    )


class StreamTest(unittest.TestCase):
    def snapshot(self, dec):
        r = dec.reading
        return (
            counters(dec),
            dec.flags,
            r.have,
            r.soc,
            r.voltage_mv,
            r.status,
            list(r.temps),
            list(r.cells),
            r.cell_count,
            list(r.regs[0:5]),
            list(r.reg_addrs[0:5]),
            r.speed,
            r.time_left_s,
            r.ack_cmd,
        )

    def test_mixed_stream_counters(self):
        dec = fed(mixed_stream())
        # 7 answers to 7 requests; the write reply answers none of them: bad, its 8 bytes
        # skipped after the three junk bytes.
        self.assertEqual(counters(dec), (7, 1, 11, 0, 7))

    def test_any_chunking_gives_the_same(self):
        data = mixed_stream()
        whole = self.snapshot(fed(data))
        for step in (1, 2, 3, 5, 7, 64):
            self.assertEqual(self.snapshot(fed(data, step)), whole)

    def test_junk_before_a_frame(self):
        dec = fed(b"\x01\x02\x03\x55" + frame(0x1A, u32le(7)))
        self.assertEqual(counters(dec), (1, 0, 4, 0, 0))
        self.assertEqual(dec.reading.soc, 7)

    def test_unknown_command_skips_only_the_sync(self):
        dec = fed(b"\xaa\x55\xaa\x21" + frame(0x18, u16le(0x92)))
        self.assertEqual(counters(dec), (1, 0, 4, 0, 0))
        self.assertEqual(dec.reading.status, 0x92)

    def test_truncated_frame_then_valid(self):
        # 50 000 000 = 0x02FAF080: the first five bytes hold no other 0xAA.
        cut = frame(0x1A, u32le(50000000))[0:5]
        dec = fed(cut + frame(0x18, u16le(0x93)))
        self.assertEqual(counters(dec), (1, 1, 5, 0, 0))
        self.assertEqual(dec.reading.status, 0x93)
        self.assertEqual(dec.reading.have, F_STATUS)

    def test_valid_frame_hidden_after_a_failed_sync(self):
        status = frame(0x18, u16le(0x93))
        # AA 14 wants 8 bytes and takes AA 14 + the 6 status bytes: its CRC
        # fails, and AA 14 AA 18 is not a request either.
        self.assertNotEqual(frames.crc16(b"\xaa\x14" + status[0:4]), status[4] | status[5] << 8)
        dec = fed(b"\xaa\x14" + status)
        self.assertEqual(counters(dec), (1, 1, 2, 0, 0))
        self.assertEqual(dec.reading.status, 0x93)

    def test_false_long_sync_does_not_hold_back_a_frame(self):
        # AA 03 FE announces a 259-byte reply; the complete SOC frame behind it
        # ends that wait: one bad frame, AA 03 FE skipped.
        dec = fed(b"\xaa\x03\xfe" + frame(0x1A, u32le(33)))
        self.assertEqual(counters(dec), (1, 1, 3, 0, 0))
        self.assertEqual(dec.reading.soc, 33)

    def test_overlong(self):
        # 17 cells is more than the Reading holds (16). 3700 = 0x0E74.
        long = with_pl(0x1C, u16le(*([3700] * 17)))
        self.assertNotIn(0xAA, long[1:])
        dec = fed(long + frame(0x1A, u32le(9)))
        self.assertEqual(counters(dec), (1, 0, len(long), 1, 0))
        self.assertEqual(dec.reading.soc, 9)
        dec = fed(b"\xaa\x03\xff" + bytes(300) + frame(0x1A, u32le(9)))
        self.assertEqual(counters(dec), (1, 0, 303, 1, 0))

    def test_reset_drops_a_partial_frame(self):
        data = frame(0x1A, u32le(9))
        dec = decoder()
        dec.feed(data[0:3], 3)
        dec.reset()
        dec.feed(data[3:], len(data) - 3)
        self.assertEqual(counters(dec), (0, 0, len(data), 0, 0))
        dec.feed(data, len(data))
        self.assertEqual(dec.reading.soc, 9)

    def test_feed_only_reads_n_bytes(self):
        data = frame(0x1A, u32le(9)) + b"\xaa\x1a\x00\x00\x00"
        dec = decoder()
        self.assertEqual(dec.feed(data, 8), F_SOC)
        self.assertEqual(counters(dec), (1, 0, 0, 0, 0))

    def test_every_byte_after_a_sync_is_survived(self):
        dec = decoder()
        for b in range(256):
            data = bytes((0xAA, b, 0xAA, b, 0xAA))
            dec.feed(data, len(data))
        data = bytes(300) + frame(0x1A, u32le(11))
        dec.feed(data, len(data))
        self.assertEqual(dec.reading.soc, 11)


def answered(*pairs):
    """A 0x09 request for the addresses of ``pairs`` (address, value, ...), then its reply."""
    addresses = [pairs[i] for i in range(0, len(pairs), 2)]
    return with_pl(0x09, u16le(*addresses)) + with_pl(0x09, u16le(*pairs))


class RegisterMapTest(unittest.TestCase):
    """Registers of known address land in their slots (protocol.md section 3)."""

    def test_temperatures_and_the_last_cell(self):
        # 48 internal, 42 external 1, 43 external 2; 0..15 cells, 16 is not a cell.
        dec = fed(answered(48, 251, 42, 0xFF9C, 43, 300, 15, 36000, 16, 99))
        r = dec.reading
        self.assertEqual(list(r.temps), [251, -100, 300])
        self.assertEqual((r.cell_count, r.cells[15]), (16, 36000))
        self.assertEqual(dec.flags, F_REGS | F_TEMPS | F_CELLS)

    def test_cells_count_up_one_by_one(self):
        dec = fed(answered(0, 33000, 1, 33010))
        self.assertEqual((dec.reading.cell_count, list(dec.reading.cells[0:2])), (2, [33000, 33010]))

    def test_a_high_word_first_in_a_reply_is_no_soc(self):
        dec = fed(answered(47, 0x05F5))
        self.assertFalse(dec.flags & F_SOC)

    def test_addresses_above_255(self):
        dec = fed(answered(306, 1000))  # battery capacity, 0.01 Ah
        self.assertEqual((list(dec.reading.reg_addrs[0:1]), dec.reading.regs[0]), ([306], 1000))
        # Three registers: a 0x07 request for two would also read as a one-register reply.
        for asked in (frames.modbus_read_request(0x0132, 3), frames.block_read_request(0x0132, 3)):
            cmd = asked[1]
            reply = with_pl(cmd, u16be(1, 2, 3) if cmd == 0x03 else u16le(1, 2, 3))
            dec = fed(asked + reply)
            self.assertEqual(list(dec.reading.reg_addrs[0:3]), [0x0132, 0x0133, 0x0134], cmd)

    def test_blocks_at_both_ends_of_the_map(self):
        dec = fed(frames.modbus_read_request(0, 2) + with_pl(0x03, u16be(33000, 33010)))
        self.assertEqual(list(dec.reading.reg_addrs[0:2]), [0, 1])
        self.assertEqual((dec.flags, dec.reading.cell_count), (F_REGS | F_CELLS, 2))
        dec = fed(frames.modbus_read_request(0x7FFE, 2) + with_pl(0x03, u16be(1, 2)))
        self.assertEqual(list(dec.reading.reg_addrs[0:2]), [0x7FFE, 0x7FFF])

    def test_version_lengths(self):
        # Bytes first, then whole 16-bit words only: a lone last byte is not a word.
        for payload, expected in ((b"\x01\x02", [1, 2]), (b"\x01\x02\x03\x04", [1, 2, 3])):
            dec = fed(with_pl(0x1F, payload))
            self.assertEqual(counters(dec), (1, 0, 0, 0, 0), payload)
            self.assertEqual(list(dec.reading.version[0:dec.reading.version_count]), expected, payload)


class EdgeValuesTest(unittest.TestCase):
    """Values at the edges of what the Reading's slots hold: never raised, never shown wrong."""

    def test_a_pair_above_the_register_map_is_left_out(self):
        dec = fed(with_pl(0x09, u16le(0x8000)) + with_pl(0x09, u16le(0x8000, 5)))  # reg_addrs: int16
        self.assertEqual(counters(dec), (1, 0, 0, 0, 1))
        self.assertEqual(dec.reading.reg_count, 0)

    def test_a_block_running_past_0x7fff_keeps_no_addresses(self):
        dec = fed(frames.modbus_read_request(0x7FFF, 2) + with_pl(0x03, u16be(1, 2)))
        self.assertEqual(dec.reading.reg_count, 2)
        self.assertEqual(list(dec.reading.regs[0:2]), [1, 2])
        self.assertEqual(list(dec.reading.reg_addrs[0:2]), [-1, -1])

    def test_the_soc_high_word_alone_is_not_a_soc(self):
        # Registers 47 and 48: the SOC's high word without its low word (46), then a temperature.
        dec = fed(frames.modbus_read_request(47, 2) + with_pl(0x03, u16be(0x05F5, 250)))
        self.assertFalse(dec.flags & F_SOC)
        self.assertEqual(dec.reading.soc, 0)

    def test_32_bit_values_beyond_small_ints_are_implausible(self):
        # 2**30 - 1 is the largest small int on a 32-bit port; no bound lets such a value through.
        for value in (0x3FFFFFFF, 0x40000000, 0xFFFFFFFF):
            dec = fed(frame(0x1A, u32le(value)))
            self.assertEqual((dec.good, dec.bad, dec.reading.have), (0, 1, 0))
        self.assertEqual(MILLI_MAX, 0x3FFFFFFF)

    def test_a_short_temperature_reply_leaves_the_rest_without_sensor(self):
        dec = fed(with_pl(0x1B, i16le(250)))  # only the internal sensor: 25.0 degC
        self.assertEqual(list(dec.reading.temps), [250, NO_SENSOR, NO_SENSOR])


class IndividualReadsOnASharedLineTest(unittest.TestCase):
    """0x09: a request of 2k addresses and a reply of k pairs both have PL = 4k."""

    REQUEST = with_pl(0x09, u16le(50, 145))  # status and a register beyond it: PL 4
    REPLY = with_pl(0x09, u16le(50, 0x93, 145, 7))  # (address, value) pairs: PL 8

    def test_after_other_requests_an_even_request_is_not_data(self):
        dec = fed(frames.read_request(0x1A) + self.REQUEST + self.REPLY)
        self.assertEqual(counters(dec), (1, 0, 0, 0, 2))  # the reply only is data
        self.assertEqual(dec.reading.status, 0x93)  # from the reply, not the address 145
        self.assertEqual(dec.reading.reg_count, 2)

    def test_pairs_that_answer_no_request_are_requests(self):
        # Issue 11 case 6: AA 09 04 22 00 23 00 asks for registers 0x22 and 0x23, and reads as
        # the pair (0x22, 0x23) as well. Nobody asked for a pair, so it is a request, not data.
        ask = with_pl(0x09, u16le(0x22, 0x23))
        self.assertEqual(ask[:7], bytes.fromhex("AA090422002300"))
        dec = fed(ask * 4)
        self.assertEqual(counters(dec), (0, 0, 0, 0, 4))
        self.assertEqual(dec.reading.have, 0)

    def test_a_reply_with_other_addresses_answers_nothing(self):
        dec = fed(with_pl(0x09, u16le(50)) + with_pl(0x09, u16le(51, 0x91)))
        self.assertEqual(counters(dec), (0, 0, 0, 0, 2))


class OnlyAnswersAreDataTest(unittest.TestCase):
    """Issue 11 case 6: once requests were seen, a response is data only when it answers one."""

    def test_a_reply_answers_the_last_request_once(self):
        soc = frame(0x1A, u32le(50000000))
        dec = fed(frames.read_request(0x1A) + soc + soc)
        self.assertEqual((dec.good, dec.bad, dec.requests), (1, 1, 1))

    def test_a_reply_to_another_command_is_bad(self):
        dec = fed(frames.read_request(0x18) + frame(0x1A, u32le(50000000)))
        self.assertEqual((dec.good, dec.bad, dec.reading.have), (0, 1, 0))

    def test_a_nack_answers_the_command_it_names(self):
        dec = fed(frames.read_request(0x1A) + frame(0x00, b"\x1a\x01"))
        self.assertEqual((dec.good, dec.bad, dec.reading.nack_cmd), (1, 0, 0x1A))
        dec = fed(frames.read_request(0x1A) + frame(0x00, b"\x18\x01"))
        self.assertEqual((dec.good, dec.bad), (0, 1))

    def test_requests_alone_give_no_records(self):
        stream = b"".join(frames.read_request(cmd) for cmd in (0x14, 0x15, 0x18, 0x1A, 0x1B, 0x20)) * 2
        dec = fed(stream)
        # The last 0x20 request still waits: its bytes could yet begin a 16-byte reply.
        self.assertEqual(counters(dec), (0, 0, 0, 0, 11))

    def test_a_poller_gone_quiet_leaves_the_broadcasts_heard(self):
        # A request (or noise that passed as one), then broadcasts only: ASK_MEMORY of them
        # answer nothing and are bad, after which the line is a line of broadcasts again.
        soc = frame(0x1A, u32le(50000000))
        dec = fed(frames.read_request(0x18) + soc * (ASK_MEMORY + 2))
        self.assertEqual((dec.good, dec.bad), (2, ASK_MEMORY))

    def test_a_line_without_requests_keeps_its_broadcasts(self):
        dec = fed(frame(0x1A, u32le(50000000)) * 3)
        self.assertEqual((dec.good, dec.bad), (3, 0))


class ImplausibleValuesTest(unittest.TestCase):
    """Issue 11 case 6: values no BMS sends are counted bad and never written."""

    def bad(self, data):
        dec = fed(data)  # a sync byte inside the rejected frame may make a second bad one
        self.assertEqual((dec.good, dec.bad > 0, dec.reading.have), (0, True, 0), data.hex())

    def test_soc_over_100_percent(self):
        self.bad(frame(0x1A, u32le(100000001)))
        self.bad(frames.modbus_read_request(46, 2) + with_pl(0x03, u16be(0xE101, 0x05F5)))  # 100 000 001

    def test_distance_no_vehicle_drives(self):
        self.bad(frame(0x20, float32_le(12.0) + u32le(346730366) + u32le(600)))
        dec = fed(frame(0x20, float32_le(12.0) + u32le(100000) + u32le(600)))
        self.assertEqual(dec.reading.distance_km, 100000)

    def test_time_speed_volts_amps_cells_temps(self):
        self.bad(frame(0x20, float32_le(12.0) + u32le(3) + u32le(315360001)))
        self.bad(frame(0x20, float32_le(500.5) + u32le(3) + u32le(600)))
        self.bad(frame(0x14, float32_le(100.001)))
        self.bad(frame(0x14, float32_le(-1.0)))
        self.bad(frame(0x15, float32_le(-5000.5)))
        self.bad(frame(0x16, u16le(5001)))
        self.bad(frame(0x17, u16le(65535)))
        self.bad(with_pl(0x1B, i16le(250, 1501, NO_SENSOR)))
        self.bad(with_pl(0x1B, i16le(-551)))
        self.bad(frames.modbus_read_request(40, 2) + with_pl(0x03, u16be(3000, 5001)))

    def test_edges_are_kept(self):
        dec = fed(frame(0x14, float32_le(100.0)) + frame(0x15, float32_le(-5000.0)) + frame(0x16, u16le(5000))
                  + with_pl(0x1B, i16le(-550, 1500, NO_SENSOR)))
        r = dec.reading
        self.assertEqual((dec.good, dec.bad), (4, 0))
        self.assertEqual((r.voltage_mv, r.current_ma, r.cell_max_mv), (100000, -5000000, 5000))
        self.assertEqual(list(r.temps), [-550, 1500, NO_SENSOR])


class OneFrameOneRecordTest(unittest.TestCase):
    """Issue 11 cases 7 and 8."""

    def test_max_and_min_cell_apart(self):
        dec = fed(frame(0x16, u16le(4123)))
        self.assertEqual(dec.flags, F_CELL_MAX)
        dec = fed(frame(0x17, u16le(3012)))
        self.assertEqual(dec.flags, F_CELL_MIN)

    def test_an_undocumented_status_is_kept_with_its_code(self):
        dec = fed(frame(0x18, u16le(0x95)))
        self.assertEqual((dec.good, dec.reading.status), (1, 0x95))


class RequestBuilderTest(unittest.TestCase):
    def test_single_command_requests(self):
        buf = bytearray(8)
        self.assertEqual(request(buf, 0x1B), 4)
        self.assertEqual(bytes(buf[0:4]), TEMPS_REQUEST)
        for cmd in (0x14, 0x15, 0x16, 0x17, 0x18, 0x1A, 0x1B, 0x1C, 0x1E, 0x1F, 0x20):
            self.assertEqual(request(buf, cmd), 4)
            self.assertEqual(bytes(buf[0:4]), frames.read_request(cmd))

    def test_writes_resets_and_others_refused(self):
        buf = bytearray(8)
        for cmd in (0x00, 0x01, 0x02, 0x03, 0x07, 0x09, 0x0B, 0x0D, 0x10, 0x19, 0x1D, 0x21, 0xAA, 256, -1):
            with self.assertRaises(ValueError):
                request(buf, cmd)

    def test_read_registers(self):
        buf = bytearray(8)
        self.assertEqual(read_registers(buf, 5, 5), 8)
        self.assertEqual(bytes(buf), MODBUS_REQUEST)
        read_registers(buf, 342, 2)
        self.assertEqual(bytes(buf), frames.modbus_read_request(342, 2))
        for addr, count in ((0, 0), (0, 128), (-1, 1), (0x10000, 1)):
            with self.assertRaises(ValueError):
                read_registers(buf, addr, count)

    def test_the_ends_of_each_range(self):
        for addr, count in ((0, 1), (0xFFFF, MAX_REGS)):
            buf = bytearray(b"\xff" * 8)  # every byte is written, none is assumed zero
            self.assertEqual(read_registers(buf, addr, count), 8)
            self.assertEqual(bytes(buf), frames.modbus_read_request(addr, count))
        for addr, count in ((0, 1), (0xFFFF, 31)):
            buf = bytearray(b"\xff" * 7)
            self.assertEqual(read_block(buf, addr, count), 7)
            self.assertEqual(bytes(buf), frames.block_read_request(addr, count))

    def test_read_block(self):
        buf = bytearray(7)
        self.assertEqual(read_block(buf, 0x0132, 3), 7)
        self.assertEqual(bytes(buf[0:5]), bytes.fromhex("AA07033201"))  # N, then the address LSB first
        self.assertEqual(bytes(buf), frames.block_read_request(0x0132, 3))
        for count in (0, 32):
            with self.assertRaises(ValueError):
                read_block(buf, 0, count)

    def test_own_requests_decode_as_requests(self):
        buf = bytearray(8)
        dec = decoder()
        for cmd in (0x14, 0x15, 0x16, 0x17, 0x18, 0x1A, 0x1B, 0x1C, 0x1E, 0x1F, 0x20):
            n = request(buf, cmd)
            dec.feed(buf, n)
        n = read_block(buf, 36, 4)
        dec.feed(buf, n)
        n = read_registers(buf, 36, 4)
        dec.feed(buf, n)
        dec.feed(WRITE_REPLY, len(WRITE_REPLY))  # pushes out a request still waiting for bytes
        # The write reply answers none of the 13 requests: a bad frame, its bytes skipped.
        self.assertEqual(counters(dec), (0, 1, 8, 0, 13))


class AllocationTest(unittest.TestCase):
    def test_no_allocation_per_frame(self):
        if not alloc.measurable():
            self.skipTest(alloc.UNMEASURABLE)
        stream = (
            mixed_stream()
            + frames.block_read_request(46, 5)
            + with_pl(0x07, u16le(0x95C0, 0x05A9, 251, 0, 0x93))
            + with_pl(0x09, u16le(37, 36, 38, 39))
            + with_pl(0x09, u16le(37, 0x4255, 36, 0, 38, 0, 39, 0xC148))
            + frames.read_request(0x15)
            + frame(0x15, float32_le(-3.75))
            + frame(0x01, b"\x07")
            + b"\xaa\x14\x01"
        )
        chunks = [bytearray(stream[i : i + 7]) for i in range(0, len(stream), 7)]
        sizes = [len(c) for c in chunks]
        dec = decoder()
        count = len(chunks)

        def rounds(times):
            for _ in range(times):
                for i in range(count):
                    dec.feed(chunks[i], sizes[i])

        rounds(1)
        good = dec.good
        used = alloc.allocated(rounds, 100, warm=0)
        self.assertTrue(dec.good - good >= 1000)
        self.assertEqual(used, 0)


class MutationEdgesTest(unittest.TestCase):
    """Edges of the register map, the request memory and the builders' errors."""

    def pairs(self, *pairs):
        """A 0x09 request for the addresses of ``pairs`` and its reply."""
        addrs = [pairs[i] for i in range(0, len(pairs), 2)]
        return with_pl(0x09, u16le(*addrs)) + with_pl(0x09, u16le(*pairs))

    def test_a_32_bit_value_needs_its_low_word_just_before(self):
        # 37 after 30 is not the pair (36, 37): no pack voltage from the words of two registers.
        dec = fed(self.pairs(30, 0x0000, 37, 0x4250))
        self.assertEqual(dec.flags, F_REGS)
        self.assertEqual(dec.reading.voltage_mv, 0)

    def test_cell_zero_alone_makes_one_cell(self):
        dec = fed(self.pairs(0, 36000))
        self.assertEqual((dec.reading.cells[0], dec.reading.cell_count), (36000, 1))

    def test_register_bounds_are_inclusive(self):
        # 5000 mV is the highest plausible cell; 100 % (100 000 000 = 0x05F5E100) the highest SOC.
        dec = fed(self.pairs(40, 5000, 46, 0xE100, 47, 0x05F5))
        self.assertEqual((dec.good, dec.bad), (1, 0))
        self.assertEqual((dec.reading.cell_min_mv, dec.reading.soc), (5000, 100_000_000))
        for addr in (40, 41):
            dec = fed(self.pairs(addr, 5001))
            self.assertEqual((dec.good, dec.bad, dec.reading.have), (0, 1, 0), addr)

    def test_an_empty_0x09_frame_answering_nothing_is_a_request(self):
        dec = fed(frame(0x09, b"\x00"))  # AA 09 00 CRC: PL 0, no 0x09 request remembered
        self.assertEqual(counters(dec), (0, 0, 0, 0, 1))

    def test_an_answered_block_request_is_spent(self):
        # After the reply, the line is answers-only with nothing asked: an ACK naming command
        # 0x01 answers nothing.
        dec = fed(MODBUS_REQUEST + MODBUS_REPLY + frame(0x01, b"\x01"))
        self.assertEqual((dec.good, dec.bad), (1, 1))

    def test_reset_forgets_the_request_and_counts_the_partial_bytes(self):
        dec = decoder()
        req = frames.read_request(0x1A)
        dec.feed(req, len(req))
        dec.feed(b"\x00\xaa\x1a\x05", 4)  # a junk byte, then 3 bytes of a frame
        self.assertEqual(dec.skipped, 1)
        dec.reset()
        self.assertEqual(dec.skipped, 4)
        ack = frame(0x01, b"\x01")
        dec.feed(ack, len(ack))
        self.assertEqual((dec.good, dec.bad), (0, 1))

    def test_refusals_say_what_was_refused(self):
        buf = bytearray(8)
        for cmd, text in ((0x1D, "0x1D"), (0x10, "0x10"), (256, "0x100")):
            try:
                request(buf, cmd)
            except ValueError as exc:
                self.assertEqual(str(exc), "not a read command: " + text)
            else:
                self.fail(cmd)
        for build, count in ((read_registers, 1), (read_block, 1), (read_registers, 0), (read_block, 32)):
            for addr in (0x10000, 0):
                try:
                    build(buf, addr, count)
                except ValueError as exc:
                    self.assertEqual(str(exc), "bad register range")
                else:
                    self.assertEqual((addr, count), (0, 1))
