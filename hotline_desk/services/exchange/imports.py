"""Importing case lists and old registers (台账): preview every problem first, then commit all or only valid rows."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.errors import Cancelled, ValidationError
from hotline_desk.excel import normalize as norm
from hotline_desk.excel.columns import FIELD_LABELS, NOT_IMPORTED, auto_mapping, clean, find_header
from hotline_desk.excel.dispatch_sheet import KEY_MARK, KEY_SHEET
from hotline_desk.excel.reader import (
    ImportFileError,
    filled_rows,
    first_data_sheet,
    read_workbook,
)
from hotline_desk.excel.safe import CUT_MARK
from hotline_desk.models import Case, ImportBatch, User
from hotline_desk.services.accounts import accounts, audit
from hotline_desk.services.accounts.permissions import Actor, require
from hotline_desk.services.cases import search_index
from hotline_desk.services.cases.history import CaseStatus, replace
from hotline_desk.services.cases.records import TITLE_LENGTH, end_of_a_day, importing, one_line, title_from
from hotline_desk.services.clock import Clock, month_of, office_now
from hotline_desk.services.exchange import import_batches
from hotline_desk.services.exchange.bulk import NewCase, PreparedCases, Step, prepare_cases, write_prepared
from hotline_desk.services.exchange.hints import WINDOW, ImportHints
from hotline_desk.services.exchange.import_columns import unread_columns
from hotline_desk.services.exchange.import_preview import CasePreview, PreparedRow, Problem
from hotline_desk.services.exchange.import_values import (
    CREATE,
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
from hotline_desk.services.exchange.register_duplicates import mark_duplicates, upstream_of, voided_here
from hotline_desk.services.exchange.register_history import (
    PREVIEW_IMPORTER,
    PREVIEW_PROPOSER,
    HistoryRefused,
    HistorySetting,
    build_history,
    case_source,
    with_ids,
)
from hotline_desk.services.exchange.register_rows import handling_reading, parse_row, row_digest, row_key, row_values
from hotline_desk.services.exchange.register_sheet import Aside, fill_merged, hidden_note
from hotline_desk.services.fastinsert import many_objects
from hotline_desk.services.maintenance.opening import low_disk_words
from hotline_desk.services.office.calendar import years_not_entered
from hotline_desk.services.office.settings import IMPORT_BATCH_ROWS, Settings, set_setting
from hotline_desk.services.reporting.monthdata import cutoff_of, final_months
from hotline_desk.vocabulary import Role

Progress = Callable[[int, int], None]


def sheet_mark(preview: CasePreview) -> str:
    """How an import batch's note names the sheet it read, in a workbook of several: 工作表“三月”：."""
    return f"工作表“{preview.sheet}”：" if preview.other_sheets else ""


SHEET_MARKED = re.compile(r"^工作表“([^”]+)”：")  # ``sheet_mark`` read back


def _seen_before(session: Session, preview: CasePreview) -> tuple[str, dict[str, datetime]]:
    """When this file was imported before, in words ("" never); in a workbook of several sheets, this sheet (a
    register kept a sheet a month said “imported before” of each month not yet read), with the sheets imported
    before, each when first."""
    earlier = session.execute(select(ImportBatch.created_at, ImportBatch.note).where(
        ImportBatch.sha256 == preview.sha256, ImportBatch.state == import_batches.DONE)
        .order_by(ImportBatch.id)).all()
    if not earlier:
        return "", {}
    if not preview.other_sheets:
        return f"该文件已于{earlier[0][0]:%Y-%m-%d %H:%M}导入过", {}
    sheets: dict[str, datetime] = {}
    for at, note in earlier:
        if marked := SHEET_MARKED.match(note):
            sheets.setdefault(marked.group(1), at)
    if (first := sheets.get(preview.sheet)) is not None:
        return f"该文件的这个工作表已于{first:%Y-%m-%d %H:%M}导入过", sheets
    if not sheets:  # imported by an older version, which did not note the sheet
        return f"该文件已于{earlier[0][0]:%Y-%m-%d %H:%M}导入过（当时读的是哪个工作表未记下）", sheets
    return "", sheets


