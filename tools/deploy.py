"""make deploy: check the configuration, compile the firmware and copy it to a board with mpremote.

    python tools/deploy.py [--port /dev/ttyACM0] [--board NAME] [--config FILE | --keep-config] [--dry-run]

Nothing is built or copied before the options and the configuration pass:
``--board`` must name a file of boards/, ``--config`` must pass the
firmware's own validator (the messages the board would print are printed
here instead, exit status 2), and the two must not contradict each other.
Then the firmware is compiled into build/mpy/ and the port is asked for a
MicroPython prompt (a few seconds at most: a USB-UART cable or a BMS on that
port is refused, not waited for). Files land at the root of the board's
filesystem: the .mpy modules (socbar/, hw/, app.mpy, startup.mpy, ...), main.py
and boot.py as source (the board runs those two only as source), every pin
map under boards/, and config.json: the given file with ``board`` set, or the
defaults for ``--board``; ``--keep-config`` leaves the board's own. Stale .py
copies of compiled modules are removed first (a .py next to its .mpy would be
the one imported). When the configuration turns the display on,
micropython-lib's ssd1306 driver is installed with ``mpremote mip`` (the PC
downloads it). The board ends with a hard reset. ``--dry-run`` prints the
commands, ready to paste, and runs none of them.
"""

import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "firmware"))
sys.path.insert(0, str(ROOT / "pclib"))

import cli  # noqa: E402

MPY = ROOT / "build" / "mpy"
STAGE = ROOT / "build" / "deploy"  # the config.json to copy, kept so that --dry-run output can be pasted
BOARDS = ROOT / "boards"
SOURCES = (ROOT / "firmware" / "main.py", ROOT / "firmware" / "boot.py")
KEEPER = ROOT / "firmware" / "hw" / "keeper.py"
MPREMOTE = [sys.executable, "-m", "mpremote"]
PROBE_S = 3.0  # how long a board has to show its prompt after Ctrl-C
COMMAND_S = 600  # one mpremote command; a whole deploy takes about 90 s

# Runs on the board first, right after mpremote's soft reset: keeps a running watchdog fed for the
# whole deploy with the firmware's own keeper (firmware/hw/keeper.py, sent as source, so that a
# board running a firmware without boot.py is kept too; a board without the firmware has nothing
# to keep), then makes the folders and removes the .py sources that would shadow the .mpy files.
_KEEP = """try:
    exec(%r)
    keep_if_running()
except ImportError:
    pass
"""
_PREPARE = """import os
for d in %r:
    try:
        os.mkdir(d)
    except OSError:
        pass
for p in %r:
    try:
        os.remove(p)
    except OSError:
        pass
"""


class Refused(Exception):
    """A one-line reason to stop before anything happens to the board."""


def board_names():
    return sorted(p.stem for p in BOARDS.glob("*.json") if p.stem != "default_config")


def _board(name, where):
    if name not in board_names():
        raise Refused("%s: no boards/%s.json; the boards are %s (a new board is a new file there)"
                      % (where, name, ", ".join(board_names())))
    return name


def config_text(board, path=None):
    """The config.json to deploy: ``path``'s document with ``board`` set, or the defaults for
    ``board``. Raises Refused when the file is unreadable, broken, contradicts ``board`` or
    fails the firmware's validator."""
    from socbar import config as schema

    if path is None:
        doc = json.loads((BOARDS / "default_config.json").read_text())
        doc["board"] = _board(board or "pico", "--board")
    else:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise Refused("cannot read %s: %s" % (path, exc.strerror or exc)) from None
        except UnicodeDecodeError:
            raise Refused("%s is not a text file; give a JSON configuration" % path) from None
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise Refused("%s is not valid JSON (%s); fix it, the board would run on defaults"
                          % (path, exc)) from None
        if not isinstance(doc, dict):
            raise Refused("%s is not a JSON object; see docs/firmware.md for the keys" % path)
        named = doc.get("board")
        if board is not None and named is not None and named != board:
            raise Refused('--board %s contradicts "board": %s in %s; give only one of them'
                          % (board, json.dumps(named), path))
        if named is None:
            doc["board"] = board or "pico"
        _, messages = schema.validate(doc)
        if messages:  # what the board would print at start-up, and then run on defaults
            raise Refused("%s: %s" % (path, " | ".join(messages)))
        _board(doc["board"], "%s: board" % path)
    return json.dumps(doc, indent=2) + "\n"


