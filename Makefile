# One task runner, used the same way locally and in .ci/run.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install dev lint test check clean

install:  ## install poe-lsp into $(VENV) (what an editor starts: $(BIN)/poe-lsp)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet .

dev:  ## install poe-lsp editable, with the test tools
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'

lint:
	$(BIN)/ruff check poe_lsp tests
	$(BIN)/ruff format --check poe_lsp tests
	$(BIN)/mypy

test: dev lint  ## everything CI runs
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) build *.egg-info
