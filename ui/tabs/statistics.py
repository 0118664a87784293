"""统计报表: the half-year / annual summary, the 民政月报 and the narrative (issue 6).

A period (from / to month; 上半年 / 下半年 / 全年 of a year, by default the
last complete half-year) is counted in the background with
mzdesk.summary.figures.summary_figures.  Three views show it:

- 总结数据: every figure of the summary under Chinese labels; a double click
  on one lists the records behind it (mzdesk.summary.records.figure_records
  → ui.dialogs.records_dialog), and a record there opens in its own tab.
- 民政月报: the month's figures per programme (mzdesk.district.figures_sheet,
  the sheet the district package carries), exported as xlsx.
- 文字材料: the narrative blocks of the period (mzdesk.summary.template),
  saved with an audit entry.

生成PDF… / 生成Word… write the document (mzdesk.summary.document.render_summary)
behind a progress dialog, from the figures on screen and the narrative in
the editors — unsaved edits are saved first, so the document and what is
kept for the period agree.  导出数据(JSON)… writes the figures for machines.

Figures are those of the period last counted: changing the months does not
change what is shown (nor what a double click lists) until 统计 is pressed.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

from PySide6.QtCore import QModelIndex, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QSpinBox,
                               QTabWidget, QVBoxLayout, QWidget)

from mzdesk.summary import template
from mzdesk.summary.template import NARRATIVE_LABELS

from ..messages import describe, show_error
from ..widgets import MonthEdit
from .statistics_parts import (HALVES, ROLL_COLUMNS, FiguresView, MonthlyView, NarrativeView,
                               ask_save_path, last_complete_half, period_label)

def _default_month() -> str:
    """The month the 民政月报 opens on: the last month paid, else last month."""
    from mzdesk.figures import last_paid_month
    from mzdesk.services.common import prev_month

    today = dt.date.today()
    return last_paid_month() or prev_month(f"{today.year:04d}-{today.month:02d}")


def _count_period(start: str, end: str):
    """The work of 统计: the figures and the period's saved narrative."""
    from mzdesk.summary.figures import summary_figures

    def work(_progress):
        return summary_figures(start, end), template.load_narrative(start, end)
    return work


