"""The Tiny BMS model against docs/protocol.md: its frames, its physics, its sleep and its faults.

Expected values are worked out by hand in the comments; CRCs come from a
bit-by-bit CRC-16/MODBUS written here, independent of socbar.crc.
"""

import struct
import subprocess
import sys
import unittest
from pathlib import Path

import capturefile
from bms_sim import TinyBmsSim
from frames import from_hex as framed

ROOT = Path(__file__).resolve().parent.parent


def ask(sim, hexbody):
    """Send one request (CRC added) and return the answer."""
    sim.receive(framed(hexbody))
    return sim.advance(1)


def awake(**kw):
    kw.setdefault("broadcast", "none")
    kw.setdefault("ignition", True)
    return TinyBmsSim(**kw)


class ReferenceTest(unittest.TestCase):
    def test_reference_crc_matches_protocol_worked_examples(self):
        self.assertEqual(framed("AA1B"), bytes.fromhex("AA1B3F1B"))
        self.assertEqual(framed("AA0300050005"), bytes.fromhex("AA03000500058C13"))
        self.assertEqual(framed("AA10013B0002"), bytes.fromhex("AA10013B00022822"))


class AnswerTest(unittest.TestCase):
    def test_every_read_command_answers_with_its_length_and_a_good_crc(self):
        sim = awake(cells=13)
        # fixed answers: 3 header + payload + ... ; lengths from docs/protocol.md section 2
        lengths = {"14": 8, "15": 8, "16": 6, "17": 6, "18": 6, "1A": 8, "1B": 11,
                   "1C": 5 + 26, "1E": 5 + 5, "1F": 5 + 7, "20": 16}
        for cmd, length in lengths.items():
            reply = ask(sim, "AA" + cmd)
            self.assertEqual(len(reply), length, cmd)
            self.assertEqual(reply[:2], bytes.fromhex("AA" + cmd))
            self.assertEqual(reply, framed(reply[:-2].hex()), cmd)

    def test_soc_drains_as_capacity_and_current_say(self):
        # 10 Ah at 5 A for 36 s: 50 mAh = 0.5 % of the pack: 99.5 % = 99 500 000
        # = 0x05F5E100 (100 000 000) - 0x0007A120 (500 000) = 0x05EE3FE0
        sim = awake(capacity_mah=10000, soc_pct=100, current_ma=-5000)
        sim.advance(36000)
        self.assertEqual(ask(sim, "AA1A"), framed("AA1A E03FEE05"))
        self.assertEqual(ask(sim, "AA18"), framed("AA18 9300"))  # discharging

    def test_charger_fills_at_half_c_then_reports_full(self):
        # 0.5 C of 2 Ah = 1 A; from 99 % the last 20 mAh take 72 s
        sim = awake(capacity_mah=2000, soc_pct=99, current_ma=-3000)
        sim.charger = True
        sim.advance(36000)  # 10 mAh: 99.5 %
        self.assertEqual(sim.soc, 99_500_000)
        self.assertEqual(ask(sim, "AA18"), framed("AA18 9100"))
        self.assertEqual(struct.unpack("<f", ask(sim, "AA15")[2:6])[0], 1.0)
        sim.advance(36000)
        self.assertEqual(sim.soc, 100_000_000)
        self.assertEqual(ask(sim, "AA18"), framed("AA18 9200"))
        self.assertEqual(ask(sim, "AA15")[2:6], struct.pack("<f", 0.0))

    def test_status_follows_current_and_fault(self):
        sim = awake(soc_pct=50, current_ma=2000)
        self.assertEqual(ask(sim, "AA18"), framed("AA18 9600"))  # regeneration
        sim.current_ma = 0
        self.assertEqual(ask(sim, "AA18"), framed("AA18 9700"))  # idle
        sim.fault = True
        self.assertEqual(ask(sim, "AA18"), framed("AA18 9B00"))

    def test_empty_pack_stops_at_zero(self):
        # 100 mAh at 60 A: 6 s to empty; then the BMS has cut the load off
        sim = awake(capacity_mah=100, soc_pct=100, current_ma=-60000)
        sim.advance(10000)
        self.assertEqual(ask(sim, "AA1A"), framed("AA1A 00000000"))
        self.assertEqual(ask(sim, "AA18"), framed("AA18 9700"))

    def test_voltage_follows_soc_for_the_chemistry(self):
        # 13S NMC at rest: 4.2 V a cell full, 3.7 V at 40 %; cells spread +-8 mV
        full = awake(cells=13, soc_pct=100, current_ma=0)
        volts = struct.unpack("<f", ask(full, "AA14")[2:6])[0]
        self.assertTrue(13 * 4.192 <= volts <= 13 * 4.208, volts)
        mid = awake(cells=13, soc_pct=40, current_ma=0)
        volts = struct.unpack("<f", ask(mid, "AA14")[2:6])[0]
        self.assertTrue(13 * 3.692 <= volts <= 13 * 3.708, volts)
        lfp = awake(cells=16, chemistry="lifepo4", soc_pct=50, current_ma=0)
        cells = struct.unpack("<16H", ask(lfp, "AA1C")[3:-2])
        self.assertTrue(all(32820 <= c <= 32980 for c in cells), cells)  # 3.29 V +- 8 mV, in 0.1 mV

    def test_temperatures_as_protocol_layout(self):
        sim = awake(temp_c=25)
        reply = ask(sim, "AA1B")
        self.assertEqual(reply[:3], bytes.fromhex("AA1B06"))
        internal, ext1, ext2 = struct.unpack("<hhh", reply[3:9])
        self.assertEqual((internal, ext1, ext2), (250, 248, -32768))
        sim.advance(100_000)
        internal, ext1, _ = struct.unpack("<hhh", ask(sim, "AA1B")[3:9])
        self.assertNotEqual((internal, ext1), (250, 248))  # drifted
        self.assertTrue(150 <= internal <= 450 and 150 <= ext1 <= 450)

    def test_register_reads_agree_with_commands(self):
        sim = awake(cells=14, soc_pct=75, current_ma=0)
        soc = struct.pack("<I", 75_000_000)
        # Modbus 0x03, big-endian words, low word first: regs 46, 47
        lo, hi = soc[0] | soc[1] << 8, soc[2] | soc[3] << 8
        self.assertEqual(ask(sim, "AA03 002E 0002"), framed("AA03 04 %04X %04X" % (lo, hi)))
        # 0x07 little-endian block: regs 50 (status), 53 (cells)
        self.assertEqual(ask(sim, "AA07 01 3200"), framed("AA07 02 9700"))
        # 0x09 individual: 307 (cells) = 0x0133, 306 (capacity 0.01 Ah) = 1000 = 0x03E8
        self.assertEqual(ask(sim, "AA09 04 3301 3201"), framed("AA09 08 3301 0E00 3201 E803"))
        # a 14S pack leaves registers 0 and 1 at zero
        reply = ask(sim, "AA03 0000 0003")
        self.assertEqual(reply[3:7], bytes(4))
        self.assertTrue(reply[7] << 8 | reply[8] > 30000)
        # worked example shape: read 5 registers from 0x0005
        sim.receive(bytes.fromhex("AA03000500058C13"))
        self.assertEqual(sim.advance(1)[:3], bytes.fromhex("AA030A"))

    def test_nack_on_bad_crc_and_unknown_command(self):
        sim = awake()
        sim.receive(bytes.fromhex("AA180000"))
        self.assertEqual(sim.advance(1), framed("AA00 18 01"))
        sim.receive(framed("AA42"))
        self.assertEqual(sim.advance(1)[:4], bytes.fromhex("AA004200"))
        self.assertEqual(ask(sim, "AA03 018F 0002"), framed("AA00 03 00"))  # 399 and 400: too far

    def test_request_in_pieces_is_answered_once_complete(self):
        sim = awake()
        request = framed("AA18")
        sim.receive(b"\x00" + request[:2])
        self.assertEqual(sim.advance(5), b"")
        sim.receive(request[2:])
        self.assertEqual(sim.advance(1)[:2], b"\xaa\x18")

    def test_cut_off_request_is_forgotten(self):
        sim = awake()
        sim.receive(bytes.fromhex("AA0300"))  # the rest never comes
        sim.advance(100)
        self.assertEqual(ask(sim, "AA18"), framed("AA18 9300"))

    def test_register_bank_matches_the_commands(self):
        sim = awake(cells=13, soc_pct=30, current_ma=-8000)
        sim.advance(1000)
        regs = dict(sim.registers)
        soc = sim.soc
        volts = struct.unpack("<f", ask(sim, "AA14")[2:6])[0]  # answered at the same instant
        self.assertEqual(struct.unpack("<f", struct.pack("<HH", regs[36], regs[37]))[0], volts)
        self.assertEqual(struct.unpack("<f", struct.pack("<HH", regs[38], regs[39]))[0], -8.0)
        self.assertEqual(regs[46] | regs[47] << 16, soc)
        self.assertEqual((regs[50], regs[53], regs[307], regs[306]), (0x93, 13, 13, 1000))


