"""导入台账（Excel/WPS）: the import wizard, and 导出导入模板.

The wizard (pages in ui.dialogs.import_pages) walks the clerk from a file to
rows in the database through mzdesk.importing.importer: detect the header and
the columns, let the clerk correct the mapping (remembered per KIND and set of
headers in the preferences, offered the next time the same kind of sheet
comes in), check the whole file with a dry run, and import only after a check
found no problem. The import is one transaction: a refusal or a cancel leaves
the database as it was. Every step that reads or writes a file runs off the
UI thread (ui.worker); `imported` is emitted once rows were written.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QLabel, QMessageBox, QVBoxLayout, QWidget, QWizard)

from mzdesk.importing import importer
from mzdesk.importing.cells import header_key
from mzdesk.importing.importer import ImportResult, Mapping
from mzdesk.importing.kinds import KINDS, Kind
from mzdesk.importing.reader import Table, sheet_names

from ..messages import describe
from ..prefs import qsettings
from .import_pages import (KIND_LABELS, ChoosePage, DryRunPage, MappingPage, OptionsPage,
                           ResultPage, hint_label, kind_label, show_text)

TITLE = "导入台账"
FILE_FILTER = "表格文件 (*.xlsx *.xlsm *.xls *.ods *.csv);;所有文件 (*)"
FOLDER_KEY = "import/folder"
KIND_KEY = "import/kind"
MAPPING_KEY = "import/mapping"


# --- the mapping remembered per KIND and set of headers ------------------------------


def _headers_digest(headers) -> str:
    keys = sorted({header_key(h) for h in headers if h})
    return hashlib.sha1("\x1f".join(keys).encode("utf-8")).hexdigest()[:16]


def remembered_columns(kind: str, headers: list[str]) -> dict[str, str] | None:
    """The columns the clerk chose last time for a sheet of this KIND with these headers."""
    stored = qsettings().value(f"{MAPPING_KEY}/{kind}/{_headers_digest(headers)}")
    if not stored:
        return None
    try:
        saved = json.loads(stored)
    except (TypeError, ValueError):
        return None
    by_key = {header_key(h): h for h in headers}
    spec = KINDS[kind]
    columns = {}
    for field, header in saved.items():
        found = by_key.get(header_key(header)) if header else None
        if spec.field(field) is not None and found:
            columns[field] = found
    return columns


def remember_columns(kind: str, headers: list[str], columns: dict[str, str]) -> None:
    prefs = qsettings()
    prefs.setValue(f"{MAPPING_KEY}/{kind}/{_headers_digest(headers)}",
                   json.dumps(columns, ensure_ascii=False))
    prefs.sync()


def _start_folder() -> str:
    folder = qsettings().value(FOLDER_KEY)
    return folder if folder and Path(folder).is_dir() else str(Path.home())


# --- the wizard ----------------------------------------------------------------------


class ImportWizard(QWizard):
    """导入台账.  After exec(), `result_info` is the ImportResult when rows were written."""

    imported = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("导入台账（Excel/WPS）")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, "下一步 >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< 上一步")
        self.setButtonText(QWizard.WizardButton.FinishButton, "完成")
        self.setButtonText(QWizard.WizardButton.CancelButton, "取消")
        self.table: Table | None = None
        self.table_kind = ""   # the KIND the table was read for (its header variants)
        self.auto_columns: dict[str, str] = {}
        self.mapping_columns: dict[str, str] = {}
        self.mapping_from_memory = False
        self.dry_result: ImportResult | None = None
        self.result_info: ImportResult | None = None
        self.unknown_villages: list[str] = []
        self._progress = None          # the TaskProgressDialog of the running step
        self._sheet_task = None        # the Task reading the sheet names
        self._detected = False

        self.choose_page = ChoosePage()
        self.mapping_page = MappingPage()
        self.options_page = OptionsPage()
        self.dry_run_page = DryRunPage()
        self.result_page = ResultPage()
        for page in (self.choose_page, self.mapping_page, self.options_page, self.dry_run_page,
                     self.result_page):
            self.addPage(page)
        last_kind = qsettings().value(KIND_KEY)
        if last_kind in KINDS:
            self.choose_page.set_kind(last_kind)
        self.choose_page.browse_button.clicked.connect(self.browse)
        self.choose_page.path_edit.editingFinished.connect(self._path_edited)
        self.dry_run_page.rerun_button.clicked.connect(self.start_dry_run)
        self.dry_run_page.create_button.clicked.connect(self._create_villages_and_rerun)
        self.dry_run_page.report_button.clicked.connect(lambda: self.save_report(self.dry_result))
        self.result_page.report_button.clicked.connect(lambda: self.save_report(self.result_info))
        # Fits a 1366×768 screen with a task bar and the window frame.
        self.resize(1100, 660)

    # --- state ---------------------------------------------------------------------

    def kind(self) -> str:
        return self.choose_page.kind()

    def kind_spec(self) -> Kind:
        return KINDS[self.kind()]

    def path(self) -> Path:
        return Path(self.choose_page.path_edit.text().strip())

    def is_busy(self) -> bool:
        return self._progress is not None or self._sheet_task is not None

    def _busy_changed(self) -> None:
        for page in (self.choose_page, self.dry_run_page):
            page.completeChanged.emit()
        self.dry_run_page.rerun_button.setEnabled(self._progress is None)

    def _run(self, title: str, label: str, work, done, failed, *, cancellable: bool = False) -> None:
        """`work(progress)` in a progress dialog off the UI thread; done/failed in the UI thread."""
        from ..worker import TaskProgressDialog
        progress = TaskProgressDialog(self, title, work, cancellable=cancellable, label=label)

        def end():
            progress.deleteLater()
            self._progress = None
            self._busy_changed()

        progress.succeeded.connect(lambda value: (end(), done(value)))
        progress.failed.connect(lambda error: (end(), failed(error)))
        self._progress = progress
        self._busy_changed()
        progress.start()

    # --- 1 the file and its sheets ---------------------------------------------------

    def browse(self) -> None:
        current = self.choose_page.path_edit.text().strip()
        start = str(Path(current).parent) if current else _start_folder()
        path, _ = QFileDialog.getOpenFileName(self, "选择要导入的表格", start, FILE_FILTER)
        if path:
            self.choose_page.path_edit.setText(path)
            self.load_sheets()

    def _path_edited(self) -> None:
        if self.choose_page.path_edit.text().strip() and self._sheet_task is None:
            self.load_sheets()

    def load_sheets(self) -> None:
        """Read the workbook's sheet names in the background."""
        from ..worker import Task
        page = self.choose_page
        path = self.path()
        show_text(page.error, "")
        page.set_sheets([])
        page.sheet_hint.setText("正在读取工作表……")
        task = Task(lambda _progress: sheet_names(path), self)

        def end():
            task.deleteLater()
            if self._sheet_task is task:   # not a newer file's task
                self._sheet_task = None
            self._busy_changed()

        def done(names):
            end()
            if path == self.path():
                page.set_sheets(names)

        def failed(error):
            end()
            page.sheet_hint.setText("")
            show_text(page.error, describe(error))

        task.succeeded.connect(done)
        task.failed.connect(failed)
        self._sheet_task = task
        self._busy_changed()
        task.start()

    def detect_done(self) -> bool:
        """ChoosePage's 下一步: read the table, then move on (False until it is read)."""
        if self._detected:
            self._detected = False
            return True
        page = self.choose_page
        show_text(page.error, "")
        path, kind, sheet = self.path(), self.kind(), page.sheet()
        if not path.is_file():
            show_text(page.error, f"找不到文件：{path}")
            return False

        def done(found):
            table, mapping = found
            self.table, self.table_kind = table, kind
            self.auto_columns = dict(mapping.columns)
            memory = remembered_columns(kind, table.headers)
            self.mapping_from_memory = bool(memory) and memory != self.auto_columns
            self.mapping_columns = memory if memory else dict(self.auto_columns)
            self.dry_result = None
            self.unknown_villages = []
            prefs = qsettings()
            prefs.setValue(FOLDER_KEY, str(path.parent))
            prefs.setValue(KIND_KEY, kind)
            self._detected = True
            self.next()

        self._run(TITLE, f"正在读取“{path.name}”……", lambda _p: importer.detect(kind, path, sheet),
                  done, lambda error: show_text(page.error, describe(error)))
        return False

    # --- 2 the mapping -----------------------------------------------------------------

    def use_columns(self, columns: dict[str, str]) -> None:
        self.mapping_columns = dict(columns)
        remember_columns(self.kind(), self.table.headers, self.mapping_columns)

    # --- 4 dry run and import ------------------------------------------------------------

    def _import_work(self, dry_run: bool):
        kind, path, sheet = self.kind(), self.path(), self.table.sheet
        # the table read for the preview, unless the file was saved since (run_import checks)
        table = self.table if self.table_kind == kind else None
        mapping = Mapping(dict(self.mapping_columns))
        create = self.options_page.create_villages.isChecked()
        mode = self.options_page.on_duplicate()

        def work(progress):
            return importer.run_import(kind, path, sheet=sheet, mapping=mapping, dry_run=dry_run,
                                       create_villages=create, on_duplicate=mode, progress=progress,
                                       table=table)
        return work

    def start_dry_run(self) -> None:
        from ..worker import Cancelled
        page = self.dry_run_page
        if self.is_busy():
            return
        self.dry_result = None
        page.show_result(None)

        def done(result: ImportResult):
            self.dry_result = result
            if result.unknown_villages:
                self.unknown_villages = list(result.unknown_villages)
                self.options_page.show_unknown(self.unknown_villages)
            page.show_result(result)

        def failed(error):
            page.show_result(None, "已取消试导入。" if isinstance(error, Cancelled) else describe(error))
            page.summary.setText("试导入没有完成")

        self._run("试导入", "正在检查……", self._import_work(True), done, failed, cancellable=True)

    def _create_villages_and_rerun(self) -> None:
        self.options_page.create_villages.setChecked(True)
        self.start_dry_run()

    def import_done(self) -> bool:
        """DryRunPage's 导入: write in the background, then move on (False until written)."""
        if self.result_info is not None:
            return True
        from ..worker import Cancelled
        page = self.dry_run_page

        def done(result: ImportResult):
            if result.written:
                self.result_info = result
                self.imported.emit(result)
                self.next()
            else:   # the registry changed since the dry run
                self.dry_result = result
                page.show_result(result, "导入时发现问题，没有写入任何数据。")

        def failed(error):
            if isinstance(error, Cancelled):
                show_text(page.error, "已取消导入，没有写入任何数据。")
            else:
                show_text(page.error, describe(error))

        self._run("导入", "正在导入……", self._import_work(False), done, failed, cancellable=True)
        return False

    # --- the report ------------------------------------------------------------------------

    def save_report(self, result: ImportResult | None) -> None:
        if result is None or self.is_busy():
            return
        source = self.path()
        suffix = "问题清单" if result.problems or not result.written else "导入报告"
        default = str(source.with_name(f"{source.stem}-{suffix}.xlsx"))
        path, _ = QFileDialog.getSaveFileName(self, "保存问题报告", default, "Excel 工作簿 (*.xlsx)")
        if not path:
            return
        target = Path(path) if path.lower().endswith(".xlsx") else Path(path + ".xlsx")

        def done(written):
            QMessageBox.information(self, TITLE, f"已保存报告：{written}")

        self._run("保存问题报告", "正在保存……", lambda _p: importer.write_report(result, target),
                  done, lambda error: QMessageBox.warning(self, TITLE, describe(error)))

    def reject(self) -> None:
        if not self.is_busy():
            super().reject()


