"""The registration form's pickers never choose behind the typist's back: ↓ with nothing matching does nothing, several
matches show a list to move in, Esc gives back what was typed, and a text naming no category is flagged."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases.records import case_view
from hotline_desk.ui.case_entry import CaseEntryView
from hotline_desk.ui.entry_widgets import close_popups
from hotline_desk.ui.widgets import SearchCombo
from tests.conftest import FakeClock, People
from tests.test_ui_entry import _cases, _fill_by_keyboard, _shown, press, type_text
from tests.ui_helpers import context

KEYS = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier


def _suggested(picker: SearchCombo) -> list[str] | None:
    """The suggestions on screen, or None when none are shown."""
    return picker._matches.stringList() if picker.suggestions_open() else None


def _retype_category(entry: CaseEntryView, text: str) -> None:
    close_popups()  # the 承办单位 suggestions _fill_by_keyboard left open
    entry.category.set_value(None)
    entry.category.setFocus()
    type_text(text)


def test_down_with_nothing_matching_keeps_the_typed_text_and_the_form_says_so(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    for typed in ("szsz", "ysnk"):  # meant 市容市政 (srsz) and 用水困难 (yskn): initials slightly off
        _retype_category(entry, typed)
        assert _suggested(entry.category) is None
        # The hint shows while typing, not only after 保存.
        assert f"“{typed}”不在问题分类列表中" in entry.errors["category_id"].text()
        press(KEYS.Key_Down)  # used to put 疾病控制—疫情防控, the first of the tree, into the field
        assert entry.category.currentText() == typed and entry.category.value() is None
        assert _suggested(entry.category) is None
        press(KEYS.Key_Return)
        assert entry.category.currentText() == typed
    press(KEYS.Key_Tab)  # leaving the field keeps the text and the message
    assert entry.category.currentText() == "ysnk"
    assert "“ysnk”不在问题分类列表中" in entry.errors["category_id"].text()
    press(KEYS.Key_S, CTRL)
    assert _cases(db) == []
    assert QApplication.focusWidget() in (entry.category, entry.category.editor)

    type_text("\b" * 4)
    type_text("yskn")
    press(KEYS.Key_Tab)
    assert entry.category.currentText() == "水利水电—用水困难"
    assert entry.errors["category_id"].text() == ""  # fixed: its message goes at once
    press(KEYS.Key_S, CTRL)
    cases = _cases(db)
    assert len(cases) == 1
    with db.reader() as s:
        assert case_view(s, cases[0]).category == "水利水电—用水困难"


def test_several_matches_show_a_list_that_down_moves_in(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    _retype_category(entry, "ylbx")
    assert _suggested(entry.category) == ["社会保险—养老保险", "社会保险—医疗保险"]
    assert entry.errors["category_id"].text() == ""  # several matches: the list is the answer, not a fault
    # Enter by habit, none chosen: it went on to 标题, leaving “ylbx” here, and the complaint typed next landed in
    # 标题. It stays, the list open, the text as typed (Esc closes the list: Enter opens it again, and stays).
    for _ in range(2):
        press(KEYS.Key_Return)
        assert QApplication.focusWidget() in (entry.category, entry.category.editor)
        assert _suggested(entry.category) == ["社会保险—养老保险", "社会保险—医疗保险"]
        assert entry.category.currentText() == "ylbx" and entry.category.value() is None
        press(KEYS.Key_Escape)
    press(KEYS.Key_Down)
    press(KEYS.Key_Down)
    press(KEYS.Key_Return)
    assert entry.category.currentText() == "社会保险—医疗保险"
    press(KEYS.Key_S, CTRL)
    cases = _cases(db)
    assert len(cases) == 1
    with db.reader() as s:
        assert case_view(s, cases[0]).category == "社会保险—医疗保险"


def test_escape_after_moving_in_the_list_gives_back_what_was_typed(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    _retype_category(entry, "ylbx")
    press(KEYS.Key_Down)
    assert entry.category.currentText() == "社会保险—养老保险"  # the highlighted one shows while moving
    press(KEYS.Key_Escape)
    assert _suggested(entry.category) is None
    assert entry.category.currentText() == "ylbx" and entry.category.value() is None
    press(KEYS.Key_Down)  # the list comes back, on its first match as when typed; Esc still gives back the text
    assert _suggested(entry.category) == ["社会保险—养老保险", "社会保险—医疗保险"]
    assert entry.category.currentText() == "社会保险—养老保险"
    press(KEYS.Key_Escape)
    assert entry.category.currentText() == "ylbx"
    press(KEYS.Key_Tab)  # leaving it undecided is flagged, with the candidates
    said = entry.errors["category_id"].full  # whole in its tooltip; beside the field in three lines at most
    assert said.startswith("“ylbx”对应2个问题分类（社会保险—养老保险、社会保险—医疗保险）")
    press(KEYS.Key_S, CTRL)
    assert _cases(db) == []


def test_down_in_an_empty_or_chosen_picker_opens_the_list_without_changing_it(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    names = [entry.category.itemText(i) for i in range(entry.category.count())]
    entry.category.setFocus()
    press(KEYS.Key_Down)
    assert _suggested(entry.category) == names and entry.category.currentText() == ""
    press(KEYS.Key_Escape)
    assert entry.category.currentText() == "" and entry.category.value() is None

    type_text("wygl")
    press(KEYS.Key_Tab)  # one match: the full name is taken on leaving, as before
    assert entry.category.currentText() == "城市管理—物业管理"
    entry.category.setFocus()
    press(KEYS.Key_Down)  # the whole list, opened at the chosen one
    assert _suggested(entry.category) == names
    assert entry.category.currentText() == "城市管理—物业管理"
    press(KEYS.Key_Down)  # moving on is a visible step in the list
    assert entry.category.currentText() == names[names.index("城市管理—物业管理") + 1]
    press(KEYS.Key_Escape)
    assert entry.category.currentText() == "城市管理—物业管理"

    # The mouse wheel over the field does not step through the categories either.
    centre = QPointF(entry.category.rect().center())
    wheel = QWheelEvent(centre, QPointF(entry.category.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, -120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(entry.category, wheel)
    assert entry.category.currentText() == "城市管理—物业管理"


def test_down_down_enter_picks_the_same_whether_the_field_was_left_and_come_back_to_or_not(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """gs, Tab away, Shift+Tab back, ↓ ↓ Enter: the second match of gs, as typing gs and ↓ ↓ Enter gives; a case was
    saved under another category when the list kept a row from before."""
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    _retype_category(entry, "gs")
    matches = entry.category.matching("gs")
    assert len(matches) >= 3 and _suggested(entry.category) == matches
    press(KEYS.Key_Down)
    press(KEYS.Key_Down)
    press(KEYS.Key_Return)
    assert entry.category.currentText() == matches[1]

    for wander in ([], [KEYS.Key_Down, KEYS.Key_Down, KEYS.Key_Down, KEYS.Key_Escape]):
        _retype_category(entry, "gs")
        for key in wander:  # moving in the list first, then giving back the text
            press(key)
        press(KEYS.Key_Tab)
        assert entry.category.currentText() == "gs"
        press(KEYS.Key_Backtab)
        assert QApplication.focusWidget() in (entry.category, entry.category.editor)
        press(KEYS.Key_Down)
        assert entry.category.currentText() == matches[0]  # ↓ starts from the first match
        press(KEYS.Key_Down)
        press(KEYS.Key_Return)
        assert entry.category.currentText() == matches[1], wander
    press(KEYS.Key_S, CTRL)
    cases = _cases(db)
    assert len(cases) == 1
    with db.reader() as s:
        assert case_view(s, cases[0]).category == matches[1]


def test_a_unit_is_found_by_its_usual_short_form(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                                 tmp_path: Path) -> None:
    """Clerks say 住建 and 人社: the characters of the name in order find it, and so do its initials in order (zfcx),
    where no name holds the letters in a row."""
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    names = {text: value for text, value in entry.unit._items}
    for typed, meant in (("住建", "住房和城乡建设局"), ("人社", "人力资源和社会保障局"), ("自来水", "自来水公司"),
                         ("zfcx", "住房和城乡建设局"), ("rs", "人力资源和社会保障局")):  # initials, less 和
        entry.unit.setEditText(typed)
        assert entry.unit.value() == names[meant], typed
    entry.unit.setEditText("wygl")  # letters that hold no unit's initials, in a row or in order, find none
    assert entry.unit.value() is None
    entry.unit.setEditText("建住")  # out of order: nothing
    assert entry.unit.value() is None and entry.unit.matching("建住") == []
    # zj begins no unit's initials: the units whose initials it shortens from their first letter (住房和城乡建设局
    # zfhcxjsj, 钟楼街道 zljd) are listed before those holding it inside (财政局 czj); 住房和城乡建设局 was not listed
    # at all without an alias. Letters that begin a part of a name keep naming only those: ylbx is
    # 社会保险—养老保险 and —医疗保险, not 医疗卫生—医保报销 (ylwsybbx).
    found = entry.unit.matching("zj")
    assert found.index("住房和城乡建设局") < found.index("财政局"), found
    assert entry.category.matching("ylbx") == ["社会保险—养老保险", "社会保险—医疗保险"]


def test_a_unit_or_category_is_found_by_the_office_s_aliases_and_what_begins_as_typed_comes_first(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The office's 别名 (市公安局, 住建局) are what operators say on the phone: typed whole they name the unit,
    typed in part or by initials they find it. Letters held by many names list first those that begin with them:
    zj finds 住建局's unit before 财政局 (czj), so ↓ Enter takes it."""
    from hotline_desk.services.office.reference_admin import add_alias

    with db.session() as s:
        add_alias(s, people.admin, "unit", "市公安局", "公安局", clock=clock)
        add_alias(s, people.admin, "unit", "住建局", "住房和城乡建设局", clock=clock)
        add_alias(s, people.admin, "category", "物业纠纷", "城市管理—物业管理", clock=clock)
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    units = {text: value for text, value in entry.unit._items}
    entry.unit.setEditText("市公安局")
    assert entry.unit.value() == units["公安局"]
    entry.unit.setEditText("住建局")
    assert entry.unit.value() == units["住房和城乡建设局"]
    entry.unit.setEditText("zjj")  # the alias's initials
    assert entry.unit.matching("zjj")[0] == "住房和城乡建设局"
    found = entry.unit.matching("zj")
    assert "财政局" in found and found[0] == "住房和城乡建设局", found
    assert entry.assist.matching("市公安")[0] == "公安局"  # 协办单位 reads them too
    categories = {text: value for text, value in entry.category._items}
    entry.category.setEditText("物业纠纷")
    assert entry.category.value() == categories["城市管理—物业管理"]

    _fill_by_keyboard(entry)  # as a call goes, on to 承办单位 (zlsgs typed there)
    close_popups()
    entry.unit.set_value(None)
    type_text("zj")
    press(KEYS.Key_Down)
    press(KEYS.Key_Return)
    assert entry.unit.currentText() == "住房和城乡建设局"
    press(KEYS.Key_S, CTRL)
    cases = _cases(db)
    assert len(cases) == 1
    with db.reader() as s:
        assert case_view(s, cases[0]).unit == "住房和城乡建设局"


