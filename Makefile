# chaincred: two commands on a fresh machine.
#   make run   – install everything, then start the local stack (`chaincred up`) until Ctrl-C
#   make test  – install everything, then run every test tier (this is what .ci/run calls)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint bench clean help

help:
	@echo "make run    install everything and start the local stack (Ctrl-C stops it)"
	@echo "make test   install everything and run all tests, linters included"
	@echo "make lint   ruff, mypy --strict, import layers and solhint (fast)"
	@echo "make bench  run every benchmark and rewrite docs/benchmarks.md (about 6 minutes)"

setup: $(VENV)/.installed node_modules/.installed

# Python: the package in editable mode with the test/lint tools and the operators' ape.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,ops]'
	touch $@

# npm: solc-js, OpenZeppelin, Anvil, forge and solhint, exactly as package-lock.json pins them.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

run: setup
	$(BIN)/chaincred up

test: setup
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports
	node_modules/.bin/solhint --max-warnings 0 'contracts/**/*.sol'

bench: setup
	$(BIN)/python benchmarks/gas.py
	$(BIN)/python benchmarks/verify.py
	$(BIN)/python benchmarks/issuance.py

clean:
	rm -rf $(VENV) .venv-slither node_modules .chaincred out cache .pytest_cache .hypothesis
