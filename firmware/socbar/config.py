"""The configuration document: its schema, its defaults, and validation.

The schema is data: each key maps to a kind, what is allowed, and a default,
and ``DEFAULTS`` is built from it (it equals boards/default_config.json).
``validate`` never fails: a bad or missing value becomes its default and a
message says which key, which value, what is allowed and what is used, so a
typo in the user's file can never leave the bar dark. It runs once at
start-up, so it may allocate.
"""

import json

from .compat import const
from .jsontext import show

_INT = const(0)  # (kind, default, lo, hi)
_BOOL = const(1)  # (kind, default)
_ENUM = const(2)  # (kind, default, allowed values)
_SECTION = const(3)  # (kind, entries)
_COLORS = const(4)  # (kind, default): [[from_pct, r, g, b], ...]
_NAMES = const(5)  # (kind, default): list of column names
_CUSTOM = const(6)  # (kind, default): checked by custom.description_errors
_PINS = const(7)  # (kind, default): overrides of the board's pin map
_TEXT = const(8)  # (kind, default, shortest, longest)
_SECRET = const(9)  # as _TEXT, but messages never repeat the value
_FILE = const(10)  # (kind, default): the name of a file, as boards/<name>.json

MAX_COLORS = const(16)
MAX_COLUMNS = const(32)
MAX_GPIO = const(29)

MAX_NAME = const(32)

_CUSTOM_DEFAULT = {
    "sync": "AA1A",
    "length": 8,
    "checksum": "crc16-modbus",
    "checksum_start": 0,
    "fields": [
        {"name": "soc", "offset": 2, "width": 4, "endian": "little", "signed": False, "mul": 1, "div": 1}
    ],
}

# Ordered (key, spec) pairs rather than dicts, so messages come out in the
# same order on every interpreter.
SCHEMA = (
    # Any boards/<board>.json: a new board is a new file. A name with no file is reported when
    # the board starts (main.py) and refused by make deploy.
    ("board", (_FILE, "pico")),
    ("input", (_SECTION, (
        ("mode", (_ENUM, "listen", ("listen", "poll"))),
        ("format", (_ENUM, "auto", ("auto", "tinybms", "cav3", "custom"))),
        ("baud", (_ENUM, "auto", (115200, 9600, "auto"))),
        ("poll_period_ms", (_INT, 1000, 100, 60000)),
    ))),
    ("timing", (_SECTION, (
        # The BMS broadcast period runs from 0.1 s to 10 s (register 342).
        ("period_ms", (_INT, 1000, 100, 10000)),
        ("stale_periods", (_INT, 3, 1, 100)),
        ("lost_periods", (_INT, 6, 2, 200)),
    ))),
    ("soc", (_SECTION, (
        ("source", (_ENUM, "bms", ("bms", "ah", "voltage"))),
        ("capacity_mah", (_INT, 10000, 100, 1000000)),
        ("cells", (_INT, 13, 1, 32)),
        ("chemistry", (_ENUM, "nmc", ("nmc", "lifepo4"))),
    ))),
    ("bar", (_SECTION, (
        ("segments", (_INT, 10, 1, 64)),
        ("leds", (_ENUM, "ws2812", ("ws2812", "gpio"))),
        ("brightness", (_INT, 64, 0, 255)),
        ("colors", (_COLORS, [[0, 255, 0, 0], [30, 255, 150, 0], [60, 0, 255, 0]])),
        ("low_pct", (_INT, 10, 0, 100)),
        ("hysteresis_pct", (_INT, 1, 0, 20)),
        ("reverse", (_BOOL, False)),
    ))),
    ("ignition", (_SECTION, (
        ("enabled", (_BOOL, True)),
        ("debounce_ms", (_INT, 10, 0, 1000)),
        ("input_pull", (_ENUM, "down", ("up", "down", "none"))),
        ("input_active", (_INT, 1, 0, 1)),
        ("output_active", (_INT, 1, 0, 1)),
        ("show_s", (_INT, 0, 0, 3600)),
        ("wake_bms_s", (_INT, 0, 0, 600)),
    ))),
    ("display", (_SECTION, (
        ("enabled", (_BOOL, False)),
        ("i2c_addr", (_INT, 60, 8, 119)),
        ("refresh_ms", (_INT, 500, 50, 10000)),
    ))),
    ("power", (_SECTION, (
        ("sleep", (_BOOL, True)),
        ("sleep_slice_ms", (_INT, 100, 10, 1000)),
    ))),
    ("cav3", (_SECTION, (
        ("columns", (_NAMES, ["Ah", "V", "A", "S", "D", "Deg", "RPM", "HW", "Nm", "ThI", "ThO",
                              "AuxA", "AuxD", "Flgs"])),
    ))),
    ("custom", (_CUSTOM, _CUSTOM_DEFAULT)),
    ("pins", (_PINS, {})),
    # The web dashboard (boards with Wi-Fi): off, its own access point, or a network to join.
    ("wifi", (_SECTION, (
        ("mode", (_ENUM, "off", ("off", "ap", "join"))),
        ("ssid", (_TEXT, "socbar", 1, 32)),
        ("password", (_SECRET, "", 0, 63)),
        ("port", (_INT, 80, 1, 65535)),
    ))),
)

