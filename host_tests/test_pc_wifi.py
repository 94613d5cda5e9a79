"""main.py with Wi-Fi configured, as a Pico W runs it, under the MicroPython unix port.

The fake ``network`` records how the radio was set up; the dashboard server
listens on a real port of the host, and the driver fetches the data from it
while the App's passes run, all inside the one MicroPython process.
"""

import json
import socket
import subprocess
import textwrap

import pytest
from test_pc_main import MICROPYTHON, PATH, SOC_80, board_fs

DRIVER = textwrap.dedent("""
    import json
    import socket
    import sys

    import machine
    import network

    BOARD, DATA, PORT = sys.argv[1], bytes.fromhex(sys.argv[2]), int(sys.argv[3])
    machine.reset_fakes()
    network.reset_fakes()
    board = json.load(open("boards/%s.json" % BOARD))
    machine.Pin(board["ignition_in"]).set_external(1)
    import main
    logs = []
    app = main.start(clock=machine.clock.ticks_ms, log=logs.append)
    uart = machine.uarts[board["uart_id"]]
    for t in range(3000):
        if t % 1000 == 0:
            uart.inject(DATA)
        machine.clock.advance(1)
        app.step()
    out = {"logs": logs, "web": app.web is not None, "sleeper": app.sleeper is not None, "radio": {}}
    for interface, wlan in network.interfaces.items():
        out["radio"][str(interface)] = {"settings": wlan.settings, "active": wlan.active(),
                                       "config_first": wlan.activated_after_config, "joined": wlan.joined}
    if app.web is not None:
        c = socket.socket()
        c.connect(socket.getaddrinfo("127.0.0.1", PORT)[0][-1])
        c.send(b"GET /state.json HTTP/1.1\\r\\nHost: 192.168.4.1\\r\\n\\r\\n")
        c.setblocking(False)
        got = b""
        for t in range(500):
            machine.clock.advance(1)
            app.step()
            try:
                data = c.recv(4096)
            except OSError:
                continue
            if not data:
                break
            got += data
        c.close()
        out["response"] = got.decode()
    print(json.dumps(out))
""")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def boot(tmp_path, board, wifi):
    if not MICROPYTHON.exists():
        pytest.skip("no MicroPython unix port in .venv")
    port = free_port()
    fs = board_fs(tmp_path, {"board": board, "input": {"format": "tinybms", "baud": 115200},
                             "wifi": dict(wifi, port=port)})
    (fs / "driver.py").write_text(DRIVER)
    proc = subprocess.run([str(MICROPYTHON), "driver.py", board, SOC_80.hex(), str(port)], cwd=str(fs),
                          env={"MICROPYPATH": PATH}, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return dict(json.loads(proc.stdout.splitlines()[-1]), port=port)


AP_IF, STA_IF = "1", "0"  # the fake network's interface numbers


def test_pico_w_access_point_serves_the_dashboard(tmp_path):
    out = boot(tmp_path, "pico_w", {"mode": "ap", "ssid": "ebike", "password": "correct horse"})
    radio = out["radio"][AP_IF]
    assert radio["settings"] == {"ssid": "ebike", "key": "correct horse"}
    assert radio["active"] and radio["config_first"]  # the key is set before the radio starts
    assert "web: dashboard at http://192.168.4.1:%d/" % out["port"] in out["logs"]
    assert not any("correct horse" in line for line in out["logs"])
    assert out["web"] and not out["sleeper"]  # no light sleep with the radio on
    head, _, body = out["response"].partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 200 ")
    data = json.loads(body)
    assert (data["state"], data["soc"]) == ("live", 80_000_000)


def test_joining_a_network_does_not_wait_for_it(tmp_path):
    out = boot(tmp_path, "pico_w", {"mode": "join", "ssid": "home", "password": "12345678"})
    assert out["radio"][STA_IF]["joined"] == ["home", "12345678"]
    assert "web: dashboard at http://10.0.0.23:%d/" % out["port"] in out["logs"]
    assert out["response"].startswith("HTTP/1.1 200 ")


def test_board_without_radio_says_so_and_runs_without(tmp_path):
    out = boot(tmp_path, "pico", {"mode": "ap", "ssid": "ebike", "password": "correct horse"})
    assert not out["web"] and out["radio"] == {}
    assert any(line.startswith('config: wifi.mode: "ap", but the board "pico" has no Wi-Fi')
               and "pico_w" in line for line in out["logs"])
    assert out["sleeper"]


def test_open_access_point_is_refused(tmp_path):
    out = boot(tmp_path, "pico_w", {"mode": "ap", "ssid": "ebike", "password": ""})
    assert not out["web"] and out["radio"] == {}
    assert any(line.startswith("config: wifi.password: access-point mode needs a WPA2 password")
               for line in out["logs"])
