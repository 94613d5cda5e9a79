"""``make soak``: the whole App for hours of virtual time, faults injected.

    python3 bench/soak.py [--hours 24] [--seed 1] [--out build/soak.json]

Runs bench/soak_mpy.py under the MicroPython unix port (the checks are
described there), shows its progress, writes the summary to build/soak.json
and exits 1 on any violation or if the heap after a collection grew.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "pclib"))

import mpy_host  # noqa: E402

HEAP_SLACK = 1024  # bytes the collected heap may vary by between samples (fragments, not leaks)


def soak(hours, seed, progress=None):
    """Run the soak; return its summary with ``heap_growth`` and ``ok`` added."""
    proc = subprocess.Popen(
        [mpy_host.micropython(), "bench/soak_mpy.py", str(hours), str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=mpy_host.env(),
        cwd=str(ROOT),
        text=True,
    )
    summary = None
    heap = []
    for line in proc.stdout:
        obj = json.loads(line)
        if "summary" in obj:
            summary = obj["summary"]
            continue
        heap.append(obj["heap"])
        if progress is not None:
            progress(obj)
    err = proc.stderr.read()
    proc.wait()
    if summary is None:
        raise RuntimeError("soak_mpy.py died (exit %d): %s" % (proc.returncode, err.strip()))
    summary["heap"] = heap
    # The first sample follows start-up; later ones must stay level with the second.
    summary["heap_growth"] = max(heap[1:]) - heap[1] if len(heap) > 2 else 0
    summary["ok"] = summary["violations"] == 0 and summary["heap_growth"] <= HEAP_SLACK
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "build" / "soak.json"))
    args = parser.parse_args(argv)

    def progress(obj):
        line = "  %5d min  heap %6d  violations %d" % (obj["minute"], obj["heap"], obj["violations"])
        print(line, flush=True)

    summary = soak(args.hours, args.seed, progress)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
    for line in summary["first_violations"]:
        print("VIOLATION " + line)
    print("%g h virtual: %d violations, heap growth %d bytes, states %s; written to %s"
          % (args.hours, summary["violations"], summary["heap_growth"], summary["states"], out))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
