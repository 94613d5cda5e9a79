"""``make bench``: what the core costs, measured under the MicroPython unix port.

    python3 tools/bench.py [--out build/bench.json]

Runs tools/bench_mpy.py once with a heap the size of an RP2040's free RAM,
then searches the smallest heap the App workload still runs in (the peak
heap: the unix port's own counters include freed garbage). Prints a table
and writes every figure to build/bench.json. Times only make sense as ratios
within one run; the allocation figures are exact.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "host_tests"))

import mpy_host  # noqa: E402

HEAP = "192k"  # free heap of MicroPython on an RP2040 at start-up, roughly
FIT_STEP = 512


def run_bench():
    proc = mpy_host.run(["-X", "heapsize=" + HEAP, "tools/bench_mpy.py"], timeout=600)
    if proc.returncode != 0:
        raise SystemExit("bench_mpy.py failed:\n%s%s" % (proc.stdout, proc.stderr))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fits(size):
    proc = mpy_host.run(["-X", "heapsize=%d" % size, "tools/bench_mpy.py", "--fit"], timeout=120)
    return proc.returncode == 0 and "fit ok" in proc.stdout


def peak_heap():
    """Smallest heap, to FIT_STEP bytes, in which the App workload runs; None without an App."""
    hi = 192 * 1024
    if not fits(hi):
        return None
    lo = 4 * 1024
    while hi - lo > FIT_STEP:
        mid = (lo + hi) // 2
        if fits(mid):
            hi = mid
        else:
            lo = mid
    return hi


def rows(r):
    """(figure, value, target) rows of the table."""
    out = [("heap after importing the decoder and decoding the first frame (bytes)",
            r["heap_after_first_frame"], "")]
    for name in ("tinybms", "cav3", "custom"):
        d = r[name]
        if "missing" in d:
            out.append(("%s decoder" % name, "not measured: " + d["missing"], ""))
            continue
        unit = "line" if name == "cav3" else "frame"
        figure = "%s: heap bytes per %s, %d %ss" % (name, unit, d["frames"], unit)
        out.append((figure, d["alloc_per_frame"], 0))
        out.append(("%s: decode time / bare loop over the same bytes" % name, d["vs_bare_loop"], ""))
    t = r["tinybms"]
    out.append(("reference decoder: heap bytes per frame", t["reference_alloc_per_frame"], ""))
    out.append(("reference decoder time / core decoder time", t["reference_vs_core"], ""))
    a = r["app"]
    if "missing" in a:
        out.append(("App", "not measured: " + a["missing"], ""))
    else:
        out.append(("App: heap bytes per loop pass, %d passes" % a["passes"], a["alloc_per_pass"], 0))
        out.append(("App: heap bytes to build it (bytes)", a["heap_app_built"], ""))
        out.append(("App: frame's last byte -> LED write (virtual ms, 1 pass/ms)", a["latency_ms"], ""))
        out.append(("App: CPU time of that pass (us, unix port)", a["latency_step_us"], ""))
        out.append(("App: bytes written to the UART in listen mode", a["uart_written"], 0))
    out.append(("peak heap of the App workload (bytes, smallest -X heapsize)", r["peak_heap"], ""))
    out.append(("harness allocation (must be 0 for the figures to hold)", r["harness_bytes"], 0))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "build" / "bench.json"))
    args = parser.parse_args(argv)
    results = run_bench()
    results["heap"] = HEAP
    results["peak_heap"] = peak_heap()
    print("%s, -X heapsize=%s" % (results["interpreter"], HEAP))
    for figure, value, target in rows(results):
        print("%-72s %12s %s" % (figure, value, "" if target == "" else "(target %s)" % target))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    print("written to %s" % out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
