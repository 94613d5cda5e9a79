"""The real firmware App, run by ``tools/sim.py`` under the MicroPython unix port.

The app gets small adapters in place of the board's hardware: a UART fed by
the PC side and released at the line rate (so frames arrive in pieces, as on
the board), LEDs and a display that record what they were given, ignition pins
whose input the PC side sets, and a virtual clock. Both sides run in lockstep
in virtual time, one line each way per chunk; docs/simulator.md describes the
exchange.

With ``--web PORT`` the App also gets the dashboard server (firmware/webserver.py)
on 127.0.0.1:PORT; it answers during the passes, so while the PC side keeps
sending chunks.

PC -> target, one line each:
    C <json>                configuration document (first line, optional)
    S <ms> <ign> <hex|->    deliver bytes, set the ignition input, run <ms>
    Q                       quit
Target -> PC: one JSON object per line (see ``report``).
"""

import binascii
import json
import sys

from fake_line import Clock
from socbar.compat import ticks_add, ticks_diff

STEP_MS = 5  # virtual time between two app.step() passes; ignition_tick runs every ms
RX_LIMIT = 4096  # bytes a real UART ring would hold; more is lost and counted


class PipeUart:
    """A UART whose receive side is filled by the PC and drained at the line rate."""

    def __init__(self, baud=115200):
        self.baud = baud
        self.rx = bytearray()
        self.head = 0  # next byte of ``rx`` the app will read
        self.tx = bytearray()
        self.ready = 0  # received bytes the line has finished clocking in
        self.bits = 0  # line time not yet spent, in bit-milliseconds
        self.overflow = 0

    def deliver(self, data):
        if self.head == len(self.rx):
            self.rx = bytearray()
            self.head = 0
        room = RX_LIMIT - (len(self.rx) - self.head)
        if len(data) > room:
            self.overflow += len(data) - room
            data = data[:room]
        self.rx.extend(data)

    def elapse(self, ms):
        """Let ``ms`` of line time pass: 10 bits per byte at 8N1."""
        waiting = len(self.rx) - self.head
        if waiting == self.ready:
            self.bits = 0  # an idle line banks no time
            return
        self.bits += ms * self.baud
        whole = self.bits // 10000
        self.bits -= whole * 10000
        self.ready += whole
        if self.ready >= waiting:
            self.ready = waiting
            self.bits = 0

    def any(self):
        return self.ready

    def readinto(self, buf, n=None):
        n = min(len(buf) if n is None else n, self.ready)
        if n:
            buf[0:n] = self.rx[self.head : self.head + n]
            self.head += n
            self.ready -= n
        return n

    def write(self, buf, n=None):
        self.tx.extend(buf if n is None else buf[0:n])
        return len(buf) if n is None else n

    def set_baud(self, baud):
        self.baud = baud


class RecordingLeds:
    def __init__(self):
        self.frame = b""
        self.writes = 0

    def write(self, frame):
        self.frame = bytes(frame)
        self.writes += 1


class RecordingDisplay:
    def __init__(self):
        self.lines = []

    def show(self, lines):
        self.lines = [str(line) for line in lines]


class IgnitionPins:
    """The key switch the PC side sets, and the output to the BMS the app drives."""

    def __init__(self):
        self.level = False
        self.out = False

    def read(self):
        return self.level

    def drive(self, on):
        self.out = bool(on)


class Target:
    def __init__(self, doc, web_port=None):
        # The firmware is imported here, not at the top, so the adapters above
        # can be tested on their own.
        from app import App
        from socbar.config import validate
        from socbar.states import STATE_NAMES

        self.names = STATE_NAMES
        self.logs = []
        self.config, self.messages = validate(doc)
        self.clock = Clock()
        self.uart = PipeUart(115200)
        self.leds = RecordingLeds()
        self.display = RecordingDisplay()
        self.ignition = IgnitionPins()
        web = None
        if web_port is not None:
            from webserver import WebServer, listen

            web = WebServer(listen(web_port, "127.0.0.1"))
        self.app = App(
            self.config,
            self.uart,
            self.leds,
            self.ignition,
            self.clock,
            display=self.display,
            log=self.log,
            web=web,
        )
        self.changes = []
        self.last = None
        self.next_step = self.clock.now

    def log(self, *args):
        self.logs.append(" ".join(str(a) for a in args))

    def run(self, ms, ignition, data):
        self.ignition.level = ignition
        self.uart.deliver(data)
        for _ in range(ms):
            self.clock.now = ticks_add(self.clock.now, 1)
            self.uart.elapse(1)
            self.app.ignition_tick(self.clock.now)
            if ticks_diff(self.clock.now, self.next_step) >= 0:
                self.next_step = ticks_add(self.clock.now, STEP_MS)
                self.app.step()
                self.note_change()

    def seen(self):
        """What a user sees: display state, segments lit, ignition in and out."""
        return (self.names[self.app.state], self.app.bar.lit, self.ignition.level, self.ignition.out)

    def note_change(self):
        seen = self.seen()
        if seen != self.last:
            self.last = seen
            self.changes.append([self.clock.now, seen[0], seen[1], seen[2], seen[3], self.app.bms.soc])

    def report(self):
        app = self.app
        dec = app.line.decoder
        out = {
            "t": self.clock.now,
            "state": self.names[app.state],
            "soc": app.bms.soc,
            "lit": app.bar.lit,
            "frame": binascii.hexlify(bytes(app.bar.frame)).decode(),
            "ign_in": self.ignition.level,
            "ign_out": self.ignition.out,
            "quality": app.bms.quality,
            "decoder": dec.name if dec is not None else None,
            "good": dec.good if dec is not None else 0,
            "bad": dec.bad if dec is not None else 0,
            "skipped": dec.skipped if dec is not None else 0,
            "baud": self.uart.baud,
            "tx": binascii.hexlify(self.uart.tx).decode(),
            "page": self.display.lines,
            "changes": self.changes,
            "log": self.logs,
        }
        self.uart.tx = bytearray()
        self.changes = []
        self.logs = []
        return out


def main():
    argv = sys.argv
    web_port = int(argv[argv.index("--web") + 1]) if "--web" in argv else None
    target = None
    while True:
        line = sys.stdin.readline()
        if not line or line[0] == "Q":
            break
        if line[0] == "C":
            target = Target(json.loads(line[2:]), web_port)
            out = {"ready": True, "messages": target.messages, "segments": len(target.app.bar.frame) // 3}
        else:
            if target is None:
                target = Target({}, web_port)
            parts = line.split()
            data = b"" if parts[3] == "-" else binascii.unhexlify(parts[3])
            target.run(int(parts[1]), parts[2] == "1", data)
            out = target.report()
        sys.stdout.write(json.dumps(out))
        sys.stdout.write("\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
