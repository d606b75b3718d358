"""Matching names as operators type them: by characters, or by pinyin initials (城市管理局 → csglj)."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=4096)
def initials(text: str) -> str:
    return "".join(p[:1] for p in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")).lower()


def matches(name: str, typed: str) -> bool:
    """True if the typed text is part of the name, or typed letters are part of its pinyin initials."""
    typed = typed.strip().lower()
    if not typed:
        return True
    if typed in name.lower():
        return True
    if typed.isascii() and typed.isalpha():
        return typed in initials(name)
    return False
