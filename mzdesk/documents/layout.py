"""Pieces the printed documents share: ruled tables, wrapped paragraphs, page slots.

Layouts measure text with the PDF font (mzdesk.documents.fonts) and keep a
few points of slack in every cell, so the Qt painter, measuring with its
own font, does not overflow either.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, TypeVar

from .fonts import fit_text, fits, font_name, max_advance, text_width
from .page import Line, Page, Text

T = TypeVar("T")
OUTER_RULE = 1.0  # the table's frame
INNER_RULE = 0.5  # lines between rows and columns
CELL_PAD = 3.0  # space between a cell's rule and its text
MIN_ONE_LINE = 7.0  # below this size a long text (a long name) breaks into two lines


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    align: str = "center"  # how the column's data cells are aligned


@dataclass(frozen=True)
class Cell:
    """A cell that spans columns or differs from its column's alignment."""

    text: str
    span: int = 1
    align: str | None = None
    bold: bool = False


class Grid:
    """A ruled table drawn row by row onto one page.

    Rows are added top-down; `close()` draws the vertical rules, joined
    over runs of rows with the same column boundaries (fewer ops, cleaner
    lines), and the frame.
    """

    def __init__(self, page: Page, x: float, y: float, columns: Sequence[Column], size: float = 10.0):
        self.page, self.x, self.top, self.y = page, x, y, y
        self.columns = list(columns)
        self.size = size
        self.width = sum(c.width for c in self.columns)
        self._runs: list[list] = []  # [top, bottom, boundaries]
        # Geometry of single cells, worked out once: rows of a roster repeat it thousands of times.
        lefts = [x]
        for c in self.columns:
            lefts.append(lefts[-1] + c.width)
        self._plain = [(left, c.width, c.align, _anchor(left, c.width, c.align))
                       for left, c in zip(lefts, self.columns)]
        self._plain_key = tuple(round(b, 3) for b in lefts[1:-1])
        self._advance = max(max_advance(font_name(False)), max_advance(font_name(True)))

    def header(self, height: float, size: float | None = None, grey: float = 0.9) -> None:
        size = size or self.size
        self.page.rect(self.x, self.y, self.width, height, width=0, fill_grey=grey)
        self.row([Cell(c.title, align="center", bold=True) for c in self.columns], height, size=size)

    def row(self, cells: Sequence[str | Cell], height: float, *, size: float | None = None,
            bold: bool = False) -> None:
        """One row; plain strings fill one column each, Cells may span several."""
        size = size or self.size
        if len(cells) == len(self.columns) and all(type(c) is str for c in cells):
            for text, (left, width, align, x) in zip(cells, self._plain):
                if text:
                    self._cell_text(text, left, width, x, height, size, align, bold)
            key = self._plain_key
        else:
            key = self._spanned(cells, height, size, bold)
        self.y += height
        self.page.ops.append(Line(self.x, self.y, self.x + self.width, self.y, INNER_RULE))
        runs = self._runs
        if runs and runs[-1][2] == key and abs(runs[-1][1] - (self.y - height)) < 1e-6:
            runs[-1][1] = self.y
        else:
            runs.append([self.y - height, self.y, key])

    def _spanned(self, cells, height: float, size: float, bold: bool) -> tuple:
        boundaries = [self.x]
        col = 0
        for cell in cells:
            if not isinstance(cell, Cell):
                cell = Cell(str(cell))
            span_cols = self.columns[col:col + cell.span]
            left = boundaries[-1]
            width = sum(c.width for c in span_cols)
            align = cell.align or span_cols[0].align
            if cell.text:
                self._cell_text(cell.text, left, width, _anchor(left, width, align), height, size,
                                align, bold or cell.bold)
            boundaries.append(left + width)
            col += cell.span
        if col != len(self.columns):
            raise ValueError(f"row spans {col} of {len(self.columns)} columns")
        return tuple(round(b, 3) for b in boundaries[1:-1])

    def _cell_text(self, text: str, left: float, width: float, x: float, height: float,
                   size: float, align: str, bold: bool) -> None:
        room = width - 2 * CELL_PAD
        # CJK glyphs sit ~0.36 em below the centre of their baseline box.
        if len(text) * size * self._advance <= room or text_width(text, size, bold) <= room:
            # One measure at most: the widest-glyph estimate settles most cells unmeasured.
            self.page.ops.append(Text(x, self.y + height / 2 + size * 0.36, text, size, align, bold))
            return
        lines = [text]
        if not fits(text, room, MIN_ONE_LINE, bold):
            lines, size = _two_lines(text, room, height, size, bold) or (lines, size)
        fitted = [fit_text(line, room, size, bold=bold) for line in lines]
        size = min(s for _, s in fitted)
        leading = size * 1.15
        baseline = self.y + height / 2 - leading * (len(lines) - 1) / 2 + size * 0.36
        for line, _ in fitted:
            self.page.ops.append(Text(x, baseline, line, size, align, bold))
            baseline += leading

    def close(self) -> float:
        """Draw the column rules and the frame; returns the table's bottom."""
        for top, bottom, key in self._runs:
            for x in key:
                self.page.line(x, top, x, bottom, INNER_RULE)
        self.page.rect(self.x, self.top, self.width, self.y - self.top, width=OUTER_RULE)
        return self.y


