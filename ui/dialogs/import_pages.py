"""The pages of 导入台账 (ui.dialogs.import_wizard holds the wizard that runs them).

1 选择文件: what the file holds (KIND), the file and its sheet.
2 核对列: the detected header row, each field's column (editable) and a
  preview of the first rows with the cells that would be refused in red.
3 导入选项: duplicates (拒绝 / 跳过 / 更新) and new villages.
4 试导入: the whole file checked and rolled back; every problem listed in
  red; 导入 only once a check found none.
5 完成: what was written.

The pages hold no file work of their own: reading and writing happen in the
wizard's tasks, off the UI thread.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QFormLayout, QGridLayout,
                               QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPushButton, QRadioButton, QScrollArea, QSplitter, QTableView,
                               QVBoxLayout, QWidget, QWizard, QWizardPage)

from mzdesk.importing.cells import CellError
from mzdesk.importing.importer import MODE_LABELS, MODES, ImportResult
from mzdesk.importing.job import shown
from mzdesk.importing.kinds import KINDS, Kind

from ..messages import ERROR_STYLE, error_label, show_text  # noqa: F401 (show_text: the wizard's too)
from ..table_model import RowListModel, read_only_table

# The KINDs as the office names its ledgers (DESIGN §8 order).
KIND_LABELS = {
    "persons": "人员档案", "dibao_urban": "城市低保", "dibao_rural": "农村低保", "tekun": "特困供养",
    "youfu": "优抚", "gaoling": "高龄津贴", "canji": "残疾人补贴", "bianyuan": "低保边缘",
    "relief": "救助台账", "tupifang": "土坯房改造", "deaths": "死亡登记", "cards": "老年证件",
}
AUTO_SHEET = "（自动：第一个有表头的工作表）"
NOT_IMPORTED = "（不导入）"
PREVIEW_ROWS = 50
HINT_STYLE = "color: #707070;"
PROBLEM_BACKGROUND = QColor("#fde2e2")
PROBLEM_TEXT = QColor("#c00000")
MODE_HELP = {
    "refuse": "表中有已登记的记录时，整个文件不导入，问题清单会列出这些行",
    "skip": "已登记的记录保持不变，只导入新的",
    "update": "按表中内容更新已登记的记录（每项修改都有记录可查）",
}


def kind_label(code: str) -> str:
    return KIND_LABELS.get(code) or KINDS[code].label


def hint_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(HINT_STYLE)
    return label


def skipped_text(result_or_table) -> str:
    """'跳过 3 行（空行 2 行、合计行 1 行）' for a Table or an ImportResult."""
    skipped = getattr(result_or_table, "skipped_rows", None)
    if skipped is None:
        skipped = result_or_table.skipped
    if not skipped:
        return ""
    counts: dict[str, int] = {}
    for s in skipped:
        counts[s.reason] = counts.get(s.reason, 0) + 1
    parts = "、".join(f"{reason} {n} 行" for reason, n in counts.items())
    return f"已跳过 {len(skipped)} 行（{parts}）"


# --- table models -----------------------------------------------------------------


class PreviewModel(RowListModel):
    """The first rows of the table as read: 行 (Excel's row number) and the file's columns;
    a cell the import would refuse is red, with the reason as its tooltip."""

    def __init__(self, parent=None):
        super().__init__(parent, ("行",))
        self.problems: dict[tuple[int, int], str] = {}   # (row index, column) → reason
        self.mapped: set[int] = set()                    # columns chosen for a field

    def set_table(self, headers: list[str], rows) -> None:
        self.beginResetModel()
        self.HEADERS = ("行", *headers)
        self.rows = list(rows)
        self.problems = {}
        self.endResetModel()

    def set_problems(self, problems: dict[tuple[int, int], str], mapped: set[int]) -> None:
        self.problems, self.mapped = problems, mapped
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.HEADERS) - 1))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.HEADERS) - 1)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return "已选为导入的列" if section - 1 in self.mapped else "这一列不导入"
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ForegroundRole
                and section > 0 and section - 1 not in self.mapped):
            return QColor("#909090")
        return super().headerData(section, orientation, role)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        source = self.rows[row]
        reason = self.problems.get((row, col - 1)) if col else None
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return str(source.number)
            values = source.values
            return shown(values[col - 1]) if col - 1 < len(values) else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return reason
        if role == Qt.ItemDataRole.BackgroundRole and reason:
            return PROBLEM_BACKGROUND
        if role == Qt.ItemDataRole.ForegroundRole:
            if reason:
                return PROBLEM_TEXT
            if col and col - 1 not in self.mapped:
                return QColor("#909090")
        return None


class ProblemsModel(RowListModel):
    """Problems of a check: 工作表 / 行 / 列 / 值 / 原因, in red."""

    HEADERS = ("工作表", "行", "列", "值", "原因")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        p = self.rows[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (p.sheet, str(p.row), p.column, p.value, p.reason)[col]
        if role == Qt.ItemDataRole.ForegroundRole:
            return PROBLEM_TEXT
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 1:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None


def preview_problems(kind: Kind, headers: list[str], rows, columns: dict[str, str]) -> dict:
    """The cells of `rows` the import would refuse by themselves (cleaning and required
    cells; villages, duplicates and the services' rules need the dry run)."""
    problems: dict[tuple[int, int], str] = {}
    index = {key: headers.index(h) for key, h in columns.items() if h in headers}
    for r, row in enumerate(rows):
        for key, i in index.items():
            f = kind.field(key)
            value = row.values[i] if i < len(row.values) else None
            if value is None or (isinstance(value, str) and not value.strip()):
                if f.required:
                    problems[(r, i)] = f"{f.title}不能为空"
                continue
            try:
                f.parse(value)
            except CellError as exc:
                problems[(r, i)] = str(exc)
    return problems


def _table(model, widths: tuple[int, ...]) -> QTableView:
    view = read_only_table(model, row_height=22)
    view.setWordWrap(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for i, width in enumerate(widths):
        view.setColumnWidth(i, width)
    return view


# --- 1 选择文件 ----------------------------------------------------------------------


class ChoosePage(QWizardPage):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTitle("第一步：选择要导入的表格")
        self.setSubTitle("支持 Excel（xlsx、xls）、WPS 另存的表格、ods 和 csv 文件。"
                         "表头上方的标题行、合并的村(社区)单元格、空行和合计行都会自动处理。")
        self.kind_combo = QComboBox()
        for code in KIND_LABELS:
            self.kind_combo.addItem(kind_label(code), code)
        self.kind_about = hint_label()
        self.kind_combo.currentIndexChanged.connect(lambda _: self._show_about())
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("点“浏览…”选择文件")
        self.browse_button = QPushButton("浏览…")
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse_button)
        self.sheet_combo = QComboBox()
        self.sheet_combo.setMinimumWidth(320)
        self.sheet_hint = hint_label()
        self.template_hint = hint_label("没有现成的表格？可用“文件 → 导出导入模板…”得到标准格式的模板，"
                                        "填写后再导入。")
        self.error = error_label()
        form = QFormLayout()
        form.addRow("导入内容", self.kind_combo)
        form.addRow("", self.kind_about)
        form.addRow("文件", file_row)
        form.addRow("工作表", self.sheet_combo)
        form.addRow("", self.sheet_hint)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.template_hint)
        layout.addWidget(self.error)
        self.path_edit.textChanged.connect(lambda _: self.completeChanged.emit())
        self._show_about()

    def _show_about(self) -> None:
        code = self.kind_combo.currentData()
        self.kind_about.setText(KINDS[code].about if code else "")

    def kind(self) -> str:
        return self.kind_combo.currentData()

    def set_kind(self, code: str) -> None:
        index = self.kind_combo.findData(code)
        if index >= 0:
            self.kind_combo.setCurrentIndex(index)

    def sheet(self) -> str | None:
        return self.sheet_combo.currentData() or None

    def set_sheets(self, names: list[str]) -> None:
        self.sheet_combo.clear()
        if len(names) > 1:
            self.sheet_combo.addItem(AUTO_SHEET, "")
        for name in names:
            self.sheet_combo.addItem(name, name)
        self.sheet_combo.setEnabled(len(names) > 1)
        self.sheet_hint.setText(f"共 {len(names)} 个工作表" if len(names) > 1 else "")

    def isComplete(self) -> bool:
        wizard = self.wizard()
        return bool(self.path_edit.text().strip()) and not (wizard and wizard.is_busy())

    def validatePage(self) -> bool:
        return self.wizard().detect_done()


# --- 2 核对列 ------------------------------------------------------------------------


class MappingPage(QWizardPage):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTitle("第二步：核对表头和各列的对应关系")
        self.setSubTitle("左边每一项选择表中对应的列（带 * 的必须有）；右边是表格的前几行，"
                         "红色单元格导入时会被拒绝，鼠标停在上面可看原因。")
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.remembered = hint_label()
        self.auto_button = QPushButton("恢复自动识别")
        top = QHBoxLayout()
        top.addWidget(self.remembered, 1)
        top.addWidget(self.auto_button)
        self.combos: dict[str, QComboBox] = {}
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setColumnStretch(1, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_host)
        mapping_box = QGroupBox("导入项 → 表中的列")
        QVBoxLayout(mapping_box).addWidget(scroll)
        self.preview_model = PreviewModel(self)
        self.preview_view = _table(self.preview_model, ())
        self.preview_box = QGroupBox("预览")
        preview_layout = QVBoxLayout(self.preview_box)
        preview_layout.addWidget(self.preview_view)
        self.preview_note = hint_label()
        preview_layout.addWidget(self.preview_note)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(mapping_box)
        splitter.addWidget(self.preview_box)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([360, 700])
        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.error)
        self.auto_button.clicked.connect(self.use_auto)

    def initializePage(self) -> None:
        wizard = self.wizard()
        table, kind = wizard.table, wizard.kind_spec()
        show_text(self.error, "")
        skipped = skipped_text(table)
        self.info.setText(
            f"文件：{table.file_name}　工作表：{table.sheet}　表头在第 {table.header_row} 行"
            f"{'（上面的标题行已跳过）' if table.header_row > 1 else ''}；数据 {len(table.rows)} 行"
            + (f"；{skipped}" if skipped else ""))
        self._build_grid(kind, table.headers)
        self.preview_model.set_table(table.headers, table.rows[:PREVIEW_ROWS])
        self.preview_view.resizeColumnsToContents()
        for col in range(self.preview_model.columnCount()):
            self.preview_view.setColumnWidth(col, min(self.preview_view.columnWidth(col), 180))
        self.set_columns(wizard.mapping_columns)
        self.remembered.setText("已按上次为这样的表格所做的选择对应各列（可修改）"
                                if wizard.mapping_from_memory else "各列按表头名称自动对应（可修改）")

    def _build_grid(self, kind: Kind, headers: list[str]) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.combos = {}
        for row, f in enumerate(kind.fields):
            label = QLabel(f"{f.title} *" if f.required else f.title)
            if f.required:
                label.setStyleSheet("color: #c00000; font-weight: bold;")
            tip = f.help + (f"\n也可写作：{'、'.join(f.variants)}" if f.variants else "")
            label.setToolTip(tip)
            combo = QComboBox()
            combo.addItem(NOT_IMPORTED, "")
            for header in headers:
                combo.addItem(header, header)
            combo.setToolTip(tip)
            combo.currentIndexChanged.connect(lambda _: self._recheck())
            self.grid.addWidget(label, row, 0)
            self.grid.addWidget(combo, row, 1)
            self.combos[f.key] = combo
        self.grid.setRowStretch(len(kind.fields), 1)

    def columns(self) -> dict[str, str]:
        return {key: combo.currentData() for key, combo in self.combos.items() if combo.currentData()}

    def set_columns(self, columns: dict[str, str]) -> None:
        for key, combo in self.combos.items():
            combo.blockSignals(True)
            combo.setCurrentIndex(max(combo.findData(columns.get(key, "")), 0))
            combo.blockSignals(False)
        self._recheck()

    def set_column(self, key: str, header: str) -> None:
        """Choose `header` (or '' for none) for a field."""
        combo = self.combos[key]
        combo.setCurrentIndex(max(combo.findData(header), 0))

    def use_auto(self) -> None:
        self.set_columns(self.wizard().auto_columns)
        self.remembered.setText("各列按表头名称自动对应（可修改）")

    def _recheck(self) -> None:
        wizard = self.wizard()
        if wizard is None or wizard.table is None:
            return
        table, columns = wizard.table, self.columns()
        rows = self.preview_model.rows
        problems = preview_problems(wizard.kind_spec(), table.headers, rows, columns)
        mapped = {table.headers.index(h) for h in columns.values() if h in table.headers}
        self.preview_model.set_problems(problems, mapped)
        bad_rows = len({r for r, _ in problems})
        shown_rows = f"前 {len(rows)} 行" if len(table.rows) > len(rows) else f"全部 {len(rows)} 行"
        note = f"预览{shown_rows}；灰色的列不导入。"
        if problems:
            note += f"其中 {bad_rows} 行有 {len(problems)} 个单元格不合格（红色）。"
        self.preview_note.setText(note + "村(社区)、重复记录等要在试导入时检查。")

    def validatePage(self) -> bool:
        kind, columns = self.wizard().kind_spec(), self.columns()
        missing = [f.title for f in kind.fields if f.required and f.key not in columns]
        if missing:
            show_text(self.error, f"请为必填项选择表中的列：{'、'.join(missing)}")
            return False
        seen: dict[str, str] = {}
        for key, header in columns.items():
            if header in seen:
                show_text(self.error, f"“{header}”列同时选给了“{kind.field(seen[header]).title}”"
                                      f"和“{kind.field(key).title}”，每列只能对应一项")
                return False
            seen[header] = key
        show_text(self.error, "")
        self.wizard().use_columns(columns)
        return True


