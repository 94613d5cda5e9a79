"""Configuration: defaults for everything, one clear message per mistake, never a failure."""

import sys
import unittest

from socbar import config
from socbar.config import DEFAULTS, load, validate


def doc_with(section, key, value):
    return {section: {key: value}}


class DefaultsTest(unittest.TestCase):
    def test_empty_document_gives_the_defaults_and_no_messages(self):
        cfg, messages = validate({})
        self.assertEqual(messages, [])
        self.assertEqual(cfg, DEFAULTS)
        self.assertEqual(cfg["bar"]["segments"], 10)
        self.assertEqual(cfg["bar"]["colors"], [[0, 255, 0, 0], [30, 255, 150, 0], [60, 0, 255, 0]])
        self.assertEqual(cfg["input"]["baud"], "auto")
        self.assertEqual(cfg["pins"], {})

    def test_config_shares_nothing_mutable_with_the_defaults(self):
        cfg, _ = validate({})
        cfg["bar"]["colors"][0][1] = 1
        cfg["custom"]["fields"][0]["offset"] = 5
        cfg["cav3"]["columns"].append("X")
        cfg["pins"]["uart_rx"] = 3
        self.assertEqual(DEFAULTS["bar"]["colors"][0][1], 255)
        self.assertEqual(DEFAULTS["custom"]["fields"][0]["offset"], 2)
        self.assertEqual(len(DEFAULTS["cav3"]["columns"]), 14)
        self.assertEqual(DEFAULTS["pins"], {})
        self.assertEqual(validate({})[0], DEFAULTS)

    def test_config_shares_nothing_with_the_document(self):
        colors = [[0, 1, 2, 3]]
        cfg, _ = validate({"bar": {"colors": colors}})
        colors[0][1] = 9
        self.assertEqual(cfg["bar"]["colors"], [[0, 1, 2, 3]])

    def test_good_values_are_kept(self):
        doc = {
            "board": "xiao_rp2040",
            "input": {"mode": "listen", "format": "cav3", "baud": 9600, "poll_period_ms": 1000},
            "bar": {"segments": 64, "leds": "gpio", "brightness": 0, "reverse": True,
                    "colors": [[0, 0, 0, 255], [50, 1, 2, 3]]},
            "ignition": {"input_pull": "none"},
            "soc": {"source": "voltage", "chemistry": "lifepo4"},
            "pins": {"uart_rx": 29, "gpio_leds": [0, 1], "status_led": "LED", "status_ws2812": None},
        }
        cfg, messages = validate(doc)
        self.assertEqual(messages, [])
        self.assertEqual(cfg["board"], "xiao_rp2040")
        self.assertEqual(cfg["input"]["baud"], 9600)
        self.assertEqual(cfg["input"]["poll_period_ms"], 1000)
        self.assertEqual(cfg["bar"]["segments"], 64)
        self.assertEqual(cfg["bar"]["brightness"], 0)
        self.assertEqual(cfg["bar"]["reverse"], True)
        self.assertEqual(cfg["bar"]["colors"], [[0, 0, 0, 255], [50, 1, 2, 3]])
        self.assertEqual(cfg["pins"], {"uart_rx": 29, "gpio_leds": [0, 1], "status_led": "LED",
                                       "status_ws2812": None})


