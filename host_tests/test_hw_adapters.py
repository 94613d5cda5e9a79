"""The RP2040 adapters against the fake machine / rp2 / neopixel / ssd1306.

Runs on CPython and on the MicroPython unix port; the fakes record what each
adapter did to the pins and peripherals, on a virtual clock.
"""

import json
import unittest

import machine
import rp2
from hw import keeper
from hw.gpio_leds import GpioLeds
from hw.ignition import IgnitionPins
from hw.oled import Oled
from hw.sleep import Sleeper
from hw.status_led import StatusLed
from hw.status_pixel import StatusPixel
from hw.uart import UartPort
from hw.watchdog import Watchdog
from hw.ws2812 import Ws2812, ws2812_program

BOARDS = __file__.rpartition("/")[0] + "/../boards/"


class UartPortTest(unittest.TestCase):
    def setUp(self):
        machine.reset_fakes()
        self.port = UartPort(0, 0, 1, 115200, rxbuf=64)
        self.uart = machine.uarts[0]

    def test_created_non_blocking(self):
        c = self.uart.config
        self.assertEqual((c["baudrate"], c["timeout"], c["timeout_char"], c["rxbuf"]), (115200, 0, 0, 64))
        # A transmit ring for the longest request (8 bytes: docs/protocol.md section 2), not the
        # port's default 256 bytes of heap.
        self.assertTrue(8 <= c["txbuf"] <= 32)

    def test_reads_only_what_is_there(self):
        buf = bytearray(3)
        self.assertEqual(self.port.readinto(buf), 0)
        self.uart.inject(b"\xaa\x1b\x06\x16\x01")
        self.assertEqual(self.port.readinto(buf), 3)
        self.assertEqual(bytes(buf), b"\xaa\x1b\x06")
        self.assertEqual(self.port.readinto(buf), 2)
        self.assertEqual(bytes(buf[:2]), b"\x16\x01")
        self.assertEqual(self.port.readinto(buf), 0)
        # Never asked the UART for bytes it did not have (that would wait).
        self.assertEqual(self.uart.empty_reads, 0)

    def test_write_sends_first_n_bytes(self):
        req = bytearray(b"\xaa\x1b\x3f\x1b\x00\x00")
        self.port.write(req, 4)
        self.port.write(b"\xaa\x18", 2)
        self.assertEqual(bytes(self.uart.tx), b"\xaa\x1b\x3f\x1b\xaa\x18")

    def test_set_baud_keeps_it_non_blocking(self):
        self.port.set_baud(9600)
        c = self.uart.config
        self.assertEqual((c["baudrate"], c["timeout"], c["timeout_char"]), (9600, 0, 0))
        self.assertEqual(self.port.baud, 9600)


class IgnitionPinsTest(unittest.TestCase):
    def setUp(self):
        machine.reset_fakes()

    def test_output_starts_inactive_active_high(self):
        IgnitionPins(20, "down", 1, 21, 1)
        self.assertEqual(machine.Pin(21).history, [(0, 0)])

    def test_output_starts_inactive_active_low(self):
        # An active-low stage must never see a 0, not even for a moment.
        IgnitionPins(20, "down", 1, 21, 0)
        self.assertEqual(machine.Pin(21).history, [(0, 1)])

    def test_drive(self):
        ign = IgnitionPins(20, "down", 1, 21, 0)
        ign.drive(True)
        self.assertEqual(machine.Pin(21).value(), 0)
        ign.drive(False)
        self.assertEqual(machine.Pin(21).value(), 1)

    def test_read_active_high_with_pull_down(self):
        ign = IgnitionPins(20, "down", 1, 21, 1)
        self.assertFalse(ign.read())  # floating input: the pull-down says off
        machine.Pin(20).set_external(1)
        self.assertTrue(ign.read())

    def test_read_active_low_with_pull_up(self):
        ign = IgnitionPins(20, "up", 0, 21, 1)
        self.assertFalse(ign.read())
        machine.Pin(20).set_external(0)
        self.assertTrue(ign.read())
        machine.Pin(20).set_external(1)
        self.assertFalse(ign.read())


