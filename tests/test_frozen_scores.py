"""A finalised month's scores and statistics are the frozen ones of its bulletin, labelled as such, on the 考核评分
page, in its Excel and PDF exports and from ``scores``/``stats``; a later back-dated step is named, not shown
silently. A draft month shows its live figures as before."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pdfplumber
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.models import Case
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import case_view, register_case
from hotline_desk.services.office import admin
from hotline_desk.services.reporting import bulletin
from hotline_desk.ui.scoring_view import ScoringView
from tests.conftest import FakeClock, People
from tests.helpers import cli_run, draft, log_in_everyone
from tests.ui_helpers import context

NAVIGATION_LEFT = 1366 - 180  # the window's navigation list and margins take the rest
FINAL = "已定稿（2022-08-02 09:00 定稿）"
DRIFT = ("定稿后该月又有改动（补录、更正办理步骤、作废或修改考核规则）：按现在的数据，自来水公司：合计 100（定稿 40）、"
         "办结 1（定稿 0）、按时签收 1（定稿 0）、回访 1（定稿 0）、满意 1（定稿 0）。")


def _finalised(db: Database, people: People, clock: FakeClock) -> int:
    """July: one case with 自来水公司, not yet signed when July is finalised on 2 August (合计 40)."""
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
    clock.set(datetime(2022, 8, 2, 9, 0))
    with db.session() as s:
        bulletin.finalize(s, people.supervisor, "2022-07", clock=clock, accept_warnings=True)
    return case_id


def _finalised_then_changed(db: Database, people: People, clock: FakeClock) -> int:
    """July finalised (see ``_finalised``); then the case's signing, reply and follow-up (满意), entered on 3 August
    but dated in July, would make it 100 and finish the case."""
    case_id = _finalised(db, people, clock)
    clock.set(datetime(2022, 8, 3, 10, 15))
    with db.session() as s:
        wf.sign(s, people.operator, case_id, clock=clock, at=datetime(2022, 7, 5, 10, 0))
        wf.reply(s, people.operator, case_id, wf.Reply("已更换加压泵"), clock=clock, at=datetime(2022, 7, 30, 16, 0))
        wf.follow_up(s, people.operator, case_id, "satisfied", clock=clock, at=datetime(2022, 7, 31, 10, 0))
    return case_id


def _water(out: str) -> str:
    return next(line for line in out.splitlines() if "\t自来水公司\t" in line)


def test_scores_and_stats_of_a_finalised_month_are_the_frozen_ones_and_name_what_now_differs(
        db: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    log_in_everyone(db, monkeypatch)
    case_id = _finalised_then_changed(db, people, clock)
    with db.reader() as s:
        number = case_view(s, case_id).number

    code, out, err = cli_run(capsys, db, "scores", "--month", "2022-07", user="sup1")
    assert code == 0, err
    assert out.splitlines()[0] == f"统计截止：2022-08-01 00:00 · {FINAL}"
    assert DRIFT in out
    # and the case behind the difference, with what was entered after 定稿 (a unit disputing it asks first)
    assert f"定稿后登记的、计入该月的步骤：{number}（签收、回复、回访）。" in out, out
    assert _water(out).endswith("\t0\t0\t20\t20\t40")  # as printed in the bulletin
    # Asked for a moment of one's own, the live figures then, as before.
    code, out, err = cli_run(capsys, db, "scores", "--month", "2022-07", "--as-of", "2022-08-01 00:00", user="sup1")
    assert _water(out).endswith("\t40\t20\t20\t20\t100") and FINAL not in out
    assert out.splitlines()[:2] == ["统计截止：2022-08-01 00:00（按指定时刻的数据计算）",
                                    "该月简报已于 2022-08-02 09:00 定稿：这里是按现在的数据重算的，"
                                    "可能与印发的简报不同；不加 --as-of 显示定稿的数字。"]
    code, out, err = cli_run(capsys, db, "scores", "--month", "2022-07", "--json", user="sup1")
    water = next(r for r in json.loads(out)[1]["rows"] if r["unit"] == "自来水公司")
    assert water["total"] == "40" and FINAL in err and DRIFT in err

    code, out, err = cli_run(capsys, db, "stats", "--month", "2022-07", user="sup1")
    assert code == 0, err
    assert out.splitlines()[0] == f"统计截止：2022-08-01 00:00 · {FINAL}"
    assert "交办处理 1 件，已办结 0 件" in out  # frozen: the case was still with the unit
    # what 已办结 counts here, beside what a unit's score counts (a unit read 1 / 1 there, 0 here, unexplained)
    assert ("（已办结：回访后才算已办结（含三次未回访、甄别为非单位责任）；单位考核中的办结：单位回复即算办结，"
            "见 scores --unit）") in out
    assert ("定稿后该月又有改动（补录、更正办理步骤或分类、作废或修改考核规则）："
            "按现在的数据，交办处理已办结 1（定稿 0）、"
            "交办处理办结率 100%（定稿 0%）、交办处理回访 1（定稿 0）、交办处理满意 1（定稿 0）、"
            "交办处理满意率 100%（定稿 —）。") in out
    code, out, err = cli_run(capsys, db, "stats", "--month", "2022-07", "--as-of", "2022-08-01 00:00", user="sup1")
    assert "交办处理 1 件，已办结 1 件" in out and FINAL not in out  # the live figure, said not to be the bulletin's
    assert out.splitlines()[1].startswith("该月简报已于 2022-08-02 09:00 定稿：这里是按现在的数据重算的")
    code, out, err = cli_run(capsys, db, "stats", "--month", "2022-07", "--json", user="sup1")
    assert json.loads(out)["dispatch"]["count"] == 1 and FINAL in err
    code, out, err = cli_run(capsys, db, "stats", "--month", "2022-07", "--to", "2022-07", user="sup1")
    july = out.splitlines()[1].split("\t")  # the frozen figures, and that they have been changed since
    assert (july[0], july[7]) == ("2022-07（定稿，其后有改动）", "0"), out


def test_a_unit_whose_counts_changed_is_named_even_when_its_total_came_out_the_same(
        db: Database, people: People, clock: FakeClock) -> None:
    from dataclasses import replace

    from hotline_desk.services.reporting.frozen import score_drift
    from hotline_desk.services.reporting.scoring import score_tables

    _finalised_then_changed(db, people, clock)
    with db.reader() as s:
        tables = score_tables(s, "2022-07", datetime(2022, 8, 1))
    water = next(row for table in tables for row in table.rows if row.unit == "自来水公司")
    # Two more cases dispatched and finished, the row's points left as they were: counts changed, 合计 the same.
    more = replace(water, dispatched=water.dispatched + 2, finished=water.finished + 2,
                   finish_base=water.finish_base + 2)
    now = tuple(replace(t, rows=tuple(more if r is water else r for r in t.rows)) for t in tables)
    assert more.total == water.total
    assert "自来水公司：交办 3（定稿 1）、办结 3（定稿 1）。" in score_drift(tables, now)
    assert score_drift(tables, tables) == ""


def test_a_units_cases_of_a_finalised_month_say_so_and_each_figure_that_differs_from_the_printed_table(
        db: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``scores --unit`` said nothing of 定稿 unless the unit's 合计 had moved: 满意 111 against the printed 110
    went unsaid, and a list sent to the unit did not match the bulletin. It says what differs as the score page's
    difference note does."""
    log_in_everyone(db, monkeypatch)
    case_id = _finalised(db, people, clock)
    code, out, err = cli_run(capsys, db, "scores", "--month", "2022-07", "--unit", "自来水公司", user="sup1")
    assert code == 0, err
    assert "本月简报已定稿，本表的数字与定稿的评分表一致。" in out
    clock.set(datetime(2022, 8, 3, 10, 15))
    with db.session() as s:  # signed in time, entered late: 按时签收 and 合计 move, the list says from what
        wf.sign(s, people.operator, case_id, clock=clock, at=datetime(2022, 7, 5, 10, 0))
    code, out, err = cli_run(capsys, db, "scores", "--month", "2022-07", "--unit", "自来水公司", user="sup1")
    assert ("本月简报已定稿，此后的改动使本单位的数字与定稿的评分表不同（合计 60（定稿 40）、按时签收 1（定稿 0））"
            in out), out
    assert "本表按现在的数据列出，与印发的简报不一致。" in out and "评分表一致" not in out


