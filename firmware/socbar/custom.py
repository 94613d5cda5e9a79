"""Decoder for a frame format described in the configuration (docs/protocol.md section 4).

The byte layout of the BMS's SOC BAR and ASCII broadcasts is not publicly
documented, so the user describes what a capture shows: sync bytes, total
length, a checksum at the end of the frame, and where each field sits. The
shipped default (boards/default_config.json) is the layout of the BMS's own
0x1A SOC response (``AA 1A``, u32 little-endian SOC, CRC-16/MODBUS); whether
the SOC BAR broadcast looks like that is UNVERIFIED.

The description is compiled once into arrays, so ``feed`` allocates
nothing. Fields named after a Reading slot (``SLOTS``) fill that slot, in
its unit; any other name goes to ``reading.values`` in description order.
A value is raw x mul / div (rounded toward zero) and saturates at
+-(2**30 - 1), so it stays a small int on the RP2040. After a failed
checksum the search resumes at the byte after the sync start, so a good
frame hidden inside the bad one is still found.

``description_errors`` names every problem of a description; the
configuration falls back to the default description when it returns any.
"""

from array import array

from .bytecopy import copy, drop_until
from .compat import const
from .crc import crc16, sum8, xor8
from .fields import (
    F_AH,
    F_CELL_MAX,
    F_CELL_MIN,
    F_CURRENT,
    F_SOC,
    F_SPEED,
    F_STATUS,
    F_TEMPS,
    F_VALUES,
    F_VOLTAGE,
)
from .jsontext import show

try:
    import micropython
except ImportError:  # CPython
    from .compat import micropython

SLOTS = (
    "soc", "status", "voltage_mv", "current_ma", "cell_min_mv", "cell_max_mv", "ah_used_mah", "speed",
    "temp_internal", "temp_ext1", "temp_ext2",
)
_SLOT_FLAGS = (F_SOC, F_STATUS, F_VOLTAGE, F_CURRENT, F_CELL_MIN, F_CELL_MAX, F_AH, F_SPEED,
               F_TEMPS, F_TEMPS, F_TEMPS)
_TEMP0 = const(8)  # index in SLOTS of temp_internal: temps[slot - _TEMP0]
_VALUE0 = const(16)  # slot codes from here on are reading.values[code - _VALUE0]

CHECKSUMS = ("none", "sum8", "xor8", "crc16-modbus")
_SIZES = b"\x00\x01\x01\x02"
_SUM8 = const(1)
_XOR8 = const(2)
_CRC16 = const(3)

MAX_LENGTH = const(64)
MAX_FIELDS = const(16)  # no more than MAX_VALUES: every value field has its slot in reading.values
SCALE_MAX = const(1000000000)  # |mul| and div
SATURATE = const(0x3FFFFFFF)
_TEMP_MAX = const(32767)

_BIG = const(1)  # bits of _how
_SIGNED = const(2)


