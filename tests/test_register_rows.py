"""What the rows of a hand-made register become: a history built from what the row says, the steps whose times it
does not give marked as inferred, and anything that cannot go in named as a problem of its row, never dropped."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.models import Case, CaseEvent, Unit
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.case_query import CaseFilter, search_ids
from hotline_desk.services.cases.records import case_view
from hotline_desk.services.exchange.import_preview import CasePreview
from hotline_desk.services.exchange.imports import commit_cases, preview_cases
from hotline_desk.services.exchange.register_history import (
    DISPATCH_INFERRED,
    DISSATISFIED_UNSAID,
    FOLLOWUP_INFERRED,
    SIGN_INFERRED,
)
from hotline_desk.services.office.calendar import set_calendar_day
from hotline_desk.services.reporting.scoring import score_tables
from tests.conftest import FakeClock, People

HEADER = ["编号", "来电时间", "诉求内容", "诉求类型", "问题分类", "办理方式", "承办单位", "交办时间", "签收时间",
          "回复内容", "回复时间", "办结时间", "回访结果", "回访时间", "备注"]


def _register(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row + [None] * (len(HEADER) - len(row)))
    book.save(path)
    return path


def _row(number: str, handling: str, unit: str | None = None, *, dispatched: str | None = None,
         signed: str | None = None, reply: str | None = None, replied: str | None = None, finished: str | None = None,
         followup: str | None = None, followup_at: str | None = None, remark: str | None = None) -> list[object]:
    return [number, "2024-03-04 09:00", "小区路灯不亮", "问题处理类", "城市管理—市容市政", handling, unit, dispatched,
            signed, reply, replied, finished, followup, followup_at, remark]


def _preview(db: Database, path: Path, clock: FakeClock) -> CasePreview:
    clock.set(datetime(2024, 4, 10, 9, 0))
    with db.reader() as s:
        return preview_cases(s, path, clock=clock)


def _history(db: Database, number: str) -> tuple[str, list[tuple[str, str]]]:
    with db.reader() as s:
        case_id, state = s.execute(select(Case.id, Case.state).where(Case.import_key == number)).one()
        events = s.execute(select(CaseEvent.kind, CaseEvent.note).where(CaseEvent.case_id == case_id)
                           .order_by(CaseEvent.seq)).all()
    return state, [(kind, note) for kind, note in events]


def test_a_register_without_sign_times_keeps_the_units_reply_and_the_callers_satisfaction(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    path = _register(tmp_path / "台账.xlsx", [
        _row("TZ1", "交办", "城市管理局", dispatched="2024-03-04 10:00", reply="已修复",
             finished="2024-03-07 16:00", followup="满意"),
        _row("TZ2", "交办", "城市管理局", dispatched="2024-03-04 10:00", signed="2024-03-04 15:00",
             replied="2024-03-06 11:00", followup="不满意", followup_at="2024-03-08 10:00"),
    ])
    preview = _preview(db, path, clock)
    assert preview.problems == [] and len(preview.ready) == 2
    assert "其中 1 行有回复而没有签收时间，签收按交办后一分钟记（据台账）。" in preview.summary()
    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview, clock=clock).imported == 2
    state, steps = _history(db, "TZ1")
    assert state == "finished"
    assert [kind for kind, _note in steps] == ["register", "propose", "approve", "sign", "reply", "followup"]
    assert dict(steps)["sign"] == SIGN_INFERRED and dict(steps)["followup"] == FOLLOWUP_INFERRED
    state, steps = _history(db, "TZ2")  # with its own times: only what a register never holds is marked
    assert dict(steps)["sign"] == "" and dict(steps)["followup"] == DISSATISFIED_UNSAID
    with db.reader() as s:
        departments = score_tables(s, "2024-03", datetime(2024, 4, 10))[1]
    row = next(r for r in departments.rows if r.unit == "城市管理局")
    assert (row.dispatched, row.finished, row.signed_on_time, row.rated, row.satisfied) == (2, 2, 2, 2, 1)


def test_what_cannot_go_into_a_history_is_a_problem_of_its_row(db: Database, people: People, clock: FakeClock,
                                                               tmp_path: Path) -> None:
    path = _register(tmp_path / "台账.xlsx", [
        _row("TZ1", "直办", reply="已解释", finished="2024-03-04 10:00", followup="满意"),
        _row("TZ2", "", reply="已解释", finished="2024-03-04 10:00"),
        _row("TZ3", "交办", "城市管理局", dispatched="2024-03-04 10:00", followup="满意"),
        _row("TZ4", "", remark="群众咨询，已登记"),  # only registered: the office handles it from here
        _row("TZ5", "当场答复", reply="已解释", finished="2024-03-04 09:30", followup="满意"),
    ])
    preview = _preview(db, path, clock)
    found = {(p.row, p.column): p.reason for p in preview.problems}
    assert found == {
        (2, "办理方式"): "办理方式“直办”无法识别，应写明协调办理或交办处理（交办的写明承办单位）",
        (3, "办理方式"): "缺少办理方式：有回复、办结或回访的工单须写明协调办理或交办处理",
        (4, "回访结果"): "交办处理的工单有回访结果，但没有回复时间或办结时间：回访无法导入",
    }
    assert sorted(row.key for row in preview.ready) == ["TZ4", "TZ5"]
    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview, only_valid=True, clock=clock).imported == 2
    assert _history(db, "TZ4")[0] == "registered" and _history(db, "TZ5")[0] == "finished"


def test_a_remarks_extension_needs_no_deadline_column(db: Database, people: People, clock: FakeClock,
                                                      tmp_path: Path) -> None:
    """The deadline is counted from the appeal type, as for a dispatch made in the app, and extended by the days."""
    path = _register(tmp_path / "台账.xlsx", [
        _row("TZ1", "交办", "城市管理局", dispatched="2024-03-04 10:00", signed="2024-03-04 11:00",
             replied="2024-03-20 10:00", followup="满意", remark="延期5个工作日"),
    ])
    preview = _preview(db, path, clock)
    assert preview.problems == []
    with db.session() as s:
        commit_cases(s, people.supervisor, preview, clock=clock)
    state, steps = _history(db, "TZ1")
    assert state == "finished" and [k for k, _n in steps][4:6] == ["extension_request", "extension_accept"]


def test_unit_names_as_clerks_write_them(db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A township without its kind word is that township; an abbreviation is suggested; a name sharing only “局”
    with a unit gets no suggestion, so that taking the suggestions cannot file it under the wrong unit."""
    path = _register(tmp_path / "台账.xlsx", [
        _row("TZ1", "交办", "住建局", dispatched="2024-03-04 10:00"),
        _row("TZ2", "交办", "电业局", dispatched="2024-03-04 10:00"),
        _row("TZ3", "交办", "城管局", dispatched="2024-03-04 10:00"),
    ])
    book = openpyxl.load_workbook(path)
    book.active.cell(1, len(HEADER) + 1, "所属乡镇")
    for row, town in ((2, "纸坊"), (3, "煤山"), (4, "汝南办事处")):
        book.active.cell(row, len(HEADER) + 1, town)
    book.save(path)
    clock.set(datetime(2024, 4, 10, 9, 0))
    with db.reader() as s:
        preview = preview_cases(s, path, clock=clock, accept_suggestions=True)
    taken = {value: choice.target for (_field, value), choice in preview.choices.items()}
    assert taken == {"住建局": "住房和城乡建设局", "城管局": "城市管理局"}
    assert [(u.value, u.suggestion) for u in preview.unknown] == [("电业局", "")]
    assert [(p.row, p.reason) for p in preview.problems] == [(3, "承办单位“电业局”不在列表中")]
    with db.session() as s:
        commit_cases(s, people.supervisor, preview, only_valid=True, clock=clock)
    with db.reader() as s:
        rows = s.execute(select(Case.import_key, Unit.name).join(Unit, Unit.id == Case.township_id)
                         .order_by(Case.import_key)).all()
        units = s.execute(select(Case.import_key, Unit.name).join(Unit, Unit.id == Case.main_unit_id)
                          .order_by(Case.import_key)).all()
    assert [tuple(r) for r in rows] == [("TZ1", "纸坊镇"), ("TZ3", "汝南街道")]
    assert [tuple(r) for r in units] == [("TZ1", "住房和城乡建设局"), ("TZ3", "城市管理局")]


