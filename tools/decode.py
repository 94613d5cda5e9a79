#!/usr/bin/env python3
"""Decode a capture file offline with the firmware's own core.

    python3 tools/decode.py FILE [--format auto|tinybms|cav3|custom] [--config CONFIG.json]

FILE is a capture written by tools/capture.py or tools/bms_sim.py, or any raw
dump of the serial line. Prints one JSON object per decoded record, then a
summary line. Standard library only.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "firmware"))
sys.path.insert(0, str(ROOT / "tools"))

import capturefile  # noqa: E402
import decoding  # noqa: E402
from socbar import config as schema  # noqa: E402


def fail(message):
    print("decode: %s" % message, file=sys.stderr)
    return 2


def load_config(path):
    if path is None:
        return schema.validate({})[0]
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise SystemExit(fail("cannot read config %s: %s" % (path, exc.strerror or exc))) from None
    config, messages = schema.load(text)
    for message in messages:
        print("decode: %s: %s" % (path, message), file=sys.stderr)
    return config


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="capture file or raw dump")
    parser.add_argument("--format", choices=decoding.FORMATS, default="auto")
    parser.add_argument("--config", help="configuration JSON (cav3 columns, custom frame description)")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    try:
        stream = open(args.file, "rb")
    except OSError as exc:
        return fail("cannot read %s: %s" % (args.file, exc.strerror or exc))
    with stream:
        chunks = (data for _, data in capturefile.read(stream))
        try:
            decoding.decode(chunks, args.format, config, print)
        except capturefile.CaptureError as exc:
            return fail("%s: %s" % (args.file, exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
