#!/bin/sh
# 12345热线工作台 离线安装：不需要联网。以 root 运行（sudo sh install.sh）。
#   sh install.sh              安装（或升级）到 /opt/hotline-desk，命令 hotline-desk，开始菜单中的“12345热线工作台”
#   sh install.sh --uninstall  卸载程序（数据库等用户数据不删除）
set -eu
KIT=$(cd "$(dirname "$0")" && pwd)
PREFIX=/opt/hotline-desk
COMMAND=/usr/local/bin/hotline-desk
DESKTOP=/usr/share/applications/hotline-desk.desktop
ICON=/usr/share/icons/hicolor/256x256/apps/hotline-desk.png

say() { printf '%s\n' "$*"; }
fail() { printf '安装失败：%s\n' "$*" >&2; exit 1; }

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

[ "$(id -u)" -eq 0 ] || fail "请以 root 身份运行，例如：sudo sh $0 $*"
if [ "${1:-}" = "--uninstall" ] || [ "$(basename "$0")" = "uninstall.sh" ]; then
  uninstall
  exit 0
fi
[ "$(uname -m)" = "x86_64" ] || fail "本安装包只适用于 x86_64（amd64）电脑，这台电脑是 $(uname -m)。"
[ -x "$KIT/app/hotline-desk" ] || fail "安装包不完整：缺少 app/hotline-desk。请重新拷贝整个解压后的文件夹。"

# 1. Qt 需要的系统库：只安装这台电脑上还没有的 Debian 软件包（随安装包附带，不联网）
if command -v dpkg-query >/dev/null 2>&1; then
  missing=""
  while read -r package file; do
    case "$package" in ''|'#'*) continue ;; esac
    status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing="$missing $KIT/debs/$file"
  done < "$KIT/debs/packages.txt"
  if [ -n "$missing" ]; then
    say "安装缺少的系统软件包：$(echo $missing | wc -w) 个"
    # shellcheck disable=SC2086
    dpkg -i $missing >"$KIT/dpkg.log" 2>&1 || fail "系统软件包安装出错，详见 $KIT/dpkg.log（可能是系统版本与 Debian 12 相差太大，请联系维护人员）。"
  else
    say "系统软件包齐全，无需安装。"
  fi
else
  say "提示：这台电脑不是 Debian 系统，跳过系统软件包；如程序无法启动，请按 README 安装 Qt 所需的 xcb 库。"
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
