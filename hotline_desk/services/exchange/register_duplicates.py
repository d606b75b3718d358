"""Which previewed rows were imported before, repeat an earlier row of the file, or are this database's own cases:
counted, or named as problems; and which rows imported before the register now says otherwise."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.excel import normalize as norm
from hotline_desk.models import Case, CaseEvent
from hotline_desk.services.cases.records import upstream_taken
from hotline_desk.services.exchange.import_preview import CasePreview, PreparedRow, Problem
from hotline_desk.services.exchange.register_rows import changed_parts, row_key
from hotline_desk.vocabulary import CaseState, EventKind, Source


def mark_duplicates(session: Session, preview: CasePreview, prepared: list[PreparedRow],
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
    # whose call is already a case here. One with an upper platform's number is told by that number instead: two
    # of the platform's cases may share a caller and a minute (_upstream_repeats).
    same, near = _same_calls(session, [p for p in prepared if p.key not in existing and not p.values["number"]
                                       and not p.values.get("upstream_number")])
    first: dict[str, int] = {}
    for line in sorted(keys):
        first.setdefault(keys[line], line)
    repeated: list[Problem] = []
    imported_again: list[tuple[PreparedRow, str]] = []
    by_line = {p.row: p for p in prepared}
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
            repeated.append(Problem(row.row, "工单编号", f"“{folded[row.key]}”是本库已有工单的编号：这一行多半来自"
                                                         "本库导出的表（如交办单或工单清单），不能再作为新工单导入；"
                                                         "如确是另一个数据库的工单（编号碰巧相同），把“工单编号”列选为"
                                                         "“不导入”再导入，编号由本库另行分配"))
        elif row.row in same:
            repeated.append(Problem(row.row, "诉求内容", f"与本库工单{same[row.row]}的来电时间和诉求内容相同"
                                                         "（重复导入，或本库导出的表），不能再作为新工单导入"))
        elif row.row in near:
            repeated.append(Problem(row.row, "诉求内容", f"与本库工单{near[row.row]}的来电时间和联系电话相同，诉求"
                                                         "内容却不同：多半是改过字句的同一件工单（已导入的请在本软件中"
                                                         "修改登记内容），不能再作为新工单导入"))
        elif first[row.key] != row.row:
            earlier = by_line.get(first[row.key])
            if earlier is not None and _same_call(row, earlier):  # the file repeats a row whole: taken once, said
                preview.listed_twice.append((row.row, earlier.row))
            else:
                repeated.append(_repeat(row.row, first[row.key], bool(row.values["number"])))
        else:
            preview.ready.append(row)
    repeated += _upstream_repeats(session, [row for row in preview.ready if row.key not in existing],
                                  preview.upstream_registered, preview.listed_twice)
    preview.duplicates += len(preview.upstream_registered) + len(preview.listed_twice)  # each said in the summary
    upstream_again = {problem.row for problem in repeated} | {line for line, _n, _c in preview.upstream_registered} \
        | {line for line, _earlier in preview.listed_twice}
    preview.ready = [row for row in preview.ready if row.row not in upstream_again]
    for row_number, _key, _when in refused:
        key = keys[row_number]
        if first[key] != row_number and key not in existing:
            repeated.append(_repeat(row_number, first[key], not key.startswith("#")))
    preview.problems = sorted([*preview.problems, *repeated], key=lambda p: p.row)
    preview.changed = _changed_since_import(session, imported_again)
    preview.imported_keys = [row.key for row, _number in imported_again]
    ready = {row.row for row in preview.ready}  # the notice speaks of the rows that go in as new cases only
    preview.renumbered = [line for line in preview.renumbered if line in ready]


def upstream_of(values: dict[str, Any], *, upper: bool) -> str:
    """A row's upper platform's number, in its one spelling: its own column, else an upper case's 工单编号 (a
    platform's list numbers its cases so). In a file with a 上级工单号 column, 工单编号 is the file's own number (an
    exported list's RZ2208-00005): an upper row blank there has no platform's number."""
    fallback = values["number"] if upper and not values.get("upstream_column") else ""
    return norm.upstream_number(values["upstream_number"] or fallback)


def _upstream_repeats(session: Session, rows: list[PreparedRow], registered: list[tuple[int, str, str]],
                      twice: list[tuple[int, int]]) -> list[Problem]:
    """New upper-level rows whose upper platform's number is a case here already, or an earlier row's of the file:
    one case counted once in 上级交办. A case here already (registered by hand before the platform's list came, or
    sent down again) goes into ``registered`` (row, the platform's number, the cases), not imported and not held
    back: the platform's next daily list repeats it, and as a problem it held back every day's whole file."""
    numbers = {row.row: upstream_of(row.values, upper=True) for row in rows
               if row.values.get("source") == Source.UPPER}
    rows_by_line = {row.row: row for row in rows}
    taken = upstream_taken(session, [n for n in numbers.values() if n])
    first: dict[str, int] = {}
    found: list[Problem] = []
    for line, number in sorted(numbers.items()):
        key = norm.upstream_key(number)
        if not number:  # as the registration form refuses it
            found.append(Problem(line, "上级工单号", "上级交办的工单缺少上级工单号（上级平台的工单编号）：请在文件的"
                                                      "“上级工单号”列补上" if rows_by_line[line].values.get(
                                                          "upstream_column") else
                                 "上级交办的工单缺少上级工单号（上级平台的工单编号）：请在文件中补上“上级工单号”或"
                                 "“工单编号”列"))
        elif key in taken:  # the platform's daily list repeats it: counted as registered, said, not held back
            registered.append((line, number, "、".join(taken[key])))
        elif (earlier := first.setdefault(key, line)) != line:
            if _same_call(rows_by_line[line], rows_by_line[earlier]):  # the list repeats a row whole: taken once
                twice.append((line, earlier))
                continue
            found.append(Problem(line, "上级工单号", f"与第 {earlier} 行的上级工单号相同，来电时间或诉求内容却不同："
                                                      "同一件上级交办事项只登记一次，请核对"))
    return found


def _same_call(row: PreparedRow, earlier: PreparedRow) -> bool:
    """Two rows of one file that say the same of one call, part for part (its time, its words, its handling)."""
    return row.values.get("registered_at") == earlier.values.get("registered_at") \
        and _words(row.values.get("content", "")) == _words(earlier.values.get("content", "")) \
        and row.values.get("row_digest") == earlier.values.get("row_digest")


def _repeat(row: int, earlier: int, numbered: bool) -> Problem:
    if numbered:
        return Problem(row, "工单编号", f"与第 {earlier} 行重复（编号和来电时间相同）")
    return Problem(row, "诉求内容", f"与第 {earlier} 行重复（来电时间和诉求内容相同）")


# The steps that, registered here after a case's import, answer a part of its register that has changed since: the
# clerk did what the notice asks (签收, 回复, 回访 or 修改), and the next copy of the register is not noticed again.
_ANSWERED_BY: dict[str, frozenset[EventKind]] = {
    "登记内容": frozenset({EventKind.EDIT, EventKind.ERASE}),
    "交办": frozenset({EventKind.COORDINATE, EventKind.PROPOSE, EventKind.APPROVE, EventKind.SIGN, EventKind.WITHDRAW,
                     EventKind.RETURN_REQUEST, EventKind.RETURN_ACCEPT, EventKind.RETURN_DECLINE,
                     EventKind.EXTENSION_REQUEST, EventKind.EXTENSION_ACCEPT, EventKind.EXTENSION_DECLINE}),
    "回复和办结": frozenset({EventKind.COORDINATE, EventKind.REPLY, EventKind.REPLY_UNDONE}),
    "回访": frozenset({EventKind.FOLLOWUP, EventKind.FOLLOWUP_UNDONE, EventKind.REVIEW}),
    "备注": frozenset({EventKind.EDIT}),
    "上级办理时限": frozenset({EventKind.EDIT}),
    "紧急程度": frozenset({EventKind.EDIT}),
}


def _changed_since_import(session: Session, rows: list[tuple[PreparedRow, str]]) -> list[tuple[int, str, list[str]]]:
    """Rows imported before whose register now says otherwise (a 办结时间 or 回访 added since): row, case, parts. A
    part answered by a step registered here since the import (not by the import itself) is not named again."""
    digests: dict[str, str] = {}
    batches: dict[str, int | None] = {}
    since: dict[str, set[str]] = {}  # case → the kinds of its steps after the import, not from that import
    numbers = [number for _row, number in rows]
    for start in range(0, len(numbers), 500):
        steps = session.execute(
            select(Case.number, CaseEvent.kind, CaseEvent.batch_id, CaseEvent.data)
            .join(CaseEvent, CaseEvent.case_id == Case.id)
            .where(Case.number.in_(numbers[start:start + 500])).order_by(CaseEvent.case_id, CaseEvent.seq))
        for number, kind, batch, data in steps:
            if kind == EventKind.REGISTER:
                kept = json.loads(data).get("row") if data else None
                if isinstance(kept, str):
                    digests[number], batches[number] = kept, batch
            elif number in digests and (batch is None or batch != batches[number]):
                since.setdefault(number, set()).add(kind)
    changed = []
    for row, number in rows:
        if number not in digests:
            continue
        done = since.get(number, set())
        parts = [part for part in changed_parts(digests[number], row.values["row_digest"])
                 if not _ANSWERED_BY[part] & done]
        if parts:
            changed.append((row.row, number, parts))
    return changed


def voided_here(session: Session, rows: list[tuple[int, dict[str, Any]]]) -> list[tuple[int, str, str]]:
    """Rows whose 状态 says 作废 or 撤销 that are a case here still in force: by the row's key and call, or by its
    upper platform's number (a platform withdraws a case it sent down): (row, the 状态 as written, the cases)."""
    keys = {line: row_key(values) for line, values in rows}
    calls = {line: values.get("registered_at") for line, values in rows}
    dated = {line: _dated_key(key, at) for line, key in keys.items() if (at := calls[line]) is not None}
    existing = _imported(session, set(keys.values()) | set(dated.values()))
    numbers = {line: upstream_of(values, upper=values.get("source") == Source.UPPER) for line, values in rows}
    taken = upstream_taken(session, [n for n in numbers.values() if n])
    found: dict[int, list[str]] = {}
    for line, _values in rows:
        called = calls[line]
        for key in (keys[line], dated.get(line)):
            if key in existing and (called is None or abs(existing[key][1] - called) < timedelta(minutes=1)):
                found.setdefault(line, []).append(existing[key][0])
        found.setdefault(line, []).extend(taken.get(norm.upstream_key(numbers[line]), []) if numbers[line] else [])
    cases = sorted({number for numbers_here in found.values() for number in numbers_here})
    in_force: set[str] = set()
    for start in range(0, len(cases), 500):
        in_force |= set(session.scalars(select(Case.number).where(Case.number.in_(cases[start:start + 500]),
                                                                  Case.state != CaseState.VOIDED)))
    said = dict(rows)
    return [(line, said[line]["voided"], "、".join(dict.fromkeys(n for n in found[line] if n in in_force)))
            for line, _values in rows if any(n in in_force for n in found.get(line, []))]


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
