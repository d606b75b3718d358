"""What the command line prints reaches the terminal as text: control characters in it are shown, never obeyed.

Case contents, names, notes and cells read from files are typed by people or come from other programs, and a
terminal obeys the control characters among them: ESC [2J clears the screen, a lone carriage return writes over what
the line said, BEL rings, a right-to-left override reverses what follows. An admin reading ``case show`` must see
what is stored, so every character of that kind printed by a command is written as an escape (``\\x1b``); what is
stored is not changed. Line breaks and tabs stay, as the layout of every listing uses them.
"""

from __future__ import annotations

from typing import Any, TextIO

from hotline_desk.typed_text import CONTROL, plain

__all__ = ["PlainStream", "json_safe", "plain", "unfiltered"]


def json_safe(text: str) -> str:
    """JSON text with the control characters ``json.dumps`` leaves raw (DEL, C1, bidi) escaped as ``\\u…``: what a
    program reads back is the stored value exactly, and what a terminal shows has nothing left to obey."""
    return CONTROL.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


class PlainStream:
    """stdout or stderr with every write passed through ``plain``; all else is the stream's own."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(plain(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def unfiltered(stream: Any) -> Any:
    """The stream beneath a ``PlainStream``: for the command's own progress line, which returns to the start of the
    line (\\r) to count up in place and holds no stored text."""
    return stream.stream if isinstance(stream, PlainStream) else stream
