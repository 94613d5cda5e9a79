"""Bad input everywhere: a broken config.json or capture file never crashes anything.

A configuration gives messages that name the key and safe defaults; a broken
capture gives one line on stderr, exit status 2, and keeps what was decoded.
"""

import json
import subprocess
import sys
from pathlib import Path

import frames
import pytest
from socbar import config as schema

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = schema.validate({})[0]

BAD_CONFIGS = [
    ("empty file", "", ["empty"]),
    ("blank lines", "\n  \n", ["empty"]),
    ("invalid JSON", '{"bar": {"segments": 12,}', ["JSON"]),
    ("cut off", '{"bar": {"segm', ["JSON"]),
    ("not an object", "[1, 2, 3]", ["configuration"]),
    ("a number", "42", ["configuration"]),
    ("binary", "\x00\xff\xfe", ["JSON"]),
    ("wrong type", '{"bar": {"segments": "ten"}}', ["bar.segments"]),
    ("bool for int", '{"bar": {"segments": true}}', ["bar.segments"]),
    ("float for int", '{"timing": {"period_ms": 1000.5}}', ["timing.period_ms"]),
    ("section not an object", '{"bar": 7}', ["bar"]),
    ("unknown top key", '{"barr": {}}', ["barr"]),
    ("unknown nested key", '{"bar": {"segmnets": 10}}', ["bar.segmnets"]),
    ("out of range", '{"bar": {"segments": 100000}}', ["bar.segments"]),
    ("negative", '{"timing": {"period_ms": -5}}', ["timing.period_ms"]),
    ("bad enum", '{"input": {"mode": "write"}}', ["input.mode"]),
    ("pin out of range", '{"pins": {"uart_rx": 99}}', ["pins"]),
    ("pin wrong type", '{"pins": {"uart_rx": "GP1"}}', ["pins"]),
    ("bad colours", '{"bar": {"colors": [[0, 300, 0]]}}', ["bar.colors"]),
    ("bad custom", '{"custom": {"sync": "zz", "length": -1}}', ["custom"]),
    ("deep nesting", "[" * 50 + "]" * 50, ["configuration"]),
]


