"""Streaming decoder of the Tiny BMS 0xAA binary protocol, and read-request builders.

Frames are ``AA cmd payload CRC`` (protocol.md section 2). The length of a
response comes from its command byte, or from its PL byte for the variable
ones. Bytes are gathered in one bounded buffer, so a frame may arrive split
anywhere; a frame that fails its CRC is counted and the search resumes at the
byte after its 0xAA, so a good frame hidden inside it is still found.

A listener may also see the requests of a poller on the same line. A frame
whose response reading fails its CRC but whose request reading passes is
counted in ``requests``; the last request is remembered (its command, and the
start address and count of a 0x03 / 0x07 / 0x09 request) so the reply can
name its registers. Once any request was seen, a response is data only when
it answers the last request, and one request gets one reply; any other
CRC-valid response counts as bad. A 0x09 frame with a PL of 4k reads as k
(address, value) pairs or as 2k addresses alike, so it is a reply only when
it answers a remembered 0x09 request (k addresses, the same first one) and a
request otherwise, even on a line of replies alone. A 0x10 write request
(from a configuration tool) is not one of these forms and counts as bad.

A CRC proves that bytes arrived intact, not that they are a frame: on a busy
line a window across other frames passes the CRC one time in 65 536. So a
response whose values no BMS can send (the ``*_MAX`` / ``*_MIN`` bounds below,
each with its reason) counts as bad and writes nothing.

Counters: ``good`` responses decoded; ``bad`` frames that failed their CRC,
answered no request or carried implausible values; ``skipped`` bytes dropped
while hunting for a frame; ``requests`` read requests of another device;
``overlong`` frames whose PL announced more than a response can carry.

Units follow reading.py. Floats become milli-units with integer arithmetic
(``float_milli``); a NaN or infinite float leaves its slot and flag untouched
while the frame still counts as good, because a CRC-correct frame proves the
link works. Magnitudes of 2**20 units or more, and 32-bit counters of 2**30 or
more, saturate at 2**30 - 1 so that every value stays a small int on the
RP2040 and decoding never allocates.

There is deliberately no builder for write or reset commands: the firmware
never changes BMS settings.
"""

from .bytecopy import copy, drop_until
from .compat import const
from .crc import crc16
from .reading import (
    F_ACK,
    F_CELL_MAX,
    F_CELL_MIN,
    F_CELLS,
    F_CURRENT,
    F_NACK,
    F_RANGE,
    F_REGS,
    F_SOC,
    F_SPEED,
    F_STATUS,
    F_TEMPS,
    F_VERSION,
    F_VOLTAGE,
    MAX_CELLS,
    MAX_REGS,
    MAX_VERSION,
    NO_SENSOR,
    SOC_FULL,
)

SYNC = const(0xAA)
_SYNC = b"\xaa"

# Saturation bound and the NaN / infinity marker of float_milli.
MILLI_MAX = const(0x3FFFFFFF)
NOT_FINITE = const(-0x40000000)

# The largest frame: a 0x03 reply carrying MAX_REGS registers.
MAX_FRAME = 3 + 2 * MAX_REGS + 2

# Indexed by command byte (0x00-0x20). _FIXED: total length of a response
# without a PL byte; _MAX_PL: the largest PL a response can carry into the
# Reading (0 = no such response); _REQUEST: length of the request form.
_FIXED = bytes(
    (6, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 8, 8, 6, 6, 6, 0, 8, 0, 0, 0, 0, 0, 16)
)
_MAX_PL = bytes(
    (0, 0, 0, 2 * MAX_REGS, 0, 0, 0, 63, 0, 63, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6,
     2 * MAX_CELLS, 0, 3 + 2 * (MAX_VERSION - 3), 3 + 2 * (MAX_VERSION - 3), 0)
)
_REQUEST = bytes(
    (0, 0, 0, 8, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4, 0, 4, 4, 4, 0, 4, 4, 4)
)
_LAST_CMD = const(0x20)
_READS = b"\x14\x15\x16\x17\x18\x1a\x1b\x1c\x1e\x1f\x20"

# What _length says when it cannot give a length.
_UNKNOWN = const(0)
_NEED_MORE = const(-1)
_OVERLONG = const(-2)

# What _decode says of a CRC-valid frame it cannot use.
_MALFORMED = const(-1)  # counted bad: malformed, answering no request, or implausible
_IS_REQUEST = const(-2)