def test_phone_numbers_as_clerks_write_them(db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Grouped or full-width, a mobile number is stored as its 11 digits (so the repeat-caller check finds it);
    a landline keeps its area code and dash."""
    path = _register(tmp_path / "台账.xlsx", [_row(f"TZ{i}", "当场答复", reply="已解释", finished="2024-03-04 09:30")
                                             for i in range(1, 6)])
    book = openpyxl.load_workbook(path)
    book.active.cell(1, len(HEADER) + 1, "联系电话")
    for row, written in enumerate(("139-0000-0003", "１３９０００００００４", "139 0000 0002", "0375-6012345",
                                   "13９００００７００７"), 2):  # an input method switched to full width midway
        book.active.cell(row, len(HEADER) + 1, written)
    book.save(path)
    preview = _preview(db, path, clock)
    assert preview.problems == []
    with db.session() as s:
        commit_cases(s, people.supervisor, preview, clock=clock)
    with db.reader() as s:
        phones = s.execute(select(Case.import_key, Case.phone).order_by(Case.import_key)).all()
    assert [tuple(p) for p in phones] == [("TZ1", "13900000003"), ("TZ2", "13900000004"), ("TZ3", "13900000002"),
                                          ("TZ4", "0375-6012345"), ("TZ5", "13900007007")]


def test_the_registers_own_number_is_shown_and_found(db: Database, people: People, clock: FakeClock,
                                                     tmp_path: Path) -> None:
    """Citizens and units quote the number the old register gave: the case shows it and a search finds it."""
    path = _register(tmp_path / "台账.xlsx", [
        _row("TZ230100917", "当场答复", reply="已解释", finished="2024-03-04 09:30"),
        _row("TZ230100918", "当场答复", reply="已解释", finished="2024-03-04 09:40")])
    preview = _preview(db, path, clock)
    with db.session() as s:
        commit_cases(s, people.supervisor, preview, clock=clock)
    with db.reader() as s:
        found = search_ids(s, CaseFilter(text="TZ230100917"), now=clock())
        assert len(found) == 1 and case_view(s, found[0]).register_number == "TZ230100917"
        assert len(search_ids(s, CaseFilter(text="TZ2301009"), now=clock())) == 2
        assert case_view(s, found[0]).number.startswith("RZ2403-")


def test_a_repeated_row_is_named_even_when_its_first_copy_has_problems(db: Database, clock: FakeClock,
                                                                        tmp_path: Path) -> None:
    """Both the first copy's problem and the repeat are shown at once, not the repeat only after the fix."""
    path = _register(tmp_path / "台账.xlsx", [
        _row("TZ1", "直办", reply="已解释", finished="2024-03-04 10:00"),
        _row("TZ1", "当场答复", reply="已解释", finished="2024-03-04 10:00"),
        _row("TZ2", "当场答复", reply="已解释", finished="2024-03-04 10:00"),
        _row("TZ2", "当场答复", reply="已解释", finished="2024-03-04 10:00"),
    ])
    preview = _preview(db, path, clock)
    assert [(p.row, p.column, p.reason[:8]) for p in preview.problems] == [
        (2, "办理方式", "办理方式“直办”"), (3, "工单编号", "与第 2 行重复")]
    assert [row.key for row in preview.ready] == ["TZ2"]
    assert preview.listed_twice == [(5, 4)]  # a row repeated whole is one case: taken once, and said
    assert "第 5 行与第 4 行是同一件（编号、来电时间和诉求内容都相同），只导入一次。" in preview.summary()


def test_a_coordinated_row_naming_a_unit_and_a_dispatch_without_its_time(db: Database, people: People,
                                                                         clock: FakeClock, tmp_path: Path) -> None:
    """协调办理 with a unit and a 签收时间 contradicts itself: a problem, not a unit dropped in silence. A dispatch
    whose time the register does not give is dated with the call and says so."""
    path = _register(tmp_path / "台账.xlsx", [
        _row("TZ1", "协调办理", "城市管理局", signed="2024-03-04 11:00", reply="已答复", finished="2024-03-04 12:00"),
        _row("TZ2", "交办", "城市管理局", signed="2024-03-04 11:00", replied="2024-03-05 10:00"),
    ])
    preview = _preview(db, path, clock)
    assert [(p.row, p.column, p.reason) for p in preview.problems] == [
        (2, "办理方式", "办理方式为协调办理，却写有承办单位、签收时间：请核对是协调办理还是交办处理")]
    with db.session() as s:
        commit_cases(s, people.supervisor, preview, only_valid=True, clock=clock)
    _state, steps = _history(db, "TZ2")
    assert dict(steps)["approve"] == DISPATCH_INFERRED and dict(steps)["sign"] == ""


def _called(row: list[object], at: str, content: str | None = None) -> list[object]:
    row[1] = at
    if content is not None:
        row[2] = content
    return row


def test_a_register_that_numbers_from_1_every_month_imports_every_month(db: Database, people: People,
                                                                          clock: FakeClock, tmp_path: Path) -> None:
    """The same number at another time is another call: imported as its own case and said so, never counted as
    imported before; the same number and time with other words is a problem, not a repeat passed over."""
    february = _register(tmp_path / "二月台账.xlsx", [
        _called(_row("1", "当场答复", reply="已解释", finished="2024-02-05 09:30"), "2024-02-05 09:00", "问社保卡"),
        _called(_row("2", "当场答复", reply="已解释", finished="2024-02-06 09:30"), "2024-02-06 09:00", "问公积金"),
    ])
    march = _register(tmp_path / "三月台账.xlsx", [
        _called(_row("1", "当场答复", reply="已解释", finished="2024-03-04 09:30"), "2024-03-04 09:00", "问医保"),
        _called(_row("2", "当场答复", reply="已解释", finished="2024-03-05 09:30"), "2024-03-05 09:00", "问低保"),
        # the month's own register repeats a number for a call on another day: a different case too
        _called(_row("2", "当场答复", reply="已解释", finished="2024-03-06 09:30"), "2024-03-06 09:00", "问户口"),
    ])
    with db.session() as s:
        assert commit_cases(s, people.supervisor, _preview(db, february, clock), clock=clock).imported == 2
    preview = _preview(db, march, clock)
    assert preview.problems == [] and len(preview.ready) == 3 and preview.duplicates == 0
    assert ("第 2、3、4 行的编号已用于来电时间不同的另一件工单（台账每月从 1 起编号时常见），各作为一件新工单导入"
            in preview.summary())
    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview, clock=clock).imported == 3
    again = _preview(db, march, clock)
    assert (len(again.ready), again.duplicates, again.problems) == (0, 3, [])
    assert "编号已用于" not in again.summary()  # nothing goes in as new: nothing to say of numbers reused
    with db.reader() as s:
        numbers = {c.content: case_view(s, c.id).register_number for c in s.scalars(select(Case))}
    assert numbers == {"问社保卡": "1", "问公积金": "2", "问医保": "1", "问低保": "2", "问户口": "2"}
    corrected = _register(tmp_path / "二月台账-改.xlsx", [
        _called(_row("1", "当场答复", reply="已解释", finished="2024-02-05 09:30"), "2024-02-05 09:00", "问社保卡补办"),
    ])
    [problem] = _preview(db, corrected, clock).problems
    assert (problem.row, problem.column) == (2, "诉求内容")
    assert problem.reason.startswith("编号和来电时间与已导入的工单RZ2402-")
    assert "请在本软件中修改登记内容" in problem.reason


