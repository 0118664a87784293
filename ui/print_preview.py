"""Showing and printing the documents of mzdesk.documents on screen and paper.

A `Document` is a list of pages of Text / Line / Rect ops in PDF points from
the page's top-left corner, y downwards (mzdesk.documents.page).  Here the
same ops are painted with a QPainter, on a printer or an image: the painter
is scaled so that one logical unit is one point, and each font is sized so
that its pixel size in those units is the op's size in points.  The PDF
writer and this painter therefore place every string in the same spot.

`preview_document` opens Qt's print preview (A4, orientation from the page)
whose print button sends the pages to the printer the clerk chooses, with a
保存为PDF… button that writes the real PDF (embedded font) off the UI thread.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (QAction, QColor, QFont, QFontDatabase, QGuiApplication, QImage,
                           QPageLayout, QPageSize, QPainter, QPen)
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QFileDialog, QMessageBox, QToolBar, QWidget

from mzdesk.documents.page import Document, Line, Page, Rect, Text

POINTS_PER_INCH = 72.0
PdfWriter = Callable[..., Path]


# --- painting ----------------------------------------------------------------

def document_family() -> str:
    """The font family that draws Chinese: the app's own if it can, else the first CJK one."""
    app_family = QGuiApplication.font().family()
    chinese = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    if app_family in chinese or not chinese:
        return app_family
    return chinese[0]


class PagePainter:
    """Paints pages of the page model with one QPainter (printer or image)."""

    def __init__(self, painter: QPainter, family: str | None = None):
        self.painter = painter
        self.family = family or document_family()
        self._fonts: dict[tuple[float, bool], QFont] = {}
        device = painter.device()
        self.dpi_x = device.logicalDpiX()
        self.dpi_y = device.logicalDpiY()

    def font(self, size: float, bold: bool) -> QFont:
        key = (size, bold)
        font = self._fonts.get(key)
        if font is None:
            font = QFont(self.family)
            # One logical unit is one point after the scale in paint(); a font of
            # `size` points must be `size` logical pixels high, whatever the device.
            font.setPointSizeF(size * POINTS_PER_INCH / self.dpi_y)
            font.setBold(bold)
            # Unhinted outlines keep string widths as in the PDF (alignment, cell fit).
            font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
            self._fonts[key] = font
        return font

    def paint(self, page: Page, origin: QPointF = QPointF(0, 0)) -> None:
        """Draw one page with its top-left corner at `origin` (device pixels)."""
        p = self.painter
        p.save()
        p.translate(origin)
        p.scale(self.dpi_x / POINTS_PER_INCH, self.dpi_y / POINTS_PER_INCH)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        black = QColor(0, 0, 0)
        for op in page.ops:
            if isinstance(op, Text):
                self._text(op, black)
            elif isinstance(op, Line):
                p.setPen(QPen(black, op.width))
                p.drawLine(QPointF(op.x1, op.y1), QPointF(op.x2, op.y2))
            elif isinstance(op, Rect):
                self._rect(op, black)
        p.restore()

    def _text(self, op: Text, colour: QColor) -> None:
        p = self.painter
        p.setFont(self.font(op.size, op.bold))
        p.setPen(colour)
        x = op.x
        if op.align in ("center", "right"):
            width = p.fontMetrics().horizontalAdvance(op.text)
            x -= width / 2 if op.align == "center" else width
        p.drawText(QPointF(x, op.y), op.text)  # drawText(point) places the baseline

    def _rect(self, op: Rect, colour: QColor) -> None:
        p = self.painter
        rect = QRectF(op.x, op.y, op.w, op.h)
        if op.fill_grey is not None:
            grey = max(0.0, min(1.0, op.fill_grey))
            p.fillRect(rect, QColor.fromRgbF(grey, grey, grey))
        if op.width > 0:
            p.setPen(QPen(colour, op.width))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(rect)


