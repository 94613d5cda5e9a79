"""Streaming decoder of the Tiny BMS 0xAA binary protocol (the requests: socbar/requests.py).

Frames are ``AA cmd payload CRC`` (docs/protocol.md section 2). The length of a
response comes from its command byte, or from its PL byte for the variable
ones. Bytes are gathered in one bounded buffer, so a frame may arrive split
anywhere; a frame that fails its CRC is counted and the search resumes at the
byte after its 0xAA, so a good frame hidden inside it is still found.

Speed on the RP2040: ``feed`` is one viper function (machine code) that
copies a pass's bytes in, walks them (sync search, lengths, CRC) and decodes
the replies a reader asks for (SOC, status, voltage, current, cells,
temperatures, range) in place, without a call; only the frames a listener
rarely sees (register blocks, versions, ACK / NACK, 0x09) cost a call, to
bytecode. Machine code keeps its call state on the C stack: a bytecode
function that needs more than 11 machine words of state gets its frame from
the heap on every call, which the chip pays for in ``gc_alloc`` even though
``gc.mem_alloc()`` never shows it. On CPython the same source
runs as plain Python (socbar.compat).

A listener may also see the requests of a poller on the same line. A frame
whose response reading fails its CRC but whose request reading passes is
counted in ``requests``; the last request is remembered (its command, and the
start address and count of a 0x03 / 0x07 / 0x09 request) so the reply can
name its registers. Once a request was seen that can be nothing else, a
response is data only when it answers the last request, and one request gets
one reply; any other CRC-valid response counts as bad. A 0x09 frame with a PL
of 4k reads as k (address, value) pairs or as 2k addresses alike, so it is a
reply only when it answers a remembered 0x09 request (k addresses, the same
first one); otherwise it is counted as a request, and, being ambiguous, it
does not switch the line to answers-only. Four (``_ASK_MEMORY``) responses in a row that
answer nothing switch it back: the poller has gone, or the "request" was
noise that passed its CRC, and a broadcasting BMS must not stay unheard. A 0x10 write request
(from a configuration tool) is not one of these forms and counts as bad.

A CRC proves that bytes arrived intact, not that they are a frame: on a busy
line a window across other frames passes the CRC one time in 65 536. So a
response whose values no BMS can send (the ``_*_MAX`` / ``_*_MIN`` bounds below,
each with its reason) counts as bad and writes nothing.

Counters: ``good`` responses decoded; ``bad`` frames that failed their CRC,
answered no request or carried implausible values; ``skipped`` bytes dropped
while hunting for a frame; ``requests`` read requests of another device;
``overlong`` frames whose PL announced more than a response can carry.

Units follow socbar/fields.py. Floats become milli-units with integer arithmetic
(``_milli``); a NaN or infinite float leaves its slot and flag untouched
while the frame still counts as good, because a CRC-correct frame proves the
link works. Magnitudes of 2**20 units or more, and 32-bit counters of 2**30 or
more, saturate at 2**30 - 1 so that every value stays a small int on the
RP2040 and decoding never allocates.
"""

from .compat import const
from .crctable import TABLE as _CRC_TABLE

try:
    import micropython
except ImportError:  # CPython: the scanner runs as plain Python
    from .compat import micropython

# The viper functions take bytearrays and arrays as ptr8 / ptr32; the stubs cannot say so.
# pyright: reportArgumentType=false

# socbar/fields.py's constants, as private copies: mpy-cross folds them into the code, so
# they cost no globals entry and no lookup (host_tests/test_pc_constants.py checks them).
_F_ACK = const(0x0800)
_F_CELL_MAX = const(0x8000)
_F_CELL_MIN = const(0x0010)
_F_CELLS = const(0x0040)
_F_CURRENT = const(0x0008)
_F_NACK = const(0x1000)
_F_RANGE = const(0x2000)
_F_SOC = const(0x0001)
_F_SPEED = const(0x0200)
_F_STATUS = const(0x0002)
_F_TEMPS = const(0x0020)
_F_VOLTAGE = const(0x0004)
_MAX_CELLS = const(16)
_MAX_REGS = const(127)
_MAX_VERSION = const(8)
_NO_SENSOR = const(-32768)
_SOC_FULL = const(100_000_000)