class WrongValueTest(unittest.TestCase):
    def one(self, doc):
        cfg, messages = validate(doc)
        self.assertEqual(len(messages), 1, messages)
        return cfg, messages[0]

    def test_out_of_range(self):
        cfg, msg = self.one(doc_with("bar", "segments", 0))
        self.assertEqual(msg, "bar.segments: 0 is out of range 1..64; using 10")
        self.assertEqual(cfg["bar"]["segments"], 10)
        cfg, msg = self.one(doc_with("bar", "segments", 65))
        self.assertEqual(msg, "bar.segments: 65 is out of range 1..64; using 10")
        cfg, msg = self.one(doc_with("bar", "brightness", 256))
        self.assertEqual(msg, "bar.brightness: 256 is out of range 0..255; using 64")

    def test_ints_must_be_ints(self):
        for bad, shown in ((True, "true"), (2.5, "2.5"), ("10", '"10"'), (None, "null")):
            cfg, msg = self.one(doc_with("bar", "segments", bad))
            self.assertEqual(msg, "bar.segments: %s is not an integer 1..64; using 10" % shown)
            self.assertEqual(cfg["bar"]["segments"], 10)

    def test_booleans_must_be_true_or_false(self):
        cfg, msg = self.one(doc_with("bar", "reverse", 1))
        self.assertEqual(msg, "bar.reverse: 1 is not true or false; using false")
        self.assertEqual(cfg["bar"]["reverse"], False)
        cfg, msg = self.one(doc_with("power", "sleep", "yes"))
        self.assertEqual(msg, 'power.sleep: "yes" is not true or false; using true')

    def test_enumerations(self):
        cfg, msg = self.one(doc_with("input", "mode", "serial"))
        self.assertEqual(msg, 'input.mode: "serial" is not one of "listen", "poll"; using "listen"')
        self.assertEqual(cfg["input"]["mode"], "listen")
        cfg, msg = self.one(doc_with("input", "baud", "9600"))
        self.assertEqual(msg, 'input.baud: "9600" is not one of 115200, 9600, "auto"; using "auto"')
        cfg, msg = self.one(doc_with("input", "baud", 19200))
        self.assertEqual(msg, 'input.baud: 19200 is not one of 115200, 9600, "auto"; using "auto"')
        # Any file name is a board (a new board is a new boards/NAME.json); a path is not.
        self.assertEqual(validate({"board": "my_board-2"}), (dict(DEFAULTS, board="my_board-2"), []))
        cfg, msg = self.one({"board": "../config"})
        self.assertEqual(msg, 'board: "../config" is not a board name (a boards/*.json file: a-z, 0-9, _ '
                              'and -); using "pico"')
        for section, key in (("input", "format"), ("soc", "source"), ("soc", "chemistry"),
                             ("bar", "leds"), ("ignition", "input_pull")):
            cfg, msg = self.one(doc_with(section, key, "nope"))
            self.assertEqual(cfg[section][key], DEFAULTS[section][key])
            self.assertTrue(msg.startswith('%s.%s: "nope" is not one of ' % (section, key)), msg)

    def test_nested_wrong_type(self):
        cfg, msg = self.one({"bar": 5})
        self.assertEqual(msg, "bar: 5 is not an object; using its defaults")
        self.assertEqual(cfg["bar"], DEFAULTS["bar"])
        cfg, msg = self.one({"timing": [1000]})
        self.assertEqual(msg, "timing: [1000] is not an object; using its defaults")

    def test_stale_must_come_before_lost(self):
        cfg, msg = self.one({"timing": {"stale_periods": 6, "lost_periods": 6}})
        self.assertEqual(msg, "timing.stale_periods: 6 is not less than timing.lost_periods (6); "
                              "using 3 and 6")
        self.assertEqual((cfg["timing"]["stale_periods"], cfg["timing"]["lost_periods"]), (3, 6))
        cfg, messages = validate({"timing": {"stale_periods": 2, "lost_periods": 3}})
        self.assertEqual(messages, [])

    def test_poll_mode_reads_the_tiny_bms_at_115200(self):
        # docs/protocol.md section 2: the Tiny BMS protocol, 115200 baud, is what can be polled.
        cfg, msg = self.one({"input": {"mode": "poll", "format": "cav3"}})
        self.assertEqual(msg, 'input.format: "cav3" cannot be polled; poll mode reads the Tiny BMS '
                              "protocol")
        self.assertEqual((cfg["input"]["format"], cfg["input"]["baud"]), ("tinybms", 115200))
        cfg, msg = self.one({"input": {"mode": "poll", "baud": 9600}})
        self.assertEqual(msg, "input.baud: 9600; the Tiny BMS polls at 115200, which is used")
        self.assertEqual(cfg["input"]["baud"], 115200)
        cfg, messages = validate({"input": {"mode": "poll"}})  # auto: nothing to say
        self.assertEqual((cfg["input"]["format"], cfg["input"]["baud"], messages), ("tinybms", 115200, []))
        cfg, messages = validate({"input": {"mode": "poll", "format": "tinybms", "baud": 115200}})
        self.assertEqual((cfg["input"]["format"], cfg["input"]["baud"], messages), ("tinybms", 115200, []))
        cfg, messages = validate({"input": {"format": "cav3", "baud": 9600}})  # listening: kept
        self.assertEqual((cfg["input"]["format"], cfg["input"]["baud"], messages), ("cav3", 9600, []))

    def test_poll_mode_without_the_ignition_polls_nothing(self):
        cfg, msg = self.one({"input": {"mode": "poll"}, "ignition": {"enabled": False}})
        self.assertEqual(msg, "input.mode: poll asks only while the ignition is on, and the ignition "
                              "passthrough is off: nothing will be polled")

    def test_columns(self):
        cfg, messages = validate({"cav3": {"columns": ["Ah", "V"]}})
        self.assertEqual((cfg["cav3"]["columns"], messages), (["Ah", "V"], []))
        cfg, msg = self.one({"cav3": {"columns": ["Ah", 3]}})
        self.assertEqual(msg, "cav3.columns: 3 is not a column name (text without tabs or line ends); "
                              "using the default list")
        self.assertEqual(cfg["cav3"]["columns"], DEFAULTS["cav3"]["columns"])


