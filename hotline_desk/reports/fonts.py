"""Finding and registering CJK fonts: the office's fonts first, then free TrueType fonts, STSong-Light last."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

# role → file names of the office's usual Windows fonts, most wanted first
OFFICE_FONTS = {
    "body": ("simfang.ttf", "fangsong.ttf", "FZFSJW.TTF"),
    "heading": ("simhei.ttf", "FZHTJW.TTF"),
    "kai": ("simkai.ttf", "FZKTJW.TTF"),
    "title": ("FZXBSJW.TTF", "simsun.ttc", "simsun.ttf"),
}
# free TrueType CJK fonts (ReportLab cannot embed CFF-based OpenType such as Noto CJK)
FREE_FONTS = {
    "body": ("uming.ttc", "wqy-zenhei.ttc", "wqy-microhei.ttc", "ukai.ttc"),
    "heading": ("wqy-zenhei.ttc", "wqy-microhei.ttc", "uming.ttc"),
    "kai": ("ukai.ttc", "wqy-zenhei.ttc", "wqy-microhei.ttc", "uming.ttc"),
    "title": ("uming.ttc", "wqy-zenhei.ttc", "wqy-microhei.ttc"),
}
FONT_DIRS = (
    Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts",
    Path.home() / ".fonts", Path("/Library/Fonts"), Path("/System/Library/Fonts"),
)
BUNDLED_FONTS_FOLDER = "fonts"  # beside the executable of the installed kit: a free font, used last
FALLBACK = "STSong-Light"
FALLBACK_WARNING = ("未找到可嵌入的中文 TrueType 字体，简报使用了未嵌入的 STSong-Light 字体："
                    "在没有中文字体的电脑或打印机上可能显示为方框。请安装仿宋、黑体等字体，或在设置中指定字体目录。")


@dataclass(frozen=True)
class FontSet:
    """The registered font name for each role, where each came from, and whether all are embedded."""

    body: str
    heading: str
    kai: str
    title: str
    files: tuple[tuple[str, str], ...]
    embedded: bool

    @property
    def warning(self) -> str:
        return "" if self.embedded else FALLBACK_WARNING


def windows_font_dirs() -> list[Path]:
    """Where Windows keeps fonts: %WINDIR%\\Fonts (not always on drive C:), and, since Windows 10 1809, a font a
    user installs without administrator rights in %LOCALAPPDATA%\\Microsoft\\Windows\\Fonts (where 方正小标宋
    usually lands)."""
    found = []
    windir = os.environ.get("WINDIR") or os.environ.get("SYSTEMROOT") or ("C:\\Windows" if sys.platform == "win32"
                                                                          else "")
    if windir:
        found.append(Path(windir) / "Fonts")
    local = os.environ.get("LOCALAPPDATA")
    if local:
        found.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    return found


def _index(dirs: list[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for root in dirs:
        if not root.is_dir():
            continue
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                found.setdefault(name.lower(), Path(dirpath) / name)
    return found


def _register(path: Path) -> str | None:
    name = "HD-" + path.stem
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    try:
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=0))
    except (TTFError, OSError, ValueError):
        return None
    return name


def bundled_font_dir() -> Path | None:
    """The fonts folder shipped beside the frozen executable of the offline kit, when running from it."""
    if not getattr(sys, "frozen", False):
        return None
    folder = Path(sys.executable).resolve().parent / BUNDLED_FONTS_FOLDER
    return folder if folder.is_dir() else None


def find_fonts(font_dir: str = "") -> FontSet:
    """Fonts for each role: a configured directory wins, then system folders, then the kit's own font;
    STSong-Light as a last resort."""
    preferred = _index([Path(font_dir)]) if font_dir else {}
    system = _index([*windows_font_dirs(), *FONT_DIRS])
    shipped = bundled_font_dir()
    bundled = _index([shipped]) if shipped else {}
    chosen: dict[str, str] = {}
    files: list[tuple[str, str]] = []
    for role in ("body", "heading", "kai", "title"):
        for index, names in ((preferred, OFFICE_FONTS[role] + FREE_FONTS[role]), (system, OFFICE_FONTS[role]),
                             (system, FREE_FONTS[role]), (bundled, FREE_FONTS[role])):
            path = next((index[n.lower()] for n in names if n.lower() in index), None)
            registered = _register(path) if path else None
            if registered and path:
                chosen[role] = registered
                files.append((role, str(path)))
                break
    embedded = len(chosen) == 4
    if not embedded:
        if FALLBACK not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
        for role in ("body", "heading", "kai", "title"):
            chosen.setdefault(role, FALLBACK)
    return FontSet(body=chosen["body"], heading=chosen["heading"], kai=chosen["kai"], title=chosen["title"],
                   files=tuple(files), embedded=embedded)


def fallback_fonts() -> FontSet:
    """Only the built-in, non-embedded CID font (what a machine without CJK TrueType fonts gets)."""
    if FALLBACK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
    return FontSet(body=FALLBACK, heading=FALLBACK, kai=FALLBACK, title=FALLBACK, files=(), embedded=False)
