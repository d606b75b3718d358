"""Starting the command line loads only what the chosen command needs: ``--version`` no database code at all, a
command only its own module, and an up-to-date database never Alembic."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hotline_desk import cli
from hotline_desk.db import Database, head_revision, known_revisions
from hotline_desk.services.accounts import users
from hotline_desk.services.office import lookups, reference

ROOT = Path(__file__).resolve().parent.parent


def _imported(*args: str, script: str = "") -> tuple[set[str], str]:
    """The modules ``hotline-desk args`` (or ``script``) imports, read from ``python -X importtime``, and what it
    printed."""
    script = script or f"import sys; from hotline_desk.cli import main; sys.exit(main({list(args)!r}))"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOTLINE_DESK_ADMIN_PASSWORD="ceshi-mima-1")
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", script], cwd=ROOT, capture_output=True,
                            text=True, check=False, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    modules = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines()
               if line.startswith("import time:") and "|" in line}
    assert "hotline_desk" in modules  # the report was read
    return modules, result.stdout


def test_version_loads_no_database_code() -> None:
    modules, out = _imported("--version")
    assert out.strip() == f"hotline-desk {cli.__version__}"
    heavy = {"alembic", "sqlalchemy", "sqlalchemy.orm", "openpyxl", "reportlab", "PySide6", "hotline_desk.db"}
    assert not heavy & modules, heavy & modules


def test_the_version_shown_is_the_one_the_package_is_built_with() -> None:
    """One number, written once: what pip records (pyproject.toml reads it from the package), the kit's name (the
    kit scripts read it with scripts/version.py) and --version. A kit named 0.2.1 had installed as 0.2.0."""
    import tomllib
    from importlib.metadata import version

    with (ROOT / "pyproject.toml").open("rb") as handle:
        project = tomllib.load(handle)
    assert "version" in project["project"]["dynamic"] and "version" not in project["project"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "hotline_desk.__version__"}
    assert version("hotline-desk") == cli.__version__
    kit = subprocess.run([sys.executable, str(ROOT / "scripts" / "version.py")], capture_output=True, text=True,
                         check=True)
    assert kit.stdout.strip() == cli.__version__


def test_a_read_command_on_an_up_to_date_database_loads_only_what_it_uses(db_url: str) -> None:
    modules, out = _imported("--db", db_url, "unit", "list")
    assert "纸坊镇" in out
    assert "hotline_desk.cli.common" in modules and "sqlalchemy.engine" in modules
    # neither the libraries for files and windows, nor the ORM and the table definitions (the list is read with
    # SQLAlchemy Core), nor the services only other commands use
    unused = {"alembic", "openpyxl", "python_calamine", "reportlab", "pypinyin", "PySide6", "sqlalchemy.orm",
              "hotline_desk.models", "hotline_desk.services.accounts.accounts", "hotline_desk.services.office.admin",
              "hotline_desk.services.exchange.imports", "hotline_desk.services.reporting.bulletin",
              "hotline_desk.services.cases.workflow"}
    assert not unused & modules, unused & modules


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_the_core_lists_read_the_models_columns_and_rows(db: Database) -> None:
    """The tables the Core-only reads name are the models' tables, and they list what the ORM lists."""
    from hotline_desk.models import Base
    from hotline_desk.services.office import reference_admin

    for light in (lookups.UNITS, lookups.ALIASES):
        assert {c.name for c in light.c} <= set(Base.metadata.tables[light.name].c.keys()), light.name
    with db.session() as s:
        admin = users.add_user(s, None, "admin", "管理员", "admin")
        reference_admin.set_unit_active(s, admin, "骑岭乡", False)
        reference_admin.add_alias(s, admin, "unit", "自来水", "自来水公司")
        reference_admin.add_alias(s, admin, "unit", "水务公司", "自来水公司")
    with db.reader() as s, db.read_connection() as connection:
        for group, everything in ((None, False), ("department", True), ("township", True)):
            listed = lookups.list_units(connection, group, include_inactive=everything)
            assert listed == reference.list_units(s, group, include_inactive=everything)
        assert "骑岭乡" not in {u.name for u in lookups.list_units(connection)}
        aliases = lookups.alias_names(connection, "unit")
        shown: dict[int, list[str]] = {}
        for a in reference_admin.list_aliases(s, "unit"):
            shown.setdefault(a.target_id, []).append(a.shown)
        assert aliases == shown and ["水务公司", "自来水"] in aliases.values()