class WriteTest(unittest.TestCase):
    def test_only_broadcast_registers_are_written(self):
        sim = awake()
        # docs/protocol.md's own example writes 315 and 316: refused
        sim.receive(bytes.fromhex("AA10013B000204106809C41961"))
        self.assertEqual(sim.advance(1), framed("AA00 10 00"))
        self.assertEqual(sim.advance(3000), b"")  # broadcast still off
        # 342 = 4 (1 s), 343 = 2 (SOC BAR); the reply echoes address and count
        self.assertEqual(ask(sim, "AA10 0156 0002 04 0004 0002"), framed("AA10 0156 0002"))
        self.assertEqual(ask(sim, "AA03 0156 0002"), framed("AA03 04 0004 0002"))
        out = sim.advance(2000)
        self.assertEqual(len(out), 16)
        self.assertEqual(out[:2], b"\xaa\x1a")
        self.assertEqual(out[:8], framed(out[:6].hex()))

    def test_out_of_range_value_refused(self):
        sim = awake()
        self.assertEqual(ask(sim, "AA10 0157 0001 02 0003"), framed("AA00 10 00"))  # format 3 does not exist


class BroadcastTest(unittest.TestCase):
    def test_socbar_frames_once_a_period(self):
        sim = TinyBmsSim(broadcast="socbar", period_ms=500, soc_pct=80, current_ma=0, ignition=True)
        out = sim.advance(2000)
        self.assertEqual(out, framed("AA1A 00B4C404") * 4)  # 80 % = 80 000 000 = 0x04C4B400

    def test_cav3_header_once_then_numeric_rows(self):
        sim = TinyBmsSim(broadcast="cav3", period_ms=1000, soc_pct=100, current_ma=-5000, ignition=True)
        lines = sim.advance(3000).split(b"\r\n")
        self.assertEqual(lines[0], b"Ah\tV\tA\tS\tD\tDeg\tRPM\tHW\tNm\tThI\tThO\tAuxA\tAuxD\tFlgs")
        self.assertEqual(lines[-1], b"")
        rows = [[float(v) for v in line.split(b"\t")] for line in lines[1:-1]]
        self.assertEqual(len(rows), 3)
        for i, row in enumerate(rows, 1):
            self.assertEqual(len(row), 14)
            self.assertAlmostEqual(row[0], 5 * i / 3600, places=4)  # Ah used at 5 A after i s
            self.assertEqual(row[2], 5.0)  # amps positive while discharging
            self.assertTrue(13 * 4.18 < row[1] < 13 * 4.2, row[1])
        self.assertNotIn(b"Ah", b"".join(lines[1:]))

    def test_header_again_after_wake(self):
        sim = TinyBmsSim(broadcast="cav3", period_ms=1000, sleep_after_ms=1500)
        self.assertEqual(sim.advance(5000).count(b"Flgs"), 1)
        self.assertTrue(sim.asleep)
        sim.ignition = True
        self.assertTrue(sim.advance(1000).startswith(b"Ah\tV"))


