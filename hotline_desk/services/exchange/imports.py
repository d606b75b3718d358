"""Importing case lists and old registers (台账): preview every problem first, then commit all or only valid rows."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.errors import HotlineError, ValidationError
from hotline_desk.excel import normalize as norm
from hotline_desk.excel.columns import FIELD_LABELS, NOT_IMPORTED, auto_mapping, clean, find_header
from hotline_desk.excel.reader import (
    UNSAVED_FORMULA_CELL,
    column_letter,
    data_sheets,
    filled_rows,
    first_data_sheet,
    read_workbook,
)
from hotline_desk.models import Case, CaseEvent, ImportBatch, User
from hotline_desk.services.accounts import accounts, audit
from hotline_desk.services.accounts.permissions import Actor, require
from hotline_desk.services.cases import search_index
from hotline_desk.services.cases.history import CaseStatus, EventRecord, apply_event, replace
from hotline_desk.services.cases.records import TITLE_LENGTH, one_line
from hotline_desk.services.cases.step_runner import load_limits, load_units
from hotline_desk.services.cases.steps import (
    Approve,
    Coordinate,
    ExtensionRequest,
    ExtensionRule,
    FollowUp,
    Limits,
    Propose,
    Reply,
    ReturnRequest,
    ReturnRule,
    Review,
    Sign,
    StepContext,
    UnitInfo,
    run_in_memory,
)
from hotline_desk.services.clock import Clock, month_of, office_now
from hotline_desk.services.exchange import import_batches
from hotline_desk.services.exchange.bulk import NewCase, PreparedCases, Step, prepare_cases, write_prepared
from hotline_desk.services.exchange.hints import WINDOW, ImportHints
from hotline_desk.services.exchange.import_columns import UnreadColumn, unread_columns, unread_note
from hotline_desk.services.exchange.import_values import (
    MAP,
    Lookups,
    SkippedRow,
    UnknownName,
    UnknownValue,
    ValueChoice,
    ValueChoices,
    apply_choices,
    check_choices,
)
from hotline_desk.services.fastinsert import many_objects
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.services.office.settings import IMPORT_BATCH_ROWS, Settings, set_setting
from hotline_desk.services.reporting.monthdata import final_months
from hotline_desk.vocabulary import (
    OPEN_DISPATCH_STATES,
    Action,
    CaseState,
    EventKind,
    FollowUpResult,
    Handling,
    Role,
    Source,
)

Progress = Callable[[int, int], None]
FOLLOWUP_WORDS = {"满意": "satisfied", "非常满意": "satisfied", "基本满意": "basic", "不满意": "dissatisfied",
                  "未回访": "unreachable", "未接通": "unreachable", "无法联系": "unreachable"}


@dataclass(frozen=True)
class Problem:
    row: int  # as Excel numbers it
    column: str
    reason: str


@dataclass
class PreparedRow:
    row: int
    key: str
    values: dict[str, Any]
    # The history as checked by the preview (taken by stand-ins for the importer and the proposer), and the case's
    # status after it, so committing need neither check nor replay it again; None for a row naming an entry still to
    # be created, checked when committed.
    steps: list[Step] | None = None
    status: CaseStatus | None = None


@dataclass
class CasePreview:
    """What an import would do: counts, every problem (row, column, reason), and the rows ready to write."""

    file_name: str
    sha256: str
    sheet: str
    header_row: int
    columns: list[tuple[str, str]]  # header, field label ("" when not imported)
    total_rows: int = 0
    duplicates: int = 0
    problems: list[Problem] = field(default_factory=list)
    ready: list[PreparedRow] = field(default_factory=list)
    seen_before: str = ""
    missing: list[str] = field(default_factory=list)  # required columns not found
    final_months: list[str] = field(default_factory=list)  # months the rows fall in whose bulletin is finalised
    unknown: list[UnknownValue] = field(default_factory=list)  # distinct values on no list, most rows first
    choices: ValueChoices = field(default_factory=dict)  # what to do with such values (given, or suggestions taken)
    left_out: int = 0  # rows left out by choice
    other_sheets: list[tuple[str, int]] = field(default_factory=list)  # the workbook's other sheets with content, rows
    formulas: str = ""  # formulas without results (their rows are problems), hidden columns: what the file hides
    aside: list[tuple[int, str]] = field(default_factory=list)  # 合计, 注：… rows under the table: row, first words
    renumbered: list[int] = field(default_factory=list)  # rows whose number another call at another time has
    blank_types: dict[str, int] = field(default_factory=dict)  # 诉求类型 given to rows that leave it blank: rows
    merged: list[str] = field(default_factory=list)  # cells merged down over rows, read for each row
    readings: dict[str, int] = field(default_factory=dict)  # how a 办理方式 written otherwise was read: rows
    changed: list[tuple[int, str, list[str]]] = field(default_factory=list)  # imported before, since changed
    unread: list[UnreadColumn] = field(default_factory=list)  # columns read as no field (named, or with content)
    ties: list[UnknownValue] = field(default_factory=list)  # values whose suggestions were not taken: several

    @property
    def invalid_rows(self) -> int:
        return len({p.row for p in self.problems})

    def causes(self) -> list[tuple[str, int]]:
        """The problems grouped by cause, most rows first: (“〔渠道〕渠道“热线”不在列表中”, 4480)."""
        rows: dict[str, set[int]] = {}
        for p in self.problems:
            rows.setdefault(f"〔{p.column}〕{p.reason}", set()).add(p.row)
        return sorted(((cause, len(r)) for cause, r in rows.items()), key=lambda item: -item[1])

    def inferred_signs(self) -> int:
        """Rows ready whose 签收 the register does not date (placed after the dispatch, marked)."""
        return sum(1 for row in self.ready if row.steps and any(step.note == SIGN_INFERRED for step in row.steps))

    def _register_facts(self) -> str:
        """What the rows ready to go in become beyond their cells: steps from 备注, and cases still open."""
        extended = sum(1 for row in self.ready if row.values.get("extension"))
        returned = sum(1 for row in self.ready if row.values.get("returned_from"))
        remarks = sum(1 for row in self.ready if row.values.get("remark"))
        states = [row.status.state for row in self.ready if row.status is not None]
        open_ = sum(state in OPEN_DISPATCH_STATES for state in states)
        waiting = sum(state == CaseState.PENDING_FOLLOWUP for state in states)
        steps = [words for n, words in ((extended, f"延期 {extended} 行"), (returned, f"退单 {returned} 行")) if n]
        after = [words for n, words in (
            (open_, f"{open_} 件仍由承办单位办理（台账没有回复或办结时间），会出现在交办跟踪和该单位的交办单上"),
            (waiting, f"{waiting} 件待回访（台账没有回访结果），会出现在回访页")) if n]
        return ((f"备注中的{'、'.join(steps)}作为批准的延期、退单改派导入。" if steps else "")
                + (f"{remarks} 行的备注原话记在该工单登记一步的说明中。" if remarks else "")
                + (f"导入后，{'，'.join(after)}。" if after else ""))

    def summary(self, hints: ImportHints = WINDOW) -> str:
        others = "".join(f"文件中另有工作表“{name}”（{rows} 行有内容，含表头）未读取，{hints.other_sheet}"
                         for name, rows in self.other_sheets) + self.formulas
        if self.aside:
            more = f"等 {len(self.aside)} 行" if len(self.aside) > ASIDE_SHOWN else ""
            others += ("、".join(f"第 {row} 行（{words}）" for row, words in self.aside[:ASIDE_SHOWN]) + more
                       + "不是工单行，未读取。")
        unread = unread_note(self.unread, hints)
        if self.missing:
            return (f"工作表“{self.sheet}”中没有找到必需的列：{'、'.join(self.missing)}。{hints.map_columns}{unread}"
                    f"{others}")
        labels = {label for _header, label in self.columns}
        if "工单编号" not in labels and any(clean(h) == "序号" and not label for h, label in self.columns):
            others += ("“序号”一列没有导入：序号常随排序、插行而变，不能用来认出同一件工单（这时按来电时间和诉求内容"
                       f"认出导入过的行）。如果序号就是台账给每件工单编的号，从不改变，{hints.serial_as_number}")
        text = (f"共 {self.total_rows} 行：可导入 {len(self.ready)} 行，已导入过 {self.duplicates} 行，"
                f"有问题 {self.invalid_rows} 行" + (f"，按选择不导入 {self.left_out} 行" if self.left_out else "")
                + "。" + unread)
        if self.renumbered:
            text += (f"{_rows(self.renumbered)}的编号已用于来电时间不同的另一件工单（台账每月从 1 起编号时常见），"
                     "各作为一件新工单导入，原台账编号照样保留。")
        if self.merged:
            more = "等" if len(self.merged) > 5 else ""
            text += f"{'、'.join(self.merged[:5])}{more}是合并的一格，每一行都按它导入。"
        if self.changed:
            shown = "；".join(f"第 {row} 行（{number}）的{'、'.join(parts)}"
                             for row, number, parts in self.changed[:10])
            more = f"等 {len(self.changed)} 行" if len(self.changed) > 10 else ""
            text += (f"注意：{shown}{more}与导入时不同。已导入的工单不按台账更新：这些变化请在本软件中登记"
                     "（签收、回复、回访）或修改登记内容。")
        if self.readings:
            text += "办理方式的读法：" + "、".join(f"{how}（{n} 行）" for how, n in self.readings.items()) + "。"
        text += self._register_facts()
        for name, rows in self.blank_types.items():
            text += f"诉求类型为空的 {rows} 行按选定或已保存的对应关系记为“{name}”。"
        if signs := self.inferred_signs():
            text += f"其中 {signs} 行有回复而没有签收时间，签收按交办后一分钟记（据台账）。"
        if alone := sum(1 for row in self.ready if row.values.get("days_alone")):
            text += f"其中 {alone} 行的时间只写了日期且与上一步同日，按当日上一步后一分钟记（据台账）。"
        if self.unknown:
            text += f"有 {len(self.unknown)} 个取值不在列表中，{hints.choose_values}"
        if self.ties:
            listed = "、".join(f"{u.label}“{u.shown}”（{u.suggestion}）" for u in self.ties[:TIES_SHOWN])
            more = f"等 {len(self.ties)} 个取值" if len(self.ties) > TIES_SHOWN else ""
            text += f"其中{listed}{more}最接近的不止一项，没有按建议对应，须逐个选定。"
        text += f"（{self.seen_before}）" if self.seen_before else ""
        text += others
        if self.final_months:
            text += (f"注意：{'、'.join(self.final_months)} 的简报已定稿，数字已冻结；导入这些月份的工单不会改变已定稿"
                     "的简报，但此后的统计和考核会与之不一致。")
        return text


TIES_SHOWN = 5  # values whose suggestion was not taken, named in the summary
ASIDE_SHOWN = 10  # rows read aside (合计, 十一月份…), named in the summary


def _rows(rows: list[int], shown: int = 10) -> str:
    """第 3、5、9 行 (the first ``shown`` of them, and how many more)."""
    listed = "、".join(str(r) for r in rows[:shown])
    return f"第 {listed} 行" + (f"等 {len(rows)} 行" if len(rows) > shown else "")


@dataclass(frozen=True)
class ImportResult:
    batch_id: int | None
    imported: int
    duplicates: int
    skipped_invalid: int
    numbers: tuple[str, ...]

    @property
    def message(self) -> str:
        if not self.imported:
            return f"没有新内容：文件中的 {self.duplicates} 行都已导入过，数据库未作改动。"
        text = f"已导入 {self.imported} 件工单"
        if self.duplicates:
            text += f"，跳过已导入过的 {self.duplicates} 行"
        if self.skipped_invalid:
            text += f"，跳过有问题的 {self.skipped_invalid} 行"
        return text + "。"


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


class _Aside:
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


def _hidden_note(header: list[str], mapping: dict[int, str], hidden: frozenset[int]) -> str:
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


def _fill_merged(rows: list[list[Any]], merged: list[tuple[tuple[int, int], tuple[int, int]]], header_index: int,
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


def _row_values(row: list[Any], mapping: dict[int, str]) -> dict[str, Any]:
    return {f: row[i] if i < len(row) else None for i, f in mapping.items()}


def _parse(raw: dict[str, Any], look: Lookups, default_channel: str, unknown: list[UnknownName], *,
           latest: datetime | None = None) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Normalise one row; returns the values and every (field, reason) problem; values on no list go to ``unknown``.
    No moment may be after ``latest``.

    Raises SkippedRow when the user chose to leave out a value this row carries.
    """
    out: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []

    def take(name: str, parse: Callable[[Any], Any]) -> None:
        try:
            out[name] = parse(raw.get(name))
        except UnknownName as exc:
            problems.append((name, str(exc)))
            unknown.append(exc)
        except norm.CellError as exc:
            problems.append((name, str(exc)))

    for name in ("registered_at", "upstream_deadline", "dispatched_at", "signed_at", "replied_at", "finished_at",
                 "followup_at"):
        if raw.get(name) is None:  # an empty cell or a column the file does not have
            out[name] = None
        else:
            take(name, lambda value: norm.when(value, latest=latest))
    take("phone", norm.phone)
    for name in ("number", "caller_name", "address", "title", "content", "reply_text", "result", "handling",
                 "followup", "review"):
        out[name] = norm.text(raw.get(name))
    out["confidential"] = norm.yes(raw.get("confidential"))
    if out.get("registered_at") is None and "registered_at" not in dict(problems):
        problems.append(("registered_at", "缺少来电时间"))
    if not out["content"] and not out["title"]:
        problems.append(("content", "缺少诉求内容"))
    out["content"] = out["content"] or out["title"]
    for name in ("upstream_number", "remark"):
        out[name] = norm.text(raw.get(name))
    for name in ("deadline", "extended_deadline"):
        take(name, norm.when)
    take("extension_days", _days)
    take("appeal_type", lambda _v: look.named("appeal_type", norm.text(raw.get("appeal_type")), look.type_names))
    take("category", lambda _v: look.category(norm.text(raw.get("category")), norm.text(raw.get("category1")),
                                              norm.text(raw.get("category2"))))
    town = norm.text(raw.get("township"))
    if town:
        take("township", lambda _v: look.unit(town, towns_only=True))
    unit = norm.text(raw.get("unit"))
    if unit:
        take("unit", lambda _v: look.unit(unit))
    channel = norm.text(raw.get("channel")) or default_channel
    if channel:
        take("channel", lambda _v: look.named("channel", channel, look.channel_names))
    else:
        out["channel"] = ""
    _days_alone(out)
    _check_history(out, problems)
    _register_facts(out, look, problems, unknown)
    return out, problems


