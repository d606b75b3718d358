"""The domain's invariants: every case's stored state, dispatch and follow-up rows match its history; no import
batch is half written."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline_desk.db import Database, head_revision, known_revisions, schema_revision
from hotline_desk.errors import ChangedBehindTheApp, DatabaseError
from hotline_desk.models import BonusItem, Case, CaseEvent, CaseNumberCounter, Dispatch, FollowUp, ImportBatch, Unit
from hotline_desk.models.facts import CaseFact
from hotline_desk.services.accounts import audit
from hotline_desk.services.accounts.structure import structure_problems
from hotline_desk.services.cases.events import case_projection, dispatch_columns, followup_columns
from hotline_desk.services.cases.history import CaseStatus, record_from_row, replay
from hotline_desk.services.clock import month_of
from hotline_desk.services.reporting import facts
from hotline_desk.vocabulary import CaseState, FollowUpResult, Handling

# The stored columns verify compares with a replay of the history, as it names them.
COLUMN_LABELS = {
    "approved_by": "审核人", "at": "时间", "by_id": "经办人", "deadline": "办理期限", "dispatched_at": "交办时间",
    "extension_granted_days": "批准延期天数", "extension_reason": "延期理由",
    "extension_requested_days": "申请延期天数", "finished_at": "办结时间", "handler": "单位经办人",
    "handler_phone": "单位经办人电话", "note": "说明", "position": "序号",
    "replied_at": "回复时间", "reply_text": "回复内容", "result": "结果", "return_reason": "退单理由",
    "return_requested_at": "退单申请时间", "review": "甄别结果", "reviewed_at": "甄别时间", "reviewed_by": "甄别人",
    "role": "主办或协办", "round": "轮次", "sign_deadline": "签收期限", "signed_at": "签收时间", "status": "状态",
    "unit_id": "单位", "state": "状态", "handling": "办理方式", "main_unit_id": "主办单位", "main_deadline": "办理期限",
    "signed_on_time": "是否按时签收", "followup_result": "回访结果", "followup_review": "甄别结果",
    "last_at": "最后一步时间",
}


def _named(columns: Sequence[str]) -> str:
    return "、".join(COLUMN_LABELS.get(c, c) for c in columns)


def _shown(value: Any, key: str = "", units: dict[int, str] | None = None) -> str:
    """A stored value as verify names it: a state code with its label, a unit by name, a moment to the minute,
    nothing as 空."""
    if value is None or value == "":
        return "空"
    if key.endswith("unit_id") and units is not None and value in units:
        return f"{units[value]}（{value}）"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, bool):
        return "是" if value else "否"
    labels = {**CaseState.labels(), **Handling.labels(), **FollowUpResult.labels()}
    return f"{labels[value]}（{value}）" if isinstance(value, str) and value in labels else str(value)


def _rows_by_case(session: Session, model: type[Dispatch] | type[FollowUp], part: range) -> dict[int, dict[int, Any]]:
    rows: dict[int, dict[int, Any]] = {}
    found: list[Dispatch] | list[FollowUp] = list(session.scalars(  # type: ignore[assignment]
        select(model).where(model.case_id >= part.start, model.case_id < part.stop)))
    for row in found:
        rows.setdefault(row.case_id, {})[row.position] = row
    return rows


def _projected_rows_problems(number: str, status: CaseStatus, dispatches: dict[int, Dispatch],
                             followups: dict[int, FollowUp]) -> list[str]:
    """The dispatch and follow-up rows a replay of the history gives, against the rows stored."""
    problems: list[str] = []
    expected_d = {d.position: dispatch_columns(d) for d in status.dispatches}
    expected_f = {f.position: followup_columns(f) for f in status.followups}
    for label, expected, stored in (("交办", expected_d, dispatches), ("回访", expected_f, followups)):
        for position in sorted(set(expected) | set(stored)):
            row = stored.get(position)
            want = expected.get(position)
            if row is None:
                problems.append(f"工单{number}的第 {position} 条{label}记录缺失（与办理历史不符）。")
            elif want is None:
                problems.append(f"工单{number}多出第 {position} 条{label}记录（办理历史中没有）。")
            elif {k: getattr(row, k) for k in want} != want:
                changed = _named([k for k in want if getattr(row, k) != want[k]])
                problems.append(f"工单{number}的第 {position} 条{label}记录与办理历史不符（{changed}）。")
    return problems


def _facts_problems(number: str, status: CaseStatus, stored: CaseFact | None, latest: datetime) -> list[str]:
    """The case's row of the fact table that statistics, scores and bulletins read, against a replay of its history
    (its time of the latest step is that of the last step written, or the latest of all: imports write that)."""
    if stored is None:
        return [f"工单{number}的统计事实记录缺失（与办理历史不符）。"]
    want = facts.expected_row(stored.case_id, status, status.last_event_at)
    changed = [k for k in want if k not in ("case_id", "last_at") and getattr(stored, k) != want[k]]
    if stored.last_at not in (status.last_event_at, latest):
        changed.append("last_at")
    if changed:
        return [f"工单{number}的统计事实记录与办理历史不符（{_named(changed)}）。"]
    return []


def _counter_problems(session: Session, numbers: Sequence[str]) -> list[str]:
    """A month's number counter behind its highest case number: set back behind the app, so that the next case
    registered would take a number already given (and be refused)."""
    highest: dict[str, int] = {}
    for number in numbers:
        key, _, serial = number.rpartition("-")
        if key and serial.isdigit():
            highest[key] = max(highest.get(key, 0), int(serial))
    counters = {key: last for key, last in session.execute(select(CaseNumberCounter.prefix,
                                                                  CaseNumberCounter.last_value))}
    return [f"工单编号计数器“{key}”记到 {counters.get(key, 0)}，却已有编号 {key}-{top:05d} 的工单：计数器被绕过本软件"
            "改小（或删除），新登记的工单会与已有的重号。" for key, top in sorted(highest.items())
            if counters.get(key, 0) < top]


def consistency_problems(session: Session) -> list[str]:
    """Every case's stored state, dispatch and follow-up rows and facts against a replay of its history, read a part
    of the cases at a time (ten years of cases read whole took gigabytes), then the counters and import batches."""
    problems: list[str] = []
    units: dict[int, str] = {row[0]: row[1] for row in session.execute(select(Unit.id, Unit.name))}
    numbers: list[str] = []
    for part in _case_parts(session):
        problems += _part_problems(session, part, units, numbers)
    problems += _counter_problems(session, numbers)
    registered = Counter(session.scalars(select(CaseEvent.batch_id).where(CaseEvent.kind == "register",
                                                                          CaseEvent.batch_id.is_not(None))))
    answered = Counter(batch for _case, batch in session.execute(
        select(CaseEvent.case_id, CaseEvent.batch_id).where(CaseEvent.batch_id.is_not(None),
                                                           CaseEvent.kind.in_(("sign", "reply"))).distinct()))
    for batch in session.scalars(select(ImportBatch)):
        written = (registered if batch.kind == "cases" else answered).get(batch.id, 0)
        if batch.state == "in_progress":  # a long import under way, or one that died: cleared on the next opening
            problems.append(f"导入批次 {batch.id}（{batch.file_name}）尚未完成（正在导入，或导入被中断），"
                            f"已写入 {written} 件；若非正在导入，下次打开数据库时会撤销这些工单。")
        elif batch.state == "cleared":
            if written:
                problems.append(f"导入批次 {batch.id}（{batch.file_name}）已撤销，办理历史中却仍有 {written} 件。")
        elif written != batch.rows:
            problems.append(f"导入批次 {batch.id}（{batch.file_name}）记为 {batch.rows} 件，"
                            f"办理历史中却有 {written} 件。")
    return problems


CASES_AT_A_TIME = 2000


def month_problems(session: Session, month: str) -> list[str]:
    """What one month's figures are read from, against their histories and the audit trail: ``consistency_problems``
    for its cases alone (a run of their ids at a time), each of their steps against its record, and its 附加分
    items against theirs (about a second for 4,700 cases)."""
    ids = list(session.scalars(select(Case.id).where(Case.month == month).order_by(Case.id)))
    units: dict[int, str] = {row[0]: row[1] for row in session.execute(select(Unit.id, Unit.name))}
    # First the steps unlike their audit records: a history changed with the tables (a 不满意 made 满意 in both)
    # makes the tables' own check read as if the history were right.
    problems = audit.cases_steps_problems(session, ids)
    start = 0
    for i in range(1, len(ids) + 1):
        if i == len(ids) or ids[i] != ids[i - 1] + 1 or i - start == CASES_AT_A_TIME:
            problems += _part_problems(session, range(ids[start], ids[i - 1] + 1), units, [])
            start = i
    for item in session.scalars(select(BonusItem).where(BonusItem.month == month).order_by(BonusItem.id)):
        if audit.changed_behind(session, item, recorded=True):  # points raised in the file
            problems.append(f"{month} 附加分第 {item.id} 项（{units.get(item.unit_id, '')}，{item.points:g} 分）"
                            "与审计记录不符（被改动）。")
    return problems


def _case_parts(session: Session) -> Iterator[range]:
    """Ranges of case ids covering every case and every row that names one (an orphan's id too)."""
    ends = [session.execute(select(func.min(column), func.max(column))).one() for column in (
        Case.id, CaseEvent.case_id, Dispatch.case_id, FollowUp.case_id, CaseFact.case_id)]
    low = min((lo for lo, _hi in ends if lo is not None), default=None)
    high = max((hi for _lo, hi in ends if hi is not None), default=None)
    if low is None or high is None:
        return
    for start in range(low, high + 1, CASES_AT_A_TIME):
        yield range(start, min(start + CASES_AT_A_TIME, high + 1))


def _part_problems(session: Session, part: range, units: dict[int, str], numbers: list[str]) -> list[str]:
    """``consistency_problems`` for the cases whose ids are in ``part``; their numbers are added to ``numbers``."""
    problems: list[str] = []
    stored = {c.id: c for c in session.scalars(select(Case).where(Case.id >= part.start, Case.id < part.stop))}
    numbers += [c.number for c in stored.values()]
    rows = session.execute(select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.kind, CaseEvent.at, CaseEvent.actor_id,
                                  CaseEvent.unit_id, CaseEvent.data, CaseEvent.note)
                           .where(CaseEvent.case_id >= part.start, CaseEvent.case_id < part.stop)
                           .order_by(CaseEvent.case_id, CaseEvent.seq)).all()
    seen = set()
    dispatches, followups = _rows_by_case(session, Dispatch, part), _rows_by_case(session, FollowUp, part)
    stored_facts = {f.case_id: f for f in session.scalars(
        select(CaseFact).where(CaseFact.case_id >= part.start, CaseFact.case_id < part.stop))}
    for case_id, group in groupby(rows, key=lambda r: r[0]):
        seen.add(case_id)
        events = list(group)
        case = stored.get(case_id)
        if [e[1] for e in events] != list(range(1, len(events) + 1)):
            problems.append(f"工单{case.number if case else case_id}的办理步骤编号不连续。")
        try:
            status = replay(record_from_row(*e[1:]) for e in events)
        except ChangedBehindTheApp as broken:  # said of this case, and the other cases are checked on
            problems.append(f"工单{case.number if case else case_id}的{broken.message.split('：')[0]}。")
            continue
        if case is None or status is None:
            problems.append(f"办理步骤指向不存在的工单 {case_id}。")
            continue
        expected = case_projection(status)
        actual = {k: getattr(case, k) for k in expected}
        if actual != expected:  # which columns, and what each holds against what the history gives
            differ = [key for key in expected if actual[key] != expected[key]]
            shown = "；".join(f"{_named([key])}为“{_shown(actual[key], key, units)}”，按办理历史应为"
                             f"“{_shown(expected[key], key, units)}”" for key in differ)
            problems.append(f"工单{case.number}的当前状态与办理历史不符：{shown}。")
        problems += _projected_rows_problems(case.number, status, dispatches.get(case_id, {}),
                                             followups.get(case_id, {}))
        problems += _facts_problems(case.number, status, stored_facts.get(case_id), max(e[3] for e in events))
    problems += [f"工单{c.number}没有任何办理步骤。" for cid, c in stored.items() if cid not in seen]
    orphans = (set(dispatches) | set(followups) | set(stored_facts)) - seen
    problems += [f"交办、回访或统计事实记录指向没有办理历史的工单 {case_id}。" for case_id in sorted(orphans)]
    return problems