class SleepTest(unittest.TestCase):
    def test_sleeps_after_the_idle_timeout_and_goes_silent(self):
        sim = TinyBmsSim(broadcast="socbar", period_ms=1000, sleep_after_ms=5000)
        self.assertEqual(len(sim.advance(4999)), 4 * 8)
        self.assertFalse(sim.asleep)
        sim.advance(1)
        self.assertTrue(sim.asleep)
        self.assertEqual(sim.advance(20000), b"")

    def test_requests_and_ignition_keep_it_awake(self):
        sim = TinyBmsSim(broadcast="none", sleep_after_ms=5000)
        for _ in range(5):
            sim.advance(4000)
            self.assertTrue(ask(sim, "AA18"))
        self.assertFalse(sim.asleep)
        sim.ignition = True
        sim.advance(60000)
        self.assertFalse(sim.asleep)
        sim.ignition = False
        sim.advance(5001)
        self.assertTrue(sim.asleep)

    def test_wake_rule_first_command_only_wakes(self):
        sim = awake(ignition=False, sleep_after_ms=1000)
        sim.advance(1000)
        self.assertTrue(sim.asleep)
        self.assertEqual(ask(sim, "AA18"), b"")  # woken, no answer
        self.assertFalse(sim.asleep)
        self.assertEqual(ask(sim, "AA18")[:2], b"\xaa\x18")
        reply = ask(sim, "AA03 0072 0001")  # register 114: wake-up reason 3, UART, in the high byte
        self.assertEqual(reply, framed("AA03 02 0300"))

    def test_sleep_now_and_wake_by_charger(self):
        sim = awake(ignition=False)
        sim.sleep()
        self.assertTrue(sim.asleep)
        self.assertEqual(sim.advance(1000), b"")
        sim.charger = True
        sim.advance(1)
        self.assertFalse(sim.asleep)