WPA2_SHORTEST = const(8)  # a WPA2 passphrase has 8..63 characters

# Keys of the board files (boards/*.json) a configuration may override.
# Kinds: "gpio" a pin number, "opt" a pin number or null (not fitted),
# "led" as "opt" or the name "LED" (the Pico W's LED hangs off the radio),
# "list" a list of pin numbers, "bit" 0 or 1, "name" a label, "flag" true or false.
PIN_KEYS = (
    ("name", "name"),
    ("wifi", "flag"),  # the board has a radio (Pico W): the wifi settings can apply
    ("uart_id", "bit"),
    ("uart_tx", "gpio"),
    ("uart_rx", "gpio"),
    ("ws2812", "gpio"),
    ("gpio_leds", "list"),
    ("ignition_in", "gpio"),
    ("ignition_out", "gpio"),
    ("status_led", "led"),
    ("status_led_active", "bit"),
    ("status_ws2812", "opt"),
    ("status_ws2812_power", "opt"),
    ("i2c_id", "bit"),
    ("i2c_sda", "gpio"),
    ("i2c_scl", "gpio"),
)


def _gpios(kind, value):
    """The GPIO numbers a pin-map entry of ``kind`` holds."""
    if kind not in ("gpio", "opt", "led", "list"):
        return ()
    return [p for p in (value if isinstance(value, list) else [value]) if _is_int(p)]


def merge_pins(board, pins):
    """(the board's pin map with the validated ``pins`` overrides laid over it, messages).

    ``validate`` sees only the overrides; here they meet the board's own pins,
    and an override onto a GPIO that another function of the board keeps is
    dropped, so no two functions ever drive one pin."""
    merged = dict(board)
    messages = []
    for key, kind in PIN_KEYS:
        if key not in pins:
            continue
        mine = _gpios(kind, pins[key])
        clash = None
        for other, other_kind in PIN_KEYS:
            if other != key and other not in pins:
                for gpio in _gpios(other_kind, board.get(other)):
                    if gpio in mine:
                        clash = (gpio, other)
        if clash is None:
            merged[key] = pins[key]
        else:
            messages.append("pins.%s: GPIO %d is the board's %s; ignored, the board's setting is used"
                            % (key, clash[0], clash[1]))
    return merged, messages


def _copy(value):
    """A deep copy of a JSON value, so no caller shares lists or dicts with the schema."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _defaults(entries):
    out = {}
    for key, spec in entries:
        out[key] = _defaults(spec[1]) if spec[0] == _SECTION else _copy(spec[1])
    return out


DEFAULTS = _defaults(SCHEMA)


def _is_int(value):
    return type(value) is int  # bool is not int here, and neither is 1.0


def _distance(a, b):
    """Edit distance between two short keys (for the "did you mean" hint)."""
    prev = list(range(len(b) + 1))
    for i in range(len(a)):
        cur = [i + 1]
        for j in range(len(b)):
            cost = 0 if a[i] == b[j] else 1
            cur.append(min(prev[j + 1] + 1, cur[j] + 1, prev[j] + cost))
        prev = cur
    return prev[-1]


def _closest(key, known):
    best = None
    best_d = 3 if len(key) > 4 else 2
    for name in known:
        d = _distance(key, name)
        if d < best_d:
            best, best_d = name, d
    return best


def _unknown(path, key, known, messages):
    msg = "%s%s: unknown key; ignored" % (path, key)
    near = _closest(key, known) if isinstance(key, str) else None
    if near is not None:
        msg += "; did you mean %s%s?" % (path, near)
    messages.append(msg)


def _check_int(value, lo, hi):
    """What is wrong with ``value`` as an int in lo..hi, or None."""
    if not _is_int(value):
        return "%s is not an integer %d..%d" % (show(value), lo, hi)
    if value < lo or value > hi:
        return "%s is out of range %d..%d" % (show(value), lo, hi)
    return None


def _check_enum(value, allowed):
    for a in allowed:
        if type(a) is type(value) and a == value:
            return None
    return "%s is not one of %s" % (show(value), ", ".join(show(a) for a in allowed))


def _check_file_name(value):
    if isinstance(value, str) and 0 < len(value) <= MAX_NAME:
        for c in value:
            if not ("a" <= c <= "z" or "0" <= c <= "9" or c in "_-"):
                break
        else:
            return None
    return "%s is not a board name (a boards/*.json file: a-z, 0-9, _ and -)" % show(value)


def _check_colors(path, value):
    """(path of the first bad part, what is wrong with it) or (path, None)."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_COLORS:
        return path, "%s is not a list of 1..%d [from_pct, r, g, b] entries" % (show(value), MAX_COLORS)
    last = -1
    for i in range(len(value)):
        entry = value[i]
        where = "%s[%d]" % (path, i)
        if not isinstance(entry, list) or len(entry) != 4:
            return where, "%s is not [from_pct, r, g, b]" % show(entry)
        for k in range(4):
            hi = 100 if k == 0 else 255
            if not _is_int(entry[k]) or not 0 <= entry[k] <= hi:
                part = ("from_pct", "r", "g", "b")[k]
                return where, "%s %s is not an integer 0..%d" % (part, show(entry[k]), hi)
        if i == 0 and entry[0] != 0:
            return where, "from_pct %d is not 0 (the first colour starts at 0 %%)" % entry[0]
        if entry[0] <= last:
            return where, "from_pct %d does not rise above %d" % (entry[0], last)
        last = entry[0]
    return path, None


