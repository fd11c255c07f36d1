# Two commands on a fresh Debian/Ubuntu machine:  make run  |  make test
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench screenshot screenshot-live screenshot-train default-model lint clean system-deps

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

# Rebuild resources/models/default.safetensors exactly as shipped (needs ../shared/data/fsdd).
default-model: $(STAMP)
	$(BIN)/python -m bench.build_default

lint: $(STAMP)
	$(BIN)/ruff check audioclf tests bench
	$(BIN)/mypy audioclf --exclude audioclf/gui

clean:
	rm -rf $(VENV) build *.egg-info

# The main window under Xvfb :99 (started and stopped here by PID) with a dropped FSDD clip.
# make screenshot [MODEL=path.safetensors] [CLIP=file.wav] [SHOT_ARGS=--saliency]
CLIP ?= ../shared/data/fsdd/test/7/7_george_0.wav
screenshot: $(STAMP)
	@Xvfb :99 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 & xpid=$$!; sleep 0.5; \
	DISPLAY=:99 QT_QPA_PLATFORM=xcb $(BIN)/python scripts/screenshot.py \
	  $(if $(MODEL),--model $(MODEL)) --clip $(CLIP) --out docs/screenshot.png $(SHOT_ARGS); \
	rc=$$?; kill $$xpid; wait $$xpid 2>/dev/null; exit $$rc

screenshot-live: $(STAMP)
	$(BIN)/python scripts/screenshot_live.py --out docs/screenshot-live.png

# The training panel under Xvfb :97 (started and stopped by the script, by PID): trains a small
# model on FSDD for a few epochs (CPU heavy). make screenshot-train [TRAIN_ARGS=--epochs 3]
screenshot-train: $(STAMP)
	$(BIN)/python scripts/screenshot_train.py $(TRAIN_ARGS)
