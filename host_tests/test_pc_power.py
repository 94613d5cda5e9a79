"""Low power as the board runs it: firmware/main.py under the MicroPython unix port with the fakes.

The fake ``lightsleep`` ends a slice at the first interrupt, as the RP2040
does: a running timer's tick, a pin edge. So these tests see what the chip
showed: a 2 ms ignition timer left running turned every 100 ms slice into
2 ms, and an RX edge interrupt armed while awake fires on every byte.
The driver paces the passes as ``App.run`` does (``wait_ms``).
"""

import json
import subprocess
import textwrap

from test_pc_main import MICROPYTHON, PATH, board_fs

DRIVER = textwrap.dedent("""
    import json
    import sys

    import machine

    MS, KEY_AT, EDGE_AT = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    machine.reset_fakes()
    board = json.load(open("boards/pico.json"))
    key = machine.Pin(board["ignition_in"])
    rx = machine.Pin(board["uart_rx"])
    out = machine.Pin(board["ignition_out"])
    key.set_external(0)
    rx.set_external(1)  # an idle UART line is high
    if KEY_AT >= 0:
        machine.clock.at(KEY_AT, lambda: key.set_external(1))
    if EDGE_AT >= 0:
        machine.clock.at(EDGE_AT, lambda: rx.set_external(0))  # a start bit
    import main
    app = main.start(clock=machine.clock.ticks_ms, log=lambda *a: None)
    armed_awake = 0
    while machine.clock.now < MS:
        app.step()
        if not app.sleeping and machine.wires[board["uart_rx"]].handler is not None:
            armed_awake += 1
        if app.wait_ms:
            machine.clock.advance(app.wait_ms)
    on = [t for t, v in out.history if v == 1]
    print(json.dumps({
        "sleeps": machine.sleeps, "slept": machine.slept, "sleeping": app.sleeping,
        "armed_awake": armed_awake, "out_on_at": on[0] if on else None,
        "wdt_expired": machine.WDT.instance.expired(),
    }))
""")


def run(tmp_path, ms, key_at=-1, edge_at=-1):
    fs = board_fs(tmp_path, {"input": {"format": "tinybms", "baud": 115200}})
    (fs / "power_driver.py").write_text(DRIVER)
    proc = subprocess.run([str(MICROPYTHON), "power_driver.py", str(ms), str(key_at), str(edge_at)],
                          cwd=str(fs), env={"MICROPYPATH": PATH}, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def test_every_slice_lasts_its_configured_length(tmp_path):
    # Key off, BMS silent: asleep after the boot grace (6 s), then 100 ms slices (defaults).
    out = run(tmp_path, 10_000)
    assert out["sleeping"]
    assert len(out["sleeps"]) >= 30
    assert set(out["sleeps"]) == {100}
    assert out["slept"] == out["sleeps"]  # no timer cut a slice short
    assert not out["wdt_expired"]


def test_the_rx_edge_interrupt_is_armed_only_around_a_slice(tmp_path):
    out = run(tmp_path, 10_000)
    assert out["armed_awake"] == 0


def test_the_key_ends_a_slice_and_the_output_follows_within_the_bound(tmp_path):
    key_at = 8_050  # inside a slice
    out = run(tmp_path, 9_000, key_at=key_at)
    assert min(out["slept"]) < 100  # the key edge woke the chip
    # Never before the 10 ms debounce, at most 10 ms after it (docs/protocol.md section 5).
    assert 10 <= out["out_on_at"] - key_at <= 20


def test_a_start_bit_ends_a_slice_and_keeps_the_board_awake(tmp_path):
    edge_at = 8_050
    out = run(tmp_path, 9_000, edge_at=edge_at)
    assert min(out["slept"]) < 100
    assert not out["sleeping"]  # awake for the link-lost time to hear whole frames
