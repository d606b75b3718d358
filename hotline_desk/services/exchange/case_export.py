"""Exporting a case list: the filtered cases as a workbook, personal data masked unless asked for."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.errors import ValidationError
from hotline_desk.excel.case_export import write_rows
from hotline_desk.models import Case, Channel, Unit
from hotline_desk.services.accounts import anchors, audit
from hotline_desk.services.cases.case_query import CaseFilter, search_ids
from hotline_desk.services.cases.events import sent_back_among
from hotline_desk.services.cases.history import STATES, state_label
from hotline_desk.services.cases.queues import CONFIDENTIAL, mask_name, mask_phone
from hotline_desk.services.reporting.monthdata import parse_month
from hotline_desk.vocabulary import CaseState

# 渠道 (the line or platform by name) rather than 来源 (本级, 上级交办), which it implies: a register's 来源 column is
# its 渠道, and an export read back by the import reads as the channel it names.
HEADER = ("工单编号", "来电时间", "渠道", "状态", "来电人", "联系电话", "地址", "诉求类型", "问题分类", "标题",
          "诉求内容", "承办单位")


@dataclass(frozen=True)
class ExportedCases:
    """The workbook, and how many cases it lists (said to the person: an empty month is a header alone)."""

    data: bytes
    count: int


def export_cases(session: Session, case_filter: CaseFilter, *, now: datetime, reveal: bool = False,
                 user_id: int | None = None, save: Callable[[bytes], object] | None = None,
                 progress: Callable[[int, int], None] | None = None) -> ExportedCases:
    """The cases as a workbook; an export that shows callers' names and phones is recorded in the audit trail.

    ``save`` writes the workbook where it goes: the export is logged (anchor log, audit trail) only once it is
    saved, so one a full disk stopped is not recorded as made; its error passes on, the session's records with it.
    ``progress(done, total)`` is told as the cases are read. More cases than a worksheet holds are refused."""
    if case_filter.month:
        year, month = parse_month(case_filter.month)  # a mistyped month is refused, not exported as an empty list
        case_filter = replace(case_filter, month=f"{year:04d}-{month:02d}")
    if case_filter.state and case_filter.state not in STATES:
        raise ValidationError(f"没有状态“{case_filter.state}”，可选：{'、'.join(STATES)}。", field="state")
    ids = search_ids(session, case_filter, now=now, descending=False)
    if len(ids) > SHEET_ROWS:
        raise ValidationError(f"符合条件的工单有 {len(ids):,} 件，超过 Excel 一个工作表能容纳的 {SHEET_ROWS:,} 行，"
                              "未导出。请按月份、状态或单位分几次导出。")
    anchor = anchors.current(session)
    exported = ExportedCases(write_rows("工单清单", HEADER, _rows(session, ids, reveal, progress),
                                        anchor=anchors.tag(anchor)), len(ids))
    if save is not None:
        save(exported.data)
    with contextlib.suppress(OSError):  # beside a database on a read-only share: the workbook carries the anchor
        anchors.append_log(anchors.log_path(session), anchor, f"导出工单清单 {len(ids)} 件", now)
    if reveal:
        audit.record(session, "export", "export:cases", {"filter": asdict(case_filter), "cases": len(ids),
                                                         "personal_data": True}, user_id=user_id, at=now)
    return exported


SHEET_ROWS = 1_048_575  # an Excel worksheet's rows, the header's aside
_CHUNK = 500
_LISTED = (Case.id, Case.number, Case.registered_at, Case.channel_id, Case.state, Case.confidential, Case.caller_name,
           Case.phone, Case.address, Case.appeal_type_name, Case.category_label, Case.title, Case.content,
           Case.main_unit_id)


def _rows(session: Session, ids: list[int], reveal: bool,
          progress: Callable[[int, int], None] | None) -> Iterator[tuple[Any, ...]]:
    """The export's rows in the list's order (by 来电时间, not by entry), read a part at a time as they are written."""
    units = {u.id: u.name for u in session.scalars(select(Unit))}
    channels = {c.id: c.name for c in session.scalars(select(Channel))}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        place = {case_id: i for i, case_id in enumerate(chunk)}
        cases = sorted(session.execute(select(*_LISTED).where(Case.id.in_(chunk))).all(), key=lambda c: place[c.id])
        back = sent_back_among(session, [c.id for c in cases if c.state == CaseState.REGISTERED])
        for c in cases:
            state = state_label(c.state, sent_back=c.id in back)
            # A 保密 caller is not named even in part (李** with 139****2222 points at one person), as on the 交办单.
            name, phone = ((CONFIDENTIAL, CONFIDENTIAL) if c.confidential
                           else (c.caller_name, c.phone) if reveal else (mask_name(c.caller_name), mask_phone(c.phone)))
            yield (c.number, c.registered_at, channels.get(c.channel_id or 0, ""), state, name, phone, c.address,
                   c.appeal_type_name, c.category_label, c.title, c.content, units.get(c.main_unit_id or 0, ""))
        if progress is not None:
            progress(start + len(chunk), len(ids))
