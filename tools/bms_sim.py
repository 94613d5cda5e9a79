"""A model of a Tiny BMS on its UART, in virtual time, for tests, ``make sim`` and demos.

    python3 tools/bms_sim.py --pty [model flags]                  a pty, real time
    python3 tools/bms_sim.py --capture OUT --seconds N [flags]    a capture file, virtual time

Not a byte replayer: a pack whose charge follows the current, whose voltage
follows the charge, and a BMS that answers the read commands of protocol.md
section 2, broadcasts once per period, sleeps when left alone and obeys the
wake rule. Faults (noise, dropped bytes, split frames, a wrong line rate, a
pulled cable) are a seeded filter on what it sends, so a run is repeatable.

Conventions of this model (the real BMS's current sign is unknown):
``current_ma`` is the load's current, negative = discharge, positive =
regeneration (braking feeds the pack). With ``charger`` on, the charger feeds
``charge_ma`` (0.5 C by default) and the load is off, as on a charging stand.
Commands 0x15, 0x20 and registers 38-39 report the pack current with the same
sign: positive into the pack. The CA V3 "A" column is positive when
discharging, as a Cycle Analyst shows it.

The SOC BAR broadcast layout is unverified (protocol.md section 4): the model
sends the project's default frame of boards/default_config.json, which is the
0x1A answer: AA 1A, SOC UINT32 LE in 0.000001 %, CRC-16/MODBUS. The ASCII
broadcast (register 343 = 1) has no known layout; the model sends nothing.
"""

import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "firmware"))
sys.path.insert(0, os.path.join(HERE, "..", "pclib"))

from socbar.crc import crc16  # noqa: E402

SOC_FULL = 100_000_000  # 100 % in the BMS's 0.000001 % units
NO_SENSOR = -32768

# Open-circuit cell voltage in mV at 0, 10, ... 100 % SOC; this model's own tables.
OCV_MV = {
    "nmc": (3000, 3450, 3560, 3630, 3700, 3770, 3850, 3940, 4030, 4110, 4200),
    "lifepo4": (2500, 3100, 3200, 3250, 3270, 3290, 3300, 3310, 3330, 3350, 3600),
}
CELL_MOHM = 2  # internal resistance per cell: the voltage sags under load

# Register 342: period code -> milliseconds; register 343: format code -> name.
PERIODS_MS = {1: 100, 2: 200, 3: 500, 4: 1000, 5: 2000, 6: 5000, 7: 10000}
FORMATS = {"cav3": 0, "ascii": 1, "socbar": 2}
REG_PERIOD = 342
REG_FORMAT = 343

ST_CHARGING, ST_FULL, ST_DISCHARGING, ST_REGEN, ST_IDLE, ST_FAULT = 0x91, 0x92, 0x93, 0x96, 0x97, 0x9B
WAKE_CHARGER, WAKE_IGNITION, WAKE_UART = 0, 1, 3

CAV3_HEADER = b"Ah\tV\tA\tS\tD\tDeg\tRPM\tHW\tNm\tThI\tThO\tAuxA\tAuxD\tFlgs\r\n"
VERSION = bytes((2, 1, 2, 0x24, 0x01))  # hw, hw change, fw, fw internal (u16 LE)
VERSION_EXT = VERSION + bytes((1, 3))  # + bootloader, register map
SIMPLE = (0x14, 0x15, 0x16, 0x17, 0x18, 0x1A, 0x1B, 0x1C, 0x1E, 0x1F, 0x20)
PARTIAL_MS = 50  # a request cut off for longer than this is dropped
MISCLOCKED = (0x00, 0xFF, 0x80, 0xF8, 0xFE, 0xE0)  # what a receiver at the wrong rate reads most


def frame(*parts):
    """0xAA-framed bytes: the parts, then CRC-16/MODBUS low byte first."""
    body = bytearray(b"\xaa")
    for part in parts:
        body += bytes((part,)) if isinstance(part, int) else part
    crc = crc16(body, 0, len(body))
    return bytes(body + bytes((crc & 0xFF, crc >> 8)))


