"""Collects and runs the core tests once under MicroPython for pytest.

``test_pc_micropython.py`` turns each MicroPython test into a pytest item, so
one pytest run reports both interpreters test by test.
"""

import mpy_host

SUMMARY = ""
_results = None


def test_ids():
    """The ids the runner would run, or the runner's error as one id."""
    try:
        proc = mpy_host.run(["host_tests/mpy_runner.py", "--list"], timeout=120)
    except (RuntimeError, OSError) as exc:
        return ["<runner: %s>" % exc]
    ids = []
    for line in proc.stdout.splitlines():
        if line.startswith("FAIL "):
            ids.append(line[5:])  # a module that does not even import
        elif line and not line.startswith(" "):
            ids.append(line)
    if proc.returncode != 0 and not ids:
        ids.append("<runner exit %d: %s>" % (proc.returncode, proc.stderr.strip()))
    return ids


def results():
    """Run the whole suite once; map each id to (status, detail)."""
    global _results, SUMMARY
    if _results is None:
        proc = mpy_host.run(["host_tests/mpy_runner.py"])
        _results = {}
        current = None
        for line in proc.stdout.splitlines():
            if line.startswith(("PASS ", "FAIL ", "SKIP ")):
                status, _, rest = line.partition(" ")
                test_id, _, reason = rest.partition(": ") if status == "SKIP" else (rest, "", "")
                current = [status, reason]
                _results[test_id] = current
            elif line.startswith("micropython:"):
                SUMMARY = line
            elif current is not None:
                current[1] += line + "\n"
        if not SUMMARY:
            SUMMARY = "micropython: runner died (exit %d)" % proc.returncode
            _results["<stderr>"] = ["FAIL", proc.stderr]
    return _results