@dataclass(frozen=True)
class ImportResult:
    batch_id: int | None
    imported: int
    duplicates: int
    skipped_invalid: int
    numbers: tuple[str, ...]
    low_disk: str = ""  # the database's disk all but full after the import, in words
    since_preview: int = 0  # of the duplicates, rows another station imported after the preview was read

    @property
    def message(self) -> str:
        # the preview printed above counted these rows as new: said why they were not
        meanwhile = f"（其中 {self.since_preview} 行是预览之后由另一工作站导入的）" if self.since_preview else ""
        if not self.imported:
            return f"没有新内容：文件中的 {self.duplicates} 行都已导入过{meanwhile}，数据库未作改动。"
        text = f"已导入 {self.imported} 件工单"
        if self.duplicates:
            text += f"，跳过已导入过的 {self.duplicates} 行{meanwhile}"
        if self.skipped_invalid:
            text += f"，跳过有问题的 {self.skipped_invalid} 行"
        return text + "。" + (f"\n注意：{self.low_disk}" if self.low_disk else "")


# A cell this program cut at Excel's limit when it exported the list: imported, the rest of the citizen's words would
# be gone for good, with the mark pointing to a full text the new database does not have.
CUT_CELL = ("这一格在导出时超出 Excel 单元格的字数上限，后半部分已截断（结尾写着“以下已截断”），导入会丢失原文。"
            "请在原数据库中查看全文后填入；整个数据库请用 backup/restore 或 migrate-db 迁移")


def preview_cases(session: Session, path: Path, *, mapping_name: str = "", manual: dict[str, str] | None = None,
                  channel: str = "", progress: Progress | None = None, values: ValueChoices | None = None,
                  accept_suggestions: bool = False, clock: Clock = office_now, sheet: str = "",
                  cancelled: Callable[[], bool] | None = None) -> CasePreview:
    """Read the workbook and check every row; nothing is written. Moments more than a day ahead are refused.

    ``values`` says what to do with values on no list (see ValueChoice); with ``accept_suggestions`` every such value
    with a sure suggestion (``UnknownValue.sole_suggestion``) is mapped to it; the others are left for the user and
    listed in ``ties``. Both are kept in the preview, and saved as aliases when it is committed. ``cancelled()`` is
    asked every thousand rows whether the person wants to stop (``Cancelled`` is raised then).
    """
    with many_objects():
        return _preview_cases(session, path, mapping_name=mapping_name, manual=manual, channel=channel,
                              progress=progress, values=values, accept_suggestions=accept_suggestions, clock=clock,
                              sheet_name=sheet, cancelled=cancelled or (lambda: False))


