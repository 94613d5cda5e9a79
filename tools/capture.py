"""Record what a BMS sends on a serial port into a capture file.

    python3 tools/capture.py PORT OUT [--baud 115200] [--seconds N]

Every read from the port becomes one timestamped line of OUT
(docs/capture-format.md), flushed at once, so Ctrl-C or a pulled USB cable
loses nothing already received. It only listens: nothing is sent to the BMS.
A live counter on stderr shows bytes, and 0xAA frames as the firmware's own
decoder sees them, so a user can tell at a glance whether anything is coming.
"""

import argparse
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "firmware"))
sys.path.insert(0, os.path.join(HERE, "..", "pclib"))

import capturefile  # noqa: E402

STATUS_EVERY_S = 0.2


class Counter:
    """Bytes heard, and good / bad 0xAA frames counted by the core decoder when it is there."""

    def __init__(self):
        try:
            from socbar.reading import Reading
            from socbar.tinybms import TinyBmsDecoder
        except ImportError:
            self.decoder = None
        else:
            self.decoder = TinyBmsDecoder(Reading())
        self.bytes = 0

    def feed(self, data):
        self.bytes += len(data)
        if self.decoder:
            self.decoder.feed(data, len(data))

    def line(self, seconds):
        text = "%.1f s  %d bytes" % (seconds, self.bytes)
        if self.decoder:
            text += "  frames %d good  %d bad" % (self.decoder.good, self.decoder.bad)
        return text


def record(port, writer, counter, seconds=None, status=sys.stderr):
    """Copy bytes from ``port`` (a pyserial port) to ``writer`` until Ctrl-C or ``seconds``."""
    start = time.monotonic()
    shown = start
    # Ctrl-C only raises a flag, so the loop ends between two reads and a chunk already
    # read from the port is always written first.
    stop = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: stop.append(signum))
    try:
        while not stop:
            now = time.monotonic()
            if seconds is not None and now - start >= seconds:
                break
            data = port.read(port.in_waiting or 1)  # returns early: the port has a short timeout
            now = time.monotonic()
            if data:
                writer.chunk(int((now - start) * 1000), data)
                counter.feed(data)
            if now - shown >= STATUS_EVERY_S:
                status.write("\r" + counter.line(now - start))
                status.flush()
                shown = now
    finally:
        signal.signal(signal.SIGINT, previous)
    status.write("\r" + counter.line(time.monotonic() - start) + "\n")
    status.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", help="serial port, e.g. /dev/ttyUSB0 or COM3")
    parser.add_argument("out", help="capture file to write")
    parser.add_argument("--baud", type=int, default=115200, help="line rate (a Cycle Analyst: 9600)")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long (default: Ctrl-C)")
    args = parser.parse_args(argv)
    import serial

    try:
        port = serial.Serial(args.port, args.baud, timeout=0.05)
    except (serial.SerialException, ValueError) as exc:
        print("capture: cannot open %s: %s" % (args.port, exc), file=sys.stderr)
        return 2
    try:
        with open(args.out, "wb") as stream:
            writer = capturefile.Writer(stream, args.baud, args.port)
            record(port, writer, Counter(), args.seconds)
    except serial.SerialException as exc:  # the adapter was pulled out: what came before is saved
        print("\ncapture: %s lost: %s" % (args.port, exc), file=sys.stderr)
        return 1
    except OSError as exc:
        print("capture: %s" % exc, file=sys.stderr)
        return 2
    finally:
        port.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
