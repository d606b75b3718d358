"""What reading an .xls will cost, from its BIFF records, before the reader (python-calamine) is let at it.

The reader takes every sheet at once, each as the rectangle from its first cell to its farthest: a file of 5.6 KB
holding A1 and IV65536 on eight sheets took 6.1 GB, on twenty the reader died for want of 512 MB. And it gives every
cell that names a shared text (LABELSST) a copy of it: a few megabytes whose cells all name one text of 32,767
characters ask for gigabytes. Both are read here from the records, walked as the reader walks them: the workbook's
global records up to their EOF (the shared string table, each sheet's BOUNDSHEET), then each sheet from where its
BOUNDSHEET says it starts, up to its own EOF, past the substreams (charts) nested in it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from hotline_desk.excel.ole import OLE_MAGIC, NotReadable, Unsound, workbook_stream

__all__ = ["OLE_MAGIC", "Measures", "NotReadable", "SheetExtent", "Tangled", "Unsound", "expanded_text", "measure"]

_BOF, _EOF, _CONTINUE, _SST, _BOUNDSHEET, _CODEPAGE = 0x0809, 0x000A, 0x003C, 0x00FC, 0x0085, 0x0042
_LABELSST, _FORMULA, _MULRK, _MULBLANK, _DIMENSIONS = 0x00FD, 0x0006, 0x00BD, 0x00BE, 0x0200
# Records that are one cell, its row and column first: BLANK, NUMBER, LABEL, BOOLERR, RK, RSTRING, LABELSST, FORMULA
# (a blank cell the reader leaves out, but Excel counts it in the sheet's used range, as the .xlsx check does).
_CELLS = frozenset({0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00D6, _LABELSST, _FORMULA})


class Tangled(Unsound):
    """Sheets that start inside one another: the reader would read the same records again for each."""


@dataclass(frozen=True)
class SheetExtent:
    """How much of a sheet the reader holds, measured as the .xlsx check does: from A1 to its farthest cell."""

    name: str
    rows: int  # up to the farthest filled row (0: no cells)
    columns: int  # up to the farthest filled column
    formulas: bool  # the reader keeps a second rectangle of the same size for a sheet's formulas
    reserved: int  # the cells its DIMENSIONS record has the reader set room aside for, before any is read

    @property
    def cells(self) -> int:
        return self.rows * self.columns

    @property
    def held(self) -> int:
        return self.cells * (2 if self.formulas else 1)

    def far_cell(self) -> str:
        """The sheet's farthest corner ("IV65536"), as Excel names it."""
        letters, column = "", max(self.columns, 1)
        while column:
            column, rest = divmod(column - 1, 26)
            letters = chr(ord("A") + rest) + letters
        return f"{letters}{max(self.rows, 1)}"


@dataclass(frozen=True)
class Measures:
    sheets: list[SheetExtent]
    text: int | None  # bytes of text the shared-string cells come to (None: the string table cannot be read)


def expanded_text(data: bytes) -> int:
    """About how many bytes of text the workbook's shared-string cells come to (three per character, as a Chinese
    character takes in UTF-8); 0 for a workbook that keeps no shared strings. Raises ``NotReadable``."""
    text = measure(data).text
    if text is None:
        raise NotReadable("string table")
    return text


def measure(data: bytes) -> Measures:
    """Each sheet's extent and the text its cells come to. Raises ``NotReadable`` where the reader would find no
    workbook stream, ``Unsound`` where it would go round and round (``Tangled``: sheets said to start inside one
    another)."""
    return _measure_stream(workbook_stream(data))


@dataclass
class _Walked:
    """What one walk of a sheet's records found."""

    rows: int = 0
    columns: int = 0
    formulas: bool = False
    reserved: int = 0
    length: int = 0  # bytes walked
    refs: list[int] | None = None  # the shared string each LABELSST cell names


