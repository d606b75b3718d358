"""Dispatch sheets out to units: each unit's open cases as a signed workbook (and a printable PDF), saved beside
an earlier export of the same day rather than over it."""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.errors import (
    RENAME_OR_UTF8,
    HotlineError,
    NotFound,
    ValidationError,
    beyond_local_encoding,
    os_reason,
    unwritable,
)
from hotline_desk.excel.dispatch_sheet import DispatchRow, DispatchSheet, write_dispatch_workbook
from hotline_desk.models import Case, CaseEvent, Unit
from hotline_desk.reports.document import Table
from hotline_desk.reports.fonts import FontSet, find_fonts, undrawable, undrawable_words
from hotline_desk.reports.table_pdf import build_tables
from hotline_desk.services.accounts import anchors
from hotline_desk.services.cases.events import half_imported, statuses_for
from hotline_desk.services.cases.queues import CONFIDENTIAL
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.exchange import sheet_signing
from hotline_desk.services.files import file_stem, save_file
from hotline_desk.services.office.settings import Settings
from hotline_desk.vocabulary import URGENT_MARK, DispatchRole, EventKind, ReviewResult
from hotline_desk.wording import first_few

logger = logging.getLogger(__name__)


def dispatch_sheet(session: Session, unit_id: int, now: datetime) -> DispatchSheet:
    """The unit's open cases (signed or not, not yet replied), oldest first.

    The caller's name and phone are shown only to units that need them, and never for 保密 cases.
    """
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("承办单位不存在。")
    unfinished = half_imported(session)  # a unit's reply to one could not be taken
    cases = [c for c in session.scalars(select(Case).where(Case.state.in_(("dispatched", "in_progress")))
                                        .order_by(Case.registered_at)) if c.id not in unfinished]
    statuses = statuses_for(session, [c.id for c in cases])
    names = dict(session.execute(select(Unit.id, Unit.name)).all())
    recalls = _recalls(session, [c.id for c in cases])
    rows = []
    for case in cases:
        status = statuses[case.id]
        mine = status.dispatch_for(unit_id)
        if mine is None or mine.replied_at is not None:
            continue
        secret = case.confidential or not unit.needs_caller
        content = case.content
        if mine.role == DispatchRole.ASSIST:  # the unit helps: it should know so, and who leads
            main = status.main_dispatch
            content = f"【协办，主办单位：{names.get(main.unit_id, '') if main else ''}】{content}"
        elif helpers := [names.get(d.unit_id, "") for d in status.current_dispatches
                         if d.role == DispatchRole.ASSIST]:  # the unit leads: whom to work with
            content = f"【主办，协办单位：{'、'.join(helpers)}】{content}"
        if mine.extension_granted_days:  # the 办理期限 column already has the extension in it: say why it moved
            content = f"【已同意延期{mine.extension_granted_days}个工作日】{content}"
        if (last := status.followups[-1] if status.followups else None) is not None \
                and last.review == ReviewResult.UNIT_FAULT and mine.role == DispatchRole.MAIN:
            # Back from a 不满意 follow-up judged the unit's doing: the unit should know it is a 重办, and why.
            said = f"：群众意见“{last.note.strip()}”" if last.note.strip() else ""
            content = f"【重办（{last.at:%m-%d}回访不满意，甄别为承办单位责任）{said}】{content}"
        if said := _called_again(recalls.get(case.id, []), mine.dispatched_at):
            content = f"{said}{content}"
        if case.upstream_deadline is not None and mine.deadline is not None and case.upstream_deadline < mine.deadline:
            # the platform's own limit is earlier than the office's: the unit is to finish by it
            content = (f"【上级办理时限{case.upstream_deadline:%m-%d %H:%M}已过，请尽快办结】{content}"
                       if case.upstream_deadline < now else
                       f"【上级办理时限{case.upstream_deadline:%m-%d %H:%M}，请在此前办结】{content}")
        if mine.deadline is not None and mine.deadline < now:  # a printed sheet has no colour to say so
            content = f"【已超过办理期限】{content}"
        if status.supervised:
            content = f"【督办】{content}"
        if case.urgent:
            content = f"{URGENT_MARK}{content}"
        if mine.extension_requested_at is not None:  # asked already: not asked again on the reprinted sheet
            content = (f"【{mine.extension_requested_at:%m-%d}已申请延期{mine.extension_requested_days}个工作日，"
                       f"待审批】{content}")
        if mine.return_requested_at is not None:  # it cannot be replied to until the return is ruled on
            content = f"【{mine.return_requested_at:%m-%d}已申请退单，待审批，暂不能回复】{content}"
        rows.append(DispatchRow(
            number=case.number, registered_at=case.registered_at, category=case.category_label, content=content,
            caller=CONFIDENTIAL if secret else case.caller_name, caller_phone=CONFIDENTIAL if secret else case.phone,
            address=case.address, deadline=mine.deadline, signed_at=mine.signed_at, dispatched_at=mine.dispatched_at,
        ))
    title = f"{Settings(session).str('office.name')}交办单"
    return DispatchSheet(title=title, unit_id=unit.id, unit_name=unit.name, exported_at=now, rows=tuple(rows))