def test_a_handling_word_not_understood_is_a_problem_even_beside_a_unit(db: Database, clock: FakeClock,
                                                                       tmp_path: Path) -> None:
    """直办 is 协调 in one office and 交办 in another: the unit beside it does not decide (a case left open at the
    unit would cost it its scores)."""
    path = _register(tmp_path / "台账.xlsx", [_row("TZ1", "直办", "温泉镇"), _row("TZ2", "派单", "温泉镇"),
                                            _row("TZ3", "", "温泉镇")])
    preview = _preview(db, path, clock)
    assert [(p.row, p.column, p.reason) for p in preview.problems] == [
        (2, "办理方式", "办理方式“直办”无法识别（写有承办单位温泉镇，是交办处理吗？），"
                        "应写明协调办理或交办处理（交办的写明承办单位）")]
    assert [row.values["handling"] for row in preview.ready] == ["dispatch", "dispatch"]


def test_the_registers_remark_is_kept_in_its_own_words(db: Database, people: People, clock: FakeClock,
                                                       tmp_path: Path) -> None:
    path = _register(tmp_path / "台账.xlsx", [
        _row("TZ1", "当场答复", reply="已解释", finished="2024-03-04 09:30", remark="已电话回访，群众表示满意"),
        _row("TZ2", "交办", "城市管理局", dispatched="2024-03-04 10:00", remark="申请延期但未批准"),
        _row("TZ3", "交办", "城市管理局", dispatched="2024-03-04 10:00", remark="延期5个工作日")])
    with db.session() as s:
        assert commit_cases(s, people.supervisor, _preview(db, path, clock), clock=clock).imported == 3
    notes = {number: _history(db, number)[1][0] for number in ("TZ1", "TZ2", "TZ3")}
    assert notes == {"TZ1": ("register", "（台账备注：已电话回访，群众表示满意）"),
                     "TZ2": ("register", "（台账备注：申请延期但未批准）"),
                     "TZ3": ("register", "（台账备注：延期5个工作日）")}
    assert [kind for kind, _note in _history(db, "TZ3")[1]][-2:] == ["extension_request", "extension_accept"]


