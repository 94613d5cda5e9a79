"""``make sim`` serves the dashboard: the address printed at start answers, a busy port is refused."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sim import free_port

ROOT = Path(__file__).resolve().parent.parent
SIM = [sys.executable, str(ROOT / "tools" / "sim.py")]


def test_interactive_sim_prints_the_address_and_serves_the_data():
    proc = subprocess.Popen(SIM, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=str(ROOT))
    try:
        url = None
        for _ in range(5):
            line = proc.stdout.readline()
            if "http://127.0.0.1:" in line:
                url = line[line.index("http://"):].strip()
                break
        assert url is not None and url.endswith("/"), "no dashboard address printed"
        end = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(url + "state.json", timeout=5) as answer:
                    data = json.loads(answer.read())
                if data["state"] == "live":
                    break
            except OSError:
                pass
            assert time.monotonic() < end, "the simulated firmware never showed live on the dashboard"
            time.sleep(0.2)
        assert data["format"] == "tinybms" and data["soc"] is not None
        with urllib.request.urlopen(url, timeout=5) as answer:
            assert answer.headers["Content-Type"].startswith("text/html")
            assert b"/state.json" in answer.read()
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()


def test_busy_port_is_one_line_and_status_2():
    port = free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen(1)
        proc = subprocess.run(SIM + ["--port", str(port)], stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=60, cwd=str(ROOT))
    assert proc.returncode == 2
    assert proc.stderr.startswith("sim: --port %d: cannot listen there" % port)
    assert proc.stderr.count("\n") == 1