# --- 3 导入选项 ----------------------------------------------------------------------


class OptionsPage(QWizardPage):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTitle("第三步：导入选项")
        self.setSubTitle("下一步先“试导入”：检查整个文件但不写入，有问题会逐条列出。")
        self.setButtonText(QWizard.WizardButton.NextButton, "试导入 >")
        self.mode_buttons: dict[str, QRadioButton] = {}
        self.mode_group = QButtonGroup(self)
        modes = QGroupBox("表中的记录已经登记过时")
        modes_layout = QVBoxLayout(modes)
        for mode in MODES:
            button = QRadioButton(f"{MODE_LABELS[mode]}：{MODE_HELP[mode]}")
            self.mode_group.addButton(button)
            self.mode_buttons[mode] = button
            modes_layout.addWidget(button)
        self.mode_buttons["refuse"].setChecked(True)
        modes_layout.addWidget(hint_label("同一文件中重复的行总会列为问题（只有您知道哪一行是对的）。"))
        villages = QGroupBox("村(社区)")
        villages_layout = QVBoxLayout(villages)
        self.create_villages = QCheckBox("新建表中有、本乡镇还没有的村(社区)")
        self.villages_note = hint_label("试导入后，这里会列出表中有、本乡镇还没有的村(社区)。"
                                        "不勾选时，这些行会列为问题，整个文件不导入。")
        villages_layout.addWidget(self.create_villages)
        villages_layout.addWidget(self.villages_note)
        layout = QVBoxLayout(self)
        layout.addWidget(modes)
        layout.addWidget(villages)
        layout.addStretch(1)

    def initializePage(self) -> None:
        self.show_unknown(self.wizard().unknown_villages)

    def show_unknown(self, names: list[str]) -> None:
        """The villages the last dry run did not find (also seen after 上一步)."""
        if names:
            self.villages_note.setText(f"试导入发现本乡镇还没有这些村(社区)：{'、'.join(names)}。"
                                       "请先核对名称是否写错；确认是新的村(社区)再勾选上面一项。")

    def on_duplicate(self) -> str:
        return next(mode for mode, button in self.mode_buttons.items() if button.isChecked())

    def set_on_duplicate(self, mode: str) -> None:
        self.mode_buttons[mode].setChecked(True)


