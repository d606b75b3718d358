"""Office settings: declared once with type, label, labelled choices and range; checked from the window and the
command line alike; an invalid stored value cannot break the workflow; no internal code shown to a person."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QLabel
from pytestqt.qtbot import QtBot

from hotline_desk.cli import main
from hotline_desk.db import Database
from hotline_desk.errors import ValidationError
from hotline_desk.models import Setting
from hotline_desk.services.office import admin, settings
from hotline_desk.services.office.settings import LOCK_MINUTES, SIGN_HOURS, TABLE_SCOPE, Settings
from hotline_desk.ui.entry_widgets import NumberBox
from tests.conftest import FakeClock, People
from tests.helpers import TEST_PASSWORD
from tests.ui_helpers import Messages, context, settings_tab

CODES = {"local", "all", "true", "sum", "True", "False"}


def _run(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str, str]:
    with pytest.MonkeyPatch.context() as patch:  # init sets the first admin's password, later commands log in with it
        patch.setenv("HOTLINE_DESK_ADMIN_PASSWORD", TEST_PASSWORD)
        patch.setenv("HOTLINE_DESK_PASSWORD", TEST_PASSWORD)
        code = main(["--db", str(db), "--user", "admin", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("setting", "value", "words"), [
    (SIGN_HOURS, "1e20", "应为整数"), (SIGN_HOURS, 1e20, "应在 1 到 720 之间"), (SIGN_HOURS, "0", "应在 1 到 720"),
    (LOCK_MINUTES, -5, "应在 1 到 1440 之间"), (TABLE_SCOPE, "everything", "只能是：仅本级登记、本级登记和上级交办"),
    (settings.CHARTS, "maybe", "应为是或否"),
])
def test_a_bad_value_is_refused_in_chinese_and_nothing_changes(db: Database, people: People,
                                                               setting: settings.SettingDef[object], value: object,
                                                               words: str) -> None:
    with pytest.raises(ValidationError) as refused, db.session() as s:
        admin.update_setting(s, people.admin, setting.key, value)
    assert setting.label in refused.value.message and words in refused.value.message
    with db.reader() as s:
        assert Settings(s).get(setting) == setting.default and s.get(Setting, setting.key) is None


def test_typed_keys_and_labels_of_choices(db: Database, people: People) -> None:
    with db.session() as s:
        assert admin.update_setting(s, people.admin, TABLE_SCOPE, "本级登记和上级交办") == "all"  # by its label
        assert admin.update_setting(s, people.admin, SIGN_HOURS.key, " 48 ") == 48
    with db.reader() as s:
        current = Settings(s)
        assert current.get(TABLE_SCOPE) == "all" and current.get(SIGN_HOURS) == 48
        assert current.int("limits.sign_hours") == 48  # older call sites by name still work
    assert settings.shown(TABLE_SCOPE, "local") == "仅本级登记"


def test_a_value_stored_before_ranges_were_checked_reads_as_the_default(db: Database) -> None:
    with db.session() as s:
        s.add(Setting(key=SIGN_HOURS.key, value=json.dumps(1e20)))
        s.add(Setting(key=LOCK_MINUTES.key, value=json.dumps(-3)))
    with db.reader() as s:
        assert Settings(s).get(SIGN_HOURS) == 24 and Settings(s).int("accounts.lock_minutes") == 15


def test_the_command_line_checks_ranges_and_shows_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "office.sqlite3"
    assert _run(capsys, path, "init")[0] == 0
    code, out, err = _run(capsys, path, "settings", "set", "limits.sign_hours", "1e20")
    assert code != 0 and "签收时限（小时）" in err + out and "应为整数" in err + out
    code, _out, err = _run(capsys, path, "settings", "set", "accounts.lock_minutes", "-5")
    assert code != 0 and "应在 1 到 1440 之间" in err
    code, out, _err = _run(capsys, path, "settings", "set", "bulletin.table_scope", "本级登记和上级交办")
    assert code == 0 and "本级登记和上级交办" in out
    code, out, _err = _run(capsys, path, "settings", "show")
    line = next(row for row in out.splitlines() if row.startswith("bulletin.hot_total_mode"))
    assert "按合计件数计算的真实占比" in line and "\ttrue" not in line
    code, out, _err = _run(capsys, path, "settings", "show", "--json")
    assert json.loads(out)["bulletin.table_scope"] == "all"


def test_a_case_number_prefix_is_a_few_letters_or_digits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A prefix such as ../ or a blank one made numbers like ../2612-00001 that no search finds."""
    path = tmp_path / "office.sqlite3"
    assert _run(capsys, path, "init")[0] == 0
    for value, shown in (("", "空的"), ("../", "“../”"), ("A" * 500, "“" + "A" * 20 + "…”"), ("RZ-1", "“RZ-1”"),
                         ("汝州", "“汝州”"), ("ABCDEFG", "“ABCDEFG”")):
        code, out, err = _run(capsys, path, "settings", "set", "case_number.prefix", value)
        assert code == 2 and f"工单编号前缀应为 1～6 个英文字母或数字，如 RZ；{shown}不行" in err, (value, err)
    code, out, _err = _run(capsys, path, "settings", "show")
    assert "case_number.prefix\t工单编号前缀\tRZ\t（可选：1～6 个英文字母或数字）" in out
    code, out, _err = _run(capsys, path, "settings", "set", "case_number.prefix", "hz1")
    assert code == 0 and "工单编号前缀 已设为 HZ1。" in out  # capitals, as numbers are looked up
    code, out, err = _run(capsys, path, "case", "register", "--content", "南关街下水道堵塞", "--appeal-type",
                          "问题处理类", "--category", "城市管理—市容市政", "--at", "2022-07-19 09:00")
    assert code == 0 and "已登记工单 HZ12207-00001" in out, err
    assert _run(capsys, path, "case", "show", "hz12207-00001")[0] == 0

