"""``tools/decode.py`` as a user runs it: captures and raw dumps in, JSON lines out.

Frames come from host_tests/frames.py (protocol.md, a bit-by-bit reference CRC), and
every expected value is worked out from the protocol's units by hand.
"""

import json
import struct
import subprocess
import sys
from pathlib import Path

from frames import frame

ROOT = Path(__file__).resolve().parent.parent
DECODE = ROOT / "tools" / "decode.py"

SOC_87_5 = frame(0x1A, struct.pack("<I", 87_500_000))  # 87.5 % in 0.000001 % units
VOLTS = frame(0x14, struct.pack("<f", 53.25))  # exactly representable: 53.25 V
STATUS_DISCHARGING = frame(0x18, struct.pack("<H", 0x93))
TEMPS = bytes.fromhex("AA1B061601140116010E4E")  # protocol.md: 27.8, 27.6, 27.8 degC
JUNK = b"\x00\x11\x22\x33\x44"  # no 0xAA: five bytes skipped

CA_HEADER = b"Ah\tV\tA\tS\tD\tDeg\tRPM\tHW\tNm\tThI\tThO\tAuxA\tAuxD\tFlgs\r\n"
CA_ROW_1 = b"0.05\t52.31\t-4.2\t23.4\t1.234\t27.5\t0\t0\t0.0\t0.84\t0.84\t0.00\t0\t1\r\n"
CA_ROW_2 = b"0.061\t52.18\t12.04\t25.1\t1.301\t27.6\t61\t120\t9.3\t1.52\t1.43\t0.00\t0\t1\r\n"


def run(*args):
    command = [sys.executable, str(DECODE), *map(str, args)]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=str(ROOT))
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return proc, lines


def capture(path, chunks, baud=115200):
    """A capture file as docs/capture-format.md describes it."""
    with open(path, "w") as f:
        f.write(json.dumps({"socbar_capture": 1, "baud": baud, "source": "test"}) + "\n")
        for t, data in chunks:
            f.write(json.dumps({"t": t, "rx": data.hex()}) + "\n")
    return path


def records(lines):
    return [line for line in lines if "summary" not in line]


def test_tinybms_capture_with_frames_split_across_chunks(tmp_path):
    stream = JUNK + SOC_87_5 + VOLTS + STATUS_DISCHARGING + TEMPS
    chunks = [(i * 10, stream[i : i + 3]) for i in range(0, len(stream), 3)]  # every frame cut up
    proc, lines = run(capture(tmp_path / "c.jsonl", chunks))
    assert proc.returncode == 0, proc.stderr
    recs = records(lines)
    assert [r["format"] for r in recs] == ["tinybms"] * 4
    assert recs[0]["soc_pct"] == 87.5
    assert recs[1]["voltage_v"] == 53.25
    assert recs[2]["status"] == "discharging"
    assert recs[3]["temps_c"] == [27.8, 27.6, 27.8]
    assert lines[-1]["summary"]["records"] == 4
    assert lines[-1]["summary"]["bad_frames"] == 0
    assert lines[-1]["summary"]["skipped_bytes"] == len(JUNK)


def test_corrupted_frame_is_counted_and_the_next_one_still_decodes(tmp_path):
    broken = bytearray(SOC_87_5)
    broken[4] ^= 0x01  # one bit of the SOC flipped: the CRC no longer checks
    raw = tmp_path / "dump.bin"
    raw.write_bytes(bytes(broken) + TEMPS + SOC_87_5[:5] + VOLTS)  # and a truncated frame before VOLTS
    proc, lines = run(raw, "--format", "tinybms")
    assert proc.returncode == 0, proc.stderr
    recs = records(lines)
    assert [("temps_c" in r, r.get("voltage_v")) for r in recs] == [(True, None), (False, 53.25)]
    summary = lines[-1]["summary"]
    assert summary["records"] == 2
    assert summary["bad_frames"] >= 2  # the flipped bit and the truncated frame


def test_cav3_raw_dump_auto_detected(tmp_path):
    raw = tmp_path / "ca.txt"
    raw.write_bytes(b"1.2\t52.0\t-3\r\n" + CA_HEADER + CA_ROW_1 + CA_ROW_2 + CA_ROW_1)  # starts mid-line
    proc, lines = run(raw)
    assert proc.returncode == 0, proc.stderr
    recs = records(lines)
    assert len(recs) == 3 and {r["format"] for r in recs} == {"cav3"}
    keys = ("voltage_v", "current_a", "ah_used", "speed")
    assert [recs[0][k] for k in keys] == [52.31, -4.2, 0.05, 23.4]
    assert [recs[1][k] for k in keys] == [52.18, 12.04, 0.061, 25.1]
    assert lines[-1]["summary"]["records"] == 3


def field(name, offset, width, endian, mul):
    desc = {"name": name, "offset": offset, "width": width, "endian": endian}
    desc.update(signed=False, mul=mul, div=1)
    return desc


