"""Host-side checks for scripts/test-kit.sh: the upper-platform workbook it imports, the bulletin PDF the frozen
app made (fonts embedded, every seed number present), the Windows wheel-set resolution, the login screenshot."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from tests import seed

# an upper-platform list for August 2022, so the July bulletin made before the import is not touched
WORKBOOK_ROWS = [
    ["平顶山市“民呼必应”平台工单清单"],
    ["工单号", "受理时间", "诉求人", "来电号码", "问题描述", "分类", "类型", "渠道"],
    ["PDS2208001", "2022年8月3日", "张先生", 13800001111, "小区门口路灯不亮", "城市管理—市容市政", "问题处理类",
     "平顶山市“民呼必应”平台"],
    ["PDS2208002", "2022/8/4", "李女士", "139 0000 2222", "咨询养老保险补缴", "社会保险—养老保险", "咨询类",
     "平顶山市“民呼必应”平台"],
    ["PDS2208003", "2022-08-05 14:30", "王先生", 15000003333.0, "反映物业不作为", "物业管理", "投诉举报类",
     "平顶山市“民呼必应”平台"],
]


def write_workbook(path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in WORKBOOK_ROWS:
        sheet.append(row)
    sheet.merge_cells("A1:H1")
    book.save(path)


def check_bulletin(pdf: Path) -> list[str]:
    """Problems with a bulletin made from the demo month: fonts not embedded, seed text or numbers missing."""
    import pdfplumber

    problems: list[str] = []
    report = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    fonts = [line.split() for line in report.splitlines()[2:] if line.strip()]
    if not any("TrueType" in cells for cells in fonts):
        problems.append("PDF 中没有嵌入的 TrueType 中文字体")
    for cells in fonts:
        # name type [encoding…] emb sub uni object-id: emb is the fifth column from the end; every font is embedded
        if cells[-5] != "yes":
            problems.append(f"字体未嵌入：{cells[0]}")
    with pdfplumber.open(pdf) as doc:
        lines = [line for page in doc.pages for line in (page.extract_text() or "").splitlines()]
    flat = seed.normalise("".join(lines))
    wanted = list(seed.sentences())
    for title in ("诉求类型统计表", "十大热点问题统计表", "七月份乡镇街道考核评分表", "七月份市直单位考核评分表"):
        rows = seed.table_rows(title)
        if title == "十大热点问题统计表":
            rows = rows[:-1]  # the seed's total row is the sum of rounded shares, see test_bulletin_seed
        wanted += ["".join(row) for row in rows]
    problems += [f"PDF 中缺少：{text}" for text in wanted if seed.normalise(text) not in flat]
    numbers = {n for text in wanted for n in re.findall(r"\d+(?:\.\d+)?%?", text)}
    missing = sorted(n for n in numbers if n not in flat)
    if missing:
        problems.append(f"PDF 中缺少数字：{' '.join(missing)}")
    if not problems:
        embedded = sum(1 for cells in fonts if "TrueType" in cells)
        print(f"简报 PDF：{embedded} 个中文字体全部嵌入，{len(wanted)} 句/行、{len(numbers)} 个数字与原件一致。")
    return problems


def check_windows_resolution(report_path: Path, wheels: Path, lock: Path) -> list[str]:
    """Problems with pip's offline resolution for win_amd64: a locked package not resolved, or taken elsewhere."""
    report = json.loads(report_path.read_text(encoding="utf-8"))
    resolved: dict[str, str] = {}
    problems: list[str] = []
    for item in report["install"]:
        name = item["metadata"]["name"].lower().replace("_", "-")
        resolved[name] = item["metadata"]["version"]
        location = Path(unquote(urlparse(item["download_info"]["url"]).path))
        if location.parent != wheels:
            problems.append(f"{name} 不是来自安装包的 wheels 文件夹：{location}")
        if not location.name.endswith(".whl"):
            problems.append(f"{name} 不是 wheel：{location.name}")
    pins = dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+)", lock.read_text(encoding="utf-8"), re.MULTILINE))
    for name, version in pins.items():
        if resolved.get(name) != version:
            problems.append(f"锁定的 {name}=={version} 未解析到（得到 {resolved.get(name)}）")
    if "hotline-desk" not in resolved:
        problems.append("没有解析到 hotline-desk 本身")
    if not problems:
        print(f"Windows：离线解析出 {len(resolved)} 个包，全部来自安装包的 wheel，与锁定版本一致。")
    return problems


def screenshot(path: Path) -> list[str]:
    """Save the whole virtual screen (DISPLAY) as PNG; a screen without the dialog's colours is a problem."""
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication(["kit-screenshot"])
    image = app.primaryScreen().grabWindow(0).toImage()
    image.save(str(path))
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    return [] if len(colours) > 8 else [f"截图几乎是空白的（{len(colours)} 种颜色）：{path}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("workbook").add_argument("path", type=Path)
    sub.add_parser("bulletin").add_argument("pdf", type=Path)
    p = sub.add_parser("windows")
    p.add_argument("report", type=Path)
    p.add_argument("wheels", type=Path)
    p.add_argument("lock", type=Path)
    sub.add_parser("screenshot").add_argument("path", type=Path)
    args = parser.parse_args()
    if args.command == "workbook":
        write_workbook(args.path)
        return 0
    if args.command == "bulletin":
        problems = check_bulletin(args.pdf)
    elif args.command == "windows":
        problems = check_windows_resolution(args.report, args.wheels.resolve(), args.lock)
    else:
        problems = screenshot(args.path)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