def test_a_cell_merged_down_over_rows_counts_for_each_of_them_and_is_said(db: Database, people: People,
                                                                          clock: FakeClock, tmp_path: Path) -> None:
    """A clerk merges one unit, one 回访结果 over the rows it is for; read as blanks, the rows under the first lost
    it."""
    path = _register(tmp_path / "台账.xlsx", [
        _row("TZ1", "交办", "城市管理局", dispatched="2024-03-04 10:00", finished="2024-03-05 10:00", followup="满意"),
        _row("TZ2", "交办", None, dispatched="2024-03-04 10:00", finished="2024-03-05 10:00", followup=None),
        _row("TZ3", "交办", None, dispatched="2024-03-04 10:00", finished="2024-03-05 10:00", followup=None)])
    book = openpyxl.load_workbook(path)
    sheet = book.active
    sheet.merge_cells("G2:G4")  # 承办单位
    sheet.merge_cells("M2:M3")  # 回访结果
    book.save(path)
    preview = _preview(db, path, clock)
    assert preview.problems == [] and len(preview.ready) == 3
    assert ("第 2–4 行的“承办单位”（城市管理局）、第 2–3 行的“回访结果”（满意）是合并的一格，每一行都按它导入。"
            in preview.summary())
    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview, clock=clock).imported == 3
    assert [_history(db, number)[0] for number in ("TZ1", "TZ2", "TZ3")] == ["finished", "finished",
                                                                            "pending_followup"]


