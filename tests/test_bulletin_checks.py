"""What the editor is told before a bulletin goes out, and what the page suggests: a month not over yet, a typical case
left half written, no bare section heading, and 办理较好/较差 chosen among units that had cases."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.errors import DatabaseError, ValidationError
from hotline_desk.models import Case, CaseEvent
from hotline_desk.services.accounts import anchors
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.cases.steps import Reply
from hotline_desk.services.office import reference_admin as ra
from hotline_desk.services.reporting import bulletin
from hotline_desk.services.reporting.bulletin_compose import NarrativeSection, TypicalCase
from tests.conftest import FakeClock, People
from tests.helpers import draft, unit_id

MONTH = "2022-07"


def _month_with_two_units(db: Database, people: People, clock: FakeClock) -> None:
    """纸坊镇 replies and is followed up satisfied; 城市管理局 never signs its case."""
    with db.session() as s:
        good, late = unit_id(s, "纸坊镇"), unit_id(s, "城市管理局")
        first = register_case(s, people.operator, draft(s, unit_id=good), clock=clock)
        wf.approve(s, people.supervisor, first.id, clock=clock)
        wf.sign(s, people.supervisor, first.id, clock=clock)
        wf.reply(s, people.supervisor, first.id, Reply("已处理"), clock=clock)
        wf.follow_up(s, people.operator, first.id, "satisfied", clock=clock)
        second = register_case(s, people.operator, draft(s, unit_id=late), clock=clock)
        wf.approve(s, people.supervisor, second.id, clock=clock)


def test_the_suggested_best_and_worst_units_had_cases(db: Database, people: People, clock: FakeClock) -> None:
    _month_with_two_units(db, people, clock)
    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.reader() as s:
        suggested = bulletin.suggest_remarks(s, MONTH, clock=clock)
    # Units with no case score full marks by rule, so 陵头镇 (first in order) used to be suggested as 较好.
    assert suggested.good == "纸坊镇、城市管理局" and suggested.bad == "" and suggested.ties == ()


def test_a_tie_the_suggestion_settled_by_the_table_s_order_is_said(
        db: Database, people: People, clock: FakeClock) -> None:
    """Two townships handled their cases alike and share the top 合计: the suggestion names one (the table's order
    chose it), and says which units tie with it."""
    _month_with_two_units(db, people, clock)
    with db.session() as s:
        twin = register_case(s, people.operator, draft(s, unit_id=unit_id(s, "陵头镇")), clock=clock)
        wf.approve(s, people.supervisor, twin.id, clock=clock)
        wf.sign(s, people.supervisor, twin.id, clock=clock)
        wf.reply(s, people.supervisor, twin.id, Reply("已处理"), clock=clock)
        wf.follow_up(s, people.operator, twin.id, "satisfied", clock=clock)
    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.reader() as s:
        suggested = bulletin.suggest_remarks(s, MONTH, clock=clock)
        towns = next(t for t in bulletin.score_tables(s, MONTH, bulletin.month_cutoff(s, MONTH, clock=clock))
                     if t.group == "township")
    first = next(row for row in towns.rows if row.dispatched)
    assert suggested.good.split("、")[0] == first.unit
    assert len(suggested.ties) == 1, suggested.ties
    assert suggested.ties[0].startswith(f"乡镇街道合计最高的有 2 个单位并列（{first.total}分）：")
    assert "纸坊镇" in suggested.ties[0] and "陵头镇" in suggested.ties[0]
    assert suggested.ties[0].endswith(f"建议中只填了{first.unit}，请斟酌。")
    with db.session() as s:  # finalising with the suggestion as it is: the tied unit left out is named again
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, good_units=suggested.good)
    with db.reader() as s:
        said = bulletin.warnings(s, MONTH, clock=clock)
    other = "陵头镇" if first.unit == "纸坊镇" else "纸坊镇"
    assert f"乡镇街道考核表中与办理较好的单位并列合计最高（{first.total} 分）的{other}没有写上。请斟酌。" in said, said


def test_a_unit_with_cases_but_no_follow_up_result_is_named_for_its_full_satisfaction_marks(
        db: Database, people: People, clock: FakeClock) -> None:
    """城市管理局 never signed its case, so none was followed up: 满意率 over nothing gives full marks by rule, as a
    unit with no case gets; the editor is told which units score so, with how many cases."""
    _month_with_two_units(db, people, clock)
    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.reader() as s:
        seen = bulletin.warnings(s, MONTH, clock=clock)
    named = [w for w in seen if "没有一件计入满意率的回访结果" in w]
    assert named == ["市直单位中有 1 个单位本月有交办工单，但没有一件计入满意率的回访结果（未回访、"
                     "待回访或甄别为非单位责任），满意率一栏按规则得满分：城市管理局（1 件）。"], seen


def test_finalising_a_month_before_the_one_before_it_is_questioned(
        db: Database, people: People, clock: FakeClock) -> None:
    """June has a case and no finalised bulletin: finalising July first gives June the later 总期号."""
    _month_with_two_units(db, people, clock)
    june = FakeClock(datetime(2022, 6, 28, 9, 0))
    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=june)
    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.reader() as s:
        total = bulletin.get_draft(s, MONTH).issue.total_issue
        said = [w for w in bulletin.warnings(s, MONTH, clock=clock) if w.startswith("上月")]
    assert said == [f"上月（2022-06）有工单，它的简报还没有定稿：本期定稿后再定稿上月的，上月简报的总期号会排在本期"
                    f"（总第{total}期）之后。"]
    # June's draft saved with its number: that number stays, whatever is finalised first (it was said to move)
    with db.session() as s:
        bulletin.update_draft(s, people.supervisor, "2022-06", clock=clock, call_volume="约1万人次")
    with db.reader() as s:
        kept = bulletin.get_draft(s, "2022-06").issue.total_issue
        total = bulletin.get_draft(s, MONTH).issue.total_issue  # proposed after June's, now June's is kept
        seen = bulletin.warnings(s, MONTH, clock=clock)
    assert [w for w in seen if w.startswith("上月")] == [
        f"上月（2022-06）有工单，它的简报还没有定稿：上月草稿存的是总第{kept}期，本期是总第{total}期，"
        "请核对两期的总期号是否接续（最好按月份顺序定稿）。"]
    # July follows June's draft: not told also to take June's number (总第262期 after the setting's 261)
    assert total == kept + 1 and not [w for w in seen if w.startswith("总期号")], seen
    with db.session() as s:
        bulletin.finalize(s, people.supervisor, "2022-06", clock=clock, accept_warnings=True)
    with db.reader() as s:
        assert not [w for w in bulletin.warnings(s, MONTH, clock=clock) if w.startswith("上月")]


def test_issue_numbers_and_a_date_that_do_not_follow_on_are_questioned_before_they_are_frozen(
        db: Database, people: People, clock: FakeClock) -> None:
    """Under pressure on the last day, 总第26期 for 262, 第17期 and 2021-01-01 were finalised without a word, and a
    finalised bulletin cannot be changed."""
    june = FakeClock(datetime(2022, 6, 28, 9, 0))
    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=june)
    _month_with_two_units(db, people, clock)
    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.session() as s:
        bulletin.finalize(s, people.supervisor, "2022-06", clock=clock, accept_warnings=True)
        june_issue = bulletin.get_draft(s, "2022-06").issue
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, total_issue=26, year_issue=17,
                              issue_date=datetime(2021, 1, 1).date())
    with db.reader() as s:
        said = bulletin.warnings(s, MONTH, clock=clock)
    assert (f"总期号是第26期，而上一期已定稿的简报（2022-06）是总第{june_issue.total_issue}期，接下去应是总第"
            f"{june_issue.total_issue + 1}期。请核对。") in said
    assert (f"期号是2022年第17期，而同年上一期已定稿的简报（2022-06）是第{june_issue.year_issue}期，接下去应是第"
            f"{june_issue.year_issue + 1}期。请核对。") in said
    assert "印发日期 2021-01-01 在本月结束之前。请核对。" in said
    with pytest.raises(ValidationError, match="总期号是第26期"), db.session() as s:
        bulletin.finalize(s, people.supervisor, MONTH, clock=clock)
    with db.session() as s:  # as the draft proposes them: nothing to say
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, total_issue=june_issue.total_issue + 1,
                              year_issue=june_issue.year_issue + 1, issue_date=datetime(2022, 8, 3).date())
    with db.reader() as s:
        assert not [w for w in bulletin.warnings(s, MONTH, clock=clock) if "期号" in w or "印发日期" in w]
    # Dated on a day the calendar gives as a holiday (a draft saved before the holidays were entered)
    from hotline_desk.services.office import admin

    said = []
    for day, holiday in ((datetime(2022, 8, 6).date(), False), (datetime(2022, 8, 4).date(), True)):
        with db.session() as s:
            if holiday:
                admin.set_day(s, people.admin, day, False, "假", clock=clock)
            bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, issue_date=day)
        with db.reader() as s:
            said += [w for w in bulletin.warnings(s, MONTH, clock=clock) if "印发日期" in w]
    assert said == ["印发日期 2022-08-06 按工作日历是周末。请核对。",
                    "印发日期 2022-08-04 按工作日历是节假日。请核对（草稿可能是在录入节假日之前保存的）。"]


def test_months_with_no_bulletin_between_the_last_issue_and_this_one_are_named_before_numbering_on(
        db: Database, people: People, clock: FakeClock) -> None:
    """July finalised, then November: numbered on, November became 第8期 with no word that August to October had
    no issue here; an office that printed those on paper froze a wrong 期号."""
    _month_with_two_units(db, people, clock)
    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.session() as s:
        bulletin.finalize(s, people.supervisor, MONTH, clock=clock, accept_warnings=True)
        july = bulletin.get_draft(s, MONTH).issue
    november = FakeClock(datetime(2022, 11, 10, 9, 0))
    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=november)
    clock.set(datetime(2022, 12, 2, 9, 0))
    with db.reader() as s:
        said = bulletin.warnings(s, "2022-11", clock=clock)
    assert (f"上一期已定稿的简报是2022-07的（总第{july.total_issue}期），2022-08至2022-10没有简报，本期按顺序编为"
            f"2022年第{july.year_issue + 1}期（总第{july.total_issue + 1}期）。这期间如在本软件之外印过简报，"
            "请改本期的期号和总期号（命令行用 --issue、--total-issue）。") in said, said
    with db.session() as s:  # a case in September: that month had calls, and no bulletin was made of them
        register_case(s, people.operator, draft(s), clock=FakeClock(datetime(2022, 9, 12, 9, 0)))
    with db.reader() as s:
        said = bulletin.warnings(s, "2022-11", clock=clock)
    assert any("2022-08至2022-10没有简报（其中2022-09有工单），本期按顺序编为" in w for w in said), said
    with db.session() as s:  # a September draft saved: November is numbered after it, not told to take its number
        bulletin.update_draft(s, people.supervisor, "2022-09", clock=clock)
    with db.reader() as s:
        said = bulletin.warnings(s, "2022-11", clock=clock)
    numbered = f"本期按顺序编为2022年第{july.year_issue + 2}期（总第{july.total_issue + 2}期）"
    assert any(f"2022-08、2022-10没有简报，{numbered}" in w for w in said), said
    assert not [w for w in said if w.startswith("总期号")], said
    with db.reader() as s:  # the month after the last issue: nothing to say
        assert not [w for w in bulletin.warnings(s, "2022-08", clock=clock) if "没有简报" in w]


def test_remarks_naming_units_that_are_not_the_tables_best_or_worst_are_questioned(
        db: Database, people: People, clock: FakeClock) -> None:
    """The remarks are the editor's, but a finalised bulletin that praises a unit its own table ranks lower is
    printed for good: 纸坊镇 (100) is the best township, 城市管理局 (40) the only department with a case."""
    _month_with_two_units(db, people, clock)
    with db.session() as s:
        late = register_case(s, people.operator, draft(s, unit_id=unit_id(s, "陵头镇")), clock=clock)
        wf.approve(s, people.supervisor, late.id, clock=clock)
    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.session() as s:
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, good_units="陵头镇、城市管理局",
                              bad_units="纸坊镇人民政府、城管局")
    with db.reader() as s:
        said = [w for w in bulletin.warnings(s, MONTH, clock=clock) if w.startswith("办理较")]
    assert said == [
        "办理较好的单位“陵头镇”（40 分）不是乡镇街道考核表中合计最高的（纸坊镇 100 分）。请核对。",
        "办理较差的单位“城管局”不是考核表中的单位名称（简称或笔误？）。",
        "办理较差的单位“纸坊镇”（100 分）不是乡镇街道考核表中合计最低的（陵头镇 40 分）。请核对。"]
    # Two units joined by 和 or 及 are both checked (住房和城乡建设局 stays one); a unit on both sides is said
    with db.session() as s:
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, good_units="纸坊镇和陵头镇",
                              bad_units="住房和城乡建设局及纸坊镇")
    with db.reader() as s:
        said = [w for w in bulletin.warnings(s, MONTH, clock=clock) if "办理较" in w]
    assert said == [
        "办理较好的单位“陵头镇”（40 分）不是乡镇街道考核表中合计最高的（纸坊镇 100 分）。请核对。",
        "办理较差的单位“住房和城乡建设局”（100 分）不是市直单位考核表中合计最低的（城市管理局 40 分）。请核对。",
        "办理较差的单位“纸坊镇”（100 分）不是乡镇街道考核表中合计最低的（陵头镇 40 分）。请核对。",
        "纸坊镇同时写在办理较好和办理较差的单位中。请核对。"]
    # A unit's old name, or a short name the office gave it, is said as such, not as a typo
    with db.session() as s:
        ra.rename_unit(s, people.admin, "城市管理局", "城市管理执法局", clock=clock)
        ra.add_alias(s, people.admin, "unit", "城管局", "城市管理执法局", clock=clock)
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, good_units="纸坊镇", bad_units="城管局")
    with db.reader() as s:
        said = [w for w in bulletin.warnings(s, MONTH, clock=clock) if w.startswith("办理较")]
    assert said == ["办理较差的单位“城管局”是“城市管理执法局”的旧名称或别名，考核表中印作“城市管理执法局”。请核对。"]
    # A unit whose name holds a / of its own was cut in two there, both halves said to be no unit of the tables
    with db.session() as s:
        ra.rename_unit(s, people.admin, "城市管理执法局", "城市管理局/执法局", clock=clock)
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, good_units="纸坊镇",
                              bad_units="城市管理局/执法局、住房和城乡建设局")
    with db.reader() as s:
        said = [w for w in bulletin.warnings(s, MONTH, clock=clock) if w.startswith("办理较")]
    assert said == ["办理较差的单位“住房和城乡建设局”（100 分）不是市直单位考核表中合计最低的（城市管理局/执法局 "
                    "40 分）。请核对。"]


def test_categories_tied_with_the_last_hot_topic_but_left_out_are_named(
        db: Database, people: People, clock: FakeClock) -> None:
    from hotline_desk.services.office import admin, reference

    with db.session() as s:
        for label in ("水利水电—用水困难", "城市管理—市容市政", "交通运输—公交服务"):
            register_case(s, people.operator, draft(s, category_id=reference.find_category(s, label).id),
                          clock=clock)
        register_case(s, people.operator, draft(s), clock=clock)  # 用水困难 twice: first alone
        admin.update_setting(s, people.admin, "bulletin.hot_topic_size", 2)
    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.reader() as s:
        content = bulletin.content(s, MONTH, clock=clock)
        said = [w for w in bulletin.warnings(s, MONTH, clock=clock) if w.startswith("十大热点")]
    shown = [row.label for row in content.statistics.hot_topics.rows]
    assert shown[0] == "水利水电—用水困难" and len(shown) == 2
    [left] = [label for label in ("城市管理—市容市政", "交通运输—公交服务") if label not in shown]
    assert said == [f"十大热点问题的最后一位并列：与“{shown[1]}”同为 1 件的还有“{left}”，按问题分类的顺序未列入表中。"
                    "如需说明，请写在正文中。"]


def test_finalising_before_the_month_is_over_is_questioned(db: Database, people: People, clock: FakeClock) -> None:
    _month_with_two_units(db, people, clock)
    early = "尚未到统计截止时间：数字截至 2022-07-20 09:00，还没到简报的截止时间 2022-08-01 00:00"
    clock.set(datetime(2022, 7, 20, 9, 0))
    with db.reader() as s:
        seen = bulletin.warnings(s, MONTH, clock=clock)
        assert any(w.startswith(early) for w in seen), seen
    with pytest.raises(ValidationError, match="尚未到统计截止时间"), db.session() as s:
        bulletin.finalize(s, people.supervisor, MONTH, clock=clock)
    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.reader() as s:
        assert not any("尚未到统计截止时间" in w for w in bulletin.warnings(s, MONTH, clock=clock))


def test_a_finalising_that_is_not_saved_leaves_no_line_in_the_anchor_log(db: Database, db_path: Path,
                                                                         people: People, clock: FakeClock) -> None:
    """The disk filled as the finalised bulletin was saved: the anchor log beside the file said 定稿 all the same."""
    _month_with_two_units(db, people, clock)
    clock.set(datetime(2022, 8, 3, 9, 0))
    log = anchors.log_path_for_file(db_path)
    with pytest.raises(DatabaseError, match="磁盘空间已满"), db.session() as s:
        bulletin.finalize(s, people.supervisor, MONTH, clock=clock, accept_warnings=True)
        raise DatabaseError("磁盘空间已满，未保存。")  # what the commit would raise
    assert not log.exists() or "定稿简报" not in log.read_text(encoding="utf-8")
    with db.reader() as s:
        assert not bulletin.get_draft(s, MONTH).final
    with db.session() as s:
        bulletin.finalize(s, people.supervisor, MONTH, clock=clock, accept_warnings=True)
    assert [line.split("\t")[2] for line in log.read_text(encoding="utf-8").splitlines()] == ["定稿简报 2022-07"]


def _month_and_its_first_case(db: Database, people: People, clock: FakeClock) -> str:
    """The month's cases (``_month_with_two_units``), the clock after its end, and the number of its first case."""
    _month_with_two_units(db, people, clock)
    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.reader() as s:
        number = s.scalars(select(Case.number).order_by(Case.id)).first()
    assert number is not None
    return number


