"""Matching names as operators type them: by characters, or by pinyin initials (城市管理局 → csglj)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=4096)
def initials(text: str) -> str:
    return "".join(p[:1] for p in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")).lower()


def matches(name: str, typed: str) -> bool:
    """True if the typed text is part of the name, or typed letters are part of its pinyin initials, or typed
    characters are its short form: each in the name, in order (住建 for 住房和城乡建设局, 人社 for
    人力资源和社会保障局)."""
    typed = typed.strip().lower()
    if not typed:
        return True
    if typed in name.lower():
        return True
    if typed.isascii() and typed.isalpha():
        return typed in initials(name)
    return len(typed) >= 2 and not typed.isascii() and in_order(typed, name)


def in_order(short: str, long: str) -> bool:
    """Whether every character of ``short`` is in ``long``, in the same order (an abbreviation: 人社 in
    人力资源和社会保障)."""
    rest = iter(long)
    return all(char in rest for char in short)


def matching(names: Sequence[str], typed: str) -> list[str]:
    """The names ``typed`` finds (see ``matches``), in their order; when none, typed letters are taken as a short
    form of the initials, from the name's first letter on and in order: zfcx finds 住房和城乡建设局 (zfhcxjsj),
    whose 和 the clerk leaves out. Only then, so that letters that already name one thing (wygl) keep naming it."""
    found = [name for name in names if matches(name, typed)]
    letters = typed.strip().lower()
    if found or len(letters) < 2 or not (letters.isascii() and letters.isalpha()):
        return found
    return [name for name in names if (own := initials(name)).startswith(letters[0]) and in_order(letters, own)]

