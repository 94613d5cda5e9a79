"""``make sim``: the real firmware against a simulated Tiny BMS, drawn in the terminal.

    python3 tools/sim.py [--scenario NAME] [--port N]         interactive, real time
    python3 tools/sim.py --scenario NAME --seconds N --json   virtual time, JSON lines

The firmware's App runs under the MicroPython unix port (pclib/sim_target.py)
with pipe-backed adapters; this side runs the BMS model (tools/bms_sim.py) and
exchanges bytes, time and the ignition with it in lockstep. The bar is drawn
from the LED frame the renderer produced, so what you see is what the LEDs
would show. The interactive run also serves the web dashboard of a Pico W
from the same firmware code, on http://127.0.0.1:PORT/ (printed at start).
docs/simulator.md has the keys, scenarios and JSON format.
"""

import json
import os
import select
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "pclib"))
sys.path.insert(0, str(ROOT / "tools"))

import cli  # noqa: E402
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

    def __init__(self, config, web_port=None):
        web = [] if web_port is None else ["--web", str(web_port)]
        self.proc = subprocess.Popen(
            [mpy_host.micropython(), str(ROOT / "pclib" / "sim_target.py"), *web],
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

    def __init__(self, scenario, seed=SEED, web_port=None):
        self.scenario = scenario
        self.bms = TinyBmsSim(seed=seed, **merged(BMS, scenario.bms))
        self.target = Target(merged(FIRMWARE, scenario.config), web_port)
        self.web_port = web_port
        self.key = scenario.key
        self.load_ma = self.bms.current_ma  # what the vehicle draws while its key is on
        self.unplugged = False
        self.noise = False
        self.t = 0
        self.events = list(scenario.events)
        self.last = None
        self.note = ""  # what the last action did, or why it shows nothing

    def act(self, action):
        """The things a user can do; scenarios and keys both come through here. Sets ``note``:
        what the action does, or why the bar cannot show it now."""
        bms = self.bms
        unseen = "; the cable is pulled, so the bar cannot see it (u)" if self.unplugged else ""
        if action == "key":
            self.key = not self.key
            self.note = ("key on: the vehicle draws its load, the BMS ignition follows, the firmware polls"
                         if self.key else "key off: no load; the firmware stops polling and the BMS falls "
                         "asleep after %g s of quiet" % (bms.sleep_after_ms / 1000))
        elif action == "unplug":
            self.unplugged = not self.unplugged
            bms.unplugged = self.unplugged
            self.note = ("cable pulled: stale, then link lost with the key on (asleep with it off)"
                         if self.unplugged else "cable plugged back: live again at the next answer")
        elif action == "noise":
            self.noise = not self.noise
            bms.noise_rate = NOISE_RATE if self.noise else 0.0
            self.note = ("noise: 1 %% of the BMS's bytes corrupted: bad frames count up, the bar stays "
                         "live%s" % unseen if self.noise else "noise off")
        elif action == "charge":
            bms.charger = not bms.charger
            self.note = ("charger on: it wakes the BMS, which reports charging%s" % unseen if bms.charger
                         else "charger off")
        elif action == "fault":
            bms.fault = not bms.fault
            later = "; the BMS is asleep: it shows when the BMS wakes (i)" if bms.asleep else ""
            self.note = ("fault raised: the warning pattern%s%s" % (unseen, later) if bms.fault
                         else "fault cleared")
        elif action == "sleep":
            if bms.asleep:
                self.note = "the BMS is already asleep"
            elif self.key or bms.charger:
                held = [why for on, why in ((self.key, "its ignition (the key: i)"),
                                            (bms.charger, "the charger (c)")) if on]
                self.note = "the BMS stays awake: %s keeps it up" % " and ".join(held)
            else:
                bms.sleep()
                self.note = "the BMS sleeps now: silent, and the bar goes blank (asleep)"

    def step(self, ms=CHUNK_MS):
        """Advance ``ms`` of virtual time; returns the target's report."""
        while self.events and self.events[0][0] <= self.t:
            self.act(self.events.pop(0)[1])
        self.bms.current_ma = self.load_ma if self.key else 0  # a parked vehicle draws nothing
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
    """The picture, ``width`` columns wide: the title wraps, nothing else is longer."""
    r = session.last
    bms = session.bms
    soc = soc_pct(r["state"], r["soc"])
    bold = "\x1b[1m%s\x1b[0m" if colour else "%s"
    title = "socbar sim - %s: %s" % (session.scenario.name, session.scenario.about)
    lines = textwrap.wrap(title, max(width, 20), subsequent_indent="  ") + [
        "",
        "  [ %s ]" % draw_bar(bytes.fromhex(r["frame"]), colour),
        "",
        "  state %s   SOC %s   lit %d of %d   t %.1f s"
        % (
            bold % r["state"],  # the word the display page shows
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
    lines += ["  | " + text for text in page]
    lines += ["", "  > " + session.note if session.note else "", HELP]
    if session.web_port is not None:
        lines.append(dashboard_line(session.web_port))
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


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_problem(port):
    """Why the dashboard cannot listen on 127.0.0.1:``port``, or "" when it can."""
    if not 1 <= port <= 65535:
        return "not a TCP port 1..65535"
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError as exc:
            return "cannot listen there (%s); choose another port or leave --port out" % exc.strerror
    return ""


def dashboard_line(port):
    return "  web dashboard: http://127.0.0.1:%d/" % port


def run_interactive(name, seconds=None, port=None):
    """Real time with the keyboard; without one (stdin not a terminal) the scenario plays out
    alone, as fast as the firmware runs, for ``seconds`` or its own length, and the run ends."""
    import termios
    import tty

    colour, redraw = terminal()
    keys = sys.stdin.isatty()
    end_ms = int((seconds or SCENARIOS[name].seconds) * 1000)
    saved = termios.tcgetattr(sys.stdin) if keys else None
    port = free_port() if port is None else port
    session = Session(SCENARIOS[name], web_port=port)
    shown = None
    try:
        if keys:
            tty.setcbreak(sys.stdin)
        if redraw:
            sys.stdout.write("\x1b[?25l\x1b[2J")
        else:
            sys.stdout.write("%s: %s\n%s\n" % (name, session.scenario.about, HELP if keys else ""))
            sys.stdout.write(dashboard_line(port).strip() + "\n")
        due = time.monotonic()
        note = ""
        while True:
            session.step()
            if not keys and session.t >= end_ms:
                sys.stdout.write("%s ended after %g s (no keyboard: the scenario played alone)\n"
                                 % (name, session.t / 1000))
                return
            if redraw:
                picture = screen(session, colour, shutil.get_terminal_size((80, 24)).columns)
                if picture != shown:
                    sys.stdout.write("\x1b[H" + "".join(line + "\x1b[K\n" for line in picture) + "\x1b[J")
            else:
                if session.note != note:
                    note = session.note
                    sys.stdout.write("%7.1f s  > %s\n" % (session.t / 1000, note))
                picture = log_line(session)
                if picture[9:] != (shown or "")[9:]:  # the time alone is no change
                    sys.stdout.write(picture + "\n")
            shown = picture
            sys.stdout.flush()
            if not keys:
                continue  # nobody to wait for
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
                        session = Session(SCENARIOS[name], web_port=port)
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
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=NAMES, default=None, help="what to play (default: drive)")
    parser.add_argument("--seconds", type=cli.seconds, default=None,
                        help="virtual seconds to run (--json, or without a keyboard)")
    parser.add_argument("--json", action="store_true", help="virtual time, one JSON line per change")
    parser.add_argument("--port", type=int, default=None,
                        help="port of the web dashboard on 127.0.0.1 (default: a free one)")
    args = parser.parse_args(argv)
    name = args.scenario or "drive"
    if args.json:
        scenario = SCENARIOS[name]
        try:
            run_json(scenario, args.seconds if args.seconds is not None else scenario.seconds)
        except BrokenPipeError:  # the reader (head, grep -m) has seen enough
            sys.stdout = open(os.devnull, "w")
    else:
        if args.port is not None:
            problem = port_problem(args.port)
            if problem:
                sys.stderr.write("sim: --port %d: %s\n" % (args.port, problem))
                return 2
        run_interactive(name, args.seconds, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(cli.run("sim", main))
