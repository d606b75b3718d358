"""Characters in typed and pasted text that take no room and show nothing: a zero-width space copied from a web page
or a chat inside 物业, a word joiner, the byte order mark, a soft hyphen. Search reads past them, and a PDF leaves
them out (its fonts have no glyph for them: they would print as empty boxes)."""

from __future__ import annotations

INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)  # for str.translate


def visible(text: str) -> str:
    return text.translate(INVISIBLE)
