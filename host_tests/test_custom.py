"""The declarative frame decoder and its description check, against docs/protocol.md section 4.

Frames are typed out byte by byte; sums and XORs are worked out in the
comments, CRCs come from frames.py's bit-by-bit CRC-16/MODBUS.
"""

import unittest

import alloc
import frames
from feeding import counters, feed
from socbar.config import DEFAULTS
from socbar.custom import MAX_FIELDS, SATURATE, CustomDecoder, description_errors
from socbar.fields import (
    F_AH,
    F_CURRENT,
    F_SOC,
    F_SPEED,
    F_STATUS,
    F_TEMPS,
    F_VALUES,
    F_VOLTAGE,
    MAX_VALUES,
    NO_SENSOR,
)
from socbar.reading import Reading


def field(name, offset, width, endian="little", signed=False, mul=1, div=1):
    return {"name": name, "offset": offset, "width": width, "endian": endian, "signed": signed,
            "mul": mul, "div": div}


def with_crc(body):
    crc = frames.crc16(body)
    return body + bytes((crc & 0xFF, crc >> 8))


# SOC 87.5 % = 87 500 000 = 0x053724E0, little-endian E0 24 37 05.
SOC_FRAME = with_crc(bytes.fromhex("AA1AE0243705"))

# sync 5A A5, soc byte, big-endian volts / 10 mV and signed amps / 100 mA, sum8 of bytes 2-6.
SUM8_DESC = {
    "sync": "5AA5", "length": 8, "checksum": "sum8", "checksum_start": 2,
    "fields": [
        field("soc", 2, 1, mul=1000000),
        field("voltage_mv", 3, 2, "big", mul=10),
        field("current_ma", 5, 2, "big", signed=True, mul=100),
    ],
}
# 0x4B = 75 %, 0x12C0 = 4800 -> 48 000 mV, 0xFE0C = -500 -> -50 000 mA;
# 0x4B + 0x12 + 0xC0 + 0xFE + 0x0C = 551 = 0x227 -> 0x27.
SUM8_FRAME = bytes.fromhex("5AA54B12C0FE0C27")

# sync 7E, signed little-endian internal temperature, a value column, status; xor8 of bytes 1-5.
XOR8_DESC = {
    "sync": "7E", "length": 7, "checksum": "xor8", "checksum_start": 1,
    "fields": [field("temp_internal", 1, 2, signed=True), field("cycles", 3, 2), field("status", 5, 1)],
}
# 0xFF9C = -100 (-10.0 degC), 0x012C = 300, 0x93 discharging;
# 9C ^ FF = 63, ^ 2C = 4F, ^ 01 = 4E, ^ 93 = DD.
XOR8_FRAME = bytes.fromhex("7E9CFF2C0193DD")


def fed(desc, data, step=0):
    return feed(CustomDecoder(Reading(), desc), data, step)


