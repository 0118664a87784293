"""The dialog shown when the database has no township yet.

Two ways on: create the clerk's own township (name and villages), or fill
the database with the demo township 茶店镇 to try the program.  Closing the
dialog (退出) leaves the database untouched and ends the program.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QLabel, QLineEdit,
    QPlainTextEdit, QPushButton, QVBoxLayout, QWidget,
)

from mzdesk.errors import DomainError

from .messages import describe
from .worker import Cancelled, TaskProgressDialog

ERROR_STYLE = "color: #c00000;"


def village_lines(text: str) -> list[str]:
    """The villages typed one per line; blank lines are ignored."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _build_demo(progress):
    from mzdesk.demo import build_demo  # imported lazily: optional heavy module
    return build_demo(progress=progress)


class FirstRunDialog(QDialog):
    # The work behind 打开演示乡镇; tests may swap in a smaller demo.
    demo_work = staticmethod(_build_demo)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("欢迎使用民政桌面")
        self.setMinimumWidth(560)
        self._progress: TaskProgressDialog | None = None

        intro = QLabel("这个数据库里还没有乡镇信息。请建立您所在的乡镇；"
                       "如果想先熟悉程序，可以打开演示乡镇。")
        intro.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self._create_group())
        layout.addWidget(self._demo_group())
        buttons = QDialogButtonBox()
        self.quit_button = buttons.addButton("退出", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.name_edit.setFocus()

    # --- layout ------------------------------------------------------------

    def _create_group(self) -> QGroupBox:
        group = QGroupBox("建立我的乡镇")
        form = QFormLayout(group)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("例如：茶店镇")
        self.villages_edit = QPlainTextEdit()
        self.villages_edit.setPlaceholderText("每行一个村或社区，例如：\n长丰村\n新华社区")
        self.villages_edit.setTabChangesFocus(True)
        self.villages_edit.setMinimumHeight(120)
        self.create_error = _error_label()
        self.create_button = QPushButton("建立我的乡镇")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.create_township)
        form.addRow("乡镇名称：", self.name_edit)
        form.addRow("村（社区）：", self.villages_edit)
        form.addRow("", self.create_error)
        form.addRow("", self.create_button)
        return group

    def _demo_group(self) -> QGroupBox:
        group = QGroupBox("演示乡镇")
        box = QVBoxLayout(group)
        note = QLabel("演示乡镇的人员和数字都是虚构的，用来练习和查看各项功能。"
                      "生成需要一点时间。正式使用时请另建一个数据库。")
        note.setWordWrap(True)
        self.demo_error = _error_label()
        self.demo_button = QPushButton("打开演示乡镇（茶店镇）")
        self.demo_button.setAutoDefault(False)
        self.demo_button.clicked.connect(self.open_demo)
        box.addWidget(note)
        box.addWidget(self.demo_error)
        box.addWidget(self.demo_button, 0, Qt.AlignmentFlag.AlignLeft)
        return group

    # --- actions -----------------------------------------------------------

    def create_township(self) -> None:
        from mzdesk.services import settings
        self._clear_errors()
        try:
            settings.init_township(self.name_edit.text(),
                                   village_lines(self.villages_edit.toPlainText()))
        except Exception as exc:  # noqa: BLE001 - every failure is shown in the dialog
            _show(self.create_error, describe(exc))
            if isinstance(exc, DomainError):
                self.name_edit.setFocus()
            return
        self.accept()

    def open_demo(self) -> None:
        self._clear_errors()
        self._set_busy(True)
        # build_demo writes in one transaction: a cancelled demo leaves nothing behind.
        self._progress = TaskProgressDialog(self, "打开演示乡镇", self.demo_work,
                                            cancellable=True, label="正在生成演示乡镇……")
        self._progress.succeeded.connect(self._demo_done)
        self._progress.failed.connect(self._demo_failed)
        self._progress.start()

    def is_busy(self) -> bool:
        return self._progress is not None

    def _demo_done(self, _result) -> None:
        self._end_progress()
        self.accept()

    def _demo_failed(self, error: BaseException) -> None:
        self._end_progress()
        if not isinstance(error, Cancelled):
            _show(self.demo_error, "演示乡镇没有建成：" + describe(error))

    def _end_progress(self) -> None:
        self._progress.deleteLater()
        self._progress = None
        self._set_busy(False)

    # --- state -------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.create_button, self.demo_button, self.quit_button,
                       self.name_edit, self.villages_edit):
            widget.setEnabled(not busy)

    def _clear_errors(self) -> None:
        for label in (self.create_error, self.demo_error):
            label.clear()
            label.hide()

    def reject(self) -> None:
        if not self.is_busy():  # the demo is being written: wait for it
            super().reject()

    def closeEvent(self, event) -> None:
        if self.is_busy():
            event.ignore()
        else:
            super().closeEvent(event)


def _error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def _show(label: QLabel, text: str) -> None:
    label.setText(text)
    label.show()