def _preview_cases(session: Session, path: Path, *, mapping_name: str, manual: dict[str, str] | None,
                   channel: str, progress: Progress | None, values: ValueChoices | None,
                   accept_suggestions: bool, clock: Clock, sheet_name: str,
                   cancelled: Callable[[], bool]) -> CasePreview:
    choices = dict(values or {})
    check_choices(session, choices)
    book = read_workbook(path)
    key = next((s for s in book.sheets if s.name == KEY_SHEET), None)
    if key is not None and key.rows and key.rows[0] and key.rows[0][0] == KEY_MARK:
        # A unit's filled 交办单 given to the wrong import: its cases are this database's already.
        raise ImportFileError(f"“{book.file_name}”是本软件导出的交办单，不是工单清单，未导入。单位填写的回复请用"
                              "“导入单位回复”（命令行 import-replies）导入。")
    sheet = first_data_sheet(book, sheet_name)
    saved = dict(Settings(session).get("import.mappings").get(mapping_name, {})) if mapping_name else {}
    saved_channel = str(saved.pop(MAPPING_CHANNEL, ""))
    channel_note = ""
    if not channel and saved_channel:  # a platform's daily list: its channel comes with its mapping
        channel = saved_channel
        channel_note = f"按保存的列对应关系“{mapping_name}”，整份文件记为来自“{channel}”。"
    saved.update({clean(k): v for k, v in (manual or {}).items()})
    header_index, header = find_header(sheet.rows, sheet.merged, saved)
    if header_index < 0:  # no names we know: offer the first filled row, for the columns to be mapped by hand
        header_index = next(i for i, row in enumerate(sheet.rows) if any(str(c).strip() for c in row if c is not None))
        header = [norm.text(c) for c in sheet.rows[header_index]]
    mapping = auto_mapping(header, saved, sheet.hidden_columns)
    preview = CasePreview(file_name=book.file_name, sha256=book.sha256, sheet=sheet.name, header_row=header_index + 1,
                          columns=[(h, FIELD_LABELS.get(mapping.get(i, ""), "")) for i, h in enumerate(header)],
                          # Hidden ones too: cases kept on a sheet Excel hides would otherwise be left unseen
                          other_sheets=[(other.name, filled_rows(other), other.visible) for other in book.sheets
                                        if other.name != sheet.name and filled_rows(other)],
                          formulas=book.formula_note() + sheet.computed_note()
                          + hidden_note(header, mapping, sheet.hidden_columns)
                          + sheet.hidden_rows_note(header_index + 1, "工单"))
    preview.channel_note = channel_note or _local_note(channel, set(mapping.values()))
    merged = fill_merged(sheet.rows, sheet.merged, header_index, mapping)
    data_rows = sheet.rows[header_index + 1:]
    unreadable: dict[int, list[int]] = {}  # data row → its mapped columns whose value cannot be taken
    for r, c in sheet.unreadable:
        if c in mapping and r > header_index:
            unreadable.setdefault(r - header_index - 1, []).append(c)
    # Each data row once: None when empty, "" for a case's, else the words it is read aside by. A row with a formula
    # whose result is not saved may hold more than it shows: read as a case's, its problems say so.
    aside = Aside(mapping, header)
    kinds = [aside.words(row, labels=offset not in unreadable)
             if offset in unreadable or any(str(c).strip() for c in row if c is not None) else None
             for offset, row in enumerate(data_rows)]
    preview.unread = unread_columns(header, (row for row, kind in zip(data_rows, kinds, strict=True) if kind == ""),
                                    mapping, saved, sheet.hidden_columns)
    missing = [label for fields, label in ((("content", "title"), "诉求内容"), (("registered_at",), "来电时间"))
               if not set(fields) & set(mapping.values())]
    if missing:
        preview.missing = missing
        return preview
    preview.merged = merged
    preview.seen_before, preview.sheets_imported = _seen_before(session, preview)
    look, setting = Lookups(session, choices), HistorySetting.load(session, clock())
    latest = clock() + timedelta(days=1)
    prepared: list[PreparedRow] = []
    refused: list[tuple[int, str, datetime | None]] = []  # (row, key, 来电时间) of the rows with problems: a later
    # copy of one is named too
    unknown: dict[tuple[str, str], UnknownValue] = {}
    voided: list[tuple[int, dict[str, Any]]] = []
    for offset, (row, kind) in enumerate(zip(data_rows, kinds, strict=True)):
        if offset % 1000 == 0:
            if cancelled():
                raise Cancelled("已取消检查文件，没有写入任何内容。")
            if progress:
                progress(offset, len(data_rows))
        if kind is None:
            continue
        excel_row = header_index + offset + 2
        if kind:
            preview.aside.append((excel_row, kind))
            continue
        raw = row_values(row, mapping)
        preview.total_rows += 1
        found: list[UnknownName] = []
        try:
            parsed, problems = parse_row(raw, look, channel, found, latest=latest)
        except SkippedRow:
            preview.left_out += 1
            continue
        if parsed.get("voided"):  # neither imported nor a problem: its other cells need no mending
            preview.voided.append((excel_row, parsed["voided"]))
            parsed["source"] = case_source(parsed, look)
            voided.append((excel_row, parsed))
            continue
        for exc in found:
            entry = unknown.setdefault((exc.field, exc.value), UnknownValue(
                exc.field, exc.value, suggestion=exc.suggestion, not_in_use=exc.not_in_use))
            entry.rows.append(excel_row)
        if cells := sorted(unreadable.get(offset, ())):
            # Such a cell reads as empty or as a value not meant: its own reason, not also “缺少来电时间” for it.
            fields = [mapping[c] for c in cells]
            problems = [p for p in problems if p[0] not in fields] + [
                (mapping[c], sheet.unreadable[(offset + header_index + 1, c)]) for c in cells]
        problems += [(f, CUT_CELL) for f, value in raw.items() if isinstance(value, str) and value.endswith(CUT_MARK)]
        if problems:
            preview.problems += [Problem(excel_row, FIELD_LABELS.get(f, f), r) for f, r in problems]
            refused.append((excel_row, row_key(parsed), parsed.get("registered_at")))
            continue
        parsed["source"] = case_source(parsed, look)
        parsed["row_digest"] = row_digest(parsed)
        if how := handling_reading(parsed):
            preview.readings[how] = preview.readings.get(how, 0) + 1
        if not norm.text(raw.get("appeal_type")):  # a blank one goes in only as chosen for blanks: said each time
            preview.blank_types[parsed["appeal_type"]] = preview.blank_types.get(parsed["appeal_type"], 0) + 1
        checkable = with_ids(parsed, look)
        steps, status = None, None
        if checkable is not None:  # a row naming an entry still to be created is checked when it is committed
            try:
                steps, status = build_history(checkable, PREVIEW_IMPORTER, PREVIEW_PROPOSER, look, setting,
                                              parsed["number"] or f"第{excel_row}行")
            except HistoryRefused as refusal:
                preview.problems.append(Problem(excel_row, refusal.column, refusal.message))
                refused.append((excel_row, row_key(parsed), parsed.get("registered_at")))
                continue
        prepared.append(PreparedRow(excel_row, row_key(parsed), parsed, steps, status))
    if accept_suggestions and (taken := {(u.name, u.value): ValueChoice(MAP, u.sole_suggestion)
                                         for u in unknown.values() if u.sole_suggestion}):
        again = preview_cases(session, path, mapping_name=mapping_name, manual=manual, channel=channel,
                              progress=progress, values={**taken, **choices}, clock=clock, sheet=sheet_name,
                              cancelled=cancelled)
        again.ties = [u for u in again.unknown if u.not_taken]
        return again
    preview.unknown = sorted(unknown.values(), key=lambda u: (-u.count, u.name, u.value))
    if accept_suggestions:
        preview.ties = [u for u in preview.unknown if u.not_taken]
    preview.choices = {key: choice for key, choice in choices.items() if key in look.used}
    preview.read_as_merged = look.read_as_merged
    mark_duplicates(session, preview, prepared, refused)
    preview.voided_here = voided_here(session, voided)
    months = {month_of(row.values["registered_at"]) for row in preview.ready}
    preview.final_months = sorted(final_months(session, months))
    preview.past_months = _past_months(session, preview, clock())
    preview.no_calendar = years_not_entered(session, {row.values["registered_at"].year for row in preview.ready
                                                      if row.values.get("handling") == "dispatch"})
    return preview