def test_of_two_columns_with_one_name_the_visible_one_is_read_and_the_hidden_one_named(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["编号", "来电时间", "联系电话", "联系电话", "诉求内容", "诉求类型", "问题分类", "来电人"])
    sheet.append(["TZ1", "2024-03-04 09:00", "13000000000", "13911112222", "路灯不亮", "问题处理类",
                  "城市管理—市容市政", "王女士"])
    sheet.column_dimensions["C"].hidden = True  # the old number, kept out of sight
    sheet.column_dimensions["H"].hidden = True
    book.save(path)
    preview = _preview(db, path, clock)
    [row] = preview.ready
    assert (row.values["phone"], row.values["caller_name"]) == ("13911112222", "王女士")
    assert ("C 列“联系电话”是隐藏的列，未导入（导入的是同名的 D 列）；H 列“来电人”是隐藏的列，照常导入。"
            in preview.summary())


def test_hidden_rows_of_a_register_are_imported_and_said(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    """Rows a clerk hid (cases set aside, or a filter left on) go in like the others; the preview says which, since
    whoever looks at the sheet does not see them."""
    path = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["编号", "来电时间", "诉求内容", "诉求类型", "问题分类"])
    for n in range(1, 4):
        sheet.append([f"TZ{n}", f"2024-03-04 09:0{n}", f"路灯不亮{n}", "问题处理类", "城市管理—市容市政"])
    sheet.row_dimensions[3].hidden = True
    book.save(path)
    preview = _preview(db, path, clock)
    assert len(preview.ready) == 3
    assert "第 3 行是隐藏的行（共 1 行），其中的工单照常读取" in preview.summary()


def test_names_written_with_full_width_brackets_or_digits_are_the_lists_own(db: Database, clock: FakeClock,
                                                                            tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["编号", "来电时间", "诉求内容", "诉求类型", "问题分类", "承办单位", "渠道"])
    book.active.append(["TZ1", "2024-03-04 09:00", "学校门口拥堵", "问题处理类", "城市管理—市容市政",
                        "教育体育局（教育）", "１２３４５热线电话"])
    book.save(path)
    preview = _preview(db, path, clock)
    assert preview.problems == [] and preview.unknown == []
    [row] = preview.ready
    assert (row.values["unit"], row.values["channel"]) == ("教育体育局(教育)", "12345热线电话")


