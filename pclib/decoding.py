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
PROBE_LIMIT = 4096  # bytes looked at before auto-detection gives up


def make_decoder(fmt, config, reading):
    if fmt == "tinybms":
        return TinyBmsDecoder(reading)
    if fmt == "cav3":
        return CaV3Decoder(reading, config["cav3"]["columns"])
    if fmt == "custom":
        return CustomDecoder(reading, config["custom"])
    raise ValueError("unknown format %r; use one of %s" % (fmt, ", ".join(FORMATS)))


def detect(chunks, config, seen, probe):
    """Pick the format from the stream's first bytes (None when nothing decoded).

    The detector's winner, or else, once the probe ends (or reading a chunk
    raised), the candidate that decoded the most (at least one) frame: it is
    also left in ``probe["best"]``. Every chunk looked at is appended to
    ``seen``, so the caller can decode them too. ``probe["unmapped"]`` gets
    the field count of Cycle Analyst rows that fitted no layout (0 if none)."""
    candidates = [make_decoder(name, config, Reading()) for name in ("tinybms", "custom", "cav3")]
    detector = Detector(candidates, PROBE_LIMIT)
    probe["best"] = None
    try:
        for chunk in chunks:
            seen.append(chunk)
            data = chunk[1]
            winner = detector.feed(bytearray(data), len(data))
            if winner is not None:
                probe["best"] = winner.name
                return winner.name
            if detector.hopeless:
                break
    finally:
        probe["unmapped"] = candidates[2].unmapped
        if probe["best"] is None:
            best = None
            for dec in candidates:
                if dec.good and (best is None or dec.good > best.good):
                    best = dec
            probe["best"] = best.name if best is not None else None
    return probe["best"]


def choose(chunks, fmt, config, probe=None):
    """(format or None, chunks read to choose it, error met reading them or None).

    "auto" runs detection over the first chunks; None means nothing
    decoded. An error is handed back instead of raised, so the caller can
    still decode the chunks before it."""
    head = []
    if fmt != "auto":
        return fmt, head, None
    if probe is None:
        probe = {}
    try:
        return detect(chunks, config, head, probe), head, None
    except Exception as exc:  # noqa: BLE001 - the caller raises it in its turn
        return probe.get("best"), head, exc


def then_raise(head, error, rest):
    """The chunks of ``head``, then ``error`` raised if there was one, then the ``rest``."""
    yield from head
    if error is not None:
        raise error
    yield from rest


class Unmatched:
    """What decode uses when auto-detection found nothing: every byte is skipped."""

    name = None
    good = 0
    bad = 0
    overlong = 0
    unmapped = 0

    def __init__(self):
        self.skipped = 0
        self.on_record = None

    def feed(self, data, n):
        self.skipped += n
        return 0


def summary(fmt, decoder):
    return '{"summary": {"format": %s, "records": %d, "bad_frames": %d, "skipped_bytes": %d}}' % (
        '"%s"' % fmt if fmt else "null",
        decoder.good,
        decoder.bad + decoder.overlong,
        decoder.skipped,
    )


def timed(line, t):
    """A record line with the capture time of its chunk first: ``{"t_ms": t, ...}``."""
    return '{"t_ms": %d, %s' % (t, line[1:])


def decode(chunks, fmt, config, out, after_chunk=None, probe=None):
    """Feed ``chunks``, pairs of (time in ms, bytes), through the decoder of
    ``fmt``; call ``out(line, t)`` for every record, with the time of the
    chunk that completed it, and last for the summary line (``bad_frames``
    counts failed checks and over-long frames together). When "auto" finds
    nothing, no decoder runs: every byte is skipped and the summary's format
    is null. ``after_chunk(t, decoder)``, if given, is called after every
    chunk; ``probe`` is handed to ``detect``. An error reading the chunks (a
    broken capture) is raised after what came before it was decoded and the
    summary printed. Returns the decoder used."""
    chunks = iter(chunks)
    fmt, head, error = choose(chunks, fmt, config, probe)
    reading = Reading()
    decoder = make_decoder(fmt, config, reading) if fmt else Unmatched()
    names = getattr(decoder, "value_names", ())
    now = [0]

    def emit(flags):
        out(record.line(fmt, reading, flags, names), now[0])

    decoder.on_record = emit
    try:
        for t, data in then_raise(head, error, chunks):
            now[0] = t
            decoder.feed(bytearray(data), len(data))
            if after_chunk is not None:
                after_chunk(t, decoder)
    finally:  # a broken capture still gets the summary of what was decoded
        out(summary(fmt, decoder), now[0])
    return decoder