def test_alembic_is_loaded_only_while_the_schema_moves(tmp_path: Path) -> None:
    """Creating a file runs the migrations; opening it afterwards reads the version row and stops there."""
    path = tmp_path / "new.sqlite3"
    modules, out = _imported("--db", str(path), "init")
    assert "alembic" in modules
    modules, out = _imported("--db", str(path), "unit", "list")
    assert "alembic" not in modules and "纸坊镇" in out


def test_the_window_asks_who_is_working_before_loading_its_pages() -> None:
    modules, _ = _imported(script="import hotline_desk.ui.app")
    assert "hotline_desk.ui.login" in modules and "PySide6.QtWidgets" in modules
    later = {"alembic", "openpyxl", "python_calamine", "reportlab", "pypinyin", "hotline_desk.ui.main_window"}
    assert not later & modules, later & modules


def test_the_main_window_loads_the_file_libraries_only_when_a_file_is_made_or_read() -> None:
    """Excel, PDF and the migrations are for exporting, printing, importing and upgrading, not for showing the pages."""
    modules, _ = _imported(script="import hotline_desk.ui.main_window")
    assert "hotline_desk.ui.home_view" in modules and "hotline_desk.services.cases.queues" in modules
    later = {"alembic", "openpyxl", "python_calamine", "reportlab"}
    assert not later & modules, later & modules


def test_the_revisions_read_without_alembic_are_alembics() -> None:
    from alembic.script import ScriptDirectory

    from hotline_desk.db import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert head_revision() == scripts.get_current_head()
    assert known_revisions() == {revision.revision for revision in scripts.walk_revisions()}


def _names(modules: tuple[str, ...]) -> set[str]:
    parser = cli.build_parser(modules)
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(actions[0].choices)


def test_each_command_is_looked_up_in_the_module_that_declares_it() -> None:
    for module in cli.MODULES:
        declared = _names((module,))
        assert declared == {name for name, owner in cli.COMMANDS.items() if owner == module}, module
    assert _names(cli.MODULES) == set(cli.COMMANDS)


@pytest.mark.parametrize(("argv", "modules"), [
    (["--version"], ()),
    ([], ()),
    (["--db", "x.sqlite3"], ()),
    (["--db", "unit", "unit", "list"], ("reference_commands",)),  # a file named like a command is still the file
    (["--user", "sup1", "case", "list"], ("case_commands",)),
    (["--db=x.sqlite3", "bulletin", "--month", "2022-07"], ("report_commands",)),
    (["-h"], cli.MODULES),
    (["no-such-command"], cli.MODULES),  # argparse then lists the commands there are
])
def test_the_command_word_picks_the_modules(argv: list[str], modules: tuple[str, ...]) -> None:
    assert cli.modules_for(argv) == modules


def test_a_mistyped_command_is_answered_with_the_list_of_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["unitt", "list"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "无效的选择" in err and "'unit'" in err and "'bulletin'" in err


def test_without_a_display_the_window_is_refused_in_words_before_qt_aborts() -> None:
    """Over SSH, Qt aborted in English naming a library that was installed; the log said nothing."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "hotline_desk", "--db", "unused.sqlite3"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "这里没有图形显示（没有 DISPLAY" in result.stderr
    assert "xcb" not in result.stderr and not (ROOT / "unused.sqlite3").exists()


def test_a_display_that_is_not_there_is_refused_in_words_too() -> None:
    """DISPLAY set to a display this machine does not have (an SSH forwarding gone): Qt aborted in English."""
    from hotline_desk.cli import missing_display

    assert "连不上图形显示 :987" in missing_display({"DISPLAY": ":987"})
    assert "连不上图形显示 unix:986.0" in missing_display({"DISPLAY": "unix:986.0"})
    assert missing_display({"DISPLAY": "remote-host:10.0"}) == ""  # another machine's: left to Qt
    assert missing_display({"DISPLAY": ":987", "QT_QPA_PLATFORM": "offscreen"}) == ""
