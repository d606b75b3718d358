#!/bin/bash
# Runs inside the fresh, offline Debian 12 system made by scripts/test-kit.sh (as root, no network): installs the
# Linux kit found in /kit and uses the app as a new user would. Results go to /kit/out for the host-side checks.
set -euo pipefail
cd /kit
OUT=/kit/out
mkdir -p "$OUT"
chmod 777 "$OUT"
step() { echo "-- $*"; }
fail() { echo "失败：$*" >&2; exit 1; }

step "确认没有网络"
[ -z "$(awk 'NR > 2 && $1 != "lo:"' /proc/net/dev)" ] || fail "除 lo 外还有网络接口"
if timeout 5 bash -c 'exec 3<>/dev/tcp/151.101.2.132/80' 2>/dev/null; then fail "能连到外网"; fi

step "解压并安装（不联网；安装包在带空格的中文路径中，且只读，如写保护的 U 盘）"
STICK="/media/U盘 KINGSTON/新建 文件夹"
mkdir -p "$STICK"
tar -xzf hotline-desk-*-linux-x86_64.tar.gz -C "$STICK"
mount --bind "$STICK" "$STICK"
mount -o remount,ro,bind "$STICK"
if touch "$STICK/写得进" 2>/dev/null; then fail "安装包所在的文件夹不是只读的"; fi
sh "$STICK"/hotline-desk-*-linux-x86_64/install.sh
again=$(sh "$STICK"/hotline-desk-*-linux-x86_64/install.sh)
case "$again" in *系统软件包齐全*) ;; *) fail "再次安装时又装了一遍系统软件包：$again" ;; esac
umount "$STICK"
command -v hotline-desk >/dev/null || fail "hotline-desk 不在 PATH 上"
grep -q '^Exec=/opt/hotline-desk/app/hotline-desk$' /usr/share/applications/hotline-desk.desktop || fail "没有菜单项"
[ -s /usr/share/icons/hicolor/256x256/apps/hotline-desk.png ] || fail "没有菜单图标"
missing=$(ldd /opt/hotline-desk/app/_internal/PySide6/Qt/plugins/platforms/libqxcb.so | grep 'not found' || true)
[ -z "$missing" ] || fail "Qt 的 xcb 平台插件缺少系统库：$missing"

step "新用户"
useradd -m -s /bin/bash clerk
PASSWORD=kit-test-2022
as_clerk() {
  runuser -u clerk -- env -i HOME=/home/clerk USER=clerk LOGNAME=clerk LANG=C.UTF-8 \
    PATH=/usr/local/bin:/usr/bin:/bin HOTLINE_DESK_PASSWORD="$PASSWORD" \
    HOTLINE_DESK_ADMIN_PASSWORD="$PASSWORD" ${DISPLAY:+DISPLAY=$DISPLAY} "$@"
}
as_clerk hotline-desk --version | tee "$OUT/version.txt"
as_clerk hotline-desk init | tee "$OUT/init.txt"
[ -n "$(find /home/clerk -name '*.sqlite3' -size +1k)" ] || fail "init 没有建立数据库"
as_clerk hotline-desk demo --month 2022-07 | tee "$OUT/demo.txt"
as_clerk hotline-desk bulletin --month 2022-07 --out /home/clerk/简报-2022-07.pdf 2>&1 | tee "$OUT/bulletin.txt"
if grep -q '警告' "$OUT/bulletin.txt"; then fail "简报没有嵌入字体"; fi
cp /home/clerk/简报-2022-07.pdf "$OUT/bulletin-2022-07.pdf"

step "导入 Excel"
cp /kit/上级清单.xlsx /home/clerk/
chown clerk: /home/clerk/上级清单.xlsx
as_clerk hotline-desk import-cases /home/clerk/上级清单.xlsx --commit | tee "$OUT/import.txt"
grep -q '已导入 3 件工单' "$OUT/import.txt" || fail "Excel 导入没有写入 3 件工单"
as_clerk hotline-desk case list --month 2022-08 | tee "$OUT/imported.txt"
[ "$(grep -c -e 小区门口路灯不亮 -e 咨询养老保险补缴 -e 反映物业不作为 "$OUT/imported.txt")" -eq 3 ] \
  || fail "导入的工单不在工单列表中"

step "桌面窗口（虚拟屏幕 $DISPLAY）"
as_clerk hotline-desk > "$OUT/window.log" 2>&1 &
window=$!
touch "$OUT/window-started"
for _ in $(seq 240); do
  [ -e "$OUT/screenshot-taken" ] && break
  kill -0 "$window" 2>/dev/null || break
  sleep 0.5
done
kill -0 "$window" 2>/dev/null || { cat "$OUT/window.log" >&2; fail "窗口程序已退出"; }
[ -e "$OUT/screenshot-taken" ] || fail "等不到截图"
kill "$window"
wait "$window" || true

step "卸载"
sh /opt/hotline-desk/uninstall.sh
[ ! -e /opt/hotline-desk ] && [ ! -e /usr/local/bin/hotline-desk ] || fail "卸载后程序仍在"
[ -n "$(find /home/clerk -name '*.sqlite3')" ] || fail "卸载删除了用户的数据库"
step "较旧的安装包不覆盖较新的程序"
mkdir -p /opt/hotline-desk/app
printf '#!/bin/sh\necho "hotline-desk 99.0"\n' > /opt/hotline-desk/app/hotline-desk
chmod 755 /opt/hotline-desk/app/hotline-desk
if sh "$STICK"/hotline-desk-*-linux-x86_64/install.sh 2>"$OUT/downgrade.txt"; then fail "较旧的安装包覆盖了 99.0"; fi
grep -q "已装有较新的 99.0" "$OUT/downgrade.txt" || fail "没有说明已装有较新的版本：$(cat "$OUT/downgrade.txt")"
sh "$STICK"/hotline-desk-*-linux-x86_64/install.sh --downgrade
case "$(/opt/hotline-desk/app/hotline-desk --version)" in *99.0*) fail "--downgrade 没有装上安装包的版本" ;; esac
sh /opt/hotline-desk/uninstall.sh
echo "离线安装与使用：全部通过"
