"""The soak itself, run under the MicroPython unix port by bench/soak.py.

    micropython bench/soak_mpy.py HOURS [SEED]

The real App runs on the allocation-free fakes (pclib/fake_line.py) for HOURS
of virtual time against a small seeded BMS: SOC and status broadcasts once
per period, draining and recharging, with phases of noise, a pulled cable,
BMS sleep with the key off, SOC 0 %, a sender at the other line rate, and
configuration reloads (a new App, as after a reboot with a new config.json).
The key switch is flipped at random throughout.

After every tick the harness checks, from what it sent rather than from the
App's own view: no SOC shown as live when the last clean frame is older than
the stale limit; the bar blank when asleep, empty or at SOC 0; asleep or
link lost after a silence longer than the lost limit; the ignition output
equal to the input once the input has been steady for the debounce plus
10 ms; not one byte written to the UART. Every ten virtual minutes the heap
is collected and measured. Prints one JSON line per ten minutes (with the
heap) and a summary; exit status 1 on any violation.
"""

import gc
import json
import sys

from fake_line import Clock, Ignition, Leds, LineUart
from frames import frame, u16le, u32le
from socbar.compat import ticks_diff
from socbar.config import validate
from socbar.states import ASLEEP, CHARGING, EMPTY, FULL, LINK_LOST, LIVE, REGEN, STATE_NAMES

TICK_MS = 2  # ignition_tick period, as the board's timer
STEP_MS = 10  # one App pass per STEP_MS of virtual time
SLACK_MS = 3 * STEP_MS + 20  # a pass late, the bytes still on the wire
SAMPLE_MS = 10 * 60 * 1000
SHOWS_SOC = (LIVE, CHARGING, FULL, REGEN)
MAX_REPORTED = 20

# Configurations the soak reloads in turn; the BMS broadcasts at the configured period.
CONFIGS = (
    {},
    {"timing": {"period_ms": 500, "stale_periods": 2, "lost_periods": 4}},
    {"input": {"format": "tinybms", "baud": 115200}, "bar": {"segments": 8}},
    {"timing": {"period_ms": 2000}, "ignition": {"debounce_ms": 30}, "bar": {"leds": "gpio"}},
)
PHASES = ("normal", "noise", "unplug", "sleep", "normal", "empty", "baud", "reload")


class Rng:
    """xorshift32: a repeatable run on any interpreter."""

    def __init__(self, seed):
        self.x = (seed * 2654435761 + 1) & 0xFFFFFFFF or 1

    def next(self):
        x = self.x
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.x = x
        return x

    def below(self, n):
        return self.next() % n


class Sleeper:
    def __init__(self):
        self.slices = 0

    def sleep(self, ms):
        self.slices += 1