def _u16le(values):
    return b"".join(struct.pack("<H", v & 0xFFFF) for v in values)


def _decimals(value, small, big, limit):
    """A number as a Cycle Analyst prints it: fewer decimals once it is large."""
    return "%.*f" % (small if abs(value) < limit else big, value)


class TinyBmsSim:
    """One Tiny BMS and its pack. ``advance(ms)`` returns what it sends; ``receive`` feeds it requests."""

    def __init__(self, seed=0, capacity_mah=10000, cells=13, chemistry="nmc", soc_pct=100,
                 current_ma=-5000, broadcast="cav3", period_ms=1000, ignition=False,
                 sleep_after_ms=60000, charge_ma=None, temp_c=25):
        if chemistry not in OCV_MV:
            raise ValueError("chemistry must be one of %s" % ", ".join(sorted(OCV_MV)))
        if not 4 <= cells <= 16:
            raise ValueError("cells must be 4..16")
        if not 0 <= soc_pct <= 100 or capacity_mah <= 0:
            raise ValueError("soc_pct must be 0..100 and capacity_mah above 0")
        self._rng = random.Random(seed)  # the pack: temperatures, cell spread
        self._fault_rng = random.Random(seed + 1)  # the output filter, apart so faults leave the pack alone
        self.capacity_mah = capacity_mah
        self.cells = cells
        self.chemistry = chemistry
        self.current_ma = current_ma
        self.charge_ma = capacity_mah // 2 if charge_ma is None else charge_ma
        self.sleep_after_ms = sleep_after_ms
        self.ignition = ignition
        self.charger = False
        self.fault = False
        self.asleep = False
        # the output filter
        self.unplugged = False
        self.noise_rate = 0.0
        self.drop_rate = 0.0
        self.split_rate = 0.0
        self.wrong_baud = False

        self._full = capacity_mah * 3_600_000  # charge in mA*ms
        self._charge = int(soc_pct * 1_000_000) * self._full // SOC_FULL
        self._used = 0  # mA*ms taken out since the start, for the CA V3 Ah column
        self._distance_m = 0.0
        self._offsets = [self._rng.randint(-8, 8) for _ in range(cells)]  # cell spread, mV
        self._temps = [temp_c * 10, temp_c * 10 - 2, NO_SENSOR]  # internal, external 1, external 2
        self._temp_ms = 0
        self._regs = dict.fromkeys(range(400), 0)
        if broadcast == "none":
            self._regs[REG_PERIOD], self._regs[REG_FORMAT] = 0, FORMATS["cav3"]
        else:
            codes = [code for code, ms in PERIODS_MS.items() if ms == period_ms]
            if broadcast not in ("cav3", "socbar") or not codes:
                allowed = sorted(PERIODS_MS.values())
                raise ValueError("broadcast cav3|socbar|none with period_ms one of %s" % allowed)
            self._regs[REG_PERIOD], self._regs[REG_FORMAT] = codes[0], FORMATS[broadcast]
        self.t = 0
        self._quiet_since = 0
        self._rx = bytearray()
        self._rx_t = 0
        self._answers = bytearray()
        self._held = b""
        self._wake(WAKE_IGNITION if ignition else WAKE_UART)

    # ---- the pack ----------------------------------------------------------

    @property
    def soc(self):
        """State of charge in 0.000001 % (100 % = 100 000 000)."""
        return self._charge * SOC_FULL // self._full

    @property
    def pack_current_ma(self):
        """The current actually flowing, positive into the pack; 0 once the BMS cut it off."""
        current = (self.charge_ma if self._charge < self._full else 0) if self.charger else self.current_ma
        if (current < 0 and self._charge <= 0) or (current > 0 and self._charge >= self._full):
            return 0
        return current

    @property
    def status(self):
        current = self.pack_current_ma
        if self.fault:
            return ST_FAULT
        if self.charger:
            return ST_CHARGING if current else ST_FULL
        if current < 0:
            return ST_DISCHARGING
        return ST_REGEN if current > 0 else ST_IDLE

    def cell_mv(self):
        """Each cell's voltage in mV: the chemistry's curve at this SOC, less the sag under load."""
        table = OCV_MV[self.chemistry]
        tenth = SOC_FULL // 10
        step, within = divmod(self.soc, tenth)
        ocv = table[step] if step >= 10 else table[step] + (table[step + 1] - table[step]) * within // tenth
        ocv += self.pack_current_ma * CELL_MOHM // 1000
        return [ocv + offset for offset in self._offsets]

    def pack_mv(self):
        return sum(self.cell_mv())

    def speed_kmh(self):
        """A made-up bike: 2 km/h per discharge amp, up to 45 km/h."""
        return min(max(-self.pack_current_ma, 0) * 2 / 1000, 45.0)

    def _run(self, ms):
        current = self.pack_current_ma
        self._charge = min(max(self._charge + current * ms, 0), self._full)
        if current < 0:
            self._used -= current * ms
        self._distance_m += self.speed_kmh() * ms / 3600
        self._temp_ms += ms
        while self._temp_ms >= 1000:  # temperatures drift a little, once a second
            self._temp_ms -= 1000
            for i in (0, 1):
                self._temps[i] = min(max(self._temps[i] + self._rng.randint(-1, 1), 150), 450)
        self.t += ms

    @property
    def registers(self):
        """The register bank 0..399 with protocol.md section 3 values as of now."""
        regs = self._regs
        cells = self.cell_mv()
        for i in range(16):
            j = i - (16 - self.cells)  # a pack of fewer than 16 cells fills the top registers
            regs[i] = cells[j] * 10 if j >= 0 else 0
        for reg, value in ((36, self.pack_mv() / 1000), (38, self.pack_current_ma / 1000)):
            lo, hi = struct.unpack("<HH", struct.pack("<f", value))
            regs[reg], regs[reg + 1] = lo, hi
        regs[40], regs[41] = min(cells), max(cells)
        regs[48], regs[42], regs[43] = (temp & 0xFFFF for temp in self._temps)
        regs[45] = 50000  # state of health 100 %
        regs[46], regs[47] = self.soc & 0xFFFF, self.soc >> 16
        regs[50] = self.status
        regs[53] = self.cells
        regs[114] = self._wake_reason << 8
        regs[306] = self.capacity_mah // 10
        regs[307] = self.cells
        regs[334] = 1  # ignition on AIDO1
        return regs

    # ---- sleep and wake ----------------------------------------------------

    def sleep(self):
        """Fall asleep now: silent until ignition, the charger or a request wakes it."""
        self.asleep = True
        self._rx = bytearray()
        self._answers = bytearray()
        self._held = b""

    def _wake(self, reason):
        self.asleep = False
        self._wake_reason = reason
        self._quiet_since = self.t
        self._due = self.t + PERIODS_MS.get(self._regs[REG_PERIOD], 0)
        self._header_due = True

    def _held_awake(self):
        """Ignition and the charger keep it awake (and wake it); returns whether one does."""
        if self.ignition or self.charger:
            self._quiet_since = self.t
            if self.asleep:
                self._wake(WAKE_IGNITION if self.ignition else WAKE_CHARGER)
            return True
        return self.sleep_after_ms is None

    # ---- time --------------------------------------------------------------

    def advance(self, ms):
        """Let ``ms`` milliseconds pass; returns the bytes the BMS sent meanwhile (after the faults)."""
        out = bytearray(self._held)
        self._held = b""
        out += self._answers
        self._answers = bytearray()
        end = self.t + ms
        while True:
            held = self._held_awake()
            period = PERIODS_MS.get(self._regs[REG_PERIOD], 0)
            nxt = end
            if not self.asleep:
                if not held:
                    if self.t - self._quiet_since >= self.sleep_after_ms:
                        self.sleep()
                        continue
                    nxt = min(nxt, self._quiet_since + self.sleep_after_ms)
                if period:
                    if self.t >= self._due:
                        out += self._broadcast()
                        self._due += period
                        continue
                    nxt = min(nxt, self._due)
            if self.t >= end:
                break
            self._run(nxt - self.t)
        return self._filter(out)

    # ---- what it sends -----------------------------------------------------

    def _broadcast(self):
        fmt = self._regs[REG_FORMAT]
        if fmt == FORMATS["socbar"]:
            return self._split(frame(0x1A, struct.pack("<I", self.soc)))
        if fmt != FORMATS["cav3"]:
            return b""
        row = b""
        if self._header_due:
            row, self._header_due = CAV3_HEADER, False
        amps = -self.pack_current_ma / 1000
        speed = self.speed_kmh()
        throttle = 0.84 + 2.8 * speed / 45 if speed else 0.84
        cols = (
            _decimals(self._used / 3_600_000_000, 4, 3, 10),
            "%.2f" % (self.pack_mv() / 1000),
            _decimals(amps, 2, 1, 100),
            "%.2f" % speed,
            "%.3f" % (self._distance_m / 1000),
            "%.1f" % (self._temps[1] / 10),
            "%d" % (speed * 2),
            "%d" % (speed * 6),
            "%.1f" % (speed / 5),
            "%.2f" % throttle,
            "%.2f" % throttle,
            "0.00",
            "0",
            "0",
        )
        return self._split(row + "\t".join(cols).encode() + b"\r\n")

    def _split(self, data):
        """Maybe hold back a tail of ``data`` to the next ``advance``: a frame arriving in pieces."""
        if self.split_rate and len(data) > 1 and self._fault_rng.random() < self.split_rate:
            cut = self._fault_rng.randint(1, len(data) - 1)
            self._held += data[cut:]
            return data[:cut]
        return data

    def _filter(self, data):
        """The cable between the BMS and the listener: unplugged, wrong line rate, noise, drops."""
        if self.unplugged:
            return b""
        rng = self._fault_rng
        if self.wrong_baud:
            # A receiver at the wrong rate reads misclocked bytes, mostly 0x00/0xFF-like
            # patterns with a few random ones, and loses about one byte in three.
            return bytes(rng.choice(MISCLOCKED) if rng.random() < 0.8 else rng.randrange(256)
                         for _ in data if rng.random() >= 1 / 3)
        if not (self.noise_rate or self.drop_rate):
            return bytes(data)
        out = bytearray()
        for byte in data:
            if rng.random() < self.drop_rate:
                continue
            if rng.random() < self.noise_rate:
                byte ^= rng.randrange(1, 256)  # always a different byte
            out.append(byte)
        return bytes(out)

    # ---- what it hears -----------------------------------------------------

    def receive(self, data):
        """Bytes sent to the BMS. Asleep, they only wake it: the bytes that wake it are lost."""
        if self.unplugged or not data:
            return
        self._quiet_since = self.t
        if self.asleep:
            self._wake(WAKE_UART)
            return
        if self._rx and self.t - self._rx_t > PARTIAL_MS:
            self._rx = bytearray()
        self._rx += data
        self._rx_t = self.t
        while self._rx:
            start = self._rx.find(b"\xaa")
            if start < 0:
                self._rx = bytearray()
                return
            del self._rx[:start]
            n = self._request_length()
            if n is None or len(self._rx) < n:
                return  # the rest is still on its way
            if n == 0:
                self._answers += frame(0x00, self._rx[1], 0x00)  # unknown command
                del self._rx[:2]
                continue
            request = bytes(self._rx[:n])
            del self._rx[:n]
            if crc16(request, 0, n - 2) != request[n - 2] | request[n - 1] << 8:
                self._answers += frame(0x00, request[1], 0x01)
            else:
                self._answers += self._answer(request)

    def _request_length(self):
        """Bytes in the request at the buffer's start; None if not known yet, 0 for unknown commands."""
        rx = self._rx
        if len(rx) < 2:
            return None
        cmd = rx[1]
        if cmd in SIMPLE:
            return 4
        if cmd == 0x03:
            return 8
        if cmd == 0x07:
            return 7
        if cmd == 0x09:
            return 5 + (rx[2] & 0x3F) if len(rx) > 2 else None
        if cmd == 0x10:
            return 9 + rx[6] if len(rx) > 6 else None
        return 0

    def _answer(self, rq):
        cmd = rq[1]
        regs = self.registers
        if cmd == 0x03:
            addr, n = rq[2] << 8 | rq[3], rq[4] << 8 | rq[5]
            if not 1 <= n <= 127 or addr + n > 400:
                return frame(0x00, cmd, 0x00)
            return frame(cmd, 2 * n, b"".join(struct.pack(">H", regs[a]) for a in range(addr, addr + n)))
        if cmd == 0x07:
            n, addr = rq[2], rq[3] | rq[4] << 8
            if not 1 <= n <= 31 or addr + n > 400:
                return frame(0x00, cmd, 0x00)
            return frame(cmd, 2 * n, _u16le(regs[a] for a in range(addr, addr + n)))
        if cmd == 0x09:
            size = rq[2] & 0x3F
            addrs = [rq[3 + i] | rq[4 + i] << 8 for i in range(0, size, 2)]
            if size % 2 or size > 30 or any(a >= 400 for a in addrs):
                return frame(0x00, cmd, 0x00)
            return frame(cmd, 2 * size, b"".join(struct.pack("<HH", a, regs[a]) for a in addrs))
        if cmd == 0x10:
            return self._write(rq)
        if cmd == 0x14:
            return frame(cmd, struct.pack("<f", self.pack_mv() / 1000))
        if cmd == 0x15:
            return frame(cmd, struct.pack("<f", self.pack_current_ma / 1000))
        if cmd in (0x16, 0x17):
            return frame(cmd, struct.pack("<H", regs[41 if cmd == 0x16 else 40]))
        if cmd == 0x18:
            return frame(cmd, struct.pack("<H", regs[50]))
        if cmd == 0x1A:
            return frame(cmd, struct.pack("<I", self.soc))
        if cmd == 0x1B:
            return frame(cmd, 6, struct.pack("<hhh", *self._temps))
        if cmd == 0x1C:
            return frame(cmd, 2 * self.cells, _u16le(mv * 10 for mv in self.cell_mv()))
        if cmd in (0x1E, 0x1F):
            version = VERSION if cmd == 0x1E else VERSION_EXT
            return frame(cmd, len(version), version)
        # 0x20: speed, distance left, time left, while discharging
        current = self.pack_current_ma
        seconds = self._charge // -current // 1000 if current < 0 else 0
        km = int(self.speed_kmh() * seconds / 3600)
        return frame(cmd, struct.pack("<fII", self.speed_kmh(), km, seconds))

    def _write(self, rq):
        """Modbus write 0x10, accepted for the broadcast registers 342 and 343 only."""
        addr, n, size = rq[2] << 8 | rq[3], rq[4] << 8 | rq[5], rq[6]
        values = [rq[7 + 2 * i] << 8 | rq[8 + 2 * i] for i in range(n)] if size == 2 * n else []
        limits = {REG_PERIOD: 7, REG_FORMAT: 2}
        regs = range(addr, addr + n)
        if not values or any(r not in limits or v > limits[r] for r, v in zip(regs, values)):
            return frame(0x00, 0x10, 0x00)
        for reg, value in zip(regs, values):
            self._regs[reg] = value
        self._due = self.t + PERIODS_MS.get(self._regs[REG_PERIOD], 0)
        self._header_due = True
        return frame(rq[1:6])