def test_the_preview_says_how_it_read_what_the_register_wrote(db: Database, clock: FakeClock,
                                                              tmp_path: Path) -> None:
    """Every reading the import makes for the clerk is said before anything is written."""
    path = _register(tmp_path / "台账.xlsx", [
        _row("TZ1", "派单", "城市管理局", dispatched="2024-03-04 10:00"),
        _row("TZ2", "派单", "城市管理局", dispatched="2024-03-04 10:00", remark="延期5个工作日"),
        _row("TZ3", "", "城市管理局", dispatched="2024-03-04 10:00", finished="2024-03-05 10:00"),
        _row("TZ4", "当场答复", reply="已解释", finished="2024-03-04 09:30", remark="已电话回访"),
        _row("TZ5", "交办处理", "城市管理局", dispatched="2024-03-04 10:00", finished="2024-03-05 10:00",
             followup="满意")])
    summary = _preview(db, path, clock).summary()
    assert ("办理方式的读法：“派单”读作交办处理（2 行）、空白而写有承办单位，读作交办处理（1 行）、"
            "“当场答复”读作协调办理（1 行）。") in summary
    assert "备注中的延期 1 行作为批准的延期、退单改派导入。2 行的备注原话记在该工单登记一步的说明中。" in summary
    assert ("导入后，2 件仍由承办单位办理（台账没有回复或办结时间），会出现在交办跟踪和该单位的交办单上，"
            "2 件待回访（台账没有回访结果），会出现在回访页。") in summary


def test_a_later_copy_of_the_register_that_says_more_is_noticed_not_passed_over(db: Database, people: People,
                                                                                  clock: FakeClock,
                                                                                  tmp_path: Path) -> None:
    """Offices keep one running register and send it again with 办结 and 回访 filled in: those rows are in already,
    and the app does not rewrite a case's history from a file — but it says which rows now say more."""
    first = _register(tmp_path / "一月台账.xlsx", [
        _row("TZ1", "交办", "城市管理局", dispatched="2024-03-04 10:00"),
        _row("TZ2", "交办", "城市管理局", dispatched="2024-03-04 10:00")])
    with db.session() as s:
        assert commit_cases(s, people.supervisor, _preview(db, first, clock), clock=clock).imported == 2
    later = _register(tmp_path / "一月台账-更新.xlsx", [
        _row("TZ1", "交办", "城市管理局", dispatched="2024-03-04 10:00", finished="2024-03-06 10:00", followup="满意"),
        _row("TZ2", "交办", "城市管理局", dispatched="2024-03-04 10:00")])
    preview = _preview(db, later, clock)
    assert (len(preview.ready), preview.duplicates, preview.problems) == (0, 2, [])
    [(row, number, parts)] = preview.changed
    assert (row, parts) == (2, ["回复和办结", "回访"]) and number.startswith("RZ2403-")
    assert f"注意：第 2 行（{number}）的回复和办结、回访与导入时不同。已导入的工单不按表格更新" in preview.summary()
    assert _history(db, "TZ1")[0] == "dispatched"  # nothing was rewritten
    # the clerk registers here what the notice asks, step by step: what is registered is not named again
    with db.session() as s:
        case_id = s.scalars(select(Case.id).where(Case.number == number)).one()
        wf.sign(s, people.operator, case_id, clock=clock)
        wf.reply(s, people.operator, case_id, wf.Reply(text="已修复", result="已解决"), clock=clock)
    assert [parts for _row, _number, parts in _preview(db, later, clock).changed] == [["回访"]]
    with db.session() as s:
        wf.follow_up(s, people.operator, case_id, "satisfied", clock=clock)
    again = _preview(db, later, clock)
    assert (again.changed, again.duplicates) == ([], 2) and "与导入时不同" not in again.summary()


