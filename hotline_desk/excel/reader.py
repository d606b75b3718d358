"""Reading workbooks (.xlsx and .xls) with python-calamine, refusing what is not a sound, reasonable workbook."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import python_calamine as calamine

from hotline_desk import live_files
from hotline_desk.errors import HotlineError, os_reason
from hotline_desk.excel import biff
from hotline_desk.typed_text import one_line

MAX_ROWS = 50_000
MAX_UNCOMPRESSED = 300 * 1024 * 1024  # a real 50,000-row workbook unpacks to far less
MAX_RATIO = 200  # an XML or zip bomb compresses far better than any real sheet
OLE_MAGIC = biff.OLE_MAGIC
ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
OLD_BIFF_BOF = (b"\x09\x00", b"\x09\x02", b"\x09\x04")  # the first record of an Excel 2.x, 3.0 or 4.0 file


class ImportFileError(HotlineError):
    """The file cannot be imported as it is; the message says why and what to do."""


class NotAWorkbook(ImportFileError):
    """A file that is no Excel workbook (a CSV or text file named .xlsx): what to do next depends on the import."""


# The longest sheet name Excel lets anyone type; a longer one was written into the file by other means.
SHEET_NAME_MAX = 31

@dataclass(frozen=True)
class SheetData:
    name: str
    rows: list[list[Any]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]]
    visible: bool
    # (row, column) from 0 → why the cell's value cannot be taken: a formula with no result saved, an error value
    # (#NAME? for a reply typed as =已联系…), a date of TODAY(); the reader gives such a cell as empty or as a value
    # that is not what was meant.
    unreadable: Mapping[tuple[int, int], str] = field(default_factory=dict)
    hidden_columns: frozenset[int] = frozenset()  # columns from 0 that Excel hides (an .xlsx's <col hidden="1">)
    hidden_rows: frozenset[int] = frozenset()  # rows from 0 that Excel hides (<row r="5" hidden="1">)
    computed: tuple[str, ...] = ()  # cells ("K5") holding a formula whose saved result is what is read

    def computed_note(self) -> str:
        """What to say of formulas whose saved result is read: what Excel shows once it recalculates (a link to
        another file, a date of TODAY()) may differ from what is imported, and nothing else would tell."""
        if not self.computed:
            return ""
        cells = "、".join(self.computed[:10]) + ("等" if len(self.computed) > 10 else "")
        return (f"注意：工作表“{self.name}”的 {cells} 格（共 {len(self.computed)} 格）是公式，导入的是文件中保存的计算"
                "结果；Excel 重新计算后显示的可能不同（如公式引用了别的文件），请在 Excel 中核对这些格。")

    def hidden_rows_note(self, first: int, what: str, read: Callable[[int], bool] | None = None) -> str:
        """What to say of the filled rows Excel hides from ``first`` (from 0) on: read like the others, though the
        person looking at the sheet does not see them. ``what``: what the rows hold (工单, 回复); ``read``: whether
        a row (from 0) is read at all (a hidden 合计 row under a 交办单 is not, and is said apart)."""
        shown = [i + 1 for i in sorted(self.hidden_rows) if i >= first and i < len(self.rows)
                 and any(str(c).strip() for c in self.rows[i] if c is not None) and (read is None or read(i))]
        if not shown:
            return ""
        listed = "、".join(map(str, shown[:10])) + ("等" if len(shown) > 10 else "")
        return f"第 {listed} 行是隐藏的行（共 {len(shown)} 行），其中的{what}照常读取；请在 Excel 中取消隐藏后核对。"


@dataclass(frozen=True)
class WorkbookData:
    file_name: str
    sha256: str
    sheets: list[SheetData]
    unsaved_formulas: list[str] = field(default_factory=list)  # cells with a formula and no result saved

    def formula_note(self) -> str:
        """What to say of formulas that cannot be read: a file written by a program, never saved by Excel or WPS."""
        if not self.unsaved_formulas:
            return ""
        cells = "、".join(self.unsaved_formulas[:10]) + ("等" if len(self.unsaved_formulas) > 10 else "")
        return (f"注意：{cells} 格是公式，但文件里没有它的计算结果（文件多半不是用 Excel 或 WPS 保存的），这些格无法"
                "读取，导入的列中有这样的格的行作为问题列出。请在 Excel 或 WPS 中打开此文件、保存后重新导入。")


# A row's problem where a cell holds a formula whose result the file does not keep: taken for a blank, its content
# would be lost unseen.
UNSAVED_FORMULA_CELL = ("这一格是公式，但文件里没有它的计算结果，无法读取；"
                        "请在 Excel 或 WPS 中打开此文件、保存后重新导入")

# A cell holding a formula and no saved result: <c r="K5"><f>…</f><v/></c> (what a program writes, Excel never).
UNSAVED_FORMULA = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)(?:<v\s*/>|<v></v>)?</c>')


# Any cell holding a formula (its saved result, if any, is what python-calamine reads).
FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)')

# A cell holding an error value (<c r="K5" t="e"><f>已联系()</f><v>#NAME?</v></c>): python-calamine reads it as empty.
ERROR_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"[^>]*\bt="e"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?<v>([^<]*)</v>')

# A formula whose result changes with the day the file is opened or saved (=TODAY(), =NOW()): its saved value is
# the day someone last saved the file, not when anything happened.
DAY_FORMULA = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"[^>]*><f[^>]*>([^<]*\b(?:TODAY|NOW)\s*\([^<]*)</f>', re.IGNORECASE)


def error_cell_words(code: str) -> str:
    """A row's problem where a cell holds an error value instead of what was typed."""
    return (f"这一格是错误值（{code}），读不出内容：多半是以 = 或 + 开头的文字被 Excel 或 WPS 当成了公式。"
            "请把这一格改成文字（去掉开头的 =、+，或在前面加英文单引号 '）后重新导入")


