"""``make sim``: the real firmware against a simulated Tiny BMS, drawn in the terminal.

    python3 tools/sim.py [--scenario NAME]                    interactive, real time
    python3 tools/sim.py --scenario NAME --seconds N --json   virtual time, JSON lines

The firmware's App runs under the MicroPython unix port (pclib/sim_target.py)
with pipe-backed adapters; this side runs the BMS model (tools/bms_sim.py) and
exchanges bytes, time and the ignition with it in lockstep. The bar is drawn
from the LED frame the renderer produced, so what you see is what the LEDs
would show. docs/simulator.md has the keys, scenarios and JSON format.
"""

import argparse
import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "pclib"))
sys.path.insert(0, str(ROOT / "tools"))

import mpy_host  # noqa: E402
from bms_sim import TinyBmsSim  # noqa: E402
from scenarios import BMS, FIRMWARE, NAMES, SCENARIOS  # noqa: E402

CHUNK_MS = 50  # virtual time per exchange with the target
SEED = 1
NOISE_RATE = 0.01  # share of corrupted bytes for the noise action
SOC_STATES = ("live", "charging", "full", "regen", "empty")  # states in which the bar shows SOC


def merged(base, extra):
    """``base`` with the keys of ``extra`` laid over it, one level of nesting deep."""
    out = {key: dict(value) if isinstance(value, dict) else value for key, value in base.items()}
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key].update(value)
        else:
            out[key] = value
    return out


