"""``tools/decode.py`` as a user runs it: captures and raw dumps in, JSON lines out.

Frames come from host_tests/frames.py (docs/protocol.md, a bit-by-bit reference CRC), and
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
TEMPS = bytes.fromhex("AA1B061601140116010E4E")  # docs/protocol.md: 27.8, 27.6, 27.8 degC
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


# ---- real files (issue 11, cases 9 to 11) ----------------------------------------------------


def test_auto_names_no_format_when_nothing_decoded(tmp_path):
    # Empty, random and CSV input: one line on stderr says so, with a hint; exit status 1.
    cases = {
        "empty.bin": (b"", "empty"),
        "random.bin": (bytes((i * 151 + 7) % 251 for i in range(3000)), "--hexdump"),
        "ride.csv": (b"Ah,V,A,S,D\r\n0.512,36.04,-0.50,21.30,7.251\r\n" * 3, "CSV"),
    }
    for name, (data, hint) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        proc, lines = run(path)
        assert proc.returncode == 1, name
        assert lines[-1]["summary"]["format"] is None and lines[-1]["summary"]["records"] == 0
        assert len(proc.stderr.splitlines()) == 1 and "nothing matched" in proc.stderr, proc.stderr
        assert hint in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr


def test_header_less_rows_of_another_count_name_the_setting(tmp_path):
    path = tmp_path / "seven.txt"
    path.write_bytes(b"1.5\t40\t2\t3\t4\t5\t6\n" * 4)
    proc, _ = run(path)
    assert proc.returncode == 1
    assert "7 columns" in proc.stderr and "cav3.columns" in proc.stderr
    config = tmp_path / "seven.json"
    config.write_text(json.dumps({"cav3": {"columns": ["Ah", "V", "A", "S", "D", "Deg", "RPM"]}}))
    proc, lines = run(path, "--config", config)
    assert proc.returncode == 0, proc.stderr
    assert lines[-1]["summary"]["records"] == 4  # the first row too: it began the file
    assert records(lines)[0]["temps_c"] == [None, 5, None]


def test_header_less_v2_slice_starting_mid_line(tmp_path):
    # Issue 11 case 1: a V2 stream joined mid-line, default configuration, auto-detected.
    rows = b"".join(b"0.%03d\t36.04\t-0.50\t21.30\t7.%03d\r\n" % (500 + i, 250 + i) for i in range(30))
    path = tmp_path / "v2.bin"
    path.write_bytes(rows[17:])
    proc, lines = run(path)
    assert proc.returncode == 0, proc.stderr
    recs = records(lines)
    assert len(recs) == 29 and recs[0]["ah_used"] == 0.501 and recs[-1]["ah_used"] == 0.529
    assert set(recs[0]["values"]) == {"Ah", "V", "A", "S", "D"}  # no V3 column appears as 0
    assert "temps_c" not in recs[0] and "preset" not in recs[0]


def test_records_of_a_capture_carry_their_time(tmp_path):
    chunks = [(1000, SOC_87_5), (2000, VOLTS[:3]), (2100, VOLTS[3:])]
    proc, lines = run(capture(tmp_path / "c.jsonl", chunks))
    assert [r["t_ms"] for r in records(lines)] == [1000, 2100]  # the chunk that completed it
    raw = tmp_path / "raw.bin"
    raw.write_bytes(SOC_87_5)
    proc, lines = run(raw)
    assert "t_ms" not in records(lines)[0]  # a raw dump has no times


def test_hexdump_shows_ascii_and_starts_rows_at_line_starts(tmp_path):
    raw = tmp_path / "ca.bin"
    raw.write_bytes(CA_HEADER + CA_ROW_1 + CA_ROW_2)
    proc = subprocess.run([sys.executable, str(DECODE), str(raw), "--hexdump"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    rows = proc.stdout.splitlines()
    starts = [int(row[:8], 16) for row in rows[:-1] if "frame" in row or "line" in row]
    assert starts == [0, len(CA_HEADER), len(CA_HEADER) + len(CA_ROW_1)]
    assert "|Ah.V.A.S.D.Deg.R|" in rows[0]


def test_plot_draws_only_what_the_stream_has(tmp_path):
    # SOC frames alone, no errors: one panel (figure height 3 inches at 100 dpi).
    chunks = [(i * 1000, frame(0x1A, struct.pack("<I", 90_000_000 - i * 100_000))) for i in range(10)]
    out = tmp_path / "soc.png"
    proc, lines = run(capture(tmp_path / "c.jsonl", chunks), "--plot", out)
    assert proc.returncode == 0, proc.stderr
    assert image_of(out).shape[0] == 300


def test_plot_of_nothing_writes_no_picture(tmp_path):
    empty = tmp_path / "empty.jsonl"
    capture(empty, [])
    out = tmp_path / "none.png"
    for fmt in ("auto", "tinybms"):
        proc, _ = run(empty, "--plot", out, "--format", fmt)
        assert proc.returncode == 1
        assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
        assert not out.exists()
