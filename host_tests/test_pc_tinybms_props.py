"""Properties of the Tiny BMS decoder over generated streams (hypothesis, CPython only)."""

import unittest

import frames
from frames import float32_le, frame, i16le, u16be, u16le, u32le, with_pl
from hypothesis import given, settings
from hypothesis import strategies as st
from socbar.reading import Reading
from socbar.tinybms import TinyBmsDecoder

# Each response comes after the request it answers (on a line that shows requests, only an
# answer is data); requests may also stand alone.
VALID = [
    frames.read_request(0x1A) + frame(0x1A, u32le(87654321)),
    frames.read_request(0x18) + frame(0x18, u16le(0x91)),
    frames.read_request(0x14) + frame(0x14, float32_le(53.25)),
    frames.read_request(0x15) + frame(0x15, float32_le(-12.5)),
    frames.read_request(0x16) + frame(0x16, u16le(4123)),
    frames.read_request(0x17) + frame(0x17, u16le(3012)),
    frames.read_request(0x1B) + with_pl(0x1B, i16le(278, -32768, 276)),
    frames.read_request(0x1C) + with_pl(0x1C, u16le(*range(37000, 37014))),
    frames.read_request(0x1E) + with_pl(0x1E, b"\x01\x02\x03" + u16le(0x0102)),
    frames.read_request(0x20) + frame(0x20, float32_le(24.5) + u32le(42) + u32le(5400)),
    frames.modbus_read_request(5, 2) + with_pl(0x03, u16be(0x9740, 0x972C)),
    frames.block_read_request(36, 3) + with_pl(0x07, u16le(1, 2, 3)),
    with_pl(0x09, u16le(50)) + with_pl(0x09, u16le(50, 0x93)),
    frames.block_read_request(36, 3) + frame(0x01, b"\x07"),
    frames.read_request(0x1A) + frame(0x00, b"\x1a\x01"),
    frames.read_request(0x1A),
    frames.modbus_read_request(46, 2),
    frames.block_read_request(36, 4),
]

SETTINGS = settings(derandomize=True, max_examples=150, deadline=None)


def snapshot(dec):
    r = dec.reading
    return (
        dec.good, dec.bad, dec.skipped, dec.overlong, dec.requests,
        r.have, r.soc, r.status, r.voltage_mv, r.current_ma, list(r.temps), list(r.cells), r.cell_count,
        r.regs and list(r.regs[0:4]), r.reg_addrs and list(r.reg_addrs[0:4]), r.reg_count, r.speed,
        r.ack_cmd, r.nack_cmd,
    )  # fmt: skip


def feed_all(data, cuts=()):
    dec = TinyBmsDecoder(Reading())
    seen = []
    dec.on_record = seen.append
    start = 0
    for cut in sorted(cuts) + [len(data)]:
        chunk = data[start:cut]
        dec.feed(chunk, len(chunk))
        start = cut
    return dec, seen


class ChunkingTest(unittest.TestCase):
    @SETTINGS
    @given(st.lists(st.sampled_from(VALID), min_size=1, max_size=12), st.data())
    def test_any_chunking_decodes_identically(self, picked, data):
        stream = b"".join(picked)
        cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=20))
        whole, whole_seen = feed_all(stream)
        chunked, chunked_seen = feed_all(stream, cuts)
        self.assertEqual(snapshot(chunked), snapshot(whole))
        self.assertEqual(chunked_seen, whole_seen)
        self.assertEqual(whole.bad + whole.overlong, 0)


class JunkTest(unittest.TestCase):
    @SETTINGS
    @given(st.binary(max_size=600), st.lists(st.integers(0, 600), max_size=10))
    def test_junk_never_raises(self, junk, cuts):
        dec, _ = feed_all(junk, [c for c in cuts if c <= len(junk)])
        self.assertLessEqual(dec.skipped, len(junk))
        self.assertTrue(min(dec.good, dec.bad, dec.overlong, dec.requests) >= 0)

    @SETTINGS
    @given(st.binary(max_size=300), st.integers(0, 100_000_000), st.lists(st.integers(0, 400), max_size=8))
    def test_frame_after_junk_is_decoded(self, junk, soc, cuts):
        last = frame(0x1A, u32le(soc))
        stream = junk + last
        dec, _ = feed_all(stream, [c for c in cuts if c <= len(stream)])
        self.assertEqual(dec.reading.soc, soc)
        self.assertGreaterEqual(dec.good, 1)

    @SETTINGS
    @given(st.binary(min_size=1, max_size=40), st.sampled_from(VALID[:10]))
    def test_syncs_in_junk_cost_no_frame(self, junk, valid):
        # Junk full of 0xAA: every false start is dropped one byte at a time.
        noisy = bytes(0xAA if b & 1 else b for b in junk)
        dec, seen = feed_all(noisy + valid + valid)
        self.assertGreaterEqual(dec.good, 2)
        self.assertEqual(seen[-2:], seen[-1:] * 2)
