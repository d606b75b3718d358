"""The bulletin page when another station saved the month's draft while this one was being edited: nothing typed is
lost, the person is told what the other side changed and chooses to overwrite, load theirs, or keep editing (the
default); 定稿 from a stale page asks the same way; a preview being made never wipes what is typed meanwhile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.reporting import bulletin
from hotline_desk.services.reporting.bulletin_compose import NarrativeSection
from hotline_desk.ui.bulletin_view import BulletinView
from hotline_desk.ui.main_window import MainWindow
from tests.conftest import FakeClock, People
from tests.helpers import draft
from tests.ui_helpers import context, when_modal

MONTH = "2022-07"
OVERWRITE, RELOAD = "用我的内容覆盖", "载入对方保存的内容（放弃我的修改）"
THEIR_HOT = NarrativeSection(title="热点问题", paragraphs=("（一）供水问题。赵敏写的段落。",))
THEIR_WORK = NarrativeSection(title="业务工作", paragraphs=("（一）培训座席。",))


@pytest.fixture
def view(qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> BulletinView:
    """July's draft, not saved by anyone yet, open on 李强's page on 2 August."""
    with db.session() as s:
        register_case(s, people.operator, draft(s, handling="coordinate", answer="已答复", unit_id=None), clock=clock)
    clock.set(clock.now.replace(month=8, day=2, hour=9))
    page = BulletinView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    assert page.month.currentText() == MONTH and not page.is_dirty()
    return page


def other_station_saves(db: Database, people: People, clock: FakeClock) -> None:
    """赵敏, at 10:15 on her own station: a new 话务量, 热点问题 rewritten, a section added."""
    clock.set(clock.now.replace(hour=10, minute=15))
    with db.reader() as s:
        typical = bulletin.get_draft(s, MONTH).issue.sections[1]
    with db.session() as s:
        bulletin.update_draft(s, people.supervisor2, MONTH, clock=clock, call_volume="约1.3万人次",
                              sections=(THEIR_HOT, typical, THEIR_WORK))
    clock.set(clock.now.replace(hour=10, minute=40))


def type_on_page(view: BulletinView) -> None:
    """李强 types a 话务量 and a paragraph of 热点问题."""
    view.call_volume.setText("约1.2万人次")
    view.sections.setCurrentRow(0)
    view.section_text.setPlainText("（一）供水问题。李强写的段落。")
    assert view.is_dirty()


def stored(db: Database) -> tuple[str, str, tuple[str, ...]]:
    with db.reader() as s:
        issue = bulletin.get_draft(s, MONTH).issue
    return issue.call_volume, issue.good_units, tuple(p for sec in issue.sections for p in sec.paragraphs)


class Answers:
    """Records each message box (its text, its default button) and clicks the next named button."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *clicks: str) -> None:
        self.asked: list[tuple[str, str, list[str]]] = []
        pending = list(clicks)

        def exec_(box: QMessageBox) -> int:
            default = box.defaultButton()
            self.asked.append((box.text(), default.text() if default else "", [b.text() for b in box.buttons()]))
            click = pending.pop(0)
            next(b for b in box.buttons() if b.text() == click).click()
            return 0

        monkeypatch.setattr(QMessageBox, "exec", exec_)


def test_saving_over_another_stations_save_asks_and_enter_keeps_the_typing(
        qtbot: QtBot, view: BulletinView, db: Database, people: People, clock: FakeClock) -> None:
    type_on_page(view)
    other_station_saves(db, people, clock)
    seen: list[Any] = []

    def press_enter(box: QMessageBox) -> None:
        default = box.defaultButton()
        seen.extend([box.windowTitle(), box.text(), default.text() if default else "",
                     [b.text() for b in box.buttons()]])
        QTest.keyClick(box, Qt.Key.Key_Return)  # a hurried Enter takes the default

    when_modal(QMessageBox, press_enter)
    qtbot.mouseClick(view.buttons["save"], Qt.MouseButton.LeftButton)
    title, text, default, buttons = seen
    assert title == "简报已被他人修改" and default == "取消"
    assert sorted(buttons) == sorted([OVERWRITE, RELOAD, "取消"])
    assert text.startswith(f"{MONTH} 的简报草稿已被赵敏于 10:15 保存")
    assert "对方改了：话务量、新增正文“业务工作”、正文“热点问题”" in text
    assert "您改了：话务量、正文“热点问题”" in text and "双方都改了：话务量、正文“热点问题”" in text
    # what they wrote, to be weighed or copied without first giving up what is typed here
    theirs = text.split("对方保存的内容（可选中复制）：\n")[1].split("\n\n·")[0]
    assert "话务量：约1.3万人次" in theirs and "赵敏写的段落" in theirs and "（一）培训座席。" in theirs
    # Nothing typed is lost, nothing of it is written, and the page says it was not saved.
    assert view.call_volume.text() == "约1.2万人次"
    assert view.section_text.toPlainText() == "（一）供水问题。李强写的段落。"
    assert view.is_dirty() and view.status.text().startswith("未保存")
    assert stored(db) == ("约1.3万人次", "", (*THEIR_HOT.paragraphs, *THEIR_WORK.paragraphs))