class ColorsTest(unittest.TestCase):
    def bad(self, colors):
        cfg, messages = validate({"bar": {"colors": colors}})
        self.assertEqual(len(messages), 1, messages)
        self.assertEqual(cfg["bar"]["colors"], [[0, 255, 0, 0], [30, 255, 150, 0], [60, 0, 255, 0]])
        return messages[0]

    def test_each_mistake_named(self):
        tail = "; using the default list"
        self.assertEqual(self.bad([]),
                         "bar.colors: [] is not a list of 1..16 [from_pct, r, g, b] entries" + tail)
        self.assertEqual(self.bad([[0, 1, 2]]), "bar.colors[0]: [0, 1, 2] is not [from_pct, r, g, b]" + tail)
        self.assertEqual(self.bad([[0, 1, 2, 256]]), "bar.colors[0]: b 256 is not an integer 0..255" + tail)
        self.assertEqual(self.bad([[0, 1, 2, 3], [101, 0, 0, 0]]),
                         "bar.colors[1]: from_pct 101 is not an integer 0..100" + tail)
        self.assertEqual(self.bad([[5, 1, 2, 3]]),
                         "bar.colors[0]: from_pct 5 is not 0 (the first colour starts at 0 %)" + tail)
        self.assertEqual(self.bad([[0, 1, 2, 3], [40, 0, 0, 0], [40, 0, 0, 0]]),
                         "bar.colors[2]: from_pct 40 does not rise above 40" + tail)
        self.assertEqual(self.bad([[0, 1.5, 2, 3]]), "bar.colors[0]: r 1.5 is not an integer 0..255" + tail)


class UnknownKeyTest(unittest.TestCase):
    def test_unknown_keys_are_named_and_ignored(self):
        cfg, messages = validate({"bar": {"segmnts": 12}, "colour": 1, "zzzzzz": 1})
        self.assertEqual(messages, [
            "bar.segmnts: unknown key; ignored; did you mean bar.segments?",
            "colour: unknown key; ignored",
            "zzzzzz: unknown key; ignored",
        ])
        self.assertEqual(cfg, DEFAULTS)

    def test_near_top_level_key(self):
        _, messages = validate({"timng": {}})
        self.assertEqual(messages, ["timng: unknown key; ignored; did you mean timing?"])

    def test_close_key_rule(self):
        # Edit distance: one substitution, one deletion, a swap counts 2.
        self.assertEqual(config._distance("segments", "segmants"), 1)
        self.assertEqual(config._distance("segments", "segmnts"), 1)
        self.assertEqual(config._distance("baud", "buad"), 2)
        self.assertEqual(config._distance("", "abc"), 3)


