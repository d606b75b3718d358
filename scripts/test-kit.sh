#!/usr/bin/env bash
# Proves the offline kits (as root, on Debian with network for the downloads):
#  - builds them with scripts/build-kit.sh (reused from the cache when nothing changed);
#  - Windows: pip resolves hotline-desk for CPython 3.11 on win_amd64 from the kit's wheels alone;
#  - Linux: a fresh minimal Debian 12 (debootstrap, kept as a tarball in the cache) gets only the Linux kit, the
#    network is cut (unshare -n), and scripts/kit-smoke.sh installs it and uses the app as a new user: --version,
#    init, demo, bulletin, an Excel import and the window on a virtual screen (Xvfb runs outside, its socket is
#    shared). The bulletin PDF is then checked here: fonts embedded, every seed number in its text.
# Results, the PDF and the screenshot of the login dialog go to out/kit-test (or HOTLINE_DESK_KIT_OUT).
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${HOTLINE_DESK_KIT_CACHE:-/var/cache/hotline-desk-kit}
OUT=${HOTLINE_DESK_KIT_OUT:-out/kit-test}
started=$(date +%s)
rm -rf "$OUT"
mkdir -p "$OUT" "$CACHE"
OUT=$(cd "$OUT" && pwd)
fail() { echo "失败：$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "scripts/test-kit.sh 需要 root（debootstrap、chroot、unshare）。"
bash scripts/setup.sh
tools=()
command -v debootstrap >/dev/null || tools+=(debootstrap)
command -v xwininfo >/dev/null || tools+=(x11-utils)
command -v Xvfb >/dev/null || tools+=(xvfb)
command -v pdffonts >/dev/null || tools+=(poppler-utils)
if ((${#tools[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${tools[@]}" >/dev/null
fi

echo "-- 构建安装包"
bash scripts/build-kit.sh
VERSION=$(python3 scripts/version.py)
LINUX=hotline-desk-$VERSION-linux-x86_64
WINDOWS=hotline-desk-$VERSION-windows-x64-wheels

WORK=$(mktemp -d /var/tmp/hotline-desk-kit-test.XXXXXX)
XVFB=""
SMOKE=""
cleanup() {
  [ -n "$SMOKE" ] && kill "$SMOKE" 2>/dev/null && wait "$SMOKE" 2>/dev/null
  [ -n "$XVFB" ] && kill "$XVFB" 2>/dev/null && wait "$XVFB" 2>/dev/null
  # the chroot's mounts lived in its own mount namespace and are gone; never cross into another file system
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

echo "-- Windows：只用安装包中的 wheel 离线解析"
.venv/bin/python -m zipfile -e "dist/$WINDOWS.zip" "$WORK/windows"
WHEELS=$WORK/windows/$WINDOWS/wheels
for file in install.bat install.ps1 hotline-desk.ico; do
  [ -s "$WORK/windows/$WINDOWS/$file" ] || fail "Windows 安装包缺少 $file"
done
.venv/bin/python -m pip --isolated install -q --dry-run --no-index --find-links "$WHEELS" \
  --platform win_amd64 --python-version 3.11 --implementation cp --abi cp311 --only-binary=:all: \
  --target "$WORK/windows-target" --report "$OUT/windows-resolution.json" hotline-desk
.venv/bin/python -m tests.kit_checks windows "$OUT/windows-resolution.json" "$WHEELS" requirements/runtime.txt

echo "-- Linux：全新的最小 Debian 12（debootstrap minbase）"
BASE=$CACHE/debian-12-minbase.tar
if [ ! -s "$BASE" ]; then
  rm -rf "$CACHE/base.partial"
  debootstrap --variant=minbase bookworm "$CACHE/base.partial" "$(bash scripts/debian-mirror.sh)" \
    > "$OUT/debootstrap.log" 2>&1 || { tail -20 "$OUT/debootstrap.log"; fail "debootstrap 失败"; }
  rm -rf "$CACHE/base.partial/var/cache/apt/archives/"*.deb
  tar -C "$CACHE/base.partial" -cf "$BASE.new" .
  mv "$BASE.new" "$BASE"
  rm -rf --one-file-system "$CACHE/base.partial"
fi
ROOT=$WORK/root
mkdir -p "$ROOT"
tar -C "$ROOT" -xf "$BASE"
mkdir -p "$ROOT/kit"
cp "dist/$LINUX.tar.gz" scripts/kit-smoke.sh "$ROOT/kit/"
.venv/bin/python -m tests.kit_checks workbook "$ROOT/kit/上级清单.xlsx"

# the virtual screen runs here; the chroot reaches it through the socket file (no network needed)
mkfifo "$WORK/display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -ac 3>"$WORK/display" >"$OUT/xvfb.log" 2>&1 &
XVFB=$!
read -r -t 30 NUMBER < "$WORK/display" || fail "Xvfb 没有启动"
export DISPLAY=:$NUMBER

echo "-- 断网安装并使用"
: > "$OUT/smoke.log"
# a bound on the whole offline run, so that a hang fails the test instead of stalling it
ROOT=$ROOT DISPLAY=$DISPLAY timeout --kill-after=30 45m unshare --net --mount --fork --kill-child -- bash -c '
  set -e
  mount --make-rprivate /
  mount -t proc proc "$ROOT/proc"
  mount -t tmpfs tmpfs "$ROOT/dev/shm"
  mkdir -p "$ROOT/tmp/.X11-unix"
  mount --bind /tmp/.X11-unix "$ROOT/tmp/.X11-unix"
  exec chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 DISPLAY="$DISPLAY" /bin/bash /kit/kit-smoke.sh' > "$OUT/smoke.log" 2>&1 &
SMOKE=$!
SMOKE_OUT=$ROOT/kit/out
tail -n +1 -f --pid "$SMOKE" "$OUT/smoke.log" &
shot_ok=0

# the login dialog: wait for its window, check it carries the app's icon (a resource of the frozen app), shoot it
while [ ! -e "$SMOKE_OUT/window-started" ] && kill -0 "$SMOKE" 2>/dev/null; do
  sleep 1
done
if [ -e "$SMOKE_OUT/window-started" ]; then
  window=""
  for _ in $(seq 120); do
    window=$(xwininfo -root -tree | awk '/"12345热线工作台 — 登录"/ {print $1; exit}')
    [ -n "$window" ] && break
    sleep 0.5
  done
  if [ -z "$window" ]; then
    echo "没有出现登录窗口" >&2
  else
    sleep 2  # let it paint
    QT_QPA_PLATFORM=xcb .venv/bin/python -m tests.kit_checks screenshot "$OUT/login-dialog.png" && shot_ok=1
    # Qt sets _NET_WM_ICON only from an icon it could load: the PNG among the frozen app's resources
    { xprop -id "$window" _NET_WM_ICON 2>&1 || true; } | head -c 300 > "$OUT/login-icon.txt" || true
    if ! grep -q '^_NET_WM_ICON(CARDINAL) = ' "$OUT/login-icon.txt"; then
      echo "登录窗口没有程序图标（hotline_desk/resources 未随程序打包？）" >&2
      shot_ok=0
    fi
  fi
  touch "$SMOKE_OUT/screenshot-taken"
fi
status=0
wait "$SMOKE" || status=$?
SMOKE=""
cp -r "$SMOKE_OUT"/. "$OUT/" 2>/dev/null || true
((status == 0)) || fail "离线安装与使用的检查没有通过（见 $OUT/smoke.log）"
((shot_ok == 1)) || fail "登录窗口的检查没有通过"
grep -qx "hotline-desk $VERSION" "$OUT/version.txt" || fail "--version 不是 $VERSION"
.venv/bin/python -m tests.kit_checks bulletin "$OUT/bulletin-2022-07.pdf"
app_mb=$(tar -tvzf "dist/$LINUX.tar.gz" | awk '$6 ~ /^[^/]+\/app\// {s += $3} END {printf "%.0f", s / 1048576}')
((app_mb < 300)) || fail "程序解压后 $app_mb MB，超过 300 MB"

echo "安装包：$(du -m "dist/$LINUX.tar.gz" | cut -f1) MB（Linux）、$(du -m "dist/$WINDOWS.zip" | cut -f1) MB（Windows）"
echo "安装包检查全部通过，用时 $(( $(date +%s) - started )) 秒；登录窗口截图：$OUT/login-dialog.png"
