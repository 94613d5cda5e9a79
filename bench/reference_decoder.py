"""A Tiny BMS decoder written the obvious way, as a yardstick for the benchmark.

It keeps a growing ``bytes`` buffer, slices frames out of it, checks the CRC
over a slice, unpacks values with ``struct`` (floats included), signals "need
more bytes" with exceptions and returns a dict per frame. That is how most
hobby decoders look; ``bench/bench.py`` times it against the firmware's
decoder on the same bytes to show what the allocation-free design buys.
It is also an independent second opinion on which frames a stream holds
(its own CRC table), which the fuzz tests use. Never used by the firmware.
"""

import struct

_FIXED = {0x01: 5, 0x00: 6, 0x10: 8, 0x14: 8, 0x15: 8, 0x1A: 8, 0x16: 6, 0x17: 6, 0x18: 6, 0x20: 16}
_WITH_PL = (0x03, 0x07, 0x09, 0x1B, 0x1C, 0x1E, 0x1F)


def _table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _table()


def crc16(data):
    """CRC-16/MODBUS of ``data``."""
    crc = 0xFFFF
    for byte in data:
        crc = (crc >> 8) ^ _CRC_TABLE[(crc ^ byte) & 0xFF]
    return crc


class NeedMore(Exception):
    pass


def frame_length(buf):
    """Total length of the frame at the start of ``buf`` (which starts with 0xAA).

    Raises NeedMore when the length is not known yet, KeyError for a byte that
    starts no known response."""
    if len(buf) < 2:
        raise NeedMore()
    cmd = buf[1]
    if cmd in _FIXED:
        return _FIXED[cmd]
    if cmd in _WITH_PL:
        if len(buf) < 3:
            raise NeedMore()
        pl = buf[2] & 0x3F if cmd in (0x07, 0x09) else buf[2]
        return 3 + pl + 2
    raise KeyError(cmd)


def parse(frame):
    """The values of one CRC-checked frame as a dict."""
    cmd = frame[1]
    body = frame[2:-2]
    if cmd == 0x00:
        return {"nack": body[0], "error": body[1]}
    if cmd == 0x01:
        return {"ack": body[0]}
    if cmd == 0x14:
        return {"voltage_v": struct.unpack("<f", body)[0]}
    if cmd == 0x15:
        return {"current_a": struct.unpack("<f", body)[0]}
    if cmd == 0x16:
        return {"cell_max_mv": struct.unpack("<H", body)[0]}
    if cmd == 0x17:
        return {"cell_min_mv": struct.unpack("<H", body)[0]}
    if cmd == 0x18:
        return {"status": struct.unpack("<H", body)[0]}
    if cmd == 0x1A:
        return {"soc_pct": struct.unpack("<I", body)[0] / 1000000}
    if cmd == 0x20:
        speed, distance, seconds = struct.unpack("<fII", body)
        return {"speed": speed, "distance_km": distance, "time_left_s": seconds}
    if cmd == 0x10:
        return {"ack": 0x10}
    data = body[1:]
    if cmd in (0x1E, 0x1F):
        layout = "<BBBHHH" if len(data) >= 9 else "<BBBH"
        return {"version": list(struct.unpack(layout, data[: struct.calcsize(layout)]))}
    if cmd == 0x1B:
        temps = struct.unpack("<%dh" % (len(data) // 2), data)
        return {"temps_c": [None if t == -32768 else t / 10 for t in temps]}
    if cmd == 0x1C:
        return {"cells_mv": [v / 10 for v in struct.unpack("<%dH" % (len(data) // 2), data)]}
    if cmd == 0x03:
        return {"registers": list(struct.unpack(">%dH" % (len(data) // 2), data))}
    if cmd == 0x09:
        pairs = struct.unpack("<%dH" % (len(data) // 2), data)
        return {"registers": [list(pairs[i : i + 2]) for i in range(0, len(pairs) - 1, 2)]}
    return {"values": list(struct.unpack("<%dH" % (len(data) // 2), data))}


class ReferenceDecoder:
    """Feed it bytes; it returns the list of frames completed so far."""

    name = "reference"

    def __init__(self):
        self.buf = b""
        self.good = 0
        self.bad = 0
        self.skipped = 0

    def feed(self, data):
        self.buf += bytes(data)
        records = []
        while self.buf:
            start = self.buf.find(b"\xaa")
            if start < 0:
                self.skipped += len(self.buf)
                self.buf = b""
                break
            self.skipped += start
            self.buf = self.buf[start:]
            try:
                length = frame_length(self.buf)
            except NeedMore:
                break
            except KeyError:
                self.skipped += 1
                self.buf = self.buf[1:]
                continue
            if len(self.buf) < length:
                break
            frame = self.buf[:length]
            try:
                (wire_crc,) = struct.unpack("<H", frame[-2:])
                if crc16(frame[:-2]) != wire_crc:
                    raise ValueError("crc")
                records.append(parse(frame))
            except (ValueError, IndexError, struct.error):
                self.bad += 1
                self.buf = self.buf[1:]
                continue
            self.good += 1
            self.buf = self.buf[length:]
        return records


def frames_in(data):
    """Every CRC-valid frame anywhere in ``data``, as (offset, frame bytes):
    the frames a correct decoder may report, whatever surrounds them."""
    found = []
    start = data.find(b"\xaa")
    while start >= 0:
        try:
            length = frame_length(data[start : start + 3])
        except (NeedMore, KeyError):
            length = 0
        end = start + length
        if length >= 4 and end <= len(data):
            frame = data[start:end]
            if crc16(frame[:-2]) == frame[-2] | frame[-1] << 8:
                found.append((start, bytes(frame)))
        start = data.find(b"\xaa", start + 1)
    return found


def encode(cmd, body=b""):
    """A response frame: 0xAA, ``cmd``, ``body`` (with its PL byte if it has
    one), CRC low byte first. Builds test and benchmark streams."""
    head = bytes((0xAA, cmd)) + bytes(body)
    crc = crc16(head)
    return head + bytes((crc & 0xFF, crc >> 8))
