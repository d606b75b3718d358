"""What a later month's bulletin checks say of cases that are not that month's: cases still open with a unit merged
away that belong to the month before, and cases registered this month that count only in a month already finalised,
so that no printed table holds them."""

from __future__ import annotations

from datetime import datetime

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.cases.steps import Reply
from hotline_desk.services.office.reference_admin import merge_units, set_unit_active
from hotline_desk.services.reporting import bulletin
from hotline_desk.services.reporting.bulletin_compose import NarrativeSection
from tests.conftest import FakeClock, People
from tests.helpers import draft, unit_id

AUGUST = "2022-08"


def _case(db: Database, people: People, clock: FakeClock, unit: str, *, replied: bool = False,
          called: datetime | None = None) -> str:
    with db.session() as s:
        case = register_case(s, people.operator, draft(s, unit_id=unit_id(s, unit), registered_at=called),
                             clock=clock)
        wf.approve(s, people.supervisor, case.id, clock=clock)
        wf.sign(s, people.operator, case.id, clock=clock)
        if replied:
            wf.reply(s, people.supervisor, case.id, Reply("已处理"), clock=clock)
    return case.number


def _checks(db: Database, clock: FakeClock, month: str = AUGUST) -> str:
    with db.reader() as s:
        return "\n".join(bulletin.warnings(s, month, clock=clock))


def test_open_cases_of_a_unit_merged_away_are_counted_by_the_month_they_belong_to(
        db: Database, people: People, clock: FakeClock) -> None:
    """纸坊镇 finished every case it was given in August, then merged into 王寨乡; its eight cases still open were
    July's. August's check said 纸坊镇（8 件） as though August's table were still waiting on them."""
    for _ in range(2):
        _case(db, people, clock, "纸坊镇")
    _case(db, people, clock, "煤山街道")
    clock.set(datetime(2022, 8, 10, 9, 0))
    _case(db, people, clock, "纸坊镇", replied=True)
    _case(db, people, clock, "煤山街道")
    clock.set(datetime(2022, 8, 15, 9, 0))
    with db.session() as s:
        merge_units(s, people.admin, "纸坊镇", "王寨乡", clock=clock)
        set_unit_active(s, people.admin, "煤山街道", False, clock=clock)
    clock.set(datetime(2022, 9, 2, 9, 0))
    said = _checks(db, clock)
    assert "评分表中的纸坊镇、煤山街道现已停用或并入其他单位" in said
    assert "纸坊镇（2 件，均为7月的工单）" in said
    assert "煤山街道（2 件：本月 1 件、7月 1 件）" in said


def test_a_case_registered_after_its_month_was_finalised_is_named_in_the_next_months_checks(
        db: Database, people: People, clock: FakeClock) -> None:
    """A call of 20 July registered on 11 August, after July's bulletin was finalised, counts in July alone: July's
    printed tables were frozen without it and August's do not hold it. August's checks said nothing of it."""
    _case(db, people, clock, "纸坊镇")
    clock.set(datetime(2022, 8, 2, 9, 0))
    with db.session() as s:
        bulletin.finalize(s, people.supervisor, "2022-07", clock=clock, accept_warnings=True)
    clock.set(datetime(2022, 8, 11, 10, 0))
    late = _case(db, people, clock, "王寨乡", called=datetime(2022, 7, 20, 9, 0))
    _case(db, people, clock, "王寨乡")  # August's own: in August's tables
    clock.set(datetime(2022, 9, 2, 9, 0))
    said = _checks(db, clock)
    assert (f"本月登记的工单中有 1 件（{late}）的来电时间在 2022-07，按来电时间计入 2022-07 的统计和考核；2022-07 的"
            "简报在它们登记之前已定稿") in said
    assert "不在任何一期印发的简报和评分表中" in said
    assert late not in _checks(db, clock, "2022-09")  # named once, in the month it was registered in


def test_each_empty_narrative_section_is_named_as_not_printed(db: Database, people: People, clock: FakeClock) -> None:
    """三、热点问题 with no text and 四、典型案例 with no case were left out of the PDF without a word: the editor
    learnt it from the printout, its later sections numbered one or two less than planned."""
    _case(db, people, clock, "纸坊镇")
    with db.session() as s:
        bulletin.update_draft(s, people.supervisor, "2022-07", clock=clock, sections=(
            NarrativeSection("热点问题", ("  ",)), NarrativeSection("典型案例", (), typical=True),
            NarrativeSection("业务工作", ("本月召开两次协调会。",)), NarrativeSection("其他", ())))
    clock.set(datetime(2022, 8, 2, 9, 0))
    said = _checks(db, clock, "2022-07").splitlines()
    assert "正文“热点问题”没有内容（没有段落），不会印出；其后各部分的序号依次提前。" in said
    assert "正文“典型案例”没有内容（没有段落，也没有可列出的典型案例），不会印出；其后各部分的序号依次提前。" in said
    assert "正文“其他”没有内容（没有段落），不会印出。" in said
    assert not any("业务工作”没有内容" in line for line in said)
    with db.reader() as s:
        headings = [section.heading for section in bulletin.content(s, "2022-07", clock=clock).document.sections]
    assert headings[2:] == ["三、业务工作"]  # what the checks said: the empty ones are left out