class Soak:
    def __init__(self, seed):
        self.rng = Rng(seed)
        self.clock = Clock()
        self.uart = LineUart(115200)
        self.leds = Leds(self.clock)
        self.ignition = Ignition(self.clock)
        self.sleeper = Sleeper()
        self.violations = 0
        self.kinds = {}  # violations by kind
        self.reported = []
        self.seen = [0] * len(STATE_NAMES)
        self.phase_counts = {}
        self.reloads = 0
        self.frames_sent = 0
        self.written = 0
        self.stage_errors = 0
        self.baud_switches = 0
        self.soc = 100000000
        self.sender_baud = 115200
        self.last_good = 0  # when the last clean frame's last byte was on the wire
        self.last_soc = -1
        self.quiet_since = 0  # start of the current silence on the line
        self.key_since = 0  # last change of the key input
        self.config_i = -1
        self.load_next_config()

    # ---- set-up ---------------------------------------------------------------

    def load_next_config(self):
        from app import App

        if self.config_i >= 0:
            self.retire()
        self.config_i = (self.config_i + 1) % len(CONFIGS)
        self.config = validate(CONFIGS[self.config_i])[0]
        timing = self.config["timing"]
        self.period = timing["period_ms"]
        self.stale_ms = timing["period_ms"] * timing["stale_periods"]
        self.lost_ms = timing["period_ms"] * timing["lost_periods"]
        self.ign_bound = self.config["ignition"]["debounce_ms"] + 10 + TICK_MS
        self.uart = LineUart(115200)  # a reboot: what was in the ring is gone
        self.app = None  # the old App is garbage before the new one is built
        self.app = App(self.config, self.uart, self.leds, self.ignition, self.clock,
                       sleeper=self.sleeper, log=self.log)
        self.booted = self.clock.now
        self.next_step = self.clock.now

    def retire(self):
        """Add the counters of the App about to be replaced to the run's."""
        self.written += self.uart.written
        self.stage_errors += sum(self.app.stage_errors)
        self.baud_switches += self.app.line.baud_switches

    def log(self, *args):
        pass

    # ---- the BMS and the line -------------------------------------------------

    def send(self, data, clean):
        """Put ``data`` on the line; return whether the App can read it as sent."""
        if self.sender_baud != self.uart.baud:
            data = bytes(b ^ 0x5A for b in data)  # what a receiver at the wrong rate makes of it
            clean = False
        self.uart.deliver(data, len(data))
        self.quiet_since = -1
        if clean:
            wire = len(data) * 10000 // self.sender_baud + 1
            self.last_good = self.clock.now + wire
        return clean

    def broadcast(self, soc):
        status = 0x91 if self.rng.below(10) == 0 else 0x93
        if self.send(frame(0x1A, u32le(soc)) + frame(0x18, u16le(status)), True):
            self.last_soc = soc
        self.frames_sent += 2

    def noise(self):
        n = 1 + self.rng.below(48)
        # No 0xAA: noise may hide frames but never forges one.
        junk = bytes(self.noise_byte() for _ in range(n))
        self.send(junk, False)

    def noise_byte(self):
        b = self.rng.next() & 0xFF
        return 0xAB if b == 0xAA else b

    # ---- checks -----------------------------------------------------------------

    def fail(self, kind, detail=""):
        self.violations += 1
        first = kind not in self.kinds
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if first or len(self.reported) < MAX_REPORTED:
            detail = detail + " " if detail else ""
            self.reported.append("t=%d %s: %s %s(state %s)" % (
                self.clock.now, self.phase, kind, detail, STATE_NAMES[self.app.state]))

    def check(self):
        now = self.clock.now
        state = self.app.state
        self.seen[state] += 1
        if state in SHOWS_SOC and ticks_diff(now, self.last_good) > self.stale_ms + SLACK_MS:
            self.fail("stale SOC shown", "%d ms after the last clean frame" % ticks_diff(now, self.last_good))
        if state in (ASLEEP, EMPTY) and not self.leds.dark():
            self.fail("bar lit while %s" % STATE_NAMES[state])
        if self.last_soc == 0 and state in SHOWS_SOC and ticks_diff(now, self.last_good) > SLACK_MS:
            self.fail("SOC 0 % not blank")
        limit = self.lost_ms + SLACK_MS
        quiet = self.quiet_since >= 0 and ticks_diff(now, self.quiet_since) > limit
        if quiet and ticks_diff(now, self.booted) > limit:
            key_off = not self.ignition.out and ticks_diff(now, self.ignition.changed_at) > limit
            if state in SHOWS_SOC:
                self.fail("silence shown as data")
            elif key_off and state != ASLEEP:
                self.fail("silence with the key off is not asleep")
            elif self.ignition.out and state not in (LINK_LOST, ASLEEP):
                self.fail("silence with the key on is not link lost")
        bound = self.ign_bound
        steady = ticks_diff(now, self.key_since) > bound and ticks_diff(now, self.booted) > bound
        if steady and self.ignition.out != self.ignition.level:
            self.fail("ignition output differs from the input", "input %s" % self.ignition.level)
        if self.uart.written:
            self.fail("bytes written to the UART", "%d" % self.uart.written)

    def report(self):
        """One progress line with the heap after a collection; nothing is kept here, so
        the harness's own bookkeeping cannot look like a leak."""
        gc.collect()
        print(json.dumps({"minute": self.clock.now // 60000, "heap": gc.mem_alloc(),
                          "violations": self.violations}))

    # ---- the run ------------------------------------------------------------------

    def set_key(self, on):
        if on != self.ignition.level:
            self.ignition.level = on
            self.key_since = self.clock.now

    def run_phase(self, phase, ms):
        self.phase = phase
        self.phase_counts[phase] = self.phase_counts.get(phase, 0) + 1
        if phase == "reload":
            self.reloads += 1
            self.load_next_config()
            phase = "normal"
        if phase in ("unplug", "sleep"):
            self.uart.unplug()
            if self.quiet_since < 0:
                self.quiet_since = self.clock.now
        self.sender_baud = 9600 if phase == "baud" else 115200
        key_flip = self.clock.now + 1000 * (5 + self.rng.below(60))
        next_frame = self.clock.now
        end = self.clock.now + ms
        rng = self.rng
        while ticks_diff(end, self.clock.now) > 0:
            now = self.clock.now
            if phase == "sleep":
                self.set_key(False)
            elif phase == "unplug":
                self.set_key(True)
            elif ticks_diff(now, key_flip) >= 0:
                self.set_key(not self.ignition.level)
                key_flip = now + 1000 * (2 + rng.below(90 if self.ignition.level else 20))
            if phase not in ("unplug", "sleep") and ticks_diff(now, next_frame) >= 0:
                next_frame = now + self.period
                if phase == "empty":
                    self.broadcast(0)
                else:
                    self.soc = self.soc - 20000 * self.period // 1000
                    if self.soc <= 0:
                        self.soc = 100000000
                    self.broadcast(self.soc)
                if phase == "noise" and rng.below(2):
                    self.noise()
            elif self.quiet_since < 0 and self.uart.any() == 0:
                self.quiet_since = now
            self.clock.tick(TICK_MS)
            now = self.clock.now
            self.uart.elapse(now, TICK_MS)
            self.app.ignition_tick(now)
            if ticks_diff(now, self.next_step) >= 0:
                self.next_step = now + STEP_MS
                self.app.step()
            self.check()
            if now % SAMPLE_MS < TICK_MS:
                self.report()

    def run(self, hours):
        total = int(hours * 3600 * 1000)
        i = 0
        while self.clock.now < total:
            phase = PHASES[i % len(PHASES)]
            ms = 1000 * (20 + self.rng.below(100))
            if self.clock.now + ms > total:
                ms = total - self.clock.now
            self.run_phase(phase, ms)
            i += 1
        self.retire()
        return {
            "hours": hours,
            "violations": self.violations,
            "violation_kinds": self.kinds,
            "first_violations": self.reported,
            "states": dict((STATE_NAMES[i], self.seen[i]) for i in range(len(STATE_NAMES))),
            "phases": self.phase_counts,
            "reloads": self.reloads,
            "frames_sent": self.frames_sent,
            "uart_written": self.written,
            "sleep_slices": self.sleeper.slices,
            "baud_switches": self.baud_switches,
            "stage_errors": self.stage_errors,
            "lost_bytes": self.uart.lost,
        }


def main(argv):
    hours = float(argv[0]) if argv else 1
    seed = int(argv[1]) if len(argv) > 1 else 1
    summary = Soak(seed).run(hours)
    print(json.dumps({"summary": summary}))
    return 1 if summary["violations"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