@pytest.mark.parametrize("label,text,names", BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_bad_config_gives_messages_and_a_complete_config(label, text, names):
    config, messages = schema.load(text)
    assert messages, label
    for name in names:
        assert any(name in message for message in messages), (name, messages)
    assert set(config) == set(DEFAULTS)
    for key, value in DEFAULTS.items():
        if isinstance(value, dict):
            assert set(config[key]) == set(value), key
    # What was wrong fell back to the default; what was right is kept.
    assert config["board"] == DEFAULTS["board"]
    assert all(isinstance(message, str) and "\n" not in message for message in messages)


def test_out_of_range_value_falls_back_to_its_default():
    config, _ = schema.load('{"bar": {"segments": 100000, "brightness": 32}}')
    assert config["bar"]["segments"] == DEFAULTS["bar"]["segments"]
    assert config["bar"]["brightness"] == 32


def app_with(text):
    import app as app_module
    from fake_line import Clock, Ignition, Leds, LineUart

    config, messages = schema.load(text)
    clock = Clock()
    logged = []
    uart = LineUart()
    leds = Leds(clock)
    app = app_module.App(config, uart, leds, Ignition(clock), clock,
                         log=lambda *args: logged.append(" ".join(str(a) for a in args)))
    for _ in range(2000):
        clock.tick()
        app.ignition_tick(clock.now)
        app.step()
    return app, config, messages, uart, leds


@pytest.mark.parametrize("label,text,names", BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_app_runs_on_the_safe_defaults(label, text, names):
    app, config, messages, uart, leds = app_with(text)
    assert messages
    assert len(app.bar.frame) == 3 * config["bar"]["segments"]
    # Silent BMS, ignition off: nothing lit, nothing sent.
    assert leds.writes == 0 or leds.dark()
    assert uart.written == 0


# --- tools/decode.py with broken capture files --------------------------------


def decode(path, *args):
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / "decode.py"), str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def header():
    return '{"socbar_capture": 1, "baud": 115200, "source": "test"}\n'


def chunk(t, data):
    return '{"t": %d, "rx": "%s"}\n' % (t, data.hex())


SOC1 = frames.frame(0x1A, frames.u32le(55000000))  # 55 %
SOC2 = frames.frame(0x1A, frames.u32le(54900000))  # 54.9 %


def records(stdout):
    return [json.loads(line) for line in stdout.splitlines()]


def test_capture_cut_off_mid_line(tmp_path):
    text = header() + chunk(0, SOC1) + chunk(100, SOC2)
    path = tmp_path / "cut.jsonl"
    path.write_text(text + text.splitlines()[-1][:17])  # a third chunk line, cut off
    proc = decode(path, "--format", "tinybms")
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "line 4" in proc.stderr
    out = records(proc.stdout)
    assert [r.get("soc_pct") for r in out[:-1]] == [55, 54.9]
    assert out[-1]["summary"]["records"] == 2


@pytest.mark.parametrize(
    "label,line",
    [
        ("not json", "hello\n"),
        ("odd hex", '{"t": 5, "rx": "aa1"}\n'),
        ("not hex", '{"t": 5, "rx": "zz"}\n'),
        ("negative time", '{"t": -1, "rx": "aa"}\n'),
        ("array", "[1, 2]\n"),
    ],
)
def test_broken_chunk_line_is_one_line_error(tmp_path, label, line):
    path = tmp_path / "broken.jsonl"
    path.write_text(header() + chunk(0, SOC1) + line + chunk(200, SOC2))
    proc = decode(path, "--format", "tinybms")
    assert proc.returncode == 2, label
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "line 3" in proc.stderr
    out = records(proc.stdout)
    assert out and "summary" in out[-1], "nothing printed before the error: %r" % proc.stdout
    assert out[-1]["summary"]["records"] == 1


def test_broken_line_during_format_detection_keeps_what_was_decoded(tmp_path):
    # --format auto (the default): the line breaks while the detector is still probing.
    path = tmp_path / "broken.jsonl"
    path.write_text(header() + chunk(0, SOC1) + "hello\n" + chunk(200, SOC2))
    proc = decode(path)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    out = records(proc.stdout)
    assert out and "summary" in out[-1], "nothing printed before the error: %r" % proc.stdout
    assert out[-1]["summary"]["records"] == 1


def test_wrong_capture_version_is_one_line_error(tmp_path):
    path = tmp_path / "future.jsonl"
    path.write_text('{"socbar_capture": 99, "baud": 115200}\n' + chunk(0, SOC1))
    proc = decode(path)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "line 1" in proc.stderr


def test_missing_and_directory_are_one_line_errors(tmp_path):
    for path in (tmp_path / "nothing-here.jsonl", tmp_path):
        proc = decode(path)
        assert proc.returncode == 2
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert "Traceback" not in proc.stderr


def test_bad_config_file_for_decode_gives_messages_not_a_crash(tmp_path):
    capture = tmp_path / "ok.jsonl"
    capture.write_text(header() + chunk(0, SOC1))
    config = tmp_path / "config.json"
    config.write_text('{"custom": {"length": "eight"}, "barr": 1')
    proc = decode(capture, "--config", str(config), "--format", "tinybms")
    assert proc.returncode == 2  # not JSON: refused in one line, as the README says
    assert "JSON" in proc.stderr and len(proc.stderr.splitlines()) == 1
    config.write_text('{"custom": {"length": "eight"}, "barr": 1}')
    proc = decode(capture, "--config", str(config), "--format", "tinybms")
    assert proc.returncode == 0  # JSON with wrong values: named, the defaults used, as on the board
    assert "custom" in proc.stderr and "barr" in proc.stderr
    assert records(proc.stdout)[-1]["summary"]["records"] == 1


# --- firmware/main.py booting with a broken config.json -------------------------

MAIN_DRIVER = """
import json
import sys

import machine

machine.reset_fakes()
board = json.load(open("boards/pico.json"))
machine.Pin(board["ignition_in"]).set_external(1)
import main

logs = []
app = main.start(clock=machine.clock.ticks_ms, log=logs.append)
for t in range(1500):
    machine.clock.advance(1)
    app.step()
print(json.dumps({"out": machine.Pin(board["ignition_out"]).value(), "errors": app.console.errors,
                  "tx": len(machine.uarts[board["uart_id"]].tx), "logs": logs}))
"""

# Documents that reach main.py's early ignition code before any validation.
MAIN_CONFIGS = [c for c in BAD_CONFIGS if c[0] != "bad custom"] + [
    ("ignition not an object", '{"ignition": 5}', ["ignition"]),
    ("ignition enabled as text", '{"ignition": {"enabled": "yes"}}', ["ignition.enabled"]),
    ("pins a list", '{"pins": [1, 2]}', ["pins"]),
    ("ignition pin out of range", '{"pins": {"ignition_out": 99}}', ["pins"]),
    ("ignition pin negative", '{"pins": {"ignition_in": -1}}', ["pins"]),
    ("ignition pin bool", '{"pins": {"ignition_in": true}}', ["pins"]),
    ("unknown board", '{"board": "esp32"}', ["board"]),
    ("board a number", '{"board": 7}', ["board"]),
]


@pytest.mark.parametrize("label,text,names", MAIN_CONFIGS, ids=[c[0] for c in MAIN_CONFIGS])
def test_main_boots_on_a_broken_config(tmp_path, label, text, names):
    (tmp_path / "boards").mkdir()
    for f in (ROOT / "boards").glob("*.json"):
        (tmp_path / "boards" / f.name).write_text(f.read_text())
    (tmp_path / "config.json").write_text(text)
    (tmp_path / "driver.py").write_text(MAIN_DRIVER)
    import mpy_host

    proc = subprocess.run([mpy_host.micropython(), "driver.py"], cwd=str(tmp_path), env=mpy_host.env(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = json.loads(proc.stdout.splitlines()[-1])
    assert out["errors"] == 0
    assert out["tx"] == 0
    assert out["out"] == 1, "the ignition output must follow the key on the board's default pins"
    said = " ".join(out["logs"])
    for name in names:
        assert name in said, (name, out["logs"])