def test_a_half_written_typical_case_is_pointed_out_and_an_empty_section_not_printed(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    number = _month_and_its_first_case(db, people, clock)
    with db.session() as s:
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, sections=(
            NarrativeSection("热点问题", ("本月热点集中在城市管理。",)),
            NarrativeSection("典型案例", (), typical=True)))
    with db.reader() as s:
        pages = _text(bulletin.build(s, MONTH, clock=clock).pdf, tmp_path)
    assert "三、热点问题" in pages and "典型案例" not in pages  # nothing chosen: no bare heading
    with db.session() as s:
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, typical_cases=(
            TypicalCase(number, "positive", "纸坊镇承办的“路灯不亮”问题，"),))
    with db.reader() as s:
        notices = bulletin.warnings(s, MONTH, clock=clock)
        pages = _text(bulletin.build(s, MONTH, clock=clock).pdf, tmp_path)
    assert f"第 1 个典型案例（{number}）的简介似乎没有写完：“纸坊镇承办的“路灯不亮”问题，”。" in notices
    assert "四、典型案例" in pages


def test_a_character_no_font_has_is_said_and_waits_finalising(db: Database, people: People,
                                                             clock: FakeClock) -> None:
    """A caller's name with a character of 扩展B (王𠮷) printed as 王□ in a published bulletin, unsaid."""
    number = _month_and_its_first_case(db, people, clock)
    with db.session() as s:
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, sections=(
            NarrativeSection("典型案例", (), typical=True),), typical_cases=(
            TypicalCase(number, "positive", "群众王𠮷反映路灯不亮，纸坊镇当天修好。"),))
    with db.reader() as s:
        built = bulletin.build(s, MONTH, clock=clock)
    assert "简报中有 1 个字现有字体都没有，会印成空框：“𠮷”" in built.warning
    with pytest.raises(ValidationError, match="会印成空框"), db.session() as s:
        bulletin.finalize(s, people.supervisor, MONTH, clock=clock, accept_warnings=True)
    with db.session() as s:  # written another way, it goes out
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, typical_cases=(
            TypicalCase(number, "positive", "群众王先生反映路灯不亮，纸坊镇当天修好。"),))
        assert bulletin.finalize(s, people.supervisor, MONTH, clock=clock, accept_warnings=True).warning == ""


