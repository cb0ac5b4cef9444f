#!/usr/bin/env bash
# Put poe-lsp and its dependencies into bundled/libs, for the .vsix (`npm run package` runs it).
#
# The way Microsoft's python-tools extension template bundles a server: `pip install --target`,
# run by bundled/tool/poe_lsp_server.py with the user's Python 3.11+. Every dependency is pure
# Python but pydantic-core, whose compiled module is per Python version and platform: the
# bundle carries it for CPython 3.11 to 3.14 on one platform, PLATFORM (pip's tag; default
# manylinux_2_17_x86_64, which the vsix's target linux-x64 names). For another platform, run
# with PLATFORM and VSCE_TARGET set (e.g. macosx_11_0_arm64 and darwin-arm64).
#   POE_PYTHON   a Python 3.11+ with pip (default: <repo>/.venv/bin/python, else a virtual
#                environment of python3 made for the occasion)
set -euo pipefail

EXT="$(cd "$(dirname "$0")/.." && pwd)"
ROOT="$(cd "$EXT/../.." && pwd)"
PYTHON="${POE_PYTHON:-$ROOT/.venv/bin/python}"
PLATFORM="${PLATFORM:-manylinux_2_17_x86_64}"
LIBS="$EXT/bundled/libs"
PIP=("$PYTHON" -m pip --quiet --disable-pip-version-check)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ ! -x "$PYTHON" ]; then
  python3 -m venv "$work/venv"
  PYTHON="$work/venv/bin/python"
  PIP=("$PYTHON" -m pip --quiet --disable-pip-version-check)
fi
rm -rf "$LIBS"
"${PIP[@]}" wheel --no-deps --wheel-dir "$work/wheel" "$ROOT" >/dev/null
"${PIP[@]}" install --no-compile --target "$LIBS" --only-binary=:all: \
  --implementation cp --python-version 3.11 --platform "$PLATFORM" "$work"/wheel/poe_lsp-*.whl
rm -rf "$LIBS/bin"   # console scripts pointing at this machine's Python

core="$(cd "$LIBS" && ls -d pydantic_core-*.dist-info | sed 's/pydantic_core-\(.*\)\.dist-info/\1/')"
for version in 3.12 3.13 3.14; do
  "${PIP[@]}" download --no-deps --only-binary=:all: --implementation cp --python-version "$version" \
    --platform "$PLATFORM" --dest "$work/core" "pydantic-core==$core"
done
"$PYTHON" - "$LIBS" "$work"/core/*.whl <<'PY'
import sys, zipfile
libs, *wheels = sys.argv[1:]
for wheel in wheels:
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.startswith("pydantic_core/_pydantic_core."):
                archive.extract(name, libs)
PY
find "$LIBS" -name __pycache__ -prune -exec rm -rf {} +
echo "bundled/libs: poe-lsp $(cd "$LIBS" && ls -d poe_lsp-*.dist-info | sed 's/poe_lsp-\(.*\)\.dist-info/\1/'), pydantic-core $core for $PLATFORM ($(du -sh "$LIBS" | cut -f1))"
ls "$LIBS"/pydantic_core/_pydantic_core.*
