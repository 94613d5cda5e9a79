"""socbar: the pure core of the SOC-bar firmware.

Nothing in this package imports hardware modules, so the same code runs on
CPython, on the MicroPython unix port and on an RP2040.
"""
