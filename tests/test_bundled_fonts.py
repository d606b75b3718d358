"""The offline kit's own CJK font is used for PDFs only when the system has none that can be embedded."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from hotline_desk.reports import fonts

KIT_FONT = "wqy-zenhei.ttc"


def _frozen_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Pretend to run from an installed kit whose fonts folder holds a copy of a free font of this machine."""
    system_font = fonts._index(list(fonts.FONT_DIRS)).get(KIT_FONT)
    assert system_font, f"the test needs {KIT_FONT} (Debian package fonts-wqy-zenhei, installed by scripts/setup.sh)"
    app = tmp_path / "app"
    (app / fonts.BUNDLED_FONTS_FOLDER).mkdir(parents=True)
    shutil.copy(system_font, app / fonts.BUNDLED_FONTS_FOLDER / KIT_FONT)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(app / "hotline-desk"))
    return app / fonts.BUNDLED_FONTS_FOLDER


def test_without_system_fonts_the_kit_font_is_embedded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shipped = _frozen_app(monkeypatch, tmp_path)
    monkeypatch.setattr(fonts, "FONT_DIRS", (tmp_path / "no-system-fonts",))
    found = fonts.find_fonts()
    assert found.embedded and not found.warning
    assert {role for role, _ in found.files} == {"body", "heading", "kai", "title"}
    assert all(Path(path).parent == shipped for _, path in found.files)


def test_system_fonts_come_before_the_kit_font(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shipped = _frozen_app(monkeypatch, tmp_path)
    found = fonts.find_fonts()
    assert found.embedded
    assert all(Path(path).parent != shipped for _, path in found.files)


def test_a_fonts_folder_counts_only_beside_the_frozen_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _frozen_app(monkeypatch, tmp_path)
    assert fonts.bundled_font_dir() == tmp_path / "app" / fonts.BUNDLED_FONTS_FOLDER
    monkeypatch.setattr(sys, "frozen", False)
    monkeypatch.setattr(fonts, "FONT_DIRS", (tmp_path / "no-system-fonts",))
    assert fonts.bundled_font_dir() is None
    assert not fonts.find_fonts().embedded
