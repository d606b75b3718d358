"""How much text an .xls workbook's cells come to once read, from its BIFF records, without reading it.

An .xls keeps each text once, in its shared string table (SST), and a cell (LABELSST) names it by number; the reader
gives every cell a copy. A file of a few megabytes whose cells all name one text of 32,767 characters asks for
gigabytes. The workbook stream is found in the file's compound-document (OLE) container, then walked record by record.
"""

from __future__ import annotations

import struct

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FREE, _END_OF_CHAIN = 0xFFFFFFFF, 0xFFFFFFFE
_SST, _CONTINUE, _LABELSST = 0x00FC, 0x003C, 0x00FD


class NotReadable(ValueError):
    """The container or its records are not as an .xls's are (the reader itself says what is wrong)."""


def expanded_text(data: bytes) -> int:
    """About how many bytes of text the workbook's shared-string cells come to (three per character, as a Chinese
    character takes in UTF-8); 0 for a workbook that keeps no shared strings. Raises ``NotReadable``."""
    try:
        stream = _workbook_stream(data)
        if stream is None:
            return 0
        lengths, refs = _sst_and_cells(stream)
    except (struct.error, IndexError) as exc:  # a record or table cut short
        raise NotReadable(str(exc)) from exc
    return 3 * sum(lengths[i] for i in refs if i < len(lengths))


def _workbook_stream(data: bytes) -> bytes | None:
    """The "Workbook" (or BIFF5 "Book") stream, or None when it is small enough to live in the mini stream (a
    workbook that small cannot ask for much)."""
    if len(data) < 512 or not data.startswith(OLE_MAGIC):
        raise NotReadable("not a compound document")
    shift, fat_count, directory_start = struct.unpack_from("<H", data, 0x1E)[0], *struct.unpack_from("<II", data, 0x2C)
    mini_cutoff = struct.unpack_from("<I", data, 0x38)[0]
    difat_start, difat_count = struct.unpack_from("<II", data, 0x44)
    if not 7 <= shift <= 16:
        raise NotReadable("sector size")
    size = 1 << shift
    sectors = (len(data) - 512) // size

    def sector(number: int) -> bytes:
        if number >= sectors:
            raise NotReadable("sector out of range")
        start = 512 + number * size
        return data[start:start + size]

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s != _FREE]
    for _ in range(min(difat_count, sectors)):  # a large file lists more FAT sectors than the header's 109 here
        if difat_start in (_FREE, _END_OF_CHAIN):
            break
        entries = struct.unpack(f"<{size // 4}I", sector(difat_start))
        fat_sectors += [s for s in entries[:-1] if s != _FREE]
        difat_start = entries[-1]
    fat: list[int] = []
    for number in fat_sectors[:fat_count]:
        fat.extend(struct.unpack(f"<{size // 4}I", sector(number)))

    def chain(start: int) -> bytes:
        parts, seen = [], 0
        while start not in (_END_OF_CHAIN, _FREE):
            if start >= len(fat) or seen > sectors:  # a loop or a number past the table
                raise NotReadable("sector chain")
            parts.append(sector(start))
            start, seen = fat[start], seen + 1
        return b"".join(parts)

    directory = chain(directory_start)
    for offset in range(0, len(directory) - 127, 128):
        entry = directory[offset:offset + 128]
        length = struct.unpack_from("<H", entry, 64)[0]
        name = entry[:max(0, length - 2)].decode("utf-16-le", "replace")
        if entry[66] == 2 and name in ("Workbook", "Book"):  # a stream
            start, stream_size = struct.unpack_from("<IQ", entry, 116)
            if stream_size < mini_cutoff:
                return None
            return chain(start)[:stream_size]
    raise NotReadable("no workbook stream")


def _sst_and_cells(stream: bytes) -> tuple[list[int], list[int]]:
    """The shared strings' lengths in characters, and the string each LABELSST cell names. A stream with more than one
    string table (one is all a workbook has; a second was put after the first's end to be measured instead) counts
    each string as the longest of those at its number."""
    tables: list[list[bytes]] = []  # each SST record with its CONTINUE records
    refs: list[int] = []
    position, end = 0, len(stream)
    in_sst = False
    unpack = struct.unpack_from
    while position + 4 <= end:
        kind, length = unpack("<HH", stream, position)
        body = position + 4
        if kind == _LABELSST and length >= 10:
            refs.append(unpack("<I", stream, body + 6)[0])
        elif kind == _SST:
            tables.append([stream[body:body + length]])
            in_sst = True
        elif kind == _CONTINUE and in_sst:
            tables[-1].append(stream[body:body + length])
        else:
            in_sst = False
        position = body + length
    lengths: list[int] = []
    for table in tables:
        found = _string_lengths(table)
        lengths = [max(a, b) for a, b in zip(lengths, found, strict=False)] + (
            found[len(lengths):] if len(found) > len(lengths) else lengths[len(found):])
    return lengths, refs


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