EXTENSION_DAYS = re.compile(r"延期\s*(\d{1,2})\s*个?工作日")
EXTENDED_TO = re.compile(r"延(?:期)?至\s*(\d{4})年(\d{1,2})月(\d{1,2})日")
RETURNED_BY = re.compile(r"([^；;，,。\s]+?)退单")


def _register_facts(v: dict[str, Any], look: Lookups, problems: list[tuple[str, str]],
                    unknown: list[UnknownName]) -> None:
    """延期 and 退单 as the register has them, in their own columns or written in 备注."""
    remark = v.get("remark", "")
    days = v.get("extension_days") or 0
    if not days and (match := EXTENSION_DAYS.search(remark)):
        days = int(match.group(1))
    until = v.get("extended_deadline")
    if until is None and (match := EXTENDED_TO.search(remark)):
        try:
            until = datetime(int(match.group(1)), int(match.group(2)), int(match.group(3)), 23, 59)
        except ValueError:
            problems.append(("remark", f"备注中的延期日期“{match.group(0)}”不存在"))
    v["extension"] = (days, until) if days or until else None
    if v["extension"] and v["handling"] != "dispatch":
        problems.append(("remark", "延期的工单须是交办处理"))
    v["returned_from"] = ""
    if (match := RETURNED_BY.search(remark)) and v["handling"] == "dispatch":
        try:
            v["returned_from"] = look.unit(match.group(1))
        except UnknownName as exc:
            problems.append(("remark", f"备注中退单的{exc}"))
            unknown.append(exc)