def _check_int(value, lo, hi):
    """None if ``value`` is an int in lo..hi, else what is allowed."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        return "is not a whole number from %d to %d" % (lo, hi)
    return None


def _sync_bytes(text):
    """The bytes of a 1-4 byte hex string, or None."""
    if not isinstance(text, str) or len(text) not in (2, 4, 6, 8):
        return None
    out = bytearray(len(text) // 2)
    for i in range(len(out)):
        pair = text[2 * i : 2 * i + 2]
        for c in pair:
            if c not in "0123456789abcdefABCDEF":
                return None
        out[i] = int(pair, 16)
    return bytes(out)


def description_errors(desc):
    """Every problem of a frame description, as messages naming key path, value and what is allowed."""
    if not isinstance(desc, dict):
        return ["custom: %s is not an object with sync, length, checksum and fields" % show(desc)]
    errors = []

    def bad(path, value, allowed):
        errors.append("custom%s: %s %s" % (path, show(value), allowed))

    for key in desc:
        if key not in ("sync", "length", "checksum", "checksum_start", "fields"):
            bad("." + key, desc[key], "is not a key of a frame description "
                "(sync, length, checksum, checksum_start, fields)")
    sync = _sync_bytes(desc.get("sync"))
    if sync is None:
        bad(".sync", desc.get("sync"), "is not 1 to 4 bytes in hex, such as \"AA1A\"")
    length = desc.get("length")
    problem = _check_int(length, 1, MAX_LENGTH)
    if problem:
        bad(".length", length, problem)
        length = None
    kind = desc.get("checksum")
    size = 0
    if kind in CHECKSUMS:
        size = _SIZES[CHECKSUMS.index(kind)]
    else:
        bad(".checksum", kind, "is not one of %s" % ", ".join(CHECKSUMS))
    if length is not None and sync is not None and len(sync) + size > length:
        bad(".length", length, "leaves no room for the %d sync and %d checksum bytes" % (len(sync), size))
        length = None
    start = desc.get("checksum_start", 0)
    if length is not None:
        problem = _check_int(start, 0, length - size - 1 if size else length)
        if problem:
            bad(".checksum_start", start, problem + " (the checksum covers checksum_start to length - %d)"
                % size)
    fields = desc.get("fields")
    if not isinstance(fields, list) or not 1 <= len(fields) <= MAX_FIELDS:
        bad(".fields", fields, "is not a list of 1 to %d fields" % MAX_FIELDS)
        return errors
    names = []
    for i, field in enumerate(fields):
        where = ".fields[%d]" % i
        if not isinstance(field, dict):
            bad(where, field, "is not an object with name, offset, width, endian, signed, mul, div")
            continue
        for key in field:
            if key not in ("name", "offset", "width", "endian", "signed", "mul", "div"):
                bad(where + "." + key, field[key], "is not a key of a field "
                    "(name, offset, width, endian, signed, mul, div)")
        name = field.get("name")
        if not isinstance(name, str) or not name:
            bad(where + ".name", name, "is not a name (%s, or any other text for a value)"
                % ", ".join(SLOTS))
        elif name in names:
            bad(where + ".name", name, "is already the name of an earlier field")
        else:
            names.append(name)
        offset = field.get("offset")
        problem = _check_int(offset, 0, MAX_LENGTH - 1)
        if problem:
            bad(where + ".offset", offset, problem)
        width = field.get("width")
        if _check_int(width, 1, 4) or width == 3:
            bad(where + ".width", width, "is not one of 1, 2, 4")
        elif not problem and type(length) is int and type(offset) is int and type(width) is int:
            if offset + width > length:
                bad(where + ".offset", offset, "puts bytes %d to %d past the frame length %d"
                    % (offset, offset + width - 1, length))
            elif offset + width > length - size:
                bad(where + ".offset", offset, "puts bytes %d to %d over the checksum (bytes %d to %d)"
                    % (offset, offset + width - 1, length - size, length - 1))
        endian = field.get("endian", "little")
        if endian not in ("little", "big"):
            bad(where + ".endian", endian, "is not one of little, big")
        signed = field.get("signed", False)
        if signed is not True and signed is not False:
            bad(where + ".signed", signed, "is not true or false")
        mul = field.get("mul", 1)
        if _check_int(mul, -SCALE_MAX, SCALE_MAX) or mul == 0:
            bad(where + ".mul", mul, "is not a whole number from %d to %d other than 0"
                % (-SCALE_MAX, SCALE_MAX))
        div = field.get("div", 1)
        problem = _check_int(div, 1, SCALE_MAX)
        if problem:
            bad(where + ".div", div, problem)
    return errors


class CustomDecoder:
    """Decodes frames of a described layout into the slots of a Reading; see the module docstring.

    ``desc`` must be a description without errors (``description_errors``).

    The functions of every frame are machine code (``@micropython.native``): their state does
    not fit the 11 machine words a bytecode call keeps on the C stack, and a larger one would
    be taken from the heap at every call.
    """

    name = "custom"

    def __init__(self, reading, desc):
        self.reading = reading
        reading.slots()  # the named values' slots
        self.on_record = None
        self.good = 0
        self.bad = 0
        self.skipped = 0
        self.overlong = 0  # frames have a fixed length: never over-long
        sync = _sync_bytes(desc["sync"])
        if sync is None:
            raise ValueError("custom.sync: check the description with description_errors() first")
        self._sync = sync
        self._sync0 = sync[0:1]
        self._length = desc["length"]
        self._kind = CHECKSUMS.index(desc["checksum"])
        self.checked = self._kind != 0  # a checksum vouches for each frame
        self._start = desc.get("checksum_start", 0)
        self._end = self._length - _SIZES[self._kind]
        fields = desc["fields"]
        count = len(fields)
        self._count = count
        self._offset = bytearray(count)
        self._width = bytearray(count)
        self._how = bytearray(count)
        self._slot = bytearray(count)
        self._mul = array("i", bytes(4 * count))
        self._div = array("i", bytes(4 * count))
        self._limit = array("i", bytes(4 * count))  # largest |raw| that mul cannot push past SATURATE
        names = []
        for i, field in enumerate(fields):
            name = field["name"]
            self._offset[i] = field["offset"]
            self._width[i] = field["width"]
            self._how[i] = (_BIG if field.get("endian", "little") == "big" else 0) | (
                _SIGNED if field.get("signed", False) else 0)
            if name in SLOTS:
                self._slot[i] = SLOTS.index(name)
            else:
                self._slot[i] = _VALUE0 + len(names)
                names.append(name)
            mul = field.get("mul", 1)
            self._mul[i] = mul
            self._div[i] = field.get("div", 1)
            self._limit[i] = SATURATE // (mul if mul > 0 else -mul)
        self.value_names = tuple(names)
        self._buf = bytearray(self._length)
        self._n = 0

    def reset(self):
        """Drop a partial frame (counted as skipped)."""
        self.skipped += self._n
        self._n = 0

    @micropython.native
    def feed(self, data, n):
        """Consume ``data[0:n]``; return the OR of the F_* flags of the frames completed."""
        buf = self._buf
        length = self._length
        flags = 0
        i = 0
        while i < n:
            if self._n == 0:
                j = data.find(self._sync0, i, n)
                if j < 0:
                    self.skipped += n - i
                    break
                self.skipped += j - i
                buf[0] = data[j]
                self._n = 1
                i = j + 1
            else:
                have = self._n
                take = length - have
                if take > n - i:
                    take = n - i
                copy(buf, have, data, i, take)
                self._n = have + take
                i += take
            flags |= self._settle()
        return flags

    @micropython.native
    def _settle(self):
        """Check the sync prefix and any complete frame in the buffer; return the frames' flags."""
        buf = self._buf
        sync = self._sync
        flags = 0
        while self._n:
            n = self._n
            k = 0
            while k < n and k < len(sync) and buf[k] == sync[k]:
                k += 1
            if k < n and k < len(sync):
                self.skipped += 1
                self._discard(1)
            elif n < self._length:
                break
            elif self._check():
                flags |= self._decode()
                self._n = 0
            else:
                self.bad += 1
                self.skipped += 1
                self._discard(1)
        return flags

    def _discard(self, start):
        """Drop ``buf[0:start]``; bytes up to the next sync start are skipped, the rest moves up."""
        n = self._n
        kept = drop_until(self._buf, start, n, self._sync0)
        self.skipped += n - start - kept
        self._n = kept

    def _check(self):
        buf = self._buf
        kind = self._kind
        end = self._end
        if kind == _CRC16:
            return crc16(buf, self._start, end) == buf[end] | (buf[end + 1] << 8)
        if kind == _SUM8:
            return sum8(buf, self._start, end) == buf[end]
        if kind == _XOR8:
            return xor8(buf, self._start, end) == buf[end]
        return True

    @micropython.native
    def _decode(self):
        buf = self._buf
        r = self.reading
        flags = 0
        for i in range(self._count):
            value = _scaled(_raw(buf, self._offset[i], self._width[i], self._how[i]),
                            self._mul[i], self._div[i], self._limit[i])
            slot = self._slot[i]
            if slot >= _VALUE0:
                r.values[slot - _VALUE0] = value
                flags |= F_VALUES
                continue
            flags |= _SLOT_FLAGS[slot]
            if slot == 0:
                r.soc = value
            elif slot == 1:
                r.status = value
            elif slot == 2:
                r.voltage_mv = value
            elif slot == 3:
                r.current_ma = value
            elif slot == 4:
                r.cell_min_mv = value
            elif slot == 5:
                r.cell_max_mv = value
            elif slot == 6:
                r.ah_used_mah = value
            elif slot == 7:
                r.speed = value
            else:
                r.temps[slot - _TEMP0] = -_TEMP_MAX if value < -_TEMP_MAX else min(value, _TEMP_MAX)
        if flags & F_VALUES:
            r.value_count = len(self.value_names)
            r.value_mask = (1 << r.value_count) - 1
        self.good += 1
        r.have |= flags
        if self.on_record is not None:
            self.on_record(flags)
        return flags


