"""Characters in typed and pasted text that take no room and show nothing: a zero-width space copied from a web page
or a chat inside 物业, a word joiner, the byte order mark, a soft hyphen. Search reads past them, and a PDF leaves
them out (its fonts have no glyph for them: they would print as empty boxes).

Other characters are obeyed rather than shown: a right-to-left override reverses the rest of a line (a phone number
13900001114 after it reads 41110000931), ESC starts a terminal command. What the command line prints and what the
window shows of stored text pass through ``plain``, which writes each as an escape a person reads; what is stored is
not changed."""

from __future__ import annotations

import re

INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)  # for str.translate


def visible(text: str) -> str:
    return text.translate(INVISIBLE)


# The bidirectional marks, overrides and isolates that reorder the rest of a line (U+200E/F, U+061C among them).
REORDERING = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # for a character class
# C0 controls but tab and line feed, a carriage return not ending a line (\r\n does no harm), DEL, the C1 controls,
# the marks that reorder a line, and the line and paragraph separators that break a line where nothing shows it.
CONTROL = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029{REORDERING}]|\r(?!\n)")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plain(text: str) -> str:
    """``text`` with every control character written as an escape a person reads (ESC as ``\\x1b``)."""
    return CONTROL.sub(_escape, text)


def one_line(text: str, limit: int) -> str:
    """A name from a file (a sheet's, a column's) as a message names it: on one line, without invisible characters,
    at most ``limit`` characters and an ellipsis. A sheet name forged in a workbook's XML with line breaks wrote a
    line of its own into the import preview (已登记 … 件), and thousands of them thousands of lines."""
    flat = " ".join(visible(text).split())
    return flat if len(flat) <= limit else f"{flat[:limit]}…"
