"""区局汇总（载入乡镇报送包）: the district side of the USB package, without the command line.

The district office runs the same program on its own database.  The clerk
picks a folder: a package itself (`民政报送_<乡镇>_<YYYY-MM>`), or a folder
holding packages (the root of a USB stick), and every package in it is
verified and loaded by mzdesk.district.intake.add_packages off the UI thread.
Each package's outcome is shown in the dialog: loaded, or refused with the
service's reason (a refused package writes nothing; the service sees to it).

Below, a month (months that have packages, newest first), the packages in
force for it, the 汇总 figures of report_rows(month), and 导出汇总表… which
writes district_report(month, path).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFileDialog, QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QTableView, QVBoxLayout, QWidget)

from mzdesk.district.figures_sheet import TOTAL_NAME
from mzdesk.district.intake import (AddResult, ReportRow, add_packages, district_report,
                                    loaded_packages, report_rows, without_changes)
from mzdesk.district.package import MANIFEST, PREFIX

from ..messages import describe, error_label, show_text
from ..prefs import qsettings
from ..table_model import RowListModel, read_only_table

TITLE = "区局汇总（载入乡镇报送包）"
FOLDER_KEY = "district_intake/folder"
REPORT_FOLDER_KEY = "district_intake/report_folder"
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def is_package(folder: Path) -> bool:
    """A package folder by its name or by its manifest (a renamed copy still counts)."""
    return folder.name.startswith(f"{PREFIX}_") or (folder / MANIFEST).is_file()


def package_folders(folder: Path) -> list[Path]:
    """The packages a chosen folder stands for: itself, or the package folders inside it."""
    folder = Path(folder)
    if is_package(folder):
        return [folder]
    return sorted((child for child in folder.iterdir() if child.is_dir() and is_package(child)),
                  key=lambda p: p.name)


def month_label(month: str) -> str:
    return f"{int(month[:4])}年{int(month[5:])}月"


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else str(value or "")


def _count(value) -> str:
    return "" if value is None else str(value)


def _money(value) -> str:
    return "" if value is None else f"{value:,.2f}"


class PackagesModel(RowListModel):
    """The packages in force for a month (LoadedPackage rows)."""

    HEADERS = ("乡镇", "区(县)", "月份", "制作时间", "载入时间", "文件数", "是否加密")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        p = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            values = (p.township, p.district, p.month, _when(p.created_at), _when(p.loaded_at),
                      str(p.files), "是" if p.encrypted else "否")
            if role == Qt.ItemDataRole.ToolTipRole and index.column() == 0:
                return p.source  # the package folder it came from
            return values[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 5:
            return RIGHT
        return None


class FiguresModel(RowListModel):
    """The 汇总 rows of a month (ReportRow): a row per township and programme, then 合计."""

    HEADERS = ("乡镇", "项目", "户数", "人数", "本月发放金额", "本年累计金额", "本月新增", "本月减少")
    NUMERIC = frozenset({2, 3, 4, 5, 6, 7})

    def text(self, row: int, column: int) -> str:
        r: ReportRow = self.rows[row]
        return (r.township, r.name, _count(r.households), _count(r.persons),
                _money(r.amount_month), _money(r.amount_year), _count(r.added),
                _count(r.removed))[column]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.text(index.row(), index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.NUMERIC:
            return RIGHT
        if role == Qt.ItemDataRole.FontRole and self.rows[index.row()].township == TOTAL_NAME:
            font = QFont()
            font.setBold(True)
            return font
        return None


def _table(model: RowListModel, widths: tuple[int, ...]) -> QTableView:
    view = read_only_table(model)
    view.setWordWrap(False)
    # Fixed widths: a stretched last column would push 本月减少 / 是否加密 to the far edge.
    view.horizontalHeader().setStretchLastSection(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for i, width in enumerate(widths):
        view.setColumnWidth(i, width)
    return view


class DistrictIntakeDialog(QDialog):
    """After exec(), `results` holds the AddResults of the last load (empty if none)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.results: list[AddResult] = []
        self.saved_path: Path | None = None
        self._progress = None
        self.setWindowTitle(TITLE)
        self.resize(980, 760)

        # --- loading ---------------------------------------------------------------
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("报送包的密码（未加密的不用填）")
        self.replace_check = QCheckBox("替换已载入的同乡镇同月份报送包")
        self.load_button = QPushButton("载入报送包…")
        self.load_button.setToolTip("选择一个报送包文件夹，或选择U盘（其中所有报送包都会载入）")
        self.load_button.clicked.connect(self.choose_and_load)
        hint = QLabel("报送包是名为“民政报送_乡镇_年-月”的文件夹；选择U盘或上一级文件夹，"
                      "其中的报送包会全部载入。校验不通过或密码不对的报送包不会载入。")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #707070;")
        self.outcome_label = QLabel()  # what went in
        self.outcome_label.setWordWrap(True)
        self.outcome_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome_label.hide()
        self.error = error_label()  # what was refused, and why
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        load_row = QHBoxLayout()
        load_row.addWidget(QLabel("密码（可选）"))
        load_row.addWidget(self.password_edit, 1)
        load_row.addWidget(self.replace_check)
        load_row.addWidget(self.load_button)
        load_box = QGroupBox("载入报送包")
        load_layout = QVBoxLayout(load_box)
        load_layout.addLayout(load_row)
        load_layout.addWidget(hint)
        load_layout.addWidget(self.outcome_label)
        load_layout.addWidget(self.error)

        # --- the month ---------------------------------------------------------------
        self.month_combo = QComboBox()
        self.month_combo.setMinimumWidth(140)
        self.month_combo.currentIndexChanged.connect(lambda _: self.show_month())
        self.export_button = QPushButton("导出汇总表…")
        self.export_button.clicked.connect(self.export_report)
        month_row = QHBoxLayout()
        month_row.addWidget(QLabel("汇总月份"))
        month_row.addWidget(self.month_combo)
        self.month_summary = QLabel()
        month_row.addWidget(self.month_summary, 1)
        month_row.addWidget(self.export_button)

        self.packages_model = PackagesModel(self)
        self.packages_view = _table(self.packages_model, (120, 120, 90, 150, 150, 70, 80))
        self.figures_model = FiguresModel(self)
        self.figures_view = _table(self.figures_model, (110, 200, 80, 80, 140, 140, 90, 90))
        self.note_label = QLabel()  # townships without 本月新增 / 本月减少
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet("color: #707070;")
        self.note_label.hide()

        close_button = QPushButton("关闭")
        close_button.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(load_box)
        layout.addLayout(month_row)
        layout.addWidget(QLabel("已载入的报送包"))
        layout.addWidget(self.packages_view, 1)
        layout.addWidget(QLabel("汇总"))
        layout.addWidget(self.figures_view, 4)
        layout.addWidget(self.note_label)
        layout.addLayout(bottom)

        self.load_months()

    # --- months and tables -------------------------------------------------------

    def months(self) -> list[str]:
        return [self.month_combo.itemData(i) for i in range(self.month_combo.count())]

    def month(self) -> str | None:
        return self.month_combo.currentData()

    def set_month(self, month: str) -> None:
        index = self.month_combo.findData(month)
        if index < 0:
            raise ValueError(f"month not offered: {month}")
        self.month_combo.setCurrentIndex(index)

    def load_months(self, select: str | None = None) -> None:
        """Fill the combo with the months that have packages, newest first."""
        keep = select or self.month()
        months = sorted({p.month for p in loaded_packages()}, reverse=True)
        self.month_combo.blockSignals(True)
        self.month_combo.clear()
        for month in months:
            self.month_combo.addItem(month_label(month), month)
        index = self.month_combo.findData(keep) if keep else -1
        self.month_combo.setCurrentIndex(index if index >= 0 else (0 if months else -1))
        self.month_combo.blockSignals(False)
        self.show_month()

    def show_month(self) -> None:
        month = self.month()
        if month is None:
            self.packages_model.set_rows([])
            self.figures_model.set_rows([])
            self.month_summary.setText("还没有载入报送包")
            show_text(self.note_label, "")
            self.export_button.setEnabled(False)
            return
        packages = loaded_packages(month)
        rows = report_rows(month) if packages else []
        self.packages_model.set_rows(packages)
        self.figures_model.set_rows(rows)
        self.month_summary.setText(f"{month_label(month)}：{len(packages)} 个乡镇")
        lacking = without_changes(rows)
        show_text(self.note_label,
                  f"注：{'、'.join(lacking)}的报送包没有本月新增、本月减少（由旧版本生成或载入），"
                  "表中为空白，相关项目合计中的这两项也为空白。" if lacking else "")
        self.export_button.setEnabled(bool(packages) and self._progress is None)

    # --- loading -----------------------------------------------------------------

    def choose_and_load(self) -> None:
        start = qsettings().value(FOLDER_KEY) or ""
        chosen = QFileDialog.getExistingDirectory(self, "选择报送包文件夹或U盘", str(start))
        if chosen:
            self.load_folder(Path(chosen))

    def load_folder(self, folder: Path) -> None:
        """Load the package `folder` is, or every package folder inside it."""
        show_text(self.outcome_label, "")
        show_text(self.error, "")
        try:
            paths = package_folders(folder)
        except OSError:
            show_text(self.error, f"无法读取文件夹“{folder}”，请检查U盘是否已插好")
            return
        if not paths:
            show_text(self.error, f"“{folder}”中没有报送包（报送包是名为“{PREFIX}_乡镇_年-月”的文件夹）")
            return
        # Next time start where the packages sit (a package's parent, or the stick).
        qsettings().setValue(FOLDER_KEY, str(folder.parent if paths == [folder] else folder))
        self.load(paths)

    def load(self, paths: list[Path]) -> None:
        from ..worker import TaskProgressDialog
        password = self.password_edit.text() or None
        replace = self.replace_check.isChecked()

        def work(progress):
            return add_packages(paths, password=password, replace=replace)

        def done(results: list[AddResult]) -> None:
            self._end_progress()
            self.show_results(results)

        def failed(error) -> None:
            self._end_progress()
            show_text(self.error, describe(error))

        self._progress = TaskProgressDialog(self, TITLE, work,
                                            label=f"正在校验并载入 {len(paths)} 个报送包……")
        self._progress.succeeded.connect(done)
        self._progress.failed.connect(failed)
        self._set_busy(True)
        self._progress.start()

    def show_results(self, results: list[AddResult]) -> None:
        self.results = list(results)
        loaded = [r for r in results if r.ok]
        refused = [r for r in results if not r.ok]
        lines = [f"载入 {len(results)} 个报送包：{len(loaded)} 个已载入"
                 + (f"，{len(refused)} 个未载入" if refused else "")]
        lines += [f"✓ {r.message}" for r in loaded]
        show_text(self.outcome_label, "\n".join(lines))
        # The service names the package in its reason; say it here when it does not.
        show_text(self.error, "\n".join(
            f"✗ {r.message if r.name in r.message else f'报送包“{r.name}”：{r.message}'}"
            for r in refused))
        newest = max((r.month for r in loaded), default=None)
        self.load_months(select=newest)

    # --- the report --------------------------------------------------------------

    def export_report(self) -> None:
        from ..worker import TaskProgressDialog
        month = self.month()
        if month is None:
            return
        folder = qsettings().value(REPORT_FOLDER_KEY) or str(Path.home())
        suggested = Path(folder) / f"区局汇总_{month_label(month)}.xlsx"
        chosen, _ = QFileDialog.getSaveFileName(self, "导出汇总表", str(suggested),
                                                "Excel 工作簿 (*.xlsx)")
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        show_text(self.error, "")

        def done(saved: Path) -> None:
            self._end_progress()
            self.saved_path = saved
            qsettings().setValue(REPORT_FOLDER_KEY, str(saved.parent))
            QMessageBox.information(self, TITLE, f"已导出{month_label(month)}的汇总表：\n{saved}")

        def failed(error) -> None:
            self._end_progress()
            show_text(self.error, describe(error))

        self._progress = TaskProgressDialog(self, TITLE, lambda progress: district_report(month, path),
                                            label="正在生成汇总表……")
        self._progress.succeeded.connect(done)
        self._progress.failed.connect(failed)
        self._set_busy(True)
        self._progress.start()

    # --- busy --------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.load_button, self.export_button, self.month_combo):
            widget.setEnabled(not busy)
        if not busy:
            self.export_button.setEnabled(self.month() is not None)

    def _end_progress(self) -> None:
        self._progress.deleteLater()
        self._progress = None
        self._set_busy(False)

    def is_busy(self) -> bool:
        return self._progress is not None

    def reject(self) -> None:
        if not self.is_busy():
            super().reject()