class StatisticsTab(QWidget):
    TITLE = "统计报表"
    changed = Signal()  # part of the tab contract; never emitted (the narrative is shown nowhere else)

    def __init__(self, parent: QWidget | None = None, today: dt.date | None = None):
        super().__init__(parent)
        self.today = today or dt.date.today()
        self.period: tuple[str, str] | None = None  # the period the figures are of
        self.figures: dict | None = None
        self.monthly_month: str | None = None  # the month the 民政月报 is of
        self._tasks: dict = {}  # name → Task running
        self._progress = None  # the TaskProgressDialog of a document being written
        self._again: set[str] = set()  # work to run again once the running one ends

        start, end = last_complete_half(self.today)
        self.from_edit = MonthEdit(month=start)
        self.to_edit = MonthEdit(month=end)
        self.compute_button = QPushButton("统计")
        self.compute_button.setToolTip("统计所选期间的数据（F5）")
        self.compute_button.setShortcut("F5")
        self.compute_button.clicked.connect(self.compute)
        self.year_spin = QSpinBox()
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setValue(int(start[:4]))
        self.year_spin.setSuffix(" 年")
        self.half_buttons: dict[str, QPushButton] = {}
        for name in HALVES:
            button = QPushButton(name)
            button.setToolTip(f"统计所选年份的{name}")
            button.clicked.connect(lambda _=False, n=name: self.choose_half(n))
            self.half_buttons[name] = button
        self.pdf_button = QPushButton("生成PDF…")
        self.pdf_button.setToolTip("生成工作总结（公文格式 PDF）")
        self.pdf_button.clicked.connect(lambda: self.generate(".pdf"))
        self.word_button = QPushButton("生成Word…")
        self.word_button.setToolTip("生成工作总结（Word 文档，可再修改）")
        self.word_button.clicked.connect(lambda: self.generate(".docx"))
        self.json_button = QPushButton("导出数据(JSON)…")
        self.json_button.setToolTip("把统计数字导出为 JSON 文件（供其他系统读取）")
        self.json_button.clicked.connect(self.export_json)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("统计期间"))
        bar.addWidget(self.from_edit)
        bar.addWidget(QLabel("至"))
        bar.addWidget(self.to_edit)
        bar.addWidget(self.compute_button)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.VLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        bar.addSpacing(6)
        bar.addWidget(line)
        bar.addSpacing(6)
        bar.addWidget(self.year_spin)
        for button in self.half_buttons.values():
            bar.addWidget(button)
        bar.addStretch(1)
        for button in (self.pdf_button, self.word_button, self.json_button):
            bar.addWidget(button)

        self.figures_view = FiguresView()
        self.figures_view.figureActivated.connect(self.show_records)
        self.monthly_view = MonthlyView()
        self.monthly_view.month_edit.setValue(_default_month())
        self.monthly_view.compute_button.clicked.connect(self.compute_monthly)
        self.monthly_view.export_button.clicked.connect(self.export_monthly)
        self.monthly_view.table.activated.connect(self.show_monthly_records)
        self.narrative_view = NarrativeView(NARRATIVE_LABELS)
        self.narrative_view.save_button.clicked.connect(self.save_narrative)
        self.narrative_view.default_button.clicked.connect(self.restore_default_narrative)

        self.views = QTabWidget()
        self.views.addTab(self.figures_view, "总结数据")
        self.views.addTab(self.monthly_view, "民政月报")
        self.views.addTab(self.narrative_view, "文字材料")
        self.views.currentChanged.connect(self._view_shown)

        self.status = QLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.views, 1)
        layout.addWidget(self.status)
        self._update_actions()

    # --- tab contract ------------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.figures is None and "figures" not in self._tasks:
            self.compute()

    def refresh(self) -> None:
        """The data changed elsewhere: count the shown period (and month) again."""
        if self.period is not None:
            self._start_figures(*self.period)
        if self.monthly_month is not None:
            self._start_monthly(self.monthly_month)

    def open_record(self, table: str, record_id: int) -> bool:
        return False  # lists no single record of its own

    def is_busy(self) -> bool:
        return bool(self._tasks) or self._progress is not None

    def shutdown(self) -> None:
        """Wait for running work (the window is closing)."""
        self._again.clear()
        for task in list(self._tasks.values()):
            task.wait()

    # --- background work ---------------------------------------------------------

    def _run(self, name: str, work, done: Callable, failed: Callable) -> None:
        """Run `work` off the UI thread; one of each kind at a time (a second asks again)."""
        from ..worker import Task

        if name in self._tasks:
            self._again.add(name)
            return
        task = Task(work, self)

        def finish(handler, value):
            self._tasks.pop(name, None)
            task.wait()
            task.deleteLater()
            handler(value)
            self._update_actions()

        task.succeeded.connect(lambda value: finish(done, value))
        task.failed.connect(lambda error: finish(failed, error))
        self._tasks[name] = task
        self._update_actions()
        task.start()

    def _update_actions(self) -> None:
        counting = "figures" in self._tasks
        ready = self.figures is not None and not counting and self._progress is None
        for button in (self.pdf_button, self.word_button, self.json_button):
            button.setEnabled(ready)
        self.compute_button.setEnabled(not counting)
        for button in self.half_buttons.values():
            button.setEnabled(not counting)
        monthly = "monthly" in self._tasks
        self.monthly_view.compute_button.setEnabled(not monthly)
        self.monthly_view.export_button.setEnabled(not monthly and self.monthly_month is not None)
        self.narrative_view.save_button.setEnabled(self.narrative_view.is_dirty() and not counting)

    # --- the period's figures ------------------------------------------------------

    def choose_half(self, name: str) -> None:
        """上半年 / 下半年 / 全年 of the chosen year, counted at once."""
        first, last = HALVES[name]
        year = self.year_spin.value()
        self.from_edit.setValue(f"{year:04d}-{first}")
        self.to_edit.setValue(f"{year:04d}-{last}")
        self.compute()

    def compute(self) -> None:
        """Count the period typed in the month fields."""
        start, end = self.from_edit.value(), self.to_edit.value()
        if not start or not end:
            QMessageBox.warning(self, self.TITLE, "请输入统计期间的起止月份，如 2026-01 至 2026-06。")
            return
        if start > end:
            QMessageBox.warning(self, self.TITLE, "起始月份不能晚于截止月份。")
            return
        if (start, end) != self.period and not self._leave_narrative():
            return
        self._start_figures(start, end)

    def _start_figures(self, start: str, end: str) -> None:
        self._wanted = (start, end)
        if "figures" in self._tasks:
            self._again.add("figures")  # counted once the count under way ends
            return
        self._counting = (start, end)
        self.status.setText(f"正在统计{period_label(start, end)}的数据……")
        self._run("figures", _count_period(start, end), self._figures_done, self._figures_failed)

    def _figures_done(self, result) -> None:
        figures, narrative = result
        start, end = self._counting
        same = (start, end) == self.period
        self.period, self.figures = (start, end), figures
        label = period_label(start, end)
        heading = (f"{figures['township']}{label}（{start} 至 {end}）：人数为截至{int(end[:4])}年"
                   f"{int(end[5:])}月底在册数，金额为期间内已审核发放的金额。双击带下划线的数字可查看名单。")
        self.figures_view.show_figures(figures, heading)
        if not (same and self.narrative_view.is_dirty()):  # keep the clerk's unsaved edits
            self.narrative_view.load(narrative, f"{label}工作总结的文字段落")
        self.status.setText(f"已统计{label}的数据")
        self._count_again("figures")

    def _count_again(self, name: str) -> None:
        if name in self._again:
            self._again.discard(name)
            if name == "figures":
                self._start_figures(*self._wanted)
            else:
                self._start_monthly(self._wanted_month)

    def _figures_failed(self, error) -> None:
        self.status.setText("统计没有完成：" + describe(error))
        self._count_again("figures")

    def show_records(self, key: str, label: str, value: str) -> None:
        """The records behind a figure of the period shown, in the records dialog."""
        if self.period is None:
            return
        from mzdesk.summary.records import figure_records

        from ..dialogs.records_dialog import record_list

        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            table, ids = figure_records(key, *self.period)
            records = record_list(table, ids)
        except Exception as exc:
            QGuiApplication.restoreOverrideCursor()
            show_error(self, exc)
            return
        QGuiApplication.restoreOverrideCursor()
        title = f"{period_label(*self.period)} {label}"
        caption = f"“{label} {value}”背后的记录（{self.period[0]} 至 {self.period[1]}）"
        if key.endswith(".persons") or key in ("tupifang.households",) or ".family_type." in key:
            caption += "；人数为各户的人数之和"
        self._open_records(title, records, caption)

    def _open_records(self, title: str, records, caption: str) -> None:
        from ..dialogs.records_dialog import RecordsDialog

        window = self.window()
        opener = getattr(window, "open_record", None) if window is not self else None
        RecordsDialog(self, title, records, caption=caption, opener=opener).exec()

    # --- 民政月报 --------------------------------------------------------------------

    def _view_shown(self, index: int) -> None:
        if self.views.widget(index) is self.monthly_view and self.monthly_month is None \
                and "monthly" not in self._tasks:
            self.compute_monthly()

    def compute_monthly(self) -> None:
        month = self.monthly_view.month_edit.value()
        if not month:
            QMessageBox.warning(self, self.TITLE, "请输入月份，如 2026-05。")
            return
        self._start_monthly(month)

    def _start_monthly(self, month: str) -> None:
        from mzdesk.district.figures_sheet import figures

        self._wanted_month = month
        if "monthly" in self._tasks:
            self._again.add("monthly")
            return
        self._monthly_of = month
        self.monthly_view.heading.setText(f"正在统计{int(month[:4])}年{int(month[5:])}月民政月报……")
        self._run("monthly", lambda _progress: figures(month), self._monthly_done, self._monthly_failed)

    def _monthly_done(self, rows) -> None:
        month = self._monthly_of
        self.monthly_month = month
        self.monthly_view.model.set_figures(rows)
        self.monthly_view.heading.setText(f"{self._township()}{int(month[:4])}年{int(month[5:])}月民政月报")
        self._count_again("monthly")

    def _monthly_failed(self, error) -> None:
        self.monthly_view.heading.setText("民政月报没有统计完成：" + describe(error))
        self._count_again("monthly")

    @staticmethod
    def _township() -> str:
        from mzdesk.services.settings import get_setting
        return get_setting("township")

    def show_monthly_records(self, index: QModelIndex) -> None:
        """Double click on 户数 / 人数 / 新增 / 减少 of a monthly programme: its enrollments."""
        if not index.isValid() or self.monthly_month is None:
            return
        row = self.monthly_view.model.row(index.row())
        which = ROLL_COLUMNS.get(index.column())
        if which is None or row.added is None:
            self.status.setText("按月发放的项目可以双击户数、人数、本月新增或本月减少查看名单")
            return
        from mzdesk.district.figures_sheet import paid_lines, roll_changes

        from ..dialogs.records_dialog import record_list

        month = self.monthly_month
        try:
            if which == "roll":
                ids = sorted(line.enrollment_id for line in paid_lines(row.code, month))
            else:
                added, removed = roll_changes(row.code, month)
                ids = added if which == "added" else removed
            records = record_list("enrollment", ids)
        except Exception as exc:
            show_error(self, exc)
            return
        what = {"roll": "发放名册", "added": "本月新增", "removed": "本月减少"}[which]
        month_label = f"{int(month[:4])}年{int(month[5:])}月"
        self._open_records(f"{month_label}{row.name}{what}", records,
                           f"{month_label}{row.name}：{what}（与上月名册相比）" if which != "roll"
                           else f"{month_label}{row.name}：当月发放名册")

    def export_monthly(self) -> None:
        """The 民政月报 shown, as an xlsx file the clerk names."""
        if self.monthly_month is None:
            return
        from mzdesk.district.figures_sheet import title, write_sheet

        month = self.monthly_month
        path = ask_save_path(self, "导出民政月报", f"{title(self._township(), month)}.xlsx",
                              "Excel 表格 (*.xlsx)", ".xlsx")
        if path is None:
            return
        try:
            write_sheet(month, path, rows=self.monthly_view.model.figures)
        except Exception as exc:
            show_error(self, exc)
            return
        self.status.setText(f"已导出民政月报：{path}")

    # --- documents -----------------------------------------------------------------

    def _document_name(self, suffix: str) -> str:
        return f"{self.figures['township']}{period_label(*self.period)}民政工作总结{suffix}"

    def generate(self, suffix: str) -> None:
        """The summary as PDF or Word, from the figures shown and the narrative (saved first)."""
        if self.figures is None or self.period is None:
            return
        if self.narrative_view.is_dirty() and not self.save_narrative():
            return
        kind = "PDF" if suffix == ".pdf" else "Word"
        path = ask_save_path(self, f"生成工作总结（{kind}）", self._document_name(suffix),
                              "PDF 文件 (*.pdf)" if suffix == ".pdf" else "Word 文档 (*.docx)", suffix)
        if path is None:
            return
        from mzdesk.summary.document import render_summary

        start, end = self.period
        figures, narrative = self.figures, self.narrative_view.texts()

        def work(progress):
            progress(0, 0, f"正在生成“{path.name}”……")
            return render_summary(start, end, path, figures=figures, narrative=narrative)

        self._write_in_background("生成工作总结", work, f"正在生成“{path.name}”……", offer_open=True)

    def export_json(self) -> None:
        if self.period is None:
            return
        from mzdesk.summary.figures import write_summary_json

        path = ask_save_path(self, "导出统计数据", self._document_name(".json").replace("工作总结", "统计数据"),
                              "JSON 文件 (*.json)", ".json")
        if path is None:
            return
        start, end = self.period
        self._write_in_background("导出统计数据", lambda _p: write_summary_json(start, end, path),
                                  f"正在导出“{path.name}”……", offer_open=False)

    def _write_in_background(self, title: str, work, label: str, *, offer_open: bool) -> None:
        from ..worker import TaskProgressDialog

        def finished(path) -> None:
            self._end_progress()
            self.status.setText(f"已保存：{path}")
            if offer_open:
                answer = QMessageBox.question(self, title, f"已保存到：\n{path}\n\n现在打开吗？",
                                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                              QMessageBox.StandardButton.Yes)
                if answer == QMessageBox.StandardButton.Yes:
                    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

        def failed(error) -> None:
            self._end_progress()
            self.status.setText(f"{title}没有完成")
            show_error(self, error)

        self._progress = TaskProgressDialog(self, title, work, label=label)
        self._progress.succeeded.connect(finished)
        self._progress.failed.connect(failed)
        self._update_actions()
        self._progress.start()

    def _end_progress(self) -> None:
        self._progress.deleteLater()
        self._progress = None
        self._update_actions()

    # --- the narrative -------------------------------------------------------------

    def save_narrative(self) -> bool:
        if self.period is None:
            return False
        try:
            saved = template.save_narrative(*self.period, self.narrative_view.texts())
        except Exception as exc:
            show_error(self, exc)
            return False
        self.narrative_view.load(saved, self.narrative_view.heading.text())
        self.status.setText(f"已保存{period_label(*self.period)}的文字材料")
        return True

    def restore_default_narrative(self) -> None:
        answer = QMessageBox.question(self, "恢复默认", "把各段文字恢复为模板的默认内容？\n（点“保存”后才生效）",
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            self.narrative_view.fill(template.default_narrative())

    def _leave_narrative(self) -> bool:
        """Before another period replaces the narrative: save, drop or stay (False)."""
        if not self.narrative_view.is_dirty():
            return True
        answer = QMessageBox.question(
            self, self.TITLE, f"{period_label(*self.period)}的文字材料有未保存的修改，保存吗？",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save_narrative()
        return answer == QMessageBox.StandardButton.Discard