class Target:
    """The firmware under the MicroPython unix port, one request and one answer at a time."""

    def __init__(self, config):
        self.proc = subprocess.Popen(
            [mpy_host.micropython(), str(ROOT / "pclib" / "sim_target.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=mpy_host.env(),
            cwd=str(ROOT),
            text=True,
            bufsize=1,
        )
        self.hello = self._ask("C " + json.dumps(config))

    def _ask(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            self.proc.wait()
            status = self.proc.returncode
            raise RuntimeError("the firmware under MicroPython stopped (exit status %s)" % status)
        return json.loads(answer)

    def run(self, ms, ignition, data):
        return self._ask("S %d %d %s" % (ms, 1 if ignition else 0, data.hex() if data else "-"))

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("Q\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


class Session:
    """One scenario played in virtual time: the BMS model, the cable, the key and the firmware."""

    def __init__(self, scenario, seed=SEED):
        self.scenario = scenario
        self.bms = TinyBmsSim(seed=seed, **merged(BMS, scenario.bms))
        self.target = Target(merged(FIRMWARE, scenario.config))
        self.key = scenario.key
        self.unplugged = False
        self.noise = False
        self.t = 0
        self.events = list(scenario.events)
        self.last = None

    def act(self, action):
        """The things a user can do; scenarios and keys both come through here."""
        bms = self.bms
        if action == "key":
            self.key = not self.key
        elif action == "unplug":
            self.unplugged = not self.unplugged
            bms.unplugged = self.unplugged
        elif action == "noise":
            self.noise = not self.noise
            bms.noise_rate = NOISE_RATE if self.noise else 0.0
        elif action == "charge":
            bms.charger = not bms.charger
        elif action == "fault":
            bms.fault = not bms.fault
        elif action == "sleep":
            bms.sleep()

    def step(self, ms=CHUNK_MS):
        """Advance ``ms`` of virtual time; returns the target's report."""
        while self.events and self.events[0][0] <= self.t:
            self.act(self.events.pop(0)[1])
        data = self.bms.advance(ms)
        report = self.target.run(ms, self.key, data)
        self.t += ms
        if not self.unplugged:
            tx = bytes.fromhex(report["tx"])
            if tx:
                self.bms.receive(tx)
        self.bms.ignition = report["ign_out"]
        self.last = report
        return report

    def close(self):
        self.target.close()


def soc_pct(state, soc):
    """The SOC the bar is showing, in percent with one decimal; None when it shows none."""
    if state not in SOC_STATES:
        return None
    return max(soc, 0) // 100000 / 10


def run_json(scenario, seconds, out=sys.stdout):
    """Play ``scenario`` as fast as possible; one JSON line per change of what the user sees."""
    session = Session(scenario)
    end = int(seconds * 1000)
    try:
        while session.t < end:
            report = session.step(min(CHUNK_MS, end - session.t))
            for t, state, lit, ign_in, ign_out, soc in report["changes"]:
                line = {
                    "t_ms": t,
                    "state": state,
                    "soc_pct": soc_pct(state, soc),
                    "lit": lit,
                    "ignition_in": ign_in,
                    "ignition_out": ign_out,
                }
                out.write(json.dumps(line) + "\n")
            out.flush()
    finally:
        session.close()


# ---- the terminal picture -------------------------------------------------

KEYS = (
    ("i", "key", "ignition"),
    ("u", "unplug", "cable"),
    ("n", "noise", "noise"),
    ("c", "charge", "charger"),
    ("f", "fault", "fault"),
    ("s", "sleep", "sleep"),
)
HELP = "  ".join("%s %s" % (k, label) for k, _, label in KEYS) + "  Tab scenario  q quit"


def perceived(level):
    """An LED driven at ``level``/255 looks about as bright as sqrt of that on a screen."""
    return int((level * 255) ** 0.5)


def colour_letter(g, r, b):
    """One letter for a segment's colour, for terminals without colour."""
    if not (g or r or b):
        return "."
    top = max(g, r, b)
    name = ("R" if r * 2 > top else "") + ("G" if g * 2 > top else "") + ("B" if b * 2 > top else "")
    return {"R": "r", "G": "g", "B": "b", "RG": "y", "GB": "c", "RB": "m", "RGB": "w"}[name]


def draw_bar(frame, colour):
    """The LED bar from the GRB frame bytes: two columns a segment, one when there are many."""
    n = len(frame) // 3
    width = 2 if n <= 24 else 1
    cells = []
    for i in range(n):
        g, r, b = frame[3 * i], frame[3 * i + 1], frame[3 * i + 2]
        if not colour:
            cells.append(colour_letter(g, r, b) * width)
        elif g or r or b:
            rgb = (perceived(r), perceived(g), perceived(b))
            cells.append("\x1b[38;2;%d;%d;%dm%s\x1b[0m" % (rgb + ("\u2588" * width,)))
        else:
            cells.append("\x1b[38;2;40;40;40m%s\x1b[0m" % ("\u2591" * width))
    return (" " if width == 2 else "").join(cells)


def screen(session, colour, width=79):
    r = session.last
    bms = session.bms
    soc = soc_pct(r["state"], r["soc"])
    bold = "\x1b[1m%s\x1b[0m" if colour else "%s"
    lines = [
        "socbar sim - %s: %s" % (session.scenario.name, session.scenario.about),
        "",
        "  [ %s ]" % draw_bar(bytes.fromhex(r["frame"]), colour),
        "",
        "  state %s   SOC %s   lit %d of %d   t %.1f s"
        % (
            bold % r["state"].upper().replace("_", " "),
            "--" if soc is None else "%.1f %%" % soc,
            r["lit"],
            len(r["frame"]) // 6,
            r["t"] / 1000,
        ),
        "  ignition key %s -> BMS %s   link quality %s %%   decoder %s"
        % ("ON" if r["ign_in"] else "off", "ON" if r["ign_out"] else "off", r["quality"], r["decoder"]),
        "  frames good %d  bad %d  skipped bytes %d" % (r["good"], r["bad"], r["skipped"]),
        "  BMS %s   charger %s  fault %s  noise %s  cable %s"
        % (
            "asleep" if bms.asleep else "awake",
            "on" if bms.charger else "off",
            "ON" if bms.fault else "off",
            "on" if session.noise else "off",
            "UNPLUGGED" if session.unplugged else "plugged",
        ),
        "",
    ]
    page = r["page"] or ["(no display page)"]
    lines += ["  | " + text for text in page[:4]]
    lines += ["", HELP]
    return [line if "\x1b" in line else line[:width] for line in lines]


def terminal():
    """(colour, redraw): what this terminal can do; both off when output goes to a file."""
    smart = sys.stdout.isatty() and os.environ.get("TERM", "dumb") != "dumb"
    return smart and "NO_COLOR" not in os.environ, smart


def log_line(session):
    """One line per change, for terminals that cannot redraw."""
    r = session.last
    soc = soc_pct(r["state"], r["soc"])
    return "%7.1f s  [%s]  %-9s SOC %5s  key %-3s BMS %s" % (
        r["t"] / 1000,
        draw_bar(bytes.fromhex(r["frame"]), False),
        r["state"],
        "--" if soc is None else "%.1f" % soc,
        "on" if r["ign_in"] else "off",
        "on" if r["ign_out"] else "off",
    )


def run_interactive(name):
    import termios
    import tty

    colour, redraw = terminal()
    keys = sys.stdin.isatty()
    saved = termios.tcgetattr(sys.stdin) if keys else None
    session = Session(SCENARIOS[name])
    shown = None
    try:
        if keys:
            tty.setcbreak(sys.stdin)
        if redraw:
            sys.stdout.write("\x1b[?25l\x1b[2J")
        else:
            sys.stdout.write("%s: %s\n%s\n" % (name, session.scenario.about, HELP if keys else ""))
        due = time.monotonic()
        while True:
            session.step()
            if redraw:
                picture = screen(session, colour)
                if picture != shown:
                    sys.stdout.write("\x1b[H" + "".join(line + "\x1b[K\n" for line in picture) + "\x1b[J")
            else:
                picture = log_line(session)
                if picture[9:] != (shown or "")[9:]:  # the time alone is no change
                    sys.stdout.write(picture + "\n")
            shown = picture
            sys.stdout.flush()
            due += CHUNK_MS / 1000
            while True:
                wait = due - time.monotonic()
                ready = select.select([sys.stdin] if keys else [], [], [], max(wait, 0))[0]
                if ready:
                    ch = os.read(sys.stdin.fileno(), 1).decode(errors="ignore").lower()
                    if ch in ("q", "\x1b"):
                        return
                    if ch == "\t":
                        session.close()
                        name = NAMES[(NAMES.index(name) + 1) % len(NAMES)]
                        session = Session(SCENARIOS[name])
                        due = time.monotonic()
                        break
                    for k, action, _ in KEYS:
                        if ch == k:
                            session.act(action)
                elif wait <= 0:
                    break
    except KeyboardInterrupt:
        pass
    finally:
        session.close()
        if saved is not None:
            termios.tcsetattr(sys.stdin, termios.TCSADRAIN, saved)
        if redraw:
            sys.stdout.write("\x1b[0m\x1b[?25h\n")
            sys.stdout.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=NAMES, default=None, help="what to play (default: drive)")
    parser.add_argument("--seconds", type=float, default=None, help="virtual seconds to run (--json)")
    parser.add_argument("--json", action="store_true", help="virtual time, one JSON line per change")
    args = parser.parse_args(argv)
    name = args.scenario or "drive"
    if args.json:
        scenario = SCENARIOS[name]
        try:
            run_json(scenario, args.seconds if args.seconds is not None else scenario.seconds)
        except BrokenPipeError:  # the reader (head, grep -m) has seen enough
            sys.stdout = open(os.devnull, "w")
    else:
        run_interactive(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
