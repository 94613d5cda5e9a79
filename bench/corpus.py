"""The differential corpus: byte streams every interpreter must decode alike.

    python3 bench/corpus.py          decode the corpus, print every stream's lines
    micropython bench/corpus.py      the same under the MicroPython unix port

``streams()`` builds the corpus from a fixed seed with its own xorshift
generator and its own CRC (reference_decoder), so CPython and MicroPython
build the very same bytes; ``digest`` lines prove it. Each stream goes
through pclib/decoding.py, the loop tools/decode.py uses, and prints its
records and summary; test_pc_differential.py compares the two outputs.
Written in the subset both interpreters accept.
"""

import struct

from reference_decoder import crc16, encode
from socbar.config import validate


# A second frame description next to the shipped default: sum8, big-endian
# and signed fields, a value column.
def field(name, offset, width, endian="little", signed=False, mul=1):
    return {"name": name, "offset": offset, "width": width, "endian": endian, "signed": signed,
            "mul": mul, "div": 1}


SUM8_DESC = {
    "sync": "5AA5",
    "length": 12,
    "checksum": "sum8",
    "checksum_start": 2,
    "fields": [
        field("soc", 2, 1, mul=1000000),
        field("voltage_mv", 3, 2, "big", mul=10),
        field("current_ma", 5, 2, "big", signed=True, mul=100),
        field("status", 7, 1),
        field("cycles", 8, 2),
    ],
}

V31 = "Ah\tV\tA\tS\tD\tDeg\tRPM\tHW\tNm\tThI\tThO\tAuxA\tAuxD\tFlgs"


