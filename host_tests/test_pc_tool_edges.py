"""Every PC tool at its edges: Ctrl-C, a reader that goes away, an output it cannot write, a
number of seconds that is no number, a malformed configuration. One line on stderr (or none,
for a closed pipe) and a meaningful exit status; never a traceback."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cli
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "socbar.jsonl"


def tool(name, *args, **kwargs):
    return subprocess.run([sys.executable, str(ROOT / "tools" / (name + ".py")), *map(str, args)],
                          capture_output=True, text=True, timeout=120, **kwargs)


def one_line(proc, status):
    assert proc.returncode == status, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 or (status == 2 and lines[0].startswith("usage:") and len(lines) == 2), lines
    return lines[-1]


@pytest.fixture
def a_file(tmp_path):
    """A plain file: any path below it cannot be created, even by root."""
    path = tmp_path / "plain"
    path.write_text("")
    return path


# --- numbers of seconds ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-5", "0", "soon"])
@pytest.mark.parametrize("argv", [
    ["bms_sim", "--capture", "{tmp}/x.jsonl", "--seconds"],
    ["capture", "/dev/ttyNOSUCH", "{tmp}/x.jsonl", "--seconds"],
    ["sim", "--json", "--seconds"],
], ids=["bms_sim", "capture", "sim"])
def test_seconds_must_be_a_number_above_zero(tmp_path, argv, value):
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv[1:]] + [value]
    line = one_line(tool(argv[0], *args), 2)
    assert "--seconds" in line
    assert not (tmp_path / "x.jsonl").exists()  # refused before anything was written


def test_bms_sim_refuses_nonsense_model_values(tmp_path):
    for args in (["--noise", "2"], ["--drop", "nan"], ["--sleep-after-ms", "-5"], ["--soc", "150"],
                 ["--cells", "40"]):
        one_line(tool("bms_sim", "--capture", tmp_path / "x.jsonl", "--seconds", "1", *args), 2)


# --- outputs that cannot be written ---------------------------------------------------------


def test_outputs_that_cannot_be_written_are_named(a_file):
    cases = [
        ("bms_sim", "--capture", a_file / "x.jsonl", "--seconds", "1"),
        ("decode", SAMPLE, "--plot", a_file / "x.png"),
        ("render", "--out", a_file / "pictures"),
    ]
    for argv in cases:
        line = one_line(tool(*argv), 2)
        assert str(a_file) in line, line


def test_capture_to_an_unwritable_file(a_file):
    master, slave = os.openpty()  # a port that opens: only the output fails
    try:
        line = one_line(tool("capture", os.ttyname(slave), a_file / "x.jsonl", "--seconds", "1"), 2)
        assert str(a_file) in line
    finally:
        os.close(master)
        os.close(slave)


# --- a malformed configuration --------------------------------------------------------------


def test_decode_refuses_a_config_that_is_not_json(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"custom": ')
    proc = tool("decode", SAMPLE, "--config", bad)
    line = one_line(proc, 2)
    assert "bad.json is not valid JSON" in line
    assert proc.stdout == ""  # nothing was decoded on a configuration the user did not mean
    bad.write_text("[1]")
    assert "not a JSON object" in one_line(tool("decode", SAMPLE, "--config", bad), 2)
    assert "cannot read" in one_line(tool("decode", SAMPLE, "--config", tmp_path / "none.json"), 2)


def test_decode_names_a_wrong_key_and_carries_on(tmp_path):
    odd = tmp_path / "odd.json"
    odd.write_text('{"barr": 1}')
    proc = tool("decode", SAMPLE, "--config", odd)
    assert proc.returncode == 0
    assert "barr" in proc.stderr and "Traceback" not in proc.stderr
    assert '"summary"' in proc.stdout.splitlines()[-1]


# --- a reader that goes away ------------------------------------------------------------


@pytest.mark.parametrize("argv", [
    ["decode", SAMPLE],
    ["decode", SAMPLE, "--hexdump"],
    ["sim", "--json", "--seconds", "600"],
    ["render", "--out", "{tmp}"],
], ids=["decode", "hexdump", "sim", "render"])
def test_a_closed_pipe_ends_quietly(tmp_path, argv):
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in argv[1:]]
    proc = subprocess.Popen([sys.executable, str(ROOT / "tools" / (argv[0] + ".py")), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()  # `| head -1`
    proc.stdout.close()
    err = proc.stderr.read().decode()
    status = proc.wait(timeout=120)
    assert "Traceback" not in err and "Error" not in err, err
    assert status in (0, cli.BROKEN_PIPE)


# --- Ctrl-C -----------------------------------------------------------------------------


def interrupt(argv, after_s=1.5, first_line=False):
    proc = subprocess.Popen([sys.executable, str(ROOT / "tools" / (argv[0] + ".py")), *map(str, argv[1:])],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if first_line:
        proc.stdout.readline()
    time.sleep(after_s)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    return proc.returncode, err


def test_ctrl_c_in_the_simulator_is_one_line():
    status, err = interrupt(["sim", "--json", "--seconds", "100000"])
    assert status == cli.INTERRUPTED and err.strip() == "sim: interrupted"


def test_ctrl_c_stops_the_pty_bms_cleanly():
    status, err = interrupt(["bms_sim", "--pty"], first_line=True)
    assert status == 0 and "Traceback" not in err
    assert "115200" in err and "asleep" in err  # it said what it does when it started


def test_ctrl_c_while_bms_setup_waits_for_an_answer():
    master, slave = os.openpty()  # a port nobody answers on
    try:
        status, err = interrupt(["bms_setup", os.ttyname(slave)], after_s=0.3)
    finally:
        os.close(master)
        os.close(slave)
    assert status == cli.INTERRUPTED and err.strip().endswith("bms_setup: interrupted"), err
    assert "Traceback" not in err


def test_the_shared_edges():
    def raises(exc):
        def main(argv):
            raise exc
        return main

    assert cli.run("x", raises(KeyboardInterrupt())) == cli.INTERRUPTED
    assert cli.run("x", raises(FileNotFoundError(2, "No such file or directory", "/a/b"))) == 2
    assert cli.run("x", lambda argv: 0) == 0
