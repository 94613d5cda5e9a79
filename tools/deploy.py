"""make deploy: copy the compiled firmware, main.py, the board files and a config.json to a board.

    python tools/deploy.py --port /dev/ttyACM0 --board pico [--config FILE | --keep-config] [--dry-run]

Run ``make mpy`` first (``make deploy`` does). Files land at the root of the
board's filesystem: the .mpy modules (socbar/, hw/, app.mpy, console.mpy),
main.py as source (the board runs main.py only as source), every pin map
under boards/, and config.json: the given file, or the default configuration
with ``board`` set. ``--keep-config`` leaves the board's own config.json.
Stale .py copies of compiled modules are removed first, because a .py next
to its .mpy is the one that would be imported. When the configuration turns
the display on, micropython-lib's ssd1306 driver is installed with mip.
Everything goes through the venv's mpremote.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MPY = ROOT / "build" / "mpy"
BOARDS = ROOT / "boards"
MAIN = ROOT / "firmware" / "main.py"
MPREMOTE = [sys.executable, "-m", "mpremote"]

# Runs on the board first: makes the folders (if missing) and removes the .py
# sources that would shadow the .mpy files.
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


def board_names():
    return sorted(p.stem for p in BOARDS.glob("*.json") if p.stem != "default_config")


def config_text(board, path=None):
    """The config.json to deploy: ``path``'s text, or the defaults with ``board`` set."""
    if path is not None:
        return Path(path).read_text()
    doc = json.loads((BOARDS / "default_config.json").read_text())
    doc["board"] = board
    return json.dumps(doc, indent=2) + "\n"


def commands(port, config_file, mpy=MPY):
    """The mpremote invocations, in order, as argument lists."""
    compiled = sorted(p.relative_to(mpy) for p in mpy.rglob("*.mpy"))
    if not compiled:
        raise SystemExit("no .mpy files in %s: run make mpy first" % mpy)
    folders = sorted({p.parent.as_posix() for p in compiled if p.parent.parts} | {"boards"})
    stale = [p.with_suffix(".py").as_posix() for p in compiled]
    base = MPREMOTE + ["connect", port]
    cmds = [base + ["exec", _PREPARE % (folders, stale)]]
    copy = list(base)
    for rel in compiled:
        copy += ["fs", "cp", str(mpy / rel), ":" + rel.as_posix(), "+"]
    for name in board_names():
        copy += ["fs", "cp", str(BOARDS / (name + ".json")), ":boards/%s.json" % name, "+"]
    if config_file is not None:
        copy += ["fs", "cp", str(config_file), ":config.json", "+"]
    copy += ["fs", "cp", str(MAIN), ":main.py"]
    cmds.append(copy)
    return cmds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", default="/dev/ttyACM0")
    parser.add_argument("--board", default="pico", choices=board_names())
    parser.add_argument("--config", help="config.json to copy (default: the defaults for --board)")
    parser.add_argument("--keep-config", action="store_true", help="leave the board's config.json")
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    args = parser.parse_args(argv)
    display = True  # with --keep-config the board's own config decides: have the driver there
    text = None
    if not args.keep_config:
        try:
            text = config_text(args.board, args.config)
            doc = json.loads(text)
        except OSError as exc:
            raise SystemExit("deploy: cannot read %s: %s" % (args.config, exc.strerror or exc)) from None
        except ValueError as exc:
            raise SystemExit("deploy: %s is not valid JSON (%s); fix it, the board would run on "
                             "defaults" % (args.config, exc)) from None
        section = doc.get("display") if isinstance(doc, dict) else None
        display = isinstance(section, dict) and section.get("enabled") is True
    with tempfile.TemporaryDirectory() as tmp:
        config_file = None
        if text is not None:
            config_file = Path(tmp) / "config.json"
            config_file.write_text(text)
        cmds = commands(args.port, config_file)
        if display:
            cmds.append(MPREMOTE + ["connect", args.port, "mip", "install", "ssd1306"])
        cmds.append(MPREMOTE + ["connect", args.port, "reset"])
        for cmd in cmds:
            print(" ".join(cmd[2:]))
            if not args.dry_run:
                subprocess.run(cmd, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
