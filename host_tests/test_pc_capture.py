"""tools/capture.py records the simulated BMS over a real pty, and stops cleanly on Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
import unittest
from pathlib import Path

import capturefile
from frames import frame as tiny_frame

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"


class SimulatedBms:
    """tools/bms_sim.py --pty in a subprocess: SOC BAR frames every 100 ms."""

    def __enter__(self):
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tools" / "bms_sim.py"), "--pty", "--broadcast", "socbar",
             "--period-ms", "100", "--ignition", "--current-ma", "0", "--soc", "64"],
            stdout=subprocess.PIPE, text=True,
        )
        self.port = self.proc.stdout.readline().strip()
        return self

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=5)


def capture(port, out, *extra):
    return subprocess.Popen(
        [sys.executable, str(ROOT / "tools" / "capture.py"), port, str(out), *extra],
        stderr=subprocess.PIPE, text=True,
    )


def chunks_in(path):
    with open(path, "rb") as stream:
        return list(capturefile.read(stream))


class CaptureTest(unittest.TestCase):
    def setUp(self):
        BUILD.mkdir(exist_ok=True)
        self.out = BUILD / ("test_capture_%d.cap" % os.getpid())

    def tearDown(self):
        if self.out.exists():
            self.out.unlink()

    def check_frames(self, chunks):
        data = b"".join(d for _, d in chunks)
        start = data.index(b"\xaa\x1a")  # recording may start mid-frame
        frames = [data[i:i + 8] for i in range(start, len(data) - 7, 8)]
        self.assertGreaterEqual(len(frames), 3)
        soc = (64_000_000).to_bytes(4, "little")  # 64 % in 0.000001 %
        self.assertEqual(set(frames), {tiny_frame(0x1A, soc)})
        times = [t for t, _ in chunks]
        self.assertEqual(times, sorted(times))
        return len(frames)

    def test_records_for_the_given_time(self):
        with SimulatedBms() as bms:
            proc = capture(bms.port, self.out, "--seconds", "1.2")
            _, err = proc.communicate(timeout=10)
        self.assertEqual(proc.returncode, 0, err)
        with open(self.out, "rb") as stream:
            header = stream.readline()
        expected = '{"socbar_capture": 1, "baud": 115200, "source": "%s"}\n' % bms.port
        self.assertEqual(header.decode(), expected)
        count = self.check_frames(chunks_in(self.out))
        last = err.splitlines()[-1]  # text mode turns the \r of the live counter into line ends
        self.assertIn("bytes", last)
        good = int(last.split("frames ")[1].split()[0])  # counted by the core decoder too
        self.assertGreaterEqual(good, count)

    def test_ctrl_c_keeps_everything(self):
        with SimulatedBms() as bms:
            proc = capture(bms.port, self.out)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                time.sleep(0.1)
                if self.out.exists() and self.out.read_bytes().count(b"\n") >= 8:
                    break
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=5)
        self.assertEqual(proc.returncode, 0, err)
        self.assertTrue(err.endswith("\n"))
        self.assertNotIn("Traceback", err)
        self.assertTrue(self.out.read_bytes().endswith(b"}\n"))  # no half line
        self.check_frames(chunks_in(self.out))

    def test_missing_port_is_a_one_line_error(self):
        proc = capture("/dev/no-such-port", self.out, "--seconds", "1")
        _, err = proc.communicate(timeout=10)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(err.count("\n"), 1)
        self.assertTrue(err.startswith("capture: cannot open /dev/no-such-port"))
