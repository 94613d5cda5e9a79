"""Start-up, once per boot: the ignition output first, then configuration, adapters and the App.

``main.py`` calls ``early()`` before anything slow is imported, so the BMS
ignition (docs/protocol.md section 5) follows the key at once, and ``build()``
when the rest may load. It then drops this module, so the schema, the board
file's handling and these helpers give their share of the heap back to the
loop: nothing built here keeps a reference to this module's functions.

Files on the board's filesystem (``make deploy`` puts them there):

- ``config.json``: the user's settings (docs/firmware.md). Missing: the
  defaults, silently. Broken: the defaults for what is wrong, messages on
  the console and the blink code on the board LED.
- ``boards/<board>.json``: pin maps; the ``board`` setting picks one and the
  ``pins`` setting overrides single entries.
"""

import json

from hw.ignition import IgnitionPins

CONFIG_FILE = "config.json"
BOARD_FILE = "boards/%s.json"
IGNITION_TIMER_MS = 2  # the passthrough's tick while awake (docs/protocol.md section 5)
WATCHDOG_MS = 4000  # longer than any pass, a sleep slice (<= 1 s) or a display refresh


def _text(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def _object(text):
    try:
        doc = json.loads(text) if text else None
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _pick(doc, key, allowed, default):
    value = doc.get(key, default) if isinstance(doc, dict) else default
    for a in allowed:
        if type(a) is type(value) and a == value:
            return value
    return default


def _ignition_settings(board, doc):
    """(in, pull, in_active, out, out_active) from the raw documents, or None when off."""
    ign = doc.get("ignition", {})
    if _pick(ign, "enabled", (True, False), True) is not True:
        return None
    pins = board.copy()
    over = doc.get("pins", {})
    gpios = tuple(range(30))
    if isinstance(over, dict):
        for key in ("ignition_in", "ignition_out"):
            pins[key] = _pick(over, key, gpios, pins.get(key))
    if pins.get("ignition_in") not in gpios or pins.get("ignition_out") not in gpios:
        return None
    return (pins["ignition_in"], _pick(ign, "input_pull", ("up", "down", "none"), "down"),
            _pick(ign, "input_active", (0, 1), 1), pins["ignition_out"],
            _pick(ign, "output_active", (0, 1), 1))


def early():
    """Read the files and make the ignition output follow its input at once; return
    (config text, ignition pins or None, their settings) for ``build``."""
    config_text = _text(CONFIG_FILE)
    doc = _object(config_text)
    name = doc.get("board")
    board = _object(_text(BOARD_FILE % name)) if isinstance(name, str) and "/" not in name else None
    board = board or _object(_text(BOARD_FILE % "pico"))  # as load_config falls back
    settings = _ignition_settings(board, doc)
    pins = None
    if settings is not None:
        pins = IgnitionPins(*settings)
        pins.drive(pins.read())
    return config_text, pins, settings


def load_config(text):
    """(config, board pin map with the overrides applied, messages); a missing file
    means the defaults without a word.

    The schema is needed only once: its modules (and the custom decoder, which
    checked the custom description) are dropped afterwards, which gives their
    share of the heap back to the loop.
    """
    import sys

    from socbar import config as schema

    cfg, messages = schema.validate({}) if text is None else schema.load(text)
    name = cfg["board"]
    board = _object(_text(BOARD_FILE % name))
    if not board:
        messages.append("board: %s not found or not a JSON object; the pins of pico are used"
                        % (BOARD_FILE % name))
        board = _object(_text(BOARD_FILE % "pico"))
    board, more = schema.merge_pins(board, cfg["pins"])
    messages += more
    package = sys.modules.get("socbar")
    for name in ("config", "custom", "jsontext"):  # the decoder re-imports custom if it is used
        sys.modules.pop("socbar." + name, None)
        if package is not None and name in dir(package):
            delattr(package, name)
    return cfg, board, messages


def _leds(cfg, board, messages):
    segments = cfg["bar"]["segments"]
    if cfg["bar"]["leds"] == "gpio":
        from hw.gpio_leds import GpioLeds

        pins = board.get("gpio_leds") or []
        if len(pins) < segments:
            messages.append("bar.segments: %d, but the board lists %d gpio_leds; the rest stay dark"
                            % (segments, len(pins)))
        return GpioLeds(pins[:segments], brightness=cfg["bar"]["brightness"])
    from hw.ws2812 import Ws2812

    return Ws2812(board["ws2812"], segments)


def _status_led(board):
    if board.get("status_ws2812") is not None:
        from hw.status_pixel import StatusPixel

        return StatusPixel(board["status_ws2812"], board.get("status_ws2812_power"))
    if board.get("status_led") is not None:
        from hw.status_led import StatusLed

        return StatusLed(board["status_led"], board.get("status_led_active", 1))
    return None


def _display(cfg, board, messages):
    if not cfg["display"]["enabled"]:
        return None
    try:
        from hw.oled import Oled
        from machine import I2C, Pin

        i2c = I2C(board["i2c_id"], scl=Pin(board["i2c_scl"]), sda=Pin(board["i2c_sda"]))
        return Oled(i2c, cfg["display"]["i2c_addr"])
    except (OSError, ImportError) as exc:
        messages.append("display: not available (%s); running without it" % exc)
        return None


def _ignition(cfg, board, early_pins, early_settings):
    """The passthrough pins as validated; the early ones are kept when they agree."""
    ign = cfg["ignition"]
    if not ign["enabled"]:
        return None
    settings = (board["ignition_in"], ign["input_pull"], ign["input_active"], board["ignition_out"],
                ign["output_active"])
    if early_pins is not None and settings == early_settings:
        return early_pins
    if early_settings is not None:
        from machine import Pin

        Pin(early_settings[3], Pin.IN)  # the early guess lets go of its pin
    pins = IgnitionPins(*settings)
    pins.drive(pins.read())  # follow the key from this instant, as the App assumes
    return pins


def build(early_state, clock, log, watchdog):
    """The App on the board's adapters, its ignition timer started: (app, timer or None,
    the board's name).

    The timer and the key's pin interrupt call ``app.irq``, a method of the App, so
    nothing of this module outlives the call."""
    from app import App
    from hw.ignition import IgnitionTimer
    from hw.sleep import Sleeper
    from hw.uart import UartPort
    from hw.watchdog import Watchdog
    from machine import Pin

    config_text, early_pins, early_settings = early_state
    cfg, board, messages = load_config(config_text)
    ignition = _ignition(cfg, board, early_pins, early_settings)
    uart = UartPort(board["uart_id"], board["uart_tx"], board["uart_rx"], 115200)
    sleeper = Sleeper(board["uart_rx"])
    web = None
    if cfg["wifi"]["mode"] != "off":
        from hw.wifi import serve

        web = serve(cfg, board, messages)
    # With the radio on the board does not light-sleep: the network needs the CPU awake.
    app = App(cfg, uart, _leds(cfg, board, messages), ignition, clock,
              display=_display(cfg, board, messages), status_led=_status_led(board),
              sleeper=sleeper if web is None else None, log=log, messages=messages, web=web)
    timer = None
    if ignition is not None:
        timer = sleeper.timer = IgnitionTimer(IGNITION_TIMER_MS, app.irq)
        app.tick_in_step = False
        # A key edge is seen at once, and ends a low-power slice early.
        Pin(board["ignition_in"]).irq(app.irq, Pin.IRQ_RISING | Pin.IRQ_FALLING, hard=True)
    if watchdog:
        app.watchdog = Watchdog(WATCHDOG_MS)
    return app, timer, board.get("name", cfg["board"])
