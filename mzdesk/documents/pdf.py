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

from reportlab.pdfgen import canvas as rl_canvas

from ..files import atomic_path
from .fonts import pdf_font
from .page import Document, Line, Page, Rect, Text

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
    """Draws the ops of one page after another, remembering the line width set."""

    def __init__(self, c, regular: str, bold: str | None):
        self.c, self.regular, self.bold = c, regular, bold
        self.line_width: float | None = None

    def page(self, page: Page) -> None:
        self.line_width = None  # showPage resets the graphics state
        height = page.height
        for op in page.ops:
            if isinstance(op, Text):
                self.text(op, height)
            elif isinstance(op, Line):
                self.set_line_width(op.width)
                self.c.line(op.x1, height - op.y1, op.x2, height - op.y2)
            elif isinstance(op, Rect):
                self.rect(op, height)
            else:  # a new op kind must be taught to both faces
                raise TypeError(f"unknown page op {type(op).__name__}")

    def set_line_width(self, width: float) -> None:
        if width != self.line_width:
            self.c.setLineWidth(width)
            self.line_width = width

    def text(self, op: Text, height: float) -> None:
        c = self.c
        if not op.text:
            return
        name = self.bold if op.bold and self.bold else self.regular
        fake_bold = op.bold and not self.bold
        x, y = op.x, height - op.y
        if op.align != "left":
            width = c.stringWidth(op.text, name, op.size)
            x -= width / 2 if op.align == "center" else width
        if not fake_bold:
            c.setFont(name, op.size)
            c.drawString(x, y, op.text)
            return
        c.saveState()
        c.setLineWidth(op.size * _FAKE_BOLD_STROKE)
        t = c.beginText(x, y)
        t.setFont(name, op.size)
        t.setTextRenderMode(2)  # fill and stroke
        t.textOut(op.text)
        c.drawText(t)
        c.restoreState()
        self.line_width = None

    def rect(self, op: Rect, height: float) -> None:
        c = self.c
        stroke = 1 if op.width > 0 else 0
        if op.fill_grey is None:
            if stroke:
                self.set_line_width(op.width)
                c.rect(op.x, height - op.y - op.h, op.w, op.h, stroke=1, fill=0)
            return
        c.saveState()
        c.setFillGray(op.fill_grey)
        if stroke:
            c.setLineWidth(op.width)
        c.rect(op.x, height - op.y - op.h, op.w, op.h, stroke=stroke, fill=1)
        c.restoreState()
        self.line_width = None
