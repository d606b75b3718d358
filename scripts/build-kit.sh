#!/usr/bin/env bash
# Builds the two offline installation kits into dist/ (needs the network: the Python package index and the
# Debian mirror that apt uses):
#   dist/hotline-desk-<version>-linux-x86_64.tar.gz      the app frozen with PyInstaller (its own Python and Qt),
#       the Debian packages for Qt's system libraries, a free CJK font, install.sh (works with no network)
#   dist/hotline-desk-<version>-windows-x64-wheels.zip   every wheel for CPython 3.11 on 64-bit Windows, install.bat
# Both are built from the pinned versions in requirements/ (refresh them with scripts/lock.sh).
# Downloads, the build environment and the finished kits are kept in HOTLINE_DESK_KIT_CACHE
# (default /var/cache/hotline-desk-kit): when the source tree, the lock files and the packaging are unchanged,
# the kits are copied from there instead of being built again.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${HOTLINE_DESK_KIT_CACHE:-/var/cache/hotline-desk-kit}
PYTHON=${PYTHON:-python3}
# the one place the version is written (pyproject.toml reads it from there too)
VERSION=$("$PYTHON" scripts/version.py)
LINUX=hotline-desk-$VERSION-linux-x86_64
WINDOWS=hotline-desk-$VERSION-windows-x64-wheels
INDEX=https://pypi.org/simple
mkdir -p "$CACHE" dist

# Only one build at a time uses the cache.
exec 9>"$CACHE/build.lock"
flock 9

inputs_key() {
  {
    find hotline_desk packaging requirements -type f ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 \
      | LC_ALL=C sort -z | xargs -0 sha256sum
    sha256sum pyproject.toml scripts/build-kit.sh
    "$PYTHON" -VV
  } | sha256sum | cut -c1-20
}

print_sizes() {
  local tarball=dist/$LINUX.tar.gz zip=dist/$WINDOWS.zip unpacked
  unpacked=$(tar -tvzf "$tarball" | awk '{s += $3} END {printf "%.0f", s / 1048576}')
  echo "Linux 安装包：$tarball  $(du -m "$tarball" | cut -f1) MB（解压后 $unpacked MB，其中程序 $(
    tar -tvzf "$tarball" | awk '$6 ~ /^[^/]+\/app\// {s += $3} END {printf "%.0f", s / 1048576}') MB）"
  echo "Windows 安装包：$zip  $(du -m "$zip" | cut -f1) MB（$("$PYTHON" -c '
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(sum(1 for i in z.infolist() if i.filename.endswith(".whl")), "个 wheel")' "$zip")）"
}

KEY=$(inputs_key)
KITS=$CACHE/kits/$KEY
if [ -f "$KITS/done" ]; then
  echo "输入未变（$KEY），使用已构建的安装包。"
  cp "$KITS/$LINUX.tar.gz" "$KITS/$WINDOWS.zip" dist/
  print_sizes
  exit 0
fi

