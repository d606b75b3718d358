#!/usr/bin/env bash
# Installs what is needed, then runs the linters, the type checker and every test.
# The tests run in parallel, one pytest-xdist worker per core (HOTLINE_DESK_TEST_WORKERS sets another number;
# 0 runs them in this process). The service tests run twice: on SQLite and on PostgreSQL. HOTLINE_DESK_TEST_PG
# names a server to use (postgresql://user:password@host:port/maintenance_db, a role allowed to create databases);
# without it a throwaway server is installed from Debian's packages, started on loopback and stopped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== ruff"
.venv/bin/ruff check hotline_desk tests bench scripts
echo "== mypy"
.venv/bin/mypy
if [ -z "${HOTLINE_DESK_TEST_PG:-}" ]; then
  source scripts/pg-server.sh
  start_test_pg
fi
export HOTLINE_DESK_REQUIRE_PG=1
# A throwaway print server for the printing test; without it that test skips and says why.
source scripts/cups-server.sh
start_test_cups || true
echo "== pytest"
.venv/bin/pytest -n "${HOTLINE_DESK_TEST_WORKERS:-auto}" --dist worksteal "$@"

# The offline installation kits: built (or taken from the cache), installed in a fresh Debian 12 with the
# network cut, and used there (scripts/test-kit.sh).
echo "== kit"
bash scripts/test-kit.sh
