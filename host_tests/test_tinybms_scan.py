"""Edges of the Tiny BMS decoder's hot path, against docs/protocol.md and the module docstring.

Every expected value comes from the protocol (frame layouts, the plausibility bounds of the
module docstring), never from the decoder's output.
"""

import unittest

import frames
from feeding import feed
from frames import float32_le, frame, i16le, u16be, u16le, u32le, with_pl
from socbar.fields import F_REGS, F_SOC, F_STATUS, F_TEMPS, MAX_REGS, NO_SENSOR
from socbar.reading import Reading
from socbar.tinybms import TinyBmsDecoder, _milli


def float_milli(buf, offset):
    """1000 x the little-endian IEEE-754 single at ``buf[offset:offset + 4]``, as the decoder
    converts a float field (its upper and lower 16-bit halves)."""
    return _milli(buf[offset + 2] | (buf[offset + 3] << 8), buf[offset] | (buf[offset + 1] << 8))


SOC = frame(0x1A, u32le(50000000))  # a 50 % SOC broadcast


def fed(data):
    return feed(TinyBmsDecoder(Reading()), data)


class BoundsAreInclusiveTest(unittest.TestCase):
    """The *_MAX / *_MIN bounds are the last values kept."""

    def test_zero_volts_and_plus_5_ka(self):
        dec = fed(frame(0x14, float32_le(0.0)) + frame(0x15, float32_le(5000.0)))
        self.assertEqual((dec.good, dec.bad), (2, 0))
        self.assertEqual((dec.reading.voltage_mv, dec.reading.current_ma), (0, 5000000))

    def test_temperature_edges_in_every_slot(self):
        dec = fed(with_pl(0x1B, i16le(1500, -550, -550)))
        self.assertEqual(list(dec.reading.temps), [1500, -550, -550])
        dec = fed(with_pl(0x1B, i16le(NO_SENSOR, NO_SENSOR, 1500)))
        self.assertEqual(list(dec.reading.temps), [NO_SENSOR, NO_SENSOR, 1500])
        dec = fed(with_pl(0x1B, i16le(250, 250, 1501)))  # 150.1 degC on external sensor 2
        self.assertEqual((dec.good, dec.reading.have), (0, 0))

    def test_odd_temperatures_are_kept_exactly(self):
        dec = fed(with_pl(0x1B, i16le(251, 253, 255)))  # 25.1, 25.3, 25.5 degC
        self.assertEqual(list(dec.reading.temps), [251, 253, 255])

    def test_speed_and_time_left_edges(self):
        dec = fed(frame(0x20, float32_le(500.0) + u32le(100000) + u32le(315360000))
                  + frame(0x20, float32_le(-500.0) + u32le(0) + u32le(300000000)))
        self.assertEqual((dec.good, dec.bad), (2, 0))
        self.assertEqual((dec.reading.speed, dec.reading.time_left_s), (-500000, 300000000))

    def test_volts_and_amps_with_every_byte_of_their_floats_used(self):
        # 52.37 = 0x42517AE1 and -12.34 = 0xC14570A4: the low halves matter too.
        dec = fed(frame(0x14, float32_le(52.37)) + frame(0x15, float32_le(-12.34)))
        self.assertEqual((dec.reading.voltage_mv, dec.reading.current_ma), (52370, -12340))

    def test_a_speed_with_every_byte_of_its_float_used(self):
        # 123.456 = 0x42F6E979: the low half (79 E9) matters too.
        dec = fed(frame(0x20, float32_le(123.456) + u32le(42) + u32le(0x12340000)))
        self.assertEqual((dec.good, dec.reading.speed, dec.reading.time_left_s), (1, 123456, 0x12340000))

    def test_a_distance_with_a_high_top_byte_is_implausible(self):
        dec = fed(frame(0x20, float32_le(12.0) + u32le(0x01000005) + u32le(600)))  # 16 777 221 km
        self.assertEqual((dec.good, dec.reading.have), (0, 0))


