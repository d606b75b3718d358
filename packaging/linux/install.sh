#!/bin/sh
# 12345热线工作台 离线安装：不需要联网。以 root 运行（sudo sh install.sh）。
#   sh install.sh              安装（或升级）到 /opt/hotline-desk，命令 hotline-desk，开始菜单中的“12345热线工作台”
#   sh install.sh --uninstall  卸载程序（数据库等用户数据不删除）
#   sh install.sh --downgrade  用较旧的安装包覆盖较新的程序（先备份数据库）
set -eu
KIT=$(cd "$(dirname "$0")" && pwd)
PREFIX=/opt/hotline-desk
COMMAND=/usr/local/bin/hotline-desk
DESKTOP=/usr/share/applications/hotline-desk.desktop
ICON=/usr/share/icons/hicolor/256x256/apps/hotline-desk.png

say() { printf '%s\n' "$*"; }
DOING=安装
fail() { printf '%s失败：%s\n' "$DOING" "$*" >&2; exit 1; }

refresh_menus() {
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q /usr/share/applications || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
}

uninstall() {
  rm -rf "$PREFIX"
  rm -f "$COMMAND" "$DESKTOP" "$ICON"
  refresh_menus
  say "已卸载 12345热线工作台。各用户的数据库和备份（~/.local/share/hotline-desk 等）未删除。"
}

if [ "${1:-}" = "--uninstall" ] || [ "$(basename "$0")" = "uninstall.sh" ]; then
  DOING=卸载
fi
[ "$(id -u)" -eq 0 ] || fail "请以 root 身份运行，例如：sudo sh \"$0\" $*"
if [ "$DOING" = 卸载 ]; then
  uninstall
  exit 0
fi
[ "$(uname -m)" = "x86_64" ] || fail "本安装包只适用于 x86_64（amd64）电脑，这台电脑是 $(uname -m)。"
[ -x "$KIT/app/hotline-desk" ] || fail "安装包不完整：缺少 app/hotline-desk。请重新拷贝整个解压后的文件夹。"

# 0. 不用较旧的安装包覆盖较新的程序（它可能打不开新版本升级过的数据库）
KIT_VERSION=$("$KIT/app/hotline-desk" --version 2>/dev/null | sed 's/^hotline-desk //') || KIT_VERSION=""
if [ -x "$PREFIX/app/hotline-desk" ] && [ "${1:-}" != "--downgrade" ]; then
  INSTALLED=$("$PREFIX/app/hotline-desk" --version 2>/dev/null | sed 's/^hotline-desk //') || INSTALLED=""
  if [ -n "$INSTALLED" ] && [ -n "$KIT_VERSION" ] && [ "$INSTALLED" != "$KIT_VERSION" ] \
      && [ "$(printf '%s\n%s\n' "$INSTALLED" "$KIT_VERSION" | sort -V | tail -n 1)" = "$INSTALLED" ]; then
    fail "这台电脑已装有较新的 $INSTALLED，安装包是 $KIT_VERSION，未安装。确需换回旧版本时，先备份各用户的数据库，再运行：sudo sh \"$0\" --downgrade"
  fi
fi

# 1. Qt 需要的系统库：只安装这台电脑上还没有的 Debian 软件包（随安装包附带，不联网）。
#    软件包先拷到临时文件夹：安装包所在的路径可能有空格，也可能在只读的 U 盘或光盘上。
LOG=/var/log/hotline-desk-install.log
if command -v dpkg-query >/dev/null 2>&1; then
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  count=0
  while read -r package file; do
    case "$package" in ''|'#'*) continue ;; esac
    status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
    if [ "$status" != "installed" ]; then
      cp "$KIT/debs/$file" "$WORK/" || fail "读不出安装包中的 debs/$file。请重新拷贝整个解压后的文件夹。"
      count=$((count + 1))
    fi
  done < "$KIT/debs/packages.txt"
  if [ "$count" -gt 0 ]; then
    say "安装缺少的系统软件包：$count 个"
    dpkg -i "$WORK"/*.deb >"$LOG" 2>&1 || fail "系统软件包安装出错，详见 $LOG（可能是系统版本与 Debian 12 相差太大，请联系维护人员）。"
  else
    say "系统软件包齐全，无需安装。"
  fi
else
  say "提示：这台电脑不是 Debian 系统，跳过系统软件包；如程序无法启动，请安装 Qt 6 所需的系统库（软件包名见安装包中的 debs/packages.txt，如 libxcb-cursor0、libxkbcommon-x11-0、libegl1、libfontconfig1）。"
fi

# 2. 程序本体（升级时整体替换）
rm -rf "$PREFIX.new"
mkdir -p "$PREFIX.new"
cp -a "$KIT/app" "$PREFIX.new/app"
cp "$KIT/install.sh" "$PREFIX.new/uninstall.sh"
rm -rf "$PREFIX"
mv "$PREFIX.new" "$PREFIX"

# 3. 命令、菜单项和图标
mkdir -p "$(dirname "$COMMAND")" "$(dirname "$DESKTOP")" "$(dirname "$ICON")"
cat > "$COMMAND" <<'SCRIPT'
#!/bin/sh
exec /opt/hotline-desk/app/hotline-desk "$@"
SCRIPT
chmod 755 "$COMMAND"
install -m 644 "$KIT/share/hotline-desk.png" "$ICON"
install -m 644 "$KIT/share/hotline-desk.desktop" "$DESKTOP"
refresh_menus

say "已安装 12345热线工作台 $("$PREFIX/app/hotline-desk" --version | sed 's/^hotline-desk //') 到 $PREFIX。"
say "从开始菜单（办公）打开“12345热线工作台”，或在终端运行 hotline-desk。卸载：sudo sh $PREFIX/uninstall.sh"