def refuse_other_format(db: Database) -> None:
    """``verify`` checks a file as it is (a copy kept as evidence is neither upgraded nor cleared of an import), so a
    file of another format is refused, saying how to check it, rather than read against this version's tables."""
    revision = schema_revision(db)
    if revision != head_revision():
        older = revision in known_revisions()
        what = "由较旧版本的本软件做成" if older else "由更新版本的本软件做成（或不是本软件的数据库）"
        how = "先用本软件打开一次（自动升级）再核验，或用与它同版本的软件核验" if older else "请用更新的版本核验"
        raise DatabaseError(f"{db.display_name} {what}，格式与本版本不同（数据库格式 {revision}，本版本的格式 "
                            f"{head_revision()}）。verify 不改动数据库：{how}。")


def verify_all(session: Session, anchors: Sequence[audit.Anchor] = ()) -> audit.VerifyReport:
    """The audit chain (against ``anchors`` too), then every projection against a replay of the history.

    A value that cannot even be read as its column's type (a date written as “garbage” in the file) is reported as
    such: the check stopped on it with an unexpected error and said nothing of the rest."""
    try:
        report = audit.verify(session, anchors)
    except (ValueError, TypeError) as exc:
        report = audit.VerifyReport(problems=[_unreadable(exc)])
    report.problems += structure_problems(session)
    try:
        report.problems += consistency_problems(session)
    except (ValueError, TypeError) as exc:
        report.problems.append(_unreadable(exc))
    return report


