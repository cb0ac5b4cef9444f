# One task runner, used the same way locally and in .ci/run.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STYLUA := $(VENV)/stylua/node_modules/.bin/stylua

.PHONY: install dev lint test bench clean

install:  ## install poe-lsp into $(VENV) (what an editor starts: $(BIN)/poe-lsp)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet .

dev:  ## install poe-lsp editable, with the test tools
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'

$(STYLUA):
	npm install --prefix $(VENV)/stylua --no-save --no-audit --no-fund @johnnymorganz/stylua-bin@2.5.2

lint: $(STYLUA)
	$(BIN)/ruff check poe_lsp tests bench
	$(BIN)/ruff format --check poe_lsp tests bench
	$(BIN)/mypy
	$(STYLUA) --check editors/neovim tests/editors/nvim

test: dev lint  ## everything CI runs
	$(BIN)/python -m pytest -q

bench: dev  ## the benchmarks of docs/performance.md (about 2 minutes)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info
