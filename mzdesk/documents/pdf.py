"""Writing a laid-out Document (mzdesk.documents.page) as PDF with reportlab.

The page model measures from the top-left with y growing downwards; PDF
measures from the bottom-left, so every y is flipped here and nowhere else.
Every Text op uses the CJK font of mzdesk.documents.fonts; bold uses the
heavier face when one was found, else the same face drawn with its outline
stroked as well (text render mode 2), which reads as bold on paper and keeps
the text extractable.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Callable

from reportlab import rl_config
from reportlab.lib.rl_accel import escapePDF
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas as rl_canvas

from ..files import atomic_path
from .fonts import pdf_font, string_width
from .page import Document, Line, Page, Rect, Text

# Compressed page streams as plain binary, for every PDF this program writes: the
# ASCII85 layer reportlab adds by default only makes files larger and costs a good
# part of the writing time. Set once here rather than around each save, where two
# threads saving at once could leave the other's setting behind.
rl_config.useA85 = 0

Progress = Callable[[int, int, str], None]
_FAKE_BOLD_STROKE = 0.03  # outline width as a fraction of the font size


def write_pdf(document: Document, path, progress: Progress | None = None) -> Path:
    """Write `document` to `path` whole or not at all; returns the path.

    `progress(done, total, label)` is called after each page; raising from
    it cancels the write and leaves no file behind.
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        _render(document, str(tmp), progress)
    return path


def pdf_bytes(document: Document) -> bytes:
    """The PDF of `document` in memory (previews and tests)."""
    buffer = io.BytesIO()
    _render(document, buffer, None)
    return buffer.getvalue()


def _render(document: Document, target, progress: Progress | None) -> None:
    font = pdf_font()
    first = document.pages[0] if document.pages else None
    size = (first.width, first.height) if first else (595.2756, 841.8898)
    # The initial font is ours, so no unembedded Helvetica lands in the file.
    c = rl_canvas.Canvas(target, pagesize=size, pageCompression=1,
                         initialFontName=font.name, initialFontSize=10)
    c.setTitle(document.title)
    c.setAuthor(document.author)
    c.setCreator("mzdesk 民政桌面")
    c.setSubject(document.title)
    total = len(document.pages)
    painter = _Painter(c, font.name, font.bold_name)
    for done, page in enumerate(document.pages, start=1):
        c.setPageSize((page.width, page.height))
        painter.page(page)
        c.showPage()
        if progress is not None:
            progress(done, total, f"正在生成PDF：第 {done} 页，共 {total} 页")
    c.save()