class PinsTest(unittest.TestCase):
    def test_bad_pins_are_ignored(self):
        cfg, messages = validate({"pins": {"uart_rx": 30, "ws2812": None, "uart_id": 2, "gpio_leds": [3, -1],
                                           "status_led": "LED2", "ignition_in": 20, "i2c_sda": True}})
        used = "; ignored, the board's setting is used"
        self.assertEqual(messages, [
            "pins.uart_id: 2 is out of range 0..1; ignored, the board's setting is used",
            "pins.uart_rx: 30 is not a GPIO number 0..29; ignored, the board's setting is used",
            "pins.ws2812: null is not a GPIO number 0..29; ignored, the board's setting is used",
            "pins.gpio_leds: -1 is not a GPIO number 0..29; ignored, the board's setting is used",
            'pins.status_led: "LED2" is not a GPIO number 0..29, "LED" or null' + used,
            "pins.i2c_sda: true is not a GPIO number 0..29; ignored, the board's setting is used",
        ])
        self.assertEqual(cfg["pins"], {"ignition_in": 20})

    def test_same_pin_twice(self):
        cfg, messages = validate({"pins": {"uart_tx": 4, "ignition_out": 4, "gpio_leds": [6, 7, 6]}})
        self.assertEqual(messages, [
            "pins.gpio_leds: GPIO 6 is listed twice; ignored, the board's setting is used",
            "pins.ignition_out: GPIO 4 is also pins.uart_tx; ignored, the board's setting is used",
        ])
        self.assertEqual(cfg["pins"], {"uart_tx": 4})

    def test_list_against_single_pins(self):
        _, messages = validate({"pins": {"gpio_leds": [10, 11], "i2c_scl": 11}})
        self.assertEqual(messages, ["pins.i2c_scl: GPIO 11 is also pins.gpio_leds; "
                                    "ignored, the board's setting is used"])

    def test_unknown_pin_key(self):
        cfg, messages = validate({"pins": {"uart_rxd": 1}})
        self.assertEqual(messages, ["pins.uart_rxd: unknown key; ignored; did you mean pins.uart_rx?"])
        self.assertEqual(cfg["pins"], {})

    def test_pins_not_an_object(self):
        cfg, messages = validate({"pins": [1, 2]})
        self.assertEqual(messages, ["pins: [1, 2] is not an object; using the board's settings"])
        self.assertEqual(cfg["pins"], {})


class MergePinsTest(unittest.TestCase):
    BOARD = {"uart_id": 0, "uart_tx": 0, "uart_rx": 1, "ws2812": 2, "gpio_leds": [6, 7, 8],
             "ignition_in": 20, "ignition_out": 21}

    def test_overrides_laid_over_the_board(self):
        merged, messages = config.merge_pins(self.BOARD, {"ignition_out": 22, "uart_id": 1})
        self.assertEqual(messages, [])
        self.assertEqual((merged["ignition_out"], merged["uart_id"], merged["ws2812"]), (22, 1, 2))
        self.assertEqual(self.BOARD["ignition_out"], 21)  # the board map itself is left alone

    def test_override_onto_a_pin_the_board_keeps_is_dropped(self):
        merged, messages = config.merge_pins(self.BOARD, {"ignition_out": 2, "gpio_leds": [9, 1]})
        self.assertEqual((merged["ignition_out"], merged["gpio_leds"]), (21, [6, 7, 8]))
        self.assertEqual(messages, [
            "pins.gpio_leds: GPIO 1 is the board's uart_rx; ignored, the board's setting is used",
            "pins.ignition_out: GPIO 2 is the board's ws2812; ignored, the board's setting is used",
        ])

    def test_a_pin_freed_by_another_override_may_be_taken(self):
        merged, messages = config.merge_pins(self.BOARD, {"ws2812": 3, "ignition_out": 2})
        self.assertEqual(messages, [])
        self.assertEqual((merged["ws2812"], merged["ignition_out"]), (3, 2))