def test_an_invisible_control_character_is_named_so_it_can_be_found(db: Database, people: People,
                                                                     clock: FakeClock) -> None:
    """A right-to-left override pasted into a typical case blocked 定稿 with empty quotes in the message."""
    number = _month_and_its_first_case(db, people, clock)
    with db.session() as s:
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, sections=(
            NarrativeSection("典型案例", (), typical=True),), typical_cases=(
            TypicalCase(number, "positive", "群众王先生\u202e反映路灯不亮，纸坊镇当天修好。"),))
    with db.reader() as s:
        warning = bulletin.build(s, MONTH, clock=clock).warning
    assert "会印成空框：“\\u202e”。其中以 \\ 开头的是看不见的控制字符" in warning
    assert "\u202e" not in warning


def test_among_many_characters_no_font_has_the_invisible_controls_are_the_ones_named(
        db: Database, people: People, clock: FakeClock) -> None:
    """Twelve emoji and a right-to-left override: the message named ten emoji and “等”, and still said those
    beginning with \\ were invisible controls, none of which it showed."""
    number = _month_and_its_first_case(db, people, clock)
    emoji = "".join(chr(0x1F600 + i) for i in range(12))
    with db.session() as s:
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, sections=(
            NarrativeSection("典型案例", (), typical=True),), typical_cases=(
            TypicalCase(number, "positive", f"群众王先生{emoji}反映路灯不亮，\u202e纸坊镇当天修好。"),))
    with db.reader() as s:
        warning = bulletin.build(s, MONTH, clock=clock).warning
    assert "简报中有 13 个字现有字体都没有，会印成空框：“\\u202e”" in warning
    assert "其中以 \\ 开头的是看不见的控制字符" in warning