def test_the_readme_s_pinyin_examples_list_what_the_unit_picker_lists(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """README told that zj lists 住房和城乡建设局 first; the form listed 紫云路街道, 钟楼街道 and 自然资源和规划局
    before it. What README says a few letters list is what the form lists, in its order."""
    from hotline_desk.services.office.reference_admin import add_alias

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    plain = re.search(r"`zj` 先列([^（，]+)（[^）]*），再列首字母中间含 zj 的([^；]+)；", readme)
    aliased = re.search(r"如把“住建局”登记为住房和城乡建设局的别名后，`zj` 先列([^，]+)，再列([^）]+)）", readme)
    by_alias = re.search(r"如把“(\w+)”登记为(\w+)的别名后，输入 `\1` 或 `(\w+)` 即找到它（登记前找不到）", readme)
    assert plain and aliased and by_alias, "README's pinyin examples are not where this test reads them"
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    first, then = plain.group(1).split("、"), plain.group(2).split("、")
    assert entry.unit.matching("zj")[:len(first) + len(then)] == first + then
    alias, unit, letters = by_alias.groups()
    assert entry.unit.matching(alias) == [] and entry.unit.matching(letters) == []
    entry.close()
    with db.session() as s:
        add_alias(s, people.admin, "unit", "住建局", "住房和城乡建设局", clock=clock)
        add_alias(s, people.admin, "unit", alias, unit, clock=clock)
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    assert entry.unit.matching(alias) == [unit] and entry.unit.matching(letters) == [unit]
    first, then = [aliased.group(1)], aliased.group(2).split("、")
    assert entry.unit.matching("zj")[:len(first) + len(then)] == first + then


def test_a_unit_whose_name_opens_with_its_district_is_found_by_the_units_own_initials(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A district office's units are named 江北区城市管理和综合执法局, 江北区住房和城乡建设局: csgl put
    城市更新和房屋征收管理办公室 first, and zj did not find 江北区住房和城乡建设局 at all."""
    from hotline_desk.services.office.admin import save_unit

    with db.session() as s:
        for name in ("城市更新和房屋征收管理办公室", "江北区城市管理和综合执法局", "江北区住房和城乡建设局"):
            save_unit(s, people.admin, None, name, "department", clock=clock)
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    found = entry.unit.matching("csgl")  # with the office's own 城市管理局, which begins so too
    assert set(found[:2]) == {"城市管理局", "江北区城市管理和综合执法局"}, found
    assert set(entry.unit.matching("zfcx")[:2]) == {"住房和城乡建设局", "江北区住房和城乡建设局"}
    found = entry.unit.matching("zj")
    assert found.index("江北区住房和城乡建设局") < found.index("财政局"), found
    assert entry.unit.matching("jbqcsgl") == ["江北区城市管理和综合执法局"]  # the place typed too: as before


def test_a_unit_taken_out_of_the_list_while_chosen_is_said_as_taken_out_not_as_a_typo(qtbot: QtBot) -> None:
    """An administrator stopped 公路管理局 while an operator's form had it chosen: saving said “不在单位列表中，请从列表
    中选择”, as if the clerk had typed a wrong name."""
    combo = SearchCombo([("公路管理局", 1), ("自来水公司", 2)])
    qtbot.addWidget(combo)
    combo.set_value(1)
    combo.replace_items([("自来水公司", 2)])  # the list reloaded after the change on another station
    assert combo.currentText() == "公路管理局" and combo.value() is None
    assert combo.unresolved("单位") == "“公路管理局”刚被管理员从单位列表中去掉（停用、合并或改名），请改选其他单位。"
    combo.editor.setText("公路局")  # anything else typed is said as before
    assert combo.unresolved("单位").startswith("“公路局”不在单位列表中")
