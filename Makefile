# Two entry points for a fresh machine (Python 3.11+ with venv): `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: demo test lint install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'

# The main job: six runs of examples/shop stored in ./ccdash-demo.db (embedded SQLite), then queried;
# then the integrity scene in a throwaway git repository, and the HTML report.
demo: install
	rm -f ccdash-demo.db ccdash-demo.db-wal ccdash-demo.db-shm ccdash-demo-report.html
	PATH="$(CURDIR)/$(BIN):$$PATH" bash examples/demo.sh

# The whole suite, lint included. PostgreSQL tests use $$CCDASH_TESTS_POSTGRES_URL, else a throwaway
# server from the pgserver package; .ci/run starts the machine's server and sets the URL.
test: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build *.egg-info ccdash-demo.db* ccdash-demo-report.html
