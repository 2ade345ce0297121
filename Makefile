# Two habits: `make run` and `make test`. Each sets up what it needs on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DB ?= labelpulse.duckdb
# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
CHROMIUM := /usr/bin/chromium
CHROMIUM_STAMP := $(VENV)/.chromium-stamp
CHROMIUM_LOG := $(VENV)/.chromium-install.log
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test bench lint clean FORCE

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Chromium for tests/browser: apt-get install it when missing (as root, or through sudo);
# `apt-get update` only when the install fails. Rebuilt whenever $(CHROMIUM) has gone missing.
$(CHROMIUM_STAMP): $(if $(wildcard $(CHROMIUM)),,FORCE) | $(STAMP)
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; \
	  elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	  else echo "error: the browser tests need Chromium at $(CHROMIUM): run 'apt-get install -y chromium' as root (no sudo here)" >&2; exit 1; fi; \
	  command -v apt-get >/dev/null 2>&1 || { echo "error: the browser tests need Chromium at $(CHROMIUM), and there is no apt-get here: install it" >&2; exit 1; }; \
	  echo "Installing Chromium for the browser tests (apt-get install -y chromium)..."; \
	  apt="$$sudo env DEBIAN_FRONTEND=noninteractive apt-get -qq"; \
	  $$apt install -y chromium >$(CHROMIUM_LOG) 2>&1 \
	    || { $$apt update >>$(CHROMIUM_LOG) 2>&1 && $$apt install -y chromium >>$(CHROMIUM_LOG) 2>&1; } \
	    || { tail -n 20 $(CHROMIUM_LOG) >&2; echo "error: could not install chromium (log: $(CHROMIUM_LOG))" >&2; exit 1; }; \
	  test -x $(CHROMIUM) || { echo "error: chromium installed, but $(CHROMIUM) is missing" >&2; exit 1; }; \
	fi
	@touch $@

FORCE:

# A real Label Studio for tests/labelstudio: label-studio in its own virtualenv plus a migrated
# template data dir, cached outside the repo (~1 GB and ~2 minutes, once per machine). The
# version is the one pinned in tests/labelstudio/server.py; the stamp is the template's marker.
LABELPULSE_CACHE ?= $(HOME)/.cache/labelpulse
LABEL_STUDIO_VERSION := $(shell sed -n 's/^LABEL_STUDIO_VERSION = "\(.*\)"$$/\1/p' tests/labelstudio/server.py)
LABEL_STUDIO_STAMP := $(LABELPULSE_CACHE)/label-studio-$(LABEL_STUDIO_VERSION)/template/.labelpulse-ready

.PHONY: label-studio
label-studio: $(LABEL_STUDIO_STAMP)

$(LABEL_STUDIO_STAMP): | $(STAMP)
	LABELPULSE_CACHE='$(LABELPULSE_CACHE)' $(BIN)/python -m tests.labelstudio.server prepare

run: $(STAMP)
	@if [ -f $(DB) ]; then $(BIN)/labelpulse --db $(DB) demo --show-logins; \
	else $(BIN)/labelpulse --db $(DB) demo; fi
	@echo "Open http://$(HOST):$(PORT)/ and sign in with one of the logins above."
	@$(BIN)/labelpulse --db $(DB) serve --host $(HOST) --port $(PORT)

test: $(STAMP) $(CHROMIUM_STAMP) label-studio
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# mypy reads what to check from pyproject.toml: labelpulse, tests and benchmarks, all strict.
lint: $(STAMP)
	$(BIN)/ruff check labelpulse tests benchmarks
	$(BIN)/ruff format --check labelpulse tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