def day_formula_words(formula: str) -> str:
    """A row's problem where a cell's formula gives the day the file was saved (=TODAY())."""
    return (f"这一格是公式 ={formula}，它的值由保存文件的那一天算出，不是实际发生的时间；"
            "请填写实际的时间后重新导入")


# A column Excel hides: <col min="3" max="3" width="0" hidden="1"/> in the sheet's <cols>.
COLUMN_TAG = re.compile(rb"<(?:\w+:)?col\b[^>]*>")


@dataclass(frozen=True)
class _XmlFacts:
    """By sheet name, what python-calamine does not say of an .xlsx (or says too late)."""

    unsaved: dict[str, list[str]] = field(default_factory=dict)  # cells whose formula has no saved result ("K5" …)
    unreadable: dict[str, dict[str, str]] = field(default_factory=dict)  # cells ("K5") whose value is not meant: why
    computed: dict[str, list[str]] = field(default_factory=dict)  # cells whose formula's saved result is read
    hidden: dict[str, frozenset[int]] = field(default_factory=dict)  # hidden columns, from 0
    hidden_rows: dict[str, frozenset[int]] = field(default_factory=dict)  # hidden rows, from 0
    too_far: dict[str, str] = field(default_factory=dict)  # the cell that makes the sheet too large to read
    expanded_text: int = 0  # bytes of text the sheets' shared-string cells come to, where that could be too much
    cells: int = 0  # the cells every sheet's rectangle holds together, where that is too many