def _days(value: Any) -> int:
    text = norm.text(value).removesuffix("个工作日").removesuffix("工作日").removesuffix("天")
    if not text:
        return 0
    if not text.isdigit() or not 0 < int(text) <= 60:
        raise norm.CellError(f"延期天数“{norm.text(value)}”应为 1 至 60 的整数")
    return int(text)


# How registers write 办理方式: a word of the first list means 协调办理, of the second 交办处理
# (as does naming a unit).
COORDINATE_WORDS = ("协调", "直接", "当场", "答复")
DISPATCH_WORDS = ("交办", "转办", "派单", "下派", "转派", "转交")


# A register's moments in the order its steps come.
MOMENT_ORDER = (("registered_at", "来电时间"), ("dispatched_at", "交办时间"), ("signed_at", "签收时间"),
                ("replied_at", "回复时间"), ("finished_at", "办结时间"), ("followup_at", "回访时间"))


def _days_alone(v: dict[str, Any]) -> None:
    """A date written without a time (办结日期 2023-11-07, read as 0:00) on the day of the step before it is that
    day, a minute after that step, not midnight before it: such a row was refused as 办结时间早于交办时间. The
    fields so read are kept in ``v["days_alone"]``, for their steps to say so."""
    v["days_alone"] = alone = []
    last: datetime | None = None
    for name, _label in MOMENT_ORDER:
        moment = v.get(name)
        if moment is None:
            continue
        if last is not None and moment.time() == time() and moment.date() == last.date() and moment < last:
            moment = v[name] = last + timedelta(minutes=1)
            alone.append(name)
        last = moment


def _day_alone_note(v: dict[str, Any], name: str) -> str:
    label = dict(MOMENT_ORDER)[name]
    return f"（据台账：台账的{label}只写了日期，按当日上一步后一分钟记）" if name in v.get("days_alone", ()) else ""


def _check_history(v: dict[str, Any], problems: list[tuple[str, str]]) -> None:
    """How the row was handled, and whether its times and results can make one history. Nothing the register
    says is dropped without a word: a handling, reply or follow-up that cannot go in is a problem of the row."""
    written = v["handling_written"] = v["handling"]
    coordinate = any(w in written for w in COORDINATE_WORDS)
    # A unit named beside an empty 办理方式 means 交办处理; beside a word we cannot read (直办 is 协调 in one office
    # and 交办 in another) it decides nothing.
    v["handling"] = ("coordinate" if coordinate else
                     "dispatch" if (any(w in written for w in DISPATCH_WORDS) or (v.get("unit") and not written))
                     else "")
    done = v.get("replied_at") or v.get("finished_at")
    if written and not v["handling"]:
        beside = f"（写有承办单位{v['unit']}，是交办处理吗？）" if v.get("unit") else ""
        problems.append(("handling",
                         f"办理方式“{written}”无法识别{beside}，应写明协调办理或交办处理（交办的写明承办单位）"))
    elif not v["handling"] and (done or v["reply_text"] or v["followup"]):
        problems.append(("handling", "缺少办理方式：有回复、办结或回访的工单须写明协调办理或交办处理"))
    elif v["handling"] == "dispatch" and v["followup"] and not done:
        problems.append(("followup", "交办处理的工单有回访结果，但没有回复时间或办结时间：回访无法导入"))
    elif v["handling"] == "coordinate" and (v.get("unit") or v.get("dispatched_at") or v.get("signed_at")):
        written_too = "、".join(label for name, label in (("unit", "承办单位"), ("dispatched_at", "交办时间"),
                                                          ("signed_at", "签收时间")) if v.get(name))
        problems.append(("handling", f"办理方式为协调办理，却写有{written_too}：请核对是协调办理还是交办处理"))
    if v["followup"] and v["followup"] not in FOLLOWUP_WORDS:
        problems.append(("followup", f"回访结果“{v['followup']}”无法识别，应为满意、基本满意、不满意或未回访"))
    last_name, last = "", None
    for name, label in MOMENT_ORDER:
        moment = v.get(name)
        if moment is None:
            continue
        if last is not None and moment < last:
            problems.append((name, f"{label}早于{last_name}"))
        last_name, last = label, moment
    if v["handling"] == "dispatch" and not v.get("unit") and "unit" not in dict(problems):
        problems.append(("unit", "交办处理的工单缺少承办单位"))


