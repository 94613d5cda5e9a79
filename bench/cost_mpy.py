"""The workloads bench/cost.py counts under callgrind, run by the MicroPython unix port.

    micropython -m cost_mpy WORKLOAD UNITS [READ [MS]]
    micropython -m cost_mpy boot          (in a board filesystem: heap in use after start())

The App runs with the default configuration on the fakes of fake_line, one
pass per ``app.step()``, after a fixed warm-up; then UNITS units of
WORKLOAD; then it prints one JSON line of counters (bytes the App read,
frames decoded, passes). bench/cost.py runs UNITS and 2 * UNITS and
subtracts, so start-up, imports and warm-up cancel exactly. With READ a
consumer that only reads READ bytes per pass stands in for the App: what
the fakes themselves cost, which bench/cost.py subtracts too.

Workloads (the unit in brackets):

- ``tinybms`` [pass]: a saturated 115200 line of Tiny BMS replies back to
  back (SOC, status, voltage, current, temperatures, cells, ...) with a
  little junk; each pass finds a backlog, as on a busy chip; with MS, each
  pass finds what the line brings in MS ms instead (bench/cost.py paces it).
- ``cav3`` [pass]: the same with Cycle Analyst V3 lines at 9600.
- ``idle`` [pass]: key on, the BMS silent past the link-lost time, a pass
  every ``PASS_MS``.
- ``period`` [250 ms]: one 30-byte broadcast (SOC, voltage, current and
  status replies) at the start of every period, the passes paced as
  ``App.run`` paces them (``wait_ms``).
"""

import gc
import struct
import sys

from cost_tree import IGNITION_TIMER_MS
from fake_line import Clock, Ignition, Leds, LineUart
from reference_decoder import encode

PASS_MS = 2  # the idle workload: a pass at every tick of the 2 ms ignition timer, the worst case
PERIOD_MS = 250
LINE_BYTES = 264  # released per pass on a saturated line: more than the App reads in one
FILL = 1024  # bytes kept queued on a saturated line
WARM = 40  # passes before the counted work
JUNK = b"\x00\x55\x13"  # between some frames: no sync byte, only skipped