@micropython.native
def _raw(buf, offset, width, how):
    """The field's integer, a 4-byte one saturated at +-SATURATE."""
    if width == 1:
        value = buf[offset]
        return value - 0x100 if how & _SIGNED and value & 0x80 else value
    if how & _BIG:
        first = (buf[offset] << 8) | buf[offset + 1]
    else:
        first = buf[offset] | (buf[offset + 1] << 8)
    if width == 2:
        return first - 0x10000 if how & _SIGNED and first & 0x8000 else first
    if how & _BIG:
        hi = first
        lo = (buf[offset + 2] << 8) | buf[offset + 3]
    else:
        lo = first
        hi = buf[offset + 2] | (buf[offset + 3] << 8)
    if how & _SIGNED and hi & 0x8000:
        hi -= 0x10000
        if hi < -0x4000 or hi == -0x4000 and lo == 0:
            return -SATURATE  # -2**30 and below
    elif hi >= 0x4000:
        return SATURATE
    return (hi << 16) | lo


@micropython.native
def _scaled(value, mul, div, limit):
    """value x mul / div, rounded toward zero, saturated at +-SATURATE."""
    if value > limit or value < -limit:
        return SATURATE if (value > 0) == (mul > 0) else -SATURATE
    value *= mul
    if div == 1:
        return value
    return value // div if value >= 0 else -(-value // div)