def _past_months(session: Session, preview: CasePreview, now: datetime) -> dict[str, int]:
    """In a file of this month's calls (a platform's daily list), the rows of months whose cut-off has passed, by
    month: they count there, not in this month the platform counts them in. A register of earlier months alone is
    not said so: that is what it is."""
    by_month: dict[str, int] = {}
    for row in preview.ready:
        month = month_of(row.values["registered_at"])
        by_month[month] = by_month.get(month, 0) + 1
    past = {month: n for month, n in by_month.items() if cutoff_of(session, month) <= now}
    return dict(sorted(past.items())) if past and len(past) < len(by_month) else {}


def commit_cases(session: Session, actor: Actor, preview: CasePreview, *, only_valid: bool = False,
                 clock: Clock = office_now, batch_rows: int | None = None,
                 hints: ImportHints = WINDOW, progress: Progress | None = None,
                 signed_in: Callable[[], Actor] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> ImportResult:
    """Write the previewed rows as cases with their histories: all of them, or only the valid ones if asked.

    Every row is checked before the first is written. Up to ``batch_rows`` rows (the setting 大批导入每次提交的行数
    by default) go in the caller's transaction; a longer import commits part by part, marked in progress until its
    last part is in, so that other stations can save meanwhile and a failed or killed import is undone
    (see ``import_batches``). ``progress(written, total)`` is told as each part is in. Each part first checks that
    its importer may still import: ``signed_in`` says who is signed in at that moment (a window whose person changed
    their own password meanwhile, in that window, carries on), by default ``actor`` as the import began.
    ``cancelled()`` is asked before each part whether the person wants to stop: a long import stopped so raises
    ``import_batches.ImportCancelled`` once its parts are cleared; a short one (one part) raises ``Cancelled`` before
    writing, and its caller's transaction is rolled back.
    """
    require(actor, "import")
    with many_objects():
        try:
            return _commit_cases(session, actor, preview, only_valid=only_valid, clock=clock, batch_rows=batch_rows,
                                 hints=hints, progress=progress, signed_in=signed_in or (lambda: actor),
                                 cancelled=cancelled or (lambda: False))
        except import_batches.ImportCancelled as stopped:
            # The value choices were saved with the batch's marker, before the first part: they stay.
            if kept := _kept_choices(preview.choices):
                raise stopped.keeping(kept) from stopped.__cause__
            raise


def _kept_choices(choices: ValueChoices) -> str:
    """What the choices made on 核对取值 keep in the lists, in words ("" for none)."""
    actions = {choice.action for choice in choices.values()}
    return "和".join(words for action, words in ((MAP, "核对取值时选定的对应（别名）"), (CREATE, "新建的项目"))
                    if action in actions)


def _commit_cases(session: Session, actor: Actor, preview: CasePreview, *, only_valid: bool, clock: Clock,
                  batch_rows: int | None, hints: ImportHints, progress: Progress | None,
                  signed_in: Callable[[], Actor], cancelled: Callable[[], bool]) -> ImportResult:
    if preview.missing:
        raise ValidationError(preview.summary(hints))
    if preview.problems and not only_valid:
        raise ValidationError(f"有 {preview.invalid_rows} 行存在问题，未导入任何内容。请修改文件后重新导入，"
                              + hints.only_valid)
    ready, duplicates = _still_new(session, preview)
    if not ready:
        return ImportResult(None, 0, duplicates, preview.invalid_rows, (),
                            since_preview=duplicates - preview.duplicates)
    now = clock()
    apply_choices(session, actor, preview.choices, now)
    settings, look, setting = Settings(session), Lookups(session), HistorySetting.load(session, now)
    proposer = Actor(_import_user(session, now), "import", "数据导入", Role.OPERATOR)
    size = batch_rows or settings.get(IMPORT_BATCH_ROWS)
    batch = ImportBatch(kind="cases", file_name=preview.file_name, sha256=preview.sha256, rows=len(ready),
                        user_id=actor.id, created_at=now, note=sheet_mark(preview) + preview.summary(),
                        skipped_rows=preview.invalid_rows,
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
        now_signed_in = signed_in()
        accounts.confirm_signed_in(session, now_signed_in if now_signed_in.id == actor.id else actor)
        return write_prepared(session, ready, prefix=prefix, by=actor.id)

    if batch.state == import_batches.DONE:
        if cancelled():  # one part, in the caller's transaction: nothing is kept of it
            raise Cancelled("已取消导入，没有写入任何内容。")
        numbers = write(prepare(build(), now))
    else:
        # A long import's parts are entered, and audited, when each is written: the audit trail's times go forward
        # although other stations save between the parts.
        numbers = import_batches.write_in_batches(session, batch, build, size, lambda part: prepare(part, clock()),
                                                  write, user_id=actor.id, clock=clock, progress=progress,
                                                  cancelled=cancelled)
    return ImportResult(batch.id, len(numbers), duplicates, preview.invalid_rows, tuple(numbers), _low_disk(session),
                        since_preview=duplicates - preview.duplicates)


def _low_disk(session: Session) -> str:
    """An import can take most of what was left on the disk of a SQLite file: the next save would fail there."""
    engine = session.get_bind().engine
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return ""
    return low_disk_words(engine.url.database)


def _still_new(session: Session, preview: CasePreview) -> tuple[list[PreparedRow], int]:
    """The previewed rows not imported meanwhile (by another station, since the preview was read)."""
    keys = [row.key for row in preview.ready]
    existing = _cases_by_key(session, keys)
    earlier = _cases_by_key(session, preview.imported_keys)
    if pending := importing(session, [*existing.values(), *earlier.values()]):
        # Skipped as imported, they would be lost when that import fails and is taken back: the rows are left whole.
        batches = "、".join(str(b) for b in sorted(set(pending.values())))
        raise ValidationError(f"文件中有 {len(pending)} 行正由另一工作站导入（批次 {batches}，尚未完成），"
                              "未写入任何内容。请等它完成后重新预览：它导入完成的，这些行作为已导入过跳过；"
                              "它被撤销的，这些行可以再导入。")
    if gone := len(set(preview.imported_keys) - set(earlier)):
        raise ValidationError(f"预览时已导入过的 {gone} 行，其工单在预览之后被撤销（另一工作站的导入未能完成），"
                              "未写入任何内容。请重新预览，这些行会作为新工单导入。")
    ready = [row for row in preview.ready if row.key not in existing]
    return ready, preview.duplicates + len(preview.ready) - len(ready)


def _cases_by_key(session: Session, keys: Sequence[str]) -> dict[str, str]:
    """The cases imported under these keys: key → case number."""
    found: dict[str, str] = {}
    for start in range(0, len(keys), 500):
        found.update((key, number) for key, number in session.execute(
            select(Case.import_key, Case.number).where(Case.import_key.in_(list(keys[start:start + 500]))))
            if key is not None)
    return found


def _new_case(row: PreparedRow, actor: Actor, proposer: Actor, look: Lookups, setting: HistorySetting) -> NewCase:
    """A previewed row as the case to insert, its history checked step by step."""
    v = dict(row.values)
    channel_id, upper = look.channels.get(v["channel"], (None, False))
    v["source"] = case_source(v, look)  # the channel's kind decides 本级 or 上级
    resolved = with_ids(v, look)
    if resolved is None:
        raise ValidationError(f"第 {row.row} 行的取值不在列表中，请重新预览。")
    v = resolved
    category = look.category(v["category"])
    upstream = upstream_of(v, upper=upper)
    columns = {
        "registered_at": v["registered_at"], "source": v["source"], "channel_id": channel_id,
        "upstream_number": upstream,
        "upstream_deadline": end_of_a_day(v.get("upstream_deadline") or (v.get("deadline") if upper else None)),
        "caller_name": v["caller_name"], "phone": v["phone"], "address": v["address"],
        "township_id": v.get("township"), "appeal_type_id": look.types[v["appeal_type"]][0],
        "appeal_type_name": v["appeal_type"], "category_id": look.categories[category],
        "category_label": category, "title": one_line(v["title"])[:TITLE_LENGTH] or title_from(v["content"]),
        "content": v["content"],
        "confidential": v["confidential"], "urgent": bool(v.get("urgent")), "created_by": actor.id,
        "import_key": row.key,
    }
    if row.steps is None or row.status is None:
        return NewCase(columns, *build_history(v, actor, proposer, look, setting, v["number"] or f"第{row.row}行"))
    # The previewed history, its stand-ins replaced by the importer and the proposer (no step's data names them).
    who = {PREVIEW_IMPORTER.id: actor.id, PREVIEW_PROPOSER.id: proposer.id}

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


def _import_user(session: Session, now: datetime) -> int:
    """The pseudo-user that proposed imported dispatches (the importer approves them)."""
    user = session.scalar(select(User).where(User.username == accounts.IMPORT_USERNAME))
    if user is None:
        user = User(username=accounts.IMPORT_USERNAME, display_name="数据导入", role=Role.OPERATOR, active=False)
        session.add(user)
        audit.record_row(session, user, user_id=None, at=now)
    return user.id


# The key a saved mapping keeps its file's channel under: no column is headed so.
MAPPING_CHANNEL = "（整份文件的渠道）"


def _local_note(channel: str, fields: set[str]) -> str:
    """A platform's list read as local: its number went to 原台账编号 and its cases counted as 本级 every day the
    clerk forgot the channel. Said when the file has a platform's columns and nothing says where it came from."""
    if channel or "channel" in fields or not fields & {"upstream_number", "upstream_deadline"}:
        return ""
    return ("注意：文件中有上级工单号或上级办理时限的列，却没有选整份文件来自的渠道，文件中也没有渠道列：各行将记为本级"
            "工单。如果文件来自上级平台，请选该平台（命令行用 --channel；保存列对应关系时一并保存）。")


def mapping_channel(session: Session, name: str) -> str:
    """The channel a saved mapping keeps for its files ("" for none)."""
    return str(Settings(session).get("import.mappings").get(name, {}).get(MAPPING_CHANNEL, "")) if name else ""


def save_mapping(session: Session, actor: Actor, name: str, header_to_field: dict[str, str], *,
                 channel: str = "", clock: Clock = office_now) -> None:
    """Keep a column mapping under a name, for the next file of the same kind (NOT_IMPORTED for a column chosen not
    to be imported: the next file's preview does not ask about it again), with the channel the file came from when
    one was chosen (a platform's daily list: the next day's is read as the platform's without choosing again)."""
    require(actor, "import")
    if not name.strip():
        raise ValidationError("请为列对应关系起一个名字。")
    unknown = set(header_to_field.values()) - set(FIELD_LABELS) - {NOT_IMPORTED}
    if unknown:
        raise ValidationError(f"无法识别的字段：{'、'.join(sorted(unknown))}")
    mappings = dict(Settings(session).get("import.mappings"))
    mappings[name.strip()] = {clean(k): v for k, v in header_to_field.items()} | (
        {MAPPING_CHANNEL: channel} if channel else {})
    set_setting(session, "import.mappings", mappings, user_id=actor.id, at=clock())


def field_names() -> dict[str, str]:
    """Chinese label → field, for mapping columns by hand."""
    return {label: name for name, label in FIELD_LABELS.items()}