class CustomTest(unittest.TestCase):
    def test_not_an_object(self):
        cfg, messages = validate({"custom": "AA1A"})
        self.assertEqual(messages, ['custom: "AA1A" is not an object; using the default description'])
        self.assertEqual(cfg["custom"], DEFAULTS["custom"])

    def test_checked_by_the_custom_decoder(self):
        bad = {"sync": "AA1A", "length": 8, "checksum": "crc16-modbus", "checksum_start": 0,
               "fields": [{"name": "soc", "offset": 2, "width": 3, "endian": "little", "signed": False,
                           "mul": 1, "div": 1}]}
        cfg, messages = validate({"custom": bad})
        self.assertTrue(len(messages) >= 2, messages)
        self.assertEqual(messages[-1], "custom: using the default description")
        self.assertEqual(cfg["custom"], DEFAULTS["custom"])
        _, messages = validate({"custom": DEFAULTS["custom"]})
        self.assertEqual(messages, [])

    def test_reported_when_the_custom_decoder_does_not_load(self):
        # A valid description other than the default: without the decoder to check it,
        # it must not be accepted blindly.
        other = {"sync": "AA1B", "length": 6, "checksum": "none",
                 "fields": [{"name": "soc", "offset": 2, "width": 4}]}
        cfg, messages = validate({"custom": other})
        self.assertEqual((cfg["custom"], messages), (other, []))
        saved = sys.modules.pop("socbar.custom", None)
        sys.modules["socbar.custom"] = None  # the import of socbar.custom now fails
        try:
            cfg, messages = validate({"custom": other})
        finally:
            del sys.modules["socbar.custom"]
            if saved is not None:
                sys.modules["socbar.custom"] = saved
        self.assertEqual(cfg["custom"], DEFAULTS["custom"])
        self.assertEqual(len(messages), 1, messages)
        self.assertTrue(messages[0].startswith("custom: cannot be checked, socbar/custom.py does not load"),
                        messages[0])
        self.assertTrue(messages[0].endswith("using the default description"), messages[0])


    def test_the_shipped_description_is_taken_without_loading_the_custom_decoder(self):
        saved = sys.modules.pop("socbar.custom", None)
        sys.modules["socbar.custom"] = None  # any import of socbar.custom now fails
        try:
            cfg, messages = validate({"custom": DEFAULTS["custom"]})
        finally:
            del sys.modules["socbar.custom"]
            if saved is not None:
                sys.modules["socbar.custom"] = saved
        self.assertEqual((cfg["custom"], messages), (DEFAULTS["custom"], []))
        self.assertIsNot(cfg["custom"], DEFAULTS["custom"])  # a copy: the defaults stay untouched


class LoadTest(unittest.TestCase):
    def test_valid_text(self):
        cfg, messages = load('{"bar": {"segments": 8}}')
        self.assertEqual((cfg["bar"]["segments"], messages), (8, []))

    def test_invalid_json(self):
        cfg, messages = load('{"bar": ')
        self.assertEqual(cfg, DEFAULTS)
        self.assertEqual(len(messages), 1)
        self.assertTrue(messages[0].startswith("configuration: not valid JSON ("), messages[0])
        self.assertTrue(messages[0].endswith("); using the defaults"), messages[0])

    def test_empty_text(self):
        for text in ("", "  \n"):
            cfg, messages = load(text)
            self.assertEqual(cfg, DEFAULTS)
            self.assertEqual(messages, ["configuration: the text is empty; using the defaults"])

    def test_not_an_object(self):
        cfg, messages = load("[1, 2]")
        self.assertEqual(cfg, DEFAULTS)
        self.assertEqual(messages, ["configuration: [1, 2] is not an object; using the defaults"])

    def test_loaded_defaults_are_fresh(self):
        cfg, _ = load("")
        cfg["bar"]["segments"] = 3
        self.assertEqual(DEFAULTS["bar"]["segments"], 10)


