"""The Tiny BMS frames of a shared line: register blocks, 0x09 pairs and requests, versions.

A broadcasting or plainly polled BMS sends none of these; they answer another
device's register reads (docs/protocol.md section 3) or report the versions.
The decoder (socbar/tinybms.py) loads this module at the first such frame, so
a board that never hears one keeps it off its heap. Every function here takes
the decoder, reads the frame from its buffer, writes the Reading's slots and
returns the frame's flags, _MALFORMED or _IS_REQUEST; each keeps within the
11 machine words of state a bytecode call holds on the C stack, so a register
frame allocates nothing either.
"""

from .compat import const
from .fields import (
    F_CELL_MAX,
    F_CELL_MIN,
    F_CELLS,
    F_CURRENT,
    F_REGS,
    F_SOC,
    F_STATUS,
    F_TEMPS,
    F_VERSION,
    F_VOLTAGE,
    MAX_VERSION,
    SOC_FULL,
)
from .tinybms import _milli

# socbar/tinybms.py's private constants, as copies (host_tests/test_pc_constants.py checks them).
_MALFORMED = const(-1)
_IS_REQUEST = const(-2)
_ASK_MEMORY = const(4)
_MILLI_MAX = const(0x3FFFFFFF)
_NOT_FINITE = const(-0x40000000)
_CELL_MV_MAX = const(5_000)


def frame(dec, cmd, pl):
    """A CRC-checked 0x09, 0x1E / 0x1F or 0x03 / 0x07 response of ``pl`` payload bytes."""
    dec.reading.slots()  # registers and version words: made at the first such frame
    if cmd == 0x09:
        return _frame_09(dec, pl)
    if cmd == 0x1E or cmd == 0x1F:
        return _version(dec, pl)
    if pl & 1:
        return _MALFORMED
    _words(dec, 3 if cmd == 0x03 else 4, pl >> 1)
    return _block(dec, cmd, pl >> 1)


def _u32(hi, lo):
    """An unsigned 32-bit value from its 16-bit halves, saturated at _MILLI_MAX."""
    if hi >= 0x4000:
        return _MILLI_MAX
    return (hi << 16) | lo


def _req_pairs(dec, pl):
    """A 0x09 frame of ``pl`` bytes is a reply: it answers the remembered 0x09 request,
    pair by pair the addresses asked for, in order."""
    asked = dec._req_list  # None until a 0x09 request was seen
    if asked is None or dec._req_cmd != 0x09 or pl != 4 * dec._req_count:
        return False
    buf = dec._buf
    for i in range(dec._req_count):
        if buf[3 + 4 * i] != asked[2 * i] or buf[4 + 4 * i] != asked[2 * i + 1]:
            return False
    return True


def _req_09(dec, pl):
    """Remember a 0x09 request: its address list, for the reply to match."""
    if dec._req_list is None:
        dec._req_list = bytearray(64)
    asked = dec._req_list
    buf = dec._buf
    for i in range(pl):
        asked[i] = buf[3 + i]
    dec._req_cmd = 0x09
    dec._req_count = pl >> 1


def _frame_09(dec, pl):
    """A 0x09 request (2-byte addresses) or reply (4-byte pairs): PL = 4k fits both."""
    if pl & 3 == 2 or (pl & 3 == 0 and not _req_pairs(dec, pl)):
        if pl & 3 == 2:
            dec._asked = _ASK_MEMORY
        _req_09(dec, pl)
        return _IS_REQUEST
    if pl & 3:
        return _MALFORMED
    dec._req_cmd = 0  # answered
    n = 0
    for i in range(pl >> 2):
        n += _pair(dec, i, n)
    dec.reading.reg_count = n
    return _registers(dec)


def _pair(dec, i, n):
    """Pair ``i`` (address, value, both little-endian) into register slot ``n``; 1 when kept
    (no register lives above 0x7FFF)."""
    buf = dec._buf
    p = 3 + 4 * i
    addr = buf[p] | (buf[p + 1] << 8)
    if addr >= 0x8000:
        return 0
    dec.reading.reg_addrs[n] = addr
    dec.reading.regs[n] = buf[p + 2] | (buf[p + 3] << 8)
    return 1


