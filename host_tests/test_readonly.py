"""The firmware never changes the BMS: no write or reset command can come out.

docs/protocol.md section 2: 0x02 resets, 0x0B / 0x0D / 0x10 write registers. The
request builders are driven with every command byte, and the App in listen
mode is run on the fakes with frames and noise: not one byte may reach the
UART.
"""

import unittest

import frames
from socbar import requests

# The read commands of docs/protocol.md section 2 that take no argument.
SINGLE_READS = (0x14, 0x15, 0x16, 0x17, 0x18, 0x1A, 0x1B, 0x1C, 0x1E, 0x1F, 0x20)
FORBIDDEN = (0x02, 0x0B, 0x0D, 0x10)


class RequestBuildersTest(unittest.TestCase):
    def check_frame(self, buf, n, cmd):
        self.assertEqual(buf[0], 0xAA)
        self.assertEqual(buf[1], cmd)
        self.assertNotIn(buf[1], FORBIDDEN)
        crc = frames.crc16(bytes(buf[0 : n - 2]))
        self.assertEqual(buf[n - 2] | (buf[n - 1] << 8), crc)

    def test_every_command_byte(self):
        accepted = []
        for cmd in range(-1, 257):
            buf = bytearray(8)
            try:
                n = requests.request(buf, cmd)
            except ValueError:
                self.assertEqual(buf, bytearray(8), "a refused request wrote into the buffer")
                continue
            self.assertEqual(n, 4)
            self.check_frame(buf, n, cmd)
            accepted.append(cmd)
        self.assertEqual(tuple(accepted), SINGLE_READS)

    def test_temperature_request_is_the_worked_example(self):
        buf = bytearray(4)
        requests.request(buf, 0x1B)
        self.assertEqual(bytes(buf), b"\xaa\x1b\x3f\x1b")

    def test_register_reads_only_ever_read(self):
        for addr in (0, 1, 5, 36, 46, 50, 300, 342, 0x7FFF, 0xFFFF):
            for count in range(0, 130):
                buf = bytearray(8)
                try:
                    n = requests.read_registers(buf, addr, count)
                except ValueError:
                    self.assertTrue(count == 0 or count > 127)
                    continue
                self.assertEqual(n, 8)
                self.check_frame(buf, n, 0x03)
                self.assertEqual((buf[2] << 8 | buf[3], buf[4], buf[5]), (addr, 0, count))
                buf = bytearray(8)
                try:
                    n = requests.read_block(buf, addr, count)
                except ValueError:
                    self.assertTrue(count == 0 or count > 31)
                    continue
                self.assertEqual(n, 7)
                self.check_frame(buf, n, 0x07)

    def test_no_write_or_reset_builder(self):
        for name in dir(requests):
            low = name.lower()
            self.assertFalse("write" in low or "reset" in low or "clear" in low, name)


def listen_rig(doc):
    """The App in listen mode on the allocation-free fakes."""
    from app import App
    from fake_line import Clock, Ignition, Leds, LineUart
    from socbar.config import validate

    config = validate(doc)[0]
    clock = Clock()
    uart = LineUart(115200 if config["input"]["baud"] != 9600 else 9600)
    app = App(config, uart, Leds(clock), Ignition(clock), clock, log=lambda *args: None)
    return app, clock, uart


class Noise:
    """xorshift32 bytes, the same on both interpreters."""

    def __init__(self, seed):
        self.x = seed

    def byte(self):
        x = self.x
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.x = x
        return x & 0xFF


STREAMS = (
    ({"input": {"mode": "listen", "format": "tinybms"}}, frames.frame(0x1A, frames.u32le(55000000))),
    ({"input": {"mode": "listen", "format": "auto"}}, frames.frame(0x1A, frames.u32le(42000000))),
    ({"input": {"mode": "listen", "format": "custom"}}, frames.frame(0x1A, frames.u32le(30000000))),
    ({"input": {"mode": "listen", "format": "cav3", "baud": 9600}},
     b"Ah\tV\tA\tS\tD\r\n1.25\t51.2\t-3.5\t20.1\t4.2\r\n"),
)


class ListenModeTest(unittest.TestCase):
    def test_not_one_byte_written(self):
        for doc, good in STREAMS:
            app, clock, uart = listen_rig(doc)
            noise = Noise(0x2545F491)
            junk = bytearray(32)
            for second in range(60):
                uart.deliver(good, len(good))
                if second % 3 == 0:
                    for i in range(len(junk)):
                        junk[i] = noise.byte()
                    uart.deliver(junk, len(junk))
                for _ in range(500):
                    clock.tick(2)
                    uart.elapse(clock.now, 2)
                    app.ignition_tick(clock.now)
                    app.step()
                self.assertEqual(uart.written, 0, "%s: wrote command 0x%02X" % (doc, uart.first_write))
            self.assertGreater(app.line.decoder.good if app.line.decoder else 0, 0, doc)
