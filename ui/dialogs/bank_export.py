"""导出银行文件: a batch's 代发 file, in the bank's template, to a folder the clerk picks.

Removable drives come first in the list of folders, since the file usually
goes to the bank on a USB stick; the file is written whole or not at all
(mzdesk.files.atomic_path), so a stick pulled out mid-write leaves no half
file.  管理模板… opens the template editor (ui.dialogs.bank_templates).
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QStorageInfo, Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QMessageBox, QPushButton, QVBoxLayout, QWidget)

from mzdesk.payments import bank, batches

from ..messages import describe, error_label
from ..prefs import qsettings

FOLDER_KEY = "bank_export/folder"
PATH_ROLE = Qt.ItemDataRole.UserRole
# Where desktop Linux mounts USB sticks (udisks: /media/$USER, /run/media/$USER; by hand: /mnt).
LINUX_REMOVABLE_ROOTS = ("/media/", "/run/media/", "/mnt/")
DRIVE_REMOVABLE = 2  # GetDriveTypeW


# --- where the file can go --------------------------------------------------------------

@dataclass(frozen=True)
class Volume:
    """What the folder list needs of a mounted volume (from QStorageInfo)."""

    root: str
    name: str = ""
    ready: bool = True
    read_only: bool = False
    is_root: bool = False  # the system's own root volume
    free_bytes: int = -1


@dataclass(frozen=True)
class Destination:
    path: Path
    label: str
    removable: bool = False


def mounted_volumes() -> list[Volume]:
    return [Volume(v.rootPath(), v.displayName() if v.name() else "", v.isReady(), v.isReadOnly(),
                   v.isRoot(), v.bytesAvailable())
            for v in QStorageInfo.mountedVolumes()]


def _windows_removable(root: str) -> bool:
    try:
        import ctypes
        return ctypes.windll.kernel32.GetDriveTypeW(root) == DRIVE_REMOVABLE
    except Exception:  # noqa: BLE001 - not on Windows, or no answer: not removable
        return False


def is_removable(root: str, platform: str = sys.platform) -> bool:
    """Whether a volume looks like a USB stick or card (by its mount point or drive type)."""
    if platform == "win32":
        return _windows_removable(root)
    if platform == "darwin":
        return root.startswith("/Volumes/")
    return root.startswith(LINUX_REMOVABLE_ROOTS)


def volume_destinations(volumes: list[Volume], platform: str = sys.platform) -> list[Destination]:
    """The writable volumes worth offering, removable ones first; never the system root.

    On Linux and macOS only removable mounts are offered (the rest are system
    mounts); on Windows the other drives follow the removable ones.
    """
    removable, other = [], []
    for v in volumes:
        if not v.ready or v.read_only or v.is_root or not v.root:
            continue
        drive = platform == "win32"
        if drive and os.environ.get("SystemDrive", "C:").upper() == v.root[:2].upper():
            continue
        flag = is_removable(v.root, platform)
        if not flag and not drive:
            continue
        free = f"，剩余 {v.free_bytes / 1024 ** 3:.1f} GB" if v.free_bytes >= 0 else ""
        name = v.name or Path(v.root).name or v.root
        label = f"{name}（{'可移动磁盘' if flag else '磁盘'}{free}）  {v.root}"
        (removable if flag else other).append(Destination(Path(v.root), label, flag))
    return removable + other


def destinations(volumes: list[Volume] | None = None) -> list[Destination]:
    """Removable drives, then the last folder used, the desktop and the documents folder."""
    out = volume_destinations(mounted_volumes() if volumes is None else volumes)
    last = qsettings().value(FOLDER_KEY)
    places = [(last, "上次使用的文件夹")] if last else []
    places += [(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DesktopLocation), "桌面"),
               (QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation), "文档")]
    seen = {d.path for d in out}
    for path, label in places:
        if path and Path(path).is_dir() and Path(path) not in seen:
            seen.add(Path(path))
            out.append(Destination(Path(path), f"{label}  {path}"))
    return out


# --- the dialog -------------------------------------------------------------------------

class FolderList(QListWidget):
    """Where to save a file for the office: removable drives first, then the
    usual folders; a folder the clerk picks elsewhere is added and selected."""

    def __init__(self, choose_title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.choose_title = choose_title

    def load(self, extra: tuple[str, Path] | None = None) -> None:
        """The offered folders; `extra` (label, path), e.g. the folder used last
        time, goes right after the removable drives."""
        self.clear()
        offered = destinations()
        for d in offered:
            item = QListWidgetItem(d.label)
            item.setData(PATH_ROLE, str(d.path))
            if d.removable:
                item.setToolTip("可移动磁盘（U盘）")
            self.addItem(item)
        if extra is not None and self.row_of(extra[1]) < 0:
            item = QListWidgetItem(extra[0])
            item.setData(PATH_ROLE, str(Path(extra[1])))
            self.insertItem(sum(1 for d in offered if d.removable), item)
        if self.count():
            self.setCurrentRow(0)

    def row_of(self, path: Path | str) -> int:
        path = str(Path(path))
        for row in range(self.count()):
            if self.item(row).data(PATH_ROLE) == path:
                return row
        return -1

    def set_folder(self, path: Path | str) -> None:
        """Select `path` in the list, adding it when it is not there."""
        row = self.row_of(path)
        if row < 0:
            item = QListWidgetItem(str(Path(path)))
            item.setData(PATH_ROLE, str(Path(path)))
            self.addItem(item)
            row = self.count() - 1
        self.setCurrentRow(row)

    def folder(self) -> Path | None:
        item = self.currentItem()
        return Path(item.data(PATH_ROLE)) if item is not None else None

    def choose(self) -> None:
        start = str(self.folder() or Path.home())
        path = QFileDialog.getExistingDirectory(self, self.choose_title, start)
        if path:
            self.set_folder(path)


class BankExportDialog(QDialog):
    """After exec(), `result_info` is the ExportResult when a file was written."""

    def __init__(self, parent: QWidget | None, batch_id: int):
        super().__init__(parent)
        self.batch_id = batch_id
        self.info = batches.info(batch_id)
        self.result_info: bank.ExportResult | None = None
        self._progress = None
        self._suggested = ""
        self.setWindowTitle("导出银行文件")
        self.resize(700, 480)

        heading = QLabel(f"{self.info.name}：{self.info.lines - self.info.failed:,} 笔，"
                         f"合计 {self.info.total:,.2f} 元")
        heading.setStyleSheet("font-weight: bold;")
        self.template_combo = QComboBox()
        self.template_combo.setMinimumWidth(220)
        self.manage_button = QPushButton("管理模板…")
        self.manage_button.setToolTip("查看、复制或修改银行模板（列的顺序、表头）")
        self.manage_button.clicked.connect(self.manage_templates)
        self.columns_label = QLabel()
        self.columns_label.setWordWrap(True)
        self.columns_label.setStyleSheet("color: #707070;")
        template_row = QHBoxLayout()
        template_row.addWidget(self.template_combo, 1)
        template_row.addWidget(self.manage_button)

        self.folder_list = FolderList("选择保存银行文件的文件夹")
        self.other_button = QPushButton("选择其他文件夹…")
        self.other_button.clicked.connect(self.choose_folder)
        self.file_edit = QLineEdit()
        self.target_label = QLabel()
        self.target_label.setWordWrap(True)
        self.error = error_label()

        form = QFormLayout()
        form.addRow("银行模板", template_row)
        form.addRow("", self.columns_label)
        form.addRow("保存到", self.folder_list)
        form.addRow("", self.other_button)
        form.addRow("文件名", self.file_edit)
        form.addRow("", self.target_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.export_button.setText("导出")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.load_templates(bank.last_template_name())
        self.template_combo.currentIndexChanged.connect(lambda _: self._template_changed())
        self.folder_list.currentItemChanged.connect(lambda *_: self._update_target())
        self.file_edit.textChanged.connect(lambda _: self._update_target())
        self.load_folders()
        self._template_changed()

    # --- template --------------------------------------------------------------

    def load_templates(self, select: str | None = None) -> None:
        self.template_combo.blockSignals(True)
        self.template_combo.clear()
        for t in bank.templates():
            self.template_combo.addItem(t.name + ("（内置）" if t.builtin else ""), t.name)
        self.template_combo.setCurrentIndex(max(self.template_combo.findData(select), 0))
        self.template_combo.blockSignals(False)

    def template_name(self) -> str:
        return self.template_combo.currentData()

    def _template_changed(self) -> None:
        try:
            t = bank.template(self.template_name())
            self.columns_label.setText("列：" + "、".join(c.header for c in t.columns))
            suggested = bank.suggested_file_name(self.batch_id, t.name)
        except Exception as exc:  # noqa: BLE001
            self._show_error(describe(exc))
            return
        if not self.file_edit.text() or self.file_edit.text() == self._suggested:
            self.file_edit.setText(suggested)
        self._suggested = suggested

    def manage_templates(self) -> None:
        from .bank_templates import TemplateEditor
        editor = TemplateEditor(self, self.template_name())
        editor.exec()
        self.load_templates(editor.current_name or self.template_name())
        self._template_changed()

    # --- folder ----------------------------------------------------------------

    def load_folders(self) -> None:
        self.folder_list.load()

    def set_folder(self, path: Path | str) -> None:
        self.folder_list.set_folder(path)

    def folder(self) -> Path | None:
        return self.folder_list.folder()

    def choose_folder(self) -> None:
        self.folder_list.choose()

    def target(self) -> Path | None:
        folder, name = self.folder(), self.file_edit.text().strip()
        if folder is None or not name:
            return None
        return folder / (name if name.lower().endswith(".xlsx") else name + ".xlsx")

    def _update_target(self) -> None:
        target = self.target()
        self.target_label.setText(f"将保存为：{target}" if target else "请选择文件夹并填写文件名")
        self.export_button.setEnabled(target is not None and self._progress is None)

    # --- export ----------------------------------------------------------------

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def export(self) -> None:
        from ..worker import Cancelled, TaskProgressDialog
        self._show_error("")
        target = self.target()
        if target is None:
            self._show_error("请选择文件夹并填写文件名")
            return
        if target.exists() and QMessageBox.question(
                self, "导出银行文件", f"“{target.name}”已存在，要替换它吗？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
            return
        batch_id, template_name = self.batch_id, self.template_name()

        def work(progress):
            return bank.export_bank_file(batch_id, target, template_name, progress=progress)

        def done(result) -> None:
            self._end_progress()
            self.result_info = result
            qsettings().setValue(FOLDER_KEY, str(target.parent))
            QMessageBox.information(self, "导出银行文件", self.done_text(result))
            self.accept()

        def failed(error) -> None:
            self._end_progress()
            if not isinstance(error, Cancelled):
                self._show_error(describe(error))

        self._progress = TaskProgressDialog(self, "导出银行文件", work, cancellable=True,
                                            label="正在写入银行文件……")
        self._progress.succeeded.connect(done)
        self._progress.failed.connect(failed)
        self._update_target()
        self._progress.start()

    @staticmethod
    def done_text(result: bank.ExportResult) -> str:
        return f"已导出 {result.lines:,} 笔，合计 {result.total:,.2f} 元\n\n文件：{result.path}"

    def _end_progress(self) -> None:
        self._progress.deleteLater()
        self._progress = None
        self._update_target()

    def is_busy(self) -> bool:
        return self._progress is not None

    def reject(self) -> None:
        if not self.is_busy():
            super().reject()