WORK=$(mktemp -d "$CACHE/work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# 1. The build environment: the pinned runtime and PyInstaller, checked against the hashes in the lock files.
VENV=$CACHE/venv-$(cat requirements/runtime.txt requirements/kit-build.txt <("$PYTHON" -VV) | sha256sum | cut -c1-12)
if [ ! -f "$VENV/.complete" ]; then
  echo "== 建立构建环境"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip --isolated --disable-pip-version-check install -q --index-url "$INDEX" --cache-dir "$CACHE/pip" \
    --require-hashes --no-deps -r requirements/runtime.txt -r requirements/kit-build.txt
  touch "$VENV/.complete"
fi
PIP=("$VENV/bin/python" -m pip --isolated --disable-pip-version-check)

echo "== 构建本程序的 wheel"
"${PIP[@]}" wheel -q --no-deps --no-build-isolation --no-index -w "$WORK/app-wheel" .
APP_WHEEL=$(ls "$WORK"/app-wheel/hotline_desk-*.whl)
"${PIP[@]}" install -q --no-deps --no-index --force-reinstall "$APP_WHEEL"

echo "== PyInstaller 打包"
"$VENV/bin/pyinstaller" --noconfirm --log-level WARN --distpath "$WORK/pyinstaller" \
  --workpath "$WORK/pyinstaller-build" packaging/hotline-desk.spec
KIT=$WORK/$LINUX
mkdir -p "$KIT/debs" "$KIT/share"
mv "$WORK/pyinstaller/hotline-desk" "$KIT/app"
# the interpreter's own libraries carry debugging symbols the program does not need (about 25 MB)
if command -v strip >/dev/null; then
  find "$KIT/app/_internal" -maxdepth 1 -name 'libpython3*.so*' -exec strip --strip-debug {} +
  find "$KIT/app/_internal" -path '*/lib-dynload/*.so' -exec strip --strip-debug {} +
fi

# 2. Debian packages: resolve the system libraries against a minimal Debian 12 (what debootstrap's minbase
# variant installs), so the kit carries every .deb such a system lacks. Nothing is installed on this machine.
echo "== 下载 Debian 软件包"
DEBS=$CACHE/debs
mkdir -p "$DEBS/partial"
MIRROR=$(bash scripts/debian-mirror.sh)
if [ ! -s "$CACHE/minbase-packages.txt" ]; then
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  debootstrap --print-debs --variant=minbase bookworm "$WORK/print-debs" "$MIRROR" 2>"$WORK/debootstrap.log" \
    | tr ' ' '\n' | grep . \
    > "$CACHE/minbase-packages.txt.new"
  mv "$CACHE/minbase-packages.txt.new" "$CACHE/minbase-packages.txt"
fi
awk 'NR == FNR { minbase[$1] = 1; next } { split($0, f, "\n"); sub(/^Package: /, "", f[1]) }
     (f[1] in minbase) && /\nStatus: install ok installed\n/' \
  "$CACHE/minbase-packages.txt" RS= ORS='\n\n' /var/lib/dpkg/status > "$WORK/minbase-status"
APT=(apt-get -q -y -o "Dir::State::status=$WORK/minbase-status" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
     -o Debug::NoLocking=1 -o APT::Install-Recommends=false)
mkdir -p "$WORK/no-archives/partial"
mapfile -t PACKAGES < <(grep -v '^\s*\(#\|$\)' packaging/linux/system-packages.txt)
fetch_debs() {
  # every file the kit needs (against an empty archive: apt leaves out the ones it already has), then fetch the
  # ones not yet in the cache
  "${APT[@]}" -o "Dir::Cache::archives=$WORK/no-archives" install --print-uris "${PACKAGES[@]}" fonts-wqy-zenhei \
    > "$WORK/uris" &&
    "${APT[@]}" -o "Dir::Cache::archives=$DEBS" install --download-only "${PACKAGES[@]}" fonts-wqy-zenhei \
      > "$WORK/apt.log"
}
if ! fetch_debs; then
  apt-get update -qq
  fetch_debs
fi
: > "$KIT/debs/packages.txt"
grep -q "^'" "$WORK/uris" || { cat "$WORK/uris"; echo "apt 没有列出要下载的软件包" >&2; exit 1; }
grep "^'" "$WORK/uris" | awk '{print $2}' | while read -r file; do
  package=$(dpkg-deb -f "$DEBS/$file" Package)
  if [ "$package" = fonts-wqy-zenhei ]; then  # the font goes beside the program, not into the system
    dpkg-deb -x "$DEBS/$file" "$WORK/font"
    continue
  fi
  cp "$DEBS/$file" "$KIT/debs/"
  echo "$package $file" >> "$KIT/debs/packages.txt"
done
mkdir -p "$KIT/app/fonts"
cp "$WORK/font/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc" "$KIT/app/fonts/"
cp "$WORK/font/usr/share/doc/fonts-wqy-zenhei/copyright" "$KIT/app/fonts/wqy-zenhei-copyright.txt"

cp packaging/linux/install.sh "$KIT/install.sh"
chmod 755 "$KIT/install.sh"
cp packaging/linux/hotline-desk.desktop hotline_desk/resources/hotline-desk.png "$KIT/share/"
cat > "$KIT/README.txt" <<TEXT
12345热线工作台 $VERSION 离线安装包（Linux x86_64，Debian 12 及以上或同等的国产桌面系统）

安装（不需要联网）：sudo sh install.sh      重复运行即升级；安装包可以放在只读的 U 盘上，路径可以有空格
卸载：sudo sh /opt/hotline-desk/uninstall.sh  各用户的数据库（~/.local/share/hotline-desk）不删除

app/    程序本体（自带 Python 和 Qt）
debs/   Qt 需要的系统库（Debian 12 软件包），安装时只装系统中没有的
app/fonts/  文泉驿正黑字体（GPL 及字体例外条款，见 wqy-zenhei-copyright.txt），仅在系统没有可嵌入的中文字体时用于简报
TEXT
tar -C "$WORK" -czf "$WORK/$LINUX.tar.gz" "$LINUX"

# 3. The Windows kit: the same pinned versions, as wheels for CPython 3.11 on win_amd64.
echo "== 下载 Windows 的 wheel"
WIN=$WORK/$WINDOWS
mkdir -p "$WIN/wheels"
"${PIP[@]}" download -q --index-url "$INDEX" --cache-dir "$CACHE/pip" --require-hashes --no-deps \
  --only-binary=:all: --platform win_amd64 --python-version 3.11 --implementation cp --abi cp311 \
  -r requirements/runtime.txt -d "$WIN/wheels"
cp "$APP_WHEEL" "$WIN/wheels/"
cp packaging/windows/install.bat packaging/windows/install.ps1 "$WIN/"
"$VENV/bin/python" -c '
import sys
from PIL import Image
Image.open(sys.argv[1]).save(sys.argv[2], sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (256, 256)])
' hotline_desk/resources/hotline-desk.png "$WIN/hotline-desk.ico"
printf '%s\r\n' "12345热线工作台 $VERSION Windows 离线安装包（64 位 Windows 10/11）" "" \
  "1. 先安装 64 位的 Python 3.11：python.org 的 python-3.11.x-amd64.exe（在能联网的电脑上下载后拷来），安装时勾选 py 启动器。" \
  "2. 双击 install.bat（不需要联网）。程序装到 %LOCALAPPDATA%\\HotlineDesk，桌面上出现“12345热线工作台”快捷方式。" \
  "   只为当前登录的 Windows 用户安装：每个用户登录后各运行一次。重复运行即升级（先关闭程序）。" \
  "数据库在 %LOCALAPPDATA%\\hotline-desk\\hotline-desk.sqlite3（每个用户一份；重装前可先备份这个文件夹）。卸载不删除它。" \
  "卸载：powershell -ExecutionPolicy Bypass -File \"%LOCALAPPDATA%\\HotlineDesk\\install.ps1\" -Uninstall" \
  "install.bat 被组策略禁止时，手工安装：py -3.11 -m venv %LOCALAPPDATA%\\HotlineDesk\\venv，再运行" \
  "   %LOCALAPPDATA%\\HotlineDesk\\venv\\Scripts\\python -m pip install --no-index --find-links wheels hotline-desk，" \
  "   窗口：%LOCALAPPDATA%\\HotlineDesk\\venv\\Scripts\\pythonw.exe -m hotline_desk（可为它建快捷方式）；命令行：同一文件夹的 hotline-desk.exe。" > "$WIN/README.txt"
(cd "$WORK" && "$PYTHON" -m zipfile -c "$WINDOWS.zip" "$WINDOWS")

# 4. Keep the finished kits for the next run with the same inputs; drop older ones.
rm -rf "$CACHE/kits"
mkdir -p "$KITS"
mv "$WORK/$LINUX.tar.gz" "$WORK/$WINDOWS.zip" "$KITS/"
touch "$KITS/done"
cp "$KITS/$LINUX.tar.gz" "$KITS/$WINDOWS.zip" dist/
print_sizes