def _recalls(session: Session, case_ids: list[int]) -> dict[int, list[tuple[datetime, str]]]:
    """Each case's 再次来电, in order: when, and what the citizen said."""
    found: dict[int, list[tuple[datetime, str]]] = {}
    for start in range(0, len(case_ids), 500):
        for case_id, at, note in session.execute(
                select(CaseEvent.case_id, CaseEvent.at, CaseEvent.note)
                .where(CaseEvent.kind == EventKind.RECALL, CaseEvent.case_id.in_(case_ids[start:start + 500]))
                .order_by(CaseEvent.case_id, CaseEvent.seq)):
            found.setdefault(case_id, []).append((at, note))
    return found


def _called_again(recalls: list[tuple[datetime, str]], since: datetime | None) -> str:
    """The citizen's calls since the unit had the case, for it to know it is chased and what was said: "" if none."""
    after = [(at, note) for at, note in recalls if since is None or at >= since]
    if not after:
        return ""
    at, note = after[-1]
    times = f"{len(after)}次，最近一次" if len(after) > 1 else ""
    words = " ".join(note.split()).replace("【", "[").replace("】", "]")  # the mark ends at its own 】 only
    said = f"：{words}" if words else ""
    return f"【群众再次来电{times}{at:%m-%d %H:%M}{said}】"


def units_with_open_cases(session: Session) -> list[int]:
    unfinished = half_imported(session)
    cases = [case_id for case_id in session.scalars(select(Case.id).where(Case.state.in_(("dispatched",
                                                                                          "in_progress"))))
             if case_id not in unfinished]
    units = {d.unit_id for s in statuses_for(session, cases).values() for d in s.current_dispatches
             if d.replied_at is None}
    order = {u.id: (u.group != "township", u.display_order) for u in session.scalars(select(Unit))}
    return sorted(units, key=lambda u: order.get(u, (True, 999)))


def export_dispatch(session: Session, unit_id: int | None, directory: Path, *, user_id: int | None,
                    pdf: bool = False, clock: Clock = office_now, failures: list[str] | None = None,
                    notes: list[str] | None = None) -> list[Path]:
    """Write the dispatch workbook (and, if asked, a printable PDF) for one unit or every unit with open cases. Each
    sheet carries its callers' names and phones (a 保密 case's aside), so each is recorded as 导出个人信息 by
    ``user_id``.

    With ``failures`` given, a unit whose files cannot be written is listed there and the others still go out.
    ``notes`` gets what a PDF cannot show (a character no font has, printed as an empty box).
    """
    now = clock()
    targets = [unit_id] if unit_id is not None else units_with_open_cases(session)
    written: list[Path] = []
    sheets = [dispatch_sheet(session, target, now) for target in targets]
    if unit_id is not None and not sheets[0].rows:  # refused before any folder is made for it
        raise ValidationError(f"{sheets[0].unit_name}当前没有在办工单（已交办、尚未回复的），没有可导出的交办单。")
    if sheets:
        _folder(directory)
    fonts = find_fonts(Settings(session).str("bulletin.font_dir")) if pdf else None
    taken: set[str] = set()
    for target, sheet in zip(targets, sheets, strict=True):
        name = _beside(directory, unique_file_name(f"交办单-{sheet.unit_name}-{now:%Y%m%d}", target, taken))
        try:
            written += _export_one(session, sheet, directory / name, fonts, now)
            if revealed := sum(row.caller_phone != CONFIDENTIAL for row in sheet.rows):
                anchors.record_personal_export(session, DISPATCH_EXPORT, {"unit": sheet.unit_name}, revealed,
                                               user_id=user_id, at=now)
            if fonts is not None and notes is not None and (said := _undrawable(sheet, fonts)):
                notes.append(said)
        except Exception as exc:
            if failures is None:
                raise
            if isinstance(exc, HotlineError):  # expected trouble: the message says what to do
                reason = exc.message
            elif beyond_local_encoding(exc):  # a unit's name a GBK station cannot give a file
                reason = f"{unwritable('单位名称')}，用不作文件名：{RENAME_OR_UTF8}"
            else:  # a bug: kept with its traceback in the log (which the command line prints as 错误)
                logger.exception("单位 %s 的交办单未能导出（程序错误）", target)
                reason = f"程序错误 {type(exc).__name__}，详情已记入日志"
            failures.append(f"{sheet.unit_name}：交办单未能导出（{reason}）")
    return written


