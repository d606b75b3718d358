"""Two supervisors editing one month's bulletin draft: a save or 定稿 from a screen another station has saved over
since is refused, naming who saved and when, and changes nothing; the command line changes only what it is given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hotline_desk.db import Database
from hotline_desk.errors import TransitionError, ValidationError
from hotline_desk.services.reporting import bulletin
from hotline_desk.services.reporting.bulletin_changes import DraftConflict, contents, differences
from hotline_desk.services.reporting.bulletin_compose import NarrativeSection, TypicalCase
from tests.conftest import FakeClock, People
from tests.helpers import cli_run, fingerprint, log_in_everyone

MONTH = "2022-07"
HOT = NarrativeSection(title="热点问题", paragraphs=("（一）供水问题。七月多雨。",))
WORK = NarrativeSection(title="业务工作", paragraphs=("（一）培训座席。",))


@pytest.fixture
def opened(db: Database, people: People, clock: FakeClock) -> bulletin.BulletinDraft:
    """A draft saved once (话务量, one narrative section) on 2 August, and what the first supervisor's page loaded."""
    clock.set(clock.now.replace(month=8, day=2, hour=9, minute=0))
    with db.session() as s:
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, call_volume="约1.1万人次", sections=(HOT,))
    with db.reader() as s:
        return bulletin.get_draft(s, MONTH)


def _other_station_saves(db: Database, people: People, clock: FakeClock) -> bulletin.BulletinDraft:
    """赵敏 at 10:15 saves a new 话务量, better units and a rewritten 热点问题 from another station."""
    clock.set(clock.now.replace(hour=10, minute=15))
    rewritten = NarrativeSection(title="热点问题", paragraphs=("（一）供水问题。七月多雨，停水较多。",))
    with db.session() as s:
        return bulletin.update_draft(s, people.supervisor2, MONTH, clock=clock, call_volume="约1.3万人次",
                                     good_units="纸坊镇", sections=(rewritten, WORK))


def test_a_save_from_a_stale_page_is_refused_naming_who_and_when_and_changes_nothing(
        db: Database, people: People, clock: FakeClock, opened: bulletin.BulletinDraft) -> None:
    theirs = _other_station_saves(db, people, clock)
    clock.set(clock.now.replace(hour=10, minute=40))
    with pytest.raises(DraftConflict) as refused, db.session() as s:
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, expected=opened, call_volume="约1.2万人次",
                              good_units="", bad_units="城市管理局", sections=(HOT,), typical_cases=())
    assert refused.value.message.startswith(f"{MONTH}的简报草稿已被赵敏于 10:15 保存")
    assert refused.value.changed == ("话务量", "办理较好的单位", "新增正文“业务工作”", "正文“热点问题”")
    assert all(part in refused.value.message for part in refused.value.changed)
    with db.reader() as s:
        stored = bulletin.get_draft(s, MONTH)
    assert contents(stored) == contents(theirs) == contents(refused.value.theirs)  # nothing of the refused save


def test_a_save_on_another_day_names_the_date(db: Database, people: People, clock: FakeClock,
                                              opened: bulletin.BulletinDraft) -> None:
    _other_station_saves(db, people, clock)
    clock.set(clock.now.replace(day=3, hour=8))
    with pytest.raises(DraftConflict, match="已被赵敏于 2022-08-02 10:15 保存"), db.session() as s:
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, expected=opened, call_volume="约1.2万人次")


def test_saving_from_an_up_to_date_page_works_and_the_next_save_compares_with_it(
        db: Database, people: People, clock: FakeClock, opened: bulletin.BulletinDraft) -> None:
    clock.advance(minutes=5)
    with db.session() as s:
        mine = bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, expected=opened,
                                     call_volume="约1.2万人次")
    with db.session() as s:  # the page now holds what it saved: saving again is no conflict
        mine = bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, expected=mine, bad_units="城市管理局")
    with db.reader() as s:
        assert bulletin.get_draft(s, MONTH).issue.call_volume == "约1.2万人次"
    with pytest.raises(DraftConflict), db.session() as s:  # the first reading is stale by now
        bulletin.update_draft(s, people.supervisor2, MONTH, clock=clock, expected=opened, call_volume="约9千人次")
    with db.reader() as s:
        assert contents(bulletin.get_draft(s, MONTH)) == contents(mine)


