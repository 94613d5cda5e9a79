"""Format auto-detection over the three decoders, with streams built from docs/protocol.md."""

import unittest

import alloc
from frames import frame, u16le, u32le, with_pl
from socbar.cav3 import CaV3Decoder
from socbar.config import DEFAULTS
from socbar.custom import CustomDecoder
from socbar.detect import LIMIT, Detector
from socbar.reading import Reading
from socbar.tinybms import TinyBmsDecoder

V31 = ["Ah", "V", "A", "S", "D", "Deg", "RPM", "HW", "Nm", "ThI", "ThO", "AuxA", "AuxD", "Flgs"]
CA_TEXT = (
    b"Ah\tV\tA\tS\tD\tDeg\tRPM\tHW\tNm\tThI\tThO\tAuxA\tAuxD\tFlgs\r\n"
    b"0.05\t52.31\t-422.2\t39.977\t12\t-0.3\t85\t250\t12.5\t1.23\t0.87\t0.00\t3.10\t0\r\n"
    b"0.06\t52.30\t-3.1\t40.01\t12.01\t21.5\t0\t0\t0.0\t0.85\t0.00\t0.00\t0.00\t0\r\n"
    b"0.07\t52.2\t0.00\t0\t12.02\t21.6\t0\t0\t0.0\t0.85\t0.00\t0.00\t0.00\t0\r\n"
)

# Tiny BMS replies whose payloads are full of tabs, line ends and ASCII digits.
TINY = (
    frame(0x1A, u32le(0x05090A0D))  # SOC bytes 0D 0A 09 05: 84.5 %
    + frame(0x18, u16le(0x0993))
    + with_pl(0x1C, b"\x09\x0a" + b"1\t2\t3\r\n" * 3 + b"\x0d\x0a\x09")  # 13 cells
    + frame(0x16, b"\x0d\x0a")
)

# The sum8 layout of test_custom: sync 5A A5, soc byte, volts, signed amps, sum of bytes 2-6.
SUM8_DESC = {
    "sync": "5AA5", "length": 8, "checksum": "sum8", "checksum_start": 2,
    "fields": [{"name": "soc", "offset": 2, "width": 1, "mul": 1000000}],
}
SUM8_FRAME = bytes.fromhex("5AA54B12C0FE0C27")


def candidates(custom=None, columns=V31):
    return [TinyBmsDecoder(Reading()), CustomDecoder(Reading(), custom or DEFAULTS["custom"]),
            CaV3Decoder(Reading(), columns)]


def first_winner(detector, data, step):
    """Feed ``data`` in ``step``-byte chunks; return (winner name or None, bytes fed until then)."""
    for i in range(0, len(data), step):
        chunk = data[i : i + step]
        winner = detector.feed(chunk, len(chunk))
        if winner is not None:
            return winner.name, i + len(chunk)
    return None, len(data)