# --- 4 试导入 ------------------------------------------------------------------------


class DryRunPage(QWizardPage):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTitle("第四步：试导入")
        self.setSubTitle("试导入检查整个文件，不写入任何数据。没有问题后才能点“导入”；"
                         "有问题请在表格中改正、保存后点“重新试导入”。")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "导入")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-weight: bold;")
        self.details = hint_label()
        self.villages_label = QLabel()
        self.villages_label.setWordWrap(True)
        self.villages_label.setStyleSheet(ERROR_STYLE)
        self.create_button = QPushButton("新建这些村(社区)后重新试导入")
        villages_row = QHBoxLayout()
        villages_row.addWidget(self.villages_label, 1)
        villages_row.addWidget(self.create_button)
        self.problems_model = ProblemsModel(self)
        self.problems_view = _table(self.problems_model, (90, 50, 110, 170))
        self.problems_box = QGroupBox("问题清单")
        self.problem_text = QLabel()   # the whole reason of the selected problem
        self.problem_text.setWordWrap(True)
        self.problem_text.setStyleSheet(ERROR_STYLE)
        box_layout = QVBoxLayout(self.problems_box)
        box_layout.addWidget(self.problems_view)
        box_layout.addWidget(self.problem_text)
        self.problems_view.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._show_problem(current.row()))
        self.rerun_button = QPushButton("重新试导入")
        self.report_button = QPushButton("保存问题报告…")
        buttons = QHBoxLayout()
        buttons.addWidget(self.rerun_button)
        buttons.addWidget(self.report_button)
        buttons.addStretch(1)
        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.details)
        layout.addLayout(villages_row)
        layout.addWidget(self.problems_box, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.error)
        self.show_result(None)

    def initializePage(self) -> None:
        self.show_result(None)
        self.wizard().start_dry_run()

    def _show_problem(self, row: int) -> None:
        rows = self.problems_model.rows
        p = rows[row] if 0 <= row < len(rows) else None
        self.problem_text.setText(f"第 {p.row} 行 {p.column}：{p.reason}" if p else "")
        self.problem_text.setVisible(p is not None)

    def show_result(self, result: ImportResult | None, note: str = "") -> None:
        """What the last check (or a refused import) found."""
        show_text(self.error, note)
        self.problems_model.set_rows(result.problems if result else [])
        self._show_problem(-1)
        self.report_button.setEnabled(result is not None)
        unknown = result.unknown_villages if result else []
        needs_villages = bool(unknown) and not result.villages_created
        self.villages_label.setText(f"本乡镇还没有这些村(社区)：{'、'.join(unknown)}"
                                    if needs_villages else "")
        self.villages_label.setVisible(needs_villages)
        self.create_button.setVisible(needs_villages)
        if result is None:
            self.summary.setText("正在试导入……")
            self.summary.setStyleSheet("font-weight: bold;")
            self.details.setText("")
            self.problems_box.setTitle("问题清单")
        else:
            self.summary.setText(result.summary())
            self.summary.setStyleSheet("font-weight: bold;" + (ERROR_STYLE if result.problems
                                                               else "color: #1a7f37;"))
            skipped = skipped_text(result)
            self.details.setText(
                f"文件：{result.file_name}　工作表：{result.sheet}　数据 {result.rows_total} 行"
                + (f"；{skipped}" if skipped else "")
                + ("" if result.problems else "。点“导入”写入数据库（整个文件一次写入）。"))
            self.problems_box.setTitle(f"问题清单（{len(result.problems)} 个）" if result.problems
                                       else "问题清单（没有问题）")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        wizard = self.wizard()
        return bool(wizard and wizard.dry_result is not None and wizard.dry_result.ok
                    and not wizard.is_busy())

    def validatePage(self) -> bool:
        return self.wizard().import_done()


# --- 5 完成 --------------------------------------------------------------------------


class ResultPage(QWizardPage):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTitle("导入完成")
        self.setSubTitle("整个文件已一次写入数据库。")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-weight: bold; color: #1a7f37;")
        self.counts = QLabel()
        self.counts.setWordWrap(True)
        self.report_button = QPushButton("保存导入报告…")
        row = QHBoxLayout()
        row.addWidget(self.report_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.counts)
        layout.addLayout(row)
        layout.addStretch(1)
        layout.addWidget(hint_label("导入的每条记录都记入了操作日志；可在对应的标签页中查看。"))

    def initializePage(self) -> None:
        r = self.wizard().result_info
        self.summary.setText(r.summary())
        lines = [f"导入内容：{kind_label(r.kind)}", f"文件：{r.file_name}（工作表：{r.sheet}）",
                 f"数据行：{r.rows_total}", f"新增：{r.created}", f"更新：{r.updated}",
                 f"跳过（已登记）：{r.skipped}"]
        if r.kind != "persons":
            lines.append(f"新登记人员：{r.persons_created}")
        if r.villages_created:
            lines.append(f"新建村(社区)：{'、'.join(r.villages_created)}")
        self.counts.setText("\n".join(lines))
