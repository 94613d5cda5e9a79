"""tools/deploy.py refuses, in one line and before anything is built or copied, what would
leave a board running on something else than the user asked for; and it never waits long on
a port that is not a MicroPython board."""

import json
import os
import shlex
import sys
import threading
import time

import build_mpy
import deploy
import pytest


@pytest.fixture
def builds(monkeypatch, tmp_path):
    """Record builds instead of running mpy-cross; the staged config goes to tmp_path."""
    made = []

    def build(out):
        made.append(out)
        (tmp_path / "mpy").mkdir(exist_ok=True)
        (tmp_path / "mpy" / "app.mpy").write_bytes(b"M\x06")
        return []

    monkeypatch.setattr(build_mpy, "build", build)
    monkeypatch.setattr(deploy, "MPY", tmp_path / "mpy")
    monkeypatch.setattr(deploy, "STAGE", tmp_path / "stage")
    return made


def refused(capsys, argv):
    assert deploy.main(argv) == 2
    out, err = capsys.readouterr()
    assert len(err.splitlines()) == 1 and err.startswith("deploy: "), err
    assert "Traceback" not in err and "mpremote" not in out
    return err


def write(tmp_path, doc):
    path = tmp_path / "my.json"
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return str(path)


def test_a_misspelt_key_is_refused_with_the_validators_words(tmp_path, capsys, builds):
    err = refused(capsys, ["--config", write(tmp_path, {"bar": {"segmnets": 8}}), "--dry-run"])
    assert "bar.segmnets" in err and "segments" in err  # the firmware's own message
    assert builds == []


def test_a_wrong_value_is_refused(tmp_path, capsys, builds):
    err = refused(capsys, ["--config", write(tmp_path, {"ignition": {"debounce_ms": -1}}), "--dry-run"])
    assert "ignition.debounce_ms" in err
    assert builds == []


def test_a_board_without_a_file_is_refused_and_the_boards_are_named(tmp_path, capsys, builds):
    err = refused(capsys, ["--config", write(tmp_path, {"board": "pico3"}), "--dry-run"])
    assert "boards/pico3.json" in err and "pico2" in err
    err = refused(capsys, ["--board", "pico3", "--dry-run"])
    assert "--board" in err and "boards/pico3.json" in err
    assert builds == []  # refused before anything was built


def test_board_and_config_together(tmp_path, capsys, builds):
    # A config without "board" gets --board's; one that names another board is a contradiction.
    assert deploy.main(["--board", "xiao_rp2040", "--config", write(tmp_path, {"bar": {"segments": 4}}),
                        "--dry-run"]) == 0
    staged = json.loads((tmp_path / "stage" / "config.json").read_text())
    assert staged["board"] == "xiao_rp2040" and staged["bar"] == {"segments": 4}
    capsys.readouterr()
    err = refused(capsys, ["--board", "pico", "--config", write(tmp_path, {"board": "pico2"}), "--dry-run"])
    assert "contradicts" in err and "pico2" in err


def test_keep_config_with_config_or_board_is_a_contradiction(tmp_path, capsys, builds):
    assert "--config" in refused(capsys, ["--keep-config", "--config", write(tmp_path, {}), "--dry-run"])
    assert "--board" in refused(capsys, ["--keep-config", "--board", "pico", "--dry-run"])
    assert builds == []


def test_unreadable_and_non_object_configs(tmp_path, capsys, builds):
    assert "cannot read" in refused(capsys, ["--config", str(tmp_path / "none.json"), "--dry-run"])
    assert "not a JSON object" in refused(capsys, ["--config", write(tmp_path, "[1, 2]"), "--dry-run"])
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00")
    assert "not a text file" in refused(capsys, ["--config", str(tmp_path / "bin.json"), "--dry-run"])


def test_dry_run_prints_commands_that_can_be_pasted(tmp_path, capsys, builds):
    assert deploy.main(["--board", "pico2", "--port", "/dev/ttyACM7", "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    cmds = [shlex.split(line) for line in lines]
    assert [c[:5] for c in cmds] == [[sys.executable, "-m", "mpremote", "connect", "/dev/ttyACM7"]]
    assert cmds[0][5] == "exec" and "os.mkdir" in cmds[0][6]  # the script survives the quoting
    chain = cmds[0]
    copied = {chain[i + 2]: chain[i + 1] for i, word in enumerate(chain) if word == "cp"}  # DST: SRC
    assert copied[":config.json"] == str(tmp_path / "stage" / "config.json")
    assert os.path.exists(copied[":config.json"])  # still there to be pasted
    assert json.loads(open(copied[":config.json"]).read())["board"] == "pico2"
    assert ":boot.py" in copied and ":main.py" in copied
    assert cmds[0][-1] == "reset"


def test_a_missing_port_is_one_line_and_quick(tmp_path, capsys, builds):
    start = time.monotonic()
    err = refused(capsys, ["--port", "/dev/ttyNOSUCH9"])
    assert "no such port" in err and "PORT=" in err
    assert time.monotonic() - start < 5


class Pty:
    """A serial port whose far end is this test: silent, a chattering BMS, or a MicroPython REPL."""

    def __init__(self, talk):
        self.master, slave = os.openpty()
        self.name = os.ttyname(slave)
        self._slave = slave
        self.stop = False
        self.heard = b""
        self.thread = threading.Thread(target=self._run, args=(talk,), daemon=True)
        self.thread.start()

    def _run(self, talk):
        import select

        while not self.stop:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    self.heard += os.read(self.master, 64)
                except OSError:
                    return
            if talk == "bms":
                os.write(self.master, bytes.fromhex("AA1A") + bytes(6))
            elif talk == "repl" and b"\x03" in self.heard:
                os.write(self.master, b"\r\nsocbar: stopped\r\n>>> ")
                self.heard = b""

    def close(self):
        self.stop = True
        self.thread.join(1)
        os.close(self.master)
        os.close(self._slave)


@pytest.mark.parametrize("talk", ["silent", "bms"])
def test_a_port_that_is_not_micropython_is_refused_within_seconds(capsys, builds, talk):
    port = Pty(talk)
    try:
        start = time.monotonic()
        err = refused(capsys, ["--port", port.name])
        assert "no MicroPython prompt" in err and "USB-UART" in err
        assert time.monotonic() - start < deploy.PROBE_S + 2
    finally:
        port.close()


def test_a_board_at_its_prompt_passes_the_probe():
    port = Pty("repl")
    try:
        deploy.probe(port.name)  # no exception: mpremote may go ahead
    finally:
        port.close()


def test_ctrl_c_is_one_line(monkeypatch, capsys, builds):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(deploy, "deploy", interrupted)
    assert deploy.main([]) == 130
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "interrupted" in err
