"""资金发放: the payment batches, their lines, and every step of a batch's life.

The list shows the batches (newest month first) with their state and totals;
the pane below shows the selected batch's lines.  The actions follow the
workflow 草稿 → 已审核 → 已导出 → 已发放 and are enabled only where the state
allows them; the services still have the last word (a batch approved in the
meantime is refused with their reason).  Anything that can take a while runs
off the UI thread: the list itself loads in the background (quick now that the
sums are kept on each batch row, but a year of batches over a slow disk need
not freeze the window) and is filtered here without querying again; creating a
batch, laying out a roster and writing a file run behind a progress dialog.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Callable

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox,
                               QFormLayout, QHBoxLayout, QInputDialog, QLabel, QMenu, QMessageBox,
                               QPushButton, QSplitter, QVBoxLayout, QWidget)

from mzdesk.errors import NotFoundError
from mzdesk.money import to_capitals
from mzdesk.payments import batches
from mzdesk.payments.batches import APPROVED, CANCELLED, DRAFT, EXPORTED, PAID

from ..messages import show_error
from .payment_tables import BatchListModel, LineListModel, batch_table, money

ONEOFF = "__oneoff__"  # the programme filter's value for one-off subsidies


def _bold(text: str = "") -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


# --- the tab -------------------------------------------------------------------------------

class PaymentsTab(QWidget):
    TITLE = "资金发放"
    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.loaded = False
        self._progress = None  # the TaskProgressDialog of the work running, if any
        self._lines_of = None  # (id, state, failed) of the batch whose lines are shown
        self._every: list[batches.BatchInfo] = []  # every batch, as last loaded
        self._loader = None  # the Task loading them, while it runs
        self._again = False  # load again once the running load ends
        self._pending: int | None = None  # the batch to select once loaded
        self._actions: list[tuple[QAction, Callable[[batches.BatchInfo], bool]]] = []

        # filters
        self.programme_combo = QComboBox()
        self.programme_combo.addItem("全部项目", None)
        for prog in batches.monthly_programmes():
            self.programme_combo.addItem(prog.name, prog.code)
        self.programme_combo.addItem("一次性补贴", ONEOFF)
        self.year_combo = QComboBox()
        self.year_combo.addItem("全部年度", None)
        self.show_cancelled = QCheckBox("显示已作废")
        for signal in (self.programme_combo.currentIndexChanged, self.year_combo.currentIndexChanged,
                       self.show_cancelled.toggled):
            signal.connect(lambda *_: self.show_batches())  # filtered here: no query
        filters = QHBoxLayout()
        filters.addWidget(QLabel("救助项目"))
        filters.addWidget(self.programme_combo)
        filters.addWidget(QLabel("年度"))
        filters.addWidget(self.year_combo)
        filters.addWidget(self.show_cancelled)
        filters.addStretch(1)
        refresh = QPushButton("刷新")
        refresh.setToolTip("重新读取批次列表（F5）")
        refresh.setShortcut("F5")
        refresh.clicked.connect(lambda: self.refresh())
        filters.addWidget(refresh)

        # actions: buttons and the context menu; each enabled by a rule on the selected batch
        self.action_bar = QHBoxLayout()
        self.new_action = self._action("新建批次…", self.new_batch, None,
                                       "按月度名册或一次性补贴生成发放批次（Ctrl+N）")
        self.new_action.setShortcut("Ctrl+N")
        self.new_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(self.new_action)
        self.approve_action = self._action("审核", self.approve, lambda b: b.state == DRAFT,
                                           "审核草稿批次；审核后不能再修改")
        self.roster_action = self._action("打印花名册…", self.print_roster,
                                          lambda b: b.state != CANCELLED,
                                          "预览、打印或保存发放签字花名册")
        self.notice_action = self._action("打印公示名单…", self.print_notice,
                                          lambda b: b.state != CANCELLED,
                                          "预览、打印或保存公示名单（不显示身份证号和账号）")
        self.export_action = self._action("导出银行文件…", self.export_bank_file,
                                          lambda b: b.state in (APPROVED, EXPORTED, PAID)
                                          and b.kind != "deduction",
                                          "按银行模板导出代发文件（可直接存到U盘）")
        self.return_action = self._action("导入银行回盘…", self.import_bank_return,
                                          lambda b: b.state in (EXPORTED, PAID),
                                          "读取银行回盘文件，登记发放失败的明细")
        self.paid_action = self._action("确认已发放", self.mark_paid,
                                        lambda b: b.state in (APPROVED, EXPORTED),
                                        "银行已发放到账后登记发放日期")
        self.supplement_action = self._action(
            "生成补发批次", self.supplement,
            lambda b: b.failed > 0 and b.programme is not None and b.state != CANCELLED,
            "为银行退回（失败）的明细生成补发批次")
        self.cancel_action = self._action("作废草稿", self.cancel_draft, lambda b: b.state == DRAFT,
                                          "作废草稿批次（保留记录），之后可重新生成该月批次")
        self.action_bar.addStretch(1)

        self.model = BatchListModel(self)
        self.table = batch_table(self.model)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())

        self.lines_model = LineListModel(self)
        self.lines_table = batch_table(self.lines_model)
        self.lines_heading = _bold("批次明细")
        self.lines_summary = QLabel()
        lines_pane = QWidget()
        lines_layout = QVBoxLayout(lines_pane)
        lines_layout.setContentsMargins(0, 4, 0, 0)
        heading = QHBoxLayout()
        heading.addWidget(self.lines_heading)
        heading.addSpacing(12)
        heading.addWidget(self.lines_summary, 1)
        lines_layout.addLayout(heading)
        lines_layout.addWidget(self.lines_table, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lines_pane)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)

        self.status = QLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(self.action_bar)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)
        self._update_actions()

    def _action(self, text: str, slot: Callable[[], None], rule, tip: str) -> QAction:
        """An action shown as a button and in the context menu; `rule(batch)` enables it."""
        action = QAction(text, self)
        action.setToolTip(tip)
        action.triggered.connect(lambda: self._guarded(slot))
        button = QPushButton(text)
        button.setToolTip(tip)
        button.clicked.connect(action.trigger)
        action.enabledChanged.connect(button.setEnabled)
        self.action_bar.addWidget(button)
        if rule is not None:
            self._actions.append((action, rule))
        return action

    # --- tab contract --------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self.loaded and self._loader is None:
            self.refresh()

    def refresh(self, select: int | None = None) -> None:
        """Reload every batch in the background, then show those the filters let through.

        The list sums every batch's lines: on a township with years of
        payments (a million lines) that takes about a second, which the
        window must not freeze for.  `select` is the batch to show afterwards.
        """
        if select is not None:
            self._pending = select
        if self._loader is not None:
            self._again = True  # a change happened during the load: load once more
            return
        from ..worker import Task
        self._loader = Task(lambda _progress: batches.list_batches(), self)
        self._loader.succeeded.connect(self._loaded)
        self._loader.failed.connect(self._load_failed)
        self.status.setText("正在读取发放批次……")
        self._update_actions()
        self._loader.start()

    def _end_loader(self) -> bool:
        """Forget the finished load; True when another one is due."""
        self._loader.deleteLater()
        self._loader = None
        again, self._again = self._again, False
        if again:
            self.refresh()
        return again

    def _loaded(self, every: list[batches.BatchInfo]) -> None:
        if self._end_loader():
            return
        self._every = every
        self.loaded = True
        self._fill_years(every)
        self.show_batches()

    def _load_failed(self, error: BaseException) -> None:
        if self._end_loader():
            return
        self.status.setText("发放批次没有读取成功")
        self._update_actions()
        show_error(self, error)

    def show_batches(self) -> None:
        """The loaded batches under the filters, keeping (or making) the selection."""
        if not self.loaded:
            return  # the load under way shows them
        wanted = self._pending if self._pending is not None else self.selected_id()
        if self._pending is not None and not any(b.id == wanted and self._shown(b)
                                                 for b in self._every):
            self._widen()  # the batch asked for is behind a filter
        self._pending = None
        rows = [b for b in self._every if self._shown(b)]
        self.model.set_rows(rows)
        self.status.setText(self.summary(rows))
        row = self.model.row_of(wanted) if wanted is not None else -1
        if rows:
            self.table.selectRow(max(row, 0))  # the newest batch when nothing was selected
            self.table.scrollTo(self.model.index(max(row, 0), 0))
        self._selection_changed()

    def _shown(self, b: batches.BatchInfo) -> bool:
        programme, year = self.programme_combo.currentData(), self.year_combo.currentData()
        if programme == ONEOFF and b.kind != "oneoff":
            return False
        if programme not in (None, ONEOFF) and b.programme != programme:
            return False
        if year is not None and b.month[:4] != f"{year:04d}":
            return False
        return b.state != CANCELLED or self.show_cancelled.isChecked()

    def open_record(self, table: str, record_id: int) -> bool:
        """Show a batch (it is selected as soon as the list has loaded)."""
        if table != "batch":
            return False
        try:
            batches.info(record_id)
        except NotFoundError:
            return False
        if self._loader is not None:
            self._pending = record_id  # the load under way selects it
        elif self.loaded:
            self._pending = record_id
            self.show_batches()
        else:
            self.refresh(select=record_id)
        return True

    def is_busy(self) -> bool:
        return self._progress is not None or self._loader is not None

    # --- list and selection ---------------------------------------------------

    @staticmethod
    def summary(rows: list[batches.BatchInfo]) -> str:
        if not rows:
            return "没有符合条件的发放批次"
        counted = [b for b in rows if b.state != CANCELLED]
        total = sum((b.total for b in counted), Decimal("0.00"))
        text = f"共 {len(rows)} 个批次，合计 {money(total)} 元"
        cancelled = len(rows) - len(counted)
        return text + (f"（其中已作废 {cancelled} 个，不计入合计）" if cancelled else "")

    def _fill_years(self, every: list[batches.BatchInfo]) -> None:
        years = sorted({b.month[:4] for b in every}, reverse=True)
        current = [self.year_combo.itemData(i) for i in range(1, self.year_combo.count())]
        if [int(y) for y in years] == current:
            return
        keep = self.year_combo.currentData()
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        self.year_combo.addItem("全部年度", None)
        for year in years:
            self.year_combo.addItem(f"{year}年", int(year))
        self.year_combo.setCurrentIndex(max(self.year_combo.findData(keep), 0))
        self.year_combo.blockSignals(False)

    def _widen(self) -> None:
        """Every filter to 全部, cancelled batches shown (the caller shows the list)."""
        for widget in (self.programme_combo, self.year_combo, self.show_cancelled):
            widget.blockSignals(True)
        self.programme_combo.setCurrentIndex(0)
        self.year_combo.setCurrentIndex(0)
        self.show_cancelled.setChecked(True)
        for widget in (self.programme_combo, self.year_combo, self.show_cancelled):
            widget.blockSignals(False)

    def selected_batch(self) -> batches.BatchInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.batch(rows[0].row()) if rows else None

    def selected_id(self) -> int | None:
        batch = self.selected_batch()
        return batch.id if batch else None

    def select_batch(self, batch_id: int) -> bool:
        row = self.model.row_of(batch_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def _selection_changed(self) -> None:
        batch = self.selected_batch()
        if batch is None:
            self.lines_model.set_rows([])
            self.lines_heading.setText("批次明细")
            self.lines_summary.setText("请在上方选择一个批次")
        elif self._lines_of != (batch.id, batch.state, batch.failed):
            self._lines_of = (batch.id, batch.state, batch.failed)
            try:
                self.lines_model.set_rows(batches.lines(batch.id))
            except Exception as exc:
                show_error(self, exc)
                self.lines_model.set_rows([])
            self.lines_heading.setText(f"批次明细：{batch.name}")
            failed = f"，银行退回失败 {batch.failed} 条（不计入合计）" if batch.failed else ""
            self.lines_summary.setText(f"{batch.lines:,} 条，{batch.persons:,} 人，"
                                       f"合计 {money(batch.total)} 元{failed}；状态：{batch.state}")
        self._update_actions()

    def _update_actions(self) -> None:
        batch = self.selected_batch()
        busy = self.is_busy()  # while the list loads, the selected batch may be out of date
        for action, rule in self._actions:
            action.setEnabled(batch is not None and not busy and bool(rule(batch)))
        self.new_action.setEnabled(self._progress is None)  # needs no batch

    def _context_menu(self, pos) -> None:
        index = self.table.indexAt(pos)
        if index.isValid():
            self.table.selectRow(index.row())
        menu = QMenu(self)
        menu.addAction(self.new_action)
        menu.addSeparator()
        for action, _rule in self._actions:
            menu.addAction(action)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def _after_change(self, select: int | None = None) -> None:
        self._lines_of = None  # the lines may have changed with the state
        self.refresh(select=select)
        self.changed.emit()

    def _reload(self) -> None:
        """After a refusal: what the clerk saw may be out of date (another window, another clerk)."""
        self._lines_of = None
        self.refresh()

    def _guarded(self, slot: Callable[[], None]) -> None:
        try:
            slot()
        except Exception as exc:
            show_error(self, exc)
            self._reload()

    # --- background work ------------------------------------------------------

    def run_task(self, title: str, work, done: Callable[[object], None], *, label: str,
                 cancellable: bool = False) -> None:
        """Run `work(progress)` behind a progress dialog; `done(result)` in the UI thread."""
        from ..worker import Cancelled, TaskProgressDialog

        def finished(result) -> None:
            self._end_task()
            done(result)

        def failed(error) -> None:
            self._end_task()
            if not isinstance(error, Cancelled):
                show_error(self, error)
            self._reload()

        self._progress = TaskProgressDialog(self, title, work, cancellable=cancellable, label=label)
        self._progress.succeeded.connect(finished)
        self._progress.failed.connect(failed)
        self._update_actions()
        self._progress.start()

    def _end_task(self) -> None:
        self._progress.deleteLater()
        self._progress = None
        self._update_actions()

    # --- actions ------------------------------------------------------------------

    def new_batch(self) -> None:
        from ..dialogs.batch_wizard import BatchWizard
        programme = self.programme_combo.currentData()
        wizard = BatchWizard(self, programme if programme not in (None, ONEOFF) else None)
        if programme == ONEOFF:
            wizard.choose_page.oneoff_radio.setChecked(True)
        if wizard.exec() and wizard.batch_id is not None:
            self._after_change(select=wizard.batch_id)

    def approve(self) -> None:
        batch = self.selected_batch()
        if batch is None:
            return
        from mzdesk.services.settings import get_setting
        reviewer = get_setting("reviewer")
        text = (f"审核“{batch.name}”？\n\n共 {batch.lines:,} 条，{batch.persons:,} 人，"
                f"合计 {money(batch.total)} 元\n（{to_capitals(batch.total, '人民币')}）\n\n"
                + (f"审核人：{reviewer}\n" if reviewer else "")
                + "审核后批次即锁定，不能再修改；如有差错须另建补发或扣回批次。")
        if not self.confirm("审核批次", text):
            return
        batches.approve(batch.id, reviewer or None)
        self._after_change(select=batch.id)

    def cancel_draft(self) -> None:
        batch = self.selected_batch()
        if batch is None:
            return
        reason, ok = QInputDialog.getText(self, "作废草稿",
                                          f"作废“{batch.name}”（记录保留，可重新生成该月批次）。\n"
                                          "请填写作废原因：")
        if not ok:
            return
        batches.cancel(batch.id, reason)
        self._after_change(select=batch.id)

    def mark_paid(self) -> None:
        batch = self.selected_batch()
        if batch is None:
            return
        paid_date = self.ask_paid_date(batch)
        if paid_date is None:
            return
        batches.mark_paid(batch.id, paid_date)
        self._after_change(select=batch.id)

    def ask_paid_date(self, batch: batches.BatchInfo) -> dt.date | None:
        dialog = QDialog(self)
        dialog.setWindowTitle("确认已发放")
        date_edit = QDateEdit(QDate.currentDate())
        date_edit.setCalendarPopup(True)
        date_edit.setDisplayFormat("yyyy-MM-dd")
        form = QFormLayout(dialog)
        form.addRow(QLabel(f"“{batch.name}”已由银行发放到账？\n合计 {money(batch.total)} 元，"
                           f"{batch.lines - batch.failed:,} 笔。"))
        form.addRow("发放日期", date_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确认已发放")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        form.addRow(buttons)
        if not dialog.exec():
            return None
        return date_edit.date().toPython()

    def supplement(self) -> None:
        batch = self.selected_batch()
        if batch is None:
            return
        if not self.confirm("生成补发批次",
                            f"为“{batch.name}”中银行退回的 {batch.failed} 条明细生成补发批次？\n"
                            "补发按保障对象当前的银行账号发放，生成后为草稿，需另行审核。"):
            return
        new = batches.supplement_failed(batch.id)
        self._after_change(select=new.id)

    def print_roster(self) -> None:
        batch = self.selected_batch()
        if batch is not None:
            from mzdesk.documents.roster import signature_roster
            self._print(f"正在排版“{batch.name}”签字花名册……",
                        lambda _progress, bid=batch.id: signature_roster(bid))

    def print_notice(self) -> None:
        batch = self.selected_batch()
        if batch is not None:
            from mzdesk.documents.notice import batch_notice
            self._print(f"正在排版“{batch.name}”公示名单……",
                        lambda _progress, bid=batch.id: batch_notice(bid))

    def _print(self, label: str, build) -> None:
        """Lay the document out in the background, then open the print preview."""
        self.run_task("打印", build, self.show_preview, label=label)

    def show_preview(self, document) -> None:
        from ..print_preview import preview_document
        preview_document(self, document)

    def export_bank_file(self) -> None:
        batch = self.selected_batch()
        if batch is None:
            return
        from ..dialogs.bank_export import BankExportDialog
        dialog = BankExportDialog(self, batch.id)
        dialog.exec()
        if dialog.result_info is not None:
            self._after_change(select=batch.id)

    def import_bank_return(self) -> None:
        batch = self.selected_batch()
        if batch is None:
            return
        from ..dialogs.bank_return import BankReturnDialog
        dialog = BankReturnDialog(self, batch.id)
        dialog.exec()
        if dialog.changed_anything:
            self._after_change(select=dialog.supplement_id or batch.id)

    def confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes
