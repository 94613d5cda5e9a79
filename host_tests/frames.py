"""Tiny BMS frames built straight from docs/protocol.md, for tests and the simulator.

The CRC here is computed bit by bit from its definition (CRC-16/MODBUS:
reflected polynomial 0xA001, initial 0xFFFF, no final XOR, low byte first),
so tests that build their frames with this module never trust the firmware's
own table or viper CRC. Runs on CPython and on the MicroPython unix port.
"""

import struct


def crc16(data):
    """CRC-16/MODBUS of ``data``, one bit at a time."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            if crc & 1:
                crc = (crc >> 1) ^ 0xA001
            else:
                crc >>= 1
    return crc


def frame(cmd, payload=b""):
    """0xAA, ``cmd``, ``payload`` (PL byte included when the command has one), CRC low byte first."""
    head = bytes((0xAA, cmd)) + bytes(payload)
    crc = crc16(head)
    return head + bytes((crc & 0xFF, crc >> 8))


def from_hex(text):
    """A frame from the hex of its bytes up to the CRC ("AA 1A ..."), the CRC added."""
    body = bytes.fromhex(text)
    crc = crc16(body)
    return body + bytes((crc & 0xFF, crc >> 8))


def with_pl(cmd, data):
    """A variable-length response: the PL byte is the length of ``data``."""
    return frame(cmd, bytes((len(data),)) + bytes(data))


def u16le(*values):
    return b"".join(struct.pack("<H", v) for v in values)


def i16le(*values):
    return b"".join(struct.pack("<h", v) for v in values)


def u16be(*values):
    return b"".join(struct.pack(">H", v) for v in values)


def u32le(value):
    return struct.pack("<I", value)


def float32_le(x):
    """``x`` as the four little-endian bytes of an IEEE-754 single."""
    return struct.pack("<f", x)


def float32_bits(bits):
    """Four little-endian bytes of a raw single-precision bit pattern (NaN, inf, denormals)."""
    return struct.pack("<I", bits)


def read_request(cmd):
    """The 4-byte request ``AA cmd CRC`` of a single-command read."""
    return frame(cmd)


def modbus_read_request(addr, count):
    """``AA 03 AH AL 00 N CRC``: read ``count`` registers from ``addr`` (big-endian address)."""
    return frame(0x03, bytes((addr >> 8, addr & 0xFF, 0, count)))


def block_read_request(addr, count):
    """``AA 07 N AL AH CRC``: read a block of ``count`` registers from ``addr``."""
    return frame(0x07, bytes((count, addr & 0xFF, addr >> 8)))
