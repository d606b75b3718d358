"""A bulletin draft looks like one: Ctrl+S saves it and says when, the page's buttons stay where they are whatever
was last done, and its PDF carries a light 草稿 across every page that the finalised issue does not."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pdfplumber
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.reporting import bulletin
from hotline_desk.ui.bulletin_view import BulletinView
from hotline_desk.ui.main_window import MainWindow
from tests.conftest import FakeClock, People
from tests.helpers import draft
from tests.ui_helpers import context

MONTH = "2022-07"


def _july(db: Database, people: People, clock: FakeClock) -> None:
    with db.session() as s:
        register_case(s, people.operator, draft(s, handling="coordinate", answer="已答复", unit_id=None), clock=clock)
        register_case(s, people.operator, draft(s), clock=clock)
    clock.set(clock.now.replace(month=8, day=3, hour=10, minute=7))


@pytest.fixture
def page(qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> BulletinView:
    _july(db, people, clock)
    view = BulletinView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    view.resize(1366, 740)
    view.show()
    assert view.month.currentText() == MONTH
    return view


def test_ctrl_s_saves_the_draft_and_the_page_says_when(qtbot: QtBot, page: BulletinView, db: Database) -> None:
    said: list[str] = []
    page.ctx.signals.notice.connect(said.append)
    page.call_volume.setFocus()
    page.call_volume.selectAll()
    page.call_volume.insert("约1.3万人次")  # as an input method commits it
    QTest.keyClick(page.call_volume, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    with db.reader() as s:
        assert bulletin.get_draft(s, MONTH).issue.call_volume == "约1.3万人次"
    assert page.status.text() == "草稿已保存（10:07）" and not page.is_dirty()
    assert said == ["2022-07 简报草稿已保存（10:07）"]
    page.grab().save(str(page.ctx.state_dir / "saved.png"))


def test_ctrl_s_works_from_the_main_window_page_and_not_on_a_finalised_month(
        qtbot: QtBot, page: BulletinView, db: Database, people: People, monkeypatch: pytest.MonkeyPatch) -> None:
    window = MainWindow(page.ctx, {"bulletin": lambda _ctx: page}, watch=False)
    qtbot.addWidget(window)
    window.show()
    window.show_page("bulletin")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    page.sections.setFocus()  # the focus is on the list of sections, not in a field
    page.section_text.setPlainText("本月群众反映较集中的问题有：供水。")
    QTest.keyClick(page.sections, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    with db.reader() as s:
        assert bulletin.get_draft(s, MONTH).issue.sections[0].paragraphs == ("本月群众反映较集中的问题有：供水。",)
    with db.session() as s:
        bulletin.finalize(s, people.supervisor, MONTH, clock=page.ctx.clock, accept_warnings=True)
    page.load()
    saves: list[int] = []
    monkeypatch.setattr(bulletin, "update_draft", lambda *a, **k: saves.append(1))
    QTest.keyClick(page.sections, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert saves == [] and page.status.text().startswith("已定稿")


def test_the_buttons_stay_in_one_place_whatever_was_last_done(qtbot: QtBot, page: BulletinView) -> None:
    def where() -> QPoint:
        qtbot.wait(20)
        return page.buttons["save"].mapTo(page, QPoint(0, 0))

    places = [where()]
    page.save_clicked()
    places.append(where())
    with qtbot.waitSignal(page.built, timeout=120_000):
        page.start_preview()
    assert "已生成 2022-07" in page.status.text()
    places.append(where())
    folder = "/很长的文件夹名" * 30
    page._done(f"已保存 2022-07 简报：{folder}/2022-07工作简报.pdf", f"已保存：{folder}")
    places.append(where())
    assert len(set(places)) == 1, places
    assert page.status.toolTip().startswith("已保存 2022-07 简报：/很长的文件夹名")  # the whole of it


def _pages(pdf: bytes) -> tuple[list[str], list[list[int]]]:
    """Each page's text and a grey rendering of it, as the person reading the PDF sees it."""
    texts, pixels = [], []
    with pdfplumber.open(BytesIO(pdf)) as doc:
        for p in doc.pages:
            texts.append(p.extract_text() or "")
            image = p.to_image(resolution=30).original.convert("L")
            pixels.append(list(image.tobytes()))
    return texts, pixels


def test_a_draft_pdf_has_草稿_across_every_page_and_the_finalised_one_has_not(
        db: Database, people: People, clock: FakeClock) -> None:
    _july(db, people, clock)
    with db.reader() as s:
        drafted = bulletin.build(s, MONTH, clock=clock).pdf
    with db.session() as s:
        final = bulletin.finalize(s, people.supervisor, MONTH, clock=clock, accept_warnings=True).pdf
    with db.reader() as s:
        assert bulletin.build(s, MONTH, clock=clock).pdf == final  # the frozen bytes, reprinted as they were
    draft_text, draft_look = _pages(drafted)
    final_text, final_look = _pages(final)
    assert draft_text == final_text and len(draft_text) >= 3  # the mark is no text: copying or searching is as before
    assert "草稿" not in "".join(final_text)
    for number, (marked, plain) in enumerate(zip(draft_look, final_look, strict=True), start=1):
        darker = sum(1 for a, b in zip(marked, plain, strict=True) if a < b - 8)
        lighter = sum(1 for a, b in zip(marked, plain, strict=True) if a > b + 8)
        assert darker > len(marked) // 100, f"第{number}页没有草稿标记"
        assert lighter == 0  # the mark lies under the text and hides none of it
