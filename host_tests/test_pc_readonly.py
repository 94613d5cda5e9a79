"""Static half of the read-only guarantee: no firmware source can build a
write or reset command (docs/protocol.md section 2: 0x02, 0x0B, 0x0D, 0x10).

The dynamic half (every command byte through the builders, the App in listen
mode) is test_readonly.py, on both interpreters.
"""

import ast
from pathlib import Path

FIRMWARE = Path(__file__).resolve().parent.parent / "firmware"
FORBIDDEN = {0x02, 0x0B, 0x0D, 0x10}
SYNC = 0xAA


def sources():
    return sorted(FIRMWARE.rglob("*.py"))


def trees():
    for path in sources():
        yield path.relative_to(FIRMWARE).as_posix(), ast.parse(path.read_text(), str(path))


def constant(node):
    return node.value if isinstance(node, ast.Constant) else None


def test_firmware_sources_are_found():
    names = [path.relative_to(FIRMWARE).as_posix() for path in sources()]
    assert "socbar/tinybms.py" in names


def test_no_literal_holds_a_write_or_reset_frame():
    for name, tree in trees():
        for node in ast.walk(tree):
            value = constant(node)
            if isinstance(value, bytes):
                for i in range(len(value) - 1):
                    assert not (value[i] == SYNC and value[i + 1] in FORBIDDEN), (name, node.lineno)
            if isinstance(node, (ast.Tuple, ast.List)):
                items = [constant(item) for item in node.elts]
                for a, b in zip(items, items[1:]):
                    assert not (a == SYNC and b in FORBIDDEN), (name, node.lineno)


def test_command_byte_stores_are_reads_only():
    # A frame is built by storing 0xAA at [0] and the command at [1]; every
    # constant stored at index 1 anywhere in the firmware must not be a
    # write or reset command, and only the request builders build frames.
    builders = set()
    for name, tree in trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                if isinstance(target, ast.Subscript) and constant(target.slice) in (0, 1):
                    value = constant(node.value)
                    if isinstance(node.value, ast.Name) and node.value.id in ("SYNC", "_SYNC"):
                        value = SYNC
                    if constant(target.slice) == 0 and value == SYNC:
                        builders.add(name)
                    if constant(target.slice) == 1:
                        assert value not in FORBIDDEN, (name, node.lineno)
    assert builders == {"socbar/requests.py"}


def test_uart_writes_only_in_the_poller_and_the_uart_adapter():
    writers = set()
    for name, tree in trees():
        for node in ast.walk(tree):
            func = getattr(node, "func", None)
            if isinstance(node, ast.Call) and isinstance(func, ast.Attribute) and func.attr == "write":
                receiver = ast.unparse(node.func.value).lower()
                if "uart" in receiver:
                    writers.add(name)
    assert writers <= {"poll.py", "hw/uart.py"}