def test_a_save_that_went_through_unannounced_is_no_conflict_when_saved_again(
        db: Database, people: People, clock: FakeClock, opened: bulletin.BulletinDraft) -> None:
    """A connection lost at the commit told 李强's station the save might not have gone through; it had. Her page
    still holds the first reading: saving the same again, or with another part changed too, is no conflict."""
    page = dict(call_volume="约1.2万人次", good_units="", bad_units="城市管理局", sections=(HOT, WORK),
                typical_cases=())
    clock.set(clock.now.replace(hour=10, minute=0))
    with db.session() as s:
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, expected=opened, **page)
    clock.advance(minutes=3)
    with db.session() as s:
        bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, expected=opened, **page)
    with db.session() as s:
        saved = bulletin.update_draft(s, people.supervisor, MONTH, clock=clock, expected=opened,
                                      **{**page, "good_units": "纸坊镇"})
    assert saved.issue.good_units == "纸坊镇" and saved.issue.call_volume == "约1.2万人次"
    with pytest.raises(DraftConflict, match="已被李强于 10:03 保存"), db.session() as s:  # would undo 纸坊镇
        bulletin.update_draft(s, people.supervisor2, MONTH, clock=clock, expected=opened,
                              **{**page, "call_volume": "约1.3万人次"})
    with db.reader() as s:
        assert contents(bulletin.get_draft(s, MONTH)) == contents(saved)


def test_a_save_of_a_month_nobody_saved_yet_is_no_conflict(db: Database, people: People, clock: FakeClock,
                                                           opened: bulletin.BulletinDraft) -> None:
    with db.reader() as s:
        fresh = bulletin.get_draft(s, "2022-08")
    with db.session() as s:  # July's issue moves on: August's proposed numbers follow it, but nobody saved August
        bulletin.update_draft(s, people.supervisor2, MONTH, clock=clock, total_issue=262)
    with db.session() as s:
        bulletin.update_draft(s, people.supervisor, "2022-08", clock=clock, expected=fresh, call_volume="约1万人次")
    with pytest.raises(DraftConflict, match="已被李强于 09:00 保存（改了总期号、话务量）"), db.session() as s:
        bulletin.update_draft(s, people.supervisor2, "2022-08", clock=clock, expected=fresh, call_volume="约2万人次")


def test_finalising_a_stale_page_is_refused_and_nothing_is_frozen(
        db: Database, people: People, clock: FakeClock, opened: bulletin.BulletinDraft) -> None:
    _other_station_saves(db, people, clock)
    with pytest.raises(DraftConflict, match=r"已被赵敏于 10:15 保存.*定稿未进行"), db.session() as s:
        bulletin.finalize(s, people.supervisor, MONTH, clock=clock, expected=opened, accept_warnings=True)
    with db.reader() as s:
        assert not bulletin.get_draft(s, MONTH).final


def test_what_changed_is_named_as_the_page_names_it() -> None:
    first = {"call_volume": "a", "sections": (HOT, WORK), "typical_cases": ()}
    assert differences(first, {**first, "sections": (WORK, HOT)}) == ("正文各部分的顺序",)
    renamed = NarrativeSection(title="工作动态", paragraphs=WORK.paragraphs)
    assert differences(first, {**first, "sections": (HOT, renamed)}) == ("删去正文“业务工作”", "新增正文“工作动态”")
    typical = (TypicalCase(number="RZ2207-00001", polarity="positive", text="好"),)
    assert differences(first, {**first, "typical_cases": typical, "call_volume": "b"}) == ("话务量", "典型案例")
    assert differences(first, dict(first)) == ()


