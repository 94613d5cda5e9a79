"""Show, and only on request set, the Tiny BMS broadcast settings (registers 342 and 343).

    python3 tools/bms_setup.py PORT                                    show them
    python3 tools/bms_setup.py PORT --write --period 1 --format socbar [--yes]

The SOC BAR indicator needs the BMS to broadcast (docs/protocol.md sections 1 and
3). This is the only code in the project that changes a BMS setting, and it can
change nothing but these two registers: the write builder takes a period code
and a format code, nothing else. It writes only with ``--write`` and a typed
"yes" (or ``--yes``), then reads the registers back to prove the write took.
A sleeping BMS ignores the first request (the wake rule), so every request is
sent a second time when the first gets no answer.
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "firmware"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pclib"))

import cli  # noqa: E402
from socbar.crc import crc16  # noqa: E402

REG_PERIOD = 342  # broadcast period; REG_PERIOD + 1 = 343 is the broadcast format
PERIODS = {0: "off", 1: "0.1 s", 2: "0.2 s", 3: "0.5 s", 4: "1 s", 5: "2 s", 6: "5 s", 7: "10 s"}
PERIOD_ARGS = {"off": 0, "0.1": 1, "0.2": 2, "0.5": 3, "1": 4, "2": 5, "5": 6, "10": 7}
FORMATS = {0: "CA V3", 1: "ASCII", 2: "SOC BAR"}
FORMAT_ARGS = {"cav3": 0, "ascii": 1, "socbar": 2}
SOCBAR_MIN_PERIOD = 4  # the quick-start guide: SOC BAR wants a period of at least 1.0 s
ANSWER_S = 0.5  # how long to wait for an answer before asking again


class BmsError(Exception):
    """The BMS did not answer, or refused; the message says which."""


def _framed(body):
    crc = crc16(body, 0, len(body))
    return bytes(body) + bytes((crc & 0xFF, crc >> 8))


def read_request():
    """Modbus read (0x03) of registers 342 and 343: address and count big-endian."""
    return _framed(bytes((0xAA, 0x03, REG_PERIOD >> 8, REG_PERIOD & 0xFF, 0x00, 0x02)))


def write_request(period, fmt):
    """Modbus write (0x10) of 342 = ``period`` and 343 = ``fmt``; no other register can be written."""
    if period not in PERIODS or fmt not in FORMATS:
        raise ValueError("period code must be 0..7 and format code 0..2")
    return _framed(bytes((0xAA, 0x10, REG_PERIOD >> 8, REG_PERIOD & 0xFF, 0x00, 0x02, 0x04,
                          0x00, period, 0x00, fmt)))


def find_reply(buf, cmd, length):
    """The ``length``-byte answer to ``cmd`` in ``buf`` (broadcasts may surround it); None if absent.

    Raises BmsError for a NACK (AA 00 cmd err).
    """
    start = buf.find(b"\xaa")
    while 0 <= start:
        head = buf[start + 1:start + 2]
        if head == bytes((cmd,)) and len(buf) - start >= length and _ok(buf, start, length):
            return buf[start:start + length]
        if head == b"\x00" and buf[start + 2:start + 3] == bytes((cmd,)) and _ok(buf, start, 6):
            why = "CRC error" if buf[start + 3] == 1 else "command error"
            raise BmsError("the BMS refused command 0x%02X (%s)" % (cmd, why))
        start = buf.find(b"\xaa", start + 1)
    return None


def _ok(buf, start, length):
    end = start + length
    return len(buf) >= end and crc16(buf, start, end - 2) == buf[end - 2] | buf[end - 1] << 8


def exchange(port, request, length):
    """Send ``request``, return its ``length``-byte answer; asks twice, for a sleeping BMS."""
    for _ in range(2):
        port.reset_input_buffer()
        port.write(request)
        buf = bytearray()
        deadline = time.monotonic() + ANSWER_S
        while time.monotonic() < deadline:
            buf += port.read(port.in_waiting or 1)
            reply = find_reply(buf, request[1], length)
            if reply:
                return reply
    raise BmsError("no answer from the BMS (asleep and not woken? wrong port? TX/RX swapped?)")


def read_broadcast(port):
    """(period code, format code) of registers 342 and 343."""
    reply = exchange(port, read_request(), 9)
    if reply[2] != 4:
        raise BmsError("unexpected answer %s" % reply.hex(" "))
    return reply[3] << 8 | reply[4], reply[5] << 8 | reply[6]


def write_broadcast(port, period, fmt):
    request = write_request(period, fmt)
    reply = exchange(port, request, 8)
    if reply[:6] != request[:6]:
        raise BmsError("the BMS echoed %s instead of %s" % (reply.hex(" "), request[:6].hex(" ")))


def describe(period, fmt):
    return "broadcast period (reg 342): %s\nbroadcast format (reg 343): %s" % (
        PERIODS.get(period, "unknown code %d" % period), FORMATS.get(fmt, "unknown code %d" % fmt))


def run(port, args, out=sys.stdout, ask=input):
    period, fmt = read_broadcast(port)
    print(describe(period, fmt), file=out)
    if not args.write:
        return 0
    new_period = PERIOD_ARGS[args.period] if args.period else period
    new_fmt = FORMAT_ARGS[args.format] if args.format else fmt
    if new_period not in PERIODS or new_fmt not in FORMATS:
        print("the BMS holds a code this tool does not know (see above); give both --period and "
              "--format to replace it; nothing written", file=out)
        return 2
    if new_fmt == FORMAT_ARGS["socbar"] and new_period < SOCBAR_MIN_PERIOD:
        print("warning: the Tiny BMS guide asks for a period of at least 1 s for SOC BAR", file=out)
    print("\nto write:\n" + describe(new_period, new_fmt), file=out)
    if not args.yes:
        try:
            answer = ask('Type "yes" to write these two registers of the BMS: ')
        except EOFError:
            answer = ""
        if answer.strip() != "yes":
            print("nothing written", file=out)
            return 1
    write_broadcast(port, new_period, new_fmt)
    if read_broadcast(port) != (new_period, new_fmt):
        print("written, but reading back shows something else: check the BMS with its own tool", file=out)
        return 1
    print("written and read back: verified", file=out)
    return 0


def main(argv=None):
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("port", help="serial port of the USB-UART cable, e.g. /dev/ttyUSB0")
    parser.add_argument("--write", action="store_true", help="set the registers (asks for confirmation)")
    parser.add_argument("--period", choices=list(PERIOD_ARGS), help="seconds between broadcasts, or off")
    parser.add_argument("--format", choices=list(FORMAT_ARGS), help="broadcast format")
    parser.add_argument("--yes", action="store_true", help="confirm the write without asking (scripts)")
    args = parser.parse_args(argv)
    if (args.period or args.format or args.yes) and not args.write:
        parser.error("--period, --format and --yes only go with --write")
    if args.write and not (args.period or args.format):
        parser.error("--write needs --period and/or --format")
    import serial

    try:
        port = serial.Serial(args.port, 115200, timeout=0.05)
    except (serial.SerialException, ValueError) as exc:
        print("bms_setup: cannot open %s: %s" % (args.port, exc), file=sys.stderr)
        return 2
    try:
        return run(port, args)
    except (BmsError, serial.SerialException) as exc:
        print("bms_setup: %s" % exc, file=sys.stderr)
        return 2
    finally:
        port.close()


if __name__ == "__main__":
    sys.exit(cli.run("bms_setup", main))
