#!/usr/bin/env bash
# Everything CI checks for the VS Code extension, from a fresh clone: install what is missing
# (Debian packages, npm packages, code-server), then typecheck, lint, unit-test, bundle and
# package the extension, and run it in real VS Code (code-server) against the fake Poe server.
#
# usage: editors/vscode/scripts/ci.sh        (from anywhere; exits non-zero on any failure)
#   POE_PYTHON   the interpreter with poe-lsp and the test tools (default: <repo>/.venv/bin/python,
#                made with `make dev` when missing)
# Screenshots and the .vsix land in editors/vscode/.artifacts/.
set -euo pipefail

EXT="$(cd "$(dirname "$0")/.." && pwd)"
ROOT="$(cd "$EXT/../.." && pwd)"
PYTHON="${POE_PYTHON:-$ROOT/.venv/bin/python}"
CODE_SERVER_VERSION=4.100.3   # VS Code 1.100.3, the last code-server that runs on Node 20
RIPGREP_VERSION=1.15.11       # the @vscode/ripgrep that code-server 4.100.3 installs
CACHE="$EXT/.cache/code-server"
START=$SECONDS

step() { printf '\n== %s (%ss)\n' "$1" "$((SECONDS - START))"; }
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

step "prerequisites"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" != 20 ]; then
  echo "code-server $CODE_SERVER_VERSION needs Node 20; this is Node $(node --version)" >&2
  exit 1
fi
missing=()
command -v chromium >/dev/null || missing+=(chromium)
if [ ! -x "$CACHE/node_modules/.bin/code-server" ]; then
  # Only to build code-server's native modules: kerberos needs gssapi.h, and ripgrep seeds
  # @vscode/ripgrep's download cache (its postinstall would fetch from GitHub).
  for package in libkrb5-dev pkg-config ripgrep g++ make; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
fi
if [ ! -x "$PYTHON" ]; then
  make -C "$ROOT" dev
fi

step "npm ci (the extension's packages)"
cd "$EXT"
npm ci --no-audit --no-fund --loglevel=error

# code-server writes a default config under $XDG_CONFIG_HOME on any run: keep it in the cache.
export XDG_CONFIG_HOME="$EXT/.cache/xdg-config"
if ! "$CACHE/node_modules/.bin/code-server" --version 2>/dev/null | grep -q "^$CODE_SERVER_VERSION "; then
  step "code-server $CODE_SERVER_VERSION into $CACHE (about 1.5 min)"
  rm -rf "$CACHE" && mkdir -p "$CACHE"
  cp "$EXT/test/code-server/package.json" "$EXT/test/code-server/package-lock.json" "$CACHE/"
  rg_cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$RIPGREP_VERSION"
  rg_tar="$(mktemp -d)"
  mkdir -p "$rg_cache" && cp "$(command -v rg)" "$rg_tar/rg"
  tar czf "$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$rg_tar" rg
  rm -rf "$rg_tar"
  # npx inside node-pty's install must not prompt (npm's `yes` may be false), and node-gyp
  # must use the installed Node headers instead of downloading them.
  if ! (cd "$CACHE" && npm_config_yes=true npm_config_nodedir=/usr \
      npm ci --unsafe-perm --foreground-scripts --no-audit --no-fund >install.log 2>&1); then
    tail -40 "$CACHE/install.log" >&2
    exit 1
  fi
fi
"$CACHE/node_modules/.bin/code-server" --version | grep "^$CODE_SERVER_VERSION "

step "typecheck"
npm run --silent typecheck
step "lint"
npm run --silent lint
step "build"
npm run --silent build
step "unit tests"
npm run --silent test:unit
step "package the .vsix"
npm run --silent package

step "VS Code: extension-host integration tests and the UI smoke test"
cd "$ROOT"
POE_VSCODE_E2E=1 "$PYTHON" -m pytest -q -p no:cacheprovider tests/editors/test_vscode.py

step "done"
ls -1 "$EXT"/.artifacts/*.png "$EXT"/.artifacts/*.vsix