def test_a_register_numbered_only_by_its_serial_catches_a_corrected_row_and_says_what_serial_is(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """序号 counts rows, it does not name a case: left out, and said why; a row of a later copy whose wording was
    corrected is still known by its call (time and phone), not imported again as a second case."""
    def register(path: Path, content: str) -> Path:
        book = openpyxl.Workbook()
        book.active.append(["序号", "来电时间", "联系电话", "诉求内容", "诉求类型", "问题分类"])
        book.active.append([1, "2024-03-04 09:00", "13900001111", content, "咨询类", "城市管理—市容市政"])
        book.active.append([2, "2024-03-04 10:00", "13900002222", "问公积金", "咨询类", "城市管理—市容市政"])
        book.save(path)
        return path

    first = _preview(db, register(tmp_path / "二月.xlsx", "问社保卡补办"), clock)
    assert "“序号”一列没有导入：序号常随排序、插行而变" in first.summary()
    with db.session() as s:
        assert commit_cases(s, people.supervisor, first, clock=clock).imported == 2
    corrected = _preview(db, register(tmp_path / "二月-改.xlsx", "问社保卡如何补办"), clock)
    assert (len(corrected.ready), corrected.duplicates) == (0, 1)
    [problem] = corrected.problems
    assert problem.row == 2 and "来电时间和联系电话相同，诉求内容却不同" in problem.reason


def test_a_category_is_suggested_for_what_its_second_level_says_not_for_its_first(db: Database, clock: FakeClock,
                                                                                  tmp_path: Path) -> None:
    """The suggestion is chosen to begin with in the wizard: 城市管理—违章建筑 for 城市管理—路灯维修养护 (they share
    only 城市管理—) would be kept by a hurried click."""
    path = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["编号", "来电时间", "诉求内容", "诉求类型", "问题分类"])
    for number, category in (("T1", "城市管理—路灯维修养护"), ("T2", "城市管理—停车难"), ("T3", "出租车管理"),
                             ("T4", "社会保障—医疗保险报销比例")):
        book.active.append([number, "2024-03-04 09:00", f"诉求{number}", "咨询类", category])
    book.save(path)
    suggested = {u.value: u.suggestion.split("、")[0] for u in _preview(db, path, clock).unknown}
    assert suggested == {"城市管理—路灯维修养护": "", "城市管理—停车难": "城市管理—停车管理",
                         "出租车管理": "交通运输—出租车", "社会保障—医疗保险报销比例": "社会保险—医疗保险"}


def test_a_date_written_alone_on_the_day_of_the_step_before_it_is_that_day_after_that_step(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """办结日期 2024-03-04 beside 交办时间 2024-03-04 10:00 was read as midnight and refused as 办结时间早于交办时间."""
    path = _register(tmp_path / "台账.xlsx", [
        _row("TZ1", "交办", "城市管理局", dispatched="2024-03-04 10:00", reply="已修复", finished="2024-03-04",
             followup="满意", followup_at="2024-03-04"),
        _row("TZ2", "交办", "城市管理局", dispatched="2024-03-04 10:00", reply="已修复", finished="2024-03-03"),
    ])
    preview = _preview(db, path, clock)
    assert [(p.row, p.column, p.reason) for p in preview.problems] == [(3, "办结时间", "办结时间早于交办时间")]
    assert "其中 1 行的时间只写了日期且与上一步同日，按当日上一步后一分钟记（据台账）。" in preview.summary()
    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview, clock=clock, only_valid=True).imported == 1
    state, steps = _history(db, "TZ1")
    assert state == "finished"
    with db.reader() as s:
        times = dict(s.execute(select(CaseEvent.kind, CaseEvent.at).join(Case, Case.id == CaseEvent.case_id)
                               .where(Case.import_key == "TZ1")).all())
    assert (times["reply"], times["followup"]) == (datetime(2024, 3, 4, 10, 1), datetime(2024, 3, 4, 10, 2))
    assert dict(steps)["reply"] == "（据台账：台账的办结时间只写了日期，按当日上一步后一分钟记）"
    assert dict(steps)["followup"] == "（据台账：台账的回访时间只写了日期，按当日上一步后一分钟记）"


