"""Writes a month of cases as an office's clerks keep their register (台账) in Excel, for the import tests.

A merged title row and a subtitle above the header; channels as the office says them (热线, 12345热线, 12345);
units in full forms (市公安局, 汝州市公安局, …镇人民政府, …街道办事处); register numbers and phones as numbers; dates
in several formats; a few categories under the office's own names; 办理期限; 延期 and 退单 written in 备注; the upper
platform's number in 上级工单号; 诉求类型 left blank on some 其它 rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.models import Case, CaseEvent, Channel, Unit
from hotline_desk.services.cases.history import CaseStatus, DispatchStatus
from hotline_desk.services.reporting.monthdata import _replay as replay_cases
from hotline_desk.services.reporting.monthdata import load_month, month_end

HEADER = ("序号", "工单编号", "上级工单号", "来电时间", "渠道", "来电人", "联系电话", "地址", "所属乡镇", "诉求类型",
          "问题分类", "诉求内容", "办理方式", "承办单位", "交办时间", "签收时间", "办理期限", "回复时间", "办结时间",
          "回复内容", "回访结果", "回访时间", "甄别结果", "备注")
LOCAL_NAMES = ("热线", "12345热线", "12345")
UPPER_NAMES = {"平顶山市“民呼必应”平台": "平顶山民呼必应平台"}
RESULTS = {"satisfied": "满意", "basic": "基本满意", "dissatisfied": "不满意", "unreachable": "未回访"}
# Categories this office files under its own names: one it will create, one it will map to the app's entry.
OWN_CATEGORIES = {"城市管理—停车管理": "城市管理—停车难", "交通运输—出租车": "出租车管理"}


@dataclass
class RegisterInfo:
    """What the written register holds that the import must be told about."""

    rows: int = 0
    channels: set[str] = field(default_factory=set)
    own_categories: dict[str, int] = field(default_factory=dict)
    blank_types: int = 0
    extensions: int = 0
    returns: int = 0


def full_unit_name(name: str, group: str, n: int) -> str:
    """How a clerk writes a unit: 纸坊镇人民政府, 煤山街道办事处, 市公安局 or 汝州市公安局."""
    if group == "township":
        return name + ("办事处" if name.endswith("街道") else "人民政府")
    if name.endswith("局"):
        return ("市", "汝州市", "")[n % 3] + name
    return name


def _when(moment: datetime | None, n: int) -> object:
    """The same moment written four ways (seconds kept, so 24-hour limits read the same)."""
    if moment is None:
        return None
    style = n % 4
    if style == 0:
        return moment
    if style == 1:
        return f"{moment.year}年{moment.month}月{moment.day}日{moment:%H:%M:%S}"
    if style == 2:
        return f"{moment.year}/{moment.month}/{moment.day} {moment:%H:%M:%S}"
    return f"{moment:%Y-%m-%d %H:%M:%S}"


def _first_of(status: CaseStatus, last: DispatchStatus) -> DispatchStatus:
    """The unit's first 主办 dispatch of the case (its 响应 is judged on it), not a returned one."""
    for d in status.dispatches:
        if d.unit_id == last.unit_id and d.role == "main" and d.status != "returned":
            return d
    return last


def _remark(status: CaseStatus, units: dict[int, tuple[str, str]]) -> tuple[str, bool, bool]:
    notes, extended, returned = [], False, False
    for d in status.dispatches:
        if d.status == "returned":
            notes.append(f"{units[d.unit_id][0]}退单，已改派")
            returned = True
        if d.extension_granted_days:
            notes.append(f"延期{d.extension_granted_days}个工作日，延至{d.deadline:%Y年%m月%d日}")
            extended = True
    return "；".join(notes), extended, returned


def _upstream(number: str, shift: timedelta) -> str:
    """An upper case's number in "next month's" register: the platform sends new cases under new numbers."""
    return f"{number}-{shift.days}" if number and shift else number


def write_register(session: Session, month: str, path: Path, *, shift: timedelta = timedelta(0),
                   number_base: int = 2207000000) -> RegisterInfo:
    """Write every case of ``month`` (as of the month's end) to ``path``; ``shift`` moves every date (to make
    "next month's" register from the same cases)."""
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.month == month))}
    # A register's 办理期限 is the deadline the unit was given (a 延期 is written in 备注).
    given: dict[tuple[int, int], datetime] = {}
    for case_id, unit_id, data in session.execute(
            select(CaseEvent.case_id, CaseEvent.unit_id, CaseEvent.data).join(Case, Case.id == CaseEvent.case_id)
            .where(Case.month == month, CaseEvent.kind == "approve").order_by(CaseEvent.id)):
        given.setdefault((case_id, unit_id), datetime.fromisoformat(json.loads(data)["deadline"]))
    channels = {c.id: (c.name, c.upper) for c in session.scalars(select(Channel))}
    units = {u.id: (u.name, u.group) for u in session.scalars(select(Unit))}
    info = RegisterInfo()
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["汝州市12345民呼必应热线工单登记台账"])
    sheet.append([f"（{month[:4]}年{int(month[5:])}月）", "", "", "", "", "", "", "", "", "", "", "", "制表：热线办"])
    sheet.append(list(HEADER))
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))

    def at(moment: datetime | None, n: int) -> object:
        return _when(moment + shift if moment else None, n)

    listed = load_month(session, month, month_end(month), replay_always=True)
    statuses = replay_cases(session, [mc.id for mc in listed], month_end(month))
    for n, mc in enumerate(listed, 1):
        case, st = cases[mc.id], statuses[mc.id]
        channel, upper = channels.get(case.channel_id or 0, ("", False))
        written_channel = UPPER_NAMES.get(channel, channel) if upper else LOCAL_NAMES[n % 3]
        info.channels.add(written_channel)
        appeal = case.appeal_type_name
        if appeal == "其它" and n % 7 == 0:
            appeal = ""
            info.blank_types += 1
        category = OWN_CATEGORIES.get(case.category_label, case.category_label)
        if category != case.category_label:
            info.own_categories[category] = info.own_categories.get(category, 0) + 1
        last = st.main_dispatch
        first = _first_of(st, last) if last else None
        followup = st.last_followup
        review = ""
        if followup and followup.result == "dissatisfied" and followup.review:
            review = "非承办单位责任" if followup.review == "not_fault" else "属承办单位责任"
        remark, extended, returned = _remark(st, units)
        info.extensions += extended
        info.returns += returned
        done = (last.finished_at or last.replied_at) if last else (st.handled_at if st.handled else None)
        town = units.get(case.township_id or 0)
        sheet.append([
            n, number_base + n, _upstream(case.upstream_number or (f"PDS{number_base + n}" if upper else ""), shift),
            at(case.registered_at, n), written_channel, case.caller_name,
            int(case.phone) if case.phone.isdigit() else case.phone, case.address,
            full_unit_name(town[0], town[1], n) if town else "", appeal, category, case.content,
            "交办处理" if st.handling == "dispatch" else "协调办理",
            full_unit_name(*units[last.unit_id], n) if last else "",
            at(first.dispatched_at, n) if first else None, at(first.signed_at, n + 1) if first else None,
            at(given.get((case.id, last.unit_id), last.deadline), n + 2) if last else None,
            at(last.replied_at, n + 3) if last else None,
            at(done, n), last.reply_text if last else "已答复",
            RESULTS.get(followup.result, "") if followup else "", at(followup.at, n + 1) if followup else None,
            review, remark,
        ])
        info.rows += 1
    book.save(path)
    return info
