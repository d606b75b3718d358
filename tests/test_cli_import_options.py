"""import-cases options that name something which does not exist are refused, saying what does; nothing is read in."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline_desk.db import open_database
from tests.helpers import cli_new_office, fingerprint
from tests.test_register_import import _small_register


@pytest.fixture
def office(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    path, register = tmp_path / "cli.sqlite3", tmp_path / "small.xlsx"
    assert cli_new_office(capsys, path, "init")[0] == 0
    _small_register(register)
    return path, register


def unchanged(path: Path) -> str:
    db = open_database(str(path))
    try:
        return fingerprint(db)
    finally:
        db.dispose()


def test_an_unknown_saved_mapping_is_refused_naming_those_saved(office: tuple[Path, Path],
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    path, register = office
    before = unchanged(path)
    code, out, err = cli_new_office(capsys, path, "import-cases", str(register), "--mapping", "不存在", "--commit")
    assert code == 2 and "参数 --mapping：没有名为“不存在”的列对应关系" in err and "还没有保存过" in err
    assert "已导入" not in out and unchanged(path) == before
    assert cli_new_office(capsys, path, "import-cases", str(register), "--save-mapping", "台账格式")[0] == 0
    code, _, err = cli_new_office(capsys, path, "import-cases", str(register), "--mapping", "不存在")
    assert code == 2 and "已保存的有：台账格式" in err
    assert cli_new_office(capsys, path, "import-cases", str(register), "--mapping", "台账格式")[0] == 0


def test_a_mapped_column_the_file_does_not_have_is_refused(office: tuple[Path, Path],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    path, register = office
    before = unchanged(path)
    code, out, err = cli_new_office(capsys, path, "import-cases", str(register), "--map", "不存在列=诉求内容",
                          "--accept-suggestions", "--commit")
    assert code == 2 and "参数 --map：文件中没有列“不存在列”" in err
    assert "工单编号、来电时间、渠道、诉求内容" in err and "已导入" not in out
    assert unchanged(path) == before
    code, out, _ = cli_new_office(capsys, path, "import-cases", str(register), "--map", "诉求内容（必填）=诉求内容")
    assert code == 0 and "诉求内容→诉求内容" in out  # the header as the file spells it, notes and all


def test_an_unknown_channel_is_refused_naming_the_channels(office: tuple[Path, Path],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    path, register = office
    before = unchanged(path)
    code, out, err = cli_new_office(capsys, path, "import-cases", str(register), "--channel", "不存在渠道",
                          "--accept-suggestions", "--commit")
    assert code == 2 and "参数 --channel：没有渠道“不存在渠道”，可选：" in err and "12345热线电话" in err
    assert "已导入" not in out and unchanged(path) == before


def test_an_empty_value_is_shown_as_empty(office: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    path, register = office
    code, _, err = cli_new_office(capsys, path, "import-cases", str(register), "--map-value", "诉求类型:=不存在类")
    assert code == 2 and "不能把诉求类型（空）对应过去" in err


def test_a_new_entry_asked_by_someone_who_may_not_add_one_is_refused_before_the_file_is_read(
        office: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    from tests.helpers import cli_as, give_passwords

    path, register = office
    assert cli_new_office(capsys, path, "user", "add", "sup1", "--name", "李强", "--role", "审核员")[0] == 0
    db = open_database(str(path))
    with db.session() as s:
        give_passwords(s)
    db.dispose()
    before = unchanged(path)
    code = cli_as(["--db", str(path), "--user", "sup1", "import-cases", str(register),
                   "--map-value", "问题分类:城市管理—停车难=+", "--accept-suggestions", "--commit"])
    out, err = capsys.readouterr()
    assert code == 2 and "李强（审核员）无权维护单位和分类" in err and "问题分类:城市管理—停车难=+ 要新建一项" in err
    assert "工作表" not in out and unchanged(path) == before  # refused before the file was read


def _platform_list(path: Path, rows: list[tuple[str, str, str]]) -> None:
    """A platform's daily list: its own number, when the call came, what it is about, and its limit."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["上级工单号", "来电时间", "诉求内容", "诉求类型", "问题分类", "上级办理时限"])
    for number, at, content in rows:
        book.active.append([number, at, content, "问题处理类", "城市管理—市容市政", "2022-08-20"])
    book.save(path)


def test_a_platforms_saved_mapping_keeps_its_channel_and_a_platforms_list_without_one_is_said(
        office: tuple[Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The daily list imported with --mapping alone: the mapping had not kept --channel, and every new platform
    case was registered as 本级, its number as 原台账编号, without a word."""
    from sqlalchemy import select

    from hotline_desk.models import Case

    path, _register = office
    platform = "平顶山市“民呼必应”平台"
    first, second, third = (tmp_path / f"list{day}.xlsx" for day in (1, 2, 3))
    _platform_list(first, [("PDS0801-1", "2022-08-01 09:00", "路灯不亮")])
    code, out, err = cli_new_office(capsys, path, "import-cases", str(first), "--channel", platform,
                                    "--save-mapping", "平台清单", "--commit")
    assert code == 0 and f"列对应关系已保存为“平台清单”（连同渠道“{platform}”）。" in out, err
    _platform_list(second, [("PDS0801-1", "2022-08-01 09:00", "路灯不亮"),
                            ("PDS0802-1", "2022-08-02 10:00", "井盖破损")])
    code, out, err = cli_new_office(capsys, path, "import-cases", str(second), "--mapping", "平台清单", "--commit")
    assert code == 0 and f"按保存的列对应关系“平台清单”，整份文件记为来自“{platform}”。" in out, err
    db = open_database(str(path))
    try:
        with db.reader() as s:
            kept = {c.upstream_number: c.source for c in s.scalars(select(Case))}
    finally:
        db.dispose()
    assert kept == {"PDS0801-1": "upper", "PDS0802-1": "upper"}, kept  # the second day too: 上级交办
    _platform_list(third, [("PDS0803-1", "2022-08-03 10:00", "占道经营")])
    code, out, _ = cli_new_office(capsys, path, "import-cases", str(third))  # neither a channel nor the mapping
    assert "注意：文件中有上级工单号或上级办理时限的列，却没有选整份文件来自的渠道" in out