_SYNC = const(0xAA)

# Saturation bound and the NaN / infinity marker of float_milli.
_MILLI_MAX = const(0x3FFFFFFF)
_NOT_FINITE = const(-0x40000000)

# The largest frame: a 0x03 reply carrying MAX_REGS registers.
_MAX_FRAME = const(3 + 2 * _MAX_REGS + 2)

# Indexed by command byte (0x00-0x20), one table after the other in _TABLES:
# _FIXED, the total length of a response without a PL byte; _MAX_PL, the
# largest PL a response can carry into the Reading (0 = no such response);
# _REQUEST, the length of the request form (0 = none).
_FIXED = const(0)
_MAX_PL = const(33)
_REQUEST = const(66)
_TABLES = bytes(
    (6, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 8, 8, 6, 6, 6, 0, 8, 0, 0, 0, 0, 0, 16)
    + (0, 0, 0, 2 * _MAX_REGS, 0, 0, 0, 63, 0, 63, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6,
       2 * _MAX_CELLS, 0, 3 + 2 * (_MAX_VERSION - 3), 3 + 2 * (_MAX_VERSION - 3), 0)
    + (0, 0, 0, 8, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4, 0, 4, 4, 4, 0, 4, 4, 4)
)
_LAST_CMD = const(0x20)

# Bytes gathered before scanning: the largest frame and a whole UART read.
_WORK = const(_MAX_FRAME + 256)

# What the decoding of a CRC-valid frame says when it cannot use it.
_MALFORMED = const(-1)  # counted bad: malformed, answering no request, or implausible
_IS_REQUEST = const(-2)

_ASK_MEMORY = const(4)  # unanswered responses after which a line is no longer answers-only

# Plausibility bounds of decoded values (docs/protocol.md sections 1-3).
_PACK_MV_MAX = const(100_000)  # the BMS serves 4S-16S packs up to 60 V; 16S at 4.5 V/cell is 72 V
_CURRENT_MA_MAX = const(5_000_000)  # 5 kA in either direction: beyond any shunt on a 60 V pack
_CELL_MV_MAX = const(5_000)  # no lithium chemistry charges a cell above 4.5 V
_TEMP_MIN = const(-550)  # 0.1 degC: below any sensor's and any cell's range
_TEMP_MAX = const(1500)  # 150 degC
_SPEED_MAX = const(500_000)  # 0.001 km/h: 500 km/h, no vehicle on such a pack drives faster
_DISTANCE_KM_MAX = const(100_000)  # distance left on one charge: no battery vehicle drives that far
_TIME_LEFT_S_MAX = const(315_360_000)  # ten years of charge left, even for a solar store at rest


def _crc_ok(buf, at, length):
    """True when the CRC-16/MODBUS of ``buf[at:at + length - 2]`` matches its last two bytes.

    For the rare checks the walk leaves to a call (a request's form, a frame hidden behind an
    incomplete one): plain bytecode, within 11 words of state."""
    end = at + length - 2
    crc = 0xFFFF
    table = _CRC_TABLE
    while at < end:
        crc = (crc >> 8) ^ table[(crc ^ buf[at]) & 0xFF]
        at += 1
    return crc == buf[end] | (buf[end + 1] << 8)


@micropython.viper
def _milli(hi: int, lo: int) -> int:
    """1000 x the IEEE-754 single whose upper / lower 16 bits are ``hi`` / ``lo``, as an int.

    Rounds to nearest (ties away from zero), saturates at +-_MILLI_MAX and returns _NOT_FINITE
    for NaN and infinities; works on the sign, exponent and mantissa with intermediates below
    2**30.
    """
    exp = (hi >> 7) & 0xFF
    if exp == 0xFF:
        return _NOT_FINITE
    if exp >= 147:  # |x| >= 2**20
        return -_MILLI_MAX if hi & 0x8000 else _MILLI_MAX
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


_register_frames = None  # socbar.registers, once a frame needed it


