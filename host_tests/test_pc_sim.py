"""``tools/sim.py --json``: every scenario shows what docs/protocol.md section 6 says it must.

Each scenario runs the real firmware under the MicroPython unix port against
the BMS model, as a subprocess, exactly as a user or a script would run it.
All of them start at once and run side by side to keep the file quick.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SIM = ROOT / "tools" / "sim.py"

# Virtual seconds per scenario: long enough for the story, short enough to be quick.
SECONDS = {"discharge": 40, "sleep": 14, "unplug": 16, "noise": 12, "charge": 8, "fault": 13}

SOC_STATES = ("live", "charging", "full", "regen", "empty")


@pytest.fixture(scope="module")
def runs():
    procs = {
        name: subprocess.Popen(
            [sys.executable, str(SIM), "--scenario", name, "--seconds", str(seconds), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=str(ROOT),
        )
        for name, seconds in SECONDS.items()
    }
    out = {}
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, "%s: exit %s\n%s" % (name, proc.returncode, stderr)
        out[name] = [json.loads(line) for line in stdout.splitlines()]
    return out


def states(lines, after_ms=0):
    """The display states in order, repeats folded, from ``after_ms`` on."""
    seq = []
    for line in lines:
        if line["t_ms"] >= after_ms and (not seq or seq[-1] != line["state"]):
            seq.append(line["state"])
    return seq


def test_lines_have_the_documented_fields(runs):
    for name, lines in runs.items():
        assert lines, name
        last = -1
        for line in lines:
            assert set(line) == {"t_ms", "state", "soc_pct", "lit", "ignition_in", "ignition_out"}, line
            assert line["t_ms"] > last, (name, line)  # one line per change, in time order
            last = line["t_ms"]
            if line["state"] not in SOC_STATES:
                assert line["soc_pct"] is None and line["lit"] == 0, (name, line)


def test_discharge_steps_down_and_blanks_at_zero(runs):
    lines = runs["discharge"]
    live = [line for line in lines if line["state"] == "live"]
    assert live[0]["soc_pct"] >= 95 and live[0]["lit"] == 10
    lits = [line["lit"] for line in live]
    assert lits == sorted(lits, reverse=True) and len(set(lits)) >= 8  # the bar steps down
    socs = [line["soc_pct"] for line in live]
    assert socs == sorted(socs, reverse=True)
    end = lines[-1]
    assert end["state"] == "empty" and end["lit"] == 0 and end["soc_pct"] == 0


def test_sleep_ends_asleep_and_blank(runs):
    lines = runs["sleep"]
    assert "live" in states(lines)
    after_key_off = [line for line in lines if line["t_ms"] >= 3000]
    assert all(not line["ignition_in"] and not line["ignition_out"] for line in after_key_off[1:])
    end = lines[-1]
    assert end["state"] == "asleep" and end["lit"] == 0 and end["soc_pct"] is None
    assert "link_lost" not in states(lines, 3000)  # key off: silence means asleep, not a fault


def test_unplug_shows_link_lost_never_the_last_soc(runs):
    lines = runs["unplug"]
    assert states(lines)[-1] == "live"  # plugged back in at 12 s
    unplugged = [line for line in lines if 3000 <= line["t_ms"] < 12000]
    assert "link_lost" in [line["state"] for line in unplugged]
    assert "asleep" not in [line["state"] for line in unplugged]  # the key is on: not asleep
    for line in unplugged:
        assert line["state"] in ("live", "stale", "link_lost"), line
        if line["state"] == "link_lost":
            assert line["lit"] == 0 and line["soc_pct"] is None
    assert unplugged[-1]["state"] == "link_lost"


def test_noise_keeps_the_bar_live(runs):
    lines = runs["noise"]
    seq = states(lines)
    assert seq[seq.index("live"):] == ["live"]
    assert lines[-1]["lit"] > 0 and lines[-1]["soc_pct"] > 0


def test_charge_shows_charging(runs):
    lines = runs["charge"]
    assert states(lines, 0)[-1] == "charging"
    assert "charging" not in states([line for line in lines if line["t_ms"] < 3000])


def test_fault_shows_fault_then_recovers(runs):
    lines = runs["fault"]
    seq = states(lines)
    assert "fault" in seq
    assert seq.index("fault") > seq.index("live")
    faults = [line for line in lines if line["state"] == "fault"]
    assert 3000 <= faults[0]["t_ms"] < 10000
    assert seq[-1] == "live"  # cleared at 10 s


def test_target_uart_releases_bytes_at_the_line_rate():
    from sim_target import PipeUart

    # 115200 bit/s, 10 bits a byte (8N1): 11.52 bytes a millisecond.
    uart = PipeUart(115200)
    uart.deliver(bytes(range(200)))
    assert uart.any() == 0
    uart.elapse(1)
    assert uart.any() == 11
    buf = bytearray(8)
    assert uart.readinto(buf) == 8 and buf == bytes(range(8))
    uart.elapse(9)  # 10 ms in all: 115 bytes clocked in, 8 of them read
    assert uart.any() == 107
    uart.elapse(100)
    assert uart.any() == 192  # no more than was sent
    uart.set_baud(9600)  # 0.96 bytes a millisecond once idle time is not banked
    uart.deliver(b"\x01\x02\x03")
    uart.elapse(2)
    assert uart.any() == 192 + 1


def test_target_uart_records_what_the_app_sends():
    from sim_target import PipeUart

    uart = PipeUart()
    uart.write(bytearray(b"\xaa\x18\x00\x00"), 2)
    uart.write(b"\x01")
    assert bytes(uart.tx) == b"\xaa\x18\x01"


# --- the interactive side, without a terminal ------------------------------------------------


def session(name):
    import sim
    from scenarios import SCENARIOS

    pytest.importorskip("bms_sim")
    return sim.Session(SCENARIOS[name])


def play(s, ms):
    for _ in range(ms // 50):
        s.step()


def test_without_a_keyboard_the_run_ends_and_says_so():
    proc = subprocess.run([sys.executable, str(SIM), "--scenario", "sleep", "--seconds", "8"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("sleep: Key off")  # the scenario, as the docs show it
    assert "> key off" in proc.stdout  # what the scenario's action did
    assert "asleep" in proc.stdout and "\x1b" not in proc.stdout  # log lines, no screen codes
    assert lines[-1] == "sleep ended after 8 s (no keyboard: the scenario played alone)"


def test_the_title_wraps_instead_of_being_cut():
    import sim

    s = session("unplug")
    try:
        play(s, 100)
        about = s.scenario.about
        wide = sim.screen(s, False, width=200)
        assert about in wide[0]
        narrow = sim.screen(s, False, width=50)
        title = " ".join(line.strip() for line in narrow[:3])
        assert about in title and max(len(line) for line in narrow[:3]) <= 50
    finally:
        s.close()


def test_the_status_line_and_the_display_page_agree():
    import sim

    for name, ms in (("unplug", 16000), ("charge", 8000), ("sleep", 10000)):
        s = session(name)
        try:
            before = None
            for _ in range(ms // 50):
                r = s.step()
                if r["state"] == before:  # steady for a whole chunk: the page has caught up
                    soc = sim.soc_pct(r["state"], r["soc"])
                    assert r["page"][3] == r["state"], (name, r["t"])
                    assert r["page"][0] == ("SOC --" if soc is None else "SOC %.1f%%" % soc), (name, r["t"])
                before = r["state"]
        finally:
            s.close()


def test_a_parked_vehicle_draws_no_load():
    s = session("drive")
    try:
        play(s, 2000)
        assert s.bms.pack_current_ma < 0  # riding: the load
        s.act("key")
        play(s, 500)
        charge = s.bms.soc
        assert s.bms.pack_current_ma == 0
        play(s, 3000)
        assert s.bms.soc == charge
    finally:
        s.close()


ACTIONS = ("key", "unplug", "noise", "charge", "fault", "sleep")
WHY = ("cannot see", "stays awake", "already", "when the BMS wakes")


@pytest.mark.parametrize("name", ["drive", "sleep", "unplug", "charge"])
def test_every_key_shows_something_or_says_why_not(name):
    # What a user sees: the bar, the state, the page, and the BMS line of the status.
    import sim

    def seen(s):
        r = s.last
        return r["frame"], r["state"], tuple(r["page"][:1] + r["page"][3:4]), sim.screen(s, False, 300)[7]

    for action in ACTIONS:
        s = session(name)
        try:
            play(s, 6000)
            was = seen(s)
            s.act(action)
            assert s.note, action
            play(s, 4000)
            if seen(s) == was:
                assert any(why in s.note for why in WHY), (name, action, s.note)
        finally:
            s.close()
