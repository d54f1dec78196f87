# Two commands set everything up from nothing: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
PORT ?= 8501

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PY) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, found " + sys.version'
	$(PY) -m venv $(VENV)

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(DEVSTAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(STAMP) $@

run: $(STAMP)
	$(BIN)/streamlit run app.py --server.port $(PORT) --browser.gatherUsageStats false

lint: $(DEVSTAMP)
	$(BIN)/ruff check .

test: $(DEVSTAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n 2 --doctest-modules causal_core tests

bench: $(DEVSTAMP)
	$(BIN)/pip install -q -r requirements-bench.txt
	$(BIN)/python benchmarks/bench_identify.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
