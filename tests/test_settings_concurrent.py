"""Two administrators at the settings pages: a form stores only what was changed in it, so what another station
saved meanwhile in other items stands; where both changed the same item, the person is asked, 取消 by default."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QMessageBox, QSpinBox
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.office import admin
from hotline_desk.services.office.settings import Settings
from hotline_desk.services.reporting.rules import load_rules
from hotline_desk.ui.settings_view import RulesTab, TemplateTab
from tests.conftest import FakeClock, People
from tests.ui_helpers import Messages, context, when_modal


def _press_when_asked(button: str, seen: list[str]) -> None:
    """When the question box opens, note its text and press the button named ``button``."""
    def check(box: QMessageBox) -> None:
        seen.append(box.text())
        chosen = next(b for b in box.buttons() if b.text() == button)
        chosen.click()

    when_modal(QMessageBox, check)


def _spin(tab: RulesTab | TemplateTab, key: str) -> QSpinBox:
    editor = tab.editors[key]
    assert isinstance(editor, QSpinBox)
    return editor


def test_saving_the_rules_keeps_what_another_station_saved_in_other_items(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    Messages().install(monkeypatch)
    ctx = context(db, people.admin, clock, tmp_path)
    said: list[str] = []
    ctx.signals.notice.connect(said.append)
    tab = RulesTab(ctx)
    qtbot.addWidget(tab)
    _spin(tab, "bonus_max").setValue(26)
    with db.session() as s:  # another administrator, on another station
        admin.update_rules(s, people.admin, {"basic_counts": False}, clock=clock)
    assert tab.save()
    # the status bar says it was saved, and which months it reaches (also said on the page itself)
    assert said == ["已保存考核规则：尚未定稿的月份（包括刚结束的月份）按新规则计分，已定稿的月份不变。"]
    assert "已定稿的月份保持定稿时的得分" in tab.findChild(QLabel, "rules_reach").text()
    with db.reader() as s:
        rules = load_rules(s)
    assert (rules.bonus_max, rules.basic_counts) == (26, False)
    assert not tab.is_dirty()  # and the form now shows both


@pytest.mark.parametrize(("answer", "kept"), [("用我的值覆盖", 26), ("采用对方的值", 30), ("取消", 30)])
def test_the_same_rule_changed_on_both_stations_is_asked_about(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, answer: str, kept: int) -> None:
    Messages().install(monkeypatch)
    with db.reader() as s:
        lowest = load_rules(s).bonus_min
    tab = RulesTab(context(db, people.admin, clock, tmp_path))
    qtbot.addWidget(tab)
    _spin(tab, "bonus_max").setValue(26)
    _spin(tab, "bonus_min").setValue(-15)
    with db.session() as s:
        admin.update_rules(s, people.admin, {"bonus_max": 30}, clock=clock)
    seen: list[str] = []
    _press_when_asked(answer, seen)
    assert tab.save() is (answer != "取消")
    assert "附加分上限：对方改为“30”，您改为“26”" in seen[0]
    with db.reader() as s:
        rules = load_rules(s)
    assert rules.bonus_max == kept
    assert rules.bonus_min == (lowest if answer == "取消" else -15)  # the item only changed here goes in either way
    if answer == "取消":
        assert _spin(tab, "bonus_max").value() == 26  # nothing typed is lost


def test_saving_the_settings_keeps_what_another_station_saved_in_other_items(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    Messages().install(monkeypatch)
    tab = TemplateTab(context(db, people.admin, clock, tmp_path))
    qtbot.addWidget(tab)
    _spin(tab, "limits.followup_days").setValue(3)
    with db.session() as s:
        admin.update_setting(s, people.admin, "limits.sign_hours", 12, clock=clock)
    assert tab.save()
    with db.reader() as s:
        stored = Settings(s)
        assert (stored.get("limits.followup_days"), stored.get("limits.sign_hours")) == (3, 12)
    assert _spin(tab, "limits.sign_hours").value() == 12 and not tab.is_dirty()