# What a register row says, in the parts a later copy of the register may add to or change: each part's fingerprint
# is kept with the imported case, so a re-import names the parts that differ instead of passing over them.
ROW_PARTS = (
    ("登记内容", ("caller_name", "phone", "address", "title", "content", "appeal_type", "category", "township",
                  "channel", "confidential", "upstream_number")),
    ("交办", ("handling", "unit", "dispatched_at", "signed_at", "deadline", "extension", "returned_from")),
    ("回复和办结", ("reply_text", "result", "replied_at", "finished_at")),
    ("回访", ("followup", "followup_at", "review")),
    ("备注", ("remark",)),
)


def _row_digest(v: dict[str, Any]) -> str:
    """The row's parts as short fingerprints, joined by dots: a0b1c2.d3e4f5…"""
    get = v.get
    return ".".join(format(zlib.crc32("\x1f".join([str(get(name)) for name in names]).encode()), "08x")
                    for _part, names in ROW_PARTS)


def _changed_parts(before: str, now: str) -> list[str]:
    old, new = before.split("."), now.split(".")
    if len(old) != len(new):
        return []
    return [part for (part, _names), a, b in zip(ROW_PARTS, old, new, strict=True) if a != b]


# 办理方式 as written that need no word on how they were read.
PLAIN_HANDLING = frozenset({"协调办理", "交办处理", "协调", "交办"})


def _reading(v: dict[str, Any]) -> str:
    """How a 办理方式 written otherwise than plainly was read (“派单”读作交办处理), for the preview to say."""
    written, handling = v.get("handling_written", ""), v["handling"]
    if not handling or written in PLAIN_HANDLING:
        return ""
    meant = "协调办理" if handling == Handling.COORDINATE else "交办处理"
    return f"“{written}”读作{meant}" if written else f"空白而写有承办单位，读作{meant}"


def _key(values: dict[str, Any]) -> str:
    if values["number"]:
        return values["number"][:100]
    digest = hashlib.sha256(f"{values.get('registered_at')}|{values.get('phone')}|{values['content']}"
                            .encode()).hexdigest()
    return f"#{digest[:32]}"


def preview_cases(session: Session, path: Path, *, mapping_name: str = "", manual: dict[str, str] | None = None,
                  channel: str = "", progress: Progress | None = None, values: ValueChoices | None = None,
                  accept_suggestions: bool = False, clock: Clock = office_now, sheet: str = "") -> CasePreview:
    """Read the workbook and check every row; nothing is written. Moments more than a day ahead are refused.

    ``values`` says what to do with values on no list (see ValueChoice); with ``accept_suggestions`` every such value
    whose suggestion names one entry is mapped to it (a tie is left for the user, and listed in ``ties``). Both are
    kept in the preview, and saved as aliases when it is committed.
    """
    with many_objects():
        return _preview_cases(session, path, mapping_name=mapping_name, manual=manual, channel=channel,
                              progress=progress, values=values, accept_suggestions=accept_suggestions, clock=clock,
                              sheet_name=sheet)


def _preview_cases(session: Session, path: Path, *, mapping_name: str, manual: dict[str, str] | None,
                   channel: str, progress: Progress | None, values: ValueChoices | None,
                   accept_suggestions: bool, clock: Clock, sheet_name: str) -> CasePreview:
    choices = dict(values or {})
    check_choices(session, choices)
    book = read_workbook(path)
    sheet = first_data_sheet(book, sheet_name)
    saved = dict(Settings(session).get("import.mappings").get(mapping_name, {})) if mapping_name else {}
    saved.update({clean(k): v for k, v in (manual or {}).items()})
    header_index, header = find_header(sheet.rows, sheet.merged, saved)
    if header_index < 0:  # no names we know: offer the first filled row, for the columns to be mapped by hand
        header_index = next(i for i, row in enumerate(sheet.rows) if any(str(c).strip() for c in row if c is not None))
        header = [norm.text(c) for c in sheet.rows[header_index]]
    mapping = auto_mapping(header, saved, sheet.hidden_columns)
    preview = CasePreview(file_name=book.file_name, sha256=book.sha256, sheet=sheet.name, header_row=header_index + 1,
                          columns=[(h, FIELD_LABELS.get(mapping.get(i, ""), "")) for i, h in enumerate(header)],
                          other_sheets=[(other.name, filled_rows(other)) for other in data_sheets(book)
                                        if other.name != sheet.name],
                          formulas=book.formula_note() + _hidden_note(header, mapping, sheet.hidden_columns))
    merged = _fill_merged(sheet.rows, sheet.merged, header_index, mapping)
    data_rows = sheet.rows[header_index + 1:]
    unsaved: dict[int, list[int]] = {}  # data row → its mapped columns holding a formula with no result
    for r, c in sheet.unsaved:
        if c in mapping and r > header_index:
            unsaved.setdefault(r - header_index - 1, []).append(c)
    # Each data row once: None when empty, "" for a case's, else the words it is read aside by. A row with a formula
    # whose result is not saved may hold more than it shows: read as a case's, its problems say so.
    aside = _Aside(mapping, header)
    kinds = [aside.words(row, labels=offset not in unsaved)
             if offset in unsaved or any(str(c).strip() for c in row if c is not None) else None
             for offset, row in enumerate(data_rows)]
    preview.unread = unread_columns(header, (row for row, kind in zip(data_rows, kinds, strict=True) if kind == ""),
                                    mapping, saved, sheet.hidden_columns)
    missing = [label for fields, label in ((("content", "title"), "诉求内容"), (("registered_at",), "来电时间"))
               if not set(fields) & set(mapping.values())]
    if missing:
        preview.missing = missing
        return preview
    preview.merged = merged
    earlier = session.scalar(select(ImportBatch).where(ImportBatch.sha256 == book.sha256,
                                                       ImportBatch.state == import_batches.DONE).limit(1))
    if earlier is not None:
        preview.seen_before = f"该文件已于{earlier.created_at:%Y-%m-%d %H:%M}导入过"
    look, setting = Lookups(session, choices), _Setting.load(session, clock())
    latest = clock() + timedelta(days=1)
    prepared: list[PreparedRow] = []
    refused: list[tuple[int, str, datetime | None]] = []  # (row, key, 来电时间) of the rows with problems: a later
    # copy of one is named too
    unknown: dict[tuple[str, str], UnknownValue] = {}
    for offset, (row, kind) in enumerate(zip(data_rows, kinds, strict=True)):
        if progress and offset % 1000 == 0:
            progress(offset, len(data_rows))
        if kind is None:
            continue
        excel_row = header_index + offset + 2
        if kind:
            preview.aside.append((excel_row, kind))
            continue
        raw = _row_values(row, mapping)
        preview.total_rows += 1
        found: list[UnknownName] = []
        try:
            parsed, problems = _parse(raw, look, channel, found, latest=latest)
        except SkippedRow:
            preview.left_out += 1
            continue
        for exc in found:
            entry = unknown.setdefault((exc.field, exc.value), UnknownValue(exc.field, exc.value,
                                                                              suggestion=exc.suggestion))
            entry.rows.append(excel_row)
        if formulas := [mapping[c] for c in sorted(unsaved.get(offset, ()))]:
            # A formula's cell reads as empty: its own reason, not also “缺少来电时间” for the same cell.
            problems = [p for p in problems if p[0] not in formulas] + [(f, UNSAVED_FORMULA_CELL) for f in formulas]
        if problems:
            preview.problems += [Problem(excel_row, FIELD_LABELS.get(f, f), r) for f, r in problems]
            refused.append((excel_row, _key(parsed), parsed.get("registered_at")))
            continue
        parsed["source"] = _source(parsed, look)
        parsed["row_digest"] = _row_digest(parsed)
        if how := _reading(parsed):
            preview.readings[how] = preview.readings.get(how, 0) + 1
        if not norm.text(raw.get("appeal_type")):  # a blank one goes in only as chosen for blanks: said each time
            preview.blank_types[parsed["appeal_type"]] = preview.blank_types.get(parsed["appeal_type"], 0) + 1
        checkable = _with_ids(parsed, look)
        steps, status = None, None
        if checkable is not None:  # a row naming an entry still to be created is checked when it is committed
            try:
                steps, status = _history(checkable, _PREVIEW_IMPORTER, _PREVIEW_PROPOSER, look, setting,
                                         parsed["number"] or f"第{excel_row}行")
            except HistoryRefused as refusal:
                preview.problems.append(Problem(excel_row, refusal.column, refusal.message))
                refused.append((excel_row, _key(parsed), parsed.get("registered_at")))
                continue
        prepared.append(PreparedRow(excel_row, _key(parsed), parsed, steps, status))
    if accept_suggestions and (taken := {(u.name, u.value): ValueChoice(MAP, u.sole_suggestion)
                                         for u in unknown.values() if u.sole_suggestion}):
        again = preview_cases(session, path, mapping_name=mapping_name, manual=manual, channel=channel,
                              progress=progress, values={**taken, **choices}, clock=clock, sheet=sheet_name)
        again.ties = [u for u in again.unknown if len(u.candidates) > 1]
        return again
    preview.unknown = sorted(unknown.values(), key=lambda u: (-u.count, u.name, u.value))
    if accept_suggestions:
        preview.ties = [u for u in preview.unknown if len(u.candidates) > 1]
    preview.choices = {key: choice for key, choice in choices.items() if key in look.used}
    _mark_duplicates(session, preview, prepared, refused)
    months = {month_of(row.values["registered_at"]) for row in preview.ready}
    preview.final_months = sorted(final_months(session, months))
    return preview