class ShortTemperatureRepliesTest(unittest.TestCase):
    def test_no_sensor_at_all(self):
        dec = fed(with_pl(0x1B, b""))
        self.assertEqual((dec.good, dec.flags), (1, F_TEMPS))
        self.assertEqual(list(dec.reading.temps), [NO_SENSOR, NO_SENSOR, NO_SENSOR])

    def test_two_sensors(self):
        dec = fed(with_pl(0x1B, i16le(250, 260)))
        self.assertEqual(list(dec.reading.temps), [250, 260, NO_SENSOR])


class OddPayloadTest(unittest.TestCase):
    def test_temperatures_and_cells_are_16_bit_words(self):
        # docs/protocol.md section 2: 0x1B and 0x1C carry 16-bit words, so an odd PL is malformed.
        for cmd in (0x1B, 0x1C):
            dec = fed(with_pl(cmd, i16le(250, 260) + b"\x01"))
            self.assertEqual((dec.good, dec.bad, dec.reading.have), (0, 1, 0), hex(cmd))


class ValuesTest(unittest.TestCase):
    def test_status_is_a_16_bit_word(self):
        dec = fed(frame(0x18, u16le(0x0191)))  # UINT16 LE (docs/protocol.md section 2)
        self.assertEqual(dec.reading.status, 0x0191)

    def test_a_nan_frame_is_good_with_no_flag(self):
        dec = fed(frame(0x14, bytes((0x00, 0x00, 0xC0, 0x7F))))  # a quiet NaN
        self.assertEqual((dec.good, dec.flags, dec.reading.have), (1, 0, 0))


class AnswersOnlyTest(unittest.TestCase):
    def test_a_0x09_request_of_one_address_makes_the_line_answers_only(self):
        dec = fed(with_pl(0x09, u16le(50)) + SOC)  # PL 2: a request, nothing else
        self.assertEqual((dec.requests, dec.good, dec.bad), (1, 0, 1))

    def test_an_ambiguous_0x09_frame_leaves_the_broadcasts_heard(self):
        dec = fed(with_pl(0x09, u16le(0x22, 0x23)) + SOC)  # PL 4: request or pair alike
        self.assertEqual((dec.requests, dec.good, dec.bad), (1, 1, 0))

    def test_an_ack_names_the_command_it_answers(self):
        dec = fed(frames.read_request(0x18) + frame(0x01, b"\x18"))
        self.assertEqual((dec.good, dec.bad, dec.reading.ack_cmd), (1, 0, 0x18))

    def test_after_the_reply_nothing_is_answered(self):
        # One request gets one reply: neither an ACK nor a NACK naming command 0 or 1 answers.
        for tail in (frame(0x01, b"\x01"), frame(0x00, b"\x00\x01"), frame(0x00, b"\x01\x01")):
            dec = fed(frames.read_request(0x1A) + SOC + tail)
            self.assertEqual((dec.good, dec.bad), (1, 1), tail.hex())
            reply = with_pl(0x09, u16le(50, 0x93))
            dec = fed(frames.read_request(0x1A) + with_pl(0x09, u16le(50)) + reply + tail)
            self.assertEqual((dec.good, dec.bad), (1, 1), tail.hex())


LONG_SYNC = b"\xaa\x03\xfe"  # announces a 259-byte 0x03 reply


class ScanTest(unittest.TestCase):
    def test_a_read_request_alone_is_counted_at_once(self):
        for ask in (frames.modbus_read_request(5, 5), frames.modbus_read_request(40, 2)):
            dec = fed(ask)
            self.assertEqual((dec.requests, dec.pending, dec.bad), (1, 0, 0), ask.hex())

    def test_junk_before_a_partial_frame_is_dropped(self):
        for tail in (b"\xaa", b"\xaa\x03", b"\xaa\x1a\x00", frames.modbus_read_request(5, 5)[:6]):
            dec = fed(b"\x00\x01" + tail)
            self.assertEqual((dec.skipped, dec.pending), (2, len(tail)), tail.hex())
            feed(dec, b"\x00")  # the junk is not looked at again
            self.assertEqual(dec.skipped, 2, tail.hex())

    def test_an_unknown_command_at_the_end_is_dropped(self):
        dec = fed(SOC + b"\xaa\x30")
        self.assertEqual((dec.good, dec.skipped, dec.pending), (1, 2, 0))

    def test_the_largest_reply(self):
        dec = fed(with_pl(0x03, u16be(*([3300] * MAX_REGS))))  # 3300 = 0x0CE4
        self.assertEqual((dec.good, dec.flags, dec.reading.reg_count), (1, F_REGS, MAX_REGS))

    def test_every_overlong_sync_is_counted(self):
        dec = fed(b"\xaa\x1b\x07" * 2 + SOC)  # 0x1B carries at most 3 temperatures: PL 6
        self.assertEqual((dec.overlong, dec.good), (2, 1))

    def test_block_reply_pl_is_six_bits(self):
        # The PL of 0x07 / 0x09 replies counts bytes in its six low bits; the top two are not length.
        dec = fed(frame(0x07, b"\x44" + u16le(3300, 3301)))
        self.assertEqual((dec.good, dec.reading.reg_count), (1, 2))
        self.assertEqual(list(dec.reading.regs[0:2]), [3300, 3301])
        dec = fed(with_pl(0x09, u16le(50)) + frame(0x09, b"\x84" + u16le(50, 0x93)))
        self.assertEqual((dec.good, dec.bad, dec.reading.status), (1, 0, 0x93))


