#!/usr/bin/env bash
# Installs what is needed, then starts the desktop app (the database is created on first run).
# Without a display (a server, a container), the window opens on a virtual screen (Xvfb).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "没有检测到图形显示，程序将在虚拟屏幕（Xvfb）上运行。"
  exec xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/hotline-desk "$@"
fi
exec .venv/bin/hotline-desk "$@"
