#!/usr/bin/env python3
"""Decode a capture file offline with the firmware's own core.

    python3 tools/decode.py FILE [--format auto|tinybms|cav3|custom] [--config CONFIG.json]
                                 [--hexdump] [--plot OUT.png]

FILE is a capture written by tools/capture.py or tools/bms_sim.py, or any raw
dump of the serial line. Prints one JSON object per decoded record, then a
summary line. --hexdump shows every byte instead, grouped into frames and
unknown runs, for working out an undocumented format; --plot draws SOC,
voltage, current and frame errors over time (needs matplotlib).
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "firmware"))
sys.path.insert(0, str(ROOT / "pclib"))

import capturefile  # noqa: E402
import decoding  # noqa: E402
from socbar import config as schema  # noqa: E402
from socbar import record  # noqa: E402
from socbar.reading import Reading  # noqa: E402


class Failure(Exception):
    """A one-line error for the user; exit status 2."""


def load_config(path):
    if path is None:
        return schema.validate({})[0]
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise Failure("cannot read config %s: %s" % (path, exc.strerror or exc)) from None
    config, messages = schema.load(text)
    for message in messages:
        print("decode: %s: %s" % (path, message), file=sys.stderr)
    return config


def hexdump(chunks, fmt, config):
    """Feed byte by byte and attribute each byte from the decoder's counters:
    a good frame claims the bytes pending since the last event, a skipped byte
    is unknown, a failed frame gives up its first byte and rescans the rest."""
    chunks = iter(chunks)
    fmt, head, error = decoding.choose(chunks, fmt, config)
    reading = Reading()
    dec = decoding.make_decoder(fmt, config, reading)
    names = getattr(dec, "value_names", ())
    records = []
    dec.on_record = lambda flags: records.append(record.line(fmt, reading, flags, names))
    pending = bytearray()
    unknown = bytearray()
    offset = 0
    one = bytearray(1)

    def show(start, data, note):
        for i in range(0, len(data), 16):
            text = " ".join("%02X" % b for b in data[i : i + 16])
            print("%08x  %-47s  %s" % (start + i, text, note if i == 0 else ""))

    def flush_unknown(at):
        if unknown:
            show(at - len(unknown), unknown, "unknown (%d bytes)" % len(unknown))
            unknown.clear()

    for _, data in decoding.then_raise(head, error, chunks):
        for byte in data:
            good, bad, skipped = dec.good, dec.bad + dec.overlong, dec.skipped
            one[0] = byte
            pending.append(byte)
            dec.feed(one, 1)
            offset += 1
            for _ in range(dec.skipped - skipped):
                if pending:
                    unknown.append(pending.pop(0))
            if dec.bad + dec.overlong > bad and pending:
                unknown.append(pending.pop(0))
            if dec.good > good:
                start = offset - len(pending)
                flush_unknown(start)
                show(start, pending, "frame %s" % records[-1])
                pending.clear()
    unknown.extend(pending)
    flush_unknown(offset)
    print(decoding.summary(fmt, dec))


def plot(chunks, fmt, config, out_png):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise Failure("--plot needs matplotlib (it is in requirements.txt: run make test once)") from None
    series = {"soc_pct": [], "voltage_v": [], "current_a": []}
    errors = []
    last = {}

    def out(line, t):
        print(line)
        rec = json.loads(line)
        if "summary" in rec:
            last.update(rec["summary"])
        for key, points in series.items():
            if key in rec:
                points.append((t / 1000, rec[key]))

    def count_errors(t, dec):
        errors.append((t / 1000, dec.bad + dec.overlong))

    decoding.decode(chunks, fmt, config, out, count_errors)
    fig, axes = plt.subplots(4, 1, sharex=True, figsize=(9, 8))
    labels = (("soc_pct", "SOC %"), ("voltage_v", "pack V"), ("current_a", "current A"))
    for ax, (key, label) in zip(axes, labels):
        points = series[key]
        ax.plot([p[0] for p in points], [p[1] for p in points], ".-", markersize=3)
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
    axes[3].step([p[0] for p in errors], [p[1] for p in errors], where="post", color="tab:red")
    axes[3].set_ylabel("bad frames (total)")
    axes[3].grid(True, alpha=0.3)
    axes[3].set_xlabel("time (s)")
    fig.suptitle("%s — %d records" % (last.get("format", fmt), last.get("records", 0)))
    fig.savefig(out_png, dpi=100)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="capture file or raw dump")
    parser.add_argument("--format", choices=decoding.FORMATS, default="auto")
    parser.add_argument("--config", help="configuration JSON (cav3 columns, custom frame description)")
    parser.add_argument("--hexdump", action="store_true", help="annotated bytes instead of records")
    parser.add_argument("--plot", metavar="OUT.png", help="also draw SOC, voltage, current and errors")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        try:
            stream = open(args.file, "rb")
        except OSError as exc:
            raise Failure("cannot read %s: %s" % (args.file, exc.strerror or exc)) from None
        with stream:
            chunks = capturefile.read(stream)
            try:
                if args.hexdump:
                    hexdump(chunks, args.format, config)
                elif args.plot:
                    plot(chunks, args.format, config, args.plot)
                else:
                    decoding.decode(chunks, args.format, config, lambda line, t: print(line))
            except capturefile.CaptureError as exc:
                raise Failure("%s: %s" % (args.file, exc)) from None
    except Failure as exc:
        sys.stdout.flush()
        print("decode: %s" % exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