def test_overwriting_saves_the_page_and_the_next_save_asks_nothing(
        view: BulletinView, db: Database, people: People, clock: FakeClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    type_on_page(view)
    other_station_saves(db, people, clock)
    answers = Answers(monkeypatch, OVERWRITE)
    assert view.save()
    assert len(answers.asked) == 1 and not view.is_dirty() and view.status.text() == "草稿已保存（10:40）"
    assert stored(db) == ("约1.2万人次", "", ("（一）供水问题。李强写的段落。",))
    view.good_units.setText("纸坊镇")
    assert view.save() and len(answers.asked) == 1  # compared with what it just saved: no question
    assert stored(db)[1] == "纸坊镇"


def test_loading_theirs_shows_their_draft_and_the_next_save_builds_on_it(
        view: BulletinView, db: Database, people: People, clock: FakeClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    type_on_page(view)
    other_station_saves(db, people, clock)
    answers = Answers(monkeypatch, RELOAD)
    assert not view.save()
    assert view.call_volume.text() == "约1.3万人次" and not view.is_dirty()
    assert [view.sections.item(i).text() for i in range(view.sections.count())] == ["热点问题", "典型案例", "业务工作"]
    view.sections.setCurrentRow(0)
    assert view.section_text.toPlainText() == THEIR_HOT.paragraphs[0]
    assert view.status.text() == "已载入对方保存的内容，请核对。"
    view.good_units.setText("纸坊镇")
    assert view.save() and len(answers.asked) == 1
    assert stored(db) == ("约1.3万人次", "纸坊镇", (*THEIR_HOT.paragraphs, *THEIR_WORK.paragraphs))


def test_finalising_a_stale_page_asks_and_loading_theirs_freezes_nothing_yet(
        qtbot: QtBot, view: BulletinView, db: Database, people: People, clock: FakeClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    other_station_saves(db, people, clock)  # 李强 typed nothing: his page simply shows the old draft
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    answers = Answers(monkeypatch, RELOAD)
    view.finalize()
    ((text, _default, _buttons),) = answers.asked
    assert "已被赵敏于 10:15 保存" in text and "您改了：（无）" in text
    assert not view.final and view.call_volume.text() == "约1.3万人次"
    with db.reader() as s:
        assert not bulletin.get_draft(s, MONTH).final
    with qtbot.waitSignal(view.built, timeout=120_000):  # now that the page shows what is stored, 定稿 goes ahead
        view.finalize()
    assert view.final and len(answers.asked) == 1
    with db.reader() as s:
        final = bulletin.get_draft(s, MONTH)
    assert final.final and final.issue.call_volume == "约1.3万人次" and final.issue.sections[2] == THEIR_WORK


def test_closing_with_edits_when_another_station_saved_keeps_the_window_and_the_typing(
        qtbot: QtBot, view: BulletinView, db: Database, people: People, clock: FakeClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = MainWindow(view.ctx, {"bulletin": lambda _ctx: view}, watch=False)
    qtbot.addWidget(window)
    window.show()
    window.show_page("bulletin")
    type_on_page(view)
    other_station_saves(db, people, clock)
    answers = Answers(monkeypatch, "保存", "取消")
    assert not window.close()
    assert [asked[0].split("。")[0] for asked in answers.asked] == [
        f"{MONTH} 的简报有未保存的修改", f"{MONTH} 的简报草稿已被赵敏于 10:15 保存，与本页打开时不同，您的修改尚未保存"]
    assert window.isVisible() and view.call_volume.text() == "约1.2万人次" and view.is_dirty()
    assert stored(db)[0] == "约1.3万人次"
    view.load()  # the person drops the edit after all; the window may close
    assert window.close()


def test_typing_while_a_preview_is_made_is_kept(qtbot: QtBot, view: BulletinView, db: Database) -> None:
    with qtbot.waitSignal(view.built, timeout=120_000):
        view.start_preview()
        view.bad_units.setText("城市管理局")  # the page stays editable while the PDF is made
    assert view.pdf_month == MONTH and view.bad_units.text() == "城市管理局" and view.is_dirty()
    assert "未保存" in view.status.text()


def test_a_page_that_takes_another_stations_save_in_place_of_what_it_showed_says_so(
        view: BulletinView, db: Database, people: People, clock: FakeClock) -> None:
    """李强 saved his 热点问题; 赵敏, from an older page, chose to overwrite it. 李强's page quietly showed her text,
    its status still saying 草稿已保存, and he finalised it without knowing his paragraph was gone."""
    from hotline_desk.ui.changes import Change

    noticed: list[str] = []
    view.ctx.signals.notice.connect(noticed.append)
    type_on_page(view)
    assert view.save()
    other_station_saves(db, people, clock)
    view.ctx.signals.changed.emit(Change.BULLETIN)  # what the watcher says when another station wrote
    assert view.call_volume.text() == "约1.3万人次" and not view.is_dirty()
    said = view.status.text()
    assert said.startswith(f"{people.supervisor2.display_name}于 10:15 保存了简报的修改（") and "热点问题" in said
    assert said.endswith("本页已换成其保存的内容，请核对。") and noticed[-1] == said
    noticed.clear()
    view.ctx.signals.changed.emit(Change.BULLETIN)  # nothing new since: nothing said again
    assert noticed == []
