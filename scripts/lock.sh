#!/usr/bin/env bash
# Refreshes the pinned dependency lists in requirements/ (exact versions with hashes) from the ranges in
# pyproject.toml and requirements/kit-build.in. Needs the Python package index; run it when a range changes or
# to take in newer releases, then run the tests and commit the changed files.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=${HOTLINE_DESK_KIT_CACHE:-/var/cache/hotline-desk-kit}/tools
if [ ! -x "$TOOLS/bin/uv" ]; then
  python3 -m venv "$TOOLS"
  "$TOOLS/bin/python" -m pip install -q uv
fi
compile() {
  "$TOOLS/bin/uv" pip compile --quiet --universal --python-version 3.11 --generate-hashes \
    --index-url https://pypi.org/simple --custom-compile-command "bash scripts/lock.sh" "$@"
}
# the app's own dependencies: what the kits ship (universal: Linux and Windows alike)
compile pyproject.toml -o requirements/runtime.txt
# the app with its test tools
compile pyproject.toml --extra test -o requirements/test.txt
# the kit build tool, kept to the versions that the runtime list pins
compile requirements/kit-build.in -c requirements/runtime.txt -o requirements/kit-build.txt
