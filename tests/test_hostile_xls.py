"""Legacy .xls workbooks (BIFF in a compound document) that would make the reader take far more memory than the file
suggests: each sheet is read as the rectangle from A1 to its farthest cell, every sheet as the file is opened."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import xlwt

from hotline_desk.db import Database
from hotline_desk.excel.reader import ImportFileError
from tests.conftest import People
from tests.test_hostile_files import _refused

ROOT = Path(__file__).resolve().parent.parent


def _far_xls(path: Path, far: tuple[int, int], sheets: int = 1) -> Path:
    """A small .xls (xlwt, as Excel 97–2003 writes it): 来电时间 in A1 and one cell at ``far`` (row, column from 0)
    on each sheet."""
    book = xlwt.Workbook(encoding="utf-8")
    for n in range(sheets):
        sheet = book.add_sheet(f"清单{n + 1}")
        sheet.write(0, 0, "来电时间")
        sheet.write(*far, "x")
    book.save(str(path))
    return path


# --- BIFF records and a compound document made by hand, for what no writer makes --------------------------------

BOF, EOF, BOUNDSHEET, DIMENSIONS, NUMBER, MULRK, LABEL = 0x0809, 0x000A, 0x0085, 0x0200, 0x0203, 0x00BD, 0x0204


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _number(row: int, column: int) -> bytes:
    return _record(NUMBER, struct.pack("<HHHd", row, column, 0, 1.0))


def _stream(sheets: list[tuple[str, list[bytes]]], biff5: bool = False, places: list[int] | None = None,
            extra: bytes = b"") -> bytes:
    """A workbook stream: its global records (BOF, ``extra``, a BOUNDSHEET for each sheet, EOF), then each sheet's
    records between a BOF and an EOF. ``places``: where each BOUNDSHEET says its sheet starts, in place of the truth."""
    version = 0x0500 if biff5 else 0x0600

    def bof(kind: int) -> bytes:
        return _record(BOF, struct.pack("<HH", version, kind) + bytes(4 if biff5 else 12))

    def named(name: str) -> bytes:
        return bytes([len(name)]) + name.encode("latin-1") if biff5 else \
            bytes([len(name), 1]) + name.encode("utf-16-le")

    head = bof(0x0005) + extra
    bodies = [bof(0x0010) + b"".join(records) + _record(EOF, b"") for _name, records in sheets]
    listing_size = sum(4 + 6 + len(named(name)) for name, _records in sheets)
    at = len(head) + listing_size + 4
    starts = []
    for body in bodies:
        starts.append(at)
        at += len(body)
    listing = b"".join(_record(BOUNDSHEET, struct.pack("<IBB", place, 0, 0) + named(name))
                       for (name, _records), place in zip(sheets, places or starts, strict=True))
    return head + listing + _record(EOF, b"") + b"".join(bodies)


def _compound(stream: bytes, name: str = "Workbook") -> bytes:
    """A compound document (512-byte sectors) holding ``stream``; one under 4,096 bytes goes in the mini stream, as
    Excel puts a small workbook (xlwt never does). Sectors: the FAT's, the directory, the mini FAT, then the data."""
    free, end, fat_mark = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    mini = len(stream) < 4096
    content = stream + bytes(-len(stream) % (64 if mini else 512))
    data = content + bytes(-len(content) % 512)
    count = len(data) // 512
    fats = (count + 3 + 127) // 128  # enough FAT sectors for every sector, their own too
    directory, minifat, first = fats, fats + 1, fats + 2

    def chain(start: int, length: int) -> list[int]:
        return [*range(start + 1, start + length), end]

    fat = [fat_mark] * fats + [end, end] + chain(first, count)
    fat += [free] * (128 * fats - len(fat))
    minis = len(content) // 64
    mini_chain = chain(0, minis) + [free] * (128 - minis) if mini else [free] * 128
    root, entry = ((first, len(data)), (0, len(stream))) if mini else ((end, 0), (first, len(stream)))

    def directory_entry(label: str, kind: int, start: int, size: int, child: int = free) -> bytes:
        encoded = (label + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", free, free, child) + bytes(36) + struct.pack("<IQ", start, size))

    entries = directory_entry("Root Entry", 5, *root, child=1) + directory_entry(name, 2, *entry) + bytes(256)
    header = (bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + bytes(6) + struct.pack("<IIIIIIIII", 0, fats, directory, 0, 4096, minifat, 1, end, 0)
              + struct.pack("<109I", *range(fats), *[free] * (109 - fats)))
    return header + struct.pack(f"<{128 * fats}I", *fat) + entries + struct.pack("<128I", *mini_chain) + data


def _read(path: Path) -> list[list[list[object]]]:
    from hotline_desk.excel.reader import read_workbook

    return [sheet.rows for sheet in read_workbook(path).sheets]


# Reads a workbook in a process of its own and says what it was told and how much memory the reading took: a
# refusal that comes only after the memory is taken (or a reader that dies) is seen for what it is. The peak is the
# process's own (VmHWM): getrusage's ru_maxrss keeps the peak of the process it was started from (pytest's).
CHILD = """
import json, re, sys
from pathlib import Path
from hotline_desk.excel.reader import ImportFileError, read_workbook

def peak_mb():
    return int(re.search(r"VmHWM:\\s*(\\d+) kB", Path("/proc/self/status").read_text()).group(1)) // 1024

before = peak_mb()
try:
    read_workbook(Path(sys.argv[1]))
    said = ""
except ImportFileError as exc:
    said = exc.message
print(json.dumps({"said": said, "grown_mb": peak_mb() - before}))
"""


def _read_apart(path: Path) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]  # the reader died: "memory allocation of … bytes failed"
    found: dict[str, object] = json.loads(done.stdout)
    return found