def test_line_breaks_pasted_into_the_text_make_paragraphs_or_are_taken_out_of_a_typical_case(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Text pasted with Windows line ends or Word's Shift+Enter: a break inside a paragraph broke the printed line
    in the middle, the next beginning with a space; in a typical case's text the break stayed as typed. A bell or an
    escape (a Word table's cell end, a terminal's colour) printed as a stray space."""
    number = _month_and_its_first_case(db, people, clock)
    with db.session() as s:
        saved = bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, sections=(
            NarrativeSection("热点问题", ("一是高层住户用水难。\r\n二是农村\x07环境卫生\x1b问题。",)),
            NarrativeSection("典型案例", (), typical=True)), typical_cases=(
            TypicalCase(number, "positive",
                        "纸坊镇承办的路灯问题，\r\n 工作人员迅速到场\x0b当天修好，Word\nfile 已附。"),))
    assert saved.issue.sections[0].paragraphs == ("一是高层住户用水难。", "二是农村环境卫生问题。")
    assert saved.issue.typical_cases[0].text == "纸坊镇承办的路灯问题，工作人员迅速到场当天修好，Word file 已附。"
    with db.reader() as s:
        path = tmp_path / "简报.pdf"
        path.write_bytes(bulletin.build(s, MONTH, clock=clock).pdf)
    lines = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "1、纸坊镇承办的路灯问题，工作人员迅速到场当天修好" in lines  # on one printed line, not broken after 问题，


def _text(pdf: bytes, folder: Path) -> str:
    path = folder / "bulletin.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


def test_cases_neither_coordinated_nor_dispatched_are_named_before_the_groups_fail_to_add_up(
        db: Database, people: People, clock: FakeClock) -> None:
    _month_with_two_units(db, people, clock)
    with db.session() as s:  # a third proposal is sent back to the operator and still waits at the cut-off
        third = register_case(s, people.operator, draft(s), clock=clock)
        wf.reject(s, people.supervisor, third.id, "请补充地址", clock=clock)
    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.reader() as s:
        seen = bulletin.warnings(s, MONTH, clock=clock)
    assert any("本级登记事项 3 件中有 1 件" in w and "两项之和少于本级登记事项" in w for w in seen), seen
    # what can leave a case so: a proposal waiting for approval is not among them (it counts as 交办处理)
    assert any("既未协调办理也未交办（登记后尚未拟办、拟交办被驳回，或协调办理的答复经甄别为答复不当、待重新办理）" in w
               for w in seen), seen
    with pytest.raises(ValidationError, match="既未协调办理也未交办"), db.session() as s:
        bulletin.finalize(s, people.supervisor, MONTH, clock=clock)


def test_a_case_taken_back_and_not_given_again_by_the_cut_off_is_named_as_counted_by_no_unit(
        db: Database, people: People, clock: FakeClock) -> None:
    """Taken back from 城市管理局 on 11 July and still waiting for approval at the cut-off: 交办处理 counted it, no
    unit's 交办 did, and nothing said why the tables added up to one less."""
    _month_with_two_units(db, people, clock)
    with db.session() as s:
        taken = s.scalar(select(Case).where(Case.main_unit_id == unit_id(s, "城市管理局")))
        assert taken is not None
        clock.set(datetime(2022, 7, 11, 17, 0))
        wf.withdraw(s, people.supervisor, taken.id, "派错单位", clock=clock)
    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.reader() as s:
        content = bulletin.content(s, MONTH, clock=clock)
        seen = bulletin.warnings(s, MONTH, clock=clock)
    assert content.statistics.dispatch.count == 2
    assert sum(row.dispatched for table in content.scores for row in table.rows) == 1
    assert any(w.startswith(f"{taken.number}截至 2022-08-01 00:00 在待审核（拟交办），没有承办单位")
               and w.endswith("请先审核交办，或确认照此印出。") for w in seen)
    with db.session() as s:  # approved since the cut-off: approving was the advice, and it cannot help July
        wf.approve(s, people.supervisor, taken.id, unit_id=unit_id(s, "自来水公司"), clock=clock)
    with db.reader() as s:
        seen = bulletin.warnings(s, MONTH, clock=clock)
    said = next(w for w in seen if w.startswith(f"{taken.number}截至 2022-08-01 00:00 在待审核（拟交办）"))
    assert said.endswith(f"其中{taken.number}已在截止后交办，仍不计入本月任何单位；如需计入，请把简报的统计截止改到"
                         "交办之后，或确认照此印出。"), said


def test_a_dissatisfied_follow_up_still_waiting_for_review_at_the_cut_off_is_named(
        db: Database, people: People, clock: FakeClock) -> None:
    """Followed up 不满意 on 30 July and not yet ruled on by the cut-off: it counts against 纸坊镇's 满意率, and a
    ruling in August does not change July; finalising said nothing of it."""
    _month_with_two_units(db, people, clock)
    with db.session() as s:
        case = register_case(s, people.operator, draft(s, unit_id=unit_id(s, "纸坊镇")), clock=clock)
        wf.approve(s, people.supervisor, case.id, clock=clock)
        wf.sign(s, people.operator, case.id, clock=clock)
        wf.reply(s, people.operator, case.id, Reply("已处理"), clock=clock)
        clock.set(datetime(2022, 7, 30, 10, 0))
        wf.follow_up(s, people.operator, case.id, "dissatisfied", "问题没有解决", clock=clock)
    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.reader() as s:
        seen = bulletin.warnings(s, MONTH, clock=clock)
    assert f"{case.number}的回访结果为不满意，截至 2022-08-01 00:00 还没有甄别：按不满意计入承办单位的满意率" \
        "（截止后的甄别不改变本月的数字）。请核对是否照此印出。" in seen, seen


def test_steps_entered_after_the_cut_off_that_count_in_the_month_are_named_before_finalising(
        db: Database, people: People, clock: FakeClock) -> None:
    """A supervisor's password, four years later: a signing and a reply dated 31 July, and a case registered as of
    July, changed July's figures, and the bulletin's checks were the same before and after."""
    _month_with_two_units(db, people, clock)
    with db.session() as s:
        late = s.scalar(select(Case).where(Case.main_unit_id == unit_id(s, "城市管理局")))
        assert late is not None
        clock.set(datetime(2026, 12, 6, 10, 0))
        wf.sign(s, people.operator, late.id, clock=clock, at=datetime(2022, 7, 31, 9, 0))
        wf.reply(s, people.operator, late.id, Reply("已处理"), clock=clock, at=datetime(2022, 7, 31, 10, 0))
        voided = register_case(s, people.operator, draft(s, registered_at=datetime(2022, 7, 20, 9, 0)), clock=clock)
    with db.reader() as s:
        seen = bulletin.warnings(s, MONTH, clock=clock)
    [said] = [w for w in seen if w.startswith("统计截止后才登记、却计入本月的步骤")]
    assert f"{late.number}（签收、回复）" in said and f"{voided.number}（登记、拟交办）" in said


def test_a_month_whose_cases_were_changed_behind_the_program_is_not_finalised_with_the_changed_figures(
        db: Database, people: People, clock: FakeClock) -> None:
    """An operator made a 满意 follow-up 不满意 in the file's tables (the case's history untouched): the figures
    changed, the checks before 定稿 said nothing, and the month was finalised with them; only a verify run by hand
    would have told. 定稿 checks the month's cases against their histories first."""
    from sqlalchemy import text

    _month_with_two_units(db, people, clock)
    with db.reader() as s:
        first = s.scalar(select(Case.id).order_by(Case.id).limit(1))
    with db.engine.begin() as conn:  # behind the program's back
        conn.execute(text("UPDATE followups SET result = 'dissatisfied' WHERE case_id = :id"), {"id": first})
        conn.execute(text("UPDATE case_facts SET followup_result = 'dissatisfied' WHERE case_id = :id"),
                     {"id": first})
    clock.set(datetime(2022, 8, 3, 9, 0))
    refusal = "定稿前核对本月工单：有 2 处与办理历史不符"
    with pytest.raises(ValidationError, match=refusal) as refused, db.session() as s:
        bulletin.finalize(s, people.supervisor, MONTH, clock=clock, accept_warnings=True)
    assert "请管理员运行 verify 核验" in refused.value.message
    with db.reader() as s:
        assert not bulletin.content(s, MONTH, clock=clock).draft.final


@pytest.mark.parametrize(("changed", "said"), [
    ("person", "第 5 步（回复）与审计记录不符（被改动：时间、登记人或内容）"),
    ("time", "第 4 步（签收）与审计记录不符（被改动：时间、登记人或内容）"),
    ("bonus", "附加分第 1 项（纸坊镇，2 分）与审计记录不符（被改动）"),
])
def test_a_step_or_a_bonus_changed_in_the_file_keeps_the_month_from_being_finalised(
        db: Database, people: People, clock: FakeClock, changed: str, said: str) -> None:
    """The reply's person made another's, a late signing's time made early, a unit's 附加分 raised, all in the file
    (past the history's append-only guard): the month was finalised with them, only a full verify told."""
    from hotline_desk.services.reporting.scoring import add_bonus
    from tests.helpers import behind_the_app

    _month_with_two_units(db, people, clock)
    with db.session() as s:
        add_bonus(s, people.supervisor, MONTH, unit_id(s, "纸坊镇"), 1, "按时报送材料", clock=clock)
        first = s.scalar(select(Case.id).order_by(Case.id).limit(1))
    statements = {
        "person": f"UPDATE case_events SET actor_id = {people.operator2.id} WHERE case_id = {first} AND seq = 5",
        "time": f"UPDATE case_events SET at = '2022-07-05 09:30:00.000000' WHERE case_id = {first} AND seq = 4",
        "bonus": "UPDATE bonus_items SET points = 2",
    }
    behind_the_app(db, statements[changed])
    clock.set(datetime(2022, 8, 3, 9, 0))
    with pytest.raises(ValidationError, match="定稿前核对本月工单") as refused, db.session() as s:
        bulletin.finalize(s, people.supervisor, MONTH, clock=clock, accept_warnings=True)
    assert said in refused.value.message, refused.value.message


def test_a_void_entered_with_the_clock_set_back_into_the_month_is_named_before_finalising(
        db: Database, people: People, clock: FakeClock) -> None:
    """The station's clock set back to 31 July, a supervisor voided a July case in December: the step and its
    entry both read 31 July, nothing was marked 补录, and the bulletin's checks did not name it. It was written
    after steps entered in August, which gives it away."""
    _month_with_two_units(db, people, clock)
    with db.session() as s:
        cases = s.scalars(select(Case).order_by(Case.id)).all()
        clock.set(datetime(2022, 8, 2, 9, 0))  # August's work goes on: a call registered after the cut-off
        register_case(s, people.operator, draft(s), clock=clock)
    with db.reader() as s:
        before = [w for w in bulletin.warnings(s, MONTH, clock=clock) if w.startswith("统计截止后才登记")]
    clock.set(datetime(2022, 7, 31, 22, 0))  # the clock set back
    with db.session() as s:
        wf.void(s, people.supervisor, cases[-1].id, "重复登记", clock=clock)
    clock.set(datetime(2022, 8, 2, 10, 0))
    with db.reader() as s:
        seen = bulletin.warnings(s, MONTH, clock=clock)
    [said] = [w for w in seen if w.startswith("统计截止后才登记、却计入本月的步骤")]
    # said as what it is: a step whose saved time is before what was saved already (an insider's way to hide a
    # late reply read as one more 补录 among the usual)
    assert f"{cases[-1].number}（作废，本机时钟可疑）" in said and before == []
    assert "标“本机时钟可疑”的步骤保存时记下的时间早于此前已保存的步骤" in said


def test_text_pasted_from_word_is_tidied_and_a_paragraph_broken_mid_sentence_is_pointed_out(
        db: Database, people: People, clock: FakeClock) -> None:
    """A paste from Word: odd spaces printed as gaps, a zero-width space as a box, and a line break inside a
    sentence made a new paragraph. The spaces are made plain when saved; the broken paragraph is named."""
    _month_with_two_units(db, people, clock)
    pasted = ("（一）环境卫生问题。部分小区垃圾清运\u00a0\u2003不及时，因疫情防控\u200b需要，\t清运时间调整",
              "不及时等问题仍较突出。")
    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.session() as s:
        saved = bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, call_volume="约1.1万人次",
                                      good_units="纸坊镇",
                                      sections=(NarrativeSection(title="热点问题", paragraphs=pasted),))
    assert saved.issue.sections[0].paragraphs == (
        "（一）环境卫生问题。部分小区垃圾清运 不及时，因疫情防控需要， 清运时间调整", "不及时等问题仍较突出。")
    with db.reader() as s:
        said = bulletin.warnings(s, MONTH, clock=clock)
    assert [w for w in said if w.startswith("正文")] == [
        "正文“热点问题”第 1 段似乎没有写完（或被换行断成了两段）：“不及时，因疫情防控需要， 清运时间调整”。"
        "每段应以句号等结尾；从 Word 粘贴时句中的换行会成为新的一段。"]
    assert not [w for w in said if w.startswith(("话务量", "办理较好"))]