def _check_text(value, lo, hi, secret):
    """What is wrong with ``value`` as text of lo..hi characters, or None; a secret is never shown."""
    if not isinstance(value, str):
        return "%s is not text" % ("the value" if secret else show(value))
    if not lo <= len(value) <= hi:
        return "%s has %d characters, not %d..%d" % ("the value" if secret else show(value), len(value),
                                                   lo, hi)
    return None


def _check_names(value):
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_COLUMNS:
        return "%s is not a list of 1..%d column names" % (show(value), MAX_COLUMNS)
    for v in value:
        if not isinstance(v, str) or not v or "\t" in v or "\n" in v or "\r" in v:
            return "%s is not a column name (text without tabs or line ends)" % show(v)
    return None


def _check_custom(path, value, messages):
    if not isinstance(value, dict):
        messages.append("%s: %s is not an object; using the default description" % (path, show(value)))
        return False
    try:
        from .custom import description_errors  # only when a description is given
    except Exception as exc:  # missing, or a broken or foreign .mpy (ValueError)
        messages.append("%s: cannot be checked, socbar/custom.py does not load (%s); copy the whole "
                        "firmware to the board (make deploy); using the default description" % (path, exc))
        return False
    errors = description_errors(value)
    if errors:
        messages.extend(errors)
        messages.append("%s: using the default description" % path)
        return False
    return True


def _check_pin_value(kind, value):
    if kind == "name":
        return None if isinstance(value, str) else "%s is not text" % show(value)
    if kind == "flag":
        return None if value is True or value is False else "%s is not true or false" % show(value)
    if kind == "bit":
        return _check_int(value, 0, 1)
    if kind == "list":
        if not isinstance(value, list) or not 1 <= len(value) <= 64:
            return "%s is not a list of 1..64 GPIO numbers" % show(value)
        for v in value:
            if not _is_int(v) or not 0 <= v <= MAX_GPIO:
                return "%s is not a GPIO number 0..%d" % (show(v), MAX_GPIO)
        return None
    if value is None and kind != "gpio":
        return None
    if kind == "led" and value == "LED":
        return None
    if type(value) is not int or not 0 <= value <= MAX_GPIO:
        allowed = "a GPIO number 0..%d" % MAX_GPIO
        if kind == "opt":
            allowed += " or null"
        elif kind == "led":
            allowed += ', "LED" or null'
        return "%s is not %s" % (show(value), allowed)
    return None


def _check_pins(path, value, messages):
    if not isinstance(value, dict):
        messages.append("%s: %s is not an object; using the board's settings" % (path, show(value)))
        return {}
    known = [key for key, _ in PIN_KEYS]
    out = {}
    owner = {}  # GPIO number -> the key that claimed it
    # Walk in PIN_KEYS order so the same document gives the same messages everywhere.
    for key, kind in PIN_KEYS:
        if key not in value:
            continue
        v = value[key]
        where = "%s.%s" % (path, key)
        err = _check_pin_value(kind, v)
        if err is not None:
            messages.append("%s: %s; ignored, the board's setting is used" % (where, err))
            continue
        if kind in ("gpio", "opt", "led", "list"):
            pins = [p for p in (v if isinstance(v, list) else [v]) if _is_int(p)]
            clash = None
            for i in range(len(pins)):
                p = pins[i]
                if p in owner:
                    clash = "GPIO %d is also %s" % (p, owner[p])
                elif p in pins[i + 1 :]:
                    clash = "GPIO %d is listed twice" % p
                if clash is not None:
                    break
            if clash is not None:
                messages.append("%s: %s; ignored, the board's setting is used" % (where, clash))
                continue
            for p in pins:
                owner[p] = where
        out[key] = _copy(v)
    for key in sorted(value):
        if key not in known:
            _unknown(path + ".", key, known, messages)
    return out


