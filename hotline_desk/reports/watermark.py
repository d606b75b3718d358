"""The 草稿 mark across every page of a draft: drawn as shapes from the font's outlines, so it is no text to copy."""

from __future__ import annotations

import struct
from collections.abc import Iterator

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFontFace
from reportlab.pdfgen.canvas import FILL_NON_ZERO, Canvas

Point = tuple[float, float, bool]  # x, y (font units), on the curve
Contour = list[Point]

DRAFT_WORD = "草稿"
MARK_PT = 170  # each character's size
MARK_GREY = 0.87  # light enough that the text above it reads as usual
MAX_COMPONENT_DEPTH = 8


def draw_draft_mark(canvas: Canvas, font_name: str) -> None:
    """A light diagonal 草稿 across the page, under its text. From a TrueType font's outlines (the bulletin's
    fonts are TrueType, so they can be embedded); the built-in CID font has none, so there it is plain text."""
    canvas.saveState()
    canvas.setFillGray(MARK_GREY)
    width, height = canvas._pagesize  # A4, upright or turned
    canvas.translate(width / 2, height / 2)
    canvas.rotate(45)
    face = pdfmetrics.getFont(font_name).face
    if isinstance(face, TTFontFace):
        _draw_outlines(canvas, face)
    else:
        canvas.setFont(font_name, MARK_PT)
        canvas.drawCentredString(0, -MARK_PT * 0.35, DRAFT_WORD)
    canvas.restoreState()


def _draw_outlines(canvas: Canvas, face: TTFontFace) -> None:
    scale = MARK_PT / face.unitsPerEm
    x0 = -MARK_PT * len(DRAFT_WORD) / 2
    path = canvas.beginPath()
    for i, char in enumerate(DRAFT_WORD):
        glyph = face.charToGlyph.get(ord(char), 0)
        for contour in _contours(face, glyph, 0):
            _add_contour(path, [(x0 + i * MARK_PT + x * scale, y * scale - MARK_PT * 0.38, on)
                                for x, y, on in contour])
    canvas.drawPath(path, stroke=0, fill=1, fillMode=FILL_NON_ZERO)


def _add_contour(path: object, points: Contour) -> None:
    """A closed quadratic TrueType contour as PDF curves (two off-curve points in a row imply one between)."""
    if len(points) < 2:
        return
    start = next((k for k, p in enumerate(points) if p[2]), None)
    if start is None:  # all off the curve: start between the first two
        a, b = points[0], points[1]
        points = [((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, True), *points[1:], a]
        start = 0
    ring = points[start:] + points[:start]
    ring.append(ring[0])
    cx, cy = ring[0][0], ring[0][1]
    path.moveTo(cx, cy)  # type: ignore[attr-defined]
    control: tuple[float, float] | None = None
    for x, y, on in ring[1:]:
        if on:
            if control is None:
                path.lineTo(x, y)  # type: ignore[attr-defined]
            else:
                _quad(path, (cx, cy), control, (x, y))
                control = None
            cx, cy = x, y
        else:
            if control is not None:
                mx, my = (control[0] + x) / 2, (control[1] + y) / 2
                _quad(path, (cx, cy), control, (mx, my))
                cx, cy = mx, my
            control = (x, y)
    path.close()  # type: ignore[attr-defined]


def _quad(path: object, p0: tuple[float, float], q: tuple[float, float], p2: tuple[float, float]) -> None:
    c1 = (p0[0] + 2 / 3 * (q[0] - p0[0]), p0[1] + 2 / 3 * (q[1] - p0[1]))
    c2 = (p2[0] + 2 / 3 * (q[0] - p2[0]), p2[1] + 2 / 3 * (q[1] - p2[1]))
    path.curveTo(*c1, *c2, *p2)  # type: ignore[attr-defined]


def _contours(face: TTFontFace, glyph: int, depth: int) -> list[Contour]:
    """The glyph's contours from the font's glyf table: a simple glyph's points, or a composite's parts moved
    (and scaled) into place."""
    if depth > MAX_COMPONENT_DEPTH or glyph + 1 >= len(face.glyphPos):
        return []
    start, end = face.glyphPos[glyph], face.glyphPos[glyph + 1]
    if end <= start:
        return []  # a blank glyph
    data: bytes = face._ttf_data
    at = face.get_table_pos("glyf")[0] + start
    (count,) = struct.unpack_from(">h", data, at)
    return _simple(data, at + 10, count) if count >= 0 else _composite(face, data, at + 10, depth)


def _simple(data: bytes, at: int, count: int) -> list[Contour]:
    ends = struct.unpack_from(f">{count}H", data, at)
    at += 2 * count
    (skip,) = struct.unpack_from(">H", data, at)
    at += 2 + skip
    total = ends[-1] + 1 if count else 0
    flags: list[int] = []
    while len(flags) < total:
        flag = data[at]
        at += 1
        flags.append(flag)
        if flag & 8:
            flags += [flag] * data[at]
            at += 1
    flags = flags[:total]
    xs, at = _coordinates(data, at, flags, short=2, same=16)
    ys, _at = _coordinates(data, at, flags, short=4, same=32)
    contours, first = [], 0
    for last in ends:
        contours.append([(float(xs[k]), float(ys[k]), bool(flags[k] & 1)) for k in range(first, last + 1)])
        first = last + 1
    return contours


def _coordinates(data: bytes, at: int, flags: list[int], *, short: int, same: int) -> tuple[list[int], int]:
    values, value = [], 0
    for flag in flags:
        if flag & short:
            value += data[at] if flag & same else -data[at]
            at += 1
        elif not flag & same:
            value += struct.unpack_from(">h", data, at)[0]
            at += 2
        values.append(value)
    return values, at


def _composite(face: TTFontFace, data: bytes, at: int, depth: int) -> list[Contour]:
    contours: list[Contour] = []
    for part, dx, dy, matrix in _components(data, at):
        a, b, c, d = matrix
        for contour in _contours(face, part, depth + 1):
            contours.append([(a * x + c * y + dx, b * x + d * y + dy, on) for x, y, on in contour])
    return contours


def _components(data: bytes, at: int) -> Iterator[tuple[int, float, float, tuple[float, float, float, float]]]:
    while True:
        flags, part = struct.unpack_from(">HH", data, at)
        at += 4
        if flags & 1:  # arguments are words
            dx, dy = struct.unpack_from(">hh" if flags & 2 else ">HH", data, at)
            at += 4
        else:
            dx, dy = struct.unpack_from(">bb" if flags & 2 else ">BB", data, at)
            at += 2
        if not flags & 2:  # point-matching placement: rare in CJK fonts; the part stays where it is drawn
            dx = dy = 0
        matrix: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 1.0)
        if flags & 8:
            (s,) = struct.unpack_from(">h", data, at)
            matrix = (s / 16384, 0.0, 0.0, s / 16384)
            at += 2
        elif flags & 0x40:
            sx, sy = struct.unpack_from(">hh", data, at)
            matrix = (sx / 16384, 0.0, 0.0, sy / 16384)
            at += 4
        elif flags & 0x80:
            a, b, c, d = struct.unpack_from(">hhhh", data, at)
            matrix = (a / 16384, b / 16384, c / 16384, d / 16384)
            at += 8
        yield part, float(dx), float(dy), matrix
        if not flags & 0x20:
            return
