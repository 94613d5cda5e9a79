#!/usr/bin/env python3
"""Decode a capture file offline with the firmware's own core.

    python3 tools/decode.py FILE [--format auto|tinybms|cav3|custom] [--config CONFIG.json]
                                 [--hexdump] [--plot OUT.png]

FILE is a capture written by tools/capture.py or tools/bms_sim.py, or any raw
dump of the serial line. Prints one JSON object per decoded record (with
``t_ms``, the capture time, when FILE is a capture), then a summary line.
--hexdump shows every byte instead, grouped into frames and unknown runs,
with an ASCII column, for working out an undocumented format; --plot draws
the quantities the stream has and the bad frames over time (needs
matplotlib). Exit status: 0 when something decoded, 1 when auto-detection
matched nothing or there is nothing to plot (one line says why, with a
hint), 2 for a missing or broken file.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "firmware"))
sys.path.insert(0, str(ROOT / "pclib"))

import capturefile  # noqa: E402
import cli  # noqa: E402
import decoding  # noqa: E402
from socbar import config as schema  # noqa: E402
from socbar import record  # noqa: E402
from socbar.reading import Reading  # noqa: E402


class Failure(Exception):
    """A one-line error for the user; exit status 2."""


class NoMatch(Exception):
    """Nothing in the input decoded (or nothing to plot): one line, exit status 1."""


SAMPLE = 4096  # bytes kept from the start of the input, for the hint when nothing matched
CSV_HINT = ("a Cycle Analyst log saved as CSV? try --format cav3 after converting the separator "
            "to tabs or spaces")


def load_config(path):
    if path is None:
        return schema.validate({})[0]
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise Failure("cannot read config %s: %s" % (path, exc.strerror or exc)) from None
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise Failure("%s is not valid JSON (%s); fix it or leave --config out" % (path, exc)) from None
    if not isinstance(doc, dict):
        raise Failure("%s is not a JSON object; see docs/firmware.md for the keys" % path)
    config, messages = schema.validate(doc)
    for message in messages:  # as the board would: named, and the default used
        print("decode: %s: %s" % (path, message), file=sys.stderr)
    return config


def sampled(chunks, sample):
    """The chunks unchanged, the first SAMPLE bytes also kept in ``sample``."""
    for chunk in chunks:
        if len(sample) < SAMPLE:
            sample.extend(chunk[1][: SAMPLE - len(sample)])
        yield chunk


def unmapped_note(count):
    return ("Cycle Analyst rows of %d columns and no header: give their names in --config "
            "(cav3.columns); only V2 (5) and V3 (14) columns are known without one" % count)


def no_match(sample, probe):
    """The one-line message for input in which nothing decoded, with the likeliest reason."""
    if not sample:
        return "nothing matched: the input is empty"
    if probe.get("unmapped"):
        return "nothing matched: %s" % unmapped_note(probe["unmapped"])
    printable = sum(1 for b in sample if 32 <= b < 127 or b in (9, 10, 13))
    if printable * 10 >= len(sample) * 9:
        if b"," in sample or b";" in sample:
            return "nothing matched: %s" % CSV_HINT
        return "nothing matched: text without Cycle Analyst rows or header (try --hexdump)"
    return ("nothing matched: no Tiny BMS frame, Cycle Analyst row or frame of the custom "
            "description; see the bytes with --hexdump and describe them with --format custom "
            "(docs/capture-format.md), or check the line rate")


def _ascii(data):
    return "".join(chr(b) if 32 <= b < 127 else "." for b in data)


def hexdump(chunks, fmt, config, probe):
    """Feed byte by byte and attribute each byte from the decoder's counters:
    a good frame claims the bytes pending since the last event, a skipped byte
    is unknown, a failed frame gives up its first byte and rescans the rest.
    The line end after a Cycle Analyst row is shown with that row, so every
    row starts at its line start."""
    chunks = iter(chunks)
    fmt, head, error = decoding.choose(chunks, fmt, config, probe)
    reading = Reading()
    dec = decoding.make_decoder(fmt, config, reading) if fmt else decoding.Unmatched()
    names = getattr(dec, "value_names", ())
    records = []
    dec.on_record = lambda flags: records.append(record.line(fmt, reading, flags, names))
    pending = bytearray()
    unknown = bytearray()
    held = []  # the last frame shown: [start, bytes, note], until its line end has come
    offset = 0
    one = bytearray(1)

    def show(start, data, note):
        for i in range(0, len(data), 16):
            part = data[i : i + 16]
            text = " ".join("%02X" % b for b in part)
            print("%08x  %-47s  |%-16s|  %s" % (start + i, text, _ascii(part), note if i == 0 else ""))

    def flush_held():
        if held:
            show(*held)
            held.clear()

    def flush_unknown(at):
        if unknown:
            flush_held()
            show(at - len(unknown), unknown, "unknown (%d bytes)" % len(unknown))
            unknown.clear()

    for _, data in decoding.then_raise(head, error, chunks):
        for byte in data:
            good, bad, skipped = dec.good, dec.bad + dec.overlong, dec.skipped
            one[0] = byte
            pending.append(byte)
            dec.feed(one, 1)
            offset += 1
            if fmt == "cav3" and byte in (10, 13) and (
                    (dec.good, dec.bad + dec.overlong, dec.skipped) == (good, bad, skipped)):
                if len(pending) == 1 and held:  # the line end of the row just shown
                    held[1] += pending
                    pending.clear()
                    continue
                if len(pending) > 1:  # a whole line that made no record (yet)
                    start = offset - len(pending)
                    flush_unknown(start)
                    flush_held()
                    held[:] = [start, bytes(pending), "line: a header, or a first row kept for the next"]
                    pending.clear()
                    continue
            for _ in range(dec.skipped - skipped):
                if pending:
                    unknown.append(pending.pop(0))
            if dec.bad + dec.overlong > bad and pending:
                unknown.append(pending.pop(0))
            if dec.good > good:
                start = offset - len(pending)
                flush_unknown(start)
                flush_held()
                held[:] = [start, bytes(pending), "frame %s" % records[-1]]
                pending.clear()
    flush_held()
    unknown.extend(pending)
    flush_unknown(offset)
    print(decoding.summary(fmt, dec))
    return dec


# What --plot can draw, in this order: record key, axis label.
QUANTITIES = (
    ("soc_pct", "SOC %"), ("voltage_v", "pack V"), ("current_a", "current A"), ("ah_used", "Ah used"),
    ("speed", "speed"), ("cell_min_mv", "min cell mV"), ("cell_max_mv", "max cell mV"),
    ("temp_c", "temperature °C"),
)


def _quantities(rec):
    """The plottable values of one record: its own keys, the first temperature it has."""
    out = {key: rec[key] for key, _ in QUANTITIES if key in rec}
    temps = [t for t in rec.get("temps_c", ()) if t is not None]
    if temps:
        out["temp_c"] = temps[0]
    return out


def plot(chunks, fmt, config, out_png, stamp, probe):
    """Draw the quantities the stream has, over the capture's time (record number for a raw
    dump, which has none), and the bad frames if there were any."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise Failure("--plot needs matplotlib (it is in requirements.txt: run make test once)") from None
    points = []
    errors = []

    def out(line, t):
        rec = json.loads(line)
        if "summary" in rec:
            print(line)
            return
        print(decoding.timed(line, t) if stamp else line)
        points.append((t / 1000 if stamp else len(points), _quantities(rec)))

    def count_errors(t, dec):
        errors.append((t / 1000 if stamp else len(points), dec.bad + dec.overlong))

    dec = decoding.decode(chunks, fmt, config, out, count_errors, probe)
    if dec.name is None:
        return dec
    if not points:
        raise NoMatch("nothing to plot: no record decoded, no picture written")
    rows = [(key, label) for key, label in QUANTITIES if any(key in q for _, q in points)]
    bad = errors and errors[-1][1] > 0
    count = len(rows) + (1 if bad else 0)
    fig, axes = plt.subplots(max(count, 1), 1, sharex=True, figsize=(9, 2 * max(count, 1) + 1), squeeze=False)
    axes = [row[0] for row in axes]
    for ax, (key, label) in zip(axes, rows):
        xy = [(x, q[key]) for x, q in points if key in q]
        ax.plot([p[0] for p in xy], [p[1] for p in xy], ".-", markersize=3)
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
    if bad:
        ax = axes[len(rows)]
        ax.step([p[0] for p in errors], [p[1] for p in errors], where="post", color="tab:red")
        ax.set_ylabel("bad frames (total)")
        ax.grid(True, alpha=0.3)
    axes[-1].set_xlabel("time (s)" if stamp else "record")
    fig.suptitle("%s — %d records" % (dec.name, dec.good))
    fig.savefig(out_png, dpi=100)
    return dec


