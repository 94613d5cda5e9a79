"""Ctrl-C, the REPL and a second ``make deploy`` onto a board that runs the firmware.

The whole sequence runs under the MicroPython unix port with the fake machine,
whose watchdog resets the modelled chip when starved and whose soft reset ends
every Timer (as the rp2 port does): the firmware runs, mpremote interrupts it,
the user sits at the REPL, mpremote soft-resets into the raw REPL (boot.py
runs, main.py does not), copies files for as long as a real deploy takes, and
resets the board, which then boots the firmware again; then Ctrl-C and Ctrl-D
once more, and at last a hung loop, which the watchdog must still reset.
"""

import json
import subprocess
import textwrap

import pytest
from test_pc_main import MICROPYTHON, PATH, board_fs

DRIVER = textwrap.dedent("""
    import json
    import sys

    import machine

    WITH_BOOT = sys.argv[1] == "1"
    board = json.load(open("boards/pico.json"))
    machine.reset_fakes()
    KEY = machine.Pin(board["ignition_in"])
    OUT = machine.Pin(board["ignition_out"])
    machine.watchdog_resets = True
    KEY.set_external(1)
    seen = {"resets": []}
    FIRMWARE = ("main", "startup", "app", "line", "poll", "console", "boot", "hw", "socbar")


    class Hung(Exception):
        pass


    def forget_firmware():
        # A reset clears the interpreter: the next import runs the modules afresh.
        for name in list(sys.modules):
            if name.split(".")[0] in FIRMWARE:
                del sys.modules[name]


    def advance(ms, phase):
        try:
            machine.clock.advance(ms)
        except machine.ChipReset as exc:
            seen["resets"].append((phase, str(exc)))
            return False
        return True


    def firmware(ms, interrupt=False, hang=False):
        # boot.py then main.py, as after a reset; the loop runs ms passes of 1 ms each.
        import boot  # noqa: F401
        seen.setdefault("keeper_at_boot", []).append("hw.keeper" in sys.modules)
        import main
        app = main.start(clock=machine.clock.ticks_ms, log=lambda line: None)
        end = machine.clock.now + ms
        step = app.step

        def stepping():
            machine.clock.advance(1)
            if machine.clock.now >= end:
                if interrupt:
                    raise KeyboardInterrupt  # Ctrl-C from mpremote
                raise Hung()
            step()

        app.step = stepping
        app.uart.wait = lambda ms, early: None  # the passes above are 1 ms apart already
        try:
            main.main(app)  # returns to the REPL after Ctrl-C
        except Hung:
            pass
        except machine.ChipReset as exc:
            seen["resets"].append(("firmware", str(exc)))


    # 1. The firmware runs for 3 s, then mpremote's Ctrl-C stops it.
    firmware(3000, interrupt=True)
    # 2. The user's REPL, idle for 30 s; the key goes off and on meanwhile.
    advance(10000, "repl")
    KEY.set_external(0)
    advance(9, "repl")
    seen["out_before_debounce"] = OUT.value()
    advance(11, "repl")
    seen["out_after_debounce"] = OUT.value()
    KEY.set_external(1)
    advance(20000, "repl")
    seen["out_end_of_repl"] = OUT.value()
    # 3. make deploy: soft reset into the raw REPL, boot.py, 90 s of copying, hard reset.
    machine.soft_reset()
    forget_firmware()
    if WITH_BOOT:
        import boot  # noqa: F401
        seen["keeper_at_boot"].append("hw.keeper" in sys.modules)
    copied = 0
    for _ in range(90):
        with open("copied.bin", "w") as f:
            f.write("x" * 100)
        if not advance(1000, "copy"):
            break
        copied += 1
    seen["copied_s"] = copied
    try:
        machine.reset()
    except machine.ChipReset:
        pass
    forget_firmware()
    # 4. The new firmware boots and runs 5 s; Ctrl-C again, 20 s at the REPL, then Ctrl-D there:
    # boot.py and main.py run, and the loop's own watchdog takes over from the keeper.
    firmware(5000, interrupt=True)
    advance(20000, "repl again")
    machine.soft_reset()
    forget_firmware()
    firmware(5000)
    # 5. The loop hangs: the keeper must not hide it.
    seen["feeds_after_deploy"] = len(machine.WDT.instance.feeds)
    seen["out_after_deploy"] = OUT.value()
    advance(9000, "hang")
    print(json.dumps(seen))
""")


def run(tmp_path, with_boot):
    if not MICROPYTHON.exists():
        pytest.skip("no MicroPython unix port in .venv")
    fs = board_fs(tmp_path)
    (fs / "driver.py").write_text(DRIVER)
    proc = subprocess.run([str(MICROPYTHON), "driver.py", "1" if with_boot else "0"], cwd=str(fs),
                          env={"MICROPYPATH": PATH}, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout.splitlines()[-1]), proc.stdout


def test_interrupt_repl_redeploy_and_the_watchdog_still_guards_the_loop(tmp_path):
    seen, out = run(tmp_path, with_boot=True)
    assert "socbar: stopped" in out  # the firmware says what it left running
    # The REPL and the whole deploy ran without a reset; the passthrough kept following the key
    # (debounce 10 ms, then within 10 ms) while the REPL had the board.
    assert seen["out_before_debounce"] == 1 and seen["out_after_debounce"] == 0
    assert seen["out_end_of_repl"] == 1
    assert seen["copied_s"] == 90
    assert seen["resets"] == [["hang", "watchdog"]]  # only the hung loop, after the deploy
    assert seen["feeds_after_deploy"] > 9000  # two runs of the loop, a feed a pass
    assert seen["out_after_deploy"] == 1
    # boot.py keeps its keeper loaded only while a watchdog runs: after power-up and after the
    # deploy's hard reset it is dropped; into the deploy and after Ctrl-D it keeps the board.
    assert seen["keeper_at_boot"] == [False, True, False, True]


def test_without_boot_py_the_watchdog_cuts_the_deploy_short(tmp_path):
    # What the chip showed before boot.py existed: the soft reset ends the keeper's timer and the
    # watchdog resets the board in the middle of the copy.
    seen, _ = run(tmp_path, with_boot=False)
    assert seen["resets"][0] == ["copy", "watchdog"]
    assert seen["copied_s"] < 10