# --- 导出导入模板 ---------------------------------------------------------------------


class TemplateDialog(QDialog):
    """Choose a KIND and save its import template.  `saved` is the path written."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("导出导入模板")
        self.saved: Path | None = None
        self._progress = None
        self.kind_combo = QComboBox()
        for code in KIND_LABELS:
            self.kind_combo.addItem(kind_label(code), code)
        last_kind = qsettings().value(KIND_KEY)
        if last_kind in KINDS:
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(last_kind))
        self.about = hint_label()
        self.kind_combo.currentIndexChanged.connect(lambda _: self._show_about())
        form = QFormLayout()
        form.addRow("导入内容", self.kind_combo)
        form.addRow("", self.about)
        note = QLabel("模板的表头就是导入时识别的列名（红色为必填），每个表头都有填写说明，"
                      "固定选项有下拉列表，身份证号和账号列已设为文本格式。")
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Close)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("保存模板…")
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(520, 240)
        self._show_about()

    def _show_about(self) -> None:
        self.about.setText(KINDS[self.kind_combo.currentData()].about)

    def kind(self) -> str:
        return self.kind_combo.currentData()

    def set_kind(self, code: str) -> None:
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(code))

    def is_busy(self) -> bool:
        return self._progress is not None

    def save(self) -> None:
        from ..worker import TaskProgressDialog
        if self.is_busy():
            return
        kind = self.kind()
        default = str(Path(_start_folder()) / f"{kind_label(kind)}导入模板.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, "保存导入模板", default, "Excel 工作簿 (*.xlsx)")
        if not path:
            return
        target = Path(path) if path.lower().endswith(".xlsx") else Path(path + ".xlsx")
        progress = TaskProgressDialog(self, "导出导入模板", lambda _p: importer.write_template(kind, target),
                                      label="正在生成模板……")

        def end():
            progress.deleteLater()
            self._progress = None
            self.save_button.setEnabled(True)

        def done(written):
            end()
            self.saved = Path(written)
            prefs = qsettings()
            prefs.setValue(FOLDER_KEY, str(self.saved.parent))
            prefs.setValue(KIND_KEY, kind)
            QMessageBox.information(self, "导出导入模板", f"已保存“{kind_label(kind)}”导入模板：\n{written}")
            self.accept()

        def failed(error):
            end()
            QMessageBox.warning(self, "导出导入模板", describe(error))

        progress.succeeded.connect(done)
        progress.failed.connect(failed)
        self._progress = progress
        self.save_button.setEnabled(False)
        progress.start()

    def reject(self) -> None:
        if not self.is_busy():
            super().reject()
