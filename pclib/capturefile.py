"""The capture file: bytes heard on a BMS cable, with their arrival times.

A capture is JSON lines, so a user can open it, cut it, and paste it in an
issue (docs/capture-format.md). The first line is the header; every other
line is one chunk of bytes as the serial port delivered it. ``read`` also
takes a raw binary dump, so any file a user already has can be decoded.

Written in the subset the MicroPython unix port accepts (json, binascii), so
captures can be replayed into the core under both interpreters.
"""

import json
from binascii import hexlify, unhexlify

VERSION = 1
MAGIC = b'{"socbar_capture"'  # what a header line starts with
RAW_CHUNK = 4096  # bytes per chunk when reading a raw dump


class CaptureError(ValueError):
    """A capture file that starts right but has a broken line; the message names the line."""


class Writer:
    """Writes a capture to ``stream`` (opened in binary mode), one flushed line per chunk.

    Each line is flushed as it is written, so stopping the recorder (Ctrl-C,
    a pulled USB cable) loses nothing already received.
    """

    def __init__(self, stream, baud, source):
        self.stream = stream
        self._line('{"socbar_capture": %d, "baud": %d, "source": %s}' % (VERSION, baud, json.dumps(source)))

    def chunk(self, t_ms, data, tx=b""):
        """Record ``data`` received and ``tx`` sent at ``t_ms`` milliseconds since the start."""
        if not data and not tx:
            return
        text = '{"t": %d, "rx": "%s"' % (t_ms, hexlify(data).decode())
        if tx:
            text += ', "tx": "%s"' % hexlify(tx).decode()
        self._line(text + "}")

    def _line(self, text):
        self.stream.write((text + "\n").encode())
        self.stream.flush()


def _chunk(line, number):
    """(t_ms, rx bytes) of one chunk line; CaptureError naming the line if it is broken."""
    try:
        obj = json.loads(line.decode())
    except (ValueError, UnicodeError):
        raise CaptureError("line %d: not a JSON object (cut off or edited?)" % number) from None
    if not isinstance(obj, dict):
        raise CaptureError("line %d: not a JSON object" % number)
    t = obj.get("t")
    if not isinstance(t, int) or isinstance(t, bool) or t < 0:
        raise CaptureError("line %d: \"t\" must be a whole number of milliseconds >= 0" % number)
    rx = obj.get("rx", "")
    if not isinstance(rx, str) or len(rx) % 2:
        raise CaptureError("line %d: \"rx\" must be hex digits in pairs" % number)
    try:
        return t, unhexlify(rx)
    except ValueError:
        raise CaptureError("line %d: \"rx\" is not hex" % number) from None


def _header(line):
    try:
        obj = json.loads(line.decode())
    except (ValueError, UnicodeError):
        raise CaptureError("line 1: the header is not a JSON object") from None
    if not isinstance(obj, dict) or obj.get("socbar_capture") != VERSION:
        raise CaptureError("line 1: not a version %d capture header" % VERSION)
    return obj


def read(stream):
    """Yield ``(t_ms, bytes)`` for every chunk received in ``stream`` (binary mode).

    A stream that does not start with a capture header is a raw dump: its
    bytes come in chunks of RAW_CHUNK with t = 0. Chunks with only "tx"
    (bytes the PC sent) are not yielded. A broken line raises CaptureError
    after every complete chunk before it has been yielded.
    """
    start = stream.read(len(MAGIC))
    if start != MAGIC:
        data = start + stream.read(RAW_CHUNK - len(start)) if start else start
        while data:
            yield 0, data
            data = stream.read(RAW_CHUNK)
        return
    _header(start + stream.readline())
    number = 1
    while True:
        line = stream.readline()
        if not line:
            return
        number += 1
        if not line.strip():
            continue
        t, rx = _chunk(line, number)
        if rx:
            yield t, rx