def test_a_register_imported_after_the_cut_off_is_said_once_not_as_late_entries(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """An office taking in its register of earlier months: every imported case was listed as 截止后才登记 (1,368 of
    them in a month), drowning a real late entry. Imported cases are said once, by count; a step entered by hand
    after the cut-off is still named."""
    from bench.import_bench import make_workbook
    from hotline_desk.services.clock import fixed_clock
    from hotline_desk.services.exchange.imports import commit_cases, preview_cases

    _month_with_two_units(db, people, clock)
    path = tmp_path / "台账.xlsx"
    make_workbook(path, 12)
    imported_at = fixed_clock(datetime(2022, 9, 1, 10, 0))
    with db.reader() as s:
        preview = preview_cases(s, path, clock=imported_at)
    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview, clock=imported_at).imported == 12
        late = s.scalar(select(Case).where(Case.main_unit_id == unit_id(s, "城市管理局"), Case.import_key.is_(None)))
        assert late is not None
        clock.set(datetime(2022, 9, 2, 10, 0))
        wf.sign(s, people.operator, late.id, clock=clock, at=datetime(2022, 7, 31, 9, 0))
    with db.reader() as s:
        seen = bulletin.warnings(s, MONTH, clock=clock)
    [said] = [w for w in seen if w.startswith("统计截止后才登记、却计入本月的步骤")]
    assert said.startswith("统计截止后才登记、却计入本月的步骤（记在截止之前的补录，或作废、改分类等）："
                           f"{late.number}（签收）。")
    [imported] = [w for w in seen if "统计截止后导入的" in w]
    assert imported.startswith("本月有 12 件工单是统计截止后导入的（如旧台账，")
    assert "请确认导入的是本月的工单" in imported