class DetectTest(unittest.TestCase):
    def test_cav3(self):
        det = Detector(candidates())
        # Header, then two rows: the second row's line end decides.
        end_of_row2 = CA_TEXT.index(b"\r\n0.07")
        self.assertEqual(first_winner(det, CA_TEXT, 1), ("cav3", end_of_row2 + 1))
        self.assertEqual(det.bytes_seen, end_of_row2 + 1)

    def test_tinybms_is_not_taken_for_text(self):
        for step in (1, 5, len(TINY)):
            dets = candidates()
            self.assertEqual(first_winner(Detector(dets), TINY, step)[0], "tinybms")
            self.assertEqual(dets[2].good, 0)
        # With three configured columns the rows inside the cell frame do decode, but fewer.
        dets = candidates(columns=["Ah", "V", "A"])
        self.assertEqual(Detector(dets).feed(TINY, len(TINY)).name, "tinybms")
        self.assertEqual((dets[0].good, dets[2].good), (4, 3))

    def test_custom(self):
        det = Detector(candidates(SUM8_DESC))
        # The checksum vouches for the first frame.
        self.assertEqual(first_winner(det, SUM8_FRAME * 3, 1), ("custom", 8))

    def test_junk_first(self):
        junk = bytes((i * 37 + 11) & 0xFF for i in range(300))
        for data, name in ((junk + TINY, "tinybms"), (junk + SUM8_FRAME * 2, "custom"),
                           (junk + CA_TEXT, "cav3")):
            det = Detector(candidates(SUM8_DESC))
            self.assertEqual(first_winner(det, data, 7)[0], name)

    def test_one_crc_checked_frame_is_enough(self):
        # The first broadcast after power-up is shown: its CRC-16 vouches for it.
        det = Detector(candidates())
        data = frame(0x1A, u32le(50000000))
        self.assertEqual(det.feed(data, len(data)).name, "tinybms")
        # Also when the CRC-checked format is the only or the last candidate.
        for dets in ([TinyBmsDecoder(Reading())], [CaV3Decoder(Reading(), V31), TinyBmsDecoder(Reading())]):
            det = Detector(dets)
            self.assertEqual(det.feed(data, len(data)).name, "tinybms")

    def test_unchecked_formats_need_two_frames(self):
        rows = b"\n1\t2\n"
        det = Detector([CaV3Decoder(Reading(), ["Ah", "V"])])
        self.assertEqual(det.feed(rows, len(rows)), None)
        self.assertEqual(det.feed(rows, len(rows)).name, "cav3")
        plain = {"sync": "0A", "length": 2, "checksum": "none",
                 "fields": [{"name": "soc", "offset": 1, "width": 1}]}
        det = Detector([CustomDecoder(Reading(), plain)])
        self.assertEqual(det.feed(b"\n\x05", 2), None)
        self.assertEqual(det.feed(b"\n\x05", 2).name, "custom")

    def test_tie_prefers_tinybms_over_custom_over_cav3(self):
        # SOC replies decode as Tiny BMS and as the default custom layout alike.
        soc = frame(0x1A, u32le(50000000)) * 2
        dets = candidates()
        det = Detector([dets[2], dets[1], dets[0]])  # the order of the list does not matter
        self.assertEqual(det.feed(soc, len(soc)).name, "tinybms")
        text = b"\n1\t2\n3\t4\n"
        cav3 = CaV3Decoder(Reading(), ["Ah", "V"])
        custom = CustomDecoder(Reading(), {"sync": "0A", "length": 2, "checksum": "none",
                                           "fields": [{"name": "soc", "offset": 1, "width": 1}]})
        det = Detector([cav3, custom])
        self.assertEqual(det.feed(text, len(text)).name, "custom")
        self.assertEqual((cav3.good, custom.good), (2, 2))

    def test_a_format_outside_the_preference_loses_a_tie(self):
        text = b"\n1\t2\n3\t4\n"
        cav3 = CaV3Decoder(Reading(), ["Ah", "V"])
        other = CustomDecoder(Reading(), {"sync": "0A", "length": 2, "checksum": "none",
                                          "fields": [{"name": "soc", "offset": 1, "width": 1}]})
        other.name = "other"  # a decoder the preference list does not know
        det = Detector([other, cav3])
        self.assertEqual(det.feed(text, len(text)).name, "cav3")
        self.assertEqual((cav3.good, other.good), (2, 2))

    def test_more_frames_beat_preference(self):
        # Three good rows against two Tiny BMS frames in the same chunk.
        data = frame(0x1A, u32le(1)) + b"\n1\t2\n3\t4\n5\t6\n" + frame(0x1A, u32le(2))
        det = Detector([TinyBmsDecoder(Reading()), CaV3Decoder(Reading(), ["Ah", "V"])])
        self.assertEqual(det.feed(data, len(data)).name, "cav3")

    def test_hopeless_and_restart(self):
        junk = bytes(range(0x30, 0x40)) * 8  # digits and punctuation, no line end, no sync
        det = Detector(candidates(), limit=256)
        self.assertEqual(first_winner(det, junk, 64), (None, 128))
        self.assertEqual((det.bytes_seen, det.hopeless), (128, False))
        det.feed(junk, len(junk))
        self.assertEqual((det.bytes_seen, det.hopeless), (256, True))
        det.restart()
        self.assertEqual((det.bytes_seen, det.hopeless), (0, False))
        self.assertEqual(Detector(candidates()).limit, LIMIT)

    def test_restart_counts_from_zero(self):
        cav3 = CaV3Decoder(Reading(), ["Ah", "V"])
        det = Detector([cav3])
        row = b"1\t2\n"
        det.feed(b"\n", 1)
        self.assertEqual(det.feed(row, len(row)), None)
        det.restart()
        det.feed(b"\n", 1)
        self.assertEqual(det.feed(row, len(row)), None)  # one row since the restart
        self.assertEqual(det.feed(row, len(row)).name, "cav3")
        self.assertEqual(cav3.good, 3)

    def test_bad_frames_of_every_candidate_add_up(self):
        dets = candidates()
        det = Detector(dets)
        broken = bytearray(frame(0x1A, u32le(1)))
        broken[-1] ^= 0xFF
        det.feed(broken, len(broken))
        self.assertEqual(det.bad, dets[0].bad + dets[1].bad + dets[2].bad)
        self.assertEqual(dets[0].bad, 1)

    def test_probing_allocates_nothing(self):
        if not alloc.measurable():
            self.skipTest(alloc.UNMEASURABLE)
        det = Detector(candidates(), limit=1 << 29)
        junk = bytearray(bytes((i * 37 + 11) & 0xFF for i in range(256)))
        one = bytearray(1)
        for i in range(256):
            one[0] = junk[i]
            det.feed(one, 1)

        def rounds(count):  # each a byte at a time, then all at once
            for _ in range(count):
                for i in range(256):
                    one[0] = junk[i]
                    det.feed(one, 1)
                det.feed(junk, 256)

        used = alloc.allocated(rounds, 4, warm=0)
        self.assertEqual(det.bytes_seen, 256 + 4 * 512)
        self.assertEqual(used, 0)


if __name__ == "__main__":
    unittest.main()
