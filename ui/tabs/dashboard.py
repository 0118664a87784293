"""工作台: the figures of every programme, the amounts paid over the last 12
months, and the findings of the data checks (each opens its record).

The figures are a few SQL aggregates (fast at any size) and are computed in
the UI thread; the chart's aggregate over the payment lines and the data
checks take longer on a big township, so each runs in a worker thread and
fills its part of the tab when it is done (正在统计…… meanwhile). At
start-up those threads begin only once the tab has been painted: started
earlier, they compete with the UI thread for the GIL and delay the first
paint by about 0.7 s on a 100k-person township (tests/bench/bench_launch.py).
The main window builds this tab just after its own first paint.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from PySide6.QtCore import (QAbstractListModel, QAbstractTableModel, QEvent, QModelIndex, Qt,
                            QTimer, Signal, Slot)
from PySide6.QtGui import QColor, QFont, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QLabel, QListView, QPushButton, QTableView,
    QVBoxLayout, QWidget,
)

from mzdesk.figures import ProgrammeFigures, programme_figures  # noqa: F401 (re-exported)

from ..charts import BarChart, Series
from ..messages import describe
from ..worker import Task

UNIT_WORD = {"household": "户", "person": "人"}
# Minimum widths in pixels of the figures' columns (name, 在保, 保障人数, 每月发放).
FIGURE_COLUMN_WIDTHS = (220, 110, 110, 150)
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CHART_MONTHS = 12
OPEN_HINT = "双击一条问题可打开对应的记录"
# Start the background work this long after construction if the tab is never painted
# (another tab is current, or the window is not shown).
START_FALLBACK_MS = 400
BUSY_TEXT = "正在统计……"
HINT_COLOUR = "#666666"


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
            return finding.message + ("\n（双击打开记录）" if finding.records else "")
        if role == self.FindingRole:
            return finding
        return None


def _run_checks(_progress):
    from mzdesk import checks
    return checks.run_all()


def _chart_data(_progress):
    """(months, [(key, name, values)]) of the 12 months ending the last paid month."""
    from mzdesk import figures
    last = figures.last_paid_month() or dt.date.today().strftime("%Y-%m")
    paid = figures.monthly_paid(last, CHART_MONTHS)
    names = figures.series_names()
    months = [m for m, _ in next(iter(paid.values()), [])] or figures.months_ending(last, CHART_MONTHS)
    return months, [(key, names.get(key, key), tuple(a for _, a in values))
                    for key, values in paid.items()]


def chart_heading(months: list[str]) -> str:
    if not months:
        return "近12个月发放金额"
    first, last = months[0], months[-1]
    return (f"近{len(months)}个月发放金额（{first[:4]}年{int(first[5:])}月—"
            f"{last[:4]}年{int(last[5:])}月）")


def findings_summary(findings: list) -> str:
    if not findings:
        return "数据比对未发现问题。"
    counts = Counter(f.title for f in findings)
    parts = "；".join(f"{title} {n} 条" for title, n in counts.items())
    return f"数据比对发现 {len(findings)} 条问题：{parts}"


# Fonts and palettes rather than style sheets: a style sheet makes Qt style
# the widget through QStyleSheetStyle, slower to build and to paint.
def _bold(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _grey(text: str) -> QLabel:
    label = QLabel(text)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(HINT_COLOUR))
    label.setPalette(palette)
    return label


class DashboardTab(QWidget):
    """工作台."""

    TITLE = "工作台"
    refreshed = Signal()  # figures, chart and findings are up to date
    changed = Signal()  # part of the tab contract; the dashboard writes nothing
    openRecord = Signal(str, int)  # (table, id) of the record a finding is about

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._tasks: dict[str, Task] = {}
        self._waiting_for_paint = True  # the first refresh's work starts after the first paint
        self._start_timer = QTimer(self, singleShot=True, interval=START_FALLBACK_MS)
        self._start_timer.timeout.connect(self._start_waiting_work)

        self.refresh_button = QPushButton("刷新")
        self.refresh_button.setToolTip("重新统计在保情况、发放金额并进行数据比对（F5）")
        self.refresh_button.setShortcut(QKeySequence("F5"))
        self.refresh_button.clicked.connect(self.refresh)

        self.figures_model = FiguresModel(self)
        self.figures_view = QTableView()
        self.figures_view.setModel(self.figures_model)
        self.figures_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.figures_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.figures_view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.figures_view.verticalHeader().hide()
        self.figures_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.figures_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.chart_heading = _bold(chart_heading([]))
        self.chart = BarChart()
        self.chart_heading.setWordWrap(True)

        self.findings_label = QLabel()
        self.findings_label.setWordWrap(True)
        self.findings_model = FindingsModel(self)
        self.findings_view = QListView()
        self.findings_view.setModel(self.findings_model)
        self.findings_view.setUniformItemSizes(True)
        self.findings_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.findings_view.setAlternatingRowColors(True)
        self.findings_view.activated.connect(self._open_finding)  # double click or Enter

        figures_box = QVBoxLayout()
        heading = QHBoxLayout()
        heading.addWidget(_bold("各救助项目在保情况"))
        heading.addStretch(1)
        heading.addWidget(self.refresh_button)
        figures_box.addLayout(heading)
        figures_box.addWidget(self.figures_view)
        figures_box.addStretch(1)
        chart_box = QVBoxLayout()
        chart_box.addWidget(self.chart_heading)
        chart_box.addWidget(self.chart, 1)
        top = QHBoxLayout()
        top.addLayout(figures_box)
        top.addSpacing(12)
        top.addLayout(chart_box, 1)

        findings_heading = QHBoxLayout()
        findings_heading.addWidget(_bold("数据比对"))
        findings_heading.addSpacing(12)
        findings_heading.addWidget(_grey(OPEN_HINT))
        findings_heading.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addLayout(top, 3)
        layout.addSpacing(6)
        layout.addLayout(findings_heading)
        layout.addWidget(self.findings_label)
        layout.addWidget(self.findings_view, 2)

        self.refresh()
        self._start_timer.start()

    # --- tab contract ------------------------------------------------------

    def open_record(self, table: str, record_id: int) -> bool:
        """The dashboard shows no single record."""
        return False

    # --- refreshing --------------------------------------------------------

    def refresh(self) -> None:
        """Recount the figures now; draw the chart and run the data checks in the background."""
        if self._tasks:
            return
        self.refresh_button.setEnabled(False)
        self.chart.set_message(BUSY_TEXT)
        self.findings_label.setText("正在进行数据比对……")
        if not self._waiting_for_paint:
            self._start_work()

    def is_busy(self) -> bool:
        return bool(self._tasks) or self._waiting_for_paint

    def shutdown(self) -> None:
        """Wait for running work (the window is closing); start no more."""
        self._start_timer.stop()
        self._waiting_for_paint = False
        for task in list(self._tasks.values()):
            task.wait()

    def event(self, event) -> bool:
        if self._waiting_for_paint and event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, self._start_waiting_work)  # after this paint pass
        return super().event(event)

    @Slot()
    def _start_waiting_work(self) -> None:
        if self._waiting_for_paint:
            self._waiting_for_paint = False
            self._start_timer.stop()
            self._start_work()

    def _start_work(self) -> None:
        # The counts come from each monthly programme's roll (~0.1 s at 100k
        # persons): off the UI thread like the chart.
        self._start("figures", lambda _progress: programme_figures(), self._figures_done,
                    self._figures_failed)
        self._start("chart", _chart_data, self._chart_done, self._chart_failed)
        self._start("checks", _run_checks, self._checks_done, self._checks_failed)

    def _start(self, name: str, work, done, failed) -> None:
        task = Task(work, self)
        task.succeeded.connect(done)
        task.failed.connect(failed)
        self._tasks[name] = task
        task.start()

    def _end(self, name: str) -> None:
        task = self._tasks.pop(name)
        task.wait()
        task.deleteLater()
        if not self._tasks:
            self.refresh_button.setEnabled(True)
            self.refreshed.emit()

    @Slot(object)
    def _figures_done(self, rows) -> None:
        self.figures_model.set_figures(rows)
        self._fit_figures()
        self._end("figures")

    @Slot(object)
    def _figures_failed(self, error) -> None:
        self.findings_label.setText("各项目人数没有统计完成：" + describe(error))
        self._end("figures")

    @Slot(object)
    def _chart_done(self, data) -> None:
        months, series = data
        self.chart.set_data(months, [Series(key, name, values) for key, name, values in series])
        self.chart_heading.setText(chart_heading(months) + "，单位：万元")
        self._end("chart")

    @Slot(object)
    def _chart_failed(self, error) -> None:
        self.chart.set_data([], [])
        self.chart.set_message("没有统计完成")
        self.chart_heading.setText("发放金额没有统计完成：" + describe(error))
        self._end("chart")

    @Slot(object)
    def _checks_done(self, findings) -> None:
        self.findings_model.set_findings(findings)
        self.findings_label.setText(findings_summary(findings))
        self._end("checks")

    @Slot(object)
    def _checks_failed(self, error) -> None:
        self.findings_model.set_findings([])
        self.findings_label.setText("数据比对没有完成：" + describe(error))
        self._end("checks")

    @Slot(QModelIndex)
    def _open_finding(self, index: QModelIndex) -> None:
        finding = index.data(FindingsModel.FindingRole)
        if finding is not None and finding.records:
            table, record_id = finding.records[0]
            self.openRecord.emit(table, int(record_id))
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