@pytest.mark.parametrize("command", ["import-cases", "import-replies"])
def test_an_xls_with_one_cell_far_out_is_refused_by_both_imports(db: Database, people: People, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str],
                                                                 command: str) -> None:
    """A1 and IV65536 on eight sheets of 5.6 KB took 6.1 GB to read; on twenty the reader died. Only an .xlsx's
    cells were measured. Here the far cell is IV30000 (7.7 million cells: a few hundred MB, were it read)."""
    path = _far_xls(tmp_path / "清单.xls", (29_999, 255))
    assert path.stat().st_size < 10_000
    line = _refused(db, [command, str(path), "--commit"], capsys)
    assert "“清单.xls”的工作表“清单1”在 IV30000 格有内容，离表格的其他内容很远" in line
    assert "请在 Excel 中选中 IV30000 格所在的多余行和列，删除后保存，再导入" in line


@pytest.mark.parametrize("kept", ["xlwt", "mini stream"])
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak memory from Linux's /proc")
def test_the_far_cell_is_refused_before_the_memory_is_taken(tmp_path: Path, kept: str) -> None:
    """However the workbook is kept: a stream under 4,096 bytes is in the container's mini stream, where twenty
    such sheets fit (and where the measuring of shared texts did not look)."""
    path = tmp_path / "清单.xls"
    if kept == "xlwt":
        _far_xls(path, (29_999, 255))
    else:
        path.write_bytes(_compound(_stream([("Sheet1", [_number(0, 0), _number(29_999, 255)])])))
        assert path.stat().st_size < 3_000
    found = _read_apart(path)
    assert "在 IV30000 格有内容" in str(found["said"]), found
    assert int(str(found["grown_mb"])) < 60, found  # reading it would take some 250 MB