class EdgesTest(unittest.TestCase):
    """Limits of lists, characters of names and the "did you mean" hint, each at its edge."""

    def test_column_lists(self):
        ok = [["Ah"], ["c%d" % i for i in range(32)]]
        for columns in ok:
            cfg, messages = validate({"cav3": {"columns": columns}})
            self.assertEqual((messages, cfg["cav3"]["columns"]), ([], columns))
        for columns in ([], ["c%d" % i for i in range(33)], "Ah"):
            _, messages = validate({"cav3": {"columns": columns}})
            self.assertEqual(len(messages), 1, columns)
            self.assertTrue(messages[0].startswith("cav3.columns: "), messages)
            self.assertIn("is not a list of 1..32 column names; using the default list", messages[0])
        for name in ("A\th", "A\nh", "A\rh", ""):
            _, messages = validate({"cav3": {"columns": ["V", name]}})
            self.assertEqual(messages, ['cav3.columns: "%s" is not a column name (text without tabs or '
                                        'line ends); using the default list' % name])

    def test_colour_lists(self):
        colors = [[6 * i, 1, 2, 3] for i in range(16)]
        self.assertEqual(validate({"bar": {"colors": colors}})[1], [])
        _, messages = validate({"bar": {"colors": colors + [[99, 1, 2, 3]]}})
        self.assertEqual(len(messages), 1)
        self.assertTrue(messages[0].startswith("bar.colors: "), messages)
        _, messages = validate({"bar": {"colors": [[0, 1, 300, 3]]}})
        self.assertEqual(messages, ["bar.colors[0]: g 300 is not an integer 0..255; using the default list"])

    def test_pin_names_and_lists(self):
        cfg, messages = validate({"pins": {"name": "my board"}})
        self.assertEqual((messages, cfg["pins"]), ([], {"name": "my board"}))
        _, messages = validate({"pins": {"name": 7}})
        self.assertEqual(messages, ["pins.name: 7 is not text; ignored, the board's setting is used"])
        cfg, messages = validate({"pins": {"gpio_leds": [3]}})
        self.assertEqual((messages, cfg["pins"]), ([], {"gpio_leds": [3]}))
        used = "; ignored, the board's setting is used"
        for leds in ([], [3] * 65, 3):
            _, messages = validate({"pins": {"gpio_leds": leds}})
            self.assertEqual(messages, ["pins.gpio_leds: %s is not a list of 1..64 GPIO numbers%s"
                                        % (config.show(leds), used)])
        _, messages = validate({"pins": {"gpio_leds": [3] * 64}})
        self.assertEqual(messages, ["pins.gpio_leds: GPIO 3 is listed twice" + used])

    def test_every_kind_of_pin_claims_its_gpio(self):
        used = "; ignored, the board's setting is used"
        _, messages = validate({"pins": {"uart_rx": 16, "status_ws2812": 16}})
        self.assertEqual(messages, ["pins.status_ws2812: GPIO 16 is also pins.uart_rx" + used])
        _, messages = validate({"pins": {"uart_rx": 25, "status_led": 25}})
        self.assertEqual(messages, ["pins.status_led: GPIO 25 is also pins.uart_rx" + used])
        for leds in ([6, 6], [3, 6, 6]):
            _, messages = validate({"pins": {"gpio_leds": leds}})
            self.assertEqual(messages, ["pins.gpio_leds: GPIO 6 is listed twice" + used], leds)

    def test_an_object_is_shown_as_such(self):
        _, messages = validate({"bar": {"segments": {"n": 10}}})
        self.assertEqual(messages, ["bar.segments: an object is not an integer 1..64; using 10"])

    def test_overrides_onto_the_boards_optional_pins_are_dropped(self):
        board = {"uart_rx": 1, "status_led": 25, "status_ws2812": 16, "ignition_out": 21}
        merged, messages = config.merge_pins(board, {"uart_rx": 25, "ignition_out": 16})
        self.assertEqual((merged["uart_rx"], merged["ignition_out"]), (1, 21))
        self.assertEqual(messages, [
            "pins.uart_rx: GPIO 25 is the board's status_led; ignored, the board's setting is used",
            "pins.ignition_out: GPIO 16 is the board's status_ws2812; ignored, the board's setting is used",
        ])

    def test_did_you_mean_within_two_edits_for_long_keys_one_for_short(self):
        def hint(section, key):
            _, messages = validate({section: {key: 1}})
            text = messages[0]
            return text.partition("did you mean ")[2].rstrip("?") or None

        self.assertEqual(hint("bar", "xsegments"), "bar.segments")  # one extra letter in front
        self.assertEqual(hint("bar", "segmentsx"), "bar.segments")
        self.assertEqual(hint("bar", "sgmnts"), "bar.segments")  # two letters missing
        self.assertEqual(hint("bar", "sxgmxnts"), "bar.segments")  # two letters changed
        self.assertIsNone(hint("bar", "sxgxxnts"))  # three: no hint
        self.assertEqual(hint("bar", "lads"), "bar.leds")  # four letters: one edit ...
        self.assertIsNone(hint("bar", "lxdx"))  # ... but not two
        self.assertEqual(hint("bar", "laeds"), "bar.leds")  # five letters: one edit
        self.assertEqual(hint("soc", "cellz"), "soc.cells")
        self.assertEqual(hint("soc", "cxllz"), "soc.cells")  # five letters: two edits