def _sheet_xml_facts(data: bytes) -> _XmlFacts:
    facts = _XmlFacts()
    if not data.startswith(b"PK"):
        return facts
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        sheets = _sheet_files(archive, names)
        shared = _SharedStrings(archive, names)
        # Every part that holds a sheet's data, whatever it is called or wherever the relationships point (the
        # reader follows them, and takes names in any case).
        parts = sorted(name for name in names if name.lower().endswith(".xml") and _holds_sheet_data(archive, name))
        values: dict[str, int] = {}
        held_cells = 0
        for name in parts:
            xml = archive.read(name)
            sheet = sheets.get(name, "")
            if b"<f" in xml:
                unsaved = [m.decode() for m in UNSAVED_FORMULA.findall(xml)]
                computed = [ref for m in FORMULA_CELL.findall(xml) if (ref := m.decode()) not in unsaved]
                for found, cells in ((facts.unsaved, unsaved), (facts.computed, computed)):
                    if cells:
                        found.setdefault(sheet, []).extend(cells)
                why = facts.unreadable.setdefault(sheet, {})
                why.update({ref: UNSAVED_FORMULA_CELL for ref in unsaved})
                why.update({m[0].decode(): day_formula_words(m[1].decode("utf-8", "replace").strip())
                            for m in DAY_FORMULA.findall(xml)})
            if b't="e"' in xml:
                facts.unreadable.setdefault(sheet, {}).update(
                    {m[0].decode(): error_cell_words(m[1].decode("utf-8", "replace").strip())
                     for m in ERROR_CELL.findall(xml)})
            if columns := _hidden_columns(xml):
                facts.hidden[sheet] = columns
            if rows := _hidden_rows(xml):
                facts.hidden_rows[sheet] = rows
            far, held = _too_far(xml)
            if far:
                facts.too_far[sheet] = far
            held_cells += held
            values[name] = _values_at_most(xml) if shared.held() else 0
        # Every sheet is read: what they come to together counts, measured closely only when it could be too much.
        if held_cells > MAX_WORKBOOK_CELLS and not facts.too_far:  # a cell far out is said as such, sheet by sheet
            facts = replace(facts, cells=held_cells)
        if shared.longest() * sum(values.values()) > MAX_EXPANDED_TEXT:
            text = sum(shared.expanded(archive.read(name)) for name, count in values.items() if count)
            return replace(facts, expanded_text=text)
    return facts


# The text a sheet's cells hold once read: a cell that refers to a shared string gets a copy of it, so a small file
# whose thousands of cells all name one string of 32,767 characters asks for gigabytes (a file of 99 KB took 8.5 GB
# and killed the reader). A real register of 50,000 rows unpacks to far less than this.
MAX_EXPANDED_TEXT = MAX_UNCOMPRESSED
STRING_START = re.compile(rb"<(?:[\w.-]+:)?si[\s>]")
# A cell's value, whatever its tag's prefix and attributes: the number of a shared string, or else anything.
VALUE = re.compile(rb"<(?:[\w.-]+:)?v\b[^>]*>([^<]*)(<!\[CDATA\[)?")


def _holds_sheet_data(archive: zipfile.ZipFile, name: str) -> bool:
    with archive.open(name) as part:
        head = part.read(1 << 16)
    return b"sheetData" in head or (b"sheetData" in archive.read(name) if len(head) == 1 << 16 else False)


def _values_at_most(xml: bytes) -> int:
    """At least as many as the sheet's cell values (each <v> ends in v>; a few other words may too)."""
    return xml.count(b"v>") + xml.count(b"v ")


class _SharedStrings:
    """The workbook's shared strings (where the reader takes them: xl/sharedStrings.xml), each one's size in the
    file's bytes, which its text once read cannot exceed; measured only when a workbook could come to too much."""

    def __init__(self, archive: zipfile.ZipFile, names: set[str]) -> None:
        # The reader takes the part whatever the case of its name (xl/SharedStrings.xml): the largest such is measured.
        found = [name for name in names if name.lower() == SHARED_STRINGS.lower()]
        self._xml = max((archive.read(name) for name in found), key=len, default=b"")
        self._sizes: list[int] | None = None

    def sizes(self) -> list[int]:
        if self._sizes is None:
            starts = [m.start() for m in STRING_START.finditer(self._xml)]
            self._sizes = [end - start for start, end in zip(starts, [*starts[1:], len(self._xml)][:len(starts)],
                                                              strict=True)]
        return self._sizes

    def held(self) -> bool:
        """Whether the workbook keeps any shared strings (one written by a program often has none)."""
        return bool(self._xml)

    def longest(self) -> int:
        return len(self._xml) and max(self.sizes(), default=0)

    def expanded(self, sheet_xml: bytes) -> int:
        """About how many bytes of text a sheet's values come to as shared strings. Each value is taken as the
        number of one (a number cell's value too, which can only make it more); one written otherwise than in plain
        digits (a character reference, CDATA) as the longest."""
        sizes, longest = self.sizes(), self.longest()
        total = 0
        for value, cdata in VALUE.findall(sheet_xml):
            number = value.strip()
            if number.isdigit():
                index = int(number)
                total += sizes[index] if index < len(sizes) else 0
            elif cdata or b"&" in number:
                total += longest
        return total


