"""报送区局（U盘）: the month's package for the district, written to a folder the clerk picks.

Month, an optional password (typed twice, hidden), and the folder: removable
drives first, from the same list as 导出银行文件 (ui.dialogs.bank_export).
The package is made by mzdesk.district.export_package in a progress dialog
off the UI thread; it appears whole or not at all, so a stick pulled out
mid-write leaves no half package, only the message saying why.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

# QFileDialog is used through FolderList; tests patch it here.
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog,  # noqa: F401
                               QFormLayout, QLabel, QLineEdit, QMessageBox, QPushButton,
                               QVBoxLayout, QWidget)

from mzdesk.district import PackageResult, export_package, package_name
from mzdesk.district.encryption import check_password
from mzdesk.errors import DomainError
from mzdesk.figures import last_paid_month, months_ending
from mzdesk.services.common import month as norm_month
from mzdesk.services.settings import township_name

from ..messages import describe, error_label
from ..prefs import qsettings
from .bank_export import FolderList

TITLE = "报送区局（U盘）"
FOLDER_KEY = "district_export/folder"
MONTHS_OFFERED = 24


class DistrictExportDialog(QDialog):
    """After exec(), `result_info` is the PackageResult when a package was written."""

    def __init__(self, parent: QWidget | None = None, today: dt.date | None = None):
        super().__init__(parent)
        self.result_info: PackageResult | None = None
        self._progress = None
        self.township = township_name()
        self.setWindowTitle(TITLE)
        self.resize(700, 520)

        heading = QLabel(f"{self.township or '（尚未设置乡镇）'}：民政月报、各项目花名册和校验清单")
        heading.setStyleSheet("font-weight: bold;")
        self.month_combo = QComboBox()
        current = norm_month(today or dt.date.today())
        last = max(current, last_paid_month() or current)
        for month in reversed(months_ending(last, MONTHS_OFFERED)):
            self.month_combo.addItem(f"{int(month[:4])}年{int(month[5:])}月", month)
        # The month just paid is what the district usually asks for.
        self.month_combo.setCurrentIndex(max(self.month_combo.findData(last_paid_month() or current), 0))

        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("不加密请留空")
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_edit.setPlaceholderText("再次输入密码")
        hint = QLabel("设置密码后，每个 Excel 文件都要输入密码才能打开（Excel、WPS 均可）；"
                      "密码请另行告知区局，不要写在U盘上。")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #707070;")

        self.folder_list = FolderList("选择保存报送包的文件夹（如U盘）")
        self.other_button = QPushButton("选择其他文件夹…")
        self.other_button.clicked.connect(self.choose_folder)
        self.target_label = QLabel()
        self.target_label.setWordWrap(True)
        self.error = error_label()

        form = QFormLayout()
        form.addRow("报送月份", self.month_combo)
        form.addRow("密码（可选）", self.password_edit)
        form.addRow("确认密码", self.confirm_edit)
        form.addRow("", hint)
        form.addRow("保存到", self.folder_list)
        form.addRow("", self.other_button)
        form.addRow("", self.target_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.export_button.setText("生成报送包")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.month_combo.currentIndexChanged.connect(lambda _: self._update_target())
        self.folder_list.currentItemChanged.connect(lambda *_: self._update_target())
        self.load_folders()

    # --- choices ---------------------------------------------------------------

    def month(self) -> str:
        return self.month_combo.currentData()

    def set_month(self, month: str) -> None:
        index = self.month_combo.findData(norm_month(month))
        if index < 0:
            raise ValueError(f"month not offered: {month}")
        self.month_combo.setCurrentIndex(index)

    def load_folders(self) -> None:
        last = qsettings().value(FOLDER_KEY)
        extra = (f"上次报送的文件夹  {last}", Path(last)) if last and Path(last).is_dir() else None
        self.folder_list.load(extra)
        self._update_target()

    def set_folder(self, path: Path | str) -> None:
        self.folder_list.set_folder(path)

    def folder(self) -> Path | None:
        return self.folder_list.folder()

    def choose_folder(self) -> None:
        self.folder_list.choose()

    def target(self) -> Path | None:
        folder = self.folder()
        if folder is None or not self.township:
            return None
        return folder / package_name(self.township, self.month())

    def _update_target(self) -> None:
        target = self.target()
        if not self.township:
            text = "请先在“设置”中填写乡镇名称"
        else:
            text = f"将保存为文件夹：{target}" if target else "请选择保存的文件夹"
        self.target_label.setText(text)
        self.export_button.setEnabled(target is not None and self._progress is None)

    def password(self) -> str | None:
        """The password to encrypt with, None for none; raises when the two differ."""
        first, second = self.password_edit.text(), self.confirm_edit.text()
        if not first and not second:
            return None
        if first != second:
            raise ValueError("两次输入的密码不一致")
        return check_password(first)

    # --- export ----------------------------------------------------------------

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def export(self) -> None:
        from ..worker import Cancelled, TaskProgressDialog
        self._show_error("")
        target = self.target()
        if target is None:
            self._show_error("请选择保存的文件夹")
            return
        try:
            password = self.password()
        except (ValueError, DomainError) as exc:  # the two differ, or too short
            self._show_error(str(exc))
            return
        overwrite = False
        if target.exists():
            if QMessageBox.question(
                    self, TITLE, f"“{target.name}”已存在，要用新生成的报送包替换它吗？",
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                    QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
                return
            overwrite = True
        folder, month = target.parent, self.month()

        def work(progress):
            return export_package(folder, month=month, password=password, overwrite=overwrite,
                                  progress=progress)

        def done(result: PackageResult) -> None:
            self._end_progress()
            self.result_info = result
            qsettings().setValue(FOLDER_KEY, str(folder))
            QMessageBox.information(self, TITLE, self.done_text(result))
            self.accept()

        def failed(error) -> None:
            self._end_progress()
            if not isinstance(error, Cancelled):
                self._show_error(describe(error))

        self._progress = TaskProgressDialog(self, TITLE, work, cancellable=True,
                                            label="正在生成报送包……")
        self._progress.succeeded.connect(done)
        self._progress.failed.connect(failed)
        self._update_target()
        self._progress.start()

    @staticmethod
    def done_text(result: PackageResult) -> str:
        lock = "，已加密" if result.manifest.get("encrypted") else ""
        return (f"已生成报送包（{len(result.files)} 个 Excel 文件和校验清单{lock}）\n\n"
                f"文件夹：{result.path}\n\n如保存在U盘上，请先“安全弹出”再拔出U盘。")

    def _end_progress(self) -> None:
        self._progress.deleteLater()
        self._progress = None
        self._update_target()

    def is_busy(self) -> bool:
        return self._progress is not None

    def reject(self) -> None:
        if not self.is_busy():
            super().reject()