def render_page_image(document: Document, index: int, dpi: float = 96) -> QImage:
    """Page `index` of the document as a white image at `dpi` (tests and screenshots)."""
    page = document.pages[index]
    width = max(1, round(page.width / POINTS_PER_INCH * dpi))
    height = max(1, round(page.height / POINTS_PER_INCH * dpi))
    image = QImage(width, height, QImage.Format.Format_RGB32)
    dots_per_metre = round(dpi / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    image.fill(QColor(255, 255, 255))
    painter = QPainter(image)
    try:
        PagePainter(painter).paint(page)
    finally:
        painter.end()
    return image


def print_document(printer: QPrinter, document: Document) -> None:
    """Paint every page (or the range chosen in the print dialog) on the printer."""
    count = len(document.pages)
    first, last = printer.fromPage(), printer.toPage()
    indexes = range(count) if first <= 0 else range(first - 1, min(last or count, count))
    painter = QPainter()
    if not painter.begin(printer):
        return  # the printer refused (e.g. cancelled); Qt already told the clerk
    try:
        # make_printer() sets full-page mode: the painter's origin is the paper's
        # corner, as in the page model.
        page_painter = PagePainter(painter)
        for n, index in enumerate(indexes):
            if n:
                printer.newPage()
            page_painter.paint(document.pages[index])
    finally:
        painter.end()


# --- the preview dialog -----------------------------------------------------------

def make_printer(document: Document) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(document.title)
    printer.setFullPage(True)
    first = document.pages[0] if document.pages else None
    landscape = first is not None and first.width > first.height
    orientation = QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    printer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), orientation,
                                      QMarginsF(0, 0, 0, 0)))
    return printer


class DocumentPreview(QPrintPreviewDialog):
    """Qt's print preview of one Document, plus 保存为PDF…."""

    def __init__(self, parent: QWidget | None, document: Document,
                 pdf_writer: PdfWriter | None = None):
        self.printer = make_printer(document)
        super().__init__(self.printer, parent)
        self.document = document
        self.pdf_writer = pdf_writer
        self.saved_path: Path | None = None
        self._progress = None
        self.setWindowTitle(f"打印预览 — {document.title}")
        self.resize(1100, 700)
        self.paintRequested.connect(lambda printer: print_document(printer, self.document))
        self.save_action = QAction("保存为PDF…", self)
        self.save_action.setToolTip("把文件保存为 PDF（内嵌字体，可拷贝到其他电脑打印）")
        self.save_action.triggered.connect(self.save_pdf)
        toolbar = self.findChild(QToolBar)
        if toolbar is not None:
            toolbar.addSeparator()
            toolbar.addAction(self.save_action)

    def ask_pdf_path(self) -> Path | None:
        default = str(Path.home() / f"{_file_stem(self.document.title)}.pdf")
        path, _ = QFileDialog.getSaveFileName(self, "保存为PDF", default, "PDF 文件 (*.pdf)")
        if not path:
            return None
        return Path(path if path.lower().endswith(".pdf") else path + ".pdf")

    def save_pdf(self) -> None:
        path = self.ask_pdf_path()
        if path is not None:
            self.write_pdf(path)

    def write_pdf(self, path: Path) -> None:
        """Write the PDF off the UI thread; a cancelled write leaves no file."""
        from .messages import show_error
        from .worker import Cancelled, TaskProgressDialog

        writer = self.pdf_writer
        if writer is None:
            from mzdesk.documents.pdf import write_pdf as writer
        document = self.document

        def work(progress):
            return writer(document, path, progress=progress)

        def done(result) -> None:
            self._progress = None
            self.saved_path = Path(result) if result else path
            QMessageBox.information(self, "保存为PDF", f"已保存：\n{self.saved_path}")

        def failed(error) -> None:
            self._progress = None
            if not isinstance(error, Cancelled):
                show_error(self, error)

        self._progress = TaskProgressDialog(self, "保存为PDF", work, cancellable=True,
                                            label="正在生成 PDF……")
        self._progress.succeeded.connect(done)
        self._progress.failed.connect(failed)
        self._progress.start()

    def is_busy(self) -> bool:
        return self._progress is not None

    def reject(self) -> None:
        if not self.is_busy():
            super().reject()


def _file_stem(title: str) -> str:
    """A file name from a document title, without characters Windows refuses."""
    stem = "".join("_" if ch in '\\/:*?"<>|' else ch for ch in title).strip(" .")
    return stem or "文件"


def preview_document(parent: QWidget | None, document: Document,
                     pdf_writer: PdfWriter | None = None) -> DocumentPreview | None:
    """Show the print preview (modal) and return it once closed (None: nothing to print)."""
    if not document.pages:
        QMessageBox.information(parent, document.title or "打印预览", "没有可打印的内容。")
        return None
    dialog = DocumentPreview(parent, document, pdf_writer)
    dialog.exec()
    return dialog