class _Painter:
    """Draws the ops of one page after another as PDF content operators.

    A roster of 2,000 lines is ~15,000 strings and ~5,000 rules, and
    reportlab's general drawString/line spend most of their time formatting
    numbers and building text objects.  Here the operators are written
    directly (coordinates to 1/100 pt), runs of texts share one text object,
    and each distinct string is encoded into the embedded font's subsets
    once per document, the way reportlab documents for TrueType fonts
    (font.splitString / getSubsetInternalName).  The built-in CID fallback
    goes through reportlab's own text objects.
    """

    def __init__(self, c, regular: str, bold: str | None):
        self.c, self.regular, self.bold = c, regular, bold
        self.line_width: float | None = None
        self.code: list[str] = []
        self.in_text = False
        self.text_font: tuple[str, float] | None = None
        self._encoded: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._ascii: dict[str, bool] = {}
        self.fast = all(getattr(pdfmetrics.getFont(n), "_dynamicFont", False)
                        for n in (regular, bold) if n)

    def page(self, page: Page) -> None:
        self.line_width = None  # showPage resets the graphics state
        self.text_font = None
        height = page.height
        for op in page.ops:
            if isinstance(op, Text):
                self.text(op, height)
                continue
            self.end_text()
            if isinstance(op, Line):
                self.set_line_width(op.width)
                self.code.append(f"{op.x1:.2f} {height - op.y1:.2f} m "
                                 f"{op.x2:.2f} {height - op.y2:.2f} l S")
            elif isinstance(op, Rect):
                self.rect(op, height)
            else:  # a new op kind must be taught to both faces
                raise TypeError(f"unknown page op {type(op).__name__}")
        self.end_text()
        self.flush()

    def flush(self) -> None:
        if self.code:
            self.c.addLiteral("\n".join(self.code))
            self.code = []

    def set_line_width(self, width: float) -> None:
        if width != self.line_width:
            self.code.append(f"{width:.2f} w")
            self.line_width = width

    def end_text(self) -> None:
        if self.in_text:
            self.code.append("ET")
            self.in_text = False

    def encoded(self, text: str, name: str) -> list[tuple[str, str]]:
        """`text` as (subset font name, escaped bytes) chunks of the embedded TrueType font."""
        key = (text, name)
        found = self._encoded.get(key)
        if found is not None:
            return found
        font, doc = pdfmetrics.getFont(name), self.c._doc
        if text.isascii() and text.isprintable() and self._ascii_readable(name):
            # Digits of IDs and amounts: printable ASCII keeps its own codes in subset 0.
            escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            found = [(font.getSubsetInternalName(0, doc), escaped)]
        else:
            found = [(font.getSubsetInternalName(subset, doc), escapePDF(chunk))
                     for subset, chunk in font.splitString(text, doc)]
        self._encoded[key] = found
        return found

    def _ascii_readable(self, name: str) -> bool:
        """Whether reportlab keeps printable ASCII at its own codes in subset 0 (its default)."""
        known = self._ascii.get(name)
        if known is None:
            probe = "".join(map(chr, range(32, 127)))
            known = pdfmetrics.getFont(name).splitString(probe, self.c._doc) == [(0, probe.encode())]
            self._ascii[name] = known
        return known

    def text(self, op: Text, height: float) -> None:
        if not op.text:
            return
        name = self.bold if op.bold and self.bold else self.regular
        fake_bold = op.bold and not self.bold
        x, y = op.x, height - op.y
        if op.align != "left":
            width = string_width(op.text, name, op.size)
            x -= width / 2 if op.align == "center" else width
        if not self.fast:
            self.slow_text(op.text, name, op.size, x, y, fake_bold)
            return
        code = self.code
        if not self.in_text:
            code.append("BT")
            self.in_text = True
            self.text_font = None
        if fake_bold:
            code.append(f"{op.size * _FAKE_BOLD_STROKE:.2f} w 2 Tr")
            self.line_width = None
        code.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm")
        for subset_name, chunk in self.encoded(op.text, name):
            if self.text_font != (subset_name, op.size):
                code.append(f"{subset_name} {op.size:.2f} Tf")
                self.text_font = (subset_name, op.size)
            code.append(f"({chunk}) Tj")
        if fake_bold:
            code.append("0 Tr")

    def slow_text(self, text: str, name: str, size: float, x: float, y: float, fake_bold: bool) -> None:
        self.flush()
        c = self.c
        c.saveState()
        t = c.beginText(x, y)
        t.setFont(name, size)
        if fake_bold:
            c.setLineWidth(size * _FAKE_BOLD_STROKE)
            t.setTextRenderMode(2)  # fill and stroke
        t.textOut(text)
        c.drawText(t)
        c.restoreState()
        self.line_width = None

    def rect(self, op: Rect, height: float) -> None:
        box = f"{op.x:.2f} {height - op.y - op.h:.2f} {op.w:.2f} {op.h:.2f} re"
        stroke = op.width > 0
        if op.fill_grey is None:
            if stroke:
                self.set_line_width(op.width)
                self.code.append(f"{box} S")
            return
        if stroke:
            self.set_line_width(op.width)
        # q … Q keeps the grey fill from reaching the text drawn after it.
        self.code.append(f"q {op.fill_grey:.3f} g {box} {'B' if stroke else 'f'} Q")