# Plausibility bounds of decoded values (protocol.md sections 1-3).
PACK_MV_MAX = const(100_000)  # the BMS serves 4S-16S packs up to 60 V; 16S at 4.5 V/cell is 72 V
CURRENT_MA_MAX = const(5_000_000)  # 5 kA in either direction: beyond any shunt on a 60 V pack
CELL_MV_MAX = const(5_000)  # no lithium chemistry charges a cell above 4.5 V
TEMP_MIN = const(-550)  # 0.1 degC: below any sensor's and any cell's range
TEMP_MAX = const(1500)  # 150 degC
SPEED_MAX = const(500_000)  # 0.001 km/h: 500 km/h, no vehicle on such a pack drives faster
DISTANCE_KM_MAX = const(100_000)  # distance left on one charge: no battery vehicle drives that far
TIME_LEFT_S_MAX = const(315_360_000)  # ten years of charge left, even for a solar store at rest


def _milli(hi, lo):
    """Round-to-nearest of 1000 x the float whose upper / lower 16 bits are ``hi`` / ``lo``.

    Works on the sign, exponent and mantissa with intermediates below 2**30.
    """
    exp = (hi >> 7) & 0xFF
    if exp == 0xFF:
        return NOT_FINITE
    if exp >= 147:  # |x| >= 2**20
        return -MILLI_MAX if hi & 0x8000 else MILLI_MAX
    if exp == 0:  # zero or denormal: far below 0.0005
        return 0
    m = 0x800000 | ((hi & 0x7F) << 16) | lo
    k = 150 - exp  # x = m / 2**k, k >= 4
    high = (m >> 12) * 1000
    low = (m & 0xFFF) * 1000
    if k <= 12:
        value = (high << (12 - k)) + ((low + (1 << (k - 1))) >> k)
    else:
        t = k - 12
        if t >= 23:
            return 0
        value = (high + (low >> 12) + (1 << (t - 1))) >> t
    return -value if hi & 0x8000 else value


def float_milli(buf, offset):
    """1000 x the little-endian IEEE-754 single at ``buf[offset:offset + 4]``, as an int.

    Rounds to nearest (ties away from zero), saturates at +-MILLI_MAX, and
    returns NOT_FINITE for NaN and infinities.
    """
    lo = buf[offset] | (buf[offset + 1] << 8)
    hi = buf[offset + 2] | (buf[offset + 3] << 8)
    return _milli(hi, lo)


def _u32(hi, lo):
    """An unsigned 32-bit value from its 16-bit halves, saturated at MILLI_MAX."""
    if hi >= 0x4000:
        return MILLI_MAX
    return (hi << 16) | lo


def _s16(value):
    return value - 0x10000 if value & 0x8000 else value


def _put_crc(buf, n):
    crc = crc16(buf, 0, n)
    buf[n] = crc & 0xFF
    buf[n + 1] = crc >> 8
    return n + 2


def request(buf, cmd):
    """Write the read request ``AA cmd CRC`` into ``buf``; return its length (4).

    Only the single-byte read commands are accepted; anything else is a
    programming error and raises ValueError.
    """
    if not (0 <= cmd <= 0xFF and cmd in _READS):
        raise ValueError("not a read command: 0x%02X" % cmd)
    buf[0] = SYNC
    buf[1] = cmd
    return _put_crc(buf, 2)


def read_registers(buf, addr, count):
    """Write the Modbus read ``AA 03 AH AL 00 N CRC`` into ``buf``; return its length (8)."""
    if not (0 <= addr <= 0xFFFF and 1 <= count <= MAX_REGS):
        raise ValueError("bad register range")
    buf[0] = SYNC
    buf[1] = 0x03
    buf[2] = addr >> 8
    buf[3] = addr & 0xFF
    buf[4] = 0
    buf[5] = count
    return _put_crc(buf, 6)


def read_block(buf, addr, count):
    """Write the block read ``AA 07 N AL AH CRC`` into ``buf``; return its length (7).

    The reply's PL carries 2 x N in six bits, so N is at most 31.
    """
    if not (0 <= addr <= 0xFFFF and 1 <= count <= 31):
        raise ValueError("bad register range")
    buf[0] = SYNC
    buf[1] = 0x07
    buf[2] = count
    buf[3] = addr & 0xFF
    buf[4] = addr >> 8
    return _put_crc(buf, 5)


