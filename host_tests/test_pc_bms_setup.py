"""tools/bms_setup.py: its frames by hand, then against the BMS model over a real pty."""

import argparse
import io
import signal
import subprocess
import sys
import time
import unittest
from pathlib import Path

import bms_setup
from frames import from_hex as framed

ROOT = Path(__file__).resolve().parent.parent


class FrameTest(unittest.TestCase):
    def test_read_request_is_modbus_big_endian(self):
        # register 342 = 0x0156, two registers
        self.assertEqual(bms_setup.read_request(), framed("AA03 0156 0002"))

    def test_write_request_sets_342_and_343_only(self):
        # 342 = 4 (1 s), 343 = 2 (SOC BAR): byte count 4, values big-endian
        self.assertEqual(bms_setup.write_request(4, 2), framed("AA10 0156 0002 04 0004 0002"))
        for period, fmt in ((8, 0), (4, 3), (-1, 0)):
            with self.assertRaises(ValueError):
                bms_setup.write_request(period, fmt)

    def test_reply_found_among_broadcast_bytes_and_nack_raised(self):
        reply = framed("AA03 04 0004 0000")
        noise = b"Ah\tV\r\n\xaa\x03" + framed("AA1A 00E1F505")
        self.assertEqual(bms_setup.find_reply(noise + reply + b"0.1\t", 0x03, 9), reply)
        self.assertIsNone(bms_setup.find_reply(noise + reply[:8], 0x03, 9))
        with self.assertRaises(bms_setup.BmsError):
            bms_setup.find_reply(framed("AA00 10 00"), 0x10, 8)


class SimulatedBms:
    """tools/bms_sim.py --pty in a subprocess."""

    def __init__(self, *flags):
        self.flags = flags

    def __enter__(self):
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tools" / "bms_sim.py"), "--pty", *self.flags],
            stdout=subprocess.PIPE, text=True,
        )
        self.port = self.proc.stdout.readline().strip()
        return self

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=5)


def setup(port, *args, answer=None):
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / "bms_setup.py"), port, *args],
        input=answer, capture_output=True, text=True, timeout=20,
    )


class AgainstTheModelTest(unittest.TestCase):
    def test_read_shows_the_settings_in_words(self):
        with SimulatedBms("--broadcast", "cav3", "--period-ms", "500", "--ignition") as bms:
            run = setup(bms.port)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout, "broadcast period (reg 342): 0.5 s\nbroadcast format (reg 343): CA V3\n")

    def test_write_with_yes_is_verified(self):
        with SimulatedBms("--broadcast", "cav3", "--period-ms", "100", "--ignition") as bms:
            run = setup(bms.port, "--write", "--period", "2", "--format", "socbar", "--yes")
            after = setup(bms.port)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertTrue(run.stdout.endswith("written and read back: verified\n"), run.stdout)
        self.assertIn("broadcast period (reg 342): 2 s\nbroadcast format (reg 343): SOC BAR", after.stdout)

    def test_no_write_without_confirmation(self):
        with SimulatedBms("--broadcast", "none", "--ignition") as bms:
            run = setup(bms.port, "--write", "--period", "1", "--format", "socbar", answer="y\n")
            after = setup(bms.port)
        self.assertEqual(run.returncode, 1)
        self.assertIn('Type "yes"', run.stdout)
        self.assertTrue(run.stdout.endswith("nothing written\n"))
        self.assertIn("reg 342): off", after.stdout)  # unchanged

    def test_typed_yes_writes(self):
        with SimulatedBms("--broadcast", "none", "--ignition") as bms:
            run = setup(bms.port, "--write", "--period", "1", "--format", "socbar", answer="yes\n")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("verified", run.stdout)

    def test_sleeping_bms_is_asked_twice(self):
        with SimulatedBms("--broadcast", "none", "--sleep-after-ms", "700") as bms:
            time.sleep(1.0)  # asleep now: the first request only wakes it
            start = time.monotonic()
            run = setup(bms.port)
            took = time.monotonic() - start
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("reg 342): off", run.stdout)
        self.assertGreater(took, bms_setup.ANSWER_S)  # one request went unanswered

    def test_an_unknown_code_is_never_written_back(self):
        # The BMS holds format code 5, unknown here; only --period is given, so the tool would
        # have to write 5 back. It says so and writes nothing.
        written = []
        real_read, real_write = bms_setup.read_broadcast, bms_setup.write_broadcast
        bms_setup.read_broadcast = lambda port: (4, 5)
        bms_setup.write_broadcast = lambda *args: written.append(args)
        try:
            out = io.StringIO()
            args = argparse.Namespace(write=True, period="2", format=None, yes=True)
            self.assertEqual(bms_setup.run(None, args, out=out), 2)
        finally:
            bms_setup.read_broadcast, bms_setup.write_broadcast = real_read, real_write
        self.assertEqual(written, [])
        self.assertIn("unknown code 5", out.getvalue())
        self.assertTrue(out.getvalue().endswith("nothing written\n"))

    def test_options_need_write(self):
        run = setup("/dev/null", "--period", "1")
        self.assertEqual(run.returncode, 2)
        self.assertIn("only go with --write", run.stderr)
