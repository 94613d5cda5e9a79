"""The pictures of the bar: in step with the renderer, and every state told apart."""

import unittest
from pathlib import Path

import render

STATES_DIR = Path(__file__).resolve().parent.parent / "docs" / "img" / "states"
DARK = "#262626"


class CommittedPicturesTest(unittest.TestCase):
    def test_committed_svgs_are_what_render_makes_now(self):
        made = render.pictures()
        committed = {p.name: p.read_text() for p in STATES_DIR.glob("*.svg")}
        self.assertEqual(sorted(committed), sorted(made), "run `make pictures`")
        for name, text in made.items():
            self.assertEqual(committed[name], text, "%s is out of date: run `make pictures`" % name)


class StatesToldApartTest(unittest.TestCase):
    def setUp(self):
        self.config = render.default_config()
        self.seqs = {name: render.frames(self.config, state, soc) for name, state, soc in render.PICTURES}

    def test_every_state_has_a_picture(self):
        pictured = {state for _, state, _ in render.PICTURES}
        self.assertEqual(pictured, set(render.STATE_NAMES))

    def test_empty_and_asleep_are_blank_all_the_time(self):
        # docs/protocol.md section 6: blank at SOC 0 % and when the BMS sleeps.
        for name in ("empty", "asleep"):
            for frame in self.seqs[name]:
                self.assertEqual(frame, bytes(len(frame)), name)

    def test_other_states_differ_from_each_other(self):
        names = [name for name in self.seqs if name not in ("empty", "asleep")]
        blank = self.seqs["empty"]
        for i, a in enumerate(names):
            self.assertNotEqual(self.seqs[a], blank, "%s looks blank" % a)
            for b in names[i + 1 :]:
                self.assertNotEqual(self.seqs[a], self.seqs[b], "%s and %s look the same" % (a, b))

    def test_link_lost_never_shows_the_soc(self):
        low = render.frames(self.config, "link_lost", 15_000_000)
        high = render.frames(self.config, "link_lost", 95_000_000)
        self.assertEqual(low, high)

    def test_stale_never_looks_live_at_any_soc(self):
        stale = self.seqs["stale"]
        for pct in range(0, 101, 5):
            self.assertNotEqual(render.frames(self.config, "live", pct * 1_000_000), stale, pct)


class SvgTest(unittest.TestCase):
    def test_led_colour_from_grb_bytes(self):
        # GRB order; a level L shows as int(sqrt(L * 255)): 64 -> 127 (0x7f), 255 -> 255.
        frame = bytes((0, 64, 0, 255, 0, 0, 0, 0, 0))
        self.assertEqual(render.colour(frame, 0), "#7f0000")
        self.assertEqual(render.colour(frame, 1), "#00ff00")
        self.assertEqual(render.colour(frame, 2), DARK)

    def test_blinking_led_becomes_a_discrete_animation(self):
        # On for the first half of the cycle, off for the second: two values,
        # switching at keyTime 0.5.
        half = render.CYCLE_MS // render.STEP_MS // 2
        seq = [bytes((0, 255, 0))] * half + [bytes(3)] * half
        text = render.led_svg(seq, 0, 0, 0)
        self.assertIn('values="#ff0000;%s"' % DARK, text)
        self.assertIn('keyTimes="0;0.5"', text)
        self.assertIn('dur="%dms"' % render.CYCLE_MS, text)

    def test_steady_led_has_no_animation(self):
        seq = [bytes((255, 0, 0))] * 4
        self.assertNotIn("animate", render.led_svg(seq, 0, 0, 0))
