"""工作台: the figures of every programme and the findings of the data checks.

The figures are a few SQL aggregates (fast at any size) and are computed in
the UI thread; the data checks can take longer on a big township, so they run
in a worker thread and fill the list when they are done.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from peewee import JOIN, fn
from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QLabel, QListView, QPushButton, QTableView,
    QVBoxLayout, QWidget,
)

from mzdesk.models import Enrollment, Programme
from mzdesk.money import from_fen

from ..messages import describe
from ..worker import Task

ACTIVE = "在保"
UNIT_WORD = {"household": "户", "person": "人"}
# Minimum widths in pixels of the figures' columns (name, 在保, 保障人数, 每月发放).
FIGURE_COLUMN_WIDTHS = (220, 110, 110, 150)
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class ProgrammeFigures:
    code: str
    name: str
    unit: str  # household / person
    monthly: bool
    enrollments: int  # active (在保) enrollments: households or persons
    persons: int  # persons covered (sum of covered_persons)
    monthly_total: Decimal  # sum of the active monthly amounts


def programme_figures() -> list[ProgrammeFigures]:
    """One row per programme, in programme order, from one grouped query."""
    query = (Programme
             .select(Programme.code, Programme.name, Programme.unit, Programme.monthly,
                     fn.COUNT(Enrollment.id),
                     fn.SUM(Enrollment.covered_persons),
                     fn.SUM(Enrollment.amount))  # integer fen: SUM is not coerced
             .join(Enrollment, JOIN.LEFT_OUTER,
                   on=((Enrollment.programme == Programme.code) & (Enrollment.status == ACTIVE)))
             .group_by(Programme.code, Programme.name, Programme.unit, Programme.monthly,
                       Programme.sort_order)
             .order_by(Programme.sort_order, Programme.code)
             .tuples())
    return [ProgrammeFigures(code, name, unit, bool(monthly), count or 0, persons or 0,
                             from_fen(int(fen or 0)))
            for code, name, unit, monthly, count, persons, fen in query]


def yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


class FiguresModel(QAbstractTableModel):
    """The programme figures, with a 合计 row for the monthly money."""

    HEADERS = ("救助项目", "在保", "保障人数", "每月发放（元）")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[ProgrammeFigures] = []

    def set_figures(self, rows: list[ProgrammeFigures]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def figures(self) -> list[ProgrammeFigures]:
        return list(self._rows)

    def total(self) -> Decimal:
        return sum((r.monthly_total for r in self._rows if r.monthly), Decimal("0.00"))

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() or not self._rows else len(self._rows) + 1

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        is_total = row == len(self._rows)
        if role == Qt.ItemDataRole.DisplayRole:
            if is_total:
                return ("合计", "", "", yuan(self.total()))[col]
            r = self._rows[row]
            if col == 0:
                return r.name
            if col == 1:
                return f"{r.enrollments:,} {UNIT_WORD.get(r.unit, '')}".strip()
            if col == 2:
                return f"{r.persons:,}"
            return yuan(r.monthly_total) if r.monthly else "—"
        if role == Qt.ItemDataRole.TextAlignmentRole and col > 0:
            return int(RIGHT)
        if role == Qt.ItemDataRole.FontRole and is_total:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and not is_total and not self._rows[row].monthly:
            return "该项目只登记名册，不按月发放"
        return None


class FindingsModel(QAbstractListModel):
    """The findings of mzdesk.checks, one line each (title：message)."""

    FindingRole = Qt.ItemDataRole.UserRole

    def __init__(self, parent=None):
        super().__init__(parent)
        self._findings: list = []

    def set_findings(self, findings: list) -> None:
        self.beginResetModel()
        self._findings = list(findings)
        self.endResetModel()

    def findings(self) -> list:
        return list(self._findings)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._findings)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        finding = self._findings[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"【{finding.title}】{finding.message}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return finding.message
        if role == self.FindingRole:
            return finding
        return None


def _run_checks(_progress):
    from mzdesk import checks
    return checks.run_all()


def findings_summary(findings: list) -> str:
    if not findings:
        return "数据比对未发现问题。"
    counts = Counter(f.title for f in findings)
    parts = "；".join(f"{title} {n} 条" for title, n in counts.items())
    return f"数据比对发现 {len(findings)} 条问题：{parts}"


class DashboardTab(QWidget):
    """工作台."""

    TITLE = "工作台"
    refreshed = Signal()  # figures and findings are up to date

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._checks: Task | None = None

        heading = QLabel("各救助项目在保情况")
        heading.setStyleSheet("font-weight: bold;")
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.setToolTip("重新统计在保情况并进行数据比对（F5）")
        self.refresh_button.setShortcut(QKeySequence("F5"))
        self.refresh_button.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.refresh_button)

        self.figures_model = FiguresModel(self)
        self.figures_view = QTableView()
        self.figures_view.setModel(self.figures_model)
        self.figures_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.figures_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.figures_view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.figures_view.verticalHeader().hide()
        self.figures_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.figures_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        checks_heading = QLabel("数据比对")
        checks_heading.setStyleSheet("font-weight: bold;")
        self.findings_label = QLabel()
        self.findings_label.setWordWrap(True)
        self.findings_model = FindingsModel(self)
        self.findings_view = QListView()
        self.findings_view.setModel(self.findings_model)
        self.findings_view.setUniformItemSizes(True)
        self.findings_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.findings_view.setAlternatingRowColors(True)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.figures_view, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addSpacing(8)
        layout.addWidget(checks_heading)
        layout.addWidget(self.findings_label)
        layout.addWidget(self.findings_view, 1)

        self.refresh()

    # --- refreshing --------------------------------------------------------

    def refresh(self) -> None:
        """Recount the figures now and start the data checks in the background."""
        if self.is_busy():
            return
        self.figures_model.set_figures(programme_figures())
        self._fit_figures()
        self.refresh_button.setEnabled(False)
        self.findings_label.setText("正在进行数据比对……")
        self._checks = Task(_run_checks, self)
        self._checks.succeeded.connect(self._checks_done)
        self._checks.failed.connect(self._checks_failed)
        self._checks.start()

    def is_busy(self) -> bool:
        return self._checks is not None

    def shutdown(self) -> None:
        """Wait for a running check (the window is closing)."""
        if self._checks is not None:
            self._checks.wait()

    @Slot(object)
    def _checks_done(self, findings) -> None:
        self._end_checks()
        self.findings_model.set_findings(findings)
        self.findings_label.setText(findings_summary(findings))
        self.refreshed.emit()

    @Slot(object)
    def _checks_failed(self, error) -> None:
        self._end_checks()
        self.findings_model.set_findings([])
        self.findings_label.setText("数据比对没有完成：" + describe(error))
        self.refreshed.emit()

    def _end_checks(self) -> None:
        self._checks.wait()
        self._checks.deleteLater()
        self._checks = None
        self.refresh_button.setEnabled(True)

    def _fit_figures(self) -> None:
        """Size the figures table to its content: every row, no scroll bars, no empty stretch."""
        view = self.figures_view
        view.resizeColumnsToContents()
        view.resizeRowsToContents()
        for col, minimum in enumerate(FIGURE_COLUMN_WIDTHS):
            view.setColumnWidth(col, max(view.columnWidth(col) + 16, minimum))
        frame = 2 * view.frameWidth()
        width = sum(view.columnWidth(c) for c in range(self.figures_model.columnCount()))
        height = sum(view.rowHeight(r) for r in range(self.figures_model.rowCount()))
        view.setFixedSize(width + frame, height + view.horizontalHeader().sizeHint().height() + frame)