def _words(dec, hi, count):
    """The registers of a 0x03 (big-endian, high bytes at 3, 5, ...) or 0x07 block (``hi`` 4)."""
    buf = dec._buf
    regs = dec.reading.regs
    i = 0
    while i < count:
        regs[i] = (buf[hi + 2 * i] << 8) | buf[7 - hi + 2 * i]
        i += 1


def _version(dec, pl):
    """hw, hw-change, fw as bytes, then 16-bit words (fw-internal, bootloader, register map)."""
    buf = dec._buf
    version = dec.reading.version
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
    dec.reading.version_count = k
    return F_VERSION


def _block(dec, cmd, count):
    """A 0x03 / 0x07 run of ``count`` registers (``_words`` put their values in ``regs``):
    their addresses come from the request it answers, or are -1 when none was seen."""
    first = -1
    if dec._req_cmd == cmd and dec._req_count == count and dec._req_addr + count <= 0x8000:
        first = dec._req_addr
    dec._req_cmd = 0
    dec.reading.reg_count = count
    addrs = dec.reading.reg_addrs
    for i in range(count):
        addrs[i] = first + i if first >= 0 else -1
    return _registers(dec) if first >= 0 else F_REGS


def _registers(dec):
    """Copy registers of known address into the meaningful slots (docs/protocol.md section 3).

    These paths are rare (replies to register reads) and run as bytecode: each function keeps
    within the 11 machine words of state MicroPython holds on the C stack, so a register
    frame allocates nothing either."""
    if not _regs_plausible(dec):
        return _MALFORMED
    flags = F_REGS
    for i in range(dec.reading.reg_count):
        flags |= _register(dec, i)
    return flags


def _register(dec, i):
    """Register ``i`` of the reply into its slot, if its address has one; the flag it sets."""
    r = dec.reading
    addr = r.reg_addrs[i]
    value = r.regs[i]
    if addr < 16:
        r.cells[addr] = value
        if r.cell_count <= addr:
            r.cell_count = addr + 1
        return F_CELLS
    if addr == 40:
        r.cell_min_mv = value
        return F_CELL_MIN
    if addr == 41:
        r.cell_max_mv = value
        return F_CELL_MAX
    if addr == 42 or addr == 43 or addr == 48:
        r.temps[0 if addr == 48 else addr - 41] = value - ((value & 0x8000) << 1)  # int16
        return F_TEMPS
    if addr == 50:
        r.status = value
        return F_STATUS
    if (addr == 37 or addr == 39 or addr == 47) and i > 0 and r.reg_addrs[i - 1] == addr - 1:
        return _register32(dec, i)
    return 0


def _register32(dec, i):
    """Registers ``i - 1`` and ``i`` hold a 32-bit value, low word first: the pack voltage
    (float, 36-37), the current (float, 38-39) or the SOC (46-47)."""
    r = dec.reading
    addr = r.reg_addrs[i]
    if addr == 47:
        r.soc = _u32(r.regs[i], r.regs[i - 1])
        return F_SOC
    milli = _milli(r.regs[i], r.regs[i - 1])
    if milli == _NOT_FINITE:
        return 0
    if addr == 37:
        r.voltage_mv = milli
        return F_VOLTAGE
    r.current_ma = milli
    return F_CURRENT


def _regs_plausible(dec):
    """False when a register carries what no BMS sends: SOC over 100 %, a cell over _CELL_MV_MAX."""
    r = dec.reading
    for i in range(r.reg_count):
        addr = r.reg_addrs[i]
        if (addr == 40 or addr == 41) and r.regs[i] > _CELL_MV_MAX:
            return False
        if (addr == 47 and i > 0 and r.reg_addrs[i - 1] == 46
                and _u32(r.regs[i], r.regs[i - 1]) > SOC_FULL):
            return False
    return True
