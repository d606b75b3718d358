"""Matching names as operators type them: by characters, or by pinyin initials (城市管理局 → csglj)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
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


# A district's or city's name a unit's name opens with (江北区城市管理和综合执法局, 汝州市财政局): the clerk types the
# unit, not the place (csgl, not jbqcsgl).
PLACE = re.compile(r"^(\w{2,4}?[区市县])(\w{2,})$")


def _forms(name: str) -> tuple[str, ...]:
    """The name, and the name without the place it opens with, if it does."""
    place = PLACE.match(name)
    return (name, place.group(2)) if place else (name,)


def _begins(name: str, typed: str) -> bool:
    """Whether the name (or the name past its place) starts with the typed text, or its pinyin initials with the
    typed letters."""
    return bool(typed) and any(form.lower().startswith(typed)
                               or (typed.isascii() and typed.isalpha() and initials(form).startswith(typed))
                               for form in _forms(name))


def in_order(short: str, long: str) -> bool:
    """Whether every character of ``short`` is in ``long``, in the same order (an abbreviation: 人社 in
    人力资源和社会保障)."""
    rest = iter(long)
    return all(char in rest for char in short)


def matching(names: Sequence[str], typed: str, aliases: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """The names ``typed`` finds (see ``matches``), in their order; typed letters are also taken as a short
    form of the initials, from the name's first letter on and in order: zfcx finds 住房和城乡建设局 (zfhcxjsj),
    whose 和 the clerk leaves out. Only when no name, nor part of one, begins as typed: letters that already name
    one thing (wygl) keep naming it.

    ``aliases`` gives each name its other ways of writing (the office's 别名: 市公安局, 住建局): a name is found
    when one of them is, as its own name would be."""
    def written(name: str) -> Sequence[str]:
        return (name, *aliases.get(name, ())) if aliases else (name,)

    found = [name for name in names if any(matches(text, typed) for text in written(name))]
    letters = typed.strip().lower()
    # Names that begin as typed come first (zj: 住建局 before 财政局, whose czj only holds it), so ↓ Enter takes the
    # one the typist most likely means; the rest keep the list's order.
    found.sort(key=lambda name: not any(_begins(text, letters) for text in written(name)))
    if len(letters) < 2 or not (letters.isascii() and letters.isalpha()) \
            or any(_begins_part(text, letters) for name in found for text in written(name)):
        return found
    # The letters begin no name nor any part of one (城市管理—物业管理 for wygl): a short form of a name's initials,
    # from its first letter on, is more likely meant than letters inside another's initials (zj: 住房和城乡建设局
    # before 财政局's czj), and comes first.
    short = [name for name in names if name not in found and any(
        (own := initials(form)).startswith(letters[0]) and in_order(letters, own)
        for text in written(name) for form in _forms(text))]
    return short + found


def _begins_part(name: str, letters: str) -> bool:
    """Whether the name, or a part of it after a dash (物业管理 in 城市管理—物业管理), begins with these initials."""
    return any(initials(part).startswith(letters) for form in _forms(name) for part in re.split(r"[—－-]", form))