def _anchor(left: float, width: float, align: str) -> float:
    """The x a Text op of that alignment is placed at."""
    if align == "left":
        return left + CELL_PAD
    if align == "right":
        return left + width - CELL_PAD
    return left + width / 2


def _two_lines(text: str, room: float, height: float, size: float,
               bold: bool) -> tuple[list[str], float] | None:
    """Break `text` where its halves are most even, with the size both halves fit."""
    if len(text) < 2:
        return None
    cut = min(range(1, len(text)), key=lambda i: max(text_width(text[:i], size, bold),
                                                     text_width(text[i:], size, bold)))
    halves = [text[:cut], text[cut:]]
    widest = max(text_width(h, size, bold) for h in halves)
    two = min(size, (height - 2) / 2.3, size * room / widest * 0.999)
    return halves, two


def wrap_text(text: str, width: float, size: float, *, indent_chars: int = 0) -> list[str]:
    """Break a Chinese paragraph into lines no wider than `width` (character by character)."""
    lines: list[str] = []
    current = "\u3000" * indent_chars
    for ch in text:
        if current and text_width(current + ch, size) > width:
            # Chinese typesetting keeps closing punctuation off the start of a line.
            if ch in "，。、；：？！）》”’" and len(current) > 1:
                lines.append(current[:-1])
                current = current[-1] + ch
                continue
            lines.append(current)
            current = ch
        else:
            current += ch
    if current:
        lines.append(current)
    return lines


def paginate(group: Sequence[T], per_page: int, last_page_room: int | None = None) -> list[list[T]]:
    """Split one group (a village's rows) onto pages of at most `per_page` slots.

    When the group's last page must keep room for what follows its table
    (totals, signatures, a closing paragraph) it may hold only
    `last_page_room` slots; if it is fuller, its last two slots (the final
    line and the group's closing row) move to a page of their own, so no
    page is ever without a line.
    """
    pages = [list(group[start:start + per_page]) for start in range(0, len(group), per_page)] or [[]]
    if last_page_room is not None and len(pages[-1]) > max(last_page_room, 2):
        tail = pages[-1][-2:]
        del pages[-1][-2:]
        pages.append(tail)
    return pages


def footer(page: Page, number: int, total: int, y: float, size: float = 9.0) -> None:
    page.text(page.width / 2, y, f"第 {number} 页 共 {total} 页", size=size, align="center")


def month_label(month: str) -> str:
    """'2026-06' → '2026年6月'."""
    return f"{int(month[:4])}年{int(month[5:7])}月"


def date_label(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"

