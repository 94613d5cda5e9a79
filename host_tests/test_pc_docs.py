"""The documents a newcomer reads: their commands run as written, their links and section
references land in the repository, and the ignition promise is stated one way everywhere."""

import re
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
PROTOCOL = ROOT / "docs" / "protocol.md"

# The one wording of the passthrough's timing (line breaks aside).
IGNITION_TRUTH = ("never changes before `ignition.debounce_ms` of a steady input, and follows it at "
                  "most 10 ms after that, awake or asleep (typically within 3 ms: a 2 ms timer while "
                  "awake; a pin interrupt wakes the board from low power)")


def flat(path):
    return " ".join(path.read_text().split())


def shell_lines(path):
    """Every command line of the document's ```sh blocks, comments dropped."""
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", path.read_text(), re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def readme_pc_commands():
    """README commands that need no board or adapter: run them all."""
    return [line for line in shell_lines(ROOT / "README.md")
            if line.startswith(".venv/bin/python tools/") and "/dev/" not in line]


def test_readme_has_runnable_pc_commands():
    assert len(readme_pc_commands()) >= 6


@pytest.mark.parametrize("line", readme_pc_commands())
def test_readme_command_runs_as_written(tmp_path, line):
    # A fresh checkout's layout, with this checkout's .venv, so outputs land in tmp_path.
    for name in ("tools", "firmware", "pclib", "boards", "samples", ".venv"):
        (tmp_path / name).symlink_to(ROOT / name)
    proc = subprocess.run(shlex.split(line), cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def test_every_reference_to_the_protocol_names_a_section_it_has():
    sections = set(re.findall(r"^## (\d+)\. ", PROTOCOL.read_text(), re.M))
    assert sections == {str(n) for n in range(1, 8)}
    files = [p for p in ROOT.rglob("*") if p.suffix in (".py", ".md") and ".venv" not in p.parts
             and p.is_file()]
    cited = 0
    for path in files:
        text = " ".join(path.read_text().split())
        for ref in re.findall(r"protocol\.md(?:\]\(protocol\.md\))?,? (?:section|sections|§) ?(\d+)", text):
            assert ref in sections, (path, ref)
            cited += 1
        assert not re.search(r"(?:^|[\s(`])/\S*protocol\.md", text), path  # no path outside the repository
    assert cited > 30


def test_no_placeholders_in_commands_a_user_copies():
    for path in DOCS:
        for line in shell_lines(path):
            assert "OWNER" not in line and "REPO" not in line, (path, line)
        assert "github:OWNER" not in path.read_text(), path


def test_relative_links_lead_to_files():
    for path in DOCS:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text()):
            assert (path.parent / target).exists(), (path.name, target)


def test_the_ignition_timing_is_stated_one_way():
    for name in ("README.md", "docs/firmware.md", "docs/protocol.md"):
        assert IGNITION_TRUTH in flat(ROOT / name), name
    for path in DOCS:
        text = flat(path)
        for old in ("debounce time plus 10 ms", "`debounce_ms` + 2 ms", "within 20 ms"):
            assert old not in text, (path.name, old)


def test_the_display_driver_comes_from_the_pc():
    # A board has no network: the driver is copied by mpremote, never fetched on the board.
    for path in DOCS:
        assert 'mip.install("ssd1306")' not in path.read_text(), path.name


def test_the_wiring_schematic_lists_every_part_it_draws():
    import xml.dom.minidom

    svg = ROOT / "docs" / "img" / "wiring.svg"
    texts = [node.firstChild.data for node in xml.dom.minidom.parse(str(svg)).getElementsByTagName("text")
             if node.firstChild is not None]
    parts = texts[texts.index("Parts") + 1:]
    listed = set()
    for ref in parts[0::2]:  # the list alternates: references, what each is
        listed.update(re.findall(r"[A-Z]+\d+", ref))
    drawn = set()
    for label in texts[:texts.index("Parts")]:
        drawn.update(re.findall(r"\b(?:U|R|D|C|F|J|PS)\d+\b", label))
    assert drawn <= listed, sorted(drawn - listed)
    assert {"U1", "J1", "U3", "U4", "R16", "R17"} <= drawn
    assert texts.count("GND") >= 4  # the returns are drawn, with ground symbols, not implied