def _measure_stream(stream: bytes) -> Measures:
    tables, places = _globals(stream)
    walked: dict[int, _Walked] = {}
    padded = stream + bytes(_HEAD.size)
    budget = 2 * len(stream) + 4096  # sheets apart from one another are walked once in all
    sheets = []
    for place, name in places:
        if place not in walked:  # two sheets at one place are one walk, however many times the reader takes it
            walked[place] = _sheet(padded, place, len(stream))
            budget -= walked[place].length
            if budget < 0:
                raise Tangled("sheets start inside one another")
        found = walked[place]
        sheets.append(SheetExtent(name, found.rows, found.columns, found.formulas, found.reserved))
    lengths = _table_lengths(tables)
    if lengths is None:
        return Measures(sheets, None)
    text = {place: 3 * sum(lengths[i] for i in found.refs or () if i < len(lengths)) for place, found in walked.items()}
    return Measures(sheets, sum(text[place] for place, _name in places))  # each sheet read gets its own copies


def _table_lengths(tables: list[list[bytes]]) -> list[int] | None:
    """The shared strings' lengths in characters (None: a table that cannot be read). One table is all a workbook
    has; where a second follows (put there to be measured instead), each string counts as the longest at its number."""
    lengths: list[int] = []
    try:
        for table in tables:
            found = _string_lengths(table)
            lengths = [max(a, b) for a, b in zip(lengths, found, strict=False)] + (
                found[len(lengths):] if len(found) > len(lengths) else lengths[len(found):])
    except (NotReadable, struct.error, IndexError):
        return None
    return lengths


def _globals(stream: bytes) -> tuple[list[list[bytes]], list[tuple[int, str]]]:
    """The workbook's global records, up to their EOF as the reader reads them: its string tables (each record with
    the CONTINUE records after it), and each sheet's place in the stream and name."""
    tables: list[list[bytes]] = []
    sheets: list[tuple[int, bytes]] = []
    wide, codepage = True, 1252
    position, end, in_sst = 0, len(stream), False
    unpack = struct.unpack_from
    while position + 4 <= end:
        kind, length = unpack("<HH", stream, position)
        body, position = position + 4, position + 4 + length
        if position > end or kind == _EOF:
            break
        if kind == _CONTINUE:
            if in_sst:
                tables[-1].append(stream[body:position])
            continue
        in_sst = kind == _SST
        if in_sst:
            tables.append([stream[body:position]])
        elif kind == _BOUNDSHEET and length >= 6:
            sheets.append((unpack("<I", stream, body)[0], stream[body + 6:position]))
        elif kind == _BOF and length >= 2:
            wide = unpack("<H", stream, body)[0] >= 0x0600  # BIFF8 names sheets in Unicode, BIFF5 in the codepage
        elif kind == _CODEPAGE and length >= 2:
            codepage = unpack("<H", stream, body)[0]
    return tables, [(place, _sheet_name(raw, wide, codepage, n)) for n, (place, raw) in enumerate(sheets, 1)]


def _sheet_name(raw: bytes, wide: bool, codepage: int, number: int) -> str:
    """A sheet's name as its BOUNDSHEET record holds it (used only to say which sheet)."""
    count = raw[0] if raw else 0
    if wide and len(raw) >= 2:
        text = raw[2:2 + 2 * count].decode("utf-16-le", "replace") if raw[1] & 1 else raw[2:2 + count].decode("latin-1")
    else:
        try:
            text = raw[1:1 + count].decode("gbk" if codepage == 936 else f"cp{codepage}", "replace")
        except LookupError:
            text = raw[1:1 + count].decode("latin-1")
    return text or f"第 {number} 张工作表"


# A record's kind and length, and what a cell record starts with: its row, column, format and (LABELSST) string.
_HEAD = struct.Struct("<HHHHHI")


