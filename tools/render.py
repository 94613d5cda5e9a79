"""Pictures of the SOC bar in each display state, drawn by the firmware's own renderer.

    python3 tools/render.py --out docs/img      (make pictures)

Writes OUT/states/<state>.svg, one per display state, and OUT/states/all.svg
with every state stacked. The renderer runs with the default configuration
over a few seconds of virtual time; each LED's colour over that time becomes
an SVG animation, so blinking and moving patterns show as they would on the
bar. The files are plain text and regenerate byte for byte, so a test keeps
them in step with the code.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "firmware"))
sys.path.insert(0, str(ROOT / "pclib"))

import cli  # noqa: E402
from socbar.bar import BarRenderer  # noqa: E402
from socbar.config import validate  # noqa: E402
from socbar.states import STATE_NAMES  # noqa: E402

CYCLE_MS = 4000  # virtual time drawn; a whole number of every pattern's period
STEP_MS = 50
SOC_SHOWN = 65_000_000  # 65 %, in the Reading's 0.000001 % units

# (picture name, display state, SOC): every state, plus live below the low threshold.
PICTURES = (
    ("live", "live", SOC_SHOWN),
    ("live_low", "live", 6_000_000),
    ("charging", "charging", SOC_SHOWN),
    ("full", "full", 100_000_000),
    ("regen", "regen", SOC_SHOWN),
    ("fault", "fault", SOC_SHOWN),
    ("empty", "empty", 0),
    ("asleep", "asleep", SOC_SHOWN),
    ("link_lost", "link_lost", SOC_SHOWN),
    ("stale", "stale", SOC_SHOWN),
)

LED = 24  # pixel pitch of one segment
ROW = 40
LABEL = 110


def default_config():
    with open(ROOT / "boards" / "default_config.json") as f:
        return validate(json.load(f))[0]


def state_code(name):
    for code, word in enumerate(STATE_NAMES):
        if word == name:
            return code
    raise KeyError(name)


def frames(config, state, soc):
    """The LED frame (GRB bytes) every STEP_MS over CYCLE_MS, from a fresh renderer."""
    bar = BarRenderer(config)
    code = state_code(state)
    out = []
    for now in range(0, CYCLE_MS, STEP_MS):
        bar.render(code, soc, now)
        out.append(bytes(bar.frame))
    return out


def perceived(level):
    """An LED at ``level``/255 looks about as bright as its square root on a screen."""
    return int((level * 255) ** 0.5)


def colour(frame, i):
    g, r, b = frame[3 * i], frame[3 * i + 1], frame[3 * i + 2]
    if not (g or r or b):
        return "#262626"
    return "#%02x%02x%02x" % (perceived(r), perceived(g), perceived(b))


def led_svg(seq, i, x, y):
    """One segment; an animation of its colour when it changes over the cycle."""
    colours = [colour(frame, i) for frame in seq]
    size = (x, y, LED - 4, ROW - 16, colours[0])
    shape = '<rect x="%d" y="%d" width="%d" height="%d" rx="4" fill="%s"' % size
    if all(c == colours[0] for c in colours):
        return shape + "/>"
    values, times = [], []
    for k, c in enumerate(colours):
        if not values or c != values[-1]:
            values.append(c)
            times.append("%.4g" % (k * STEP_MS / CYCLE_MS))
    return shape + '><animate attributeName="fill" calcMode="discrete" dur="%dms" repeatCount="indefinite" ' \
        'values="%s" keyTimes="%s"/></rect>' % (CYCLE_MS, ";".join(values), ";".join(times))


def row_svg(name, seq, y):
    n = len(seq[0]) // 3
    parts = ['<text x="8" y="%d" font-family="monospace" font-size="14" fill="#dddddd">%s</text>'
             % (y + ROW // 2 + 5, name)]
    parts += [led_svg(seq, i, LABEL + i * LED, y + 8) for i in range(n)]
    return parts


def svg(rows):
    """A dark panel with one labelled bar per (name, frames) row."""
    n = len(rows[0][1][0]) // 3
    width = LABEL + n * LED + 12
    height = len(rows) * ROW + 8
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">'
             % (width, height, width, height),
             '<rect width="100%" height="100%" rx="6" fill="#111111"/>']
    for k, (name, seq) in enumerate(rows):
        parts += row_svg(name, seq, 4 + k * ROW)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def pictures(config=None):
    """{file name: SVG text} for every picture and the combined one."""
    config = config or default_config()
    rows = [(name, frames(config, state, soc)) for name, state, soc in PICTURES]
    out = {name + ".svg": svg([(name, seq)]) for name, seq in rows}
    out["all.svg"] = svg(rows)
    return out


def main(argv=None):
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "img"), help="pictures go to OUT/states/")
    args = parser.parse_args(argv)
    folder = Path(args.out) / "states"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(pictures().items()):
        (folder / name).write_text(text)
        print(folder / name)
    return 0


if __name__ == "__main__":
    sys.exit(cli.run("render", main))