def tinybms_frames():
    """One cycle of replies as a poller would get them, values moving."""
    out = []
    for i in range(96):
        kind = i % 8
        if kind == 0:
            f = encode(0x1A, struct.pack("<I", 80000000 - (i // 8) * 400000))
        elif kind == 1:
            f = encode(0x18, struct.pack("<H", 0x93 if i % 16 else 0x91))
        elif kind == 2:
            f = encode(0x14, struct.pack("<f", 48.0 + (i % 100) / 50))
        elif kind == 3:
            f = encode(0x15, struct.pack("<f", -12.5 + (i % 7)))
        elif kind == 4:
            f = encode(0x1B, bytes((6,)) + struct.pack("<hhh", 250 + i % 9, 261, -32768))
        elif kind == 5:
            cells = b"".join(struct.pack("<H", 36000 + (c * 7 + i) % 300) for c in range(13))
            f = encode(0x1C, bytes((len(cells),)) + cells)
        elif kind == 6:
            f = encode(0x16 + (i & 1), struct.pack("<H", 3600 + i % 50))
        else:
            f = encode(0x20, struct.pack("<fII", 24.5, 40 + i % 3, 3600 - i % 60))
        if i % 16 == 15:
            f = f + JUNK
        out.append(bytearray(f))
    return out


def cav3_frames(columns):
    """The header, then one cycle of data lines."""
    out = [bytearray(("\t".join(columns) + "\r\n").encode())]
    row = "%d.%03d\t%d.%02d\t-%d.%02d\t25.3\t12.345\t31.2\t60\t150\t12.3\t1.23\t1.10\t0.00\t0.00\t0\r\n"
    for i in range(96):
        out.append(bytearray((row % (i // 10, i % 1000, 50 - i % 3, i % 100, 12 + i % 5, i % 100)).encode()))
    return out


def broadcast():
    """30 bytes: SOC, voltage, current (8 bytes each) and status (6)."""
    f = (encode(0x1A, struct.pack("<I", 55000000)) + encode(0x14, struct.pack("<f", 50.1))
         + encode(0x15, struct.pack("<f", -3.5)) + encode(0x18, struct.pack("<H", 0x93)))
    return [bytearray(f)]


class Null:
    """Reads what an App would and does nothing else: the fakes' own cost. It waits as the
    App does on a quiet line, so a period has about as many passes."""

    wait_ms = 20  # app.IDLE_MS

    def __init__(self, uart, read):
        self.uart = uart
        self.rx = bytearray(read)
        self.line = self
        self.decoder = None

    def step(self):
        self.uart.readinto(self.rx)


class Rig:
    """The App on the fakes, fed from a cycle of frames; the driver allocates nothing per pass.

    As on the board, the ignition passthrough runs from its timer, not in the pass: every
    ``IGNITION_TIMER_MS`` of virtual time owes one call of the timer's callback, made before the
    next pass, so its cost is the App's as the chip's timer interrupts are."""

    def __init__(self, baud, frames, read=0, key=True):
        from socbar.config import validate

        self.clock = Clock()
        self.uart = LineUart(baud)
        self.leds = Leds(self.clock)
        self.ignition = Ignition(self.clock)
        self.ignition.level = key
        self.frames = frames
        self.k = 0  # next frame of the cycle
        self.delivered = 0
        self.logged = 0
        self.passes = 0
        self.next_tick = IGNITION_TIMER_MS
        self.tick = None  # the timer's callback; None for the stand-in consumer
        if read:
            self.app = Null(self.uart, read)
        else:
            from app import App

            config = validate({})[0]
            try:
                self.app = App(config, uart=self.uart, leds=self.leds, ignition=self.ignition,
                               clock=self.clock, log=self.log)
            except TypeError:  # a tree from before the App lost its unused board argument
                self.app = App(config, {}, self.uart, self.leds, self.ignition, self.clock, log=self.log)
            self.app.tick_in_step = False
            app = self.app
            clock = self.clock
            # The board's timer callback: App.irq, or in older trees main.py's closure.
            self.tick = getattr(app, "irq", None) or (lambda t: app.ignition_tick(clock()))

    def log(self, *args):
        self.logged += 1

    def deliver(self, count):
        """The next ``count`` frames of the cycle to the line."""
        frames = self.frames
        k = self.k
        while count:
            f = frames[k]
            self.uart.deliver(f, len(f))
            self.delivered += len(f)
            k = k + 1 if k + 1 < len(frames) else 0
            count -= 1
        self.k = k

    def top_up(self):
        while self.uart.queued < FILL:
            self.deliver(1)

    def step(self, ms):
        self.clock.tick(ms)
        now = self.clock.now
        tick = self.tick
        if tick is not None:
            while now - self.next_tick >= 0:  # the virtual clock starts at 0 and never wraps here
                tick(None)
                self.next_tick += IGNITION_TIMER_MS
        self.uart.elapse(now, ms)
        self.app.step()

    def counters(self):
        dec = getattr(self.app, "line", self.app).decoder  # an App before the Line object held it
        return {
            "bytes": self.delivered - self.uart.queued,
            "frames": dec.good if dec is not None else 0,
            "bad": dec.bad if dec is not None else 0,
            "decoder": dec.name if dec is not None else None,
            "lost": self.uart.lost,
            "written": self.uart.written,
            "state": getattr(self.app, "state", None),
            "baud": self.uart.baud,
        }


def saturated(rig, units, ms=0):
    """Passes on a line that always holds a backlog: each releases LINE_BYTES at the line
    rate the App set (0), or what the line gives in ``ms`` (the warm-up, as from power-up)."""
    i = 0
    while i < units:
        rig.top_up()
        baud = rig.uart.baud
        rig.step(ms or (LINE_BYTES * 10000 + baud - 1) // baud)
        i += 1


def idle(rig, units):
    i = 0
    while i < units:
        rig.step(PASS_MS)
        i += 1


def periods(rig, units):
    """As ``App.run`` paces the passes: after each, the loop waits ``wait_ms`` (a quiet wait
    would end at the next byte, and the next bytes come with the next period)."""
    i = 0
    while i < units:
        rig.deliver(1)  # its first byte wakes the loop
        t = 0
        wait = 1
        while t < PERIOD_MS:
            rig.step(wait)
            rig.passes += 1
            t += wait
            wait = getattr(rig.app, "wait_ms", 0) or 1  # an App that did not wait: every ms
            if wait > PERIOD_MS - t:
                wait = PERIOD_MS - t
        i += 1


KEYS = ("bytes", "frames", "bad", "decoder", "lost", "written", "state", "baud", "passes")


def run(workload, units, read, ms=0):
    if workload == "tinybms":
        rig = Rig(115200, tinybms_frames(), read)
        work = saturated
    elif workload == "cav3":
        from socbar.config import validate

        rig = Rig(9600, cav3_frames(validate({})[0]["cav3"]["columns"]), read)
        rig.deliver(1)
        rig.frames = rig.frames[1:]  # the header once, then data lines
        work = saturated
    elif workload == "idle":
        rig = Rig(115200, [], read)
        work = idle
    elif workload == "period":
        rig = Rig(115200, broadcast(), read)
        work = periods
    else:
        raise SystemExit("cost_mpy: unknown workload %s" % workload)
    if workload in ("tinybms", "cav3"):
        saturated(rig, WARM, PASS_MS)
        saturated(rig, WARM)
    elif workload == "idle":
        idle(rig, WARM)
        rig.step(10000)  # silent past the link-lost time: the state settles
        idle(rig, WARM)
    else:
        periods(rig, WARM // 4)
    gc.collect()
    if ms:
        saturated(rig, units, ms)
    else:
        work(rig, units)
    out = rig.counters()
    out["passes"] = units if workload != "period" else rig.passes
    return out


def boot():
    """Heap in use once main.start() has built the App, less what the fake hardware modules hold."""
    import machine
    import micropython
    import neopixel  # noqa: F401
    import rp2  # noqa: F401

    machine.reset_fakes()
    gc.collect()
    base = gc.mem_alloc()
    micropython.qstr_info()  # the interned strings before and after: bench/cost.py reads both lines
    import main

    lines = []
    app = main.start(clock=machine.clock.ticks_ms, log=lines.append)
    gc.collect()
    heap = gc.mem_alloc() - base
    micropython.qstr_info()
    import sys

    return {"heap": heap, "state": app.state, "log": lines, "modules": sorted(sys.modules)}


def main(argv):
    import json

    if argv[:1] == ["boot"]:
        print(json.dumps(boot()))
        return 0
    try:
        out = run(argv[0], int(argv[1]), int(argv[2]) if len(argv) > 2 else 0,
                  int(argv[3]) if len(argv) > 3 else 0)
    except MemoryError:
        print(json.dumps({"error": "MemoryError: the workload does not fit in the heap"}))
        return 0
    # One "key value" line per counter: print writes ints and strings without the heap, so the
    # report costs the same allocations however many digits the counts have (a JSON text one
    # character longer can take one more reallocation, which the figures would count).
    print("counters")
    for key in KEYS:
        print(key, out[key])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