def test_a_unit_of_no_case_listed_on_one_side_only_is_no_change_to_the_month(
        db: Database, people: People, clock: FakeClock) -> None:
    """July finalised under 0.1.0, which listed 数据局 (added in August) in July's table; 0.2.0 leaves units added
    after a month out of it. The upgraded month read 定稿后该月又有改动…数据局：现在不在评分表中, as if someone had
    changed it. A row of no case and no 附加分 is a listing, not the month's data; one with cases still counts."""
    from dataclasses import replace

    from hotline_desk.services.reporting.frozen import score_drift
    from hotline_desk.services.reporting.scoring import score_tables

    _finalised_then_changed(db, people, clock)
    with db.reader() as s:
        tables = score_tables(s, "2022-07", datetime(2022, 8, 1))
    first = tables[0]
    idle = next(row for row in first.rows if row.dispatched == 0 and not row.bonus_adjustment)
    busy = next(row for table in tables for row in table.rows if row.unit == "自来水公司")
    without_idle = tuple(replace(t, rows=tuple(r for r in t.rows if r is not idle)) for t in tables)
    assert score_drift(tables, without_idle) == ""  # frozen lists it, the live table does not
    assert score_drift(without_idle, tables) == ""  # and the other way round
    without_busy = tuple(replace(t, rows=tuple(r for r in t.rows if r is not busy)) for t in tables)
    assert "自来水公司：现在不在评分表中" in score_drift(tables, without_busy)
    given = replace(idle, bonus_adjustment=2.0)
    with_bonus = tuple(replace(t, rows=tuple(given if r is idle else r for r in t.rows)) for t in tables)
    assert f"{idle.unit}：现在不在评分表中" in score_drift(with_bonus, without_idle)


