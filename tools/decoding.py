"""Decode a capture with the firmware's own core, one JSON line per record.

Shared by ``tools/decode.py`` (CPython) and the differential runs, so it is
written in the subset both CPython and the MicroPython unix port accept.
"""

from socbar import record
from socbar.cav3 import CaV3Decoder
from socbar.custom import CustomDecoder
from socbar.detect import Detector
from socbar.reading import Reading
from socbar.tinybms import TinyBmsDecoder

FORMATS = ("auto", "tinybms", "cav3", "custom")
_PROBE_LIMIT = 4096  # bytes looked at before auto-detection gives up


def make_decoder(fmt, config, reading):
    if fmt == "tinybms":
        return TinyBmsDecoder(reading)
    if fmt == "cav3":
        return CaV3Decoder(reading, config["cav3"]["columns"])
    if fmt == "custom":
        return CustomDecoder(reading, config["custom"])
    raise ValueError("unknown format %r; use one of %s" % (fmt, ", ".join(FORMATS)))


def _detect(chunks, config):
    """Pick the format from the stream's first bytes; returns (format, chunks seen)."""
    detector = Detector([make_decoder(name, config, Reading()) for name in ("tinybms", "custom", "cav3")])
    seen = []
    total = 0
    for data in chunks:
        seen.append(data)
        total += len(data)
        winner = detector.feed(bytearray(data), len(data))
        if winner is not None:
            return winner.name, seen
        if total >= _PROBE_LIMIT:
            break
    return None, seen


def decode(chunks, fmt, config, out):
    """Feed ``chunks`` (bytes) through the decoder of ``fmt`` and call
    ``out(line)`` for every record and finally for the summary line.
    ``bad_frames`` counts failed checks and over-long frames together.
    Returns the format used."""
    chunks = iter(chunks)
    head = []
    if fmt == "auto":
        fmt, head = _detect(chunks, config)
        if fmt is None:
            fmt = "tinybms"  # count the bytes as skipped rather than print nothing
    reading = Reading()
    decoder = make_decoder(fmt, config, reading)
    names = getattr(decoder, "value_names", ())

    def emit(flags):
        out(record.line(fmt, reading, flags, names))

    decoder.on_record = emit
    try:
        for data in head:
            decoder.feed(bytearray(data), len(data))
        for data in chunks:
            decoder.feed(bytearray(data), len(data))
    finally:  # a broken capture still gets the summary of what was decoded
        out(
            '{"summary": {"format": "%s", "records": %d, "bad_frames": %d, "skipped_bytes": %d}}'
            % (fmt, decoder.good, decoder.bad + decoder.overlong, decoder.skipped)
        )
    return fmt
