"""The page model every document is laid out into.

Coordinates are PDF points (1/72 inch) from the page's top-left corner, y
growing downwards (as on paper and in Qt); the PDF writer flips them.  Text
is placed by its baseline.  Fonts are named by role, not by file: the writer
picks the CJK font it found (mzdesk.documents.fonts) for every role, bold
drawn as a heavier face when one exists.
"""
from __future__ import annotations

from dataclasses import dataclass, field

MM = 72 / 25.4  # points per millimetre
A4 = (595.2756, 841.8898)  # portrait width, height in points
A4_LANDSCAPE = (A4[1], A4[0])


@dataclass(frozen=True)
class Text:
    x: float  # left edge (align 'left'), centre ('center') or right edge ('right')
    y: float  # baseline
    text: str
    size: float = 10.0
    align: str = "left"  # left / center / right
    bold: bool = False


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float = 0.5


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    width: float = 0.5  # stroke width
    fill_grey: float | None = None  # 0 black … 1 white; None: not filled


Op = Text | Line | Rect


@dataclass
class Page:
    width: float
    height: float
    ops: list[Op] = field(default_factory=list)

    def text(self, *args, **kwargs) -> None:
        self.ops.append(Text(*args, **kwargs))

    def line(self, *args, **kwargs) -> None:
        self.ops.append(Line(*args, **kwargs))

    def rect(self, *args, **kwargs) -> None:
        self.ops.append(Rect(*args, **kwargs))

    def texts(self) -> list[str]:
        return [op.text for op in self.ops if isinstance(op, Text)]


@dataclass
class Document:
    title: str  # also the PDF's title metadata and the print job's name
    pages: list[Page] = field(default_factory=list)
    author: str = ""  # e.g. the township's 民政办