def file_problems(session: Session) -> list[str]:
    """SQLite's own check of the file's pages (a server checks its own): what it found, or nothing."""
    if session.get_bind().dialect.name != "sqlite":
        return []
    checked = session.connection().exec_driver_sql("PRAGMA integrity_check").scalar()
    return [] if checked == "ok" else [f"数据库文件完整性检查未通过：{checked}"]


def _unreadable(exc: Exception) -> str:
    return (f"数据库中有无法按其类型读取的值（{exc}）：数据库文件被绕过本程序改动过，核验未能做完。"
            "请从备份恢复。")


CHANGED_SHOWN = 3  # the places a month's check names in its words (verify lists them all)


def problems_shown(found: list[str]) -> str:
    """The first of a month's check's problems, in one run of words (see ``month_problems``)."""
    return "；".join(line.rstrip("。") for line in found[:CHANGED_SHOWN]) + ("等" if len(found) > CHANGED_SHOWN else "")


def open_months_words(session: Session, now: datetime) -> str:
    """The months whose bulletin is still to be finalised (this one, and the last until it is), checked as 定稿
    checks them (``month_problems``), in words ("" when all agree): a 不满意 made 满意 in the file is found the
    next morning, when who had the station can still be asked, not at the month's end."""
    from hotline_desk.services.reporting.monthdata import final_months, month_before  # (reporting reads this module)

    months = [month_of(now), month_before(now)]
    final = final_months(session, set(months))
    try:
        found = [problem for month in sorted(months) if month not in final
                 for problem in month_problems(session, month)]
    except (ValueError, TypeError) as exc:  # a value of the wrong type written in the file: said as verify says it
        found = [_unreadable(exc)]
    if not found:
        return ""
    return (f"尚未定稿的月份中有 {len(found)} 处与办理历史或审计记录不符，数据库可能被绕过本软件改动过"
            f"：{problems_shown(found)}。"
            "请管理员运行 verify 核验，查明后从备份恢复或更正；查明前这个月的简报不能定稿。")
