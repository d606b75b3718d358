"""The workbook stream of an .xls's compound-document (OLE) container, found the way python-calamine finds it.

Measuring an .xls before the reader opens it is worth only as much as its agreement with the reader on which bytes
are the workbook: the same stream names tried in the same order, streams under 4,096 bytes taken from the mini
stream (a workbook of twenty sheets, each with one cell far out, fits in 4 KB), a last sector cut short read as far
as it goes, as the reader (calamine's ``cfb.rs``) does.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN, _RESERVED, _DIFAT_SECTOR = 0xFFFFFFFE, 0xFFFFFFFA, 0xFFFFFFFC
_MINI_SECTOR, _MINI_CUTOFF = 64, 4096
STREAM_NAMES = ("Workbook", "Book", "WORKBOOK", "BOOK")  # BIFF8's name, BIFF5's, and their capitals, in this order


class NotReadable(ValueError):
    """The container or its records are not as an .xls's are (the reader itself says what is wrong)."""


class Unsound(ValueError):
    """A container the reader would go round and round in (see ``_Container._chain``)."""


def workbook_stream(data: bytes) -> bytes:
    """The workbook stream the reader takes. Raises ``NotReadable`` where the reader could not take one either."""
    try:
        return _Container(data).stream(STREAM_NAMES)
    except (struct.error, IndexError) as exc:  # a table cut short, a sector number past the table
        raise NotReadable(str(exc)) from exc


class _Container:
    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not data.startswith(OLE_MAGIC):
            raise NotReadable("not a compound document")
        shift, mini_shift = struct.unpack_from("<HH", data, 30)
        if shift not in (9, 12) or mini_shift != 6:
            raise NotReadable("sector size")
        self._data, self._size = data, 1 << shift
        self._last = len(data) // self._size  # the reader's highest sector number
        self._large = shift == 12
        directory_start = struct.unpack_from("<I", data, 48)[0]
        mini_fat_start, mini_fat_count, difat_next = struct.unpack_from("<III", data, 60)
        difat = list(struct.unpack_from("<109I", data, 76))
        for _ in range(self._last + 1):  # a chain of DIFAT sectors, each ending in the next one's number
            if difat_next >= _RESERVED:
                break
            difat.extend(self._numbers(self._sector(difat_next)))
            difat_next = difat.pop()
        self._fat = [n for sector in difat if sector < _DIFAT_SECTOR for n in self._numbers(self._sector(sector))]
        self._entries = self._directory(self._chain(directory_start, self._fat, self._sector, None))
        if not self._entries or (struct.unpack_from("<H", data, 26)[0] != 3 and self._entries[0][1] == _END_OF_CHAIN):
            raise NotReadable("empty directory")
        self._mini = b""
        self._mini_fat: list[int] = []
        if mini_fat_count:
            _name, root_start, root_size = self._entries[0]
            self._mini = self._chain(root_start, self._fat, self._sector, root_size)
            self._mini_fat = self._numbers(self._chain(mini_fat_start, self._fat, self._sector,
                                                       mini_fat_count * self._size))

    def stream(self, names: tuple[str, ...]) -> bytes:
        for wanted in names:
            for name, start, size in self._entries:
                if name == wanted:
                    if size < _MINI_CUTOFF:
                        return self._chain(start, self._mini_fat, self._mini_sector, size)
                    return self._chain(start, self._fat, self._sector, size)
        raise NotReadable("no workbook stream")

    def _sector(self, number: int) -> bytes:
        if number > self._last:
            raise NotReadable("sector out of range")
        start = (number + 1) * self._size  # the header takes the first sector's room
        return self._data[start:start + self._size]

    def _mini_sector(self, number: int) -> bytes:
        start = number * _MINI_SECTOR
        if start >= len(self._mini):  # the reader would go on reading the file where it stands: not followed here
            raise NotReadable("mini sector out of range")
        return self._mini[start:start + _MINI_SECTOR]

    @staticmethod
    def _chain(start: int, fat: list[int], read: Callable[[int], bytes], size: int | None) -> bytes:
        """A stream's sectors in order, up to ``size`` bytes (None: to the chain's end). A chain longer than its
        table goes round a ring, which no real file has: the reader would follow it for ever, or until it holds the
        size the stream claims, however far beyond the file that is."""
        parts: list[bytes] = []
        held, number = 0, start
        for _ in range(len(fat) + 1):
            if number == _END_OF_CHAIN:
                return b"".join(parts)
            part = read(number)  # empty past the end of a file cut short, as the reader reads it
            if size is not None:
                part = part[:size - held]
            parts.append(part)
            held += len(part)
            if size is not None and held >= size:
                return b"".join(parts)
            number = fat[number]
        raise Unsound("a sector chain goes round a ring")

    def _directory(self, directory: bytes) -> list[tuple[str, int, int]]:
        """Each entry's name (up to its first NUL, as the reader reads it), first sector and size."""
        entries = []
        for offset in range(0, len(directory) - 127, 128):
            name = directory[offset:offset + 64].decode("utf-16-le", "replace").split("\0", 1)[0]
            start = struct.unpack_from("<I", directory, offset + 116)[0]
            size = struct.unpack_from("<Q" if self._large else "<I", directory, offset + 120)[0]
            entries.append((name, start, size))
        return entries

    @staticmethod
    def _numbers(sector: bytes) -> list[int]:
        return list(struct.unpack(f"<{len(sector) // 4}I", sector[:len(sector) // 4 * 4]))