class FaultTest(unittest.TestCase):
    def pair(self, **kw):
        kw.update(broadcast="socbar", period_ms=100, ignition=True, current_ma=0)
        return TinyBmsSim(seed=3, **kw), TinyBmsSim(seed=3, **kw)

    def test_same_seed_same_bytes(self):
        a, b = self.pair()
        c = TinyBmsSim(seed=4, broadcast="socbar", period_ms=100, ignition=True, current_ma=0)
        for sim in (a, b, c):
            sim.noise_rate = sim.drop_rate = 0.1
        out = a.advance(5000)
        self.assertEqual(out, b.advance(5000))
        self.assertNotEqual(out, c.advance(5000))

    def test_noise_changes_that_share_of_bytes(self):
        clean, noisy = self.pair()
        noisy.noise_rate = 0.1
        a, b = clean.advance(100_000), noisy.advance(100_000)
        self.assertEqual(len(a), len(b))  # 1000 frames of 8 bytes
        changed = sum(x != y for x, y in zip(a, b))
        self.assertTrue(600 < changed < 1000, changed)  # 10 % of 8000

    def test_drops_leave_an_ordered_subset(self):
        clean, lossy = self.pair()
        lossy.drop_rate = 0.25
        a, b = clean.advance(10_000), lossy.advance(10_000)
        self.assertTrue(0.65 * len(a) < len(b) < 0.85 * len(a), (len(a), len(b)))
        rest = iter(a)
        self.assertTrue(all(byte in rest for byte in b))  # b is a subsequence of a

    def test_split_frames_arrive_in_two_writes(self):
        clean, split = self.pair()
        split.split_rate = 1.0
        pieces = [split.advance(100) for _ in range(50)]
        self.assertEqual(b"".join(pieces) + split.advance(0), clean.advance(5000))
        whole = framed("AA1A 00E1F505")  # 100 % = 0x05F5E100
        self.assertTrue(all(p != whole and not p.startswith(b"\xaa\x1a") for p in pieces[1:]))

    def test_wrong_baud_garbles_every_frame(self):
        clean, wrong = self.pair()
        wrong.wrong_baud = True
        a, b = clean.advance(10_000), wrong.advance(10_000)
        self.assertTrue(0.5 * len(a) < len(b) < 0.8 * len(a))
        patterns = sum(byte in (0x00, 0xFF, 0x80, 0xF8, 0xFE, 0xE0) for byte in b)
        self.assertTrue(patterns > 0.7 * len(b))
        frames = [b[i:i + 8] for i in range(len(b) - 7) if b[i:i + 2] == b"\xaa\x1a"]
        self.assertFalse([f for f in frames if f == framed(f[:6].hex())])

    def test_unplugged_is_silent_both_ways(self):
        sim = awake(broadcast="socbar", period_ms=100)
        sim.unplugged = True
        sim.receive(framed("AA18"))
        self.assertEqual(sim.advance(1000), b"")
        sim.unplugged = False
        self.assertEqual(sim.advance(100), framed("AA1A" + struct.pack("<I", sim.soc).hex()))


class SettingsTest(unittest.TestCase):
    def test_impossible_settings_are_refused(self):
        for kw in ({"cells": 3}, {"cells": 17}, {"chemistry": "lead"}, {"soc_pct": 101},
                   {"capacity_mah": 0}, {"broadcast": "ascii"}, {"period_ms": 300}):
            with self.assertRaises(ValueError):
                TinyBmsSim(**kw)


class CliTest(unittest.TestCase):
    def test_capture_file_in_virtual_time(self):
        out = ROOT / "build" / "test_bms_sim.cap"
        out.parent.mkdir(exist_ok=True)
        subprocess.run(
            [sys.executable, str(ROOT / "tools" / "bms_sim.py"), "--capture", str(out), "--seconds", "10",
             "--broadcast", "socbar", "--current-ma", "0", "--soc", "42", "--ignition"],
            check=True, timeout=30,
        )
        with open(out, "rb") as stream:
            header = stream.readline()
            stream.seek(0)
            chunks = list(capturefile.read(stream))
        out.unlink()
        self.assertTrue(header.startswith(b'{"socbar_capture": 1, "baud": 115200, "source": "bms_sim'))
        self.assertEqual([t for t, _ in chunks], [1000 * i for i in range(1, 11)])
        self.assertEqual({data for _, data in chunks}, {framed("AA1A 80DE8002")})  # 42 % = 0x0280DE80
