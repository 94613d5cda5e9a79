"""The shipped configuration file and the board files agree with the schema (CPython only: reads files)."""

import json
import unittest
from pathlib import Path

from socbar.config import DEFAULTS, PIN_KEYS, validate

BOARDS = Path(__file__).resolve().parent.parent / "boards"


class DefaultConfigFileTest(unittest.TestCase):
    def test_file_is_the_defaults(self):
        doc = json.loads((BOARDS / "default_config.json").read_text())
        self.assertEqual(doc, DEFAULTS)
        cfg, messages = validate(doc)
        self.assertEqual(messages, [])
        self.assertEqual(cfg, DEFAULTS)


class BoardFilesTest(unittest.TestCase):
    def test_every_board_key_can_be_overridden_with_its_board_value(self):
        known = {key for key, _ in PIN_KEYS}
        for path in sorted(BOARDS.glob("*.json")):
            if path.name == "default_config.json":
                continue
            board = json.loads(path.read_text())
            self.assertEqual(set(board) - known, set(), path.name)
            # A board's own map as overrides: every value accepted, no pin used twice.
            cfg, messages = validate({"board": path.stem, "pins": board})
            self.assertEqual(messages, [], path.name)
            self.assertEqual(cfg["pins"], board, path.name)
