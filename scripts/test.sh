#!/usr/bin/env bash
# Installs what is needed, then runs the linters, the type checker and every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== ruff"
.venv/bin/ruff check hotline_desk tests bench scripts
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
.venv/bin/pytest "$@"