def commands(port, config_file, mpy=MPY, display=False):
    """The mpremote invocations, in order, as argument lists: one chain, so that the board is
    soft-reset once, before the keeper starts."""
    compiled = sorted(p.relative_to(mpy) for p in mpy.rglob("*.mpy"))
    if not compiled:
        raise Refused("no .mpy files in %s: the build made none" % mpy)
    folders = sorted({p.parent.as_posix() for p in compiled if p.parent.parts} | {"boards"})
    stale = [p.with_suffix(".py").as_posix() for p in compiled]
    base = MPREMOTE + ["connect", port]
    keep = _KEEP % KEEPER.read_text()
    chain = base + ["exec", "exec(%r)" % (keep + _PREPARE % (folders, stale)), "+"]  # one line
    for rel in compiled:
        chain += ["fs", "cp", str(mpy / rel), ":" + rel.as_posix(), "+"]
    for name in board_names():
        chain += ["fs", "cp", str(BOARDS / (name + ".json")), ":boards/%s.json" % name, "+"]
    if config_file is not None:
        chain += ["fs", "cp", str(config_file), ":config.json", "+"]
    for source in SOURCES:
        chain += ["fs", "cp", str(source), ":" + source.name, "+"]
    if display:
        chain += ["mip", "install", "ssd1306", "+"]
    return [chain + ["reset"]]  # a hard reset: the new firmware starts as after power-up


def probe(port, wait_s=PROBE_S):
    """Refused unless ``port`` opens and answers Ctrl-C with a MicroPython prompt within ``wait_s``."""
    import serial

    if port.startswith("/dev/") and not Path(port).exists():
        raise Refused("%s: no such port; plug the board in, or give its port (make deploy PORT=...)" % port)
    try:
        link = serial.Serial(port, 115200, timeout=0.1)
    except (serial.SerialException, ValueError) as exc:
        hint = "; on Linux join the dialout group" if "ermission" in str(exc) else ""
        raise Refused("cannot open %s: %s%s" % (port, exc, hint)) from None
    try:
        link.write(b"\r\x03\x03")  # Ctrl-C: stops the firmware, which leaves the REPL usable
        heard = b""
        end = time.monotonic() + wait_s
        while time.monotonic() < end:
            heard = (heard + link.read(256))[-512:]
            if b">>> " in heard or b"raw REPL" in heard:
                return
    except serial.SerialException as exc:
        raise Refused("%s: %s" % (port, exc)) from None
    finally:
        link.close()
    raise Refused("%s: no MicroPython prompt within %.0f s (%s); is this a USB-UART cable? Give the "
                  "board's own port (flashed as in docs/firmware.md)"
                  % (port, wait_s, "%d bytes heard" % len(heard) if heard else "silent"))


def _parser():
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", default="/dev/ttyACM0")
    parser.add_argument("--board", help="a boards/NAME.json (default: the config's, else pico)")
    parser.add_argument("--config", help="config.json to copy (default: the defaults for --board)")
    parser.add_argument("--keep-config", action="store_true", help="leave the board's config.json")
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    return parser


def deploy(args):
    if args.keep_config and (args.config or args.board):
        raise Refused("--keep-config keeps the board's own config.json; --%s contradicts it"
                      % ("config" if args.config else "board"))
    if args.board is not None:
        _board(args.board, "--board")
    text = None if args.keep_config else config_text(args.board, args.config)
    # With --keep-config the board's own config decides: have the driver there.
    display = text is None or json.loads(text).get("display", {}).get("enabled") is True
    import build_mpy

    try:
        build_mpy.build(MPY)
    except RuntimeError as exc:
        raise Refused("make mpy failed: %s" % exc) from None
    config_file = None
    if text is not None:
        STAGE.mkdir(parents=True, exist_ok=True)
        config_file = STAGE / "config.json"
        config_file.write_text(text)
    cmds = commands(args.port, config_file, MPY, display)
    if args.dry_run:
        for cmd in cmds:
            print(shlex.join(cmd))
        return 0
    probe(args.port)  # a few seconds; then mpremote at once: an old firmware's watchdog is waiting
    for cmd in cmds:
        print("deploy: copying %d files to %s, then a hard reset (about 90 s)" % (cmd.count("cp"), args.port),
              flush=True)
        try:
            done = subprocess.run(cmd, timeout=COMMAND_S)
        except subprocess.TimeoutExpired:
            raise Refused("mpremote did not finish within %d s; unplug the board, plug it in and "
                          "run make deploy again" % COMMAND_S) from None
        if done.returncode != 0:
            raise Refused("mpremote failed (exit %d); the board may hold a partial copy: run make "
                          "deploy again" % done.returncode)
    return 0


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        return deploy(args)
    except Refused as exc:
        print("deploy: %s" % exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("deploy: interrupted; the board may hold a partial copy: run make deploy again",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
