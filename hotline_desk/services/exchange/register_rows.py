"""One register row read and normalised: its cells as values, how it was handled and whether its times can make
one history, 延期 and 退单 as 备注 writes them, and the key and fingerprints that recognise it when imported again."""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from hotline_desk.excel import normalize as norm
from hotline_desk.excel.columns import FIELD_LABELS, STEP_CLOCKS
from hotline_desk.services.cases.records import end_of_a_day, length_problems
from hotline_desk.services.exchange.import_values import Lookups, UnknownName
from hotline_desk.vocabulary import Handling

FOLLOWUP_WORDS = {"满意": "satisfied", "非常满意": "satisfied", "基本满意": "basic", "不满意": "dissatisfied",
                  "未回访": "unreachable", "未接通": "unreachable", "无法联系": "unreachable"}


def row_values(row: list[Any], mapping: dict[int, str]) -> dict[str, Any]:
    return {f: row[i] if i < len(row) else None for i, f in mapping.items()}


def parse_row(raw: dict[str, Any], look: Lookups, default_channel: str, unknown: list[UnknownName], *,
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

    for name in ("registered_at", "dispatched_at", "signed_at", "replied_at", "finished_at", "followup_at",
                 "reviewed_at"):
        if raw.get(name) is None:  # an empty cell or a column the file does not have
            out[name] = None
        else:
            take(name, lambda value: norm.when(value, latest=latest))
    for name, clock in STEP_CLOCKS.items():
        if raw.get(clock) is not None:
            _with_time_of_day(out, name, raw[clock], problems, latest)
    called = out.get("registered_at")
    out["call_day_alone"] = (called is not None and called.time() == time() and raw.get("registered_clock") is None
                             and _day_alone(raw.get("registered_at")))
    take("phone", norm.phone)
    for name in ("number", "caller_name", "address", "title", "content", "reply_text", "result", "handling",
                 "followup", "review"):
        out[name] = norm.text(raw.get(name))
    out["confidential"] = norm.yes(raw.get("confidential"))
    urgency = norm.text(raw.get("urgent"))
    out["urgent"] = urgency in ("紧急", "特急", "加急") or (urgency not in ("一般", "") and norm.yes(urgency))
    state = norm.text(raw.get("state"))
    if "".join(state.split()) in VOIDED_STATES:  # not imported, said (no problem to mend)
        out["voided"] = state
    elif WITHDRAWAL_WORDS.search(state):  # 申请撤回中: imported as alive, and said, for a clerk to follow
        out["state_said"] = state
    if out.get("registered_at") is None and "registered_at" not in dict(problems):
        problems.append(("registered_at", "缺少来电时间"))
    if not out["content"] and not out["title"]:
        problems.append(("content", "缺少诉求内容"))
    out["content"] = out["content"] or out["title"]
    problems.extend((field, said.removesuffix("。")) for field, said in length_problems(out))  # a row's reason
    for name in ("upstream_number", "remark"):
        out[name] = norm.text(raw.get(name))
    out["upstream_column"] = "upstream_number" in raw  # a 工单编号 is the platform's only where no such column is
    for name in ("deadline", "extended_deadline", "upstream_deadline"):  # limits: days to come, by nature
        take(name, norm.when)
    limit, called = end_of_a_day(out.get("upstream_deadline")), out.get("registered_at")
    if limit is not None and called is not None and limit <= called:  # as registering refuses it
        problems.append(("upstream_deadline", f"上级办理时限 {limit:%Y-%m-%d %H:%M} 不晚于来电时间 "
                                              f"{called:%Y-%m-%d %H:%M}，请核对（多半是年份或月份写错了）"))
    if state in URGENT_STATES:  # a platform's list says 加急 in its 状态
        out["urgent"] = True
    take("extension_days", _days)
    take("appeal_type", lambda _v: look.named("appeal_type", norm.text(raw.get("appeal_type")), look.type_names))
    take("category", lambda _v: look.category(norm.text(raw.get("category")), norm.text(raw.get("category1")),
                                              norm.text(raw.get("category2"))))
    # Each unit as it was when the row had it: the township at the call, the unit at its dispatch (a unit merged or
    # stopped since keeps the rows it had; after that, its name follows the merge or is refused).
    called = out.get("registered_at")
    town = norm.text(raw.get("township"))
    if town:
        take("township", lambda _v: look.unit(town, towns_only=True, at=called))
    unit = out["unit_written"] = norm.text(raw.get("unit"))  # as written, known to the lists or not
    if unit:
        take("unit", lambda _v: look.unit(unit, at=out.get("dispatched_at") or called))
    channel = norm.text(raw.get("channel")) or default_channel
    if channel:
        take("channel", lambda _v: look.named("channel", channel, look.channel_names))
    else:
        out["channel"] = ""
    _days_alone(out)
    _check_history(out, problems)
    _register_facts(out, look, problems, unknown)
    return out, problems


# A 状态 that says the case is urgent (a platform's list has no 紧急程度 of its own).
URGENT_STATES = frozenset({"加急", "紧急", "特急", "急件"})

# A 状态 that says the case is no more, whole (spaces aside): this program's 已作废, a platform's 已撤销 or 撤回. A
# state that only holds such a word (撤销被驳回, 未撤销, 申请撤回中, 撤回后重新派发) is a case still alive.
_WITHDRAWN = ("作废", "撤销", "撤消", "撤回", "撤单", "取消")
WITHDRAWAL_WORDS = re.compile("|".join(_WITHDRAWN))
VOIDED_STATES = frozenset(f"{done}{word}" for done in ("", "已", "被") for word in _WITHDRAWN)
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
            v["returned_from"] = look.unit(match.group(1), at=v.get("registered_at"))
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


def _with_time_of_day(out: dict[str, Any], name: str, cell: Any, problems: list[tuple[str, str]],
                      latest: datetime | None) -> None:
    """A step's date (``name``, from a 日期 column: 受理日期) and its time from the register's own column (受理时间).
    A moment written whole in the time column (2022-07-05 09:30) is the step's moment."""
    clock_field = STEP_CLOCKS[name]
    if not isinstance(cell, time):
        try:
            whole = norm.when(cell, latest=latest)
        except norm.CellError:
            whole = None  # a time of day alone, or no moment at all: read below
        if whole is not None:
            out[name] = whole
            return
    try:
        clock = norm.time_of_day(cell)
    except norm.CellError as exc:
        problems.append((clock_field, str(exc)))
        return
    dated = out.get(name)
    if clock is None or dated is None:
        return
    label, clock_label = FIELD_LABELS[name], FIELD_LABELS[clock_field]
    if dated.time() != time():
        if dated.time().replace(second=0) != clock.replace(second=0):
            problems.append((clock_field, f"{label}一列写的时刻（{dated:%H:%M}）与{clock_label}一列"
                                          f"（{clock:%H:%M}）不同，请核对"))
        return
    combined = datetime.combine(dated.date(), clock)
    if latest is not None and combined > latest:
        problems.append((clock_field, f"{label}{combined:%Y-%m-%d %H:%M}在未来，请核对"))
        return
    out[name] = combined


# A register's moments in the order its steps come.
MOMENT_ORDER = (("registered_at", "来电时间"), ("dispatched_at", "交办时间"), ("signed_at", "签收时间"),
                ("replied_at", "回复时间"), ("finished_at", "办结时间"), ("followup_at", "回访时间"),
                ("reviewed_at", "甄别时间"))


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
            moment = v[name] = after_on_the_day(last)
            alone.append(name)
        last = moment


def _day_alone(cell: Any) -> bool:
    """A cell that gives a day and no time of day (2020-03-05, 2020年3月5日, a date cell): read as 0:00."""
    if isinstance(cell, str):
        return not any(mark in cell for mark in (":", "：", "时", "点"))
    return not isinstance(cell, datetime) or cell.time() == time()


CALL_DAY_ALONE = "（据台账：来电时间只写了日期，按当日 0:00 记）"


def after_on_the_day(last: datetime) -> datetime:
    """A minute after ``last``, kept on its day (a step at 23:59 is followed at 23:59:59, not the next day)."""
    return min(last + timedelta(minutes=1), datetime.combine(last.date(), time(23, 59, 59)))


def day_alone_note(v: dict[str, Any], name: str) -> str:
    label = dict(MOMENT_ORDER)[name]
    return f"（据台账：台账的{label}只写了日期，按当日上一步后一分钟记）" if name in v.get("days_alone", ()) else ""


def _check_history(v: dict[str, Any], problems: list[tuple[str, str]]) -> None:
    """How the row was handled, and whether its times and results can make one history. Nothing the register
    says is dropped without a word: a handling, reply or follow-up that cannot go in is a problem of the row."""
    written = v["handling_written"] = v["handling"]
    coordinate = any(w in written for w in COORDINATE_WORDS)
    # A unit named beside an empty 办理方式 means 交办处理, whether or not the lists know the name yet (an unknown
    # one is a problem of its own); beside a word we cannot read (直办 is 协调 in one office and 交办 in another)
    # it decides nothing.
    named = v.get("unit") or v.get("unit_written")
    v["handling"] = ("coordinate" if coordinate else
                     "dispatch" if (any(w in written for w in DISPATCH_WORDS) or (named and not written))
                     else "")
    done = v.get("replied_at") or v.get("finished_at")
    if written and not v["handling"]:
        beside = f"（写有承办单位{named}，是交办处理吗？）" if named else ""
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
    before_reply: tuple[str, datetime] | None = None
    for name, label in MOMENT_ORDER:
        moment = v.get(name)
        if moment is None:
            continue
        if name == "finished_at" and v.get("replied_at") is not None:
            # A unit finishes, then replies: 办结时间 before 回复时间 is as a register (or this program's own export)
            # has it. Each is after the steps before both; what follows is after the later of the two.
            if before_reply is not None and moment < before_reply[1]:
                problems.append((name, f"{label}早于{before_reply[0]}"))
            if last is None or moment > last:
                last_name, last = label, moment
            continue
        if last is not None and moment < last:
            problems.append((name, f"{label}早于{last_name}"))
        if name == "replied_at":
            before_reply = (last_name, last) if last is not None else None
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
    # last, so that a case imported before it was kept is compared on the parts it has (see ``changed_parts``)
    ("上级办理时限", ("upstream_deadline",)),
    ("紧急程度", ("urgent",)),  # a platform raising a case to 加急 in its next list
)