class ChecksumKindsTest(unittest.TestCase):
    def test_default_description_is_the_soc_response(self):
        dec = fed(DEFAULTS["custom"], SOC_FRAME)
        self.assertEqual(dec.flags, F_SOC)
        self.assertEqual(dec.reading.soc, 87500000)
        self.assertEqual(counters(dec), (1, 0, 0, 0))
        self.assertEqual(dec.name, "custom")
        self.assertEqual(dec.value_names, ())

    def test_default_frame_with_a_bad_crc(self):
        broken = SOC_FRAME[:-1] + bytes((SOC_FRAME[-1] ^ 0x40,))
        dec = fed(DEFAULTS["custom"], broken + SOC_FRAME)
        self.assertEqual(counters(dec), (1, 1, 8, 0))
        self.assertEqual(dec.reading.soc, 87500000)

    def test_sum8_big_endian_signed(self):
        dec = fed(SUM8_DESC, SUM8_FRAME)
        r = dec.reading
        self.assertEqual(dec.flags, F_SOC | F_VOLTAGE | F_CURRENT)
        self.assertEqual((r.soc, r.voltage_mv, r.current_ma), (75000000, 48000, -50000))
        self.assertEqual(r.have, F_SOC | F_VOLTAGE | F_CURRENT)

    def test_xor8_little_endian_with_a_value(self):
        dec = fed(XOR8_DESC, XOR8_FRAME)
        r = dec.reading
        self.assertEqual(dec.flags, F_TEMPS | F_VALUES | F_STATUS)
        self.assertEqual(list(r.temps), [-100, NO_SENSOR, NO_SENSOR])
        self.assertEqual((r.status, r.value_count, r.values[0]), (0x93, 1, 300))
        self.assertEqual(dec.value_names, ("cycles",))

    def test_xor8_mismatch(self):
        dec = fed(XOR8_DESC, XOR8_FRAME[:-1] + b"\xdc")
        self.assertEqual(counters(dec), (0, 1, 7, 0))
        self.assertEqual(dec.reading.have, 0)

    def test_no_checksum_and_division(self):
        desc = {"sync": "24", "length": 6, "checksum": "none",
                "fields": [field("speed", 2, 2, div=10), field("ah_used_mah", 4, 2, signed=True, div=10)]}
        # 0x3039 = 12345 -> 1234 (toward zero); 0xCFC7 = -12345 -> -1234.
        dec = fed(desc, bytes.fromhex("24003930C7CF"))
        self.assertEqual(dec.flags, F_SPEED | F_AH)
        self.assertEqual((dec.reading.speed, dec.reading.ah_used_mah), (1234, -1234))


class WideFieldsTest(unittest.TestCase):
    DESC = {"sync": "C0DE", "length": 14, "checksum": "crc16-modbus",
            "fields": [field("ah_used_mah", 2, 4, "big", signed=True), field("soc", 6, 4, "big"),
                       field("current_ma", 10, 2, mul=-1000000)]}

    def decode(self, body):
        dec = fed(self.DESC, with_crc(bytes.fromhex("C0DE" + body)))
        self.assertEqual(dec.good, 1)
        return dec.reading

    def test_four_byte_values(self):
        # FFFFFC18 = -1000; 05F5E100 = 100 000 000; 0x0002 x -1 000 000.
        r = self.decode("FFFFFC18" + "05F5E100" + "0200")
        self.assertEqual((r.ah_used_mah, r.soc, r.current_ma), (-1000, 100000000, -2000000))

    def test_saturation(self):
        # 7FFFFFFF and 80000000 are beyond 2**30 - 1; so is 0xFFFF x 1 000 000.
        r = self.decode("7FFFFFFF" + "FFFFFFFF" + "FFFF")
        self.assertEqual((r.ah_used_mah, r.soc, r.current_ma), (SATURATE, SATURATE, -SATURATE))
        r = self.decode("80000000" + "3FFFFFFF" + "0000")
        self.assertEqual((r.ah_used_mah, r.soc, r.current_ma), (-SATURATE, 0x3FFFFFFF, 0))

    def test_temperatures_stay_in_their_slot(self):
        desc = {"sync": "01", "length": 3, "checksum": "none",
                "fields": [field("temp_ext1", 1, 1, mul=1000),
                           field("temp_ext2", 2, 1, signed=True, mul=1000)]}
        dec = fed(desc, b"\x01\xff\x80")  # 255 000 and -128 000: beyond an int16
        self.assertEqual(list(dec.reading.temps), [NO_SENSOR, 32767, -32767])


