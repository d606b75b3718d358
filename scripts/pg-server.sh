#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: Debian's packages, a fresh cluster in a temporary folder,
# listening on loopback only, stopped and removed when the calling script exits.
# Source it, then call start_test_pg; it exports HOTLINE_DESK_TEST_PG.

start_test_pg() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    echo "安装 PostgreSQL（测试用）……"
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
           $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null; }; then
      echo "无法安装 PostgreSQL。请用 HOTLINE_DESK_TEST_PG 指定一台可建库的服务器后重试。" >&2
      return 1
    fi
  fi
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  TEST_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hotline-desk-pg.XXXXXX")
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    # initdb and the server refuse to run as root; the package made a postgres account for them.
    chown postgres: "$TEST_PG_DIR"
    as=(runuser -u postgres --)
  fi
  TEST_PG_CTL=("${as[@]}" "$bin/pg_ctl" -D "$TEST_PG_DIR/data")
  "${as[@]}" "$bin/initdb" -D "$TEST_PG_DIR/data" -U hotline -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  "${TEST_PG_CTL[@]}" -l "$TEST_PG_DIR/server.log" -w -o \
    "-c listen_addresses=127.0.0.1 -p $port -k $TEST_PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  trap stop_test_pg EXIT
  export HOTLINE_DESK_TEST_PG="postgresql://hotline@127.0.0.1:$port/postgres"
  echo "测试用 PostgreSQL 已在 127.0.0.1:$port 启动"
}

stop_test_pg() {
  if [ -n "${TEST_PG_DIR:-}" ] && [ -d "$TEST_PG_DIR" ]; then
    "${TEST_PG_CTL[@]}" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$TEST_PG_DIR"
  fi
}
