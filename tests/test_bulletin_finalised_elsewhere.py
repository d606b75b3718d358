"""The bulletin page when the month it shows as a draft is finalised elsewhere (another station, or the command line):
a save, 定稿 or a refresh shows the month final, read-only, with its frozen PDF ready to save, says who finalised it and
when, and shows what was typed and not saved instead of dropping it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.reporting import bulletin
from hotline_desk.ui.bulletin_view import BulletinView
from hotline_desk.ui.changes import Change
from hotline_desk.ui.main_window import MainWindow
from tests.conftest import FakeClock, People
from tests.helpers import draft
from tests.ui_helpers import context

MONTH = "2022-07"
SAID = f"{MONTH} 简报已由赵敏于10:15定稿"


@pytest.fixture
def view(qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> BulletinView:
    """July's draft open on 李强's page on 2 August at 09:00."""
    with db.session() as s:
        register_case(s, people.operator, draft(s, handling="coordinate", answer="已答复", unit_id=None), clock=clock)
    clock.set(clock.now.replace(month=8, day=2, hour=9, minute=0))
    page = BulletinView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    assert page.month.currentText() == MONTH and not page.final
    return page


def finalised_elsewhere(db: Database, people: People, clock: FakeClock) -> bytes:
    """赵敏 finalises July on her own station at 10:15; the frozen PDF."""
    clock.set(clock.now.replace(hour=10, minute=15))
    with db.session() as s:
        pdf = bulletin.finalize(s, people.supervisor2, MONTH, clock=clock, accept_warnings=True).pdf
    clock.set(clock.now.replace(hour=10, minute=40))
    return pdf


class Boxes:
    """Records each message box shown with exec() and presses its default (or only) button."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.shown: list[tuple[str, str]] = []
        self.questions: list[str] = []

        def exec_(box: QMessageBox) -> int:
            self.shown.append((box.objectName(), box.text()))
            (box.defaultButton() or box.buttons()[0]).click()
            return 0

        def question(_parent: object, _title: str, text: str, *args: object) -> QMessageBox.StandardButton:
            self.questions.append(text)
            return QMessageBox.StandardButton.Yes

        monkeypatch.setattr(QMessageBox, "exec", exec_)
        monkeypatch.setattr(QMessageBox, "question", question)


def shows_final(view: BulletinView, frozen: bytes) -> None:
    assert view.final and view.call_volume.isReadOnly() and view.section_text.isReadOnly()
    assert not view.buttons["save"].isEnabled() and not view.buttons["finalize"].isEnabled()
    assert view.read_only_note.isVisible() and "已定稿" in view.read_only_note.text()
    assert view.pdf_bytes == frozen and view.pdf_month == MONTH and view.preview_doc.pageCount() > 0


def test_ctrl_s_on_a_month_finalised_elsewhere_shows_it_final_and_the_edits_not_saved(
        qtbot: QtBot, view: BulletinView, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    view.call_volume.setText("约1.2万人次")
    view.sections.setCurrentRow(0)
    view.section_text.setPlainText("（一）供水问题。李强写的段落。")
    frozen = finalised_elsewhere(db, people, clock)
    boxes = Boxes(monkeypatch)
    notices: list[str] = []
    view.ctx.signals.notice.connect(notices.append)
    QTest.keyClick(view.section_text, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    ((name, text),) = boxes.shown
    assert name == "bulletin_finalised_meanwhile"
    assert text.startswith(f"{SAID}，内容不能再修改。您在本页的修改没有保存")
    assert "话务量：约1.2万人次" in text and "（一）供水问题。李强写的段落。" in text
    shows_final(view, frozen)
    assert notices[-1] == SAID and view.status.text() == SAID
    with db.reader() as s:
        assert bulletin.get_draft(s, MONTH).issue.call_volume == ""  # nothing of the page was written
    # 保存PDF… saves the frozen file, without asking for a preview first.
    target = tmp_path / "七月简报.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PDF (*.pdf)"))
    qtbot.mouseClick(view.buttons["pdf"], Qt.MouseButton.LeftButton)
    assert target.read_bytes() == frozen
    assert len(boxes.shown) == 1


def test_finalise_on_a_month_finalised_elsewhere_asks_nothing_and_shows_it_final(
        view: BulletinView, db: Database, people: People, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    frozen = finalised_elsewhere(db, people, clock)
    boxes = Boxes(monkeypatch)
    view.buttons["finalize"].click()
    assert boxes.questions == [] and boxes.shown == []  # nothing typed: nothing to show but the page itself
    shows_final(view, frozen)
    assert view.status.text() == SAID


def test_preview_on_a_month_finalised_elsewhere_shows_the_frozen_pdf(
        view: BulletinView, db: Database, people: People, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    frozen = finalised_elsewhere(db, people, clock)
    Boxes(monkeypatch)
    view.buttons["preview"].click()
    shows_final(view, frozen)


def test_a_hidden_page_shows_the_month_final_when_shown_again(
        view: BulletinView, db: Database, people: People, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    view.good_units.setText("纸坊镇")
    view.hide()
    frozen = finalised_elsewhere(db, people, clock)
    boxes = Boxes(monkeypatch)
    view.ctx.signals.changed.emit(Change.BULLETIN)  # what the watcher says when another station wrote
    assert not view.final  # hidden: read when next shown
    view.show()
    shows_final(view, frozen)
    ((_name, text),) = boxes.shown
    assert text.startswith(SAID) and "办理较好的单位：纸坊镇" in text


def test_after_finalising_here_the_status_bar_says_finalised_not_draft_saved(
        qtbot: QtBot, view: BulletinView, db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    window = MainWindow(view.ctx, {"bulletin": lambda _ctx: view}, watch=False)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.show_page("bulletin")
    clock.set(clock.now.replace(hour=9, minute=25))
    view.call_volume.setText("约1万人次")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(view.built, timeout=60_000):
        view.buttons["finalize"].click()
    assert window.statusBar().currentMessage() == f"{MONTH} 简报已定稿（09:25），数字和PDF已冻结"
    assert view.final and view.status.text().startswith("已定稿")


def test_finalising_here_is_not_told_as_done_elsewhere(
        qtbot: QtBot, view: BulletinView, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    notices: list[str] = []
    view.ctx.signals.notice.connect(notices.append)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(view.built, timeout=60_000):
        view.buttons["finalize"].click()
    assert view.final and not any("已由" in said for said in notices), notices
