"""A guard against a reference-counting bug in PySide6 6.12.0 that ends the program after a day's work.

In that release ``SignalInstance.emit`` gives back ``True`` without taking a reference for it, and a wrapped Qt
method that returns nothing (``QComboBox.setCurrentIndex``), or returns no value (``currentData`` of an item without
data, ``focusWidget`` with nothing focused), gives back ``None`` the same way. Each call takes one reference from the
object for good. CPython never frees ``None``, ``True`` or ``False``, but it aborts the process the moment one of
their counts reaches zero ("Fatal Python error: none_dealloc" or "bool_dealloc"): a window kept open for a day of 600
clerk's rounds aborted on closing; a few thousand signals in a small program abort at once. PySide6 6.11 does not
have the bug, but the PDF module the preview needs comes only for 6.12.

So the counts are topped up, far above anything a day takes, when the window starts and now and then after: these
three objects are static in CPython and outlive the process whatever their count says. From CPython 3.12 they are
immortal and their counts are not touched.
"""

from __future__ import annotations

import ctypes
import sys

FLOOR = 1 << 30  # a reference is taken per call: no day of calls comes near this


def top_up() -> None:
    """Raise the reference counts of ``None``, ``True`` and ``False`` to ``FLOOR`` where they are below it."""
    if sys.version_info >= (3, 12):  # immortal: counts fixed by the interpreter
        return
    for singleton in (None, True, False):
        count = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt, a PyObject's first field
        if count.value < FLOOR:
            count.value = FLOOR
