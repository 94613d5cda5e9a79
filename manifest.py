# ruff: noqa: F821 - include, require, package and module come from MicroPython's manifest tool
#
# Freeze the firmware into a custom MicroPython image for the RP2040:
#
#   cd micropython/ports/rp2
#   make BOARD=RPI_PICO FROZEN_MANIFEST=/path/to/this/repo/manifest.py
#
# main.py and boot.py stay on the board's filesystem (the board runs them only from
# there), with config.json and the board pin maps (docs/firmware.md); the
# frozen modules take no RAM for their code.

include("$(PORT_DIR)/boards/manifest.py")  # the port's own frozen modules

require("ssd1306")  # micropython-lib's OLED driver, for the optional display page

package("socbar", base_path="firmware")
package("hw", base_path="firmware")
module("app.py", base_path="firmware")
module("console.py", base_path="firmware")
module("line.py", base_path="firmware")
module("startup.py", base_path="firmware")
module("poll.py", base_path="firmware")
