"""Units' filled-in dispatch sheets back in: every row checked as signing and replying would check it, then
recorded as sign and reply events."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.errors import ChangedBehindTheApp, ValidationError
from hotline_desk.excel import normalize as norm
from hotline_desk.excel.dispatch_sheet import CASE_COLUMNS, CHECK_COLUMN, KEY_MARK, KEY_SHEET, REPLY_COLUMNS, row_keys
from hotline_desk.excel.reader import (
    ImportFileError,
    NotAWorkbook,
    read_workbook,
    refuse_too_long,
)
from hotline_desk.excel.safe import as_compared
from hotline_desk.models import AppealType, Case, CaseEvent, ImportBatch
from hotline_desk.services.accounts import audit
from hotline_desk.services.accounts.permissions import Actor, require
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.day_alone import day_only_note, on_the_day, undecided_day
from hotline_desk.services.cases.deadlines import flag_words
from hotline_desk.services.cases.events import statuses_for
from hotline_desk.services.cases.history import CaseStatus
from hotline_desk.services.cases.step_runner import load_limits, load_units
from hotline_desk.services.cases.steps import (
    NOT_OURS,
    STEPS,
    Sign,
    StepContext,
    asks_instead,
    reply_content_problems,
    run_in_memory,
)
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.exchange.dispatch_export import dispatch_sheet
from hotline_desk.services.exchange.hints import WINDOW, ImportHints
from hotline_desk.services.exchange.import_preview import Problem
from hotline_desk.services.exchange.reply_sheet import (
    case_numbers,
    dropped_words,
    header_at,
    merged_replies,
    moved_cells,
    moved_here,
    reference_edits,
    row_cells,
    sheet_columns,
    sheet_unit,
    table_end,
    unmarked,
    unread_notes,
)
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.services.reporting.monthdata import final_months
from hotline_desk.vocabulary import OPEN_DISPATCH_STATES, Action, DispatchRole, EventKind, Role


@dataclass(frozen=True)
class ReplyRow:
    row: int
    case_id: int
    number: str
    sign_at: datetime | None  # None: already signed
    reply: wf.Reply | None
    reply_at: datetime | None
    sign_note: str = ""  # the unit wrote only the day of the dispatch: the time was set, and the history says so


@dataclass
class ReplyPreview:
    file_name: str
    sha256: str
    unit_id: int
    unit_name: str
    ready: list[ReplyRow] = field(default_factory=list)
    unchanged: int = 0
    differing: int = 0  # rows whose sign or reply differs from the one already recorded, not taken (said in notes)
    blank: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was read but not taken, what the sheet lacks
    final_months: list[str] = field(default_factory=list)  # months with a finalised bulletin the steps fall in
    # Rows with a problem whose case this database does not hold as the sheet has it (no such number, or the number
    # another call's now): a mistyped number, or a database restored to a backup older than the sheet.
    unmatched: list[int] = field(default_factory=list)

    def summary(self) -> str:
        rows = len({p.row for p in self.problems})
        text = (f"{self.unit_name}：可登记 {len(self.ready)} 件，已登记过 {self.unchanged} 件，"
                f"未填写 {self.blank} 件，有问题 {rows} 行。")
        if self.differing:
            text += f"有 {self.differing} 件表中所写与已登记的签收或回复不同，未采用，请核对（见下）。"
        if rows:
            text += ("有问题的行整行不登记（其中填写的签收时间也不登记）；有问题的行时，须选择只登记无问题的行，"
                     "否则一件也不登记。")
        if self.final_months:
            text += (f"注意：{'、'.join(self.final_months)} 的简报已定稿，登记后该月的统计和考核会随之改变，"
                     "与已定稿的简报不一致。")
        return text + "".join(f"\n· {note}" for note in self.notes)  # each on its own line, to be read one by one


def preview_replies(session: Session, path: Path, *, clock: Clock = office_now, hints: ImportHints = WINDOW
                    ) -> ReplyPreview:
    """Match the filled sheet by case number and check every row; nothing is written. ``hints`` words where a file
    that is no dispatch sheet should go instead (the window's button or the command).

    Columns are found by their names (a unit may add a column, or a line above the table); a row whose 来电时间 or
    诉求内容 is not its case's (the 工单编号 column sorted on its own) is refused, as is every row of a case filled
    in twice."""
    try:
        book = read_workbook(path)
    except NotAWorkbook as exc:  # saved as CSV on the way: saving it back as .xlsx would not bring its key back
        raise NotAWorkbook(f"“{path.name}”不是 Excel 工作簿（可能被另存成了 CSV 或文本文件），未导入。交办单须在原样"
                           "导出的 .xlsx 文件上填写：另存为 CSV 后再转回 .xlsx 也会丢失交办单的隐藏标识，同样无法导入。"
                           "请让单位在原样导出的交办单上填写后发回。") from exc
    key = next((s for s in book.sheets if s.name == KEY_SHEET), None)
    sheets = [s for s in book.sheets if s.name != KEY_SHEET]
    if key is None or not key.rows or key.rows[0][0] != KEY_MARK:
        if any(header_at(s.rows, every_reply_column=True) is not None for s in sheets):
            raise ImportFileError(f"“{book.file_name}”像是交办单，但缺少导出时附带的隐藏标识（可能把表格复制到了新的"
                                  "工作簿），无法确认是哪个单位的回复，未导入。请让单位在原样导出的交办单上填写后发回。")
        raise ImportFileError(f"“{book.file_name}”不是本软件导出的交办单，无法按回复导入。{hints.import_cases}")
    # The sheet the unit filled in is one Excel shows: a hidden copy put before it said other replies than the clerk
    # saw on opening the file, and those were recorded.
    if hidden := [s for s in sheets if not s.visible and header_at(s.rows) is not None]:
        raise ImportFileError(f"“{book.file_name}”中有隐藏的工作表“{hidden[0].name}”也像交办单：打开文件看到的与导入的"
                              "可能不是同一张表，未导入。请让单位删去多余的工作表（在 Excel 中右击工作表标签，取消隐藏"
                              "后核对、删除），只留原样导出的交办单，再发回。")
    sheet = next((s for s in sheets if s.visible and header_at(s.rows) is not None), None)
    header_index = header_at(sheet.rows) if sheet is not None else None
    if sheet is None or header_index is None:
        raise ImportFileError("交办单中找不到表头（工单编号、签收时间、办理结果等列名），请使用原样导出的交办单填写。")
    refuse_too_long(book, sheet, "不像是一个单位的交办单，未导入。请使用原样导出的交办单填写。")
    unit = sheet_unit(session, key.rows, sheet.rows[:header_index])
    columns = sheet_columns(sheet.rows[header_index], sheet.hidden_columns)
    preview = ReplyPreview(book.file_name, book.sha256, unit.id, unit.name)
    preview.notes += [dropped] if (dropped := dropped_words(columns)) else []
    rows = sheet.rows[header_index + 1:]
    if formulas := sheet.computed_note():
        preview.notes.append(formulas)
    preview.notes += unread_notes(sheet.rows[header_index], columns, rows, [s for s in sheets if s is not sheet],
                                  sheet.hidden_columns, header_index + 2)
    preview.notes += [book.formula_note()] if book.unsaved_formulas else []
    now = clock()
    cells = [row_cells(row, columns) for row in rows]
    end, misaligned = table_end(cells, header_index)
    if misaligned:
        raise ImportFileError(f"“{book.file_name}”{misaligned}")
    if end is not None:  # the sheet's own last row: no case's, nothing of the unit's unless written over
        cells[end] = unmarked(cells[end])
    numbers, aside = case_numbers(cells, header_index)
    keys = _row_keys(path, sheet.name, columns, header_index + 2, len(cells))
    if keys and (moved := moved_cells(cells, numbers, keys, header_index)):
        raise ImportFileError(f"“{book.file_name}”{moved}")
    if keys is None and CHECK_COLUMN in columns:  # a sheet of this version saved as .xls: its keys unread
        preview.notes.append(UNKEYED)
    numbered = {i + header_index + 1 for i, number in enumerate(numbers) if number}  # rows read as a case's
    if note := sheet.hidden_rows_note(header_index + 1, "回复", numbered.__contains__):
        preview.notes.append(note)
    preview.notes += aside
    cases = {c.number: c for c in session.scalars(select(Case).where(Case.number.in_({n for n in numbers if n})))}
    statuses = statuses_for(session, [c.id for c in cases.values()])
    merged = merged_replies(sheet.merged, header_index, columns)
    unreadable = {i: [(name, why) for name in REPLY_COLUMNS
                      if name in columns and (why := sheet.unreadable.get((i + header_index + 1, columns[name])))]
                  for i in range(len(cells))}
    filled = [i for i, c in enumerate(cells)
              if numbers[i] and (i in merged or unreadable[i] or any(norm.text(c[name]) for name in REPLY_COLUMNS))
              and not _as_exported(c, cases.get(numbers[i]), statuses, unit.id)]
    rows_of: dict[str, list[int]] = {}
    for i in filled:
        rows_of.setdefault(numbers[i], []).append(i + header_index + 2)
    held = _numberless_rows(preview, cells, numbers, header_index)
    if (shifted := _shifted_down(cells, numbers, header_index)) is not None:
        # Each row's reply would go on the case above it, and by the advice for one row, all of them would: the
        # whole sheet is held back, said once for every row.
        preview.problems = [Problem(p.row, p.column, shifted) if p.column == "工单编号"
                            and p.reason.startswith(NUMBERLESS) else p for p in preview.problems]
        held = {i: shifted for i, number in enumerate(numbers) if number}
    for i in sorted(set(held) - set(filled)):
        preview.problems.append(Problem(i + header_index + 2, "回复内容", held[i]))
    checks = _Checks(session, now)
    unit_names = {unit_id: info.name for unit_id, info in checks.units.items()}
    as_exported = [i for i, n in enumerate(numbers) if n and i not in set(filled) and i not in held]
    signed_since = _signed_since_export(session, unit.id, {numbers[i] for i in as_exported
                                                           if norm.text(cells[i]["签收时间"])}, _exported_at(key.rows))
    preview.unchanged = sum(1 for i in as_exported if numbers[i] in signed_since)
    preview.blank = len(as_exported) - preview.unchanged
    for i in filled:
        excel_row, number = i + header_index + 2, numbers[i]
        problems = _parse_problems(number, cells[i], rows_of[number], cases, statuses, unit.id, unit_names,
                                   _exported_at(key.rows))
        taken = {name for name, _why in unreadable[i]}  # its own reason, not also “请填写回复内容” for the cell
        problems = [p for p in problems if p[0] not in taken] + unreadable[i]
        if i not in held and (moved := moved_here(cells[i], number)):
            problems.insert(0, ("工单编号", moved))  # first: the row's other problems may be another case's
        if i in merged:
            problems.append(merged[i])
        if not problems and (case := cases.get(number)) is not None:  # refused at 登记: a problem of its row
            try:
                audit.refuse_case_changed_behind(session, case, statuses[case.id].last_seq)
            except ChangedBehindTheApp as exc:
                problems.append(("工单编号", exc.message))
        noted = len(preview.notes)
        parsed = None if problems else _reply_row(excel_row, number, cells[i], cases, statuses, unit.id, now,
                                                  problems, checks, _PREVIEW_CLERK, preview.notes)
        if len(preview.notes) > noted:  # what the row says otherwise than recorded, not taken: a person should look
            preview.differing += 1
        if i in held:  # after the row's own checks: all its problems are listed at once
            problems.append(("回复内容", held[i]))
        if problems:
            preview.problems += [Problem(excel_row, column, reason) for column, reason in problems]
            if (case := cases.get(number)) is None or _another_call(_differs(case, cells[i])):
                preview.unmatched.append(excel_row)
        elif parsed is None:
            preview.unchanged += 1
        else:
            preview.ready.append(parsed)
    preview.final_months = sorted(final_months(session, {f"{at:%Y-%m}" for row in preview.ready
                                                         for at in (row.sign_at, row.reply_at) if at is not None}))
    preview.notes += _left_out(session, unit.id, set(numbers), key.rows)
    preview.notes += _old_sheet(key.rows, now)
    preview.notes += reference_edits(cells, numbers, header_index,
                                     {r.number: r for r in dispatch_sheet(session, unit.id, now).rows})
    preview.notes += _meant_otherwise(preview.ready)
    preview.notes += _late_steps(preview.ready, statuses, unit.id)
    preview.notes += _readings(preview.ready, cells, header_index)
    preview.problems.sort(key=lambda p: p.row)  # by row, as the unit reads its sheet (each row's own order kept)
    return preview


def _left_out_words(left: list[int], unmatched: list[int]) -> str:
    """What becomes of the rows left out by an import of the valid ones: the unit corrects and sends back; a row whose
    case this database does not hold cannot be corrected by the unit when the database was restored to an older
    backup (the case must be entered again, under a new number, and its reply typed in)."""
    if not left:
        return ""
    said = f"有问题的第 {_rows_named(left)} 行（{len(left)} 行）未登记"
    if not unmatched:
        return f"{said}，请单位改正后重新发回。"
    return (f"{said}。其中第 {_rows_named(unmatched)} 行的工单本库没有（编号不存在，或已是另一件工单的）：是编号写错"
            "了的，请单位改正后重新发回；若是数据库在这份交办单导出之后恢复到较早的备份，请先补录这些工单（它们会得到"
            "新的编号），再在工单上手工登记单位的签收和回复。"
            + ("其余的请单位改正后重新发回。" if len(unmatched) < len(left) else ""))


def _rows_named(rows: list[int]) -> str:
    return "、".join(map(str, rows[:20])) + ("等" if len(rows) > 20 else "")


# A time written as the sheet itself writes it: nothing to say of how it was read.
PLAIN_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?")
READINGS_SHOWN = 8


def _row_keys(path: Path, sheet_name: str, columns: dict[str, int], first_row: int, count: int
              ) -> list[dict[str, int]] | None:
    try:
        data = path.read_bytes()
    except OSError:  # read a moment ago: gone meanwhile
        return None
    return row_keys(data, sheet_name, columns, first_row, count)


UNKEYED = ("这份交办单另存成了 .xls 等格式，无法核对回复各格是否被单独排序或剪切后粘贴到了别的行（多列一起排序、"
           "删除或插入单元格仍能发现）：请逐行核对回复是否对着本行的工单后再导入，或请单位在原样导出的 .xlsx 上填写。")


def _readings(ready: list[ReplyRow], cells: list[dict[str, Any]], header_index: int) -> list[str]:
    """How the times a unit typed in its own way (2022年8月1号下午3点, 8.1 15:00, 20220801) were read, for the clerk
    to check before they are registered: a date misread would go into the unit's 响应率 and 办结率 unseen."""
    said = []
    for row in ready:
        values = cells[row.row - header_index - 2]
        for column, taken in (("签收时间", row.sign_at), ("办结时间", row.reply_at)):
            written = values.get(column)
            shown = norm.text(written).strip()
            if taken is None or not shown or isinstance(written, datetime) or PLAIN_TIME.fullmatch(shown):
                continue  # a date cell shows in Excel as it was read
            said.append(f"第 {row.row} 行{column}“{shown[:30]}”读作 {taken:%Y-%m-%d %H:%M}")
    if not said:
        return []
    more = f"等，共 {len(said)} 格" if len(said) > READINGS_SHOWN else ""
    return [f"以下时间是按单位的写法读取的，请核对：{'；'.join(said[:READINGS_SHOWN])}{more}。"]


NUMBERLESS = "本行没有工单编号，却填了"


def _numberless_rows(preview: ReplyPreview, cells: list[dict[str, Any]], numbers: list[str],
                     header_index: int) -> dict[int, str]:
    """Rows without a case number that hold something: a problem when they go on a case's reply (that case's row is
    returned with what to say of it: it is held back too, not registered half), a note when under no case or when
    what they hold is outside the reply columns (a remark under a row's 诉求内容)."""
    going_on: dict[int, list[int]] = {}
    for i, above in continued_rows(cells, numbers).items():
        if above is None:  # no case it could go on from: a note under the table, said and not read
            preview.notes.append(_unread(cells[i], i + header_index + 2, REPLY_COLUMNS))
            continue
        going_on.setdefault(above, []).append(i)
        preview.problems.append(Problem(i + header_index + 2, "工单编号", (
            f"{NUMBERLESS}{_filled_names(cells[i], REPLY_COLUMNS)}，像是第 {above + header_index + 2} "
            "行那件工单的回复；请把它并入那一行后重新导入")))
    others = [name for name in CASE_COLUMNS if name != "工单编号"]
    preview.notes += [_unread(cell, i + header_index + 2, others) for i, cell in enumerate(cells)
                      if not norm.text(cell["工单编号"]) and _filled_names(cell, others)
                      and not _filled_names(cell, REPLY_COLUMNS)]
    held = {}
    for above, below in going_on.items():
        rows = "、".join(str(i + header_index + 2) for i in below)
        its = "本行回复的续写" if _filled_names(cells[above], REPLY_COLUMNS) else "本行的回复（写到了下面）"
        held[above] = (f"下面第 {rows} 行没有工单编号，却填了回复，像是{its}；请把它并入本行后重新导入，"
                       "以免只登记半条回复")
    return held


def _shifted_down(cells: list[dict[str, Any]], numbers: list[str], header_index: int) -> str | None:
    """In words, when the replies look pasted one row too low: the first case's row has no reply, the others have,
    and the row under the last case has one and no case number. None otherwise."""
    numbered = [i for i, number in enumerate(numbers) if number]
    if len(numbered) < 2 or numbered[-1] + 1 >= len(cells):
        return None
    first, below = numbered[0], numbered[-1] + 1
    written = [name for name in REPLY_COLUMNS if name != "签收时间"]  # signing times come exported, filled in

    def replied(i: int) -> bool:
        return any(norm.text(cells[i][name]) for name in written)

    if continued_rows(cells, numbers).get(below) != numbered[-1] or replied(first) \
            or not any(replied(i) for i in numbered[1:]):
        return None
    return (f"回复像是整体错下了一行：第一件（第 {first + header_index + 2} 行）没有回复，最后一件下面的第 "
            f"{below + header_index + 2} 行没有工单编号却有回复。照这样导入，每条回复都会登记到上一行的工单上。"
            "请逐行核对回复是否属于本行的工单、对齐后重新导入")


def _unread(cell: dict[str, Any], excel_row: int, names: tuple[str, ...] | list[str]) -> str:
    words = "；".join(norm.text(cell[name])[:30] for name in names if norm.text(cell[name]))
    return f"第 {excel_row} 行没有工单编号，其中填的{_filled_names(cell, names)}（“{words}”）未读取。"


def continued_rows(cells: list[dict[str, Any]], numbers: list[str]) -> dict[int, int | None]:
    """Rows without a case number whose reply cells hold something (a long reply a unit went on with in a row it
    inserted below, a note under the table) → the case row they seem to continue: the nearest numbered row above,
    when only such rows stand between; None when none does."""
    found: dict[int, int | None] = {}
    above: int | None = None
    for i, cell in enumerate(cells):
        if numbers[i]:
            above = i
        elif not norm.text(cell["工单编号"]) and any(norm.text(cell[name]) for name in REPLY_COLUMNS):
            found[i] = above
        else:  # an empty row, or one the unit added under the table (合计, 注：…), said apart
            above = None
    return found


def _filled_names(cell: dict[str, Any], names: tuple[str, ...] | list[str]) -> str:
    return "、".join(f"〔{name}〕" for name in names if norm.text(cell[name]))


def _signed_since_export(session: Session, unit_id: int, numbers: set[str], exported: datetime | None) -> set[str]:
    """The cases among ``numbers`` whose signing by this unit was entered after the sheet was exported: their 签收时间
    is the unit's own (from this file imported before, or told otherwise), not the grey one the sheet showed, and the
    row is 已登记过, not 未填写."""
    if not numbers or exported is None:
        return set()
    return set(session.scalars(
        select(Case.number).join(CaseEvent, CaseEvent.case_id == Case.id)
        .where(Case.number.in_(numbers), CaseEvent.kind == EventKind.SIGN, CaseEvent.unit_id == unit_id,
               CaseEvent.recorded_at > exported)))


def _as_exported(cells: dict[str, Any], case: Case | None, statuses: dict[int, Any], unit_id: int) -> bool:
    """A row left as exported: only its 签收时间, as this unit's signing of the case was recorded (the sheet shows
    it), filled in. Such a row is not read, even when the case has moved on since."""
    if case is None or case.id not in statuses or any(norm.text(cells[name]) for name in REPLY_COLUMNS
                                                      if name != "签收时间"):
        return False
    try:
        written = norm.when(cells["签收时间"])
    except norm.CellError:
        return False
    return written is not None and _signed_at(statuses[case.id], unit_id, written) is not None


LATE_SHOWN = 5  # the late rows a note names (the rest counted)


def _late_steps(ready: list[ReplyRow], statuses: dict[int, Any], unit_id: int) -> list[str]:
    """Rows whose signing or reply the sheet dates past the unit's limit: imported, they count as 超时签收 or
    超期办结, as the same step typed in the case's window is said to (a unit's wrong date is best caught before)."""
    signed: list[str] = []
    replied: list[str] = []
    for row in ready:
        mine = statuses[row.case_id].dispatch_for(unit_id)
        if mine is None:
            continue
        if row.sign_at is not None and row.sign_at > mine.sign_deadline:
            signed.append(f"{row.number}（第 {row.row} 行，签收时限 {mine.sign_deadline:%m-%d %H:%M}）")
        if row.reply_at is not None and mine.role == DispatchRole.MAIN and row.reply_at > mine.deadline:
            replied.append(f"{row.number}（第 {row.row} 行，办理期限 {mine.deadline:%m-%d %H:%M}，"
                           f"{flag_words('overdue', mine.deadline, row.reply_at)}）")
    said = []
    for rows, what in ((signed, "签收晚于签收时限，记为超时签收（不计入响应率）"),
                       (replied, "办结时间晚于办理期限，记为超期办结")):
        if rows:
            more = f"等 {len(rows)} 件" if len(rows) > LATE_SHOWN else ""
            said.append(f"按表中所写，{'、'.join(rows[:LATE_SHOWN])}{more}{what}。单位实际按时办理、表中时间写错了的，"
                        "请单位改正后重新发回。")
    return said


def _meant_otherwise(ready: list[ReplyRow]) -> list[str]:
    """Rows whose reply says the unit wants to return the case or more time (``asks_instead``): imported, they count
    as 办结. 退单 and 延期 have no column on the sheet: they are asked, and ruled, in the window."""
    numbers = [row.number for row in ready if row.reply is not None and asks_instead(row.reply)]
    if not numbers:
        return []
    return [f"请注意：工单{'、'.join(numbers)}的回复写的是“{NOT_OURS}”或申请退单、延期。按回复导入后，工单即转入"
            "待回访并计为办结；如单位要退单或延期，请不要导入这些行（在表中清空其回复后重新导入），改在“交办跟踪”中"
            "登记退单申请或延期申请，由审核员审批。"]


# A sheet exported this long before it comes back is said: a unit replies within days, and an old file found in a
# folder (last month's, filled in again) may say what no longer holds.
OLD_SHEET = timedelta(days=14)


def _exported_at(key: list[list[Any]]) -> datetime | None:
    """When the sheet was exported, as its hidden key says (None for a key that does not say)."""
    try:
        return datetime.fromisoformat(norm.text(key[3][0]))
    except (IndexError, ValueError):
        return None


def _old_sheet(key: list[list[Any]], now: datetime) -> list[str]:
    exported = _exported_at(key)
    if exported is None or now - exported < OLD_SHEET:
        return []
    days = (now - exported).days
    return [f"这份交办单导出于 {exported:%Y-%m-%d %H:%M}（{days} 天前）。如果单位之后收到过新的交办单，"
            "请核对发回的是不是最新的一份。"]


def _left_out(session: Session, unit_id: int, numbers: set[str], key: list[list[Any]]) -> list[str]:
    """The unit's cases, dispatched to it before the sheet was exported and still waiting for its reply, that the
    sheet no longer lists (a row deleted): said, so that the office asks the unit. A case registered before the
    export but dispatched after it (approved a minute later) was never on the sheet."""
    exported = _exported_at(key)
    if exported is None:
        return []
    sheet = dispatch_sheet(session, unit_id, exported)
    missing = [r.number for r in sheet.rows if r.number not in numbers and r.registered_at <= exported
               and (r.dispatched_at is None or r.dispatched_at <= exported)]
    if missing:  # a step entered after the export, dated before it (补录): the sheet could not have listed the case
        entered_later = set(session.scalars(
            select(Case.number).join(CaseEvent, CaseEvent.case_id == Case.id)
            .where(Case.number.in_(missing), CaseEvent.at <= exported, CaseEvent.recorded_at > exported)))
        missing = [number for number in missing if number not in entered_later]
    if not missing:
        return []
    shown = "、".join(missing[:5]) + ("等" if len(missing) > 5 else "")
    return [f"本单位还有 {len(missing)} 件导出时已交办、尚未回复的工单不在表中（{shown}），可能被删去了行。"]


def _parse_problems(number: str, cells: dict[str, Any], rows: list[int], cases: dict[str, Case],
                    statuses: dict[int, Any], unit_id: int, unit_names: dict[int, str],
                    exported: datetime | None) -> list[tuple[str, str]]:
    """What is wrong with a row before its cells are read: a case filled in on several rows, a row that is not its
    case's, a case not with this unit now, or given to it anew since the sheet was exported."""
    problems: list[tuple[str, str]] = []
    if len(rows) > 1:
        problems.append(("工单编号", f"工单{number}在第 {'、'.join(map(str, rows))} 行都填写了，一件工单只能填一行；"
                                   "请删去多余的行后重新导入"))
    case = cases.get(number)
    differs = _differs(case, cells) if case is not None else None
    if differs and _another_call(differs):  # first: the number is another call's now
        problems.append(("工单编号", f"本行的来电时间和诉求内容都与工单{number}不符，不是同一件工单（是否只对部分列"
                                   "排序，或改了编号？若数据库在这份交办单导出之后恢复到较早的备份，这件工单已不在其中，"
                                   "须先补录，它原来的编号已分给了别的工单）"))
        return problems
    if case is not None and case.id in statuses:  # then: a case of another unit is that, whatever the row holds
        status = statuses[case.id]
        if unit_id not in {d.unit_id for d in status.current_dispatches}:
            holders = "、".join(dict.fromkeys(unit_names.get(d.unit_id, "") for d in status.current_dispatches))
            now = f"当前交办给{holders}，" if holders else "当前没有交办给任何单位，"
            problems.append(("工单编号", f"工单{number}{now}不是交给本单位的（可能已退单改派，或编号写错了）"))
            return problems
        anew = [d for d in status.current_dispatches if d.unit_id == unit_id
                and exported is not None and d.dispatched_at > exported]
        if anew:  # the sheet's row is of an earlier dispatch (as 协办, say): its reply would close the case now
            problems.append(("工单编号", f"工单{number}在这份交办单导出之后（{anew[0].dispatched_at:%Y-%m-%d %H:%M}）"
                                       "重新交办给本单位，表中这一行是此前那次交办的；请用新导出的交办单填写"))
            return problems
    if differs:
        # the number at fault where the time of the call differs too (a column sorted on its own); else the words
        at_fault = "工单编号" if "来电时间" in differs else differs[0]
        problems.append((at_fault, f"本行的{'、'.join(differs)}与工单{number}不符（是否只对部分列排序、改了"
                                   f"编号，或改写了{'、'.join(differs)}？这几列只供参考，不必改），请按原样导出的交办单核对"))
        return problems
    if differs is not None and not any(norm.text(cells[name]) for name in IDENTIFYING):
        # An address alone does not tell a case: a village's cases share it (two rows' numbers swapped, their times
        # and words deleted, put a reply on the other case).
        problems.append(("工单编号", f"本行的来电时间和诉求内容都是空的（列被删去或清空），无法核对回复是否属于"
                                   f"工单{number}，请使用原样导出的交办单填写"))
        return problems
    return problems


def _another_call(differs: list[str]) -> bool:
    """Whether a row whose cells ``differs`` from its case's (see ``_differs``) is another call's: its time and its
    words both."""
    return all(name in differs for name in IDENTIFYING)


# The exported columns a row must keep one of to be matched to its case: an address is checked where it is kept, but
# alone it does not tell a village's cases apart (the caller's name and phone may be masked as （保密）).
IDENTIFYING = ("来电时间", "诉求内容")


def _differs(case: Case, cells: dict[str, Any]) -> list[str]:
    """Which of the row's identifying cells, as exported, are not its case's (a cleared cell is not checked)."""
    found = []
    try:
        called = norm.when(cells["来电时间"])
    except norm.CellError:
        called = None
    if called is not None and called.replace(second=0) != case.registered_at.replace(second=0, microsecond=0):
        found.append("来电时间")
    # compared as the sheet wrote them: a control character pasted into the words (Word's line break) is � there
    content = as_compared(norm.text(cells["诉求内容"]))
    if content and as_compared(case.content)[:20] not in content:
        found.append("诉求内容")
    address = as_compared(norm.text(cells["地址"]))
    if address and address != as_compared(case.address):
        found.append("地址")
    return found


class _Checks:
    """What the sheet's rows are checked against: the office's limits, calendar and units, loaded once."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.limits, self.units = load_limits(session), load_units(session)
        self.calendar, self.now = WorkCalendar.load(session), now
        self.days = {a.id: a.finish_days for a in session.scalars(select(AppealType))}

    def context(self, case: Case) -> StepContext:
        return StepContext(case.number, self.days.get(case.appeal_type_id or 0, 5), self.limits, self.calendar,
                           self.units, self.now)


# Who signs and replies while a sheet is only previewed: whoever commits it needs the same rights.
_PREVIEW_CLERK = Actor(id=-1, username="", display_name="登记人", role=Role.OPERATOR)

# Where a step's refusal is shown on the sheet: the reply columns by the payload field at fault.
_SIGN_COLUMNS = {"at": "签收时间"}
_REPLY_COLUMNS = {"at": "办结时间", "finished_at": "办结时间", "text": "回复内容", "result": "办理结果"}


def _signed_at(status: Any, unit_id: int, written: datetime) -> Any:
    """The unit's dispatch of the case (of this round or an earlier one) it signed at ``written``'s minute: the grey
    time a sheet shows; None when there is none."""
    minute = written.replace(second=0, microsecond=0)
    return next((d for d in status.dispatches if d.unit_id == unit_id and d.signed_at is not None
                 and d.signed_at.replace(second=0, microsecond=0) == minute), None)


def _signed_before(status: CaseStatus, mine: Any) -> str:
    """A unit given the case again (a 重办, a return undone) signed it before: why the sheet asks its signing anew
    ("" for a first dispatch)."""
    earlier = [d for d in status.dispatches if d.unit_id == mine.unit_id and d.round < mine.round and d.signed_at]
    if not earlier:
        return ""
    return (f"（本件于{mine.dispatched_at:%m-%d %H:%M}再次交办给本单位〔如回访不满意后重办〕，此前一次交办已于"
            f"{earlier[-1].signed_at:%m-%d %H:%M}签收；请填写这次交办后的签收时间）")


def _signing_kept(number: str, mine: Any, values: dict[str, Any]) -> list[str]:
    """A signing recorded before, and the row giving another time for it (or words that are no time): said, as the
    sheet's time is not taken."""
    if mine.signed_at is None:
        return []
    kept = f"工单{number}已于{mine.signed_at:%m-%d %H:%M}签收，表中"
    try:
        written = norm.when(values["签收时间"])
    except norm.CellError:
        return [f"{kept}签收时间一格写的“{norm.text(values['签收时间'])[:20]}”未采用{SIGNING_KEPT}"]
    if written is None or (written.date() == mine.signed_at.date() if written.time() == time()  # a day alone
                           else written.replace(second=0) == mine.signed_at.replace(second=0, microsecond=0)):
        return []
    shown = f"{written:%m-%d}" if written.time() == time() else f"{written:%m-%d %H:%M}"
    return [f"{kept}写的签收时间{shown}未采用{SIGNING_KEPT}"]


SIGNING_KEPT = "（已登记的签收不随导入更改）。"


def _already_replied(number: str, mine: Any, values: dict[str, Any]) -> list[str]:
    """A row of a case this unit's reply is recorded for (through another sheet, the window, or this file before):
    nothing on it is taken, and what it says otherwise of that reply is said; importing a sheet again never changes a
    reply registered before. A row missing its 办结时间 is no problem then: the reply it would complete is in."""
    said = []
    text = norm.text(values["回复内容"])
    if text and text != mine.reply_text:
        more = f"等 {len(text)} 字" if len(text) > SHOWN_CHARS else ""
        said.append(f"回复内容“{text[:SHOWN_CHARS]}”{more}")
    recorded = mine.finished_at or mine.replied_at
    try:
        written = norm.when(values["办结时间"])
    except norm.CellError:
        said.append(f"办结时间“{norm.text(values['办结时间'])[:20]}”")
    else:
        if written is not None and (written.date() != recorded.date() if written.time() == time()
                                    else written.replace(second=0) != recorded.replace(second=0, microsecond=0)):
            shown = f"{written:%Y-%m-%d}" if written.time() == time() else f"{written:%Y-%m-%d %H:%M}"
            said.append(f"办结时间{shown}（已登记的为{recorded:%Y-%m-%d %H:%M}）")
    result = norm.result_word(values["办理结果"])
    if result and result != mine.result:
        said.append(f"办理结果“{result}”" + (f"（已登记的为“{mine.result}”）" if mine.result else ""))
    if not said:
        return []
    same = "" if text and text != mine.reply_text else "同一回复"
    return [f"工单{number}的回复已于{mine.replied_at:%m-%d %H:%M}登记，表中{same}写的{'、'.join(said)}未采用"
            "（已登记的回复不随再次导入更改；确需更正的，请审核员先撤销回复再登记）。"]


# How much of a unit's words a note quotes before saying how many more there are.
SHOWN_CHARS = 30


def _reply_row(excel_row: int, number: str, values: dict[str, Any], cases: dict[str, Case],
               statuses: dict[int, Any], unit_id: int, now: datetime, problems: list[tuple[str, str]],
               setting: _Checks, actor: Actor, notes: list[str] | None = None) -> ReplyRow | None:
    """One filled row checked by the transition table exactly as signing and replying would check it; every
    problem of the row is added to ``problems`` at once, and to ``notes`` what the row says that is not taken (a
    different time for a signing already recorded)."""
    case = cases.get(number)
    if case is None:
        problems.append(("工单编号", f"没有编号为{number}的工单（编号写错了？若数据库在这份交办单导出之后恢复到较早的"
                                   "备份，这件工单已不在其中，须先补录）"))
        return None
    status: CaseStatus = statuses[case.id]
    mine = status.dispatch_for(unit_id)
    if mine is None:
        problems.append(("工单编号", "该工单当前没有交办给本单位（可能已退单改派）"))
        return None
    if mine.role == DispatchRole.ASSIST and status.state not in OPEN_DISPATCH_STATES and mine.replied_at is None:
        # signing came first and was refused for the case's state: "不能签收" to a unit that sent its reply
        problems.append(("工单编号", f"工单{number}当前为“{status.state_label}”（主办单位已回复），本单位作为协办单位"
                                   "的签收和回复已不能登记；协办意见请转告主办单位，或交审核员在工单中处理"))
        return None
    if mine.replied_at is not None:  # in already: the row has nothing new, what it says otherwise is said, not taken
        if notes is not None:
            notes += _signing_kept(number, mine, values) + _already_replied(number, mine, values)
        return None
    try:
        phone = norm.phone(values["联系电话"]) if values["联系电话"] else ""
    except norm.CellError as exc:
        problems.append(("联系电话", str(exc)))
        phone = ""
    moments: dict[str, datetime | None] = {}
    for column in ("签收时间", "办结时间"):
        try:
            moments[column] = norm.when(values[column])
        except norm.CellError as exc:
            if column == "签收时间" and mine.signed_at is not None:  # not taken anyway: said, not refused
                continue
            problems.append((column, str(exc)))
    written = moments.get("签收时间")
    if notes is not None:
        notes += _signing_kept(number, mine, values)
    earlier = _signed_at(status, unit_id, written) if mine.signed_at is None and written is not None else None
    if earlier is not None and earlier.round != status.round:  # the grey time of a sheet exported before it came back
        again = f"{mine.dispatched_at:%m-%d %H:%M}"
        problems.append(("签收时间", f"这是本单位此前一次交办的签收时间（工单{number}此后于{again}又交办给本单位，"
                                   "如回访不满意后重办，或退单后又改派回来），请填写这次交办后的签收时间"))
        return None
    timed = {column: norm.writes_time(values[column]) for column in ("签收时间", "办结时间")}
    signed = on_the_day(written, max(mine.dispatched_at, status.last_event_at or mine.dispatched_at),
                        timed["签收时间"])
    finished = on_the_day(moments.get("办结时间"), signed or mine.signed_at or mine.dispatched_at, timed["办结时间"])
    text = norm.text(values["回复内容"])
    result = norm.result_word(values["办理结果"])
    replying = bool(text or result or finished or values["办结时间"])
    ctx = setting.context(case)
    sign_at, signs = None, "签收时间" in moments
    if mine.signed_at is None and signs:
        sign_at = signed
        if signed is None:
            problems.append(("签收时间", "缺少签收时间" + _signed_before(status, mine)))
            signs = False
        else:
            found = STEPS[Action.SIGN].check(ctx, status, actor, Sign(unit_id), signed)
            problems += [(_SIGN_COLUMNS.get(p.field, "工单编号"), p.message) for p in found]
            if undecided := undecided_day(moments.get("签收时间"), timed["签收时间"], mine.sign_deadline, "签收时间"):
                problems.append(("签收时间", undecided))
            signs = not found and not undecided
            if signs:
                _event, status = run_in_memory(ctx, status, actor, Action.SIGN, Sign(unit_id), signed)
    sign_note = day_only_note(sign_at, moments.get("签收时间"), "签收时间", timed=timed["签收时间"])
    contact = [f"〔{name}〕" for name in ("经办人", "联系电话") if norm.text(values[name])]
    if not replying and contact and mine.replied_at is None:
        if sign_at is None:  # nothing else on the row to record: not 已登记过, a reply not yet written
            problems.append(("回复内容", f"只填了{'、'.join(contact)}，缺少回复内容和办结时间；办结后请填全再发回"))
            return None
        if notes is not None:
            notes.append(f"工单{number}第 {excel_row} 行只登记签收：{'、'.join(contact)}随回复登记，"
                         "请单位办结后填全再发回。")
    if not replying:
        ready = sign_at and signs and not problems
        return ReplyRow(excel_row, case.id, number, sign_at, None, None, sign_note) if ready else None
    if finished is None and "办结时间" in moments:
        problems.append(("办结时间", "缺少办结时间"))
    if undecided := undecided_day(moments.get("办结时间"), timed["办结时间"], mine.deadline, "办结时间"):
        problems.append(("办结时间", undecided))
    reply = wf.Reply(text=text, result=result, finished_at=finished, handler=norm.text(values["经办人"]),
                     handler_phone=phone, unit_id=unit_id,
                     note=day_only_note(finished, moments.get("办结时间"), "办结时间", timed=timed["办结时间"]))
    # The reply's own words are checked whatever else is wrong: a row missing its 办结时间 and its 回复内容 is told
    # both at once, not one on each import.
    worded = [(_REPLY_COLUMNS.get(p.field, "工单编号"), p.message) for p in reply_content_problems(reply)]
    if finished is None or not signs:
        problems += worded
        return None
    found = STEPS[Action.REPLY].check(ctx, status, actor, reply, finished)
    problems += [(_REPLY_COLUMNS.get(p.field, "工单编号"), p.message) for p in found]
    problems += [said for said in worded if said not in problems]  # a gate's refusal stops the step's own checks
    return None if problems else ReplyRow(excel_row, case.id, number, sign_at, reply, finished, sign_note)


def commit_replies(session: Session, actor: Actor, preview: ReplyPreview, *, only_valid: bool = False,
                   clock: Clock = office_now, hints: ImportHints = WINDOW) -> tuple[int, str]:
    """Record the signs and replies; all-or-nothing unless only the valid rows are asked for."""
    require(actor, "sign")
    require(actor, "reply")
    if preview.problems and not only_valid:
        rows = len({p.row for p in preview.problems})
        raise ValidationError(f"有 {rows} 行存在问题，未登记任何回复。请修改后重新导入，{hints.only_valid}")
    left = sorted({p.row for p in preview.problems})
    left_out = _left_out_words(left, preview.unmatched)
    if not preview.ready:
        return 0, f"没有新内容：{preview.unchanged} 件已登记过，数据库未作改动。{left_out}"
    now = clock()
    batch = ImportBatch(kind="replies", file_name=preview.file_name, sha256=preview.sha256, rows=len(preview.ready),
                        user_id=actor.id, created_at=now, note=preview.summary(), skipped_rows=len(left))
    session.add(batch)
    audit.record_row(session, batch, user_id=actor.id, at=now, kind="import")
    for row in preview.ready:
        if row.sign_at is not None:
            wf.sign(session, actor, row.case_id, unit_id=preview.unit_id, at=row.sign_at, clock=clock,
                    batch_id=batch.id, note=row.sign_note)
        if row.reply is not None:
            wf.reply(session, actor, row.case_id, row.reply, unit_id=preview.unit_id, at=row.reply_at, clock=clock,
                     batch_id=batch.id)
    return len(preview.ready), f"已登记 {preview.unit_name} 的 {len(preview.ready)} 件签收或回复。{left_out}"
