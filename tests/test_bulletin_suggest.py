"""月度简报 → 按得分建议: units the editor chose are replaced only when the editor says so (keeping them is the
default, and Esc's answer), a replacement is undone with Ctrl+Z in its field even after 生成预览 saved it, and the
page says that 生成预览 saved the draft."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.reporting import bulletin
from hotline_desk.services.reporting.scoring import add_bonus
from hotline_desk.ui.bulletin_view import BulletinView
from tests.conftest import FakeClock, People
from tests.helpers import draft, unit_id
from tests.ui_helpers import Messages, context

CHOSEN_GOOD, CHOSEN_BAD = "煤山街道、公安局", "纸坊镇、住房和城乡建设局"
SUGGESTED_GOOD, SUGGESTED_BAD = "自来水公司", "移动公司"


@pytest.fixture
def view(qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> BulletinView:
    """July: a case dispatched to each of two departments, the second 3 points down; the editor has chosen other
    units and saved them. The supervisor opens the page on 3 August."""
    with db.session() as s:
        for unit in (SUGGESTED_GOOD, SUGGESTED_BAD):
            case_id = register_case(s, people.operator, draft(s, unit_id=unit_id(s, unit)), clock=clock).id
            wf.approve(s, people.supervisor, case_id, clock=clock)
        add_bonus(s, people.supervisor, "2022-07", unit_id(s, SUGGESTED_BAD), -3, "推诿扯皮", clock=clock)
        bulletin.update_draft(s, people.supervisor, "2022-07", clock=clock, good_units=CHOSEN_GOOD,
                              bad_units=CHOSEN_BAD)
    clock.set(clock.now.replace(month=8, day=3))
    page = BulletinView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    assert page.month.currentText() == "2022-07" and page.good_units.text() == CHOSEN_GOOD
    return page


class Question:
    """Records the question 按得分建议 asks and answers it with a key, as a hurried editor would, or a button."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, key: Qt.Key | None = None, click: str = "") -> None:
        self.asked: list[tuple[str, str]] = []

        def exec_(box: QMessageBox) -> int:
            default = box.defaultButton()
            self.asked.append((box.text(), default.text() if default else ""))
            if click:
                next(b for b in box.buttons() if b.text() == click).click()
            elif key is not None:
                box.show()
                QTest.keyClick(box, key)
            return 0

        monkeypatch.setattr(QMessageBox, "exec", exec_)


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Escape])
def test_enter_or_esc_at_the_question_keeps_the_units_the_editor_chose(
        view: BulletinView, monkeypatch: pytest.MonkeyPatch, key: Qt.Key) -> None:
    question = Question(monkeypatch, key=key)
    view.suggest()
    ((text, default),) = question.asked
    assert default == "保留我填写的"
    assert CHOSEN_GOOD in text and SUGGESTED_GOOD in text and CHOSEN_BAD in text and SUGGESTED_BAD in text
    assert (view.good_units.text(), view.bad_units.text()) == (CHOSEN_GOOD, CHOSEN_BAD)
    assert not view.is_dirty() and "保留" in view.status.text()


def test_replacing_is_undone_with_ctrl_z_even_after_the_preview_saved_it(
        qtbot: QtBot, view: BulletinView, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    Question(monkeypatch, click="替换为建议")
    view.suggest()
    assert (view.good_units.text(), view.bad_units.text()) == (SUGGESTED_GOOD, SUGGESTED_BAD)
    with qtbot.waitSignal(view.built, timeout=60_000):
        view.start_preview()  # saves the draft before building it, and says so
    assert view.status.text().startswith("草稿已保存（") and "已生成 2022-07" in view.status.text()
    with db.reader() as s:
        assert bulletin.get_draft(s, "2022-07").issue.good_units == SUGGESTED_GOOD
    for line, chosen in ((view.good_units, CHOSEN_GOOD), (view.bad_units, CHOSEN_BAD)):
        line.setFocus()
        QTest.keyClick(line, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert line.text() == chosen
    assert view.is_dirty()  # to be saved again, as any edit


def test_empty_fields_are_filled_without_asking(view: BulletinView, monkeypatch: pytest.MonkeyPatch) -> None:
    question = Question(monkeypatch, key=Qt.Key.Key_Return)
    view.good_units.clear()
    view.bad_units.setText(SUGGESTED_BAD)  # the same as suggested: nothing to ask about either
    view.suggest()
    assert question.asked == []
    assert (view.good_units.text(), view.bad_units.text()) == (SUGGESTED_GOOD, SUGGESTED_BAD)


def test_keeping_one_typed_field_still_fills_the_empty_one(view: BulletinView,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    question = Question(monkeypatch, key=Qt.Key.Key_Escape)
    view.good_units.clear()
    view.suggest()
    ((text, _default),) = question.asked
    assert CHOSEN_BAD in text and "办理较好" not in text  # asked only about what would be replaced
    assert (view.good_units.text(), view.bad_units.text()) == (SUGGESTED_GOOD, CHOSEN_BAD)


def test_a_tie_at_the_top_is_said_beside_the_filled_units(qtbot: QtBot, db: Database, people: People,
                                                          clock: FakeClock, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Two departments whose cases went alike share the top 合计: the page fills in the one the table lists first,
    and says that the other ties with it (it chose by order, not by score)."""
    with db.session() as s:
        for unit in ("自来水公司", "移动公司"):
            case_id = register_case(s, people.operator, draft(s, unit_id=unit_id(s, unit)), clock=clock).id
            wf.approve(s, people.supervisor, case_id, clock=clock)
    clock.set(clock.now.replace(month=8, day=3))
    page = BulletinView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(page)
    page.show()
    messages = Messages().install(monkeypatch)
    page.suggest()
    assert page.good_units.text() in ("自来水公司", "移动公司")
    said = page.status.text()
    assert "市直单位合计最高的有 2 个单位并列" in said and "自来水公司" in said and "移动公司" in said, said
    assert said.endswith(f"建议中只填了{page.good_units.text()}，请斟酌。")
    # two long sentences were cut in the status line's two lines: the tie is also put in a box, to be read
    (box,) = messages.texts("information")
    assert box.startswith("并列的单位：市直单位合计最高的有 2 个单位并列")