def test_custom_description_from_a_config_file(tmp_path):
    # A made-up broadcast: 55 AA, SOC in whole percent, pack volts in 0.01 V big-endian, sum8.
    desc = {
        "sync": "55AA",
        "length": 6,
        "checksum": "sum8",
        "checksum_start": 2,
        "fields": [
            field("soc", 2, 1, "little", 10**6),
            field("voltage_mv", 3, 2, "big", 10),
        ],
    }
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"custom": desc}))

    def custom(soc, centivolts):
        body = bytes((soc, centivolts >> 8, centivolts & 0xFF))
        return b"\x55\xaa" + body + bytes((sum(body) & 0xFF,))

    bad = bytearray(custom(40, 5000))
    bad[5] ^= 0xFF
    raw = tmp_path / "custom.bin"
    raw.write_bytes(custom(73, 5123) + bytes(bad) + custom(72, 5110))
    proc, lines = run(raw, "--format", "custom", "--config", config)
    assert proc.returncode == 0, proc.stderr
    recs = records(lines)
    assert [(r["soc_pct"], r["voltage_v"]) for r in recs] == [(73, 51.23), (72, 51.1)]
    assert lines[-1]["summary"]["bad_frames"] == 1


def test_missing_file_is_one_line_and_status_2(tmp_path):
    proc, lines = run(tmp_path / "nope.jsonl")
    assert proc.returncode == 2
    assert lines == []
    assert len(proc.stderr.strip().splitlines()) == 1 and "nope.jsonl" in proc.stderr


def test_broken_capture_keeps_what_was_decoded(tmp_path):
    path = capture(tmp_path / "c.jsonl", [(0, SOC_87_5), (10, TEMPS)])
    with open(path, "a") as f:
        f.write('{"t": 20, "rx": "aa1')  # the recorder was killed mid-line
    proc, lines = run(path)
    assert proc.returncode == 2
    assert len(records(lines)) == 2 and lines[-1]["summary"]["records"] == 2
    assert len(proc.stderr.strip().splitlines()) == 1


def test_hexdump_marks_frames_and_unknown_bytes(tmp_path):
    raw = tmp_path / "dump.bin"
    raw.write_bytes(JUNK + SOC_87_5 + JUNK[:2])
    proc = subprocess.run(
        [sys.executable, str(DECODE), str(raw), "--format", "tinybms", "--hexdump"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    rows = proc.stdout.splitlines()
    assert rows[0].startswith("00000000  00 11 22 33 44") and "unknown (5 bytes)" in rows[0]
    assert rows[1].startswith("00000005  AA 1A") and '"soc_pct": 87.5' in rows[1]
    assert rows[2].startswith("0000000d  00 11") and "unknown (2 bytes)" in rows[2]
    assert json.loads(rows[-1])["summary"]["records"] == 1


def image_of(path):
    """The pixels of a PNG, read back with matplotlib."""
    import matplotlib.image

    return matplotlib.image.imread(str(path))


def test_plot_draws_a_png(tmp_path):
    chunks = []
    for i in range(20):
        soc = frame(0x1A, struct.pack("<I", 90_000_000 - i * 1_000_000))
        chunks.append((i * 1000, soc + VOLTS + (b"\xaa\x1a\x00" if i == 7 else b"")))
    out = tmp_path / "plot.png"
    proc, lines = run(capture(tmp_path / "c.jsonl", chunks), "--plot", out)
    assert proc.returncode == 0, proc.stderr
    assert lines[-1]["summary"]["records"] == 40
    pixels = image_of(out)
    assert pixels.shape[0] > 300 and pixels.shape[1] > 300
    assert pixels.std() > 0.01  # something was drawn, not a blank canvas


def simulate(path, *args):
    """A capture from the BMS model (tools/bms_sim.py), as a user would make one."""
    command = [sys.executable, str(ROOT / "tools" / "bms_sim.py"), "--capture", str(path), *map(str, args)]
    subprocess.run(command, check=True, timeout=60, cwd=str(ROOT))
    return path


def test_simulated_socbar_capture_round_trips_with_noise(tmp_path):
    # 10 Ah pack at 90 %, 10 A out: 10 A for 1 s is 1/360 Ah, 0.02778 % of the pack.
    path = simulate(tmp_path / "sim.jsonl", "--seconds", 60, "--broadcast", "socbar", "--soc", 90,
                    "--current-ma", -10000, "--capacity-mah", 10000, "--ignition", "--noise", 0.01)
    out = tmp_path / "sim.png"
    proc, lines = run(path, "--plot", out)
    assert proc.returncode == 0, proc.stderr
    socs = [r["soc_pct"] for r in records(lines)]
    summary = lines[-1]["summary"]
    assert len(socs) == summary["records"] and 40 <= len(socs) < 60  # one a second, a few lost to noise
    assert summary["bad_frames"] > 0
    assert socs == sorted(socs, reverse=True)
    assert 89.9 < socs[0] < 90 and 88.3 < socs[-1] < 88.5  # 60 s drain: 1.667 %
    assert image_of(out).std() > 0.01


def test_simulated_cycle_analyst_capture_round_trips(tmp_path):
    path = simulate(tmp_path / "ca.jsonl", "--seconds", 20, "--broadcast", "cav3", "--current-ma", -10000,
                    "--ignition")
    proc, lines = run(path)
    assert proc.returncode == 0, proc.stderr
    recs = records(lines)
    assert len(recs) == 20 and {r["format"] for r in recs} == {"cav3"}
    used = [r["ah_used"] for r in recs]
    assert used == sorted(used) and 0.05 <= used[-1] <= 0.056  # 10 A for 20 s: 0.0556 Ah
    assert all(r["current_a"] == 10 for r in recs)  # the CA logs a discharge as positive amps
    assert lines[-1]["summary"] == {"format": "cav3", "records": 20, "bad_frames": 0, "skipped_bytes": 0}
