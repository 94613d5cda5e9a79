"""firmware/main.py as the board runs it, under the MicroPython unix port with the fakes.

Each test makes a board filesystem in a temporary directory (config.json and
boards/), runs a small driver there that sets the key input, imports main,
feeds the fake UART and steps the App on the fake machine's virtual clock,
and reads back one JSON line of what the hardware saw.
"""

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import frames
import pytest

ROOT = Path(__file__).resolve().parent.parent
MICROPYTHON = ROOT / ".venv" / "bin" / "micropython"
PATH = ":".join(str(ROOT / p) for p in ("firmware", "host_tests/fakes", "host_tests", "pclib", "bench"))

DRIVER = textwrap.dedent("""
    import json
    import sys

    import machine

    KEY, MS = int(sys.argv[1]), int(sys.argv[2])
    DATA = bytes.fromhex(sys.argv[3])
    machine.reset_fakes()
    board = json.load(open("boards/%s.json" % sys.argv[4]))
    out_pin = int(sys.argv[5]) if len(sys.argv) > 5 else board["ignition_out"]
    machine.Pin(board["ignition_in"]).set_external(KEY)
    import main
    early = machine.Pin(out_pin).value()
    logs = []
    app = main.start(clock=machine.clock.ticks_ms, log=logs.append)
    uart = machine.uarts[board["uart_id"]]
    for t in range(MS):
        if t % 1000 == 0:
            uart.inject(DATA)
        machine.clock.advance(1)
        app.step()
    from socbar.states import STATE_NAMES
    print(json.dumps({
        "early": early,
        "out": machine.Pin(out_pin).value(),
        "state": STATE_NAMES[app.state],
        "soc": app.bms.soc,
        "lit": app.bar.lit,
        "tx": len(uart.tx),
        "baud": uart.config["baudrate"],
        "feeds": len(machine.WDT.instance.feeds),
        "wdt_expired": machine.WDT.instance.expired(),
        "logs": logs,
        "errors": app.console.errors,
    }))
""")


def board_fs(tmp_path, config=None):
    (tmp_path / "boards").mkdir(parents=True)
    for f in (ROOT / "boards").glob("*.json"):
        if f.name != "default_config.json":
            shutil.copy(f, tmp_path / "boards" / f.name)
    if config is not None:
        (tmp_path / "config.json").write_text(config if isinstance(config, str) else json.dumps(config))
    (tmp_path / "driver.py").write_text(DRIVER)
    return tmp_path