def test_a_unit_is_suggested_by_its_own_name_once_even_when_an_alias_is_closer(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Suggestions named an alias (最接近的有：城管局) or a unit twice, by its name and its alias, as if a tie."""
    from hotline_desk.services.office.reference_admin import add_alias

    with db.session() as s:
        add_alias(s, people.admin, "unit", "城管局", "城市管理局", clock=clock)
    path = _register(tmp_path / "台账.xlsx", [_row("TZ1", "交办", "城管", dispatched="2024-03-04 10:00")])
    [unknown] = _preview(db, path, clock).unknown
    assert unknown.suggestion.split("、")[0] == "城市管理局" and "城管局" not in unknown.suggestion.split("、")


def test_a_date_alone_stays_on_its_day_and_after_the_steps_a_remark_adds(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """签收 2024-03-04 beside 交办 23:59 became 03-05 00:00, and the next date alone on 03-04 was then refused as
    earlier; beside 延期 in 备注, the reply fell a minute before the extension's steps and the row was refused with
    times the clerk never wrote."""
    path = _register(tmp_path / "台账.xlsx", [
        _row("TZ1", "交办", "城市管理局", dispatched="2024-03-04 23:58", signed="2024-03-04", reply="已修复",
             finished="2024-03-04"),
        _row("TZ2", "交办", "城市管理局", dispatched="2024-03-05 09:10", signed="2024-03-05", reply="已修复",
             finished="2024-03-05", followup="满意", followup_at="2024-03-05", remark="延期5个工作日"),
    ])
    preview = _preview(db, path, clock)
    assert preview.problems == [] and len(preview.ready) == 2
    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview, clock=clock).imported == 2
    with db.reader() as s:
        for number in ("TZ1", "TZ2"):
            moments = s.scalars(select(CaseEvent.at).join(Case, Case.id == CaseEvent.case_id)
                                .where(Case.import_key == number).order_by(CaseEvent.seq)).all()
            assert moments == sorted(moments) and moments[-1].date() == moments[2].date(), (number, moments)


def test_a_unit_not_on_the_lists_beside_an_empty_handling_is_one_problem_not_two(
        db: Database, clock: FakeClock, tmp_path: Path) -> None:
    """纸坊镇派出所 unknown beside an empty 办理方式 also gave 缺少办理方式, as if the register had named no unit."""
    path = _register(tmp_path / "台账.xlsx", [
        _row("TZ1", "", "纸坊镇派出所", dispatched="2024-03-04 10:00", reply="已处理", finished="2024-03-05 10:00"),
    ])
    problems = [(p.column, p.reason) for p in _preview(db, path, clock).problems]
    assert [column for column, _reason in problems] == ["承办单位"], problems
    assert problems[0][1].startswith("承办单位“纸坊镇派出所”不在列表中")


def test_a_true_or_false_cell_is_imported_as_excel_shows_it(db: Database, people: People, clock: FakeClock,
                                                             tmp_path: Path) -> None:
    """Excel turns a typed TRUE into a Boolean cell and shows it as TRUE: imported, it read "True"."""
    row = _row("TZ1", "当场答复", reply="已解释", finished="2024-03-04 09:30")
    row[2], row[9] = True, False
    path = _register(tmp_path / "台账.xlsx", [row])
    with db.session() as s:
        assert commit_cases(s, people.supervisor, _preview(db, path, clock), clock=clock).imported == 1
    with db.reader() as s:
        content, case_id = s.execute(select(Case.content, Case.id).where(Case.import_key == "TZ1")).one()
        assert content == "TRUE"
        assert "FALSE" in str(case_view(s, case_id))


def test_an_old_register_says_what_it_leaves_to_judge_what_it_dates_by_day_and_the_years_without_holidays(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Four years of registers went in and 1,234 old 不满意 cases sat in 待甄别, unfinished, lowering their months'
    办结率, with no word; calls dated by the day alone read 00:00 in their history as if so timed; and deadlines
    were counted without the years' holidays, none entered. The preview says all three."""
    unhappy = _row("TZ1", "交办", "城市管理局", dispatched="2024-03-04 10:00", reply="已修复",
                   finished="2024-03-05 10:00", followup="不满意")
    by_day = _row("TZ2", "当场答复", reply="已解释", finished="2024-03-04 09:30")
    by_day[1] = "2024年3月4日"
    preview = _preview(db, _register(tmp_path / "台账.xlsx", [unhappy, by_day]), clock)
    assert preview.problems == [] and len(preview.ready) == 2
    summary = preview.summary()
    assert "1 件回访不满意、台账没有甄别结果，会出现在回访页的“待甄别”，甄别之前不算办结" in summary, summary
    assert "其中 1 行的来电时间只写了日期，按当日 0:00 记（办理历史中注明据台账）。" in summary
    assert "注意：2024 年的节假日和调休还没有录入工作日历" in summary
    with db.session() as s:
        commit_cases(s, people.supervisor, preview, clock=clock)
    _state, steps = _history(db, "TZ2")
    assert steps[0] == ("register", "（据台账：来电时间只写了日期，按当日 0:00 记）")
    assert _history(db, "TZ1")[1][0] == ("register", "")  # timed: nothing to say
    with db.session() as s:  # the year entered: nothing more to say of it
        for day in range(1, 8):
            set_calendar_day(s, date(2024, 2, 10 + day), False)
    again = _preview(db, _register(tmp_path / "台账2.xlsx", [_row("TZ3", "交办", "城市管理局",
                                                                   dispatched="2024-03-04 10:00")]), clock)
    assert "节假日和调休还没有录入" not in again.summary()
