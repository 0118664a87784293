"""导入银行回盘: read the bank's return file, register the failed lines, offer a 补发.

Reading writes nothing: the clerk sees which lines failed (with the bank's
reason) and which rows of the file could not be matched, then 确认登记
marks the failed lines 失败 (mzdesk.payments.bank.apply_return).  The
failed money can then be paid again through a 补发 batch.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QListWidget, QMessageBox,
                               QPushButton, QSplitter, QVBoxLayout, QWidget)

from mzdesk.payments import bank, batches

from ..messages import describe, error_label
from ..table_model import RowListModel, read_only_table

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
FILE_FILTER = "银行回盘文件 (*.xlsx *.xls *.xlsm *.ods *.csv *.txt);;所有文件 (*)"


class FailuresModel(RowListModel):
    HEADERS = ("姓名", "账号", "金额(元)", "银行退回原因")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        f: bank.ReturnFailure = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (f.name, f.account_masked, f"{f.amount:,.2f}", f.reason)[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return RIGHT
        return None


class BankReturnDialog(QDialog):
    """After exec(): `changed_anything` tells whether lines were marked (or a 补发 made),
    `supplement_id` is the 补发 batch made here, if any."""

    def __init__(self, parent: QWidget | None, batch_id: int):
        super().__init__(parent)
        self.batch_id = batch_id
        self.info = batches.info(batch_id)
        self.result: bank.ReturnResult | None = None
        self.changed_anything = False
        self.applied = 0  # lines newly marked 失败 by 确认登记
        self.registered = False  # 确认登记 was done
        self.supplement_id: int | None = None
        self._progress = None
        self.setWindowTitle("导入银行回盘")
        self.resize(820, 560)

        heading = QLabel(f"{self.info.name}（{self.info.lines:,} 条，合计 {self.info.total:,.2f} 元）")
        heading.setStyleSheet("font-weight: bold;")
        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        self.path_edit.setPlaceholderText("请选择银行返回的回盘文件（xlsx / xls / csv）")
        self.choose_button = QPushButton("选择回盘文件…")
        self.choose_button.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.choose_button)

        self.summary = QLabel("读取回盘文件后，这里列出发放失败的明细；确认后登记为“失败”。")
        self.summary.setWordWrap(True)
        self.failures_model = FailuresModel(self)
        self.failures_view = read_only_table(self.failures_model, row_height=22)
        self.failures_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, width in enumerate((90, 170, 100)):
            self.failures_view.setColumnWidth(col, width)
        self.unmatched_list = QListWidget()
        self.failures_box = QGroupBox("发放失败")
        QVBoxLayout(self.failures_box).addWidget(self.failures_view)
        self.unmatched_box = QGroupBox("未能核对的行")
        QVBoxLayout(self.unmatched_box).addWidget(self.unmatched_list)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.failures_box)
        splitter.addWidget(self.unmatched_box)
        splitter.setSizes([300, 120])

        self.error = error_label()
        self.apply_button = QPushButton("确认登记")
        self.apply_button.setToolTip("把上表中的明细登记为发放失败")
        self.apply_button.clicked.connect(self.apply)
        self.supplement_button = QPushButton("生成补发批次")
        self.supplement_button.setToolTip("为发放失败的明细生成补发草稿批次")
        self.supplement_button.clicked.connect(self.make_supplement)
        self.buttons = QDialogButtonBox()
        self.buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.supplement_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = self.buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        close.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(file_row)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._update_buttons()

    # --- reading -----------------------------------------------------------------

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择银行回盘文件", str(Path.home()), FILE_FILTER)
        if path:
            self.read_file(Path(path))

    def read_file(self, path: Path) -> None:
        """Read the file off the UI thread (reads only; nothing is written)."""
        from ..worker import TaskProgressDialog
        self._show_error("")
        self.path_edit.setText(str(path))
        self.result = None
        self.failures_model.set_rows([])
        self.unmatched_list.clear()
        batch_id = self.batch_id
        self._progress = TaskProgressDialog(self, "读取回盘文件",
                                            lambda _progress: bank.read_return_file(batch_id, path),
                                            label="正在读取回盘文件……")
        self._progress.succeeded.connect(self._read_done)
        self._progress.failed.connect(self._read_failed)
        self._update_buttons()
        self._progress.start()

    def _end_progress(self) -> None:
        self._progress.deleteLater()
        self._progress = None
        self._update_buttons()

    def _read_done(self, result: bank.ReturnResult) -> None:
        self._end_progress()
        self.show_result(result)

    def _read_failed(self, error: BaseException) -> None:
        self._end_progress()
        self.summary.setText("回盘文件没有读取成功。")
        self._show_error(describe(error))

    def show_result(self, result: bank.ReturnResult) -> None:
        self.result = result
        self.failures_model.set_rows(result.failed)
        self.unmatched_list.clear()
        self.unmatched_list.addItems(result.unmatched)
        failed_total = sum((f.amount for f in result.failed), 0)
        self.failures_box.setTitle(f"发放失败（{len(result.failed)} 笔，{failed_total:,.2f} 元）")
        self.unmatched_box.setTitle(f"未能核对的行（{len(result.unmatched)} 行）")
        text = (f"回盘文件共 {result.total_rows:,} 行：成功 {result.succeeded:,} 笔，"
                f"失败 {len(result.failed):,} 笔，未能核对 {len(result.unmatched):,} 行。")
        if result.unmatched:
            text += "未能核对的行不会登记，请与银行核实。"
        if not result.failed:
            text += "没有需要登记的失败明细。"
        self.summary.setText(text)
        self._update_buttons()

    # --- writing -----------------------------------------------------------------

    def apply(self) -> None:
        if self.result is None or not self.result.failed:
            return
        self._show_error("")
        try:
            self.applied = bank.apply_return(self.batch_id, self.result)
        except Exception as exc:  # noqa: BLE001 - shown in the dialog, which stays open
            self._show_error(describe(exc))
            return
        self.registered = self.changed_anything = True
        self.info = batches.info(self.batch_id)
        self.summary.setText(f"已登记 {self.applied} 笔发放失败。"
                             + ("可点“生成补发批次”为其补发。" if self._can_supplement() else ""))
        self._update_buttons()

    def make_supplement(self) -> None:
        self._show_error("")
        try:
            new = batches.supplement_failed(self.batch_id)
        except Exception as exc:  # noqa: BLE001
            self._show_error(describe(exc))
            return
        self.changed_anything = True
        self.supplement_id = new.id
        QMessageBox.information(self, "生成补发批次",
                                f"已生成补发批次“{new.name}”（草稿），请核对后审核。")
        self.accept()

    def _can_supplement(self) -> bool:
        return (self.info.failed > 0 and self.info.programme is not None
                and self.supplement_id is None)

    def _update_buttons(self) -> None:
        idle = self._progress is None
        self.choose_button.setEnabled(idle and not self.registered)
        self.apply_button.setEnabled(idle and self.result is not None and bool(self.result.failed)
                                     and not self.registered)
        self.supplement_button.setEnabled(idle and self.registered and self._can_supplement())

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def reject(self) -> None:
        if self._progress is None:
            super().reject()