DISPATCH_EXPORT = "export:dispatch"  # the audit trail's entity of a unit's sheet written out

def unique_file_name(stem: str, unit_id: int, taken: set[str]) -> str:
    """A file name every system accepts (no / \\ : * ? " < > | or control characters), unique within ``taken``
    (compared as Windows does, ignoring case); a unit whose name collides gets its id added."""
    safe = file_stem(stem, f"交办单-{unit_id}")
    if safe.casefold() in taken:
        safe = f"{safe}-{unit_id}"
    taken.add(safe.casefold())
    return safe


def _folder(directory: Path) -> None:
    """The folder the sheets go to: made if missing, but only inside a folder that is there. A shared folder not
    connected this morning must not become a local one the export then reports as done."""
    try:
        if directory.exists() and not directory.is_dir():
            raise ValidationError(f"“{directory}”是一个文件，不是文件夹，交办单无法保存在那里。请另选一个文件夹。")
        if not directory.parent.exists():  # (one that is a file is said below, by the system's refusal)
            raise ValidationError(f"文件夹“{directory.parent}”不存在（共享文件夹是否已连接？），交办单未导出。"
                                  "请先连接或建立该文件夹，或另选一个文件夹。")
        directory.mkdir(exist_ok=True)
    except OSError as exc:
        raise ValidationError(f"无法建立文件夹 {directory}：{os_reason(exc)}。请另选一个文件夹。") from exc


def _beside(directory: Path, stem: str) -> str:
    """A second export on the same day does not overwrite the first (it may be out with the unit, being filled):
    交办单-纸坊镇-20261204-2, -3 …"""
    name, n = stem, 1
    while any(_there(directory / f"{name}{ext}") for ext in (".xlsx", ".pdf")):
        n += 1
        name = f"{stem}-{n}"
    return name


def earlier_copy(path: Path, written: list[Path]) -> Path | None:
    """The file of the same unit and day that an earlier export left and ``path`` was saved beside (…-2), if any."""
    stem, dash, n = path.stem.rpartition("-")
    if not dash or not n.isdigit():
        return None
    earlier = path.with_name(stem + path.suffix)
    return earlier if earlier not in written and _there(earlier) else None


