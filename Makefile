# One task runner, used the same way locally and in .ci/run.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STYLUA := $(VENV)/stylua/node_modules/.bin/stylua
# The dev environment is rebuilt only when pyproject.toml changes (or the stamp is gone).
STAMP := $(VENV)/.dev-installed
PYTEST := $(BIN)/python -m pytest -q
# The servers the benchmarks measure run here: poe-lsp's runtime dependencies only, as a
# user's install has them (the test tools would add packages the server loads too).
RUNTIME := .venv-runtime
RUNTIME_STAMP := $(RUNTIME)/.installed

.PHONY: install dev lint test test-unit test-e2e test-editors test-python dist check-dist vscode bench clean

install:  ## install poe-lsp into $(VENV) (what an editor starts: $(BIN)/poe-lsp)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet .
	rm -f $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(RUNTIME_STAMP): pyproject.toml
	$(PYTHON) -m venv $(RUNTIME)
	$(RUNTIME)/bin/pip install --quiet --upgrade pip
	$(RUNTIME)/bin/pip install --quiet -e .
	touch $@

dev: $(STAMP)  ## install poe-lsp editable, with the test tools

$(STYLUA):
	npm install --prefix $(VENV)/stylua --no-save --no-audit --no-fund @johnnymorganz/stylua-bin@2.5.2

lint: $(STAMP) $(STYLUA)
	$(BIN)/ruff check poe_lsp tests bench tools
	$(BIN)/ruff format --check poe_lsp tests bench tools
	$(BIN)/mypy
	$(STYLUA) --check editors/neovim tests/editors/nvim
	$(BIN)/python -m tools.version
	@if command -v emacs >/dev/null; then emacs --batch -Q -l tests/editors/emacs/lint.el editors/emacs/poe-eglot.el; \
	 else echo "no emacs: editors/emacs/poe-eglot.el not byte-compiled"; fi

test-unit: $(STAMP)  ## the fast tests: no process, no editor (seconds)
	$(PYTEST) tests/unit

test-e2e: $(STAMP)  ## the real poe-lsp process against the fake Poe bot server
	$(PYTEST) tests/e2e tests/bench

test-editors: $(STAMP)  ## Neovim and Emacs for real (VS Code: make vscode)
	$(PYTEST) tests/editors

test-python: $(STAMP)
	$(PYTEST)

dist: $(STAMP)  ## the sdist and the wheel, into dist/
	rm -rf dist
	$(BIN)/python -m build --outdir dist . >build.log 2>&1 || (tail -30 build.log; exit 1)
	rm -f build.log

check-dist: dist  ## twine check, then install the wheel with pipx and run it against the fake bot
	$(BIN)/twine check --strict dist/*
	$(BIN)/python -m tools.install_smoke dist/*.whl

test: lint test-python check-dist  ## everything CI runs, but VS Code (make vscode)

vscode:  ## the VS Code extension: typecheck, lint, unit tests, package the .vsix, real VS Code
	bash editors/vscode/scripts/ci.sh

bench: $(STAMP) $(RUNTIME_STAMP)  ## the benchmarks of docs/performance.md (about 3 minutes)
	POE_LSP_BENCH_PYTHON=$(RUNTIME)/bin/python $(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(RUNTIME) build dist *.egg-info