def row_digest(v: dict[str, Any]) -> str:
    """The row's parts as short fingerprints, joined by dots: a0b1c2.d3e4f5…"""
    def get(name: str) -> Any:  # a limit by its day alone is that day's 23:59, however a list writes it
        return end_of_a_day(v.get(name)) if name == "upstream_deadline" else v.get(name)

    return ".".join(format(zlib.crc32("\x1f".join([str(get(name)) for name in names]).encode()), "08x")
                    for _part, names in ROW_PARTS)


def changed_parts(before: str, now: str) -> list[str]:
    """The parts whose fingerprints differ; a case imported when fewer parts were kept is compared on those."""
    old, new = before.split("."), now.split(".")
    if len(old) > len(new):
        return []
    return [part for (part, _names), a, b in zip(ROW_PARTS, old, new[:len(old)], strict=False) if a != b]


# 办理方式 as written that need no word on how they were read.
PLAIN_HANDLING = frozenset({"协调办理", "交办处理", "协调", "交办"})


def handling_reading(v: dict[str, Any]) -> str:
    """How a 办理方式 written otherwise than plainly was read (“派单”读作交办处理), for the preview to say."""
    written, handling = v.get("handling_written", ""), v["handling"]
    if not handling or written in PLAIN_HANDLING:
        return ""
    meant = "协调办理" if handling == Handling.COORDINATE else "交办处理"
    return f"“{written}”读作{meant}" if written else f"空白而写有承办单位，读作{meant}"


def row_key(values: dict[str, Any]) -> str:
    if values["number"]:
        return values["number"][:100]
    digest = hashlib.sha256(f"{values.get('registered_at')}|{values.get('phone')}|{values['content']}"
                            .encode()).hexdigest()
    return f"#{digest[:32]}"