def test_sheets_each_within_the_limit_are_refused_together(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every sheet is read as the file is opened: what they hold together counts, as it does for an .xlsx. The
    limit is lowered here so that the file stays small; a sheet's formulas are held in a rectangle of their own."""
    from hotline_desk.excel import biff, reader

    monkeypatch.setattr(reader, "MAX_WORKBOOK_CELLS", 1_000_000)
    path = _far_xls(tmp_path / "清单.xls", (19_999, 25), sheets=3)  # 520,000 cells each
    with pytest.raises(ImportFileError, match=r"“清单\.xls”的各工作表加起来要按约 1,560,000 格读取"):
        reader.read_workbook(path)
    book = xlwt.Workbook()
    sheet = book.add_sheet("清单")
    sheet.write(0, 0, xlwt.Formula("1+1"))
    sheet.write(19_999, 25, "x")
    book.save(str(path))
    [measured] = biff.measure(path.read_bytes()).sheets
    assert (measured.rows, measured.columns, measured.formulas, measured.held) == (20_000, 26, True, 1_040_000)
    monkeypatch.setattr(reader, "MAX_WORKBOOK_CELLS", 10_000_000)
    assert len(_read(path)[0]) == 20_000


def test_a_sheet_that_claims_far_more_room_than_it_has_is_refused(tmp_path: Path) -> None:
    """The reader sets room aside for the cells a sheet's DIMENSIONS record says it has: a file of 2.5 KB saying
    four billion rows made it ask for 44 TB and die."""
    claims = struct.pack("<IIHHH", 0, 0xFFFFFFFF, 0, 256, 0)
    path = tmp_path / "清单.xls"
    path.write_bytes(_compound(_stream([("Sheet1", [_record(DIMENSIONS, claims), _number(0, 0)])])))
    found = _read_apart(path)
    assert "“清单.xls”的工作表“Sheet1”自称有约 1,099,511,627,520 格，远超实际内容" in str(found["said"]), found
    truthful = struct.pack("<IIHHH", 0, 3, 0, 2, 0)
    path.write_bytes(_compound(_stream([("Sheet1", [_record(DIMENSIONS, truthful), _number(0, 0), _number(2, 1)])])))
    assert _read(path) == [[[1.0, ""], ["", ""], ["", 1.0]]]


def test_an_excel_95_workbook_is_measured_too(tmp_path: Path) -> None:
    """BIFF5 (Excel 5.0/95): its stream is called Book, its sheet names are in the codepage; a row of numbers
    (MULRK) says where it ends only in its last two bytes."""
    from hotline_desk.excel.reader import column_letter, read_workbook

    numbers = struct.pack("<HH", 40_000, 200) + struct.pack("<HI", 0, 2 << 2) * 2 + struct.pack("<H", 201)
    path = tmp_path / "旧表.xls"
    path.write_bytes(_compound(_stream([("Sheet1", [_number(0, 0), _record(MULRK, numbers)])], biff5=True),
                               name="Book"))
    with pytest.raises(ImportFileError, match=f"工作表“Sheet1”在 {column_letter(201)}40001 格有内容"):
        read_workbook(path)
    path.write_bytes(_compound(_stream([("Sheet1", [_number(0, 0), _record(LABEL, struct.pack("<HHHH", 1, 1, 0, 2)
                                                                           + b"ok")])], biff5=True), name="Book"))
    assert _read(path) == [[[1.0, ""], ["", "ok"]]]


def test_sheets_said_to_start_inside_one_another_are_refused(tmp_path: Path) -> None:
    """Three thousand sheets each said to start one cell further into the same sheet: the reader reads the rest of
    it again for each, and so would the measuring, for minutes."""
    from hotline_desk.excel.reader import read_workbook

    sheets = [(f"s{n}", [_number(row, 0) for row in range(3_000)] if n == 0 else []) for n in range(3_000)]
    first = _stream(sheets).index(_number(0, 0))  # the first sheet's first cell, after its BOF of 20 bytes
    path = tmp_path / "清单.xls"
    path.write_bytes(_compound(_stream(sheets, places=[first - 20] + [first + 18 * n for n in range(1, 3_000)])))
    with pytest.raises(ImportFileError, match="内部结构异常（几张工作表指向同一处内容），可能是恶意构造的文件"):
        read_workbook(path)


def test_a_damaged_small_xls_is_left_to_the_reader_to_name(tmp_path: Path) -> None:
    """Cut short or scribbled over anywhere, a workbook in the mini stream is measured or said to be unreadable
    (the reader then says what is wrong with it); the measuring never fails in a way of its own."""
    import contextlib
    import random

    from hotline_desk.excel import biff
    from hotline_desk.excel.reader import read_workbook

    records = [_number(row, column) for row in range(20) for column in range(5)]
    data = _compound(_stream([("Sheet1", records), ("Sheet2", records[:10])]))
    assert [(s.rows, s.columns) for s in biff.measure(data).sheets] == [(20, 5), (2, 5)]
    chance = random.Random(11)
    for _ in range(300):
        damaged = bytearray(data[:chance.randrange(len(data))] if chance.random() < 0.3 else data)
        for _ in range(chance.randrange(1, 20)):
            damaged[chance.randrange(len(damaged))] = chance.randrange(256)
        with contextlib.suppress(biff.NotReadable, biff.Unsound):
            assert all(sheet.rows >= 0 for sheet in biff.measure(bytes(damaged)).sheets)
    path = tmp_path / "清单.xls"
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(ImportFileError, match=r"“清单\.xls”不是 Excel 工作簿"):
        read_workbook(path)


@pytest.mark.parametrize("version", [0x0009, 0x0209, 0x0409])
def test_an_excel_4_or_older_workbook_is_named_for_what_it_is(tmp_path: Path, version: int) -> None:
    """Excel 2.x–4.0 kept a sheet as bare records, with no container: it was called a CSV or text file."""
    from hotline_desk.excel.reader import read_workbook

    path = tmp_path / "旧台账.xls"
    path.write_bytes(_record(version, struct.pack("<HHH", 0x0000, 0x0010, 0)) + _number(0, 0) + _record(EOF, b""))
    with pytest.raises(ImportFileError, match=r"“旧台账\.xls”是早期版本的 Excel 工作簿.*另存为 \.xlsx") as refused:
        read_workbook(path)
    assert "CSV" not in str(refused.value)


@pytest.mark.parametrize("loop", ["directory", "stream"])
def test_a_container_whose_sectors_go_round_in_a_ring_is_refused(tmp_path: Path, loop: str) -> None:
    """The reader follows a chain of sectors until it ends, or until it holds what the stream says it has: a ring in
    the directory's chain had it read for ever, one in the workbook's (said to be 3 GB) made it ask for 3 GB and die;
    both from a file of 5 KB."""
    stream = _stream([("Sheet1", [_number(row, 0) for row in range(300)])])  # over 4,096 bytes: in sectors of 512
    data = bytearray(_compound(stream))
    fat, directory = 512, 1024  # one FAT sector, then the directory; the workbook starts at sector 3
    if loop == "directory":
        struct.pack_into("<I", data, fat + 4 * 1, 1)
    else:
        struct.pack_into("<I", data, fat + 4 * (3 + len(stream) // 512), 3)
        struct.pack_into("<I", data, directory + 128 + 120, 3_000_000_000)
    path = tmp_path / "清单.xls"
    path.write_bytes(bytes(data))
    found = _read_apart(path)
    assert "“清单.xls”的内部结构异常（文件的分区首尾相连成环），可能是恶意构造的文件，已拒绝导入" in str(found["said"])


def test_sheets_said_to_start_at_one_place_each_count_their_shared_texts() -> None:
    """The reader reads a sheet once for each name that points at it, each cell with its own copy of the text."""
    from hotline_desk.excel import biff

    text = "x" * 8_000
    table = _record(0x00FC, struct.pack("<II", 1, 1) + struct.pack("<HB", len(text), 0) + text.encode())
    sheets = [(f"s{n}", [_record(0x00FD, struct.pack("<HHHI", row, 0, 15, 0)) for row in range(10)] if n == 0 else [])
              for n in range(50)]
    first = _stream(sheets, extra=table)
    place = struct.unpack_from("<I", first, 20 + len(table) + 4)[0]  # where the first BOUNDSHEET says s0 starts
    assert biff._measure_stream(first).text == 10 * 3 * 8_000
    assert biff._measure_stream(_stream(sheets, places=[place] * 50, extra=table)).text == 50 * 10 * 3 * 8_000


def test_a_damaged_xls_the_reader_itself_trips_over_is_named_as_damaged(tmp_path: Path) -> None:
    """One randomly damaged .xls in a few hundred makes python-calamine panic (a sector index past its table): the
    command printed a traceback and the window showed a program error."""
    from hotline_desk.excel.reader import ImportFileError, read_workbook

    damaged = tmp_path / "单位回复.xls"
    damaged.write_bytes((Path(__file__).parent / "data" / "damaged-reader-panics.xls").read_bytes())
    with pytest.raises(ImportFileError, match="内容已损坏"):
        read_workbook(damaged)