# ---- command line ----------------------------------------------------------


def _model(args):
    sim = TinyBmsSim(
        seed=args.seed, capacity_mah=args.capacity_mah, cells=args.cells, chemistry=args.chemistry,
        soc_pct=args.soc, current_ma=args.current_ma, broadcast=args.broadcast, period_ms=args.period_ms,
        ignition=args.ignition, sleep_after_ms=args.sleep_after_ms or None,
    )
    sim.charger, sim.fault = args.charger, args.fault
    sim.noise_rate, sim.drop_rate, sim.split_rate = args.noise, args.drop, args.split
    sim.wrong_baud = args.wrong_baud
    return sim


def run_pty(sim, out=sys.stdout):
    """Serve the model on a new pseudo-terminal in real time until interrupted."""
    import select
    import time
    import tty

    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)  # no echo, no line editing: bytes pass untouched
    os.set_blocking(master, False)  # nobody listening: bytes are lost, as on a real UART
    out.write("%s\n" % os.ttyname(slave))
    out.flush()
    start = time.monotonic()
    try:
        while True:
            if select.select([master], [], [], 0.01)[0]:
                sim.receive(os.read(master, 4096))
            data = sim.advance(int((time.monotonic() - start) * 1000) - sim.t)
            if data:
                try:
                    os.write(master, data)
                except BlockingIOError:
                    pass
    except KeyboardInterrupt:
        pass
    finally:
        os.close(slave)
        os.close(master)


