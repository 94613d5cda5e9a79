"""The CRC-16/MODBUS table (docs/protocol.md section 2), built once at import.

Reflected polynomial 0xA001: ``TABLE[i]`` is the CRC register after shifting
the byte ``i`` through it. A module of its own, so the Tiny BMS decoder, which
runs the CRC in its own viper walk, loads the table and nothing else
(socbar/crc.py holds the checksum functions).
"""

from array import array


def _table():
    table = array("H", bytes(512))
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table[i] = crc
    return table


TABLE = _table()