def _there(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long to ask about: writing it says so, in words
        return False


def _export_one(session: Session, sheet: DispatchSheet, base: Path, fonts: FontSet | None,
                now: datetime) -> list[Path]:
    # The anchor goes into the files, and into the anchor log once they are written: an export a full disk stopped
    # is not logged as made.
    anchor = anchors.current(session)
    written = [_sheet_file(base.with_name(base.name + ".xlsx"),
                      write_dispatch_workbook(sheet, anchor=anchors.tag(anchor), signature=sheet_signing.sign(
                          session, sheet.unit_id, sheet.unit_name, sheet.exported_at.isoformat(), now)))]
    try:
        written += _paper(sheet, base, fonts, now)
    except BaseException:  # the unit's sheet goes whole (workbook and PDF) or not at all: no “-2” beside a half
        for path in written:
            path.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # beside a database on a read-only share: the files carry the anchor
        anchors.append_log(anchors.log_path(session), anchor, f"导出交办单 {sheet.unit_name}", now)
    return written


def _undrawable(sheet: DispatchSheet, fonts: FontSet) -> str:
    """What the sheet's PDF prints as empty boxes, and in which cases ("" when nothing)."""
    found = {r.number: undrawable(f"{r.content}{r.address}{r.caller}{r.caller_phone}", fonts) for r in sheet.rows}
    missing = list(dict.fromkeys(c for chars in found.values() for c in chars))
    if not missing:
        return ""
    numbers = [number for number, chars in found.items() if chars]
    where = f"{sheet.unit_name}的交办单 PDF（{first_few(numbers, 5)}）"
    return undrawable_words(missing, where) + "Excel 交办单中的文字完整。"


# 工单编号, 来电时间, 诉求内容, 来电人及电话, 办理期限 and the unit's own part across a landscape A4 page (267 mm inside
# the margins): a date, a mobile number or 0375-12345678 just fits its column at 小四 with the cell padding, and the
# unit's part holds a blank to fill in a line (签收：__月__日__时__分).
PAPER_WIDTHS_MM = (31, 26, 91, 33, 26, 60)

# The unit's part of a printed row, to fill in by hand: each time to the minute (签收 counts in hours, 办结 against a
# deadline to the minute), the result as on the Excel sheet's list, who handled it, and room for the reply. What a
# clerk types back from it is what the reply sheet has in its columns.
BLANK_TIME = "__月__日__时__分"
WRITING_LINE = "＿" * 12  # a line to write on: blank lines at a cell's end were dropped, leaving no room at all
TO_FILL = ("办结：" + BLANK_TIME, "结果：□已解决 □部分解决", "　　　□未解决 □已答复解释", "经办人：",
           "电话：", "回复或退单、延期理由：", WRITING_LINE, WRITING_LINE)


def _unit_part(row: DispatchRow) -> str:
    """The last column of a printed row: a signing already recorded is printed, not asked again."""
    signed = f"已签收：{row.signed_at:%m-%d %H:%M}" if row.signed_at else "签收：" + BLANK_TIME
    return "\n".join((signed, *TO_FILL))


def _paper(sheet: DispatchSheet, base: Path, fonts: FontSet | None, now: datetime) -> list[Path]:
    """The printable PDF of the sheet, when asked for (``fonts``)."""
    written: list[Path] = []
    if fonts is not None:
        # The address goes with the request (where the unit is to go), as the Excel sheet has it in its own column.
        # Dates with their year: a sheet printed in January for December's cases must not read as the new year's.
        rows = tuple((r.number, f"{r.registered_at:%Y-%m-%d\n%H:%M}",
                      r.content + (f"（地址：{r.address}）" if r.address else ""),
                      "\n".join(part for part in (r.caller, r.caller_phone) if part),
                      f"{r.deadline:%Y-%m-%d\n%H:%M}" if r.deadline else "", _unit_part(r)) for r in sheet.rows)
        header = ("工单编号", "来电时间", "诉求内容", "来电人及电话", "办理期限", "签收和办理情况（手写）")
        # The request takes the room: a time goes on two lines (the date, then the hour), as the caller's phone
        # goes under the name; a 2,500-character complaint in a 66 mm column had taken seven pages.
        table = Table(sheet.title, header, rows, col_widths_mm=PAPER_WIDTHS_MM)
        subtitle = (f"承办单位：{sheet.unit_name}　导出时间：{now:%Y-%m-%d %H:%M}　共 {len(rows)} 件　"
                    "签收、办结时间请写到分")
        written.append(_sheet_file(base.with_name(base.name + ".pdf"),
                              build_tables([table], fonts, sheet.title, wide=True, subtitle=subtitle,
                                           running=f"{sheet.title}　承办单位：{sheet.unit_name}　"
                                                   f"导出时间：{now:%Y-%m-%d %H:%M}", closing=SIGN_OFF)))
    return written


# Under the printed sheet's last case: the unit signs and stamps it, for a sheet faxed back to be the unit's word.
SIGN_OFF = "承办单位签收人：＿＿＿＿＿＿　签收时间：＿＿月＿＿日＿＿时＿＿分　联系电话：＿＿＿＿＿＿＿＿　（单位盖章）"


def _sheet_file(path: Path, data: bytes) -> Path:
    """A sheet holds its callers' names and phones: written readable by this user only (see ``write_file``)."""
    return save_file(path, data, personal=True)