def _register_module():
    """socbar/registers.py, imported at the first frame that needs it (an import statement run
    again would build the module's dotted name on the heap each time)."""
    global _register_frames
    if _register_frames is None:
        from . import registers

        _register_frames = registers
    return _register_frames


class TinyBmsDecoder:
    """Turns 0xAA frames into the slots of a Reading; see the module docstring.

    Incoming bytes are appended to one work buffer, which ``feed`` (machine
    code on MicroPython) walks; it calls Python at most once per frame, never
    per byte. The bytes of a frame not yet complete move to the front of the
    buffer at the end of each walk.

    Counters: ``good``, ``bad``, ``skipped``, ``overlong``, ``requests`` (see
    the module docstring) and ``pending``, the bytes held for a frame not yet
    complete.
    """

    name = "tinybms"

    def __init__(self, reading):
        self.reading = reading
        self.on_record = None
        self.good = 0
        self.bad = 0
        self.skipped = 0
        self.overlong = 0
        self.requests = 0
        self.pending = 0
        self._work = bytearray(_WORK)
        self._buf = bytearray(_MAX_FRAME)  # the frame being decoded
        self._req_cmd = 0
        self._asked = 0  # answers-only while > 0: unanswered responses still tolerated
        self._req_addr = 0
        self._req_count = 0
        self._req_list = None  # a 0x09 request's address bytes (PL <= 63), made at the first

    def reset(self):
        """Drop a partial frame (counted as skipped) and any remembered request."""
        self.skipped += self.pending
        self.pending = 0
        self._req_cmd = 0

    @micropython.viper
    def feed(self, data: ptr8, n: int) -> int:
        """Consume ``data[0:n]``; return the OR of the F_* flags of the frames completed.

        Each chunk that fits the work buffer (a pass's whole read) is copied in and walked:
        sync bytes found, each frame's length taken from its command byte (or its PL), its CRC
        checked, and every frame or request completed copied out and handled; bytes passed
        over are counted as skipped, false syncs as bad or overlong. A CRC-valid response that
        is refused (malformed, implausible, or no answer to the last request) is tried again as
        a request. The counters are published once, at the end: a pass costs a handful of
        attribute stores."""
        work_buf = self._work  # the object, for the calls that need it
        work = ptr8(work_buf)
        frame = ptr8(self._buf)
        tables = ptr8(_TABLES)
        crc_table = ptr16(_CRC_TABLE)
        on_record = self.on_record
        reading = self.reading
        end = int(self.pending)
        skipped = 0
        bad = 0
        overlong = 0
        good = 0
        requests = 0
        heard = 0  # the OR of the flags of the frames decoded
        i = 0
        while i < n:
            take = _WORK - end
            if take > n - i:
                take = n - i
            k = 0
            while k < take:
                work[end + k] = data[i + k]
                k += 1
            end += take
            i += take
            pos = 0
            refused = 0  # the response at ``pos`` was refused: only its request form is left
            # An incomplete response at ``held`` waits for its rest only when no complete response
            # starts after it: a false sync announcing a long frame would otherwise hold back good
            # frames. While ``held`` >= 0 the walk only probes for such a frame, counting nothing;
            # ``hides`` says one was found, so the sync at ``held`` is dropped.
            held = -1
            hides = 0
            while True:
                if pos >= end or (held >= 0 and end - pos < 2):
                    if held >= 0:
                        pos = held  # nothing hides behind it: wait for its rest
                    break
                if work[pos] != _SYNC:
                    pos += 1
                    if held < 0:
                        skipped += 1
                    continue
                if end - pos < 2:
                    break
                cmd = int(work[pos + 1])
                length = 0
                if cmd <= _LAST_CMD:
                    length = int(tables[_FIXED + cmd])
                    if not length:
                        max_pl = int(tables[_MAX_PL + cmd])
                        if max_pl and end - pos >= 3:
                            pl = int(work[pos + 2])
                            if cmd == 0x07 or cmd == 0x09:
                                pl = pl & 0x3F
                            length = pl + 5 if pl <= max_pl else -1
                        elif max_pl and held < 0:
                            break  # its PL is still to come
                if held >= 0:  # probing: a complete, CRC-valid response ends it
                    if length > 0 and end - pos >= length and _crc_ok(work_buf, pos, length):
                        pos = held
                        held = -1
                        hides = 1
                    else:
                        pos += 1
                    continue
                if length == 0:
                    pos += 1
                    skipped += 1
                    continue
                found = 0  # 1: a response, 2: a request of another device
                if refused:
                    refused = 0
                elif length > 0:
                    if end - pos >= length:
                        crc = 0xFFFF
                        k = pos
                        last = pos + length - 2
                        while k < last:
                            crc = (crc >> 8) ^ crc_table[(crc ^ work[k]) & 0xFF]
                            k += 1
                        if crc == (work[last] | (work[last + 1] << 8)):
                            found = 1
                    elif hides:
                        hides = 0
                    else:
                        held = pos
                        pos += 1
                        continue
                if not found:
                    req = int(tables[_REQUEST + cmd])
                    if req:
                        if end - pos < req:
                            break
                        if _crc_ok(work_buf, pos, req):
                            found = 2
                            length = req
                if not found:
                    if length < 0:
                        overlong += 1
                    else:
                        bad += 1
                    pos += 1
                    skipped += 1
                    continue
                k = 0
                while k < length:
                    frame[k] = work[pos + k]
                    k += 1
                if found == 2:
                    requests += 1
                    self._remember(cmd)
                else:
                    flags = _MALFORMED
                    if cmd == 0x09 or (self._asked and not self._req_answered(cmd)):
                        if cmd == 0x09:  # no call for the answers-only check on a line of broadcasts
                            flags = int(self._rare(cmd, length - 5))
                    elif cmd == 0x1A:
                        hi = frame[4] | (frame[5] << 8)
                        if hi <= (_SOC_FULL >> 16):  # also keeps the value a small int
                            soc = (hi << 16) | frame[2] | (frame[3] << 8)
                            if soc <= _SOC_FULL:
                                reading.soc = soc
                                flags = _F_SOC
                    elif cmd == 0x18:
                        reading.status = frame[2] | (frame[3] << 8)
                        flags = _F_STATUS
                    elif cmd == 0x14 or cmd == 0x15:
                        value = int(_milli(frame[4] | (frame[5] << 8), frame[2] | (frame[3] << 8)))
                        if value == _NOT_FINITE:
                            flags = 0  # a good frame whose value says nothing
                        elif cmd == 0x14:
                            if value >= 0 and value <= _PACK_MV_MAX:
                                reading.voltage_mv = value
                                flags = _F_VOLTAGE
                        elif value >= -_CURRENT_MA_MAX and value <= _CURRENT_MA_MAX:
                            reading.current_ma = value
                            flags = _F_CURRENT
                    elif cmd == 0x16 or cmd == 0x17:
                        value = frame[2] | (frame[3] << 8)
                        if value <= _CELL_MV_MAX:
                            if cmd == 0x16:
                                reading.cell_max_mv = value
                                flags = _F_CELL_MAX
                            else:
                                reading.cell_min_mv = value
                                flags = _F_CELL_MIN
                    elif cmd == 0x20:  # speed (float km/h), distance (km), time left (s): u32 saturated
                        hi = frame[8] | (frame[9] << 8)
                        distance = _MILLI_MAX if hi >= 0x4000 else (hi << 16) | frame[6] | (frame[7] << 8)
                        hi = frame[12] | (frame[13] << 8)
                        left = _MILLI_MAX if hi >= 0x4000 else (hi << 16) | frame[10] | (frame[11] << 8)
                        value = int(_milli(frame[4] | (frame[5] << 8), frame[2] | (frame[3] << 8)))
                        if (distance <= _DISTANCE_KM_MAX and left <= _TIME_LEFT_S_MAX
                                and (value == _NOT_FINITE or (value >= -_SPEED_MAX and value <= _SPEED_MAX))):
                            flags = _F_RANGE
                            if value != _NOT_FINITE:
                                reading.speed = value
                                flags = _F_RANGE | _F_SPEED
                            reading.distance_km = distance
                            reading.time_left_s = left
                    elif cmd == 0x1B or cmd == 0x1C:
                        if length & 1:  # an even PL: 16-bit words (an odd one is malformed)
                            count = (length - 5) >> 1
                            if cmd == 0x1C:
                                cells = ptr16(reading.cells)
                                k = 0
                                while k < count:
                                    cells[k] = frame[3 + 2 * k] | (frame[4 + 2 * k] << 8)
                                    k += 1
                                reading.cell_count = count
                                flags = _F_CELLS
                            else:  # internal, external 1 and 2: a missing one reads "no sensor"
                                t0 = frame[3] | (frame[4] << 8) if count > 0 else 0x8000
                                t1 = frame[5] | (frame[6] << 8) if count > 1 else 0x8000
                                t2 = frame[7] | (frame[8] << 8) if count > 2 else 0x8000
                                t0 -= (t0 & 0x8000) << 1  # int16
                                t1 -= (t1 & 0x8000) << 1
                                t2 -= (t2 & 0x8000) << 1
                                if ((t0 == _NO_SENSOR or (t0 >= _TEMP_MIN and t0 <= _TEMP_MAX))
                                        and (t1 == _NO_SENSOR or (t1 >= _TEMP_MIN and t1 <= _TEMP_MAX))
                                        and (t2 == _NO_SENSOR or (t2 >= _TEMP_MIN and t2 <= _TEMP_MAX))):
                                    temps = ptr16(reading.temps)
                                    temps[0] = t0
                                    temps[1] = t1
                                    temps[2] = t2
                                    flags = _F_TEMPS
                    else:
                        flags = int(self._rare(cmd, length - 5))
                    if flags == _MALFORMED:
                        refused = 1  # not a response after all: its request form, or bad
                        continue
                    if flags == _IS_REQUEST:
                        requests += 1
                    else:
                        good += 1
                        heard |= flags
                        if on_record:
                            reading.have = int(reading.have) | flags
                            on_record(flags)
                pos += length
            if pos:  # what was handled leaves the work buffer; a partial frame moves to its start
                k = 0
                while pos + k < end:
                    work[k] = work[pos + k]
                    k += 1
                end -= pos
        self.pending = end
        if heard:
            reading.have = int(reading.have) | heard
        if good:
            self.good = int(self.good) + good
        if skipped:
            self.skipped = int(self.skipped) + skipped
        if bad:
            self.bad = int(self.bad) + bad
        if overlong:
            self.overlong = int(self.overlong) + overlong
        if requests:
            self.requests = int(self.requests) + requests
        return heard

    def _remember(self, cmd):
        """Keep the last request: its command, and a 0x03 / 0x07 one's start address and count."""
        buf = self._buf
        self._req_cmd = cmd
        self._asked = _ASK_MEMORY
        if cmd == 0x03:
            self._req_addr = (buf[2] << 8) | buf[3]
            self._req_count = buf[5]
        elif cmd == 0x07:
            self._req_addr = buf[3] | (buf[4] << 8)
            self._req_count = buf[2]

    def _req_answered(self, cmd):
        """On an answers-only line: True when a response of ``cmd`` answers the last request."""
        asked = self._req_cmd
        if cmd <= 0x01:  # NACK / ACK name the command they answer
            cmd = self._buf[2]
        if asked != cmd or asked == 0:
            self._asked -= 1
            return False
        if cmd != 0x03 and cmd != 0x07:  # _block still needs the address
            self._req_cmd = 0
        return True

    def _rare(self, cmd, pl):
        """The frames a broadcasting BMS does not send, as bytecode: ACK / NACK here; 0x09
        pairs and requests, versions and 0x03 / 0x07 register blocks (replies to another
        device's reads) in socbar/registers.py, which the first of them loads."""
        r = self.reading
        buf = self._buf
        if cmd == 0x01:
            r.ack_cmd = buf[2]
            return _F_ACK
        if cmd == 0x10:
            r.ack_cmd = 0x10
            return _F_ACK
        if cmd == 0x00:
            r.nack_cmd = buf[2]
            r.nack_err = buf[3]
            return _F_NACK
        return _register_module().frame(self, cmd, pl)
