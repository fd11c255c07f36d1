# Two commands on a fresh Debian/Ubuntu machine:  make run  |  make test
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench screenshot screenshot-live default-model lint clean system-deps

system-deps:
	@bash scripts/system-deps.sh

$(STAMP): pyproject.toml
	@bash scripts/system-deps.sh
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "torch==2.14.1" -e ".[test,bench,dev]" || \
	  $(BIN)/python -m pip install -q -e ".[test,bench,dev]"
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/audioclf-gui

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check audioclf tests bench
	$(BIN)/mypy audioclf --exclude audioclf/gui

clean:
	rm -rf $(VENV) build *.egg-info

screenshot-live: $(STAMP)
	$(BIN)/python scripts/screenshot_live.py --out docs/screenshot-live.png