class TinyBmsDecoder:
    """Turns 0xAA frames into the slots of a Reading; see the module docstring."""

    name = "tinybms"

    def __init__(self, reading):
        self.reading = reading
        self.on_record = None
        self.good = 0
        self.bad = 0
        self.skipped = 0
        self.overlong = 0
        self.requests = 0
        self._buf = bytearray(MAX_FRAME)
        self._n = 0
        self._req_cmd = 0
        self._req_addr = 0
        self._req_count = 0
        self._flags = 0

    def reset(self):
        """Drop a partial frame (counted as skipped) and any remembered request."""
        self.skipped += self._n
        self._n = 0
        self._req_cmd = 0

    def feed(self, data, n):
        """Consume ``data[0:n]``; return the OR of the F_* flags of the frames completed."""
        buf = self._buf
        self._flags = 0
        i = 0
        while i < n:
            if self._n == 0:
                j = data.find(_SYNC, i, n)
                if j < 0:
                    self.skipped += n - i
                    break
                self.skipped += j - i
                buf[0] = SYNC
                self._n = 1
                i = j + 1
                continue
            need = self._settle()
            have = self._n
            if have == 0:
                continue
            take = need - have
            if take > n - i:
                take = n - i
            copy(buf, have, data, i, take)
            self._n = have + take
            i += take
        if self._n:
            self._settle()
        return self._flags

    def _settle(self):
        """Decide on every frame the buffer holds; return the byte count the next decision needs."""
        buf = self._buf
        while True:
            n = self._n
            length = self._length(0, n)
            if length == _NEED_MORE:
                return n + 1
            if length == _UNKNOWN:
                self.skipped += 1
                self._discard(1)
                continue
            cmd = buf[1]
            if length != _OVERLONG:
                if n < length:
                    if not self._hidden_frame(n):
                        return length
                elif self._crc_ok(0, length):
                    flags = self._decode(cmd, length)
                    if flags >= 0:
                        self.good += 1
                        self._flags |= flags
                        self.reading.have |= flags
                        self._discard(length)
                        if self.on_record is not None:
                            self.on_record(flags)
                        continue
                    if flags == _IS_REQUEST:
                        self.requests += 1
                        self._discard(length)
                        continue
            req = _REQUEST[cmd]
            if req:
                if n < req:
                    return req
                if self._crc_ok(0, req):
                    self.requests += 1
                    self._remember(cmd)
                    self._discard(req)
                    continue
            if length == _OVERLONG:
                self.overlong += 1
            else:
                self.bad += 1
            self.skipped += 1
            self._discard(1)

    def _length(self, at, n):
        """Length of the response starting at ``buf[at]``, or _NEED_MORE / _UNKNOWN / _OVERLONG."""
        buf = self._buf
        if n < at + 2:
            return _NEED_MORE
        cmd = buf[at + 1]
        if cmd > _LAST_CMD:
            return _UNKNOWN
        length = _FIXED[cmd]
        if length:
            return length
        max_pl = _MAX_PL[cmd]
        if not max_pl:
            return _UNKNOWN
        if n < at + 3:
            return _NEED_MORE
        pl = buf[at + 2] & 0x3F if cmd == 0x07 or cmd == 0x09 else buf[at + 2]
        return pl + 5 if pl <= max_pl else _OVERLONG

    def _hidden_frame(self, n):
        """True when a complete, CRC-valid frame starts after the incomplete one at the front.

        A false sync announcing a long frame would otherwise hold back up to
        MAX_FRAME bytes of good frames; a real frame rarely hides another.
        """
        buf = self._buf
        j = buf.find(_SYNC, 1, n)
        while j >= 0:
            length = self._length(j, n)
            if length > 0 and j + length <= n and self._crc_ok(j, length):
                return True
            j = buf.find(_SYNC, j + 1, n)
        return False

    def _crc_ok(self, at, length):
        buf = self._buf
        end = at + length
        return crc16(buf, at, end - 2) == buf[end - 2] | (buf[end - 1] << 8)

    def _discard(self, start):
        """Drop ``buf[0:start]``; bytes up to the next 0xAA are skipped, the rest moves to the front."""
        n = self._n
        kept = drop_until(self._buf, start, n, _SYNC)
        self.skipped += n - start - kept
        self._n = kept

    def _remember(self, cmd):
        """Keep the last request: its command, and a 0x03 / 0x07 one's start address and count."""
        buf = self._buf
        self._req_cmd = cmd
        if cmd == 0x03:
            self._req_addr = (buf[2] << 8) | buf[3]
            self._req_count = buf[5]
        elif cmd == 0x07:
            self._req_addr = buf[3] | (buf[4] << 8)
            self._req_count = buf[2]

    def _req_pairs(self, pl):
        """A 0x09 frame of ``pl`` bytes is a reply: it answers the remembered 0x09 request."""
        buf = self._buf
        return (self._req_cmd == 0x09 and pl == 4 * self._req_count
                and buf[3] | (buf[4] << 8) == self._req_addr)

    def _req_answered(self, cmd):
        """True when a response of ``cmd`` is data: no request seen, or it answers the last one."""
        if not self.requests:
            return True
        asked = self._req_cmd
        if cmd <= 0x01:  # NACK / ACK name the command they answer
            cmd = self._buf[2]
        if asked != cmd or asked == 0:
            return False
        if cmd != 0x03 and cmd != 0x07:  # _block still needs the address
            self._req_cmd = 0
        return True

    def _decode(self, cmd, length):
        """Write a CRC-checked frame into the Reading; return its flags, _MALFORMED or _IS_REQUEST."""
        buf = self._buf
        r = self.reading
        pl = length - 5
        if cmd == 0x09:
            # A request lists 2-byte addresses, a reply 4-byte pairs: PL = 4k fits both.
            if pl & 3 == 2 or (pl & 3 == 0 and not self._req_pairs(pl)):
                self._req_cmd = 0x09
                self._req_addr = buf[3] | (buf[4] << 8)
                self._req_count = pl >> 1
                return _IS_REQUEST
            if pl & 3:
                return _MALFORMED
            self._req_cmd = 0  # answered
            return self._pairs(pl >> 2)
        if not self._req_answered(cmd):
            return _MALFORMED
        if cmd == 0x1A:
            soc = _u32(buf[4] | (buf[5] << 8), buf[2] | (buf[3] << 8))
            if soc > SOC_FULL:
                return _MALFORMED
            r.soc = soc
            return F_SOC
        if cmd == 0x18:
            r.status = buf[2] | (buf[3] << 8)
            return F_STATUS
        if cmd == 0x14 or cmd == 0x15:
            value = float_milli(buf, 2)
            if value == NOT_FINITE:
                return 0
            if cmd == 0x14:
                if not 0 <= value <= PACK_MV_MAX:
                    return _MALFORMED
                r.voltage_mv = value
                return F_VOLTAGE
            if not -CURRENT_MA_MAX <= value <= CURRENT_MA_MAX:
                return _MALFORMED
            r.current_ma = value
            return F_CURRENT
        if cmd == 0x16 or cmd == 0x17:
            value = buf[2] | (buf[3] << 8)
            if value > CELL_MV_MAX:
                return _MALFORMED
            if cmd == 0x16:
                r.cell_max_mv = value
                return F_CELL_MAX
            r.cell_min_mv = value
            return F_CELL_MIN
        if cmd == 0x20:
            return self._range()
        if cmd == 0x01:
            r.ack_cmd = buf[2]
            return F_ACK
        if cmd == 0x10:
            r.ack_cmd = 0x10
            return F_ACK
        if cmd == 0x00:
            r.nack_cmd = buf[2]
            r.nack_err = buf[3]
            return F_NACK
        if cmd == 0x1E or cmd == 0x1F:
            return self._version(pl)
        if pl & 1:
            return _MALFORMED
        count = pl >> 1
        if cmd == 0x1B:
            return self._temps(count)
        if cmd == 0x1C:
            cells = r.cells
            for i in range(count):
                if buf[3 + 2 * i] | (buf[4 + 2 * i] << 8) > 10 * CELL_MV_MAX:
                    return _MALFORMED
            for i in range(count):
                cells[i] = buf[3 + 2 * i] | (buf[4 + 2 * i] << 8)
            r.cell_count = count
            return F_CELLS
        return self._block(cmd, count)

    def _range(self):
        """0x20: speed (float km/h), distance left (km) and time left (s), each within its bound."""
        buf = self._buf
        r = self.reading
        speed = float_milli(buf, 2)
        distance = _u32(buf[8] | (buf[9] << 8), buf[6] | (buf[7] << 8))
        time_left = _u32(buf[12] | (buf[13] << 8), buf[10] | (buf[11] << 8))
        if distance > DISTANCE_KM_MAX or time_left > TIME_LEFT_S_MAX:
            return _MALFORMED
        flags = F_RANGE
        if speed != NOT_FINITE:
            if not -SPEED_MAX <= speed <= SPEED_MAX:
                return _MALFORMED
            r.speed = speed
            flags |= F_SPEED
        r.distance_km = distance
        r.time_left_s = time_left
        return flags

    def _temps(self, count):
        """0x1B: internal, external 1 and 2; a sensor reading outside TEMP_MIN..TEMP_MAX is bad."""
        buf = self._buf
        temps = self.reading.temps
        for i in range(count if count < 3 else 3):
            t = _s16(buf[3 + 2 * i] | (buf[4 + 2 * i] << 8))
            if t != NO_SENSOR and not TEMP_MIN <= t <= TEMP_MAX:
                return _MALFORMED
        for i in range(3):
            temps[i] = _s16(buf[3 + 2 * i] | (buf[4 + 2 * i] << 8)) if i < count else NO_SENSOR
        return F_TEMPS

    def _version(self, pl):
        """hw, hw-change, fw as bytes, then 16-bit words (fw-internal, bootloader, register map)."""
        buf = self._buf
        version = self.reading.version
        end = 3 + pl
        p = 3
        k = 0
        while p < end and k < 3:
            version[k] = buf[p]
            p += 1
            k += 1
        while p + 1 < end and k < MAX_VERSION:
            version[k] = buf[p] | (buf[p + 1] << 8)
            p += 2
            k += 1
        self.reading.version_count = k
        return F_VERSION

    def _block(self, cmd, count):
        """A 0x03 (big-endian) or 0x07 (little-endian) run of consecutive registers."""
        buf = self._buf
        r = self.reading
        regs = r.regs
        addrs = r.reg_addrs
        first = -1
        if self._req_cmd == cmd and self._req_count == count and self._req_addr + count <= 0x8000:
            first = self._req_addr
        self._req_cmd = 0
        for i in range(count):
            if cmd == 0x03:
                regs[i] = (buf[3 + 2 * i] << 8) | buf[4 + 2 * i]
            else:
                regs[i] = buf[3 + 2 * i] | (buf[4 + 2 * i] << 8)
            addrs[i] = first + i if first >= 0 else -1
        r.reg_count = count
        if first < 0:
            return F_REGS
        return self._registers()

    def _pairs(self, count):
        """A 0x09 reply: (address, value) pairs, both little-endian."""
        buf = self._buf
        r = self.reading
        regs = r.regs
        addrs = r.reg_addrs
        n = 0
        for i in range(count):
            p = 3 + 4 * i
            addr = buf[p] | (buf[p + 1] << 8)
            if addr < 0x8000:  # reg_addrs holds signed 16-bit addresses; no register lives above
                addrs[n] = addr
                regs[n] = buf[p + 2] | (buf[p + 3] << 8)
                n += 1
        r.reg_count = n
        return self._registers()

    def _registers(self):
        """Copy registers of known address into the meaningful slots (protocol.md section 3)."""
        r = self.reading
        regs = r.regs
        addrs = r.reg_addrs
        if not self._regs_plausible():
            return _MALFORMED
        flags = F_REGS
        for i in range(r.reg_count):
            addr = addrs[i]
            value = regs[i]
            paired = i > 0 and addrs[i - 1] == addr - 1  # 32-bit values: low word first
            if addr < 16:
                r.cells[addr] = value
                if r.cell_count <= addr:
                    r.cell_count = addr + 1
                flags |= F_CELLS
            elif (addr == 37 or addr == 39) and paired:
                milli = _milli(value, regs[i - 1])
                if milli != NOT_FINITE:
                    if addr == 37:
                        r.voltage_mv = milli
                        flags |= F_VOLTAGE
                    else:
                        r.current_ma = milli
                        flags |= F_CURRENT
            elif addr == 40:
                r.cell_min_mv = value
                flags |= F_CELL_MIN
            elif addr == 41:
                r.cell_max_mv = value
                flags |= F_CELL_MAX
            elif addr == 42 or addr == 43 or addr == 48:
                r.temps[0 if addr == 48 else addr - 41] = _s16(value)
                flags |= F_TEMPS
            elif addr == 47 and paired:
                r.soc = _u32(value, regs[i - 1])
                flags |= F_SOC
            elif addr == 50:
                r.status = value
                flags |= F_STATUS
        return flags

    def _regs_plausible(self):
        """False when a register carries what no BMS sends: SOC over 100 %, a cell over CELL_MV_MAX."""
        r = self.reading
        regs = r.regs
        addrs = r.reg_addrs
        for i in range(r.reg_count):
            addr = addrs[i]
            if addr == 40 or addr == 41:
                if regs[i] > CELL_MV_MAX:
                    return False
            elif addr == 47 and i > 0 and addrs[i - 1] == 46 and _u32(regs[i], regs[i - 1]) > SOC_FULL:
                return False
        return True
