#!/usr/bin/env bash
# A throwaway CUPS print server for the printing test: Debian's cups and cups-pdf, its own folder, listening on a
# private socket only (no network port), one cups-pdf queue that prints to PDF files, stopped and removed on exit.
# Source it, then call start_test_cups; it exports CUPS_SERVER, HOTLINE_DESK_TEST_PRINTER and
# HOTLINE_DESK_TEST_PRINT_OUT (the folder cups-pdf writes anonymous jobs to). Without root (cups-pdf must run as root)
# or without the packages it says why and returns non-zero; the test then skips with that reason.

start_test_cups() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! command -v cupsd >/dev/null 2>&1 || [ ! -e /usr/lib/cups/backend/cups-pdf ]; then
    echo "安装 CUPS 和 cups-pdf（打印测试用）……"
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
           $sudo apt-get install -y -qq --no-install-recommends cups printer-driver-cups-pdf >/dev/null; }; then
      echo "无法安装 CUPS，打印测试将跳过。" >&2
      return 1
    fi
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "cups-pdf 只能以 root 运行，打印测试将跳过。" >&2
    return 1
  fi
  TEST_CUPS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hotline-desk-cups.XXXXXX")
  local d=$TEST_CUPS_DIR
  mkdir -p "$d/root/ppd" "$d/spool/tmp" "$d/cache" "$d/state/certs" "$d/log"
  chmod 0755 "$d"
  chmod 1777 "$d/spool/tmp"
  cat >"$d/root/cupsd.conf" <<EOF
Listen $d/cups.sock
LogLevel warn
Browsing Off
DefaultAuthType None
WebInterface No
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
EOF
  cat >"$d/root/cups-files.conf" <<EOF
ServerRoot $d/root
RequestRoot $d/spool
TempDir $d/spool/tmp
CacheDir $d/cache
StateDir $d/state
ErrorLog $d/log/error_log
AccessLog $d/log/access_log
PageLog $d/log/page_log
Sandboxing Relaxed
EOF
  # cups-pdf reads only /etc/cups/cups-pdf.conf. A job from a user the system does not know (the test prints as
  # one, CUPS_USER) lands in its folder for anonymous jobs; the test names its job uniquely and removes the file.
  local anon
  anon=$(sed -n 's/^[[:space:]]*AnonDirName[[:space:]]\+//p' /etc/cups/cups-pdf.conf 2>/dev/null | tail -1)
  /usr/sbin/cupsd -f -c "$d/root/cupsd.conf" -s "$d/root/cups-files.conf" &
  TEST_CUPS_PID=$!
  local waited=0
  until [ -S "$d/cups.sock" ] || [ $waited -ge 50 ]; do sleep 0.1; waited=$((waited + 1)); done
  if [ ! -S "$d/cups.sock" ] || ! lpadmin -h "$d/cups.sock" -p hotline-pdf -E -v cups-pdf:/ \
       -P /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd >/dev/null 2>&1; then
    echo "测试用 CUPS 未能启动，打印测试将跳过（见 $d/log/error_log）。" >&2
    stop_test_cups
    return 1
  fi
  trap 'stop_test_cups; declare -F stop_test_pg >/dev/null && stop_test_pg' EXIT
  export CUPS_SERVER="$d/cups.sock" HOTLINE_DESK_TEST_PRINTER=hotline-pdf \
    HOTLINE_DESK_TEST_PRINT_OUT="${anon:-/var/spool/cups-pdf/ANONYMOUS}"
  echo "测试用 CUPS 已在 $d/cups.sock 启动（打印机 hotline-pdf）"
}

stop_test_cups() {
  if [ -n "${TEST_CUPS_PID:-}" ]; then
    kill "$TEST_CUPS_PID" 2>/dev/null || true
    wait "$TEST_CUPS_PID" 2>/dev/null || true
    TEST_CUPS_PID=""
  fi
  if [ -n "${TEST_CUPS_DIR:-}" ] && [ -d "$TEST_CUPS_DIR" ]; then
    rm -rf "$TEST_CUPS_DIR"
  fi
}