SHARED_STRINGS = "xl/sharedStrings.xml"  # where python-calamine reads them, whatever the relationships say


# A sheet is read as the rectangle from its first filled cell to its last, every cell of it held in memory: one
# stray cell far out (XFD20000) asks for billions of cells, and the reader dies for want of memory. A real register
# of 50,000 rows by 40 columns is 2,000,000 cells.
MAX_CELLS = 5_000_000
MAX_WORKBOOK_CELLS = 4 * MAX_CELLS  # every sheet is read: 200 sheets each just within the limit took 9 GB


def _too_far(xml: bytes) -> tuple[str, int]:
    """The farthest cell of a sheet too large to read ("XFD20000", or "" for a sheet of a readable size), and about
    how many cells the reader's rectangle from its first cell to its last holds (an upper bound).

    Quick for a sheet whose cells all say where they are and stay within A–Z (a register's columns): its rows are its
    height. Otherwise every cell's place is read, however its attribute is written (r='XFD3000'), and a row of cells
    that do not say where they are counts as wide as it has cells."""
    first = CELL_TAG.search(xml)
    if first is None:
        return "", 0
    prefix = first.group(1) or b""
    if far_down := _far_down(xml, prefix):
        return far_down, MAX_CELLS + 1
    cell = b"<" + prefix + b"c"
    cells = xml.count(cell + b" ") + xml.count(cell + b">") + xml.count(cell + b"/>")
    height = max((int(n) for n in ROW_REF.findall(xml, xml.rfind(b"<" + prefix + b"row"))), default=0)
    plain = b"r='" not in xml and b"r =" not in xml and b"r= " not in xml  # places written as r="A1" only
    if plain and cells == xml.count(cell + b' r="') and not WIDE_PLAIN_REF.search(xml):
        return "", 26 * max(height, xml.count(b"<" + prefix + b"row"))
    refs = REF.findall(xml)
    width = max((cell_index(f"{letters.decode()}1")[1] + 1 for letters, _row in refs), default=0)
    height = max(height, max((int(row) for _letters, row in refs), default=0))
    rows = xml.split(b"<" + prefix + b"row")[1:]
    if cells > len(refs):  # some cells do not say where they are: each follows the one before
        width = max(width, max((r.count(cell + b" ") + r.count(cell + b">") + r.count(cell + b"/>") for r in rows),
                               default=0))
    height = max(height, len(rows))
    width = min(width, 16384)
    if width * height <= MAX_CELLS:
        return "", width * height
    return f"{column_letter(width - 1)}{height}", width * height


CELL_TAG = re.compile(rb"<(\w+:)?c[ >/]")
# A cell's place however the attribute is written (r="A1", r='A1', r = "A1"), and a row's number.
REF = re.compile(rb"""\br\s*=\s*["']([A-Z]{1,3})([0-9]{1,7})["']""")
WIDE_PLAIN_REF = re.compile(rb'r="[A-Z]{2,3}[0-9]')  # found fast: its literal start is searched for first
ROW_REF = re.compile(rb"""\br\s*=\s*["']([0-9]{1,7})["']""")
LAST_ROW = re.compile(rb"""\sr\s*=\s*["']([0-9]{1,7})["']""")
FIRST_CELL = re.compile(rb"""r\s*=\s*["']([A-Z]{1,3}[0-9]{1,7})["']""")