def printer(stamp):
    """Print each line; with ``stamp``, records first carry their capture time."""

    def out(line, t):
        print(decoding.timed(line, t) if stamp and not line.startswith('{"summary"') else line)

    return out


def is_capture(path):
    """True for a capture file (its chunks carry times), False for a raw dump."""
    try:
        with open(path, "rb") as f:
            return f.read(len(capturefile.MAGIC)) == capturefile.MAGIC
    except OSError:
        return False


def main(argv=None):
    parser = cli.Parser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="capture file or raw dump")
    parser.add_argument("--format", choices=decoding.FORMATS, default="auto")
    parser.add_argument("--config", help="configuration JSON (cav3 columns, custom frame description)")
    parser.add_argument("--hexdump", action="store_true", help="annotated bytes instead of records")
    parser.add_argument("--plot", metavar="OUT.png", help="also draw what the stream has, over time")
    args = parser.parse_args(argv)
    probe = {}
    sample = bytearray()
    try:
        config = load_config(args.config)
        stamp = is_capture(args.file)
        try:
            stream = open(args.file, "rb")
        except OSError as exc:
            raise Failure("cannot read %s: %s" % (args.file, exc.strerror or exc)) from None
        with stream:
            chunks = sampled(capturefile.read(stream), sample)
            try:
                if args.hexdump:
                    dec = hexdump(chunks, args.format, config, probe)
                elif args.plot:
                    dec = plot(chunks, args.format, config, args.plot, stamp, probe)
                else:
                    dec = decoding.decode(chunks, args.format, config, printer(stamp), probe=probe)
            except capturefile.CaptureError as exc:
                raise Failure("%s: %s" % (args.file, exc)) from None
        if dec.name is None:
            raise NoMatch(no_match(sample, probe))
        if getattr(dec, "unmapped", 0):
            print("decode: %s" % unmapped_note(dec.unmapped), file=sys.stderr)
    except Failure as exc:
        sys.stdout.flush()
        print("decode: %s" % exc, file=sys.stderr)
        return 2
    except NoMatch as exc:
        sys.stdout.flush()
        print("decode: %s: %s" % (args.file, exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(cli.run("decode", main))