def test_a_template_changed_after_the_draft_was_saved_is_pointed_out_before_finalising(
        db: Database, people: People, clock: FakeClock) -> None:
    """An administrator changed the 报头 and the rates' decimals while July's draft was being edited: July was
    finalised with them, the supervisor's last preview having shown neither."""
    from hotline_desk.services.office import admin

    _month_with_two_units(db, people, clock)
    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.session() as s:
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, call_volume="约1万人次")
    with db.reader() as s:
        assert not [w for w in bulletin.warnings(s, MONTH, clock=clock) if w.startswith("简报模板")]
    clock.set(datetime(2022, 8, 3, 9, 30))
    with db.session() as s:
        admin.update_setting(s, people.admin, "bulletin.masthead", "民呼必应工作简报（新报头）", clock=clock)
        admin.update_setting(s, people.admin, "bulletin.rate_decimals", 1, clock=clock)
    with db.reader() as s:
        said = [w for w in bulletin.warnings(s, MONTH, clock=clock) if w.startswith("简报模板")]
    assert said == ["简报模板在本月草稿最后保存（2022-08-03 09:00）之后修改过：报头、办结率、满意率小数位数"
                    f"（最近一次由{people.admin.display_name}于 2022-08-03 09:30 修改）。"
                    "定稿的简报按修改后的模板印出，请先生成预览核对。"]
    clock.set(datetime(2022, 8, 3, 10, 0))
    with db.session() as s:  # saved again, after looking at it: nothing more to say
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, call_volume="约1.1万人次")
    with db.reader() as s:
        assert not [w for w in bulletin.warnings(s, MONTH, clock=clock) if w.startswith("简报模板")]