def _mark_duplicates(session: Session, preview: CasePreview, prepared: list[PreparedRow],
                     refused: list[tuple[int, str, datetime | None]]) -> None:
    """Rows imported before are counted; a row repeating an earlier row of the file is a problem, whether or not
    that earlier row has problems of its own (the user sees every problem at once, and neither copy goes in
    unnoticed), as is a row numbered as one of this database's own cases.

    A register that numbers its rows from 1 every month gives one number to several calls: a number already taken
    by a call at another time (in the database or higher up in the file) is a different case, keyed by its number
    and time, and the preview says so; the same number and time with other words is a problem, not a repeat.
    """
    calls = {p.row: p.values.get("registered_at") for p in prepared} | {row: at for row, _key, at in refused}
    keys = {p.row: p.key for p in prepared} | {row: key for row, key, _at in refused}
    existing = _imported(session, set(keys.values()))
    owner: dict[str, datetime] = {key: found[1] for key, found in existing.items()}
    for line in sorted(keys):
        key, called = keys[line], calls[line]
        if key.startswith("#") or called is None:
            continue
        taken = owner.setdefault(key, called)
        if abs(taken - called) >= timedelta(minutes=1):
            keys[line] = _dated_key(key, called)
            preview.renumbered.append(line)
    existing |= _imported(session, {keys[line] for line in preview.renumbered})
    for p in prepared:
        p.key = keys[p.row]
    # This database's own case numbers (as units type them back: lower case, spaces, full width): a sheet it
    # exported, sent back as a register.
    folded = {p.key: norm.case_number(p.values["number"] or p.key) for p in prepared}
    ours: set[str] = set()
    numbers = sorted(set(folded.values()))
    for start in range(0, len(numbers), 500):
        ours |= set(session.scalars(select(Case.number).where(Case.number.in_(numbers[start:start + 500]))))
    # A row without a number of its own (a register that numbers nothing, or a sheet with its 工单编号 column gone)
    # whose call is already a case here.
    same, near = _same_calls(session, [p for p in prepared if p.key not in existing and not p.values["number"]])
    first: dict[str, int] = {}
    for line in sorted(keys):
        first.setdefault(keys[line], line)
    repeated: list[Problem] = []
    imported_again: list[tuple[PreparedRow, str]] = []
    for row in prepared:
        if row.key in existing:
            case_number, _at, content = existing[row.key]
            if not row.values["number"] or _words(content) == _words(row.values["content"]):
                preview.duplicates += 1
                imported_again.append((row, case_number))
            else:
                repeated.append(Problem(row.row, "诉求内容", f"编号和来电时间与已导入的工单{case_number}相同，诉求内容"
                                                             "却不同：已导入的工单如需更正，请在本软件中修改登记内容"))
        elif folded[row.key] in ours:
            repeated.append(Problem(row.row, "工单编号", f"“{folded[row.key]}”是本库已有工单的编号：这一行来自本库"
                                                         "导出的表（如交办单或工单清单），不能再作为新工单导入"))
        elif row.row in same:
            repeated.append(Problem(row.row, "诉求内容", f"与本库工单{same[row.row]}的来电时间和诉求内容相同"
                                                         "（重复导入，或本库导出的表），不能再作为新工单导入"))
        elif row.row in near:
            repeated.append(Problem(row.row, "诉求内容", f"与本库工单{near[row.row]}的来电时间和联系电话相同，诉求"
                                                         "内容却不同：多半是改过字句的同一件工单（已导入的请在本软件中"
                                                         "修改登记内容），不能再作为新工单导入"))
        elif first[row.key] != row.row:
            repeated.append(_repeat(row.row, first[row.key], bool(row.values["number"])))
        else:
            preview.ready.append(row)
    for row_number, _key, _when in refused:
        key = keys[row_number]
        if first[key] != row_number and key not in existing:
            repeated.append(_repeat(row_number, first[key], not key.startswith("#")))
    preview.problems = sorted([*preview.problems, *repeated], key=lambda p: p.row)
    preview.changed = _changed_since_import(session, imported_again)
    ready = {row.row for row in preview.ready}  # the notice speaks of the rows that go in as new cases only
    preview.renumbered = [line for line in preview.renumbered if line in ready]


