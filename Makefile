# Every target sets up .venv (pinned, from requirements.txt) on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= /dev/ttyACM0
BOARD ?= pico

.PHONY: sim test bench soak fuzz mutate lint typecheck mpy deploy pictures clean

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10) and "Python 3.10 or newer is needed; set PYTHON=python3.10 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $(STAMP)

sim: $(STAMP)
	$(PY) tools/sim.py

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/bench.py

soak: $(STAMP)
	$(PY) bench/soak.py --hours 24

fuzz: $(STAMP)
	FUZZ_EXAMPLES=100000 $(PY) -m pytest -q -p no:cacheprovider host_tests/test_pc_fuzz.py

$(VENV)/.mutate: $(STAMP) requirements-mutate.txt
	$(VENV)/bin/pip install --quiet -r requirements-mutate.txt
	touch $@

mutate: $(VENV)/.mutate
	$(PY) bench/mutate.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/pyright -p pyrightconfig.json --typeshedpath "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"

mpy: $(STAMP)
	$(PY) pclib/build_mpy.py

deploy: mpy
	$(PY) tools/deploy.py --port $(PORT) --board $(BOARD)

pictures: $(STAMP)
	$(PY) tools/render.py --out docs/img

clean:
	rm -rf build .pytest_cache .ruff_cache .hypothesis
