"""A small stacked bar chart drawn with QPainter (PySide6-Essentials has no QtCharts).

One bar per month, one coloured segment per series (programme), the y axis
in 万元, the months as 'M月' with the year under January and the first bar,
a legend of the series that paid anything, and a tooltip with the exact
amounts in 元 over the segment under the mouse.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

ZERO = Decimal("0.00")
WAN = Decimal(10000)
# Fixed colours per programme, so a programme keeps its colour whatever else is shown
# (Tableau 10: distinct, print well, readable for most colour-blind readers).
COLOURS = {
    "dibao_urban": "#4E79A7", "dibao_rural": "#59A14F", "tekun": "#F28E2B",
    "youfu": "#E15759", "gaoling": "#76B7B2", "canji": "#B07AA1", "oneoff": "#EDC948",
}
SPARE_COLOURS = ("#9C755F", "#FF9DA7", "#BAB0AC")
EMPTY_TEXT = "这段时间没有已发放的批次"
MARGIN = 10


@dataclass(frozen=True)
class Series:
    key: str
    name: str
    values: tuple[Decimal, ...]  # one per month


def yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def month_label(month: str) -> str:
    return f"{int(month[5:7])}月"


def nice_step(top: float, ticks: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 × 10^k) giving about `ticks` ticks up to `top`."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(f * power for f in (1, 2, 2.5, 5, 10) if f * power >= raw)


class BarChart(QWidget):
    """Stacked bars of an amount per series per month."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._months: list[str] = []
        self._series: list[Series] = []
        self._colours: dict[str, QColor] = {}
        self._hover: tuple[int, int] | None = None  # (month index, series index)
        self._message = ""  # shown instead of the bars, e.g. while they are computed
        self.setMouseTracking(True)
        self.setMinimumSize(40, 160)  # a narrow window squeezes the bars, not the window
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # --- data ----------------------------------------------------------------

    def set_data(self, months: list[str], series: list[Series]) -> None:
        """`series` values line up with `months`; all-zero series are left out of the legend."""
        self._months = list(months)
        spare = iter(SPARE_COLOURS * 4)
        self._colours = {s.key: QColor(COLOURS.get(s.key) or next(spare, "#888888")) for s in series}
        self._series = [s for s in series if any(v for v in s.values)]
        self._hover = None
        self._message = ""
        self.update()

    def set_message(self, text: str) -> None:
        """Show `text` instead of the bars (until the next set_data)."""
        self._message = text
        self._hover = None
        self.update()

    def message(self) -> str:
        """The text shown instead of the bars: set_message's, or the empty period's."""
        return self._message or ("" if self._series else EMPTY_TEXT)

    def months(self) -> list[str]:
        return list(self._months)

    def series(self) -> list[Series]:
        return list(self._series)

    def totals(self) -> list[Decimal]:
        return [sum((s.values[i] for s in self._series), ZERO) for i in range(len(self._months))]

    def sizeHint(self) -> QSize:
        return QSize(640, 300)

    # --- geometry ------------------------------------------------------------

    def _top_wan(self) -> tuple[float, float]:
        """(axis top, tick step) in 万元."""
        peak = max((float(t / WAN) for t in self.totals()), default=0.0)
        step = nice_step(peak)
        return max(step, math.ceil(peak / step) * step), step

    def _legend_rows(self, width: float) -> list[list[tuple[Series, float]]]:
        fm = QFontMetrics(self.font())
        rows, row, used = [], [], 0.0
        for s in self._series:
            w = fm.height() + 6 + fm.horizontalAdvance(s.name) + 18
            if row and used + w > width:
                rows.append(row)
                row, used = [], 0.0
            row.append((s, w))
            used += w
        if row:
            rows.append(row)
        return rows

    def _plot_rect(self) -> QRectF:
        fm = QFontMetrics(self.font())
        top_wan, step = self._top_wan()
        label_w = max(fm.horizontalAdvance(self._tick_text(top_wan, step)), fm.horizontalAdvance("万元"))
        legend_h = len(self._legend_rows(self.width() - 2 * MARGIN)) * (fm.height() + 4)
        left = MARGIN + label_w + 8
        top = MARGIN + legend_h + fm.height() + 6  # legend, then the unit above the axis
        bottom = self.height() - MARGIN - 2 * fm.height() - 6  # month and year lines
        return QRectF(left, top, max(self.width() - MARGIN - left, 1), max(bottom - top, 1))

    def _bar_geometry(self, plot: QRectF) -> tuple[float, float]:
        slot = plot.width() / max(len(self._months), 1)
        return slot, min(slot * 0.62, 56.0)

    def segment_rects(self) -> list[list[QRectF]]:
        """Per month, the rectangle of every series' segment (empty for zero amounts)."""
        plot = self._plot_rect()
        top_wan, _ = self._top_wan()
        slot, bar_w = self._bar_geometry(plot)
        out = []
        for i in range(len(self._months)):
            x = plot.left() + i * slot + (slot - bar_w) / 2
            base, rects = plot.bottom(), []
            for s in self._series:
                h = float(s.values[i] / WAN) / top_wan * plot.height() if s.values[i] > 0 else 0.0
                rects.append(QRectF(x, base - h, bar_w, h))
                base -= h
            out.append(rects)
        return out

    def hit(self, pos: QPointF) -> tuple[int, int | None] | None:
        """(month index, series index or None for the bar's empty part) under `pos`."""
        plot = self._plot_rect()
        if (self._message or not self._months
                or not plot.adjusted(0, -plot.height(), 0, 0).contains(pos)):
            return None
        slot, _ = self._bar_geometry(plot)
        month = min(int((pos.x() - plot.left()) // slot), len(self._months) - 1)
        for j, rect in enumerate(self.segment_rects()[month]):
            if rect.height() > 0 and rect.top() <= pos.y() <= rect.bottom():
                return month, j
        return month, None

    def tooltip_at(self, pos: QPointF) -> str:
        found = self.hit(pos)
        if found is None:
            return ""
        month, j = found
        m = self._months[month]
        lines = [f"{m[:4]}年{month_label(m)}"]
        if j is not None:
            s = self._series[j]
            lines.append(f"{s.name}：{yuan(s.values[month])} 元")
        else:
            lines += [f"{s.name}：{yuan(s.values[month])} 元" for s in self._series if s.values[month]]
        lines.append(f"当月合计：{yuan(self.totals()[month])} 元")
        return "\n".join(lines)

    # --- events --------------------------------------------------------------

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        found = self.hit(pos)
        hover = found if found and found[1] is not None else None
        if hover != self._hover:
            self._hover = hover
            self.update()
        text = self.tooltip_at(pos)
        if text:
            QToolTip.showText(event.globalPosition().toPoint(), text, self)
        else:
            QToolTip.hideText()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:
        self._hover = None
        QToolTip.hideText()
        self.update()
        super().leaveEvent(event)

    # --- painting ------------------------------------------------------------

    @staticmethod
    def _tick_text(value: float, step: float) -> str:
        decimals = 0 if step >= 1 else min(2, max(0, -math.floor(math.log10(step))))
        return f"{value:,.{decimals}f}"

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), self.palette().base())
        fm = QFontMetrics(self.font())
        text_colour = self.palette().text().color()
        if self.message():
            p.setPen(self.palette().placeholderText().color())
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message())
            return
        self._paint_legend(p, fm, text_colour)
        plot = self._plot_rect()
        self._paint_axis(p, fm, plot, text_colour)
        self._paint_bars(p, fm, plot, text_colour)

    def _paint_legend(self, p: QPainter, fm: QFontMetrics, colour: QColor) -> None:
        y = MARGIN
        for row in self._legend_rows(self.width() - 2 * MARGIN):
            x = MARGIN
            for s, w in row:
                box = fm.height() - 4
                p.fillRect(QRectF(x, y + 2, box, box), self._colours[s.key])
                p.setPen(colour)
                p.drawText(QPointF(x + box + 6, y + fm.ascent()), s.name)
                x += w
            y += fm.height() + 4

    def _paint_axis(self, p: QPainter, fm: QFontMetrics, plot: QRectF, colour: QColor) -> None:
        top_wan, step = self._top_wan()
        p.setPen(colour)
        p.drawText(QRectF(MARGIN, plot.top() - fm.height() - 6, plot.left() - MARGIN - 8, fm.height()),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "万元")
        grid = QPen(QColor(colour.red(), colour.green(), colour.blue(), 40))
        ticks = int(round(top_wan / step))
        for k in range(ticks + 1):
            value = k * step
            y = plot.bottom() - value / top_wan * plot.height()
            p.setPen(grid)
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(colour)
            p.drawText(QRectF(MARGIN, y - fm.height() / 2, plot.left() - MARGIN - 8, fm.height()),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       self._tick_text(value, step))
        p.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))

    def _paint_bars(self, p: QPainter, fm: QFontMetrics, plot: QRectF, colour: QColor) -> None:
        slot, _ = self._bar_geometry(plot)
        top_wan, _ = self._top_wan()
        small = QFont(self.font())
        small.setPointSizeF(max(self.font().pointSizeF() - 1.5, 7))
        small_fm = QFontMetrics(small)
        for i, rects in enumerate(self.segment_rects()):
            for j, rect in enumerate(rects):
                if rect.height() <= 0:
                    continue
                fill = QColor(self._colours[self._series[j].key])
                if self._hover == (i, j):
                    fill = fill.lighter(125)
                p.fillRect(rect, fill)
            cell = QRectF(plot.left() + i * slot, plot.bottom() + 3, slot, fm.height())
            p.setPen(colour)
            p.drawText(cell, Qt.AlignmentFlag.AlignCenter, month_label(self._months[i]))
            if i == 0 or self._months[i].endswith("-01"):
                p.drawText(cell.translated(0, fm.height()), Qt.AlignmentFlag.AlignCenter,
                           f"{self._months[i][:4]}年")
            total = self.totals()[i]
            label = f"{total / WAN:,.{1 if top_wan >= 10 else 2}f}"
            top = min((r.top() for r in rects if r.height() > 0), default=plot.bottom())
            if total > 0 and small_fm.horizontalAdvance(label) <= slot - 2:
                p.setFont(small)
                p.drawText(QRectF(cell.left(), top - small_fm.height() - 1, slot, small_fm.height()),
                           Qt.AlignmentFlag.AlignCenter, label)
                p.setFont(self.font())
