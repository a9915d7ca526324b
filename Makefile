# One entry point for developer tasks, the same locally and in CI.
#   make run    set up, load demo data, serve the inbox on http://127.0.0.1:8000
#   make test   set up and run the whole suite (SQLite, then PostgreSQL)
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: help venv run demo serve test test-sqlite test-postgres lint format bench eval models coach-models system-deps clean

help:
	@echo "make run    - install, load demo data, serve on http://127.0.0.1:8000"
	@echo "make test   - install and run the whole test suite (SQLite, then PostgreSQL)"
	@echo "make lint   - ruff and mypy --strict"
	@echo "make bench  - speed figures (see BENCHMARKS.md)"
	@echo "make eval   - quality figures"
	@echo "make models - retrain the triage models, then the coach's (needs the train extra; slow)"
	@echo "make coach-models - retrain only the reply coach's learned rules (about a minute)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Heedful needs Python 3.11 or newer (found $(PYTHON))"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

run: venv
	$(BIN)/heedful db upgrade
	$(BIN)/heedful demo
	$(BIN)/heedful serve

serve: venv
	$(BIN)/heedful serve

system-deps:
	@bash scripts/install-system-deps.sh

test: venv system-deps test-sqlite test-postgres

test-sqlite: venv
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-postgres: venv
	$(BIN)/python -m pytest -q -m db --db=postgresql $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check src tests bench eval
	$(BIN)/ruff format --check src tests bench eval
	$(BIN)/mypy src

format: venv
	$(BIN)/ruff format src tests bench eval
	$(BIN)/ruff check --fix src tests bench eval

bench: venv
	@for script in bench/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

eval: venv
	@for script in eval/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Triage models (src/heedful/triage/models/, see MODEL_CARD.md there): deterministic, CPU, slow
# (about an hour on 2 free cores). torch is pinned first so pip takes the CPU wheel.
models: venv
	$(BIN)/python -m pip install --quiet 'torch==2.13.0'
	$(BIN)/python -m pip install --quiet -e '.[dev,train]'
	$(BIN)/python training/train_linear.py
	HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false nice -n 10 $(BIN)/python training/train_triage.py
	$(BIN)/python training/train_topic_head.py
	$(MAKE) coach-models

# The reply coach's learned rules (src/heedful/coach/models/, see MODEL_CARD.md there):
# deterministic, CPU, about a minute. They read triage's fast pass as context, so they are
# retrained after it.
coach-models: venv
	nice -n 10 $(BIN)/python training/train_coach.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