def _far_down(xml: bytes, prefix: bytes) -> str:
    """The first cell of a last row far below the rest ("A60000": a note typed at the bottom of the sheet, a cell
    touched by Ctrl+↓), or "". Such a sheet was refused as having more than 50,000 rows, and read first."""
    row_tag = b"<" + prefix + b"row "
    last = xml.rfind(row_tag)
    found = LAST_ROW.search(xml, last, xml.find(b">", last)) if last >= 0 else None
    if found is None:
        return ""
    bottom = int(found.group(1))
    if bottom <= MAX_ROWS + 30 or xml.count(row_tag) * 2 > bottom:  # a long sheet, not a stray row
        return ""
    cell = FIRST_CELL.search(xml, xml.find(b">", last))
    return cell.group(1).decode() if cell else f"A{bottom}"


# A row Excel hides, or shows at no height (ht="0": as unseen as a hidden one, and not marked so).
HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*\b(?:hidden="(?:1|true)"|ht="0(?:\.0*)?")[^>]*>')
ROW_NUMBER = re.compile(rb'\br="([0-9]{1,7})"')


def _hidden_rows(xml: bytes) -> frozenset[int]:
    """The rows (from 0) a sheet's XML hides; a quick look first, so a sheet that hides none costs one search."""
    if b'hidden="' not in xml and b'ht="0' not in xml:
        return frozenset()
    rows = set()
    for tag in HIDDEN_ROW.findall(xml):
        if found := ROW_NUMBER.search(tag):
            rows.add(int(found.group(1)) - 1)
    return frozenset(rows)


def _hidden_columns(xml: bytes) -> frozenset[int]:
    start, end = xml.find(b"<cols"), xml.find(b"</cols>")  # the column widths come before the cells
    if start < 0 or end < start:
        return frozenset()
    columns: set[int] = set()
    for tag in COLUMN_TAG.findall(xml, start, end):
        found = _attributes(tag)
        if found.get(b"hidden") in (b"1", b"true") or _no_width(found.get(b"width")):
            try:
                columns.update(range(int(found[b"min"]) - 1, min(int(found[b"max"]), 16384)))
            except (KeyError, ValueError):
                continue
    return frozenset(columns)


def _no_width(width: bytes | None) -> bool:
    """A column width too narrow to show anything (0: as unseen as a hidden column, and not marked so)."""
    try:
        return width is not None and float(width) < NARROWEST_SEEN
    except ValueError:
        return False