class Rng:
    """xorshift32: the same numbers on every interpreter."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF or 1

    def next(self):
        x = self.state
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.state = x
        return x

    def below(self, n):
        return self.next() % n

    def bytes(self, n):
        return bytes(self.next() & 0xFF for _ in range(n))


def u16(v):
    return struct.pack("<H", v)


def u32(v):
    return struct.pack("<I", v)


def f32_bits(bits):
    return struct.pack("<I", bits)


def tinybms_frames(rng):
    """One of every response docs/protocol.md section 2 lists, plus odd floats."""
    frames = [
        encode(0x1A, u32(87654321)),
        encode(0x1A, u32(0)),
        encode(0x1A, u32(100000000)),
        encode(0x18, u16(0x91)),
        encode(0x18, u16(0x92)),
        encode(0x18, u16(0x93)),
        encode(0x18, u16(0x96)),
        encode(0x18, u16(0x97)),
        encode(0x18, u16(0x9B)),
        encode(0x18, u16(0x42)),
        encode(0x14, struct.pack("<f", 53.25)),
        encode(0x14, f32_bits(0x7FC00000)),  # NaN
        encode(0x14, f32_bits(0x7F800000)),  # +inf
        encode(0x14, f32_bits(0x00000001)),  # smallest denormal
        encode(0x15, struct.pack("<f", -12.5)),
        encode(0x15, struct.pack("<f", 0.0009765625)),
        encode(0x15, f32_bits(0x80000000)),  # -0.0
        encode(0x16, u16(4123)),
        encode(0x17, u16(3012)),
        bytes.fromhex("AA1B061601140116010E4E"),  # docs/protocol.md worked example
        encode(0x1B, b"\x06" + struct.pack("<hhh", -55, -32768, 1234)),
        encode(0x1C, b"\x1a" + b"".join(u16(36000 + 37 * i) for i in range(13))),
        encode(0x1C, b"\x20" + b"".join(u16(41000 - i) for i in range(16))),
        encode(0x1E, b"\x05\x01\x02\x03" + u16(0x0102)),
        encode(0x1F, b"\x09\x01\x02\x03" + u16(0x0203) + u16(7) + u16(9)),
        encode(0x20, struct.pack("<fII", 24.5, 42, 5400)),
        bytes.fromhex("AA030A97409740972C972C972C3EC7"),
        encode(0x07, b"\x06" + u16(1) + u16(2) + u16(0xFFFF)),
        encode(0x09, b"\x04" + u16(46) + u16(50)),  # the request the next frame answers
        encode(0x09, b"\x08" + u16(46) + u16(0x5E10) + u16(50) + u16(0x91)),
        encode(0x01, b"\x07"),
        encode(0x00, b"\x1a\x01"),
        bytes.fromhex("AA10013B00022822"),  # write reply, docs/protocol.md
    ]
    for _ in range(12):
        frames.append(encode(0x1A, u32(rng.below(100000001))))
    return frames


def chunks_of(data, sizes, rng=None):
    """(t, bytes) pairs; ``sizes`` is a fixed size, or 0 for random sizes."""
    out = []
    i = 0
    t = 0
    while i < len(data):
        n = sizes if sizes else 1 + rng.below(40)
        out.append((t, data[i : i + n]))
        i += n
        t += 10
    return out


def corrupt(data, rng, count):
    """``count`` random edits: a bit flip, a dropped byte or an inserted byte."""
    for _ in range(count):
        at = rng.below(len(data))
        kind = rng.below(3)
        if kind == 0:
            data = data[:at] + bytes((data[at] ^ 1 << rng.below(8),)) + data[at + 1 :]
        elif kind == 1:
            data = data[:at] + data[at + 1 :]
        else:
            data = data[:at] + bytes((rng.next() & 0xFF,)) + data[at:]
    return data


def cav3_rows(rng, count, columns):
    rows = []
    for i in range(count):
        fields = [
            "%d.%03d" % (i // 100, rng.below(1000)),
            "%d.%d" % (44 + rng.below(10), rng.below(10)),
            "-%d.%d" % (rng.below(500), rng.below(10)),
            "%d.%02d" % (rng.below(60), rng.below(100)),
            "%d.%03d" % (i // 10, rng.below(1000)),
            "%d.%d" % (20 + rng.below(20), rng.below(10)),
            "%d" % rng.below(120),
            "%d" % rng.below(400),
            "%d.%d" % (rng.below(50), rng.below(10)),
            "1.%02d" % rng.below(100),
            "0.%02d" % rng.below(100),
            "0.00",
            "%d.%02d" % (rng.below(5), rng.below(100)),
            "%d" % rng.below(8),
        ]
        rows.append("\t".join(fields[: len(columns)]))
    return rows


def text(lines, end):
    return (end.join(lines) + end).encode()


def streams():
    """Yield (name, format, config document, chunks) for every stream."""
    rng = Rng(20251125)
    frames = tinybms_frames(rng)
    valid = b"".join(frames)
    yield "tinybms-valid-whole", "tinybms", {}, [(0, valid)]
    yield "tinybms-valid-bytewise", "tinybms", {}, chunks_of(valid, 1)
    yield "tinybms-valid-random-chunks", "tinybms", {}, chunks_of(valid, 0, rng)
    yield "tinybms-auto", "auto", {}, chunks_of(valid, 7)
    junk = rng.bytes(300) + b"\xaa\xaa\x1c\xff" + rng.bytes(40) + b"\xaa\x1a\x01"
    yield "tinybms-junk-then-valid", "tinybms", {}, chunks_of(junk + bytes(260) + valid, 0, rng)
    for n in range(3):
        yield "tinybms-mutated-%d" % n, "tinybms", {}, chunks_of(corrupt(valid, rng, 5 + 10 * n), 0, rng)
    requests = b"".join(encode(cmd) for cmd in (0x1A, 0x18, 0x14)) + bytes.fromhex("AA03000500058C13")
    yield "tinybms-requests-and-replies", "tinybms", {}, chunks_of(requests + valid, 5)
    truncated = b"".join(f[: len(f) - 1 - rng.below(len(f) - 1)] + f for f in frames)
    yield "tinybms-truncated-frames", "tinybms", {}, chunks_of(truncated, 0, rng)
    overlong = encode(0x1C, bytes((250,)) + rng.bytes(250)) + encode(0x03, bytes((254,)) + rng.bytes(254))
    yield "tinybms-overlong", "tinybms", {}, chunks_of(overlong + valid, 0, rng)
    noise = bytes(b if b & 0x0F else 0xAA for b in rng.bytes(3000))
    yield "tinybms-noise", "tinybms", {}, chunks_of(noise, 0, rng)

    columns = V31.split("\t")
    rows = cav3_rows(rng, 40, columns)
    yield "cav3-v31-crlf", "cav3", {}, chunks_of(text([V31] + rows, "\r\n"), 0, rng)
    yield "cav3-auto", "auto", {}, chunks_of(text([V31] + rows, "\r\n"), 16)
    v2 = cav3_rows(rng, 20, columns[:5])
    yield "cav3-v2-lf", "cav3", {}, chunks_of(text(["Ah\tV\tA\tS\tD"] + v2, "\n"), 0, rng)
    yield "cav3-no-header-cr", "cav3", {}, chunks_of(text(rows[:20], "\r"), 3)
    midline = text([V31] + rows[:10], "\r\n")[37:]
    yield "cav3-mid-line-start", "cav3", {}, chunks_of(midline, 0, rng)
    odd = [V31, rows[0], "x" * 400, rows[1], "1.0\tV\t2", rows[2], "", "-0.3\t" + rows[3][4:], rows[4]]
    odd_stream = text(odd, "\n") + rng.bytes(200) + b"\n" + text(rows[5:9], "\n")
    yield "cav3-odd-lines", "cav3", {}, chunks_of(odd_stream, 0, rng)
    yield "cav3-mutated", "cav3", {}, chunks_of(corrupt(text([V31] + rows, "\r\n"), rng, 30), 0, rng)

    socs = [encode(0x1A, u32(rng.below(100000001))) for _ in range(20)]
    custom = b"".join(socs)
    yield "custom-default", "custom", {}, chunks_of(custom, 0, rng)
    yield "custom-default-mutated", "custom", {}, chunks_of(corrupt(custom, rng, 12), 0, rng)
    sum8 = []
    for i in range(20):
        body = bytes((0x5A, 0xA5, rng.below(101))) + struct.pack(">Hh", 4800 + i, -1200 + 97 * i)
        body += bytes((0x93,)) + u16(i * 3) + b"\x00"
        sum8.append(body + bytes((sum(body[2:]) & 0xFF,)))
    doc = {"custom": SUM8_DESC}
    yield "custom-sum8", "custom", doc, chunks_of(b"".join(sum8), 0, rng)
    yield "custom-sum8-mutated", "custom", doc, chunks_of(corrupt(b"".join(sum8), rng, 10), 0, rng)

    yield "empty", "auto", {}, []
    yield "junk-only-auto", "auto", {}, chunks_of(rng.bytes(1500), 64)

    # Real streams (issue 11): no header, joined mid-line; spaces; the Flgs letters.
    v2_stream = text(cav3_rows(rng, 20, columns[:5]), "\r\n")
    yield "cav3-v2-no-header-mid-line", "auto", {}, chunks_of(v2_stream[9:], 0, rng)
    yield "cav3-v3-no-header-whole", "cav3", {}, chunks_of(text(rows[:12], "\n"), 0, rng)
    flagged = []
    for i, row in enumerate(rows[:16]):
        fields = row.split("\t")
        fields[13] = ("1", "1B", "2AW", "3s", "2X", "1T", "1V", "1S")[i % 8]
        flagged.append(" ".join(fields))
    spaced = text([V31.replace("\t", " ")] + flagged, "\r\n")
    yield "cav3-spaces-flags", "cav3", {}, chunks_of(spaced, 0, rng)
    # Requests with nobody answering: a 0x09 request has the shape of a one-pair reply.
    asks = encode(0x09, b"\x04" + u16(0x22) + u16(0x23)) * 4
    asks += b"".join(encode(cmd) for cmd in (0x14, 0x15, 0x18, 0x1A, 0x1B, 0x20)) * 2
    yield "tinybms-requests-only", "tinybms", {}, chunks_of(asks, 0, rng)
    implausible = (encode(0x1A, u32(100000001)) + encode(0x20, struct.pack("<fII", 12.0, 346730366, 600))
                   + encode(0x14, struct.pack("<f", 250.0)) + encode(0x16, u16(9000))
                   + encode(0x1B, b"\x06" + struct.pack("<hhh", 250, 2000, -32768)))
    yield "tinybms-implausible", "tinybms", {}, chunks_of(implausible, 0, rng)


def digest(chunks):
    data = b"".join(c[1] for c in chunks)
    return "%d bytes in %d chunks, crc %04x" % (len(data), len(chunks), crc16(data))


def run(emit):
    """Decode every stream; ``emit(name, line)`` for each line of output."""
    import decoding  # here, so the streams can be built before every decoder exists

    for name, fmt, doc, chunks in streams():
        config = validate(doc)[0]
        emit(name, '{"digest": "%s"}' % digest(chunks))
        decoding.decode(chunks, fmt, config, lambda line, t, name=name: emit(name, line))


if __name__ == "__main__":
    run(lambda name, line: print("%s %s" % (name, line)))