def write_capture(sim, path, seconds, source):
    """Run the model for ``seconds`` of virtual time into a capture file, as fast as possible."""
    import capturefile

    step = 10
    with open(path, "wb") as stream:
        writer = capturefile.Writer(stream, 115200, source)
        while sim.t < seconds * 1000:
            data = sim.advance(step)
            writer.chunk(sim.t, data)


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--pty", action="store_true", help="serve on a new pty in real time")
    mode.add_argument("--capture", metavar="FILE", help="write a capture file in virtual time")
    parser.add_argument("--seconds", type=float, default=60, help="virtual seconds for --capture")
    model = parser.add_argument_group("model")
    model.add_argument("--seed", type=int, default=0)
    model.add_argument("--capacity-mah", type=int, default=10000)
    model.add_argument("--cells", type=int, default=13)
    model.add_argument("--chemistry", choices=sorted(OCV_MV), default="nmc")
    model.add_argument("--soc", type=float, default=100, help="starting SOC in percent")
    model.add_argument("--current-ma", type=int, default=-5000, help="load current, negative = discharge")
    model.add_argument("--broadcast", choices=("cav3", "socbar", "none"), default="cav3")
    model.add_argument("--period-ms", type=int, choices=sorted(PERIODS_MS.values()), default=1000)
    model.add_argument("--ignition", action="store_true", help="ignition on: never sleeps")
    model.add_argument("--sleep-after-ms", type=int, default=60000, help="idle time before sleep, 0 = never")
    model.add_argument("--charger", action="store_true")
    model.add_argument("--fault", action="store_true", help="status 0x9B")
    faults = parser.add_argument_group("faults on the output")
    faults.add_argument("--noise", type=float, default=0.0, help="share of bytes corrupted")
    faults.add_argument("--drop", type=float, default=0.0, help="share of bytes dropped")
    faults.add_argument("--split", type=float, default=0.0, help="share of broadcasts split over two writes")
    faults.add_argument("--wrong-baud", action="store_true", help="garble as a receiver at the wrong rate")
    args = parser.parse_args(argv)
    try:
        sim = _model(args)
    except ValueError as exc:
        parser.error(str(exc))
    if args.pty:
        run_pty(sim)
    else:
        source = "bms_sim seed=%d broadcast=%s period_ms=%d" % (args.seed, args.broadcast, args.period_ms)
        write_capture(sim, args.capture, args.seconds, source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