class MessageEdgesTest(unittest.TestCase):
    """Each rule at its edge, and the exact words the user reads."""

    def test_board_names(self):
        for name in ("a", "zeta9", "b" * 32, "pico_w-2"):
            self.assertEqual(validate({"board": name})[1], [], name)
        for name in ("", "b" * 33, "Pico", "Yak", "Xiao", "pico.json", 5):
            cfg, messages = validate({"board": name})
            self.assertEqual(cfg["board"], "pico", name)
            self.assertEqual(messages, ['board: %s is not a board name (a boards/*.json file: a-z, 0-9, _ '
                                        'and -); using "pico"' % config.show(name)])

    def test_column_list_not_a_list(self):
        _, messages = validate({"cav3": {"columns": "Ah"}})
        self.assertEqual(messages, ['cav3.columns: "Ah" is not a list of 1..32 column names; '
                                    'using the default list'])

    def test_pin_edges(self):
        cfg, messages = validate({"pins": {"wifi": False, "uart_rx": 0, "gpio_leds": [29]}})
        self.assertEqual((messages, cfg["pins"]), ([], {"wifi": False, "uart_rx": 0, "gpio_leds": [29]}))
        _, messages = validate({"pins": {"status_ws2812": 30}})
        self.assertEqual(messages, ["pins.status_ws2812: 30 is not a GPIO number 0..29 or null; "
                                    "ignored, the board's setting is used"])

    def test_text_edges_and_messages(self):
        cfg, messages = validate({"wifi": {"ssid": "s" * 32}})
        self.assertEqual((messages, cfg["wifi"]["ssid"]), ([], "s" * 32))
        _, messages = validate({"wifi": {"ssid": "n" * 33}})
        self.assertEqual(messages, ['wifi.ssid: "%s" has 33 characters, not 1..32; using "socbar"'
                                    % ("n" * 33)])
        _, messages = validate({"wifi": {"ssid": 5}})
        self.assertEqual(messages, ['wifi.ssid: 5 is not text; using "socbar"'])
        _, messages = validate({"wifi": {"password": 12345678}})
        self.assertEqual(messages, ["wifi.password: the value is not text; using none"])
        _, messages = validate({"wifi": {"password": "x" * 64}})
        self.assertEqual(messages, ["wifi.password: the value has 64 characters, not 0..63; using none"])

    def test_wifi_password_messages_and_lengths(self):
        cfg, messages = validate({"wifi": {"mode": "ap", "password": "short"}})
        self.assertEqual(messages, ["wifi.password: access-point mode needs a WPA2 password of 8..63 "
                                    "characters (an open network is never offered); Wi-Fi stays off"])
        cfg, messages = validate({"wifi": {"mode": "join", "password": "x"}})
        self.assertEqual(cfg["wifi"]["mode"], "off")
        self.assertEqual(messages, ['wifi.password: 1 characters; a WPA2 password has 8..63 (leave it "" '
                                    "only for an open network); Wi-Fi stays off"])
        cfg, messages = validate({"wifi": {"mode": "join", "password": "12345678"}})
        self.assertEqual((cfg["wifi"]["mode"], messages), ("join", []))

    def test_distance_to_the_empty_key(self):
        self.assertEqual(config._distance("ab", ""), 2)
        self.assertEqual(config._distance("abc", "b"), 2)

    def test_a_key_that_is_not_text(self):
        # A document built in Python (not parsed JSON) may hold any key: reported, never a failure.
        cfg, messages = validate({5: 1})
        self.assertEqual((cfg, messages), (DEFAULTS, ["5: unknown key; ignored"]))

    def test_stale_not_before_lost_resets_both(self):
        cfg, messages = validate({"timing": {"stale_periods": 10, "lost_periods": 4}})
        self.assertEqual(cfg["timing"], {"period_ms": 1000, "stale_periods": 3, "lost_periods": 6})
        self.assertEqual(len(messages), 1)