class HiddenFrameTest(unittest.TestCase):
    """A complete CRC-valid frame behind a false sync ends the wait for the sync's frame."""

    def test_hidden_frames_of_every_kind(self):
        hidden = (
            with_pl(0x1B, i16le(250, 260, 270)),  # PL 6, the most 0x1B carries
            frame(0x20, float32_le(12.0) + u32le(3) + u32le(600)),  # the last command
            with_pl(0x03, u16be(*([3300] * 32))),  # PL 64: all eight bits are length
            frame(0x07, b"\x44" + u16le(3300, 3301)),  # PL 4 with a top bit set
            frame(0x09, b"\x46" + u16le(50, 51, 52)),  # PL 6: a request of 3 addresses
        )
        for data in hidden:
            self.assertNotIn(0xAA, data[1:])
            dec = fed(LONG_SYNC + data)
            self.assertEqual((dec.skipped, dec.pending, dec.good + dec.requests), (3, 0, 1), data.hex())

    def test_a_long_sync_waits_without_a_good_frame_behind_it(self):
        unknown = b"\xaa\x05\x00"  # command 0x05 has no response, even with a CRC that fits
        unknown += bytes((frames.crc16(unknown) & 0xFF, frames.crc16(unknown) >> 8))
        for data in (SOC[:-1] + bytes((SOC[-1] ^ 1,)), b"\xff\xff\xaa\x30", unknown):
            dec = fed(LONG_SYNC + data)
            self.assertEqual((dec.bad, dec.skipped, dec.pending), (0, 0, 3 + len(data)), data.hex())

    def test_a_sync_passed_over_while_probing_hides_nothing_of_the_next_byte(self):
        # The probe steps one byte at a time past a sync that starts no frame (AA AA).
        dec = fed(LONG_SYNC + b"\xaa" + SOC)
        self.assertEqual((dec.good, dec.pending), (1, 0))

    def test_after_a_hidden_frame_the_next_long_sync_waits_again(self):
        # Once the hidden frame dropped the first false sync, a later incomplete frame is held
        # for its rest, not dropped as well.
        cells = with_pl(0x1C, u16le(*range(3600, 3613)))
        dec = fed(LONG_SYNC + SOC + cells[:10])
        self.assertEqual((dec.good, dec.pending), (1, 10))
        feed(dec, cells[10:])
        self.assertEqual((dec.good, dec.reading.cell_count), (2, 13))

    def test_a_held_frame_at_the_start_waits_for_a_pl_at_the_very_end(self):
        # Cell 2 is 0x1BAA, so the payload holds AA 1B: cut right after it, the probe behind the
        # frame held at the start of the buffer meets a sync and a command whose PL is still to
        # come. Nothing hides there, so the whole frame keeps waiting for its rest.
        cells = with_pl(0x1C, u16le(3600, 3601, 0x1BAA, 3603, 3604))
        dec = fed(cells[:9])
        self.assertEqual((dec.good, dec.bad, dec.skipped, dec.pending), (0, 0, 0, 9))
        feed(dec, cells[9:])
        self.assertEqual((dec.good, dec.reading.cells[2]), (1, 0x1BAA))

    def test_only_the_bytes_held_count(self):
        dec = fed(LONG_SYNC + SOC)
        self.assertEqual((dec.good, dec.bad, dec.pending), (1, 1, 0))
        feed(dec, LONG_SYNC + SOC[:2])  # the rest of SOC is not here (yet)
        self.assertEqual((dec.good, dec.bad, dec.pending), (1, 1, 5))