def _repeat(row: int, earlier: int, numbered: bool) -> Problem:
    if numbered:
        return Problem(row, "工单编号", f"与第 {earlier} 行重复（编号和来电时间相同）")
    return Problem(row, "诉求内容", f"与第 {earlier} 行重复（来电时间和诉求内容相同）")


def _changed_since_import(session: Session, rows: list[tuple[PreparedRow, str]]) -> list[tuple[int, str, list[str]]]:
    """Rows imported before whose register now says otherwise (a 办结时间 or 回访 added since): row, case, parts."""
    digests: dict[str, str] = {}
    numbers = [number for _row, number in rows]
    for start in range(0, len(numbers), 500):
        for number, data in session.execute(
                select(Case.number, CaseEvent.data).join(CaseEvent, CaseEvent.case_id == Case.id)
                .where(Case.number.in_(numbers[start:start + 500]), CaseEvent.kind == EventKind.REGISTER)):
            kept = json.loads(data).get("row") if data else None
            if isinstance(kept, str):
                digests[number] = kept
    changed = []
    for row, number in rows:
        if number in digests and (parts := _changed_parts(digests[number], row.values["row_digest"])):
            changed.append((row.row, number, parts))
    return changed


def _imported(session: Session, keys: set[str]) -> dict[str, tuple[str, datetime, str]]:
    """Cases imported under these keys: key → (case number, 来电时间, 诉求内容)."""
    ordered = sorted(keys)
    found: dict[str, tuple[str, datetime, str]] = {}
    for start in range(0, len(ordered), 500):
        for key, number, at, content in session.execute(
                select(Case.import_key, Case.number, Case.registered_at, Case.content)
                .where(Case.import_key.in_(ordered[start:start + 500]))):
            if key is not None:
                found[key] = (number, at, content)
    return found


def _dated_key(key: str, at: datetime) -> str:
    """The key of a call that shares its number with another call: the number and the minute it came in (shown as
    the number alone: ``records.register_number``)."""
    return f"{key[:83]}@{at:%Y%m%d%H%M}"


def _words(text: str) -> str:
    return "".join(text.split())


def _same_calls(session: Session, rows: list[PreparedRow]) -> tuple[dict[int, str], dict[int, str]]:
    """Rows whose call is already a case here: by 来电时间 and 诉求内容 (the same call), and by 来电时间 and phone with
    other words (the same call with its wording corrected, most likely): row → that case's number, for each."""
    wanted: dict[tuple[datetime, str], int] = {}
    by_phone: dict[tuple[datetime, str], int] = {}
    for row in rows:
        at = row.values["registered_at"]
        wanted.setdefault((at, _words(row.values["content"])), row.row)
        if row.values.get("phone"):
            by_phone.setdefault((at, row.values["phone"]), row.row)
    moments = sorted({at for at, _content in wanted})
    same: dict[int, str] = {}
    near: dict[int, str] = {}
    for start in range(0, len(moments), 500):
        for number, at, content, phone in session.execute(
                select(Case.number, Case.registered_at, Case.content, Case.phone)
                .where(Case.registered_at.in_(moments[start:start + 500]))):
            row_number = wanted.get((at, _words(content)))
            if row_number is not None:
                same[row_number] = number
            elif phone and (row_number := by_phone.get((at, phone))) is not None:
                near.setdefault(row_number, number)
    return same, {row: number for row, number in near.items() if row not in same}


def _import_user(session: Session, now: datetime) -> int:
    """The pseudo-user that proposed imported dispatches (the importer approves them)."""
    user = session.scalar(select(User).where(User.username == accounts.IMPORT_USERNAME))
    if user is None:
        user = User(username=accounts.IMPORT_USERNAME, display_name="数据导入", role=Role.OPERATOR, active=False)
        session.add(user)
        audit.record_row(session, user, user_id=None, at=now)
    return user.id


@dataclass(frozen=True)
class _Setting:
    """What the rows' histories are checked against: the office's limits, calendar and units, and the moment."""

    limits: Limits
    calendar: WorkCalendar
    units: dict[int, UnitInfo]
    now: datetime

    @classmethod
    def load(cls, session: Session, now: datetime) -> _Setting:
        # A register's unit was in use when its case was dispatched, even if it has been retired since.
        units = {uid: UnitInfo(info.name, True) for uid, info in load_units(session).items()}
        return cls(load_limits(session), WorkCalendar.load(session), units, now)