def run(fs, key=1, ms=3000, data=b"", board="pico", out_pin=None, path=PATH):
    args = [str(MICROPYTHON), "driver.py", str(key), str(ms), data.hex(), board]
    if out_pin is not None:
        args.append(str(out_pin))
    proc = subprocess.run(args, cwd=str(fs), env={"MICROPYPATH": path}, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


SOC_80 = frames.frame(0x1A, frames.u32le(80_000_000)) + frames.frame(0x18, frames.u16le(0x93))


def test_boots_listens_and_shows_soc(tmp_path):
    out = run(board_fs(tmp_path, {"input": {"format": "tinybms", "baud": 115200}}), data=SOC_80)
    assert out["early"] == 1  # the key was on: the output followed before the app was built
    assert out["out"] == 1
    assert (out["state"], out["soc"], out["lit"]) == ("live", 80_000_000, 8)
    assert out["tx"] == 0  # listen mode never writes
    assert out["errors"] == 0
    assert out["feeds"] >= 2990 and not out["wdt_expired"]
    assert any("bytes of heap in use" in line for line in out["logs"])


def test_key_off_at_boot_keeps_the_output_off(tmp_path):
    out = run(board_fs(tmp_path, {}), key=0, ms=500)
    assert (out["early"], out["out"]) == (0, 0)
    assert out["state"] == "asleep"


def test_missing_config_means_defaults_without_a_word(tmp_path):
    out = run(board_fs(tmp_path), data=SOC_80, ms=4000)
    assert not [line for line in out["logs"] if line.startswith("config")]
    assert out["soc"] == 80_000_000  # format and rate auto-detected
    assert out["tx"] == 0


def test_broken_config_runs_on_defaults_and_says_so(tmp_path):
    out = run(board_fs(tmp_path, '{"bar": {"segments": 10'), data=SOC_80, ms=4000)
    assert any("not valid JSON" in line for line in out["logs"])
    assert out["soc"] == 80_000_000


def test_poll_mode_asks_with_the_key_on(tmp_path):
    out = run(board_fs(tmp_path, {"input": {"mode": "poll"}}), ms=1000)
    assert out["tx"] >= 4 * 6  # one round, the first request twice (nobody answers)
    assert out["baud"] == 115200


def test_pins_override_moves_the_ignition_output(tmp_path):
    fs = board_fs(tmp_path, {"pins": {"ignition_out": 22}})
    out = run(fs, key=1, ms=100, out_pin=22)
    assert (out["early"], out["out"]) == (1, 1)


def test_other_boards_boot(tmp_path):
    out = run(board_fs(tmp_path, {"board": "rp2040_zero"}), ms=200, board="rp2040_zero")
    assert out["errors"] == 0


# --- packaging -----------------------------------------------------------------


def firmware_files():
    return sorted(p.relative_to(ROOT / "firmware").as_posix() for p in (ROOT / "firmware").rglob("*.py")
                  if "__pycache__" not in p.parts)


def test_mpy_build_compiles_every_module_for_the_rp2040(tmp_path):
    import build_mpy

    built = build_mpy.build(tmp_path / "mpy")
    names = sorted(p.relative_to(tmp_path / "mpy").with_suffix(".py").as_posix() for p in built)
    assert names == [f for f in firmware_files() if f not in ("main.py", "boot.py")]
    for p in built:
        head = p.read_bytes()[:4]
        assert head[0:2] == b"M\x06", p  # .mpy version 6, MicroPython 1.29
    # The viper CRC became native code for armv6m (arch 4 in the top six bits of byte 2).
    assert (tmp_path / "mpy" / "socbar" / "crc.mpy").read_bytes()[2] >> 2 == 4


def test_compiled_firmware_boots_on_the_host(tmp_path):
    import platform

    import build_mpy

    if platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip("mpy-cross has no native code target for this CPU")
    build_mpy.build(tmp_path / "mpy", arch="x64")  # the same build, for the host's CPU
    fs = board_fs(tmp_path / "fs", {"input": {"format": "tinybms", "baud": 115200}})
    shutil.copy(ROOT / "firmware" / "main.py", fs / "main.py")
    path = ":".join([str(tmp_path / "mpy"), str(ROOT / "host_tests/fakes"), str(ROOT / "host_tests")])
    out = run(fs, data=SOC_80, path=path)
    assert (out["state"], out["soc"], out["lit"]) == ("live", 80_000_000, 8)


def test_package_json_lists_every_firmware_file_and_the_boards():
    doc = json.loads((ROOT / "package.json").read_text())
    urls = dict(doc["urls"])
    assert sorted(k for k in urls if k.endswith(".py")) == firmware_files()
    for target, url in urls.items():
        # Relative to package.json, as mip resolves them.
        assert url == ("firmware/" if target.endswith(".py") else "") + target
        assert (ROOT / url).is_file(), url
    boards = sorted(p.name for p in (ROOT / "boards").glob("*.json") if p.name != "default_config.json")
    assert sorted(k for k in urls if k.startswith("boards/")) == ["boards/" + b for b in boards]
    assert ["ssd1306", "latest"] in doc["deps"]


def test_deploy_copies_mpy_main_boards_and_config(tmp_path):
    import build_mpy
    import deploy

    mpy = tmp_path / "mpy"
    build_mpy.build(mpy)
    config = tmp_path / "config.json"
    config.write_text(deploy.config_text("xiao_rp2040"))
    assert json.loads(config.read_text())["board"] == "xiao_rp2040"
    (chain,) = deploy.commands("/dev/ttyACM9", config, mpy)  # one chain: one soft reset
    assert chain[-2:] == ["+", "reset"]  # mpremote's hard reset: the firmware starts as after power-up
    assert chain[chain.index("connect") + 1] == "/dev/ttyACM9"
    assert chain[chain.index("connect") + 2] == "exec"  # the keeper and the clean-up come first
    script = chain[chain.index("connect") + 3]
    targets = [chain[i + 2] for i in range(len(chain)) if chain[i] == "cp"]
    assert ":main.py" in targets and ":config.json" in targets and ":app.mpy" in targets
    assert ":socbar/tinybms.mpy" in targets and ":boards/pico.json" in targets
    assert ":boot.py" in targets  # keeps a running watchdog fed while the REPL has the board
    assert not [t for t in targets if t.endswith(".py") and t not in (":main.py", ":boot.py")]
    assert "app.py" in script  # a stale source would shadow its .mpy


KEEPER_DRIVER = """
import sys

import machine

machine.reset_fakes()
machine.watchdog_resets = True
if sys.argv[1] == "running":
    machine.WDT(timeout=4000)  # an old firmware's watchdog, after mpremote's Ctrl-C and soft reset
exec(open("deploy_exec.py").read())
try:
    machine.clock.advance(90000)  # the copy
    print("no reset", machine.WDT.instance is not None)
except machine.ChipReset:
    print("reset")
"""


@pytest.mark.parametrize("watchdog", ["running", "stopped"])
def test_deploy_keeps_any_running_watchdog_fed_for_the_whole_copy(tmp_path, watchdog):
    # The first command of the chain, as the board runs it: even a firmware without boot.py is
    # kept, and a board without a running watchdog gets none.
    import build_mpy
    import deploy

    if not MICROPYTHON.exists():
        pytest.skip("no MicroPython unix port in .venv")
    build_mpy.build(tmp_path / "mpy")
    (chain,) = deploy.commands("/dev/ttyACM9", None, tmp_path / "mpy")
    (tmp_path / "deploy_exec.py").write_text(chain[chain.index("exec") + 1])
    (tmp_path / "driver.py").write_text(KEEPER_DRIVER)
    proc = subprocess.run([str(MICROPYTHON), "driver.py", watchdog], cwd=str(tmp_path),
                          env={"MICROPYPATH": PATH}, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["no", "reset", "True" if watchdog == "running" else "False"]


def test_deploy_refuses_a_broken_config_with_one_line(tmp_path, capsys):
    import deploy

    bad = tmp_path / "config.json"
    bad.write_text('{"display": ')
    assert deploy.main(["--config", str(bad), "--dry-run"]) == 2
    out, err = capsys.readouterr()
    assert "config.json is not valid JSON" in err and len(err.splitlines()) == 1
    assert "mpremote" not in out  # nothing would have run


def test_deploy_prepare_script_runs_on_micropython(tmp_path):
    import deploy

    (tmp_path / "hw").mkdir()
    (tmp_path / "hw" / "uart.py").write_text("stale")
    (tmp_path / "app.py").write_text("stale")
    script = deploy._PREPARE % (["boards", "hw", "socbar"], ["app.py", "hw/uart.py", "console.py"])
    subprocess.run([str(MICROPYTHON), "-c", script], cwd=str(tmp_path), check=True, timeout=30)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boards", "hw", "socbar"]
    assert list((tmp_path / "hw").iterdir()) == []


def test_rejected_pin_override_still_passes_the_key_through(tmp_path):
    # The early boot reads the raw override (GPIO 2, which is also the LED strip's pin) and
    # drives it; validation refuses the clash, so the board's GPIO 21 is the output after all.
    fs = board_fs(tmp_path, {"pins": {"ignition_out": 2}})
    out = run(fs, key=1, ms=100, out_pin=21)
    assert out["out"] == 1
    assert any("pins.ignition_out" in line for line in out["logs"])


def test_a_new_board_is_a_new_file(tmp_path):
    # No code names the boards: a pin map of one's own, dropped into boards/, is used as it is.
    fs = board_fs(tmp_path, {"board": "my_board"})
    doc = json.loads((ROOT / "boards" / "pico.json").read_text())
    doc.update(name="my board", ignition_in=16, ignition_out=17)
    (fs / "boards" / "my_board.json").write_text(json.dumps(doc))
    out = run(fs, key=1, ms=200, board="my_board")
    assert (out["early"], out["out"]) == (1, 1)  # GP17 follows GP16 from the first statements on
    assert out["errors"] == 0 and not [line for line in out["logs"] if line.startswith("config")]
    assert any(line.startswith("socbar: my board") for line in out["logs"])


def test_a_board_without_its_file_runs_on_the_pico_pins_and_says_so(tmp_path):
    out = run(board_fs(tmp_path, {"board": "nosuch"}), key=1, ms=200, board="pico")
    assert out["out"] == 1
    assert any("boards/nosuch.json not found" in line for line in out["logs"])