class LongFeedsAndRecordsTest(unittest.TestCase):
    def test_a_feed_longer_than_the_work_buffer(self):
        status = frame(0x18, u16le(0x93))
        dec = fed(SOC + bytes(1200) + status)  # more than twice the work buffer in one call
        self.assertEqual((dec.good, dec.flags, dec.reading.status), (2, F_SOC | F_STATUS, 0x93))

    def test_on_record_sees_what_earlier_feeds_brought(self):
        dec = TinyBmsDecoder(Reading())
        seen = []
        dec.on_record = lambda flags: seen.append(dec.reading.have)
        feed(dec, SOC)
        feed(dec, frame(0x18, u16le(0x93)))
        self.assertEqual(seen, [F_SOC, F_SOC | F_STATUS])


class MilliRoundingTest(unittest.TestCase):
    def test_rounding_between_2048_and_4096(self):
        # 2048 + 3/4096 is exact in a float32; 1000 x it is 2 048 000.732..., nearest 2 048 001.
        self.assertEqual(float_milli(float32_le(2048 + 3 / 4096), 0), 2048001)
        self.assertEqual(float_milli(float32_le(3000.25), 0), 3000250)


if __name__ == "__main__":
    unittest.main()


class SplitLongFrameTest(unittest.TestCase):
    """A long frame that arrives in pieces is waited for, and a feed never overruns the buffer."""

    def test_a_long_frame_whose_payload_holds_ff_ff_aa_waits_whole(self):
        # Cells 0xFFFF and 0x30AA put the bytes FF FF AA 30 inside the payload: an unknown
        # command after a sync there hides no frame, so the decoder waits for the rest.
        data = with_pl(0x1C, u16le(0xFFFF, 0x30AA, 33000))
        dec = TinyBmsDecoder(Reading())
        dec.feed(data, 7)  # AA 1C PL FF FF AA 30
        self.assertEqual((dec.good, dec.bad), (0, 0))
        rest = data[7:]
        dec.feed(rest, len(rest))
        self.assertEqual((dec.good, dec.bad), (1, 0))
        self.assertEqual(list(dec.reading.cells[0:3]), [0xFFFF, 0x30AA, 33000])

    def test_a_feed_larger_than_the_buffer_after_a_partial_frame(self):
        dec = TinyBmsDecoder(Reading())
        WORK = len(dec._work)
        dec.feed(SOC, 3)  # a partial frame stays in the buffer
        rest = SOC[3:] + SOC * ((WORK + 8) // len(SOC))  # more than the whole buffer at once
        dec.feed(rest, len(rest))
        self.assertEqual((dec.good, dec.bad, dec.skipped), (1 + (WORK + 8) // len(SOC), 0, 0))

    def test_a_frame_that_would_end_past_the_held_bytes_hides_nothing(self):
        # A cells frame whose payload holds a whole SOC frame (AA 1A ... CRC), arriving in pieces.
        # When only its start is held, the SOC frame inside is not complete yet: whatever the
        # buffer held before past those bytes must not complete it, and the cells frame is kept.
        tail = SOC[2:]  # the SOC frame's value and CRC
        payload = b"\x00\x00" + SOC + bytes(16)
        cells = with_pl(0x1C, payload)
        dec = TinyBmsDecoder(Reading())
        first = b"\x01" * 7 + tail + cells[:7]  # the same six bytes once before, as junk
        dec.feed(first, len(first))
        dec.feed(cells[7:8], 1)
        self.assertEqual((dec.good, dec.bad), (0, 0))
        rest = cells[8:]
        dec.feed(rest, len(rest))
        self.assertEqual((dec.good, dec.bad, dec.reading.cell_count), (1, 0, 13))
        self.assertFalse(dec.reading.have & F_SOC)
