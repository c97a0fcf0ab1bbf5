# Two commands for a fresh clone with only Python 3.11+ present: `make run` and `make test`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench check readme screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The app and what the tests need, reinstalled when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]' --config-settings editable_mode=compat
	touch $@

run: $(VENV)/.installed
	$(BIN)/revise

test: $(VENV)/.installed
	$(BIN)/python -m pytest

# The benchmarks' reference libraries (torch, OpenCV) are installed only here, not for `make test`.
$(VENV)/.installed-bench: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,bench]' --config-settings editable_mode=compat
	touch $@

bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench

# The README's demo table, made from the demo modules and the cards that link them.
readme: $(VENV)/.installed
	$(BIN)/python -m revise.demo_engine.catalogue README.md

# The README's screenshots (docs/*.png), taken in xterm's Sixel mode on a virtual display (needs xvfb, xterm,
# xdotool, x11-apps and imagemagick, as `.ci/run` installs them).
screenshots: $(VENV)/.installed
	$(BIN)/python -m tests.screenshots docs

check: $(VENV)/.installed
	$(BIN)/revise check

clean:
	rm -rf $(VENV) .pytest_cache