class HistoryRefused(ValidationError):
    """A row whose history a step of the workflow refuses, worded as the step words it, with the column at fault."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


# The register's column that dates each step, where a refused step is shown.
_STEP_COLUMNS = {
    Action.COORDINATE: "办结时间", Action.PROPOSE: "承办单位", Action.APPROVE: "交办时间", Action.SIGN: "签收时间",
    Action.REPLY: "办结时间", Action.FOLLOWUP: "回访结果", Action.REVIEW: "甄别结果",
    Action.RETURN_REQUEST: "备注", Action.RETURN_RULE: "备注", Action.EXTENSION_REQUEST: "备注",
    Action.EXTENSION_RULE: "备注",
}


def _history(v: dict[str, Any], actor: Actor, proposer: Actor, look: Lookups, setting: _Setting,
             label: str) -> tuple[list[Step], CaseStatus]:
    """The row's history as events, each step checked and applied through the transition table as if taken then,
    and the case's status after the last.

    Raises ``HistoryRefused`` with the first refusal, exactly as the step itself would have worded it.
    """
    at = v["registered_at"]
    # The register's 备注 in its own words, whatever of it became steps (延期, 退单): nothing it wrote is dropped.
    remark = f"（台账备注：{v['remark']}）" if v.get("remark") else ""
    data = {"urgent": False, "source": v["source"], "imported": True}
    if v.get("row_digest"):  # what the row said, by part: a later copy of the register that says more is noticed
        data["row"] = v["row_digest"]
    register = Step(EventKind.REGISTER, at, actor.id, data=data, note=remark)
    steps = [register]
    status = apply_event(None, EventRecord(1, register.kind, at, actor.id, data=register.data))
    ctx = StepContext(label, look.types[v["appeal_type"]][1], setting.limits, setting.calendar, setting.units,
                      setting.now)

    def take(action: Action, payload: Any, when: datetime, who: Actor = actor) -> None:
        nonlocal status
        try:
            new, status = run_in_memory(ctx, status, who, action, payload, when)
        except HotlineError as refused:
            raise HistoryRefused(_STEP_COLUMNS[action], refused.message) from refused
        steps.append(Step(new.kind, when, who.id, new.unit_id, new.data, new.note))

    last = at
    if v["handling"] == Handling.COORDINATE:
        last = v.get("finished_at") or v.get("replied_at") or at
        take(Action.COORDINATE, Coordinate(v["reply_text"] or "（导入）"), last)
    elif v["handling"] == Handling.DISPATCH:
        returned = v.get("returned_from")
        first = returned if returned and returned != v["unit"] else v["unit"]
        take(Action.PROPOSE, Propose(first), at, proposer)
        last = v.get("dispatched_at") or at
        if first != v["unit"]:
            # 退单 in the register: the first unit's dispatch, its return and the approval come before the dispatch
            # to the unit that handled the case (their times are not in a register: spread between the two).
            gap = (last - at) / 4
            take(Action.APPROVE, Approve(note=FROM_REGISTER), at + gap)
            take(Action.RETURN_REQUEST, ReturnRequest(f"退单{FROM_REGISTER}"), at + gap * 2)
            take(Action.RETURN_RULE, ReturnRule(True, v["unit"], FROM_REGISTER), at + gap * 3)
        # A given 办理期限 is the deadline; without 交办时间 the dispatch is dated with the call, and says so.
        take(Action.APPROVE, Approve(deadline=v.get("deadline"),
                                     note=_day_alone_note(v, "dispatched_at") if v.get("dispatched_at")
                                     else DISPATCH_INFERRED), last)
        done = v.get("replied_at") or v.get("finished_at")
        if v.get("signed_at"):
            last = v["signed_at"]
            take(Action.SIGN, Sign(note=_day_alone_note(v, "signed_at")), last)
        elif done:
            # The unit replied, so it signed; the register does not say when: a minute after the dispatch, marked.
            last = min(last + timedelta(minutes=1), done)
            take(Action.SIGN, Sign(note=SIGN_INFERRED), last)
        if v.get("extension"):
            last = _extension(v["extension"], status, setting.calendar, last, take)
        if not done:
            return steps, status
        # A unit finishes, then replies; a register that writes 办结时间 after 回复时间 is read as replying then.
        finished = v.get("finished_at") or done
        last = max(done, finished)
        said = _day_alone_note(v, "finished_at") or _day_alone_note(v, "replied_at")
        take(Action.REPLY, Reply(v["reply_text"] or "（导入）", v["result"], finished, as_recorded=True, note=said),
             last)
    else:
        return steps, status
    result = FOLLOWUP_WORDS.get(v["followup"], "")
    if not result:
        return steps, status
    # Without a 回访时间 the follow-up is placed a minute after the last step, and says so.
    note = _day_alone_note(v, "followup_at") if v.get("followup_at") else FOLLOWUP_INFERRED
    if result == FollowUpResult.DISSATISFIED:  # a register has no column for what the caller said: it says so
        note += DISSATISFIED_UNSAID
    last = v.get("followup_at") or last + timedelta(minutes=1)
    take(Action.FOLLOWUP, FollowUp(result, note, final_unreachable=result == FollowUpResult.UNREACHABLE), last)
    review = v["review"]
    if result == FollowUpResult.DISSATISFIED and review:
        fault = not any(w in review for w in ("非", "不属", "免责", "不是"))
        take(Action.REVIEW, Review(fault, review), last + timedelta(minutes=1))
    return steps, status


FROM_REGISTER = "（据台账）"
SIGN_INFERRED = "（据台账：台账无签收时间，按交办后一分钟记，不晚于回复）"
DISPATCH_INFERRED = "（据台账：台账无交办时间，按来电时间记）"
FOLLOWUP_INFERRED = "（据台账：台账无回访时间，按上一步后一分钟记）"
DISSATISFIED_UNSAID = "（据台账：台账未记群众意见）"


def _extension(extension: tuple[int, datetime | None], status: Any, calendar: WorkCalendar, after: datetime,
               take: Callable[[Action, Any, datetime], None]) -> datetime:
    """A register's 延期 as a granted extension, asked and approved a minute apart after the last step so far; the
    days are those written, or counted from the new deadline written (延至…)."""
    days, until = extension
    main = status.main_dispatch
    if not days and until is not None and main is not None:
        days = max(1, calendar.working_days_between(main.deadline, until))
    asked = after + timedelta(minutes=1)
    take(Action.EXTENSION_REQUEST, ExtensionRequest(days, f"延期{FROM_REGISTER}"), asked)
    take(Action.EXTENSION_RULE, ExtensionRule(True, days, FROM_REGISTER), asked + timedelta(minutes=1))
    return asked + timedelta(minutes=1)


# Who takes the steps while rows are only previewed: committing needs a supervisor's right to import, and the
# pseudo-user that proposed them exists once committed.
_PREVIEW_IMPORTER = Actor(id=-1, username="", display_name="导入人", role=Role.SUPERVISOR)
_PREVIEW_PROPOSER = Actor(id=0, username="import", display_name="数据导入", role=Role.OPERATOR)


def _with_ids(v: dict[str, Any], look: Lookups) -> dict[str, Any] | None:
    """The row with its units as ids, for the history; None while a unit or appeal type is still to be created."""
    out = dict(v)
    for name in ("unit", "township", "returned_from"):
        if out.get(name):
            if out[name] not in look.units:
                return None
            out[name] = look.units[out[name]]
    return out if out["appeal_type"] in look.types else None


def _source(v: dict[str, Any], look: Lookups) -> str:
    return Source.UPPER if look.channels.get(v["channel"], (None, False))[1] else Source.LOCAL


def commit_cases(session: Session, actor: Actor, preview: CasePreview, *, only_valid: bool = False,
                 clock: Clock = office_now, batch_rows: int | None = None,
                 hints: ImportHints = WINDOW, progress: Progress | None = None) -> ImportResult:
    """Write the previewed rows as cases with their histories: all of them, or only the valid ones if asked.

    Every row is checked before the first is written. Up to ``batch_rows`` rows (the setting 大批导入每次提交的行数
    by default) go in the caller's transaction; a longer import commits part by part, marked in progress until its
    last part is in, so that other stations can save meanwhile and a failed or killed import is undone
    (see ``import_batches``). ``progress(written, total)`` is told as each part is in.
    """
    require(actor, "import")
    with many_objects():
        return _commit_cases(session, actor, preview, only_valid=only_valid, clock=clock, batch_rows=batch_rows,
                             hints=hints, progress=progress)


def _commit_cases(session: Session, actor: Actor, preview: CasePreview, *, only_valid: bool, clock: Clock,
                  batch_rows: int | None, hints: ImportHints, progress: Progress | None) -> ImportResult:
    if preview.missing:
        raise ValidationError(preview.summary(hints))
    if preview.problems and not only_valid:
        raise ValidationError(f"有 {preview.invalid_rows} 行存在问题，未导入任何内容。请修改文件后重新导入，"
                              + hints.only_valid)
    ready, duplicates = _still_new(session, preview)
    if not ready:
        return ImportResult(None, 0, duplicates, preview.invalid_rows, ())
    now = clock()
    apply_choices(session, actor, preview.choices, now)
    settings, look, setting = Settings(session), Lookups(session), _Setting.load(session, now)
    proposer = Actor(_import_user(session, now), "import", "数据导入", Role.OPERATOR)
    size = batch_rows or settings.get(IMPORT_BATCH_ROWS)
    batch = ImportBatch(kind="cases", file_name=preview.file_name, sha256=preview.sha256, rows=len(ready),
                        user_id=actor.id, created_at=now, note=preview.summary(), skipped_rows=preview.invalid_rows,
                        state=import_batches.DONE if len(ready) <= size else import_batches.IN_PROGRESS)
    session.add(batch)
    audit.record_row(session, batch, user_id=actor.id, at=now, kind="import")
    prefix = settings.str("case_number.prefix")

    def build() -> list[NewCase]:
        new_cases = [_new_case(row, actor, proposer, look, setting) for row in ready]
        new_cases.sort(key=lambda c: c.columns["registered_at"])  # numbered in registration order across parts
        return new_cases

    kind = search_index.flavour(session)

    def prepare(part: Sequence[NewCase], at: datetime) -> PreparedCases:
        return prepare_cases(list(part), search_kind=kind, recorded_at=at, batch_id=batch.id)

    def write(ready: PreparedCases) -> list[str]:
        # Each part as its own save: an importer deactivated or given another role meanwhile (on another station)
        # stops the import here, and what its earlier parts wrote is cleared (see import_batches).
        accounts.confirm_signed_in(session, actor)
        return write_prepared(session, ready, prefix=prefix, by=actor.id)

    if batch.state == import_batches.DONE:
        numbers = write(prepare(build(), now))
    else:
        # A long import's parts are entered, and audited, when each is written: the audit trail's times go forward
        # although other stations save between the parts.
        numbers = import_batches.write_in_batches(session, batch, build, size, lambda part: prepare(part, clock()),
                                                  write, user_id=actor.id, clock=clock, progress=progress)
    return ImportResult(batch.id, len(numbers), duplicates, preview.invalid_rows, tuple(numbers))


def _still_new(session: Session, preview: CasePreview) -> tuple[list[PreparedRow], int]:
    """The previewed rows not imported meanwhile (by another station, since the preview was read)."""
    keys = [row.key for row in preview.ready]
    existing: set[str] = set()
    for start in range(0, len(keys), 500):
        existing |= set(session.scalars(select(Case.import_key).where(Case.import_key.in_(keys[start:start + 500]))))
    ready = [row for row in preview.ready if row.key not in existing]
    return ready, preview.duplicates + len(preview.ready) - len(ready)


def _new_case(row: PreparedRow, actor: Actor, proposer: Actor, look: Lookups, setting: _Setting) -> NewCase:
    """A previewed row as the case to insert, its history checked step by step."""
    v = dict(row.values)
    channel_id, upper = look.channels.get(v["channel"], (None, False))
    v["source"] = _source(v, look)  # the channel's kind decides 本级 or 上级
    resolved = _with_ids(v, look)
    if resolved is None:
        raise ValidationError(f"第 {row.row} 行的取值不在列表中，请重新预览。")
    v = resolved
    category = look.category(v["category"])
    upstream = v["upstream_number"] or (v["number"] if upper else "")
    columns = {
        "registered_at": v["registered_at"], "source": v["source"], "channel_id": channel_id,
        "upstream_number": upstream,
        "upstream_deadline": v.get("upstream_deadline") or (v.get("deadline") if upper else None),
        "caller_name": v["caller_name"], "phone": v["phone"], "address": v["address"],
        "township_id": v.get("township"), "appeal_type_id": look.types[v["appeal_type"]][0],
        "appeal_type_name": v["appeal_type"], "category_id": look.categories[category],
        "category_label": category, "title": (one_line(v["title"]) or one_line(v["content"]))[:TITLE_LENGTH],
        "content": v["content"],
        "confidential": v["confidential"], "urgent": False, "created_by": actor.id, "import_key": row.key,
    }
    if row.steps is None or row.status is None:
        return NewCase(columns, *_history(v, actor, proposer, look, setting, v["number"] or f"第{row.row}行"))
    # The previewed history, its stand-ins replaced by the importer and the proposer (no step's data names them).
    who = {_PREVIEW_IMPORTER.id: actor.id, _PREVIEW_PROPOSER.id: proposer.id}

    def real(user_id: int | None) -> int | None:
        return who.get(user_id, user_id) if user_id is not None else None

    steps = [Step(s.kind, s.at, real(s.actor_id), s.unit_id, s.data, s.note) for s in row.steps]
    return NewCase(columns, steps, _taken_by(row.status, real))


def _taken_by(status: CaseStatus, real: Callable[[int | None], int | None]) -> CaseStatus:
    """The previewed status with the stand-ins' ids replaced (by ``real``) wherever it names who took a step."""
    return replace(
        status, proposer_id=real(status.proposer_id), before_followup=None,
        dispatches=tuple(replace(d, approved_by=real(d.approved_by)) for d in status.dispatches),
        followups=tuple(replace(f, by_id=real(f.by_id), reviewed_by=real(f.reviewed_by)) for f in status.followups))


def save_mapping(session: Session, actor: Actor, name: str, header_to_field: dict[str, str], *,
                 clock: Clock = office_now) -> None:
    """Keep a column mapping under a name, for the next file of the same kind (NOT_IMPORTED for a column chosen not
    to be imported: the next file's preview does not ask about it again)."""
    require(actor, "import")
    if not name.strip():
        raise ValidationError("请为列对应关系起一个名字。")
    unknown = set(header_to_field.values()) - set(FIELD_LABELS) - {NOT_IMPORTED}
    if unknown:
        raise ValidationError(f"无法识别的字段：{'、'.join(sorted(unknown))}")
    mappings = dict(Settings(session).get("import.mappings"))
    mappings[name.strip()] = {clean(k): v for k, v in header_to_field.items()}
    set_setting(session, "import.mappings", mappings, user_id=actor.id, at=clock())


def field_names() -> dict[str, str]:
    """Chinese label → field, for mapping columns by hand."""
    return {label: name for name, label in FIELD_LABELS.items()}