class GpioLedsTest(unittest.TestCase):
    def setUp(self):
        machine.reset_fakes()

    def levels(self, pins):
        return [machine.Pin(p).value() for p in pins]

    def test_lit_where_segment_non_zero(self):
        leds = GpioLeds([6, 7, 8, 9])
        self.assertEqual(self.levels([6, 7, 8, 9]), [0, 0, 0, 0])
        # green, dark, blue only, red only
        leds.write(bytes([40, 0, 0, 0, 0, 0, 0, 0, 1, 0, 9, 0]))
        self.assertEqual(self.levels([6, 7, 8, 9]), [1, 0, 1, 1])
        leds.write(bytes(12))
        self.assertEqual(self.levels([6, 7, 8, 9]), [0, 0, 0, 0])

    def test_active_low(self):
        leds = GpioLeds([6, 7], active=0)
        self.assertEqual(self.levels([6, 7]), [1, 1])
        leds.write(bytes([0, 0, 0, 255, 255, 255]))
        self.assertEqual(self.levels([6, 7]), [1, 0])

    def test_dimmed_by_pwm_below_full_brightness(self):
        leds = GpioLeds([6, 7], brightness=64)
        pwms = leds._pwms
        self.assertEqual([p.freq() for p in pwms], [1000, 1000])
        self.assertEqual([p.duty_u16() for p in pwms], [0, 0])
        leds.write(bytes([1, 0, 0, 0, 0, 0]))
        self.assertEqual([p.duty_u16() for p in pwms], [64 * 65535 // 255, 0])  # 16448: a quarter

    def test_dimmed_active_low_inverts_the_duty(self):
        leds = GpioLeds([6], active=0, brightness=64)
        self.assertEqual(leds._pwms[0].duty_u16(), 65535)  # off: the pin held high
        leds.write(bytes([0, 9, 0]))
        self.assertEqual(leds._pwms[0].duty_u16(), 65535 - 16448)

    def test_pins_touched_only_on_change(self):
        leds = GpioLeds([6, 7])
        frame = bytes([1, 0, 0, 0, 0, 0])
        leds.write(frame)
        leds.write(frame)
        leds.write(frame)
        self.assertEqual(machine.Pin(6).history, [(0, 0), (0, 1)])
        self.assertEqual(machine.Pin(7).history, [(0, 0)])

    def test_short_frame_leaves_extra_pins_dark(self):
        leds = GpioLeds([6, 7, 8])
        leds.write(bytes([5, 5, 5]))
        self.assertEqual(self.levels([6, 7, 8]), [1, 0, 0])


class Ws2812Test(unittest.TestCase):
    def setUp(self):
        machine.reset_fakes()

    def test_program_opcodes(self):
        # Assembled by hand from the RP2040 datasheet (3.4), 1 side-set bit, 4 delay bits:
        # out x, 1    side 0 [3]  = 011 0 0011 001 00001 = 0x6321
        # jmp !x, 3   side 1 [2]  = 000 1 0010 001 00011 = 0x1223
        # jmp 0       side 1 [2]  = 000 1 0010 000 00000 = 0x1200
        # nop (mov y, y) side 0 [2] = 101 0 0010 010 00 010 = 0xA242
        self.assertEqual(list(ws2812_program.opcodes), [0x6321, 0x1223, 0x1200, 0xA242])
        self.assertEqual((ws2812_program.wrap_target, ws2812_program.wrap), (0, 3))

    def test_frame_becomes_grb_words(self):
        strip = Ws2812(2, 2, sm_id=0)
        sm = rp2.machines[0]
        self.assertEqual(sm.freq, 8000000)
        self.assertTrue(sm.active())
        self.assertTrue(strip.write(bytes([0xA5, 0x3C, 0x0F, 0x01, 0x02, 0x03])))
        self.assertEqual(sm.words, [0xA53C0F00, 0x01020300])

    def test_busy_until_transfer_done(self):
        strip = Ws2812(2, 1, sm_id=5)  # PIO1 SM1: the fake DMA checks DREQ 9
        sm = rp2.machines[5]
        self.assertTrue(strip.write(bytes([1, 2, 3])))
        self.assertFalse(strip.write(bytes([4, 5, 6])))
        machine.clock.advance(1)
        self.assertTrue(strip.write(bytes([4, 5, 6])))
        self.assertEqual(sm.words, [0x01020300, 0x04050600])

    def test_longer_frame_is_cut_to_the_strip(self):
        strip = Ws2812(2, 1)
        strip.write(bytes([9, 9, 9, 7, 7, 7]))
        self.assertEqual(rp2.machines[0].words, [0x09090900])


class StatusLedTest(unittest.TestCase):
    def setUp(self):
        machine.reset_fakes()

    def test_named_led(self):
        led = StatusLed("LED")
        led.set(True)
        self.assertEqual(machine.Pin("LED").value(), 1)
        led.set(False)
        self.assertEqual(machine.Pin("LED").value(), 0)

    def test_active_low_led(self):
        led = StatusLed(25, active=0)
        self.assertEqual(machine.Pin(25).value(), 1)
        led.set(True)
        self.assertEqual(machine.Pin(25).value(), 0)

    def test_pixel_powers_and_writes_on_change(self):
        px = StatusPixel(12, power=11, color=(10, 20, 30))
        self.assertEqual(machine.Pin(11).value(), 1)
        px.set(True)
        px.set(True)
        px.set(False)
        self.assertEqual(px._np.writes, [bytes([20, 10, 30]), bytes(3)])


class WatchdogTest(unittest.TestCase):
    def setUp(self):
        machine.reset_fakes()

    def test_fed_in_time(self):
        wd = Watchdog(1000)
        for _ in range(5):
            machine.clock.advance(900)
            wd.feed()
        self.assertFalse(machine.WDT.instance.expired())
        self.assertEqual(len(machine.WDT.instance.feeds), 5)

    def test_expires_when_starved(self):
        Watchdog(1000)
        machine.clock.advance(1001)
        self.assertTrue(machine.WDT.instance.expired())

    def test_timeout_clamped_to_rp2040_limit(self):
        Watchdog(20000)
        self.assertEqual(machine.WDT.instance.timeout, 8388)


class WatchdogKeeperTest(unittest.TestCase):
    """After Ctrl-C or a soft reset the watchdog runs on; the keeper feeds it until the firmware's
    Watchdog takes over, and never starts one that is not running."""

    def setUp(self):
        machine.reset_fakes()
        machine.watchdog_resets = True
        keeper.stop()

    def tearDown(self):
        keeper.stop()
        machine.reset_fakes()

    def test_the_register_says_whether_it_runs(self):
        self.assertFalse(keeper.running())
        Watchdog(4000)
        self.assertTrue(keeper.running())

    def test_nothing_to_keep_after_power_up(self):
        keeper.keep_if_running()
        self.assertIsNone(machine.WDT.instance)
        machine.clock.advance(60000)  # no reset: nothing was started

    def test_a_kept_watchdog_never_resets_the_repl(self):
        Watchdog(4000)
        keeper.keep_if_running()
        machine.clock.advance(120000)  # two idle minutes at the prompt
        self.assertFalse(machine.WDT.instance.expired())
        gaps = [b - a for a, b in zip(machine.WDT.instance.feeds, machine.WDT.instance.feeds[1:])]
        self.assertTrue(max(gaps) <= 1000)

    def test_a_soft_reset_ends_the_keeper_and_the_watchdog_bites(self):
        Watchdog(4000)
        keeper.keep_if_running()
        machine.soft_reset()
        with self.assertRaises(machine.ChipReset):
            machine.clock.advance(9000)
        self.assertEqual(machine.reset_cause(), machine.WDT_RESET)

    def test_the_firmware_takes_over_and_a_hang_still_resets(self):
        Watchdog(4000)
        keeper.keep_if_running()
        wd = Watchdog(4000)  # main.py after the soft reset
        machine.clock.advance(3000)
        wd.feed()
        with self.assertRaises(machine.ChipReset):
            machine.clock.advance(4001)  # the loop hangs: the keeper must not hide it


class SleeperTest(unittest.TestCase):
    def setUp(self):
        self.clock = machine.reset_fakes()

    def test_one_slice_without_activity(self):
        self.assertEqual(Sleeper(1).sleep(100), False)
        self.assertEqual(machine.sleeps, [100])
        self.assertEqual(self.clock.now, 100)

    def test_a_start_bit_during_the_slice_is_reported(self):
        rx = machine.Pin(1)
        rx.set_external(1)  # the idle line
        sleeper = Sleeper(1)
        # 40 ms into the slice the BMS starts talking: the start bit pulls RX low.
        machine.Timer(-1, mode=machine.Timer.ONE_SHOT, period=40, callback=lambda t: rx.set_external(0))
        self.assertEqual(sleeper.sleep(100), True)
        rx.set_external(1)
        self.assertEqual(sleeper.sleep(100), False)  # each slice starts afresh


class OledTest(unittest.TestCase):
    def setUp(self):
        machine.reset_fakes()

    def test_lines_laid_out(self):
        oled = Oled(machine.I2C(0), 0x3C)
        oled.show(["SOC 87%", "live"])
        self.assertEqual(oled._fb.shown, [[(0, 0, "SOC 87%"), (0, 10, "live")]])

    def test_extra_lines_dropped(self):
        oled = Oled(machine.I2C(0), 0x3C, height=32)
        oled.show(["a", "b", "c", "d"])
        self.assertEqual(oled._fb.shown[-1], [(0, 0, "a"), (0, 10, "b"), (0, 20, "c")])

    def test_missing_display_raises_at_start(self):
        with self.assertRaises(OSError):
            Oled(machine.I2C(0), 0x3D)


# RP2040 datasheet 1.4.3 function table, copied by hand.
UART_TX = {0: (0, 12, 16, 28), 1: (4, 8, 20, 24)}
UART_RX = {0: (1, 13, 17, 29), 1: (5, 9, 21, 25)}
I2C_SDA = {0: (0, 4, 8, 12, 16, 20, 24, 28), 1: (2, 6, 10, 14, 18, 22, 26)}
I2C_SCL = {0: (1, 5, 9, 13, 17, 21, 25, 29), 1: (3, 7, 11, 15, 19, 23, 27)}
# Pins the boards use themselves (wireless chip, on-board LEDs, pixel power).
RESERVED = {
    "pico": (23, 24, 29),
    "pico_w": (23, 24, 25, 29),
    "rp2040_zero": (),
    "xiao_rp2040": (16, 17),
}


class BoardFilesTest(unittest.TestCase):
    def load(self, name):
        with open(BOARDS + name + ".json") as f:
            return json.load(f)

    def test_functions_and_no_collisions(self):
        for name in RESERVED:
            b = self.load(name)
            self.assertIn(b["uart_tx"], UART_TX[b["uart_id"]], name)
            self.assertIn(b["uart_rx"], UART_RX[b["uart_id"]], name)
            self.assertIn(b["i2c_sda"], I2C_SDA[b["i2c_id"]], name)
            self.assertIn(b["i2c_scl"], I2C_SCL[b["i2c_id"]], name)
            used = [b["uart_tx"], b["uart_rx"], b["ws2812"], b["ignition_in"], b["ignition_out"],
                    b["i2c_sda"], b["i2c_scl"]] + b["gpio_leds"]
            for key in ("status_led", "status_ws2812", "status_ws2812_power"):
                if b[key] is not None and b[key] != "LED":
                    used.append(b[key])
            for pin in used:
                self.assertEqual(used.count(pin), 1, "%s: GP%d used twice" % (name, pin))
                self.assertNotIn(pin, RESERVED[name], "%s: GP%d is the board's" % (name, pin))
                self.assertTrue(0 <= pin <= 29, name)
