# Two habits: `make run` and `make test`. Each sets up what it needs on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DB ?= labelpulse.duckdb

.PHONY: install run test bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@test -f $(DB) || $(BIN)/labelpulse --db $(DB) demo
	@$(BIN)/labelpulse --db $(DB) report members --from $$($(BIN)/python -c "import datetime as d; print(d.date.today()-d.timedelta(days=29))") --to $$($(BIN)/python -c "import datetime as d; print(d.date.today())")
	@echo
	@echo "Demo database: $(DB). Try:"
	@echo "  $(BIN)/labelpulse --db $(DB) report member --member ann-01 --from $$(date -d '29 days ago' +%F) --to $$(date +%F) --format json"
	@echo "  $(BIN)/labelpulse --help"

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check labelpulse tests benchmarks
	$(BIN)/ruff format --check labelpulse tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
