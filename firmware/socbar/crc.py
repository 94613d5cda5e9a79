"""Checksums of the BMS frames: CRC-16/MODBUS, and sum8 / xor8 for custom frames.

CRC-16/MODBUS (docs/protocol.md section 2): reflected polynomial 0xA001, initial
value 0xFFFF, no final XOR; sent low byte first, from the table of
socbar/crctable.py. On MicroPython a viper loop does the per-byte work (the hot spot of
decoding on the RP2040); ``crc16_py`` is the portable reference it is tested
against.
"""

from .crctable import TABLE


def crc16_py(buf, start, end, crc=0xFFFF):
    """CRC-16/MODBUS of ``buf[start:end]``, continuing from ``crc``."""
    table = TABLE
    for i in range(start, end):
        crc = (crc >> 8) ^ table[(crc ^ buf[i]) & 0xFF]
    return crc


crc16 = crc16_py

try:
    import micropython

    @micropython.viper
    def _crc16_viper(buf: ptr8, start: int, end: int, crc: int) -> int:
        table = ptr16(TABLE)
        i = start
        while i < end:
            crc = (crc >> 8) ^ table[(crc ^ buf[i]) & 0xFF]
            i += 1
        return crc

    def crc16(buf, start, end, crc=0xFFFF):  # noqa: F811
        """CRC-16/MODBUS of ``buf[start:end]``, continuing from ``crc`` (viper)."""
        return _crc16_viper(buf, start, end, crc)

except (ImportError, AttributeError, SyntaxError):  # CPython, or a port built without viper
    pass


def sum8(buf, start, end):
    """Low byte of the sum of ``buf[start:end]``."""
    total = 0
    for i in range(start, end):
        total += buf[i]
    return total & 0xFF


def xor8(buf, start, end):
    """XOR of the bytes of ``buf[start:end]``."""
    total = 0
    for i in range(start, end):
        total ^= buf[i]
    return total
