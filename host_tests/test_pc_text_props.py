"""Properties of the CA V3 and custom-frame decoders over generated streams (hypothesis, CPython only)."""

import unittest

from hypothesis import given, settings
from hypothesis import strategies as st
from socbar.cav3 import CaV3Decoder
from socbar.custom import CustomDecoder
from socbar.detect import Detector
from socbar.reading import Reading
from socbar.tinybms import TinyBmsDecoder

SETTINGS = settings(derandomize=True, max_examples=120, deadline=None)
V2 = ["Ah", "V", "A", "S", "D"]
ENDS = ("\r\n", "\n", "\r")

# A number as the CA prints it, and its value in milli-units worked out from
# the digits: integer part x 1000 plus the first three decimals.
numbers = st.builds(
    lambda sign, whole, frac: (
        "%s%d%s" % (sign, whole, "." + frac if frac else ""),
        (-1 if sign == "-" else 1) * (whole * 1000 + int((frac + "000")[:3])),
    ),
    st.sampled_from(("", "-")),
    st.integers(0, 999999),
    st.text("0123456789", max_size=5),
)

SUM8_DESC = {
    "sync": "5AA5", "length": 9, "checksum": "sum8", "checksum_start": 2,
    "fields": [
        {"name": "soc", "offset": 2, "width": 1, "mul": 1000000},
        {"name": "current_ma", "offset": 3, "width": 2, "endian": "big", "signed": True, "mul": 100},
        {"name": "cycles", "offset": 5, "width": 2},
        {"name": "status", "offset": 7, "width": 1},
    ],
}


def sum8_frame(soc, amps, cycles, status):
    body = bytes((0x5A, 0xA5, soc)) + (amps & 0xFFFF).to_bytes(2, "big") + cycles.to_bytes(2, "little")
    body += bytes((status,))
    return body + bytes((sum(body[2:]) & 0xFF,))


def snapshot(dec):
    r = dec.reading
    return (dec.good, dec.bad, dec.skipped, dec.overlong, r.have, r.soc, r.status, r.voltage_mv,
            r.current_ma, r.ah_used_mah, r.speed, list(r.temps), list(r.values), r.value_count)


def feed_all(dec, data, cuts=()):
    seen = []
    dec.on_record = seen.append
    start = 0
    for cut in sorted(cuts) + [len(data)]:
        chunk = data[start:cut]
        dec.feed(chunk, len(chunk))
        start = cut
    return snapshot(dec), seen


class CaV3PropertiesTest(unittest.TestCase):
    @SETTINGS
    @given(st.lists(st.lists(numbers, min_size=5, max_size=5), min_size=1, max_size=8),
           st.sampled_from(ENDS), st.data())
    def test_rows_decode_to_their_digits_under_any_chunking(self, rows, end, data):
        lines = ["\t".join(V2)] + ["\t".join(text for text, _ in row) for row in rows]
        stream = (end.join(lines) + end).encode()
        cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=10))
        whole = feed_all(CaV3Decoder(Reading(), V2), stream)
        dec = CaV3Decoder(Reading(), V2)
        self.assertEqual(feed_all(dec, stream, cuts), whole)
        self.assertEqual((dec.good, dec.bad), (len(rows), 0))
        self.assertEqual(list(dec.reading.values[0:5]), [milli for _, milli in rows[-1]])

    @SETTINGS
    @given(st.binary(max_size=600), st.data())
    def test_junk_never_raises_and_chunking_does_not_matter(self, junk, data):
        cuts = data.draw(st.lists(st.integers(0, len(junk)), max_size=10))
        whole = feed_all(CaV3Decoder(Reading(), V2), junk)
        dec = CaV3Decoder(Reading(), V2)
        self.assertEqual(feed_all(dec, junk, cuts), whole)
        dec.reset()
        self.assertLessEqual(dec.skipped, len(junk))


class CustomPropertiesTest(unittest.TestCase):
    frames = st.builds(sum8_frame, st.integers(0, 100), st.integers(-32768, 32767), st.integers(0, 65535),
                       st.integers(0, 255))

    @SETTINGS
    @given(st.lists(st.one_of(frames, st.binary(max_size=12)), min_size=1, max_size=10), st.data())
    def test_any_chunking_decodes_identically(self, parts, data):
        stream = b"".join(parts)
        cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=10))
        whole = feed_all(CustomDecoder(Reading(), SUM8_DESC), stream)
        dec = CustomDecoder(Reading(), SUM8_DESC)
        self.assertEqual(feed_all(dec, stream, cuts), whole)
        # Every byte is either in a good frame or skipped.
        dec.reset()
        self.assertEqual(dec.skipped + 9 * dec.good, len(stream))

    @SETTINGS
    @given(st.lists(frames, min_size=1, max_size=6))
    def test_frames_decode_to_what_was_packed(self, parts):
        dec = CustomDecoder(Reading(), SUM8_DESC)
        stream = b"".join(parts)
        dec.feed(stream, len(stream))
        self.assertEqual(dec.good, len(parts))
        last = parts[-1]
        r = dec.reading
        amps = int.from_bytes(last[3:5], "big", signed=True)
        self.assertEqual((r.soc, r.current_ma, r.values[0], r.status),
                         (last[2] * 1000000, amps * 100, last[5] | last[6] << 8, last[7]))


class DetectPropertiesTest(unittest.TestCase):
    @SETTINGS
    @given(st.binary(max_size=400), st.integers(1, 64))
    def test_junk_never_raises(self, junk, step):
        det = Detector([TinyBmsDecoder(Reading()), CustomDecoder(Reading(), SUM8_DESC),
                        CaV3Decoder(Reading(), V2)], limit=200)
        winner = None
        for i in range(0, len(junk), step):
            chunk = junk[i : i + step]
            winner = det.feed(chunk, len(chunk)) or winner
        self.assertEqual(det.bytes_seen, len(junk))
        if winner is None:
            self.assertEqual(det.hopeless, len(junk) >= 200)


if __name__ == "__main__":
    unittest.main()