def _section(path, entries, doc, messages):
    out = {}
    for key, spec in entries:
        where = path + key
        kind = spec[0]
        if kind == _SECTION:
            sub = doc.get(key, {})
            if not isinstance(sub, dict):
                messages.append("%s: %s is not an object; using its defaults" % (where, show(sub)))
                sub = {}
            out[key] = _section(where + ".", spec[1], sub, messages)
            continue
        default = spec[1]
        if key not in doc:
            out[key] = _copy(default)
            continue
        value = doc[key]
        if kind == _CUSTOM:
            # The shipped description (test_custom checks it) needs no check: the board then
            # never loads the custom decoder, whose names would stay interned on its heap.
            ok = value == default or _check_custom(where, value, messages)
            out[key] = _copy(value if ok else default)
            continue
        if kind == _PINS:
            out[key] = _check_pins(where, value, messages)
            continue
        if kind == _INT:
            err = _check_int(value, spec[2], spec[3])
        elif kind == _BOOL:
            err = None if value is True or value is False else "%s is not true or false" % show(value)
        elif kind == _ENUM:
            err = _check_enum(value, spec[2])
        elif kind == _COLORS:
            where, err = _check_colors(where, value)
        elif kind == _TEXT or kind == _SECRET:
            err = _check_text(value, spec[2], spec[3], kind == _SECRET)
        elif kind == _FILE:
            err = _check_file_name(value)
        else:
            err = _check_names(value)
        if err is None:
            out[key] = _copy(value)
        else:
            used = "the default list" if isinstance(default, list) else show(default)
            if kind == _SECRET:
                used = "none"
            messages.append("%s: %s; using %s" % (where, err, used))
            out[key] = _copy(default)
    known = [key for key, _ in entries]
    for key in sorted(doc):
        if key not in known:
            _unknown(path, key, known, messages)
    return out


def validate(doc):
    """(config, messages): a complete, fresh configuration and what was wrong with ``doc``."""
    messages = []
    if not isinstance(doc, dict):
        messages.append("configuration: %s is not an object; using the defaults" % show(doc))
        doc = {}
    config = _section("", SCHEMA, doc, messages)
    timing = config["timing"]
    if timing["stale_periods"] >= timing["lost_periods"]:
        default = DEFAULTS["timing"]
        messages.append(
            "timing.stale_periods: %d is not less than timing.lost_periods (%d); using %d and %d"
            % (timing["stale_periods"], timing["lost_periods"], default["stale_periods"],
               default["lost_periods"])
        )
        timing["stale_periods"] = default["stale_periods"]
        timing["lost_periods"] = default["lost_periods"]
    _check_poll(config, messages)
    _check_wifi(config["wifi"], messages)
    return config, messages


def _check_poll(config, messages):
    """Poll mode speaks the Tiny BMS protocol at 115200, and asks only while the ignition is on."""
    inp = config["input"]
    if inp["mode"] != "poll":
        return
    if inp["format"] not in ("auto", "tinybms"):
        messages.append('input.format: "%s" cannot be polled; poll mode reads the Tiny BMS protocol'
                        % inp["format"])
    inp["format"] = "tinybms"
    if inp["baud"] != 115200:
        if inp["baud"] != "auto":
            messages.append("input.baud: %s; the Tiny BMS polls at 115200, which is used" % inp["baud"])
        inp["baud"] = 115200
    if not config["ignition"]["enabled"]:
        messages.append("input.mode: poll asks only while the ignition is on, and the ignition "
                        "passthrough is off: nothing will be polled")


def _check_wifi(wifi, messages):
    """No open access point, and no password a WPA2 network cannot have: Wi-Fi stays off instead."""
    n = len(wifi["password"])
    if wifi["mode"] == "ap" and n < WPA2_SHORTEST:
        messages.append('wifi.password: access-point mode needs a WPA2 password of %d..63 characters '
                        '(an open network is never offered); Wi-Fi stays off' % WPA2_SHORTEST)
        wifi["mode"] = "off"
    elif wifi["mode"] == "join" and 0 < n < WPA2_SHORTEST:
        messages.append('wifi.password: %d characters; a WPA2 password has %d..63 (leave it "" only for '
                        "an open network); Wi-Fi stays off" % (n, WPA2_SHORTEST))
        wifi["mode"] = "off"


def load(text):
    """(config, messages) from the text of a JSON document; bad text gives the defaults."""
    if not text or not text.strip():
        return validate({})[0], ["configuration: the text is empty; using the defaults"]
    try:
        doc = json.loads(text)
    except ValueError as exc:
        return validate({})[0], ["configuration: not valid JSON (%s); using the defaults" % exc]
    return validate(doc)
