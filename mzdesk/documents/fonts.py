"""The CJK font PDFs are written in, found on this machine at run time.

The clerk's computer decides what is installed, so nothing is shipped
(DESIGN §6).  In order, the first font reportlab accepts wins:

1. the file named by the environment variable ``MZDESK_PDF_FONT``
   (``MZDESK_PDF_FONT=/path/to/font.ttf``; a ``.ttc`` collection uses its
   first face) — an override for an office with a preferred font; a file
   reportlab cannot use is skipped like any other candidate;
2. Windows: 宋体 simsun.ttc, 黑体 simhei.ttf, 微软雅黑 msyh.ttc in %WINDIR%\\Fonts;
3. known paths on Linux and macOS: WenQuanYi (Debian's fonts-wqy-microhei,
   fonts-wqy-zenhei), then the CJK fonts of UOS / Kylin / macOS;
4. any font ``fc-list :lang=zh file`` lists.

reportlab embeds TrueType outlines only: the CFF ``.otf`` / ``.ttc`` of Noto
CJK and Source Han are refused (DESIGN §7), so each candidate is simply
tried and the search moves on when registering fails or the face has no
Chinese glyphs.  reportlab embeds the subset of glyphs a PDF uses.  When
nothing fits, the PDF uses reportlab's built-in CID font ``STSong-Light``:
it is not embedded (the viewer substitutes its own Song face) but a PDF is
always produced.

Bold: on Windows 黑体 (simhei) serves as the heavier face beside 宋体; with
a single face the PDF writer thickens the glyph outlines instead.
"""
from __future__ import annotations

import functools
import itertools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from reportlab.pdfbase import pdfmetrics

ENV_FONT = "MZDESK_PDF_FONT"
REGULAR_NAME = "MZDesk-CJK"
BOLD_NAME = "MZDesk-CJK-Bold"
FALLBACK = "STSong-Light"
ELLIPSIS = "…"

_WINDOWS_FONTS = ("simsun.ttc", "simhei.ttf", "msyh.ttc", "simkai.ttf", "simfang.ttf")
_WINDOWS_BOLD = "simhei.ttf"
_UNIX_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/fonts-cesi/CESI_SS_GB18030.TTF",  # UOS / Kylin
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/Supplemental/Songti.ttc",  # macOS
    "/Library/Fonts/Arial Unicode.ttf",
)
_PROBE = "中文花名册"  # a face must have these glyphs to count as CJK


@dataclass(frozen=True)
class FontChoice:
    name: str  # the reportlab font name to draw regular text with
    path: str | None  # the font file, None for the built-in CID font
    embedded: bool  # True: a TrueType subset is embedded in the PDF
    bold_name: str | None = None  # a real heavier face, if one was found
    bold_path: str | None = None


def _windows_candidates() -> list[Path]:
    folder = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    return [folder / name for name in _WINDOWS_FONTS]


def _fontconfig_candidates() -> Iterator[Path]:
    """What `fc-list :lang=zh file` knows (Linux, and macOS with fontconfig)."""
    if sys.platform == "win32" or not shutil.which("fc-list"):
        return
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True,
                             timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return
    files = sorted({line.split(":")[0].strip() for line in out.splitlines() if line.strip()})
    # TrueType first: the .otf of Noto / Source Han are CFF and would be refused anyway.
    yield from (Path(f) for f in sorted(files, key=lambda f: f.lower().endswith(".otf")))


def candidates() -> Iterator[Path]:
    """Font files worth trying, best first (the environment override leads).

    A generator: fontconfig is asked only when no known path was taken.
    """
    override = os.environ.get(ENV_FONT, "").strip()
    known = [Path(override).expanduser()] if override else []
    if sys.platform == "win32":
        known += _windows_candidates()
    else:
        known += [Path(p) for p in _UNIX_FONTS]
    seen: set[Path] = set()
    for path in itertools.chain(known, _fontconfig_candidates()):
        if path not in seen:
            seen.add(path)
            yield path


def _register(name: str, path: Path) -> bool:
    """Register `path` under `name`; False when reportlab refuses it or it lacks CJK glyphs."""
    from reportlab.pdfbase.ttfonts import TTFont

    if not path.is_file():
        return False
    try:
        font = TTFont(name, str(path), subfontIndex=0)
    except Exception:  # TTFError for CFF outlines, struct errors for broken files
        return False
    if not all(ord(ch) in font.face.charToGlyph for ch in _PROBE):
        return False
    pdfmetrics.registerFont(font)
    return True


@functools.lru_cache(maxsize=1)
def pdf_font() -> FontChoice:
    """The font every PDF of this process uses (found and registered once).

    `pdf_font.cache_clear()` makes the next call search again (tests).
    """
    max_advance.cache_clear()
    _width_table.cache_clear()
    for path in candidates():
        if _register(REGULAR_NAME, path):
            bold = None
            if sys.platform == "win32" and path.name.lower() != _WINDOWS_BOLD:
                heavier = path.with_name(_WINDOWS_BOLD)
                if _register(BOLD_NAME, heavier):
                    bold = heavier
            return FontChoice(REGULAR_NAME, str(path), True,
                              BOLD_NAME if bold else None, str(bold) if bold else None)
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
    return FontChoice(FALLBACK, None, False)


def font_name(bold: bool = False) -> str:
    choice = pdf_font()
    return (choice.bold_name or choice.name) if bold else choice.name


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in points of `text` drawn at `size` in the chosen font."""
    return string_width(text, font_name(bold), size)


@functools.lru_cache(maxsize=8)
def _width_table(name: str):
    """(advance lookup, default advance) of a TrueType font, or None for others."""
    face = getattr(pdfmetrics.getFont(name), "face", None)
    widths = getattr(face, "charWidths", None)
    return (widths.get, face.defaultWidth) if widths else None


def string_width(text: str, name: str, size: float) -> float:
    """pdfmetrics.stringWidth, done in C loops for TrueType fonts (layouts measure a lot)."""
    table = _width_table(name)
    if table is None:
        return pdfmetrics.stringWidth(text, name, size)
    get, default = table
    return size * 0.001 * sum(map(get, map(ord, text), itertools.repeat(default)))


@functools.lru_cache(maxsize=8)
def max_advance(name: str) -> float:
    """The widest glyph of a font in em (infinite when unknown, so text is always measured)."""
    face = getattr(pdfmetrics.getFont(name), "face", None)
    widths = getattr(face, "charWidths", None)
    return max(widths.values()) / 1000 if widths else float("inf")


def fits(text: str, width: float, size: float, bold: bool = False) -> bool:
    """Whether `text` at `size` is no wider than `width`."""
    if len(text) * size * max_advance(font_name(bold)) <= width:
        return True  # fits even in the font's widest glyphs: no need to measure
    return text_width(text, size, bold) <= width


def fit_text(text: str, width: float, size: float, *, bold: bool = False,
             min_size: float = 6.0) -> tuple[str, float]:
    """The text and font size that fit `width`: shrink the font first, then cut with '…'.

    Layouts keep a little slack in `width`, since the Qt painter measures
    with its own font and may come out slightly wider.
    """
    if fits(text, width, size, bold):
        return text, size
    measured = text_width(text, size, bold)
    fitted = max(min_size, size * width / measured * 0.999)
    if text_width(text, fitted, bold) <= width:
        return text, fitted
    while text and text_width(text + ELLIPSIS, fitted, bold) > width:
        text = text[:-1]
    return (text + ELLIPSIS if text else ""), fitted
