"""Finding and registering CJK fonts: the office's fonts first, then free TrueType fonts, STSong-Light last."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

from hotline_desk.typed_text import plain, visible

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
# Fonts for the characters the fonts above lack (扩展B 区的生僻字 in a caller's name or a village's): used for those
# characters alone, the first that has one (SimSun-ExtB comes with Windows; 花园明朝 with Linux's fonts-hanazono).
EXTENSION_FONTS = ("simsunb.ttf", "HanaMinA.ttf", "HanaMinB.ttf", "mingliub.ttc", "wqy-zenhei.ttc",
                   "wqy-microhei.ttc", "uming.ttc", "ukai.ttc")
BUNDLED_FONTS_FOLDER = "fonts"  # beside the executable of the installed kit: a free font, used last
FALLBACK = "STSong-Light"
FALLBACK_WARNING = ("未找到可嵌入的中文 TrueType 字体，PDF 使用了未嵌入的 STSong-Light 字体："
                    "在没有中文字体的电脑或打印机上可能显示为方框。请安装仿宋、黑体等字体，或在设置中指定字体目录。")


_REPORTLAB_TO_UNICODE = ttfonts.makeToUnicodeCMap


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab's map from a subset's codes to the characters they draw (what copying text from the PDF and
    searching it read), with a character beyond U+FFFF written as its UTF-16 pair: ReportLab writes 𡘙 as <21619>,
    which readers take as U+2161 (Ⅱ)."""
    cmap = _REPORTLAB_TO_UNICODE(fontname, subset)
    for code, character in enumerate(subset):
        if character > 0xFFFF:
            pair = chr(character).encode("utf-16-be").hex().upper()
            cmap = cmap.replace(f"<{code:02X}> <{character:04X}>", f"<{code:02X}> <{pair}>")
    return cmap


ttfonts.makeToUnicodeCMap = _to_unicode_cmap  # (ReportLab calls it through the module)


@dataclass(frozen=True)
class FontSet:
    """The registered font name for each role, where each came from, and whether all are embedded."""

    body: str
    heading: str
    kai: str
    title: str
    files: tuple[tuple[str, str], ...]
    embedded: bool
    extension: tuple[str, ...] = ()  # the EXTENSION_FONTS found, as paths: registered when a character needs one
    unused_dir: str = ""  # the font folder of the settings, when it gave none (a USB drive not plugged in)

    @property
    def warning(self) -> str:
        missed = (f"设置的简报字体目录“{self.unused_dir}”不存在，或其中没有能用的字体（U 盘没有插上、字体文件损坏？），"
                  "这次用的是本机的字体，请核对。") if self.unused_dir else ""
        return "\n".join(w for w in (missed, "" if self.embedded else FALLBACK_WARNING) if w)


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
    except Exception:  # a damaged file raises whatever its reading meets (struct.error, TTFError…)
        return None
    return name


def unreadable_fonts(folder: Path) -> list[str]:
    """The fonts in ``folder`` the bulletin would take by their names that cannot be read (cut short, damaged)."""
    index = _index([folder])
    wanted = dict.fromkeys(n.lower() for names in (*OFFICE_FONTS.values(), *FREE_FONTS.values()) for n in names)
    return [index[name].name for name in wanted if name in index and not _register(index[name])]


def folder_fonts(folder: Path) -> list[str]:
    """The fonts in ``folder`` the bulletin would take from it (the office's fonts or the free CJK ones, by file
    name), those that can be read: a folder of other fonts, or of files only named so, gives the bulletin none."""
    index = _index([folder])
    wanted = dict.fromkeys(n.lower() for names in (*OFFICE_FONTS.values(), *FREE_FONTS.values()) for n in names)
    return [index[name].name for name in wanted if name in index and _register(index[name])]


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
    extension = tuple(str(index[n.lower()]) for index in (preferred, system, bundled) for n in EXTENSION_FONTS
                      if n.lower() in index)
    from_dir = font_dir and any(Path(path).is_relative_to(Path(font_dir)) for _role, path in files)
    return FontSet(body=chosen["body"], heading=chosen["heading"], kai=chosen["kai"], title=chosen["title"],
                   files=tuple(files), embedded=embedded, extension=tuple(dict.fromkeys(extension)),
                   unused_dir="" if not font_dir or from_dir else font_dir)


def _characters(font_name: str) -> dict[int, int] | None:
    """The characters a registered TrueType font has (None for a CID font, which cannot be asked)."""
    face = getattr(pdfmetrics.getFont(font_name), "face", None)
    return getattr(face, "charToGlyph", None)


# Characters that need no glyph: line breaks and the like (a Paragraph reads them as spaces).
_NO_GLYPH = frozenset(range(0x20))


def _drawn_by(code: int, fonts: FontSet, besides: str) -> str | None:
    """The first font of the set, then of its EXTENSION_FONTS, other than ``besides``, that has the character."""
    for name in dict.fromkeys((fonts.body, fonts.heading, fonts.kai, fonts.title)):
        if name != besides and code in (_characters(name) or ()):
            return name
    for path in fonts.extension:
        extra = _register(Path(path))
        if extra is not None and extra != besides and code in (_characters(extra) or ()):
            return extra
    return None


def drawable(text: str, font_name: str, fonts: FontSet) -> str:
    """``text`` escaped for a Paragraph set in ``font_name``, each character that font lacks set in another font
    that has it (see ``_drawn_by``); one no font has stays as it is, drawn as an empty box (see ``undrawable``)."""
    text = visible(text)
    own = _characters(font_name)
    if own is None or all(ord(c) in own or ord(c) in _NO_GLYPH for c in text):
        return escape(text)
    parts = []
    for c in text:
        other = None if ord(c) in own or ord(c) in _NO_GLYPH else _drawn_by(ord(c), fonts, font_name)
        parts.append(f'<font name="{other}">{escape(c)}</font>' if other else escape(c))
    return "".join(parts)


def undrawable(text: str, fonts: FontSet) -> list[str]:
    """The characters of ``text`` no font of the set (nor any of its EXTENSION_FONTS) can draw, each once."""
    own = _characters(fonts.body)
    if own is None:
        return []
    missing = [c for c in dict.fromkeys(visible(text)) if ord(c) not in own and ord(c) not in _NO_GLYPH]
    return [c for c in missing if _drawn_by(ord(c), fonts, fonts.body) is None]


def fallback_fonts() -> FontSet:
    """Only the built-in, non-embedded CID font (what a machine without CJK TrueType fonts gets)."""
    if FALLBACK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
    return FontSet(body=FALLBACK, heading=FALLBACK, kai=FALLBACK, title=FALLBACK, files=(), embedded=False)


def undrawable_words(missing: list[str], where: str) -> str:
    """What to say of characters no font can draw (see ``undrawable``), in ``where`` (简报, 交办单 PDF)."""
    missing = sorted(missing, key=lambda c: plain(c) == c)  # the invisible controls first: the words name them
    shown = "".join(f"“{plain(c)}”" for c in missing[:10]) + ("等" if len(missing) > 10 else "")
    hidden = ("其中以 \\ 开头的是看不见的控制字符（多随文字从网页或聊天软件复制而来，会打乱一行字的顺序），请删去；"
              if any(plain(c) != c for c in missing) else "")
    return (f"{where}中有 {len(missing)} 个字现有字体都没有，会印成空框：{shown}。{hidden}请安装有这些字的字体（如 "
            "Windows 自带的 SimSun-ExtB，文件 simsunb.ttf；Linux 的 fonts-hanazono）或在设置中指定字体目录；"
            "表情符号等印不出来的，请改写。")