def test_an_office_renamed_for_another_county_is_told_its_template_still_names_the_default_city(
        db: Database, people: People, clock: FakeClock) -> None:
    """A new district set its hotline's name and skipped the template: its finalised bulletin went out headed
    汝州市人民政府办公室, and none of the nine checks said so."""
    from hotline_desk.services.office import admin

    _month_with_two_units(db, people, clock)
    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.reader() as s:  # the default office: its own city, nothing to say
        assert not [w for w in bulletin.warnings(s, MONTH, clock=clock) if w.startswith("热线名称是")]
    with db.session() as s:
        admin.update_setting(s, people.admin, "office.name", "江北区12345热线", clock=clock)
        admin.update_setting(s, people.admin, "bulletin.issuer", "江北区人民政府办公室", clock=clock)
    with db.reader() as s:
        [said] = [w for w in bulletin.warnings(s, MONTH, clock=clock) if w.startswith("热线名称是")]
    assert said.startswith("热线名称是“江北区12345热线”，简报模板的标题第一行、导语中的热线名称、公开说明"
                           "却还写着默认的“汝州”"), said
    assert "编发单位" not in said  # set: not named


def test_a_typical_case_naming_its_caller_is_said_before_the_bulletin_goes_out(
        db: Database, people: People, clock: FakeClock) -> None:
    """A 保密 case's caller, name and phone, was printed in a finalised, published bulletin: nothing checked the
    typical cases' write-ups, and a finalised bulletin cannot be changed."""
    _month_with_two_units(db, people, clock)
    with db.session() as s:
        secret = register_case(s, people.operator, draft(s, caller_name="薛建国", confidential=True,
                                                         address="丹阳小区5号楼"), clock=clock).number
        plain = register_case(s, people.operator, draft(s, caller_name="刘先生", phone="0375-6012345"),
                              clock=clock).number
    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.session() as s:
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, sections=(
            NarrativeSection("工作动态", ("联系人张科长，电话 139 3750 8899。",)),
            NarrativeSection("典型案例", (), typical=True)), typical_cases=(
            TypicalCase(secret, "positive",
                        "住建局承办的薛建国（电话138-0375-0001）反映丹阳小区5号楼施工扰民问题，已解决。"),
            TypicalCase(plain, "positive", "刘先生反映家中停水，电话6012345，自来水公司当天修复……"),
            TypicalCase(plain, "positive", "来电人反映丹阳小区5号楼停水，自来水公司当天修复。")))
    with db.reader() as s:
        notices = bulletin.warnings(s, MONTH, clock=clock)
    said = [n for n in notices if "来电人的" in n or "手机号码" in n]
    assert said == [
        f"第 1 个典型案例（{secret}，保密工单）的简介写有来电人的姓名、电话、地址：简报要报送领导、在政府网站公开，"
        "定稿后不能再改。请改写为“来电人”“某小区”等不指明身份的说法。",
        f"第 2 个典型案例（{plain}）的简介写有来电人的电话：简报要报送领导、在政府网站公开，定稿后不能再改。"
        "请改写为“来电人”“某小区”等不指明身份的说法。",
        "正文“工作动态”中写有手机号码 139****8899：简报公开印发，请核对是否应当印出。"]
    assert not any("薛建国" in n for n in notices)  # the name is not repeated in the list
    assert not any("第 2 个典型案例" in n and "似乎没有写完" in n for n in notices)  # …… ends a sentence