def _sheet(padded: bytes, position: int, end: int) -> _Walked:
    """A sheet's records as the reader walks them: from ``position`` to the EOF that closes the sheet's own BOF,
    the records of substreams nested in it (an embedded chart) passed over; CONTINUE records carry no cell.
    ``padded``: the stream, ``end`` bytes long, and a few more, so that a record's head and a cell's place are read
    in one step, even from the last record."""
    found = _Walked(refs=[])
    refs = found.refs
    assert refs is not None
    start, stream = position, padded
    head, unpack, cells = _HEAD.unpack_from, struct.unpack_from, _CELLS
    rows = columns = depth = 0
    seen_bof = False
    while position + 4 <= end:
        kind, length, row, column, _format, string = head(padded, position)
        body, position = position + 4, position + 4 + length
        if position > end:  # cut short: the reader stops there with an error
            break
        if depth:
            depth += (kind == _BOF) - (kind == _EOF)
        elif kind in cells:
            if length >= 4:  # a cell's place is counted from A1, as the .xlsx check counts it
                if row >= rows:
                    rows = row + 1
                if column >= columns:
                    columns = column + 1
            if kind == _LABELSST and length >= 10:
                refs.append(string)
            elif kind == _FORMULA:
                found.formulas = True
        elif kind in (_MULRK, _MULBLANK):
            if length >= 6:  # a row, its first column, a value for each column in turn, its last column
                each = 6 if kind == _MULRK else 2
                last = max(unpack("<H", stream, position - 2)[0], column + (length - 6) // each - 1)
                rows, columns = max(rows, row + 1), max(columns, last + 1)
        elif kind == _DIMENSIONS:
            found.reserved = max(found.reserved, _reserved(stream[body:position]))
        elif kind == _BOF:
            depth, seen_bof = (1 if seen_bof else 0), True
        elif kind == _EOF:
            break
    found.rows, found.columns, found.length = rows, columns, position - start
    return found


def _reserved(record: bytes) -> int:
    """The cells a DIMENSIONS record has the reader set room aside for, counted as it counts them (unsigned 32-bit
    arithmetic that wraps: a last row before the first asks for four billion rows)."""
    if len(record) == 14:
        first_row, last_row, first_column, last_column = struct.unpack_from("<IIHH", record)
    elif len(record) == 10:
        first_row, last_row, first_column, last_column = struct.unpack_from("<HHHH", record)
    else:
        return 0
    if first_column > 0xFF or last_column < first_column:
        first_column = 0
    if last_row < 1 or last_column < 1:
        return 1
    return ((last_row - first_row) % 2**32) * ((last_column - first_column) % 2**32)


def _string_lengths(blocks: list[bytes]) -> list[int]:
    """Each shared string's length in characters, read across the CONTINUE records it may be split over (a split
    inside a string's characters starts the next block with a fresh flags byte)."""
    if not blocks or len(blocks[0]) < 8:
        return []
    unique = struct.unpack_from("<I", blocks[0], 4)[0]
    lengths: list[int] = []
    block, data, at = 0, blocks[0], 8

    def need(count: int) -> None:  # the next ``count`` bytes are in one block (headers are never split)
        nonlocal block, data, at
        while at + count > len(data):
            if at < len(data) or block + 1 >= len(blocks):
                raise NotReadable("string table")
            block, data, at = block + 1, blocks[block + 1], 0

    def skip(count: int) -> None:  # bytes that may run on into the next blocks
        nonlocal block, data, at
        while count:
            if at >= len(data):
                if block + 1 >= len(blocks):
                    raise NotReadable("string table")
                block, data, at = block + 1, blocks[block + 1], 0
            step = min(count, len(data) - at)
            at, count = at + step, count - step

    unpack = struct.unpack_from
    for _ in range(min(unique, 10_000_000)):
        if at + 3 <= len(data):  # most strings: plain, whole within the block
            chars, flags = unpack("<HB", data, at)
            end = at + 3 + (chars << (flags & 0x01))
            if not flags & 0x0C and end <= len(data):
                lengths.append(chars)
                at = end
                continue
        need(3)
        chars, flags = unpack("<HB", data, at)
        at += 3
        runs = extra = 0
        if flags & 0x08:
            need(2)
            runs = struct.unpack_from("<H", data, at)[0]
            at += 2
        if flags & 0x04:
            need(4)
            extra = struct.unpack_from("<I", data, at)[0]
            at += 4
        left, wide = chars, flags & 0x01
        while left:
            if at >= len(data):  # the characters go on in the next block, behind a flags byte of their own
                if block + 1 >= len(blocks):
                    raise NotReadable("string table")
                block, data, at = block + 1, blocks[block + 1], 0
                if not data:
                    raise NotReadable("string table")
                wide, at = data[0] & 0x01, 1
            width = 2 if wide else 1
            step = min(left, (len(data) - at) // width)
            if step == 0:
                raise NotReadable("string table")
            at, left = at + step * width, left - step
        skip(4 * runs + extra)
        lengths.append(chars)
    return lengths