def test_the_command_line_changes_only_the_fields_it_is_given(
        db: Database, people: People, clock: FakeClock, opened: bulletin.BulletinDraft, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    log_in_everyone(db, monkeypatch)
    narrative = tmp_path / "正文.json"
    narrative.write_text(json.dumps({"sections": [{"title": "业务工作", "paragraphs": ["（一）培训座席。"]}]},
                                    ensure_ascii=False), encoding="utf-8")
    code, _out, err = cli_run(capsys, db, "bulletin", "--month", MONTH, "--narrative", str(narrative), user="sup1")
    assert code == 0, err
    code, _out, err = cli_run(capsys, db, "bulletin", "--month", MONTH, "--good-units", "纸坊镇", user="sup2")
    assert code == 0, err
    code, _out, err = cli_run(capsys, db, "bulletin", "--month", MONTH, "--call-volume", "约1.3万人次", user="sup1")
    assert code == 0, err
    with db.reader() as s:
        issue = bulletin.get_draft(s, MONTH).issue
    assert issue.call_volume == "约1.3万人次" and issue.good_units == "纸坊镇"
    assert [(s.title, s.paragraphs) for s in issue.sections] == [("业务工作", ("（一）培训座席。",))]
    assert (issue.year_issue, issue.issue_date) == (opened.issue.year_issue, opened.issue.issue_date)
    before = fingerprint(db)  # a file saved as GBK, or not JSON at all: said in words, nothing changed
    narrative.write_text(json.dumps({"sections": []}, ensure_ascii=False) + "正文", encoding="gbk")
    code, _out, err = cli_run(capsys, db, "bulletin", "--month", MONTH, "--narrative", str(narrative), user="sup1")
    assert code == 2 and "不是 UTF-8 编码的文本" in err and "Traceback" not in err
    narrative.write_text("{“sections”: []}", encoding="utf-8")
    code, _out, err = cli_run(capsys, db, "bulletin", "--month", MONTH, "--narrative", str(narrative), user="sup1")
    assert code == 2 and "不是有效的 JSON（第 1 行" in err
    assert fingerprint(db) == before
    code, out, err = cli_run(capsys, db, "verify")  # each save is in the audit trail, whose chain holds
    assert code == 0, out + err


def test_a_finalised_draft_still_refuses_any_save(db: Database, people: People, clock: FakeClock,
                                                 opened: bulletin.BulletinDraft) -> None:
    with db.session() as s:
        bulletin.finalize(s, people.supervisor, MONTH, clock=clock, expected=opened, accept_warnings=True)
    with pytest.raises(TransitionError, match="已定稿"), db.session() as s:
        bulletin.update_draft(s, people.supervisor2, MONTH, clock=clock, expected=opened, call_volume="x")


def test_an_issue_number_a_finalised_bulletin_has_is_refused(db: Database, people: People, clock: FakeClock,
                                                             opened: bulletin.BulletinDraft) -> None:
    """June finalised after July took July's 总第 number: two bulletins went out as 总第262期."""
    with db.session() as s:
        bulletin.finalize(s, people.supervisor, MONTH, clock=clock, expected=opened, accept_warnings=True)
    july = opened.issue
    with db.reader() as s:  # a month filled in late starts on free numbers
        june = bulletin.get_draft(s, "2022-06").issue
    assert (june.year_issue, june.total_issue) == (6, july.total_issue + 1)
    before = fingerprint(db)
    with pytest.raises(ValidationError, match=f"总第{july.total_issue}期已是2022-07简报的期号（已定稿）"), \
            db.session() as s:
        bulletin.update_draft(s, people.supervisor, "2022-06", clock=clock, total_issue=july.total_issue)
    with pytest.raises(ValidationError, match="2022年第7期已是2022-07简报的期号"), db.session() as s:
        bulletin.update_draft(s, people.supervisor, "2022-06", clock=clock, year_issue=7)
    assert fingerprint(db) == before
    with db.session() as s:  # August's draft keeps a number June then goes out with
        bulletin.update_draft(s, people.supervisor, "2022-08", clock=clock, total_issue=june.total_issue)
        bulletin.finalize(s, people.supervisor, "2022-06", clock=clock, accept_warnings=True)
    with pytest.raises(ValidationError, match=f"总第{june.total_issue}期已是2022-06简报的期号"), db.session() as s:
        bulletin.update_draft(s, people.supervisor, "2022-08", clock=clock, call_volume="约1万人次")
    with pytest.raises(ValidationError, match=f"总第{june.total_issue}期已是2022-06简报的期号"), db.session() as s:
        bulletin.finalize(s, people.supervisor, "2022-08", clock=clock, accept_warnings=True)