def test_a_confidential_caller_named_anywhere_or_as_her_surname_and_title_and_numbers_written_otherwise_are_said(
        db: Database, people: People, clock: FakeClock) -> None:
    """“王女士来电反映…” for the 保密 caller 王秀英, her full name in another case's write-up or in the narrative,
    and mobile numbers written +86 138… or in full-width digits went out unsaid."""
    _month_with_two_units(db, people, clock)
    with db.session() as s:
        secret = register_case(s, people.operator, draft(s, caller_name="王秀英", confidential=True),
                               clock=clock).number
        other = register_case(s, people.operator, draft(s), clock=clock).number
    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.session() as s:
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, sections=(
            NarrativeSection("工作动态", ("王秀英反映的问题已协调解决。", "热线值班手机：+86 138 1234 5678。",
                                      "备用：138-1234-5678，0086 133 1234 5678，136.1234.5678。")),
            NarrativeSection("典型案例", (), typical=True)), typical_cases=(
            TypicalCase(secret, "positive", "王女士来电反映停水，自来水公司当天修复。"),
            TypicalCase(other, "positive", "与王秀英同楼的住户反映停水，联系电话１３９１２３４５６７８，已修复。")))
    with db.reader() as s:
        notices = [n for n in bulletin.warnings(s, MONTH, clock=clock) if "王" not in n]
    assert (f"第 1 个典型案例（{secret}，保密工单）的简介写有来电人的姓名：简报要报送领导、在政府网站公开，"
            "定稿后不能再改。请改写为“来电人”“某小区”等不指明身份的说法。") in notices
    assert f"第 2 个典型案例（{other}）中写有保密工单{secret}来电人的姓名：简报公开印发，请改写。" in notices
    assert f"正文“工作动态”中写有保密工单{secret}来电人的姓名：简报公开印发，请改写。" in notices
    mobiles = [n for n in notices if n.startswith("正文“工作动态”中写有手机号码")]
    assert [n[16:27] for n in mobiles] == ["138****5678", "133****5678", "136****5678"]  # each once, however written
    assert f"第 2 个典型案例（{other}）中写有手机号码 139****5678：简报公开印发，请核对是否应当印出。" in notices


def test_a_follow_up_changed_in_its_history_and_tables_alike_is_named_as_the_changed_step_first(
        db: Database, people: People, clock: FakeClock) -> None:
    """满意 made 不满意 in the history, the follow-up row and the facts, the case row left: the first place named was
    “当前状态与办理历史不符：回访结果为满意，按办理历史应为不满意”, which reads as if the forged value were right."""
    from tests.helpers import behind_the_app

    _month_with_two_units(db, people, clock)
    with db.reader() as s:
        first, number = s.execute(select(Case.id, Case.number).order_by(Case.id).limit(1)).one()
        seq = s.scalar(select(CaseEvent.seq).where(CaseEvent.case_id == first, CaseEvent.kind == "followup"))
    behind_the_app(db, f"UPDATE case_events SET data = replace(data, 'satisfied', 'dissatisfied') "
                       f"WHERE case_id = {first} AND seq = {seq}",
                   f"UPDATE followups SET result = 'dissatisfied' WHERE case_id = {first}",
                   f"UPDATE case_facts SET followup_result = 'dissatisfied' WHERE case_id = {first}")
    clock.set(datetime(2022, 8, 3, 9, 0))
    with pytest.raises(ValidationError, match="定稿前核对本月工单") as refused, db.session() as s:
        bulletin.finalize(s, people.supervisor, MONTH, clock=clock, accept_warnings=True)
    shown = refused.value.message.split("改动过：", 1)[1]
    assert shown.startswith(f"工单{number}第 {seq} 步（回访）与审计记录不符"), refused.value.message
