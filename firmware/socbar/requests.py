"""The Tiny BMS read requests the firmware and the PC tools may send, and nothing else.

``AA cmd CRC`` for the single-byte reads, the Modbus register read (0x03) and
the block read (0x07), each with its CRC-16/MODBUS (docs/protocol.md section 2).
There is deliberately no builder for write or reset commands: the firmware
never changes BMS settings. Kept apart from the decoder so a listening board
never loads them: only poll mode and the PC tools ask.
"""

from .compat import const
from .crc import crc16
from .fields import MAX_REGS

_SYNC = const(0xAA)  # the first byte of every frame
_READS = b"\x14\x15\x16\x17\x18\x1a\x1b\x1c\x1e\x1f\x20"


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
    buf[0] = _SYNC
    buf[1] = cmd
    return _put_crc(buf, 2)


def read_registers(buf, addr, count):
    """Write the Modbus read ``AA 03 AH AL 00 N CRC`` into ``buf``; return its length (8)."""
    if not (0 <= addr <= 0xFFFF and 1 <= count <= MAX_REGS):
        raise ValueError("bad register range")
    buf[0] = _SYNC
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
    buf[0] = _SYNC
    buf[1] = 0x07
    buf[2] = count
    buf[3] = addr & 0xFF
    buf[4] = addr >> 8
    return _put_crc(buf, 5)
