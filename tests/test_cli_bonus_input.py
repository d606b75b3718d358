"""`bonus add` takes points as people write them and units as bulletins name them; anything else is refused in
Chinese saying what is accepted, and nothing is written."""

from __future__ import annotations

import pytest

from hotline_desk.db import Database
from hotline_desk.services.reporting.scoring import list_bonus
from tests.conftest import People
from tests.helpers import cli_run, log_in_everyone

MONTH = "2022-07"


@pytest.fixture(autouse=True)
def _logged_in(db: Database, people: People, monkeypatch: pytest.MonkeyPatch) -> None:
    log_in_everyone(db, monkeypatch)


def _add(capsys: pytest.CaptureFixture[str], db: Database, unit: str, points: str) -> tuple[int, str, str]:
    return cli_run(capsys, db, "bonus", "add", "--month", MONTH, "--unit", unit, f"--points={points}",
                   "--reason", "抢修及时", user="sup1")


def _items(db: Database) -> list[tuple[str, float]]:
    with db.reader() as s:
        return [(b.unit, b.points) for b in list_bonus(s, MONTH)]


@pytest.mark.parametrize(("typed", "why"), [("1e1", "无法识别"), ("-1e1", "无法识别"), ("0.333333", "小数位太多"),
                                            ("1.25", "小数位太多"), ("inf", "无法识别"), ("0x10", "无法识别"),
                                            ("二", "无法识别"), ("1,5", "无法识别")])
def test_points_that_are_not_plain_numbers_with_one_decimal_are_refused(
        capsys: pytest.CaptureFixture[str], db: Database, people: People, typed: str, why: str) -> None:
    code, out, err = _add(capsys, db, "纸坊镇", typed)
    assert code != 0 and out == ""
    assert f"分值“{typed}”{why}" in err or f"分值“{typed}”的{why}" in err
    assert "最多 1 位小数" in err and "例如 2 或 -1.5" in err
    assert _items(db) == []


@pytest.mark.parametrize(("typed", "points"), [("2", 2.0), ("-1.5", -1.5), ("+0.5", 0.5), ("1.50", 1.5),
                                               ("－３", -3.0), ("１．５", 1.5)])
def test_plain_and_full_width_points_are_taken(capsys: pytest.CaptureFixture[str], db: Database, people: People,
                                               typed: str, points: float) -> None:
    code, out, _err = _add(capsys, db, "纸坊镇", typed)
    assert code == 0 and f"纸坊镇 {points:+g} 分" in out
    assert _items(db) == [("纸坊镇", points)]


def test_a_whole_rule_typed_with_a_point_is_taken_and_a_refused_one_is_named_as_typed(
        capsys: pytest.CaptureFixture[str], db: Database, people: People) -> None:
    """`rules set bonus_max 30.0` was refused as not a whole number; `1e9` was refused as “1000000000.0”."""
    code, out, err = cli_run(capsys, db, "rules", "set", "bonus_max", "30.0")
    assert code == 0 and "考核规则 bonus_max 已设为 30。" in out, err
    code, _out, err = cli_run(capsys, db, "rules", "set", "bonus_max", "1e9")
    assert code == 2 and "附加分上限应为 -100 至 100 的整数，“1e9”不行" in err


def test_rules_that_keep_two_decimals_allow_two(capsys: pytest.CaptureFixture[str], db: Database,
                                                people: People) -> None:
    assert cli_run(capsys, db, "rules", "set", "decimals", "2")[0] == 0
    assert _add(capsys, db, "纸坊镇", "0.25")[0] == 0
    code, _out, err = _add(capsys, db, "纸坊镇", "0.125")
    assert code != 0 and "最多 2 位小数" in err
    assert _items(db) == [("纸坊镇", 0.25)]


@pytest.mark.parametrize("written", ["纸坊镇人民政府", "汝州市纸坊镇人民政府", "纸坊", "纸坊镇"])
def test_a_unit_is_found_by_the_names_bulletins_and_imports_use(capsys: pytest.CaptureFixture[str], db: Database,
                                                                people: People, written: str) -> None:
    code, out, err = _add(capsys, db, written, "2")
    assert code == 0, err
    assert "纸坊镇 +2 分" in out and _items(db) == [("纸坊镇", 2.0)]