def test_a_draft_month_shows_its_live_scores_with_the_cut_off_and_no_final_label(
        db: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    log_in_everyone(db, monkeypatch)
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        wf.sign(s, people.operator, case_id, clock=clock)
    code, out, err = cli_run(capsys, db, "scores", "--month", "2022-07", user="sup1")
    assert code == 0, err
    assert out.splitlines()[0] == "统计截止：2022-08-01 00:00"
    assert _water(out).endswith("\t0\t20\t20\t20\t60") and "定稿" not in out


def test_the_score_page_and_its_exports_show_the_frozen_scores_labelled_and_the_page_what_now_differs(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The exported files go to every unit: they said 自来水公司's \"real\" score now differs from the official one
    (and the PDF printed it under a table the unit is not in). Only the office's page keeps that note."""
    _finalised_then_changed(db, people, clock)
    view = ScoringView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    view.month.setCurrentText("2022-07")
    assert view.figures.text() == f"统计截止：2022-08-01 00:00 · {FINAL}"
    assert DRIFT in view.drift.text() and not view.drift.isHidden()
    water = next(r for r in view.models[1].rows if r.unit == "自来水公司")
    assert water.total == 40

    xlsx, pdf = tmp_path / "2022-07考核评分表.xlsx", tmp_path / "2022-07考核评分表.pdf"
    assert view.export_to(xlsx, "xlsx") and view.export_to(pdf, "pdf")
    # With the cut-off, the difference and what was saved all shown, the page still fits beside the navigation on
    # the office's 1366-pixel-wide screens.
    assert view.notice.text() == "已保存 2022-07考核评分表.pdf" and view.minimumSizeHint().width() <= NAVIGATION_LEFT
    depts = openpyxl.load_workbook(xlsx).worksheets[1]
    rows = list(depts.iter_rows(values_only=True))
    assert next(r for r in rows if r[0] == "自来水公司") == ("自来水公司", 0, 0, 20, 20, 40)
    notes = [r[0] for r in rows if r[0] and str(r[0]).startswith(("考核月份", "统计截止", "定稿后"))]
    # the month with its year first: a December sheet printed in January says 统计截止：2023-01-01 under 十二月份…
    assert notes == ["考核月份：2022年7月", f"统计截止：2022-08-01 00:00 · {FINAL}"]
    with pdfplumber.open(pdf) as pdf:
        text = "".join("".join((page.extract_text() or "").split()) for page in pdf.pages)  # lines wrap anywhere
    assert "".join(FINAL.split()) in text and "定稿后" not in text and "合计100" not in text
    assert "考核月份：2022年7月" in text


def test_the_score_page_heads_its_columns_as_the_offices_rules_name_them(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The rules called the response column 签收率, the bonus 加减分: the exports said so, the page 响应率, 附加分."""
    from hotline_desk.services.office.settings import set_setting

    rules = {"columns": [{"key": "finish", "label": "办结率", "weight": 40},
                         {"key": "response", "label": "签收率", "weight": 20},
                         {"key": "satisfaction", "label": "满意率", "weight": 20}], "bonus_label": "加减分"}
    with db.session() as s:
        set_setting(s, "scoring.rules", rules, user_id=people.admin.id, at=clock())
        register_case(s, people.operator, draft(s), clock=clock)
    view = ScoringView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    view.month.setCurrentText("2022-07")
    view.refresh()
    for model in view.models:
        headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
        assert headers[3:7] == ["办结率", "签收率", "满意率", "加减分"]


def test_the_score_pdf_of_a_month_not_finalised_is_marked_草稿_and_each_page_numbered(
        db: Database, people: People, clock: FakeClock) -> None:
    """Printed before 定稿, it looked like the final scores and could be handed up as them."""
    from io import BytesIO

    from hotline_desk.services.reporting.score_export import score_pdf

    def pages(pdf: bytes) -> list[tuple[str, int]]:
        """Each page's text, and how much of it is the light grey of the 草稿 mark."""
        with pdfplumber.open(BytesIO(pdf)) as document:
            return [("".join((page.extract_text() or "").split()),
                     sum(1 for v in page.to_image(resolution=30).original.convert("L").tobytes() if 215 <= v <= 230))
                    for page in document.pages]

    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
    clock.set(datetime(2022, 8, 2, 9, 0))
    with db.reader() as s:
        drafted = pages(score_pdf(s, "2022-07", clock=clock)[0])
    with db.session() as s:
        bulletin.finalize(s, people.supervisor, "2022-07", clock=clock, accept_warnings=True)
    with db.reader() as s:
        final = pages(score_pdf(s, "2022-07", clock=clock)[0])
    assert len(drafted) == len(final) == 2
    for number, ((text, grey), (final_text, final_grey)) in enumerate(zip(drafted, final, strict=True), start=1):
        assert grey > 20 * final_grey + 200, number  # the mark under the table, on every page
        assert "草稿" not in text  # it is no text: copying the figures is as before
        assert f"2022-07考核评分表第{number}页共2页" in text and f"第{number}页共2页" in final_text


def test_a_changed_table_entry_is_named_with_both_counts(db: Database) -> None:
    """Only a category's count changed: the warning read "按现在的数据，诉求类型或热点问题表。" naming nothing."""
    from dataclasses import replace

    from hotline_desk.services.reporting.frozen import statistics_drift
    from hotline_desk.services.reporting.statistics import ShareRow, ShareTable, month_statistics

    with db.reader() as s:
        base = month_statistics(s, "2022-07", datetime(2022, 8, 1))

    def topics(*rows: tuple[str, int]) -> ShareTable:
        return ShareTable(tuple(ShareRow(label, count, "") for label, count in rows), ShareRow("合计", 0, ""))

    frozen = replace(base, hot_topics=topics(("疫情防控", 505), ("物业管理", 66)))
    live = replace(base, hot_topics=topics(("疫情防控", 504), ("物业管理", 67)))
    assert statistics_drift(frozen, live) == (
        "定稿后该月又有改动（补录、更正办理步骤或分类、作废或修改考核规则）："
        "按现在的数据，热点问题“疫情防控” 504（定稿 505）、"
        "热点问题“物业管理” 67（定稿 66）。这里显示的是定稿的数字，与已印发的简报一致。")


def test_a_channel_renamed_after_its_month_was_finalised_is_no_change_to_the_month(
        db: Database, people: People, clock: FakeClock) -> None:
    """平观新闻APP renamed 平观APP after July was finalised: `stats` and the bulletin page said 定稿后该月又有改动…
    上级渠道“平观新闻APP” 0（定稿 1）、上级渠道“平观APP” 1（定稿 0）, though no case had changed."""
    from hotline_desk.services.office import reference
    from hotline_desk.services.office import reference_admin as ra
    from hotline_desk.services.reporting.frozen import month_stats

    with db.session() as s:
        channel = reference.find_channel(s, "平观新闻APP").id
        register_case(s, people.operator, draft(s, source="upper", channel_id=channel, upstream_number="PG0001"),
                      clock=clock)
    clock.set(datetime(2022, 8, 2, 9, 0))
    with db.session() as s:
        bulletin.finalize(s, people.supervisor, "2022-07", clock=clock, accept_warnings=True)
        ra.update_channel(s, people.admin, "平观新闻APP", new_name="平观APP")
    with db.reader() as s:
        figures = month_stats(s, "2022-07", clock=clock).figures
    assert figures.final is not None and figures.drift == ""


def test_a_rate_written_otherwise_over_the_same_counts_is_no_change(db: Database) -> None:
    """A month finalised by an earlier version printed a group of no cases as 100% (now "—"): after the upgrade
    the month was said to have changed since it was finalised, with nothing changed."""
    from dataclasses import replace

    from hotline_desk.services.reporting.frozen import statistics_drift
    from hotline_desk.services.reporting.statistics import GroupStats, month_statistics

    with db.reader() as s:
        base = month_statistics(s, "2022-07", datetime(2022, 8, 1))
    none = GroupStats(count=0, finished=0, finish_rate="—", rated=0, satisfied=0, satisfaction_rate="—")
    then = replace(none, finish_rate="100%", satisfaction_rate="100%")  # as it was printed, with no base kept
    assert statistics_drift(replace(base, upper=then), replace(base, upper=none)) == ""
    two_decimals = replace(base.dispatch, finish_rate=base.dispatch.finish_rate.replace("%", ".00%"))
    assert statistics_drift(replace(base, dispatch=two_decimals), base) == ""
    one_more = replace(base.dispatch, finished=base.dispatch.finished + 1, finish_rate="99.99%")
    said = statistics_drift(base, replace(base, dispatch=one_more))
    assert f"交办处理已办结 {base.dispatch.finished + 1}（定稿 {base.dispatch.finished}）" in said
    assert f"交办处理办结率 99.99%（定稿 {base.dispatch.finish_rate}）" in said


def test_a_category_that_left_the_ten_largest_is_not_said_to_have_none(db: Database) -> None:
    """A correction moved one case of 公交服务 elsewhere: it still has 1 case but is no longer among the ten largest.
    It read "热点问题“交通运输—公交服务” 0（定稿 1）"; it is said to have left the table, and the one that came in
    is said to have come in. The appeal types (every one listed) still read as counts."""
    from dataclasses import replace

    from hotline_desk.services.reporting.frozen import statistics_drift
    from hotline_desk.services.reporting.statistics import ShareRow, ShareTable, month_statistics

    with db.reader() as s:
        base = month_statistics(s, "2022-07", datetime(2022, 8, 1))

    def table(*rows: tuple[str, int]) -> ShareTable:
        return ShareTable(tuple(ShareRow(label, count, "") for label, count in rows), ShareRow("合计", 0, ""))

    frozen = replace(base, hot_topics=table(("疫情防控", 5), ("交通运输—公交服务", 1)),
                     appeal_types=table(("咨询类", 3), ("建议类", 1)))
    live = replace(base, hot_topics=table(("疫情防控", 5), ("城乡建设—违章建筑", 1)),
                   appeal_types=table(("咨询类", 4)))
    said = statistics_drift(frozen, live)
    assert "热点问题“交通运输—公交服务”已不在表中（定稿 1）" in said
    assert "热点问题“城乡建设—违章建筑”新列入表中 1" in said
    assert "诉求类型“咨询类” 4（定稿 3）、诉求类型“建议类” 0（定稿 1）" in said


def test_a_month_no_unit_was_given_a_case_says_its_full_marks_are_no_scores(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """August opened on 1 August: every unit 100, ranked 1, 2, 3… with nothing said, ready to be exported as real."""
    from io import BytesIO

    from hotline_desk.services.reporting.score_export import score_pdf, score_workbook

    said = "本月还没有交办给单位的工单：各单位按规则得满分，名次只是单位的排列顺序，不是考核结果。"
    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)  # proposed, not dispatched: no unit's case yet
    view = ScoringView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    view.month.setCurrentText("2022-07")
    view.refresh()
    assert view.drift.text() == said and not view.drift.isHidden()
    with db.reader() as s:
        sheet = openpyxl.load_workbook(BytesIO(score_workbook(s, "2022-07", clock=clock))).worksheets[0]
        with pdfplumber.open(BytesIO(score_pdf(s, "2022-07", clock=clock)[0])) as document:
            printed = "".join((document.pages[0].extract_text() or "").split())
    assert any(said in str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value)
    assert said in printed
    log_in_everyone(db, monkeypatch)
    for asked in ((), ("--as-of", "2022-07-20 12:00")):
        code, out, _ = cli_run(capsys, db, "scores", "--month", "2022-07", *asked)
        assert code == 0 and said in out.splitlines()[:3], out
    with db.session() as s:  # one case dispatched: the tables are scores again
        wf.approve(s, people.supervisor, s.scalars(select(Case.id)).one(), clock=clock)
    view.refresh()
    assert view.drift.isHidden()


def test_a_table_title_with_characters_a_sheet_name_cannot_hold_still_exports(
        db: Database, people: People, clock: FakeClock) -> None:
    """An office titled its attachment 乡镇/街道考核[评分]表: the workbook stopped with openpyxl's English error
    (Invalid character / found in sheet title). The tab shows the full-width forms; the sheet's first line the title."""
    from io import BytesIO

    from hotline_desk.services.office import admin
    from hotline_desk.services.reporting.score_export import score_workbook

    title = "{month_cn}份乡镇/街道考核[评分]表:?*"
    with db.session() as s:
        admin.update_setting(s, people.admin, "bulletin.attachment_township", title, clock=clock)
        register_case(s, people.operator, draft(s), clock=clock)
    with db.reader() as s:
        book = openpyxl.load_workbook(BytesIO(score_workbook(s, "2022-07", clock=clock)))
    township = book.worksheets[0]
    assert township.title == "七月份乡镇／街道考核［评分］表：？＊（草稿）"  # July is not finalised
    assert township.cell(1, 1).value == "七月份乡镇/街道考核[评分]表:?*（草稿）"


def test_a_finalised_months_score_tables_keep_their_printed_titles_after_the_template_changes(
        db: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The exports of a finalised month took the template's titles as they are now, not as the bulletin printed."""
    log_in_everyone(db, monkeypatch)
    _finalised_then_changed(db, people, clock)
    for key, title in (("attachment_township", "{month_cn}份乡镇（街道）评分"),
                       ("attachment_department", "{month_cn}份部门评分")):
        assert cli_run(capsys, db, "template", "set", key, title)[0] == 0
    xlsx, pdf = tmp_path / "七月.xlsx", tmp_path / "七月.pdf"
    for out in (xlsx, pdf):
        code, _out, err = cli_run(capsys, db, "scores", "--month", "2022-07", "--out", str(out))
        assert code == 0, err
    book = openpyxl.load_workbook(xlsx)
    printed = ["七月份乡镇街道考核评分表", "七月份市直单位考核评分表"]
    assert [sheet.title for sheet in book.worksheets] == [sheet["A1"].value for sheet in book.worksheets] == printed
    with pdfplumber.open(pdf) as document:
        text = "".join((page.extract_text() or "") for page in document.pages)
    assert "七月份乡镇街道考核评分表" in text and "七月份市直单位考核评分表" in text and "评分\n" not in text
    assert "乡镇（街道）评分" not in text and "部门评分" not in text
    # a month not finalised takes the template as it is
    code, _out, err = cli_run(capsys, db, "scores", "--month", "2022-08", "--out", str(tmp_path / "八月.xlsx"))
    assert code == 0, err
    assert openpyxl.load_workbook(tmp_path / "八月.xlsx").worksheets[0]["A1"].value == "八月份乡镇（街道）评分（草稿）"


def test_a_score_workbook_of_a_month_not_finalised_says_it_is_a_draft(
        db: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The PDF had 草稿 across its pages, the workbook nothing: passed on, it read as the month's final scores."""
    log_in_everyone(db, monkeypatch)
    _finalised_then_changed(db, people, clock)

    def notes(month: str) -> list[str]:
        out = tmp_path / f"{month}.xlsx"
        code, _out, err = cli_run(capsys, db, "scores", "--month", month, "--out", str(out))
        assert code == 0, err
        return [str(row[0]) for sheet in openpyxl.load_workbook(out).worksheets
                for row in sheet.iter_rows(values_only=True) if row[0] and "草稿" in str(row[0])]
    why = "草稿：该月简报尚未定稿，定稿前得分还可能变化，不是考核结果。"
    assert notes("2022-08") == ["八月份乡镇街道考核评分表（草稿）", why, "八月份市直单位考核评分表（草稿）", why]
    assert notes("2022-07") == []  # finalised


def test_a_rule_changed_after_a_month_is_finalised_is_named_as_the_cause_and_the_units_not_all_listed(
        db: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """One rule changed at year's end: every finalised month listed all 43 units in red, naming no cause, and the
    note pushed the score table down to five rows on a 1366×768 screen."""
    log_in_everyone(db, monkeypatch)
    _finalised(db, people, clock)
    clock.set(datetime(2022, 10, 8, 10, 0))
    with db.session() as s:
        admin.update_rules(s, people.admin, {"bonus_base": 15}, clock=clock)
    code, out, err = cli_run(capsys, db, "scores", "--month", "2022-07", user="sup1")
    assert code == 0, err
    assert "定稿后考核规则修改过：最近一次 2022-10-08 10:00，" in out and "按现在的规则计分" in out
    drift = next(line for line in out.splitlines() if line.startswith("定稿后该月又有改动"))
    assert drift.count("（定稿") == 5 and "另有 " in drift and " 个单位也不同" in drift
    assert _water(out).endswith("\t0\t0\t20\t20\t40")  # the printed score, still