NARROWEST_SEEN = 0.5  # characters of width
ATTRIBUTES = re.compile(rb"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _attributes(tag: bytes) -> dict[bytes, bytes]:
    """A tag's attributes, their values in double or single quotes."""
    return {name: double or single for name, double, single in ATTRIBUTES.findall(tag)}


def _sheet_files(archive: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Which part holds which sheet: xl/worksheets/sheet1.xml → 交办单 (by the workbook and its relationships)."""
    if not {"xl/workbook.xml", "xl/_rels/workbook.xml.rels"} <= names:
        return {}
    targets = {}
    for tag in re.findall(rb"<Relationship\b[^>]*>", archive.read("xl/_rels/workbook.xml.rels")):
        found = _attributes(tag)
        targets[found.get(b"Id", b"").decode()] = _part(found.get(b"Target", b"").decode())
    files = {}
    for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", archive.read("xl/workbook.xml")):
        found = _attributes(tag)
        rid = next((v for k, v in found.items() if k.endswith(b":id")), b"").decode()
        if rid in targets:
            files[targets[rid]] = found.get(b"name", b"").decode()
    return files


def _part(target: str) -> str:
    """The zip part a workbook relationship points at: /xl/worksheets/sheet1.xml or worksheets/sheet1.xml."""
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def cell_index(ref: str) -> tuple[int, int]:
    """"K5" → (4, 10): its row and column counted from 0."""
    letters = ref.rstrip("0123456789")
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - ord("A") + 1
    return int(ref[len(letters):]) - 1, column - 1


def column_letter(col: int) -> str:
    """0 → A, 27 → AB: a column counted from 0 as Excel names it (``cell_index`` the other way)."""
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _check_container(path: Path, head: bytes) -> None:
    if head.startswith(OLE_MAGIC):
        with path.open("rb") as handle:
            if ENCRYPTED_MARK in handle.read(1024 * 1024):
                raise ImportFileError(f"“{path.name}”设有打开密码，请在 Excel 中取消密码后另存，再导入。")
        return
    if not head.startswith(b"PK"):
        if head[:2] in OLD_BIFF_BOF and head[2] in (4, 6, 8) and head[3] == 0:  # a bare BIFF2–4 stream, no container
            raise ImportFileError(f"“{path.name}”是早期版本的 Excel 工作簿（Excel 4.0 或更早的格式），本软件读不了。"
                                  "请在 Excel 或 WPS 中打开后另存为 .xlsx（Excel 工作簿）再导入。")
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):  # a platform's "Excel" download as a web page
            raise NotAWorkbook(f"“{path.name}”其实是网页（HTML）格式的表格，不是 Excel 工作簿（有的平台导出的 .xls "
                               "就是这样）。请在 Excel 或 WPS 中打开后另存为 .xlsx 再导入。")
        raise NotAWorkbook(f"“{path.name}”不是 Excel 工作簿（可能是改了扩展名的 CSV 或文本文件）。"
                           "请在 Excel 中打开后另存为 .xlsx 再导入。")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise ImportFileError(f"“{path.name}”已损坏或不完整（可能未下载完），请重新获取文件。") from exc
    _refuse_other_zips(path, {i.filename for i in infos})
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNCOMPRESSED or any(i.compress_size and i.file_size / i.compress_size > MAX_RATIO * 5
                                       for i in infos if i.file_size > 10 * 1024 * 1024) or total / packed > MAX_RATIO:
        raise ImportFileError(f"“{path.name}”解压后异常巨大，可能是恶意构造的文件，已拒绝导入。")


def _refuse_other_zips(path: Path, names: set[str]) -> None:
    """Only an .xlsx is read from a zip: the reader would take an OpenDocument (.ods) or binary (.xlsb) workbook too,
    whose sheets the checks above do not measure (an .ods of 969 bytes asked for 9.7 GB)."""
    if "xl/workbook.xml" in names:
        return
    save_as = "请在 Excel 或 WPS 中打开后另存为 .xlsx（Excel 工作簿）再导入。"
    if "xl/workbook.bin" in names:
        raise ImportFileError(f"“{path.name}”是 Excel 二进制工作簿（.xlsb），本软件只读 .xlsx 和 .xls：{save_as}")
    if "content.xml" in names and "mimetype" in names:  # saved by LibreOffice or WPS in its own format
        raise ImportFileError(f"“{path.name}”是 OpenDocument 表格（.ods），本软件只读 .xlsx 和 .xls：请在 LibreOffice "
                              "中“另存为”，文件类型选“Excel 2007-365 (.xlsx)”，或在 Excel、WPS 中打开后另存为 .xlsx"
                              "（Excel 工作簿），再导入。")
    raise NotAWorkbook(f"“{path.name}”不是 Excel 工作簿（可能是改了扩展名的其他文件，如 Word 文档）。{save_as}")


def _too_much_text(name: str, size: int) -> ImportFileError:
    return ImportFileError(f"“{name}”中许多格引用同样的长文字，读取时要展开成约 {size // 2**20:,} MB 的文字，"
                           "可能是恶意构造的文件，已拒绝导入。真实的台账不会这样；如确是本单位的文件，"
                           "请在 Excel 中核对后另存，再导入。")


def _far_cell(name: str, sheet: str, far: str) -> ImportFileError:
    return ImportFileError(f"“{name}”的工作表“{sheet}”在 {far} 格有内容，离表格的其他内容很远：整张表要按一个极大的"
                           f"区域读取，已拒绝导入。请在 Excel 中选中 {far} 格所在的多余行和列，删除后保存，再导入。")


def _too_many_cells(name: str, cells: int) -> ImportFileError:
    return ImportFileError(f"“{name}”的各工作表加起来要按约 {cells:,} 格读取（工作表很多，或有的表在远处有内容），"
                           "超出了能读取的范围，已拒绝导入。请只留下要导入的工作表，删去多余的行和列后另存，再导入。")


def _refuse_costly_xls(path: Path, data: bytes) -> None:
    """An .xls whose sheets reach far out, or whose cells name long shared texts over and over (see ``biff``): the
    reader takes every sheet as soon as it opens the file, so this is measured before. One whose container holds no
    workbook stream the reader can find is left to the reader, which says what is wrong with it."""
    if not data.startswith(OLE_MAGIC):
        return
    try:
        found = biff.measure(data)
    except biff.NotReadable:
        return
    except biff.Unsound as exc:
        why = "几张工作表指向同一处内容" if isinstance(exc, biff.Tangled) else "文件的分区首尾相连成环"
        raise ImportFileError(f"“{path.name}”的内部结构异常（{why}），可能是恶意构造的文件，已拒绝导入。"
                              "请在 Excel 中打开确认后另存，再导入。") from exc
    if found.text is not None and found.text > MAX_EXPANDED_TEXT:
        raise _too_much_text(path.name, found.text)
    for sheet in found.sheets:
        if sheet.cells > MAX_CELLS:
            raise _far_cell(path.name, sheet.name, sheet.far_cell())
        if sheet.reserved > MAX_CELLS:  # a size the sheet says it has, far beyond its cells: the reader trusts it
            raise ImportFileError(f"“{path.name}”的工作表“{sheet.name}”自称有约 {sheet.reserved:,} 格，远超实际内容，"
                                  "读取时要预留极大的内存，可能是恶意构造的文件，已拒绝导入。请在 Excel 中打开确认后"
                                  "另存，再导入。")
    if (held := sum(sheet.held for sheet in found.sheets)) > MAX_WORKBOOK_CELLS:
        raise _too_many_cells(path.name, held)


def read_workbook(path: Path) -> WorkbookData:
    """Every sheet's cell values; dates come back as datetimes where Excel stored them as dates."""
    if path.name.startswith("~$"):
        raise ImportFileError(f"“{path.name}”是 Excel 或 WPS 打开工作簿时临时生成的锁定文件（名称以 ~$ 开头），"
                              f"不是工作簿本身：请选择同一文件夹中不带 ~$ 的“{path.name[2:]}”。")
    if path.is_dir():
        raise ImportFileError(f"“{path}”是一个文件夹，请选择其中的 Excel 文件。")
    if live_files.is_open(path):  # read as a plain file, it would drop this program's locks on it (see live_files)
        raise ImportFileError(f"“{path.name}”是本程序正在使用的数据库文件，不是 Excel 工作簿，请选择要导入的工作簿。")
    try:
        # Refused before it is read into memory: a stored (uncompressed) 3 GB workbook took 3.2 GB to refuse.
        if (size := path.stat().st_size) > MAX_UNCOMPRESSED:
            raise ImportFileError(f"“{path.name}”有 {size // 2**20:,} MB，远大于任何真实的台账或交办单，已拒绝导入。"
                                  "请只留下要导入的工作表和行后另存，或按月份拆分成几个文件再导入。")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ImportFileError(f"找不到文件“{path}”。") from exc
    except OSError as exc:
        raise ImportFileError(f"无法读取“{path.name}”：{os_reason(exc)}。文件是否正被其他程序占用？") from exc
    if not data:
        raise ImportFileError(f"“{path.name}”是空文件。")
    _check_container(path, data[:64])
    _refuse_costly_xls(path, data)
    try:
        # From the bytes, not the path: the format is told by the content, so an .xlsx saved with an .xls name
        # (or the other way round, as units rename files) is read as what it is.
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        facts = _sheet_xml_facts(data)
        formulas, hidden, hidden_rows = facts.unsaved, facts.hidden, facts.hidden_rows
        if facts.expanded_text > MAX_EXPANDED_TEXT:
            raise _too_much_text(path.name, facts.expanded_text)
        if facts.cells:
            raise _too_many_cells(path.name, facts.cells)
        sheets = []
        for meta in book.sheets_metadata:
            if far := facts.too_far.get(meta.name) or facts.too_far.get(""):  # "": a part not matched to a name
                raise _far_cell(path.name, meta.name, far)
            sheet = book.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS + 30)
            merged = list(sheet.merged_cell_ranges or [])
            sheets.append(SheetData(one_line(meta.name, SHEET_NAME_MAX), rows, merged,
                                    meta.visible == calamine.SheetVisibleEnum.Visible,
                                    {cell_index(ref): why for ref, why in facts.unreadable.get(meta.name, {}).items()},
                                    hidden.get(meta.name, frozenset()), hidden_rows.get(meta.name, frozenset()),
                                    tuple(facts.computed.get(meta.name, ()))))
    except calamine.PasswordError as exc:
        raise ImportFileError(f"“{path.name}”设有密码，请在 Excel 中取消密码后另存，再导入。") from exc
    except (calamine.ZipError, calamine.XmlError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ImportFileError(f"“{path.name}”内容已损坏，无法读取。请在 Excel 中打开确认后另存，再导入。") from exc
    except calamine.CalamineError as exc:
        raise NotAWorkbook(f"“{path.name}”不是 Excel 工作簿（可能是改了扩展名的 CSV 或文本文件）。"
                           "请在 Excel 中打开后另存为 .xlsx 再导入。") from exc
    except BaseException as exc:
        # The reader's own fault on a damaged file (a Rust panic, which Python sees as a BaseException): said as a
        # damaged file, not shown as the program's error with a traceback. Anything else goes on as it was.
        if type(exc).__name__ != "PanicException":
            raise
        raise ImportFileError(f"“{path.name}”内容已损坏，无法读取。请在 Excel 中打开确认后另存，再导入。") from exc
    return WorkbookData(file_name=path.name, sha256=hashlib.sha256(data).hexdigest(), sheets=sheets,
                        unsaved_formulas=[ref for refs in formulas.values() for ref in refs])


def sheet_names(path: Path) -> list[str]:
    """The names of a workbook's visible sheets, in its order, for a person to choose one before it is read: [] for
    a file that cannot be told (reading it says why). Only the workbook's list is read, not its sheets."""
    try:
        if path.name.startswith("~$") or not path.is_file() or path.stat().st_size > MAX_UNCOMPRESSED \
                or live_files.is_open(path):
            return []
        data = path.read_bytes()
        _check_container(path, data[:64])
        _refuse_costly_xls(path, data)
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        return [one_line(meta.name, SHEET_NAME_MAX) for meta in book.sheets_metadata
                if meta.visible == calamine.SheetVisibleEnum.Visible]
    except Exception:  # any file: the import's own reading says what is wrong with it
        return []
    except BaseException as exc:  # the reader's panic on a damaged file, as in read_workbook
        if type(exc).__name__ != "PanicException":
            raise
        return []


def data_sheets(book: WorkbookData) -> list[SheetData]:
    """The visible sheets that hold anything, in the workbook's order."""
    return [sheet for sheet in book.sheets
            if sheet.visible and any(any(str(c).strip() for c in row) for row in sheet.rows)]


def filled_rows(sheet: SheetData) -> int:
    return sum(1 for row in sheet.rows if any(str(c).strip() for c in row if c is not None))


def refuse_too_long(book: WorkbookData, sheet: SheetData, what: str) -> None:
    """A sheet longer than an import reads (its rows past the limit are not even read) is refused, not cut off."""
    if len(sheet.rows) > MAX_ROWS + 20:
        raise ImportFileError(f"“{book.file_name}”的工作表“{sheet.name}”超过 {MAX_ROWS} 行，{what}")


def first_data_sheet(book: WorkbookData, name: str = "") -> SheetData:
    """The sheet called ``name``, or else the first visible sheet that holds anything."""
    found = data_sheets(book)
    if name:
        named = [sheet for sheet in book.sheets if sheet.name == name.strip()]
        if not named:
            listed = "、".join(f"“{sheet.name}”" for sheet in book.sheets)
            raise ImportFileError(f"“{book.file_name}”中没有名为“{name.strip()}”的工作表；其中的工作表：{listed}。")
        found = named
    if not found:
        raise ImportFileError(f"“{book.file_name}”中没有内容（所有工作表都是空的）。")
    sheet = found[0]
    refuse_too_long(book, sheet, "请按月份拆分成几个文件分批导入。")
    return sheet