def test_a_unit_alias_is_honoured(capsys: pytest.CaptureFixture[str], db: Database, people: People) -> None:
    assert cli_run(capsys, db, "unit", "alias", "城市管理局", "城管")[0] == 0
    assert _add(capsys, db, "城管", "1")[0] == 0
    assert _items(db) == [("城市管理局", 1.0)]


def test_an_unknown_unit_names_the_closest_or_lists_the_units(capsys: pytest.CaptureFixture[str], db: Database,
                                                              people: People) -> None:
    code, _out, err = _add(capsys, db, "财政", "1")
    assert code != 0 and "没有名为“财政”的承办单位" in err and "最接近的有：财政局" in err
    code, _out, err = _add(capsys, db, "火星局", "1")
    assert code != 0 and "没有名为“火星局”的承办单位" in err
    assert "乡镇街道：" in err and "纸坊镇" in err and "市直单位：" in err and "城市管理局" in err
    assert _items(db) == []
    assert "Traceback" not in err


@pytest.mark.parametrize("typed", ["2022-7", "2022年7月", "２０２２－０７", "2022/7", "2022年07月份", "2022年七月"])
def test_a_month_typed_loosely_is_the_month_itself(capsys: pytest.CaptureFixture[str], db: Database, people: People,
                                                   typed: str) -> None:
    """`bonus add --month 2022-9` kept its item under "2022-9": `bonus list --month 2022-09` showed nothing and the
    window offered 2022-9 as a month of its own."""
    code, _out, err = cli_run(capsys, db, "bonus", "add", "--month", typed, "--unit", "纸坊镇", "--points=1",
                              "--reason", "抢修及时", user="sup1")
    assert code == 0, err
    assert _items(db) == [("纸坊镇", 1.0)]
    code, out, _err = cli_run(capsys, db, "bonus", "list", "--month", "2022-07", user="sup1")
    assert code == 0 and "纸坊镇" in out


def test_a_month_that_is_none_is_refused_in_words(capsys: pytest.CaptureFixture[str], db: Database,
                                                  people: People) -> None:
    code, _out, err = cli_run(capsys, db, "bonus", "add", "--month", "2022-13", "--unit", "纸坊镇", "--points=1",
                              "--reason", "抢修及时", user="sup1")
    assert code == 2 and "“2022-13”不是月份" in err
    with db.reader() as s:
        from hotline_desk.errors import ValidationError

        with pytest.raises(ValidationError, match="请写成 2022-07"):
            list_bonus(s, "2022-7")  # the services keep to the stored form


def test_after_a_merge_a_units_other_names_still_mean_it_in_the_months_it_is_scored_in(
        capsys: pytest.CaptureFixture[str], db: Database, people: People) -> None:
    """纸坊镇 merged into 王寨乡 from 10 August: July's table still scores 纸坊镇, and `--unit 纸坊镇` gave it its
    July 附加分, but `--unit 纸坊镇人民政府` or `纸坊` (names the README calls the same) gave it to 王寨乡."""
    code, _out, err = cli_run(capsys, db, "unit", "merge", "纸坊镇", "王寨乡", "--from", "2022-08-10")
    assert code == 0, err
    for written in ("纸坊镇", "纸坊镇人民政府", "纸坊"):
        code, out, err = _add(capsys, db, written, "1")
        assert code == 0 and "纸坊镇 +1 分" in out, (written, out, err)
    code, out, err = cli_run(capsys, db, "bonus", "add", "--month", "2022-09", "--unit", "纸坊镇人民政府",
                             "--points=1", "--reason", "抢修及时", user="sup1")
    assert code == 0 and "王寨乡 +1 分" in out, err  # in September the name leads to the unit it was merged into
    assert _items(db) == [("纸坊镇", 1.0)] * 3