class EdgeTest(unittest.TestCase):
    """Values at the edges of each width, sign and scale (one field, no checksum, sync 01)."""

    def value(self, body, **how):
        spec = {"name": "soc", "offset": 1, "width": len(body) // 2}
        spec.update(how)
        desc = {"sync": "01", "length": 1 + len(body) // 2, "checksum": "none", "fields": [spec]}
        dec = fed(desc, bytes.fromhex("01" + body))
        self.assertEqual(dec.good, 1)
        return dec.reading.soc

    def test_defaults_are_little_endian_unsigned_unscaled(self):
        self.assertEqual(self.value("FF"), 255)
        self.assertEqual(self.value("0180"), 0x8001)
        self.assertEqual(self.value("03000000"), 3)

    def test_signed_edges(self):
        for body, expected in (("7F", 127), ("80", -128), ("81", -127), ("01", 1),
                               ("FF7F", 32767), ("0080", -32768), ("0180", -32767), ("0100", 1)):
            self.assertEqual(self.value(body, signed=True), expected, body)

    def test_four_byte_saturation_edges(self):
        # Little-endian: 0x3FFFFFFF is the largest small int of the RP2040, 2**30 - 1.
        self.assertEqual(self.value("FFFFFF3F"), SATURATE)
        self.assertEqual(self.value("00000040"), SATURATE)
        self.assertEqual(self.value("FFFF3F00", signed=True), 0x3FFFFF)
        self.assertEqual(self.value("000000C0", signed=True), -SATURATE)  # -2**30
        self.assertEqual(self.value("010000C0", signed=True), -SATURATE)  # -2**30 + 1
        self.assertEqual(self.value("020000C0", signed=True), -SATURATE + 1)
        self.assertEqual(self.value("FFFFFFBF", signed=True), -SATURATE)

    def test_scale_edges(self):
        # mul 2: 0x1FFFFFFF x 2 = 2**30 - 2 still fits; 0x20000000 x 2 does not.
        self.assertEqual(self.value("FFFFFF1F", mul=2), SATURATE - 1)
        self.assertEqual(self.value("00000020", mul=2), SATURATE)
        self.assertEqual(self.value("00000020", mul=-2), -SATURATE)
        self.assertEqual(self.value("010000E0", signed=True, mul=2), -SATURATE + 1)
        self.assertEqual(self.value("000000E0", signed=True, mul=2), -SATURATE)
        self.assertEqual(self.value("000000E0", signed=True, mul=-2), SATURATE)
        # Division rounds toward zero both ways.
        self.assertEqual(self.value("07", div=2), 3)
        self.assertEqual(self.value("F9", signed=True, div=2), -3)

    def test_every_slot_and_two_values(self):
        names = ("cell_min_mv", "cell_max_mv", "speed", "status", "first", "second")
        desc = {"sync": "01", "length": 7, "checksum": "none",
                "fields": [{"name": names[k], "offset": k + 1, "width": 1} for k in range(6)]}
        dec = fed(desc, bytes.fromhex("01" + "0B0C0D0E0F10"))
        r = dec.reading
        self.assertEqual((r.cell_min_mv, r.cell_max_mv, r.speed, r.status), (11, 12, 13, 14))
        self.assertEqual((r.value_count, r.values[0], r.values[1]), (2, 15, 16))
        self.assertEqual(dec.value_names, ("first", "second"))

    def test_have_keeps_what_was_set_before(self):
        reading = Reading()
        reading.have = F_TEMPS  # heard earlier, from another frame
        feed(CustomDecoder(reading, DEFAULTS["custom"]), SOC_FRAME)
        self.assertEqual(reading.have, F_TEMPS | F_SOC)


class CountersTest(unittest.TestCase):
    def test_counters_add_up(self):
        broken = SUM8_FRAME[:-1] + b"\x00"
        dec = fed(SUM8_DESC, b"\x00\x00" + broken + b"\x00" + broken + SUM8_FRAME)
        self.assertEqual(counters(dec), (1, 2, 2 + 8 + 1 + 8, 0))
        dec.feed(b"\x13\x13", 2)
        self.assertEqual(dec.skipped, 21)
        dec.feed(SUM8_FRAME, 3)
        dec.reset()
        self.assertEqual(dec.skipped, 24)  # the partial frame's 3 bytes, added
        dec.feed(SUM8_FRAME, 8)
        self.assertEqual(counters(dec), (2, 2, 24, 0))

    def test_only_the_first_n_bytes_count(self):
        dec = CustomDecoder(Reading(), SUM8_DESC)
        data = bytearray(b"\x00\x00" + SUM8_FRAME)  # a stale frame past n
        dec.feed(data, 2)
        dec.feed(SUM8_FRAME, 8)
        self.assertEqual(counters(dec), (1, 0, 2, 0))

    def test_flags_of_every_frame_of_a_call(self):
        dec = CustomDecoder(Reading(), SUM8_DESC)
        data = SUM8_FRAME * 2 + SUM8_FRAME[:3]  # the call ends inside a third frame
        self.assertEqual(dec.feed(data, len(data)), F_SOC | F_VOLTAGE | F_CURRENT)
        self.assertEqual(dec.good, 2)


class StreamTest(unittest.TestCase):
    def test_corrupted_frame_then_a_good_one(self):
        broken = SUM8_FRAME[:4] + bytes((SUM8_FRAME[4] ^ 1,)) + SUM8_FRAME[5:]
        dec = fed(SUM8_DESC, broken + SUM8_FRAME)
        self.assertEqual(counters(dec), (1, 1, 8, 0))
        self.assertEqual(dec.reading.voltage_mv, 48000)

    def test_frame_hidden_behind_a_false_sync(self):
        # 5A A5 01 looks like a frame start; its 8 bytes fail, the frame at byte 3 is found.
        dec = fed(SUM8_DESC, b"\x5a\xa5\x01" + SUM8_FRAME)
        self.assertEqual(counters(dec), (1, 1, 3, 0))
        self.assertEqual(dec.reading.soc, 75000000)

    def test_half_sync_is_skipped(self):
        dec = fed(SUM8_DESC, b"\x00\x5a\x00\x5a\x5a" + SUM8_FRAME)
        self.assertEqual(counters(dec), (1, 0, 5, 0))

    def test_any_chunking(self):
        data = b"\x13\x5a" + SUM8_FRAME + SUM8_FRAME[:5] + SUM8_FRAME * 3
        for step in (1, 2, 3, 5, 8, 100):
            dec = fed(SUM8_DESC, data, step)
            self.assertEqual(counters(dec), (4, 1, 2 + 5, 0), step)
            self.assertEqual(dec.flags, F_SOC | F_VOLTAGE | F_CURRENT)

    def test_junk_never_raises(self):
        junk = bytes(range(256)) * 2 + b"\x5a\xa5" * 20 + b"\xaa\x1a" * 20 + b"\x7e" * 9
        for desc in (DEFAULTS["custom"], SUM8_DESC, XOR8_DESC):
            for step in (1, 7, 1000):
                self.assertTrue(fed(desc, junk, step).skipped > 0)

    def test_reset_and_on_record(self):
        dec = CustomDecoder(Reading(), SUM8_DESC)
        seen = []
        dec.on_record = lambda flags: seen.append((flags, dec.reading.soc))
        dec.feed(SUM8_FRAME, 5)
        dec.reset()
        self.assertEqual(dec.skipped, 5)
        dec.feed(SUM8_FRAME, 8)
        self.assertEqual(seen, [(F_SOC | F_VOLTAGE | F_CURRENT, 75000000)])


def rounds_of(dec, data):
    """A workload for alloc.allocated: ``count`` times ``data`` through ``dec``."""
    n = len(data)

    def rounds(count):
        for _ in range(count):
            dec.feed(data, n)

    return rounds


class AllocationTest(unittest.TestCase):
    def test_frames_allocate_nothing(self):
        if not alloc.measurable():
            self.skipTest(alloc.UNMEASURABLE)
        for desc, frame in ((SUM8_DESC, SUM8_FRAME), (XOR8_DESC, XOR8_FRAME), (DEFAULTS["custom"], SOC_FRAME),
                            (WideFieldsTest.DESC, with_crc(bytes.fromhex("C0DE80000000FFFFFFFF0200")))):
            dec = CustomDecoder(Reading(), desc)
            data = bytearray(b"\x00" + frame * 4 + frame[:3])  # junk, frames, a bad one
            used = alloc.allocated(rounds_of(dec, data), 250, warm=10)
            self.assertEqual(dec.good, 1040)
            self.assertEqual(used, 0)


def errors_of(**changes):
    desc = dict(SUM8_DESC)
    desc["fields"] = [dict(f) for f in SUM8_DESC["fields"]]
    for key, value in changes.items():
        if key[0] == "f" and key[1] in "0123456789":  # f1_width=3: fields[1]["width"] = 3
            index, _, name = key[1:].partition("_")
            desc["fields"][int(index)][name] = value
        else:
            desc[key] = value
    return description_errors(desc)


class DescriptionErrorsTest(unittest.TestCase):
    def test_good_descriptions(self):
        for desc in (DEFAULTS["custom"], SUM8_DESC, XOR8_DESC, WideFieldsTest.DESC):
            self.assertEqual(description_errors(desc), [])
        minimal = {"sync": "aa", "length": 2, "checksum": "none", "fields": [{"name": "soc", "offset": 1,
                                                                              "width": 1}]}
        self.assertEqual(description_errors(minimal), [])

    def test_not_an_object(self):
        self.assertEqual(description_errors([1]), [
            "custom: [1] is not an object with sync, length, checksum and fields"])

    def test_top_level_keys(self):
        self.assertEqual(errors_of(sync="AG"), [
            'custom.sync: "AG" is not 1 to 4 bytes in hex, such as "AA1A"'])
        for sync in ("A", "AABBCCDDEE", 170, ""):
            self.assertEqual(len(errors_of(sync=sync)), 1, sync)
        self.assertEqual(errors_of(length=65), ["custom.length: 65 is not a whole number from 1 to 64"])
        self.assertEqual(errors_of(length=True), ["custom.length: true is not a whole number from 1 to 64"])
        self.assertEqual(errors_of(checksum="crc32"), [
            'custom.checksum: "crc32" is not one of none, sum8, xor8, crc16-modbus'])
        self.assertEqual(errors_of(colour=1), [
            "custom.colour: 1 is not a key of a frame description "
            "(sync, length, checksum, checksum_start, fields)"])

    def test_length_and_checksum_room(self):
        # 2 sync bytes + a 2-byte CRC need at least 4 bytes; the fields no longer matter.
        self.assertEqual(errors_of(length=3, checksum="crc16-modbus"), [
            "custom.length: 3 leaves no room for the 2 sync and 2 checksum bytes"])
        self.assertEqual(errors_of(checksum_start=7), [
            "custom.checksum_start: 7 is not a whole number from 0 to 6 "
            "(the checksum covers checksum_start to length - 1)"])
        self.assertEqual(len(errors_of(checksum_start=-1)), 1)

    def test_fields_list(self):
        self.assertEqual(errors_of(fields=[]), ["custom.fields: [] is not a list of 1 to 16 fields"])
        self.assertEqual(len(errors_of(fields=[field("x", 2, 1)] * 17)), 1)
        self.assertEqual(errors_of(fields=[3]), [
            "custom.fields[0]: 3 is not an object with name, offset, width, endian, signed, mul, div"])

    def test_field_keys(self):
        self.assertEqual(errors_of(f1_width=3), ["custom.fields[1].width: 3 is not one of 1, 2, 4"])
        self.assertEqual(errors_of(f1_endian="middle"), [
            'custom.fields[1].endian: "middle" is not one of little, big'])
        self.assertEqual(errors_of(f2_signed=1), ["custom.fields[2].signed: 1 is not true or false"])
        self.assertEqual(errors_of(f0_mul=0), [
            "custom.fields[0].mul: 0 is not a whole number from -1000000000 to 1000000000 other than 0"])
        self.assertEqual(errors_of(f0_div=0), [
            "custom.fields[0].div: 0 is not a whole number from 1 to 1000000000"])
        self.assertEqual(errors_of(f0_offset=-1), [
            "custom.fields[0].offset: -1 is not a whole number from 0 to 63"])
        self.assertEqual(errors_of(f0_colour="red"), [
            'custom.fields[0].colour: "red" is not a key of a field '
            "(name, offset, width, endian, signed, mul, div)"])
        self.assertEqual(len(errors_of(f0_width=1.0)), 1)

    def test_field_names(self):
        self.assertEqual(errors_of(f1_name="soc"), [
            'custom.fields[1].name: "soc" is already the name of an earlier field'])
        self.assertEqual(errors_of(f1_name=""), [
            'custom.fields[1].name: "" is not a name (soc, status, voltage_mv, current_ma, cell_min_mv, '
            "cell_max_mv, ah_used_mah, speed, temp_internal, temp_ext1, temp_ext2, or any other text "
            "for a value)"])
        many = [field("v%d" % i, 2, 1) for i in range(16)] + [field("soc", 2, 1)]
        self.assertEqual(len(errors_of(fields=many)), 1)  # 17 fields
        many = [field("v%d" % i, 2, 1) for i in range(16)]
        self.assertEqual(errors_of(fields=many), [])

    def test_field_placement(self):
        # length 8 with sum8: bytes 0-6 for data, byte 7 the checksum.
        self.assertEqual(errors_of(f2_offset=6), [
            "custom.fields[2].offset: 6 puts bytes 6 to 7 over the checksum (bytes 7 to 7)"])
        self.assertEqual(errors_of(f2_offset=7), [
            "custom.fields[2].offset: 7 puts bytes 7 to 8 past the frame length 8"])
        self.assertEqual(errors_of(length=6), [
            "custom.fields[2].offset: 5 puts bytes 5 to 6 past the frame length 6"])

    def test_every_problem_is_named(self):
        got = errors_of(sync="X", checksum="md5", f0_width=8, f1_endian=0)
        self.assertEqual([m.split(":")[0] for m in got], [
            "custom.sync", "custom.checksum", "custom.fields[0].width", "custom.fields[1].endian"])


if __name__ == "__main__":
    unittest.main()


class DescriptionEdgesTest(unittest.TestCase):
    def test_sixteen_value_fields_each_have_their_slot(self):
        self.assertTrue(MAX_FIELDS <= MAX_VALUES)
        desc = {"sync": "01", "length": 17, "checksum": "none",
                "fields": [{"name": "v%d" % i, "offset": i + 1, "width": 1} for i in range(MAX_FIELDS)]}
        self.assertEqual(description_errors(desc), [])
        dec = fed(desc, bytes(range(1, 18)))
        self.assertEqual(list(dec.reading.values[0:MAX_FIELDS]), list(range(2, 18)))

    def test_sync_and_checksum_may_fill_the_frame(self):
        desc = {"sync": "AA1A", "length": 4, "checksum": "crc16-modbus",
                "fields": [{"name": "soc", "offset": 0, "width": 2}]}
        self.assertEqual(description_errors(desc), [])
        desc = {"sync": "AA", "length": 3, "checksum": "crc16-modbus",  # checksum over byte 0 only
                "fields": [{"name": "soc", "offset": 0, "width": 1}]}
        self.assertEqual(description_errors(desc), [])

    def test_without_a_checksum_its_start_may_be_the_length(self):
        desc = {"sync": "01", "length": 2, "checksum": "none", "checksum_start": 2,
                "fields": [{"name": "soc", "offset": 1, "width": 1}]}
        self.assertEqual(description_errors(desc), [])

    def test_an_unknown_checksum_takes_no_room(self):
        desc = {"sync": "AA", "length": 1, "checksum": "md5", "fields": [{"name": "soc", "offset": 0,
                                                                        "width": 1}]}
        self.assertEqual(description_errors(desc), [
            'custom.checksum: "md5" is not one of none, sum8, xor8, crc16-modbus'])

    def test_every_field_is_checked_after_a_bad_one(self):
        self.assertEqual(errors_of(fields=[5, field("soc", 99, 1), field("status", 2, 5)]), [
            "custom.fields[0]: 5 is not an object with name, offset, width, endian, signed, mul, div",
            "custom.fields[1].offset: 99 is not a whole number from 0 to 63",
            "custom.fields[2].width: 5 is not one of 1, 2, 4",
        ])


class SyncFormsTest(unittest.TestCase):
    """The sync is 1 to 4 bytes written as 2, 4, 6 or 8 hex digits."""

    def desc(self, sync):
        size = len(sync) // 2
        return {"sync": sync, "length": size + 1, "checksum": "none",
                "fields": [{"name": "soc", "offset": size, "width": 1}]}

    def test_one_to_four_bytes_are_syncs(self):
        for sync in ("7E", "aa1A", "5AA5C3", "0102FEFF"):
            self.assertEqual(description_errors(self.desc(sync)), [], sync)
            frame = bytes.fromhex(sync) + b"\x2a"
            dec = fed(self.desc(sync), b"\x00" + frame + b"\x13" + frame)
            self.assertEqual(counters(dec), (2, 0, 2, 0), sync)
            self.assertEqual(dec.reading.soc, 42, sync)

    def test_other_forms_are_not(self):
        for sync in ("AABBCCD", "AABBCCDDE", "1X", "AX", "X1", "aabbccdx", "0x1A"):
            desc = self.desc(sync + "00" if len(sync) % 2 else sync)
            desc["sync"] = sync
            self.assertEqual(description_errors(desc), [
                "custom.sync: %s is not 1 to 4 bytes in hex, such as \"AA1A\"" % ('"' + sync + '"')], sync)

    def test_an_unchecked_description_is_refused(self):
        desc = self.desc("7E")
        desc["sync"] = "7G"
        with self.assertRaises(ValueError) as ctx:
            CustomDecoder(Reading(), desc)
        message = str(ctx.exception)
        self.assertTrue(message.startswith("custom.sync:"), message)
        self.assertIn("description_errors", message)


class ValuesAndSkipsTest(unittest.TestCase):
    def test_value_mask_has_a_bit_per_value_field(self):
        desc = {"sync": "01", "length": 5, "checksum": "none",
                "fields": [field("soc", 1, 1), field("first", 2, 1), field("second", 3, 1),
                           field("third", 4, 1)]}
        dec = fed(desc, bytes.fromhex("0164010203"))
        r = dec.reading
        self.assertEqual((r.value_count, r.value_mask), (3, 0b111))
        self.assertEqual(list(r.values[0:3]), [1, 2, 3])
        self.assertEqual(dec.flags, F_SOC | F_VALUES)

    def test_frames_without_value_fields_leave_the_values_alone(self):
        # The Reading keeps what other frames wrote into it (as it keeps ``have``).
        reading = Reading()
        reading.slots()
        reading.values[0] = 7
        reading.value_count = 1
        reading.value_mask = 1
        dec = feed(CustomDecoder(reading, DEFAULTS["custom"]), SOC_FRAME)
        self.assertEqual(dec.flags, F_SOC)
        self.assertEqual((reading.value_count, reading.value_mask, reading.values[0]), (1, 1, 7))

    def test_bytes_after_the_last_frame_of_a_call_are_skipped(self):
        dec = fed(SUM8_DESC, SUM8_FRAME + b"\x00\x13\x00")
        self.assertEqual(counters(dec), (1, 0, 3, 0))
        dec = fed(SUM8_DESC, b"\x00" + SUM8_FRAME + SUM8_FRAME + b"\x13\x13")
        self.assertEqual(counters(dec), (2, 0, 3, 0))

    def test_signed_four_byte_values_with_a_zero_low_half(self):
        # FFFF0000 = -65 536, FFFE0000 = -131 072: far from the saturation bound.
        for body, expected in (("0000FFFF", -65536), ("0000FEFF", -131072), ("0000C0FF", -4194304)):
            desc = {"sync": "01", "length": 5, "checksum": "none",
                    "fields": [{"name": "soc", "offset": 1, "width": 4, "signed": True}]}
            dec = fed(desc, bytes.fromhex("01" + body))
            self.assertEqual(dec.reading.soc, expected, body)


class RawFieldTest(unittest.TestCase):
    """A 4-byte field is saturated at +-(2**30 - 1) where it is read, so it stays a small int on the
    RP2040 (module docstring) before any scaling."""

    def raw(self, hex_le, signed):
        from socbar.custom import _raw

        return _raw(bytes.fromhex(hex_le), 0, 4, 2 if signed else 0)  # little-endian; 2: signed

    def test_the_saturation_bounds(self):
        cases = (("FFFFFF3F", False, SATURATE), ("00000040", False, SATURATE), ("FFFF0040", False, SATURATE),
                 ("FFFFFF3F", True, SATURATE), ("00000040", True, SATURATE),
                 ("010000C0", True, -SATURATE), ("000000C0", True, -SATURATE),  # -(2**30 - 1), -2**30
                 ("FFFFFFBF", True, -SATURATE), ("00000080", True, -SATURATE),
                 ("020000C0", True, -SATURATE + 1), ("0000FFFF", True, -65536),
                 ("000000FF", True, -(1 << 24)))
        for body, signed, expected in cases:
            self.assertEqual(self.raw(body, signed), expected, (body, signed))
