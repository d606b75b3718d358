"""A register's sheet around its case rows: rows read aside (合计, 注：…, the header repeated, a month's or a unit's
section label), cells merged down over several rows, and what the preview says of hidden columns."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from hotline_desk.excel import normalize as norm
from hotline_desk.excel.columns import FIELD_LABELS
from hotline_desk.excel.dispatch_sheet import END_MARK
from hotline_desk.excel.reader import column_letter

# What a row a register keeps under its table starts with: 合计 4500, 注：…, 制表人：…
SUMMARY_ROW = re.compile(r"((本|当|全)(月|页|季|年)|以上|累计)?(合计|小计|总计|共计)"
                         r"|注[:：]|说明[:：]|备注[:：]|制表|填表|填报|审核人")
SUMMARY_STARTS = frozenset("合小总共注说备制填审本当全以累")  # the first characters SUMMARY_ROW matches


def _summary_words(row: list[Any]) -> str:
    """The first words of a row that sums up or annotates the table instead of being a case ("" for a case's)."""
    first = next((c for c in row if c is not None and str(c).strip()), None)
    if not isinstance(first, str) or first.lstrip()[:1] not in SUMMARY_STARTS:  # a case's row: at once
        return ""
    words = norm.text(first)
    return words[:12] if SUMMARY_ROW.match(unicodedata.normalize("NFKC", words).replace(" ", "")) else ""


class Aside:
    """Which rows are not a case's and are read aside: 合计…, 注：…, the header again above a month's block, or a
    section's 十一月份. Asked of every row of a register: a row with a time in its 来电时间 column (nearly every row)
    is a case's at once."""

    def __init__(self, mapping: dict[int, str], header: list[str]) -> None:
        self.mapping = mapping
        self.called = next((col for col, name in mapping.items() if name == "registered_at"), None)
        self.named = [(col, header[col]) for col in mapping if col < len(header) and header[col]]
        self.called_name = header[self.called] if self.called is not None and self.called < len(header) else ""

    def words(self, row: list[Any], *, labels: bool = True) -> str:
        """The first words of a row read aside ("" for a case's row); with ``labels`` False, no section label."""
        called = row[self.called] if self.called is not None and self.called < len(row) else None
        if isinstance(called, datetime):
            return ""
        if END_MARK in row:  # a unit's dispatch sheet copied into a register: the row marking where its columns end
            return "交办单的表尾"
        if (called is None or called == "" or (isinstance(called, str) and norm.text(called) == self.called_name)) \
                and self._repeated_header(row):
            return "重复的表头"
        words = _summary_words(row)
        if words and not _a_time(called):
            return words
        return _section_label(row, self.mapping) if labels else ""

    def _repeated_header(self, row: list[Any]) -> bool:
        same = 0
        for col, name in self.named:
            cell = norm.text(row[col]) if col < len(row) else ""
            if cell == name:
                same += 1
            elif cell:
                return False
        return same >= 2


# A section row's label: one short piece of text alone on its row, above a month's or a unit's block.
SECTION_LABEL_LENGTH = 20
# A label naming a period: 十一月份, 2022年11月, 11月, 第四季度, 下半年 (a case's words never are just that).
PERIOD_LABEL = re.compile(r"(\d{2,4}年)?(\d{1,2}|[一二三四五六七八九十]{1,3})月份?|第?[一二三四1-4]季度|[上下]半年")
CASE_WORDS = frozenset({"content", "title"})


def _section_label(row: list[Any], mapping: dict[int, str]) -> str:
    """The label of a row holding one short text and nothing else (in one cell, or the same in cells merged across
    the row): 十一月份 above the month's block, 城管局 above a unit's. "" for anything else, and for what may be a
    case with the rest missing: a time, a number, or words alone in the 诉求内容 column (a period's name aside)."""
    label, first, count = "", -1, 0
    for col, value in enumerate(row):
        if value is None:
            continue
        if not isinstance(value, str):
            return ""
        if not value.strip():
            continue
        text = norm.text(value)
        if count and text != label:
            return ""
        if not count:
            label, first = text, col
        count += 1
    if not count or len(label) > SECTION_LABEL_LENGTH:
        return ""
    if PERIOD_LABEL.fullmatch(unicodedata.normalize("NFKC", label).replace(" ", "")):
        return label
    if _a_time(label) or (count == 1 and (any(ch.isdigit() for ch in label) or mapping.get(first) in CASE_WORDS)):
        return ""
    return label


def _a_time(value: Any) -> bool:
    """Whether a 来电时间 cell holds a time (a summary row may put its count, or its note, in that column)."""
    try:
        return norm.when(value) is not None
    except norm.CellError:
        return False


def hidden_note(header: list[str], mapping: dict[int, str], hidden: frozenset[int]) -> str:
    """What the preview says of the columns Excel hides: imported like any other, or left for a visible one."""
    said = []
    for col in sorted(hidden):
        if col >= len(header) or not header[col]:
            continue
        if col in mapping:
            said.append(f"{column_letter(col)} 列“{header[col]}”是隐藏的列，照常导入")
        elif visible := [c for c in mapping if header[c] == header[col]]:
            said.append(f"{column_letter(col)} 列“{header[col]}”是隐藏的列，未导入（导入的是同名的 "
                        f"{column_letter(visible[0])} 列）")
    return "；".join(said) + "。" if said else ""


def fill_merged(rows: list[list[Any]], merged: list[tuple[tuple[int, int], tuple[int, int]]], header_index: int,
                mapping: dict[int, str]) -> list[str]:
    """A register's cell merged down over several rows (one unit, one 回访结果 for them all) holds its value for each
    of them, as the clerk sees it; returns what was so read, for the preview to say."""
    said: list[str] = []
    for (top, left), (bottom, _right) in sorted(merged):
        if bottom <= top or top <= header_index or left not in mapping or top >= len(rows):
            continue
        value = rows[top][left] if left < len(rows[top]) else None
        if value is None or not str(value).strip():
            continue
        for row in rows[top + 1:bottom + 1]:
            row.extend([None] * (left + 1 - len(row)))
            row[left] = value
        said.append(f"第 {top + 1}–{bottom + 1} 行的“{FIELD_LABELS.get(mapping[left], mapping[left])}”"
                    f"（{norm.text(value)[:20]}）")
    return said
