"""Imports point down only: only ui/ imports Qt; services, reports and excel never import ui."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "hotline_desk"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _modules(subdir: str = "") -> list[Path]:
    return sorted((PACKAGE / subdir).rglob("*.py"))


def test_only_ui_imports_qt() -> None:
    offenders = [
        str(p.relative_to(PACKAGE)) for p in _modules()
        if "ui" not in p.relative_to(PACKAGE).parts and any(n.startswith("PySide6") for n in _imports(p))
    ]
    assert offenders == []


def test_lower_layers_never_import_ui_or_cli() -> None:
    for layer in ("models", "services", "reports", "excel"):
        for path in _modules(layer):
            bad = {n for n in _imports(path) if n.startswith(("hotline_desk.ui", "hotline_desk.cli"))}
            assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


def test_models_do_not_import_services() -> None:
    for path in _modules("models"):
        assert not {n for n in _imports(path) if n.startswith("hotline_desk.services")}, path


def test_reports_and_excel_take_no_session() -> None:
    for layer in ("reports",):
        for path in _modules(layer):
            assert "sqlalchemy.orm" not in _imports(path), path


def test_every_module_has_a_docstring() -> None:
    missing = [str(p.relative_to(PACKAGE)) for p in _modules()
               if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None
               and "migrations" not in p.parts]
    assert missing == []


def test_db_and_models_import_no_services() -> None:
    for path in [PACKAGE / "db.py", PACKAGE / "errors.py", *_modules("models")]:
        bad = {n for n in _imports(path) if n.startswith(("hotline_desk.services", "hotline_desk.demo"))}
        assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


def test_migrations_carry_their_own_code() -> None:
    """A migration that imported live service code could change what upgrading an old file does."""
    for path in _modules("migrations"):
        bad = {n for n in _imports(path) if n.startswith("hotline_desk") and n != "hotline_desk.models"}
        assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


# Higher layers first; a module may import its own layer or any layer after it, never one before it.
LAYERS = [{"ui", "cli"}, {"demo"}, {"services"}, {"reports", "excel"}, {"db"}, {"models"}, {"errors", "vocabulary"}]


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "hotline_desk" or len(parts) < 2:
        return None
    return next((i for i, names in enumerate(LAYERS) if parts[1] in names), None)


def test_no_import_runs_up_the_layers() -> None:
    upward = []
    for path in _modules():
        own = _layer("hotline_desk." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
        if own is None:
            continue
        for name in _imports(path):
            target = _layer(name)
            if target is not None and target < own:
                upward.append(f"{path.relative_to(PACKAGE)} → {name}")
    assert upward == []
