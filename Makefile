# Two commands set everything up from nothing: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
PORT ?= 8501

.PHONY: run test lint bench clean chromium postgresql

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

# The browser tests drive Debian's chromium (Playwright cannot download browsers here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo -n"; fi; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || \
	  echo "Could not install chromium: run 'apt-get install chromium' (the browser tests need it)."; }

# The room store's tests start a throwaway PostgreSQL cluster from Debian's package.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  echo "Installing Debian's postgresql for the room store tests..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo -n"; fi; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || \
	  echo "Could not install postgresql: run 'apt-get install postgresql' (the room tests need it)."; }

lint: $(DEVSTAMP)
	$(BIN)/ruff check .

test: $(DEVSTAMP) chromium postgresql
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n 2 --doctest-modules causal_core tests --ignore=tests/browser/alone
	@# run alone, figures printed: three browsers at once, which another test worker would slow,
	@# and the 1 s rule of a hung-looking input beside another session's page load
	$(BIN)/python -m pytest -q -s tests/browser/alone

bench: $(DEVSTAMP)
	$(BIN)/pip install -q -r requirements-bench.txt
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
