"""Where the bulletin's Chinese lines break, as printed Chinese documents do (标点禁则).

ReportLab breaks CJK text between any two characters and knows one rule: a mark that cannot start a line hangs in
the margin, but only one. Two closing marks in a row ("（3.0版）》", "……。”") left the second at the start of the
next line, and an opening mark ("“", "《", "（") could end a line, parted from what it opens. Here the breaker of
both of ReportLab's paths (a paragraph of one run of text, and of several) is replaced by one that keeps both rules:
one closing mark may hang; when more than one would, the character before them goes down with them instead; and an
opening mark goes down with what follows it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from reportlab.lib import textsplit
from reportlab.platypus import paragraph as rl_paragraph
from reportlab.rl_config import _FUZZ

# Marks no line starts with (ReportLab's own, which are Japanese and Latin, and the Chinese full-width ones).
CANNOT_START = frozenset(textsplit.ALL_CANNOT_START + "，；：！？）》」』”’、。％〕】〉…")
# Marks no line ends with: each opens what follows it.
CANNOT_END = frozenset(textsplit.ALL_CANNOT_END + "（《「『“‘〔【〈")

_library_frag_split = rl_paragraph.cjkFragSplit


def spans(chars: Sequence[str], widths: Sequence[float], max_widths: Sequence[float],
          forced: frozenset[int] = frozenset()) -> list[tuple[int, int, bool]]:
    """Each line as (start, end, ended by a forced break): as many characters as fit, then the break moved by the
    marks' rules. ``forced`` holds the indexes of characters that end their line (a ``<br/>``)."""
    lines: list[tuple[int, int, bool]] = []
    start, count = 0, len(chars)
    while start < count:
        limit = max_widths[min(len(lines), len(max_widths) - 1)]
        used, at = 0.0, start
        end, hard = count, False
        while at < count:
            used += widths[at]
            if at in forced:
                end, hard = at + 1, True
                break
            if used > limit + _FUZZ and used > 0:
                end = _break_before(chars, start, at)
                break
            at += 1
        lines.append((start, end, hard))
        start = end
    return lines


def _break_before(chars: Sequence[str], start: int, over: int) -> int:
    """Where the line from ``start`` ends when the character at ``over`` is the first that does not fit."""
    end = _latin_break(chars, start, over) if _is_latin(chars[over]) else over
    if end < len(chars) and chars[end] in CANNOT_START:
        if end + 1 >= len(chars) or chars[end + 1] not in CANNOT_START:
            return end + 1  # one closing mark hangs in the margin
        # Several would: the character before them goes down with them ("版）》" starts the next line).
        back = end
        while back > start + 1 and (chars[back] in CANNOT_START or chars[back - 1] in CANNOT_END):
            back -= 1
        return back if chars[back] not in CANNOT_START else end + 1
    back = end
    while back > start + 1 and chars[back - 1] in CANNOT_END:  # "“" goes down with what it opens
        back -= 1
    return back if back > start and chars[back - 1] not in CANNOT_END else max(end, start + 1)


def _is_latin(char: str) -> bool:
    return bool(char) and ord(char[0]) < 0x3000


def _latin_break(chars: Sequence[str], start: int, over: int) -> int:
    """In Latin letters and digits (an English name, a long number), back to a space or a Chinese character,
    no further than half the line, as ReportLab does; else the break stays before ``over``."""
    for back in range(over - 1, (start + over + 1) >> 1, -1):
        char = chars[back]
        if char and (unicodedata.category(char[0]) == "Zs" or ord(char[0]) >= 0x3000):
            return back + 1
    return over


def dumb_split(word: str, widths: Sequence[float], max_widths: Any) -> list[list[Any]]:
    """``textsplit.dumbSplit`` with the marks' rules: [unused width, text] per line."""
    if not isinstance(max_widths, (list, tuple)):
        max_widths = [max_widths]
    found = spans(word, widths, max_widths)
    lines: list[list[Any]] = []
    for number, (start, end, _hard) in enumerate(found):
        limit = max_widths[min(number, len(max_widths) - 1)]
        text = word[start:end]
        lines.append([limit - sum(widths[start:end]), text if number == len(found) - 1 else text.strip()])
    return lines


def cjk_frag_split(frags: Any, max_widths: Any, calc_bounds: Any, encoding: str = "utf8") -> Any:
    """``paragraph.cjkFragSplit`` with the marks' rules, for a paragraph of several runs (bold names, a colour)."""
    glyphs: list[Any] = []
    for frag in frags:
        text = frag.text.decode(encoding) if isinstance(frag.text, bytes) else frag.text
        glyphs.extend([rl_paragraph.cjkU(char, frag, encoding) for char in text] if text
                      else [rl_paragraph.cjkU(text, frag, encoding)])
    widths = [glyph.width for glyph in glyphs]
    if not all(isinstance(width, (int, float)) for width in widths):  # widths relative to the line: ReportLab's own
        return _library_frag_split(frags, max_widths, calc_bounds, encoding)
    if not isinstance(max_widths, (list, tuple)):
        max_widths = [max_widths]
    forced = frozenset(index for index, glyph in enumerate(glyphs) if hasattr(glyph.frag, "lineBreak"))
    lines = []
    for number, (start, end, hard) in enumerate(spans(glyphs, widths, max_widths, forced)):
        limit = max_widths[min(number, len(max_widths) - 1)]
        used = sum(widths[start:end])
        lines.append(rl_paragraph.makeCJKParaLine(glyphs[start:end], limit, used, limit - used, hard, calc_bounds))
    return rl_paragraph.ParaLines(kind=1, lines=lines)


def install() -> None:
    """Break every CJK paragraph ReportLab lays out by these rules (both of its paths)."""
    textsplit.dumbSplit = dumb_split
    rl_paragraph.cjkFragSplit = cjk_frag_split