def test_the_settings_page_shows_labels_never_codes_and_refuses_out_of_range(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline_desk.ui.settings_view import SettingsView, TemplateTab

    messages = Messages().install(monkeypatch)
    view = SettingsView(context(db, people.admin, clock, tmp_path))
    qtbot.addWidget(view)
    shown: list[str] = [label.text() for label in view.findChildren(QLabel)]
    for combo in view.findChildren(QComboBox):
        shown += [combo.itemText(i) for i in range(combo.count())]
    assert not CODES & set(shown)
    assert not [text for text in shown if "local=" in text or "true=" in text]
    template = view.findChild(TemplateTab)
    assert template is not None
    sign = template.editors[SIGN_HOURS.key]
    assert isinstance(sign, NumberBox) and sign.allowed == (1, 720)
    sign.setFocus()
    QTest.keyClick(sign, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(sign, "1000")  # kept as typed (Qt's own range check left 100), and refused at 保存
    assert sign.value() == 1000 and not template.save()
    assert "应在 1 到 720 之间，1000 不行" in messages.texts()[-1]
    with db.reader() as s:
        assert Settings(s).get(SIGN_HOURS.key) == SIGN_HOURS.default
    scope = template.editors[TABLE_SCOPE.key]
    assert isinstance(scope, QComboBox) and scope.currentText() == "仅本级登记"


def test_a_changed_time_limit_says_what_it_does_to_the_cases_under_way(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """签收时限 and a type's 办理时限 are fixed when a case is dispatched, 交办时限 and 回访时限 are counted from the
    setting as it is: the admin who changed one was told only 已设为 8."""
    path = tmp_path / "office.sqlite3"
    assert _run(capsys, path, "init")[0] == 0
    code, out, _err = _run(capsys, path, "settings", "set", "limits.sign_hours", "8")
    assert code == 0 and out.strip() == ("签收时限（小时） 已设为 8。已交办的工单仍按交办时定下的签收时限"
                                         "（计入响应率），此后交办的按新时限。")
    code, out, _err = _run(capsys, path, "settings", "set", "limits.followup_days", "3")
    assert code == 0 and out.strip().endswith("待回访的工单即按新时限计算临期、超期。")
    code, out, _err = _run(capsys, path, "settings", "set", "office.name", "宝丰县12345热线")
    assert code == 0 and out.strip() == "热线名称 已设为 宝丰县12345热线。"  # nothing to say of the cases
    code, out, _err = _run(capsys, path, "appeal-type", "set", "咨询类", "--days", "1")
    assert code == 0 and out.strip() == ("已修改诉求类型：咨询类（1 个工作日，顺序 1）。已交办的工单办理期限不变"
                                         "（交办时已定下），此后交办的按新时限。")
    code, out, _err = _run(capsys, path, "rules", "set", "bonus_max", "30")
    assert code == 0 and "尚未定稿的月份（包括刚结束的月份）按新规则计分，已定稿的月份不变。" in out


def test_the_settings_page_says_what_a_changed_limit_does_to_the_cases_under_way(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    from hotline_desk.ui.settings_view import TemplateTab

    _view, template, said = settings_tab(qtbot, db, people.admin, clock, tmp_path, TemplateTab)
    sign, dispatch = template.editors[SIGN_HOURS.key], template.editors[settings.DISPATCH_HOURS.key]
    assert isinstance(sign, NumberBox) and isinstance(dispatch, NumberBox)
    sign.setValue(8)
    dispatch.setValue(12)
    assert template.save()
    assert said == ["已保存 2 项设置。待审核的工单即按新时限计算临期、超期。已交办的工单仍按交办时定下的签收时限"
                    "（计入响应率），此后交办的按新时限。"]


def test_a_yes_no_setting_says_what_it_means_beside_its_box(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """交办、签收时限（小时）只计工作日 was a bare box; what it does was in a tooltip a keyboard user never sees."""
    from PySide6.QtWidgets import QCheckBox

    from hotline_desk.services.office.settings import HOURS_ON_WORKDAYS
    from hotline_desk.ui.settings_view import SettingsView, TemplateTab

    view = SettingsView(context(db, people.admin, clock, tmp_path))
    qtbot.addWidget(view)
    template = view.findChild(TemplateTab)
    assert template is not None
    box = template.editors[HOURS_ON_WORKDAYS.key]
    assert isinstance(box, QCheckBox) and box.accessibleName() == "交办、签收时限（小时）只计工作日"
    beside = [label.text() for label in box.parentWidget().findChildren(QLabel)]
    assert beside == [HOURS_ON_WORKDAYS.note] and "周五 16:00 交办的，签收时限到下周一 16:00" in beside[0]
    assert box.accessibleDescription() == HOURS_ON_WORKDAYS.note


def test_ctrl_s_saves_the_settings_page_from_any_field(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """保存 lay forty Tabs below the field changed, at the foot of a page that scrolls."""
    from hotline_desk.ui.settings_view import SettingsView, TemplateTab

    Messages().install(monkeypatch)
    view = SettingsView(context(db, people.admin, clock, tmp_path))
    qtbot.addWidget(view)
    view.show()
    template = view.findChild(TemplateTab)
    assert template is not None
    sign = template.editors[SIGN_HOURS.key]
    assert isinstance(sign, NumberBox)
    from PySide6.QtWidgets import QTabWidget

    for tabs in [view, *view.findChildren(QTabWidget)]:
        if isinstance(tabs, QTabWidget):
            for i in range(tabs.count()):
                if tabs.widget(i).isAncestorOf(template) or tabs.widget(i) is template:
                    tabs.setCurrentIndex(i)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    sign.setFocus()
    sign.setValue(48)
    QTest.keyClick(sign, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    with db.reader() as s:
        assert Settings(s).get(SIGN_HOURS.key) == 48


def test_a_font_folder_that_is_missing_or_holds_no_fonts_is_refused(db: Database, people: People,
                                                                     tmp_path: Path) -> None:
    """`settings set bulletin.font_dir /nonexistent/fonts` said 已设为, and the bulletin went on in whatever fonts
    the computer had: an office pointing it at the USB stick with its 仿宋 printed in another typeface unknowing. A
    folder of Latin fonts, or of a file merely named simfang.ttf, gave the bulletin nothing either."""
    from hotline_desk.reports import fonts as font_files

    missing, empty, latin, damaged, fonts = (tmp_path / name for name in ("U盘字体", "空文件夹", "西文字体", "坏字体",
                                                                          "字体"))
    for folder in (empty, latin, damaged):
        folder.mkdir()
    (latin / "DejaVuSans.ttf").write_bytes(b"\0")
    (damaged / "simfang.ttf").write_text("不是字体")
    (fonts / "文泉驿").mkdir(parents=True)
    system = font_files._index(list(font_files.FONT_DIRS))
    (fonts / "文泉驿" / "wqy-zenhei.ttc").symlink_to(system["wqy-zenhei.ttc"])  # installed by the test command
    (damaged / "simhei.ttf").write_bytes(system["wqy-zenhei.ttc"].read_bytes()[:5000])  # cut short: it crashed
    for folder, words in (("fonts", "请写完整的路径"), (missing, "不存在，或不是文件夹"),
                          (empty, "中没有字体文件（.ttf、.ttc、.otf）"), (latin, "中没有简报能用的中文字体"),
                          (damaged, "中的 simfang.ttf、simhei.ttf 读不出（文件可能已损坏或不完整")):
        with pytest.raises(ValidationError, match=words), db.session() as s:
            admin.update_setting(s, people.admin, settings.FONT_DIR.key, str(folder))
        with db.reader() as s:
            assert Settings(s).get(settings.FONT_DIR) == ""
    with db.session() as s:
        assert admin.update_setting(s, people.admin, settings.FONT_DIR.key, str(fonts)) == str(fonts)
        assert admin.update_setting(s, people.admin, settings.FONT_DIR.key, "") == ""  # back to the system's
    # the folder set, then gone (the USB drive not plugged in): the bulletin says so, as it takes the system's
    assert "设置的简报字体目录" not in font_files.find_fonts(str(fonts)).warning
    said = font_files.find_fonts(str(missing)).warning
    assert f"设置的简报字体目录“{missing}”不存在，或其中没有能用的字体" in said
    assert "设置的简报字体目录" in font_files.find_fonts(str(damaged)).warning  # its damaged fonts are passed by


def test_settings_show_says_a_folder_set_earlier_that_this_computer_cannot_use(
        db: Database, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """An older version took `bulletin.font_dir /media/usb/fonts` for a folder that was not there; after the upgrade
    `settings show` listed it as any other value, and the bulletin quietly went on in the computer's fonts."""
    from tests.helpers import cli_run, log_in_everyone

    with db.session() as s:  # written as the older version did, without the check
        s.add(Setting(key=settings.FONT_DIR.key, value=json.dumps("/media/usb/fonts")))
        s.add(Setting(key=settings.BACKUP_DIR.key, value=json.dumps(str(tmp_path))))
    log_in_everyone(db, monkeypatch)
    code, out, err = cli_run(capsys, db, "settings", "show")
    assert code == 0, err
    lines = {line.split("\t")[0]: line for line in out.splitlines()}
    said = lines["bulletin.font_dir"].split("\t")
    assert said[2] == "/media/usb/fonts" and said[-1].startswith("（在本机现在不可用：简报字体目录“/media/usb/fonts”")
    assert "不可用" not in lines["backup.dir"]  # a folder that is there: nothing said
