"""设置: the township's basic information, its villages and the standards.

Three pages: 基本信息 (names printed on documents, …), 村(社区) (add,
rename, merge) and 保障标准 (a new standard closes the one it replaces).
Every write goes through a service; a refusal is shown in red where the
clerk typed, and `changed` is emitted after any write.
"""
from __future__ import annotations

from peewee import fn
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox,
                               QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QMessageBox, QPlainTextEdit, QPushButton, QTableView, QTabWidget,
                               QVBoxLayout, QWidget)

from mzdesk.errors import DomainError
from mzdesk.models import Person, Programme, Village
from mzdesk.services import amounts, settings, standards, villages

from ..forms.base import FormDialog, _EnterMovesOn
from ..messages import describe
from ..table_model import RowListModel, read_only_table
from ..widgets import GREEN, GREY, RED, MoneyEdit, MonthEdit

TEXT_KEYS = ("township", "district", "preparer", "reviewer", "head")
DOCUMENT_KEYS = ("preparer", "reviewer", "head")
BASE_LABEL = "（基本标准）"
BASIS = (("按人每月", "person"), ("按户每月", "household"))
BASIS_TEXT = {"person": "按人/月", "household": "按户/月"}
KINDS = (("按名称自动判断", None), ("村", "村"), ("社区", "社区"))


def _button(text: str, slot, tip: str = "") -> QPushButton:
    """A button Enter never presses by accident (no auto-default in a dialog)."""
    button = QPushButton(text)
    button.setAutoDefault(False)
    button.clicked.connect(slot)
    if tip:
        button.setToolTip(tip)
    return button


def _say(label: QLabel, text: str, colour: str) -> None:
    label.setText(text)
    label.setStyleSheet(f"color: {colour};")
    label.setVisible(bool(text))


def _table(model: QAbstractTableModel) -> QTableView:
    return read_only_table(model, row_height=26)


def _fit_columns(view: QTableView) -> None:
    """Columns as wide as their content plus some air (the last one stretches)."""
    view.resizeColumnsToContents()
    for col in range(view.model().columnCount() - 1):
        view.setColumnWidth(col, view.columnWidth(col) + 16)


class RowsModel(RowListModel):
    """A read-only table of prepared rows: (cells, id, greyed)."""

    RIGHT_COLUMNS: tuple[int, ...] = ()

    def row_id(self, row: int) -> int | None:
        return self.rows[row][1] if 0 <= row < len(self.rows) else None

    def row_of(self, record_id: int) -> int:
        return next((i for i, r in enumerate(self.rows) if r[1] == record_id), -1)

    def cells(self, row: int) -> tuple[str, ...]:
        return self.rows[row][0]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        cells, _, greyed = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cells[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and greyed:
            return QColor(GREY)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.RIGHT_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


# --- 基本信息 ----------------------------------------------------------------

def _split_institutions(text: str) -> list[str]:
    for sep in ("，", "、", "\n"):
        text = text.replace(sep, ",")
    return [x.strip() for x in text.split(",") if x.strip()]


class BasicPage(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        enter = _EnterMovesOn(self)
        for key in TEXT_KEYS:
            edit = QLineEdit()
            edit.setMaximumWidth(360)
            edit.installEventFilter(enter)
            self.edits[key] = edit
            form.addRow(settings.KEYS[key] + "：", edit)
            if key == "district":
                form.addRow(QLabel("以下姓名打印在发放花名册、公示名单等文件的落款处："))
        self.institutions = QPlainTextEdit()
        self.institutions.setPlaceholderText("每行一个，如：区敬老养老中心")
        self.institutions.setMaximumSize(360, 110)
        self.institutions.setTabChangesFocus(True)
        form.addRow("供养机构：", self.institutions)
        self.message = QLabel()
        self.message.hide()
        self.save_button = _button("保存 (Ctrl+S)", self.save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.message)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.load()

    def values(self) -> dict[str, str]:
        out = {key: edit.text().strip() for key, edit in self.edits.items()}
        out["institutions"] = ",".join(_split_institutions(self.institutions.toPlainText()))
        return out

    def load(self) -> None:
        for key, edit in self.edits.items():
            edit.setText(settings.get_setting(key))
        self.institutions.setPlainText("\n".join(_split_institutions(settings.get_setting("institutions"))))
        self._saved = self.values()

    def is_dirty(self) -> bool:
        return self.values() != self._saved

    def save(self) -> bool:
        values = self.values()
        if not values["township"]:
            _say(self.message, "乡镇名称不能为空", RED)
            self.edits["township"].setFocus()
            return False
        try:
            for key, value in values.items():
                if value != settings.get_setting(key):
                    settings.set_setting(key, value)
        except Exception as exc:  # noqa: BLE001 - a DomainError shows its own message
            _say(self.message, describe(exc), RED)
            return False
        self.load()
        _say(self.message, "已保存", GREEN)
        self.changed.emit()
        return True


# --- 村(社区) ----------------------------------------------------------------

class VillagesModel(RowsModel):
    HEADERS = ("名称", "类型", "区划代码", "人员", "状态")
    RIGHT_COLUMNS = (3,)

    def reload(self) -> None:
        counts = dict(Person.select(Person.village, fn.COUNT(Person.id)).group_by(Person.village).tuples())
        rows = villages.list_villages(include_inactive=True)
        names = {v.id: v.name for v in rows}
        self.set_rows(((v.name, v.kind, v.code or "", f"{counts.get(v.id, 0):,}",
                        "在用" if v.active else f"已并入{names.get(v.merged_into_id, '')}"),
                       v.id, not v.active) for v in rows)


class VillageForm(FormDialog):
    TITLE = "修改村(社区)"

    def __init__(self, village: Village, parent: QWidget | None = None):
        super().__init__(parent)
        self.village_id = village.id
        self.name_edit = self.add_row("名称：", QLineEdit(village.name))
        self.kind = self.add_row("类型：", QComboBox())
        self.kind.addItems(["村", "社区"])
        self.kind.setCurrentText(village.kind)
        self.code_edit = self.add_row("区划代码：", QLineEdit(village.code or ""))
        self.code_edit.setPlaceholderText("12位数字，可不填")
        self.setMinimumWidth(380)

    def save(self):
        return villages.update_village(self.village_id, name=self.name_edit.text(),
                                       kind=self.kind.currentText(), code=self.code_edit.text()).id


class MergeForm(FormDialog):
    TITLE = "合并村(社区)"

    def __init__(self, village: Village, parent: QWidget | None = None):
        super().__init__(parent)
        self.source_id = village.id
        people = Person.select().where(Person.village == village).count()
        self.add_row("合并：", QLabel(f"{village.name}（{people:,}人）"))
        self.target = self.add_row("并入到：", QComboBox())
        for v in villages.list_villages():
            if v.id != village.id:
                self.target.addItem(v.name, v.id)
        note = QLabel("合并后，该村(社区)的人员、户、土坯房台账和一次性补贴都转到目标村(社区)，"
                      "原村(社区)标记为已并入，不再出现在选择列表中；已发放的记录保留原村(社区)。"
                      "此操作不能撤销。")
        note.setWordWrap(True)
        self.body.insertWidget(1, note)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("合并 (Ctrl+S)")
        self.setMinimumWidth(440)

    def save(self):
        target = self.target.currentData()
        if target is None:
            raise DomainError("没有可以并入的村(社区)")
        return villages.merge_villages(self.source_id, target).id


class VillagesPage(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.form: FormDialog | None = None  # the edit or merge dialog last opened
        self.model = VillagesModel(self)
        self.table = _table(self.model)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _: self.edit_selected())

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("新村(社区)名称，回车新增")
        self.name_edit.returnPressed.connect(self.add)
        self.kind = QComboBox()
        for text, value in KINDS:
            self.kind.addItem(text, value)
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText("区划代码（12位，可不填）")
        self.code_edit.returnPressed.connect(self.add)
        self.add_button = _button("新增", self.add)
        self.edit_button = _button("改名/修改…", self.edit_selected)
        self.merge_button = _button("合并到…", self.merge_selected, "把选中的村(社区)并入另一个村(社区)")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()

        add_row = QHBoxLayout()
        add_row.addWidget(self.name_edit, 2)
        add_row.addWidget(self.kind)
        add_row.addWidget(self.code_edit, 2)
        add_row.addWidget(self.add_button)
        actions = QHBoxLayout()
        actions.addWidget(self.edit_button)
        actions.addWidget(self.merge_button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(actions)
        layout.addWidget(self.table, 1)
        layout.addLayout(add_row)
        layout.addWidget(self.message)
        self.reload()

    def reload(self, select: int | None = None) -> None:
        self.model.reload()
        _fit_columns(self.table)
        if select is not None and self.model.row_of(select) >= 0:
            self.table.selectRow(self.model.row_of(select))
        self._update_buttons()

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_id(rows[0].row()) if rows else None

    def _update_buttons(self, *_args) -> None:
        vid = self.selected_id()
        village = Village.get_or_none(Village.id == vid) if vid else None
        self.edit_button.setEnabled(village is not None)
        self.merge_button.setEnabled(village is not None and village.active)

    def add(self) -> None:
        try:
            village = villages.add_village(self.name_edit.text(), kind=self.kind.currentData(),
                                           code=self.code_edit.text())
        except Exception as exc:  # noqa: BLE001 - a DomainError shows its own message
            _say(self.message, describe(exc), RED)
            return
        self.name_edit.clear()
        self.code_edit.clear()
        self.kind.setCurrentIndex(0)
        self._written(f"已新增{village.kind}“{village.name}”", village.id)
        self.name_edit.setFocus()

    def edit_selected(self) -> None:
        vid = self.selected_id()
        if vid is not None:
            self._open(VillageForm(Village.get_by_id(vid), self), "已修改")

    def merge_selected(self) -> None:
        vid = self.selected_id()
        village = Village.get_or_none(Village.id == vid) if vid else None
        if village is not None and village.active:
            self._open(MergeForm(village, self), "已合并")

    def _open(self, form: FormDialog, done: str) -> None:
        self.form = form
        form.accepted.connect(lambda: self._written(done, form.saved_id))
        form.open()

    def _written(self, text: str, select: int | None) -> None:
        self.reload(select)
        _say(self.message, text, GREEN)
        self.changed.emit()


# --- 保障标准 ----------------------------------------------------------------

def category_choices(programme: str) -> list[str]:
    """The categories a programme's standards use (amounts.py), then any other in the data."""
    known = {
        "dibao_urban": ["", *(f"分类施保:{c}" for c in amounts.DIBAO_CLASSES)],
        "dibao_rural": ["", *(f"分类施保:{c}" for c in amounts.DIBAO_CLASSES)],
        "tekun": [*amounts.TEKUN_CATEGORIES, *(f"护理:{c}" for c in amounts.CARE_LEVELS)],
        "youfu": [*(c for c in amounts.YOUFU_CATEGORIES if c != "伤残军人"),
                  *(f"伤残军人:{g}级" for g in range(1, 11))],
        "gaoling": list(amounts.GAOLING_BANDS),
        "canji": [c for c in amounts.CANJI_CATEGORIES if "+" not in c],
    }.get(programme, [""])
    used = [s.category for s in standards.list_standards(programme)]
    return list(dict.fromkeys(known + used))


class StandardsModel(RowsModel):
    HEADERS = ("项目", "类别", "金额（元）", "单位", "生效月份", "截止月份", "备注")
    RIGHT_COLUMNS = (2,)

    def reload(self, programme: str | None = None) -> None:
        order = {code: i for i, (code,) in enumerate(
            Programme.select(Programme.code).order_by(Programme.sort_order).tuples())}
        names = dict(Programme.select(Programme.code, Programme.name).tuples())
        rows = standards.list_standards(programme)
        # Categories in their natural order (80-89 before 100+), then by month.
        rank = {code: {c: i for i, c in enumerate(category_choices(code))}
                for code in {s.programme_id for s in rows}}
        rows.sort(key=lambda s: (order.get(s.programme_id, 99),
                                 rank[s.programme_id].get(s.category, 999), s.category, s.effective_from))
        self.set_rows(((names.get(s.programme_id, s.programme_id), s.category or BASE_LABEL,
                        f"{s.amount:,.2f}", BASIS_TEXT.get(s.basis, s.basis), s.effective_from,
                        s.effective_to or "至今", s.note),
                       s.id, s.effective_to is not None) for s in rows)


class StandardsPage(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        programmes = list(Programme.select().where(Programme.monthly == True)  # noqa: E712
                          .order_by(Programme.sort_order))
        self.filter = QComboBox()
        self.filter.addItem("全部项目", None)
        self.programme = QComboBox()
        for p in programmes:
            self.filter.addItem(p.name, p.code)
            self.programme.addItem(p.name, p.code)
        self.filter.currentIndexChanged.connect(lambda _: self.reload())
        self.model = StandardsModel(self)
        self.table = _table(self.model)
        self.table.selectionModel().selectionChanged.connect(self._copy_selected)

        enter = _EnterMovesOn(self)
        self.category = QComboBox()
        self.category.setEditable(True)
        self.category.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.category.setMinimumWidth(160)
        self.amount = MoneyEdit()
        self.basis = QComboBox()
        for text, value in BASIS:
            self.basis.addItem(text, value)
        self.month = MonthEdit()
        self.note = QLineEdit()
        self.note.setPlaceholderText("如：区民政局文件文号")
        self.note.returnPressed.connect(self.add)
        for widget in (self.programme, self.category, self.amount, self.basis, self.month):
            widget.installEventFilter(enter)
        self.programme.currentIndexChanged.connect(lambda _: self._fill_categories())
        self.add_button = _button("新增标准", self.add, "新标准从生效月份起执行，同类的原标准截止到上个月")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()

        grid = QFormLayout()
        line = QHBoxLayout()
        for label, widget in (("项目", self.programme), ("类别", self.category),
                              ("金额（元）", self.amount), ("单位", self.basis)):
            line.addWidget(QLabel(label))
            line.addWidget(widget)
        line.addStretch(1)
        grid.addRow(line)
        line2 = QHBoxLayout()
        for label, widget in (("生效月份", self.month), ("备注", self.note)):
            line2.addWidget(QLabel(label))
            line2.addWidget(widget)
        line2.addWidget(self.add_button)
        grid.addRow(line2)
        grid.addRow(self.message)
        box = QGroupBox("新增标准（原标准自动截止到生效月份的上个月，已发放的金额不受影响）")
        box.setLayout(grid)

        top = QHBoxLayout()
        top.addWidget(QLabel("项目："))
        top.addWidget(self.filter)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(box)
        self._fill_categories()
        self.reload()

    def reload(self, select: int | None = None) -> None:
        self.model.reload(self.filter.currentData())
        _fit_columns(self.table)
        if select is not None and self.model.row_of(select) >= 0:
            self.table.selectRow(self.model.row_of(select))

    def _fill_categories(self) -> None:
        self.category.clear()
        for value in category_choices(self.programme.currentData()):
            self.category.addItem(value or BASE_LABEL, value)

    def category_value(self) -> str:
        text = self.category.currentText().strip()
        i = self.category.findText(text, Qt.MatchFlag.MatchExactly)
        return self.category.itemData(i) if i >= 0 else text

    def _copy_selected(self, *_args) -> None:
        """Selecting a row fills the form with its programme, category and unit (a new year's standard)."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        from mzdesk.models import Standard
        row = Standard.get_or_none(Standard.id == self.model.row_id(rows[0].row()))
        if row is None:
            return
        self.programme.setCurrentIndex(max(self.programme.findData(row.programme_id), 0))
        self.category.setEditText(row.category or BASE_LABEL)
        self.basis.setCurrentIndex(max(self.basis.findData(row.basis), 0))

    def add(self) -> None:
        amount, month = self.amount.value(), self.month.value()
        if amount is None:
            _say(self.message, "请填写标准金额，如 650 或 650.50", RED)
            return
        if month is None:
            _say(self.message, "生效月份格式应为 YYYY-MM，例如 2023-01", RED)
            return
        programme, category = self.programme.currentData(), self.category_value()
        try:
            row = standards.add_standard(programme, amount, month, category=category,
                                         basis=self.basis.currentData(), note=self.note.text().strip())
        except Exception as exc:  # noqa: BLE001 - a DomainError shows its own message
            _say(self.message, describe(exc), RED)
            return
        self.amount.clear()
        self.note.clear()
        self._fill_categories()
        self.category.setEditText(category or BASE_LABEL)
        self.reload(row.id)
        _say(self.message, f"已新增：{self.programme.currentText()} {category or '基本标准'} "
                           f"自 {month} 起 {row.amount:,.2f} 元", GREEN)
        self.changed.emit()


# --- the dialog --------------------------------------------------------------

class SettingsDialog(QDialog):
    changed = Signal()  # something was written

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("设置")
        self.basic = BasicPage()
        self.villages = VillagesPage()
        self.standards = StandardsPage()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.basic, "基本信息")
        self.tabs.addTab(self.villages, "村(社区)")
        self.tabs.addTab(self.standards, "保障标准")
        for page in (self.basic, self.villages, self.standards):
            page.changed.connect(self.changed)
        close = _button("关闭 (Esc)", self.reject)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.basic.save)
        self.resize(960, 600)

    def reject(self) -> None:
        """Esc or 关闭: offer to save typed but unsaved basic information."""
        if self.basic.is_dirty():
            answer = QMessageBox.question(
                self, "设置", "基本信息已修改但没有保存，是否保存？",
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
            if answer == QMessageBox.StandardButton.Cancel:
                return
            if answer == QMessageBox.StandardButton.Save and not self.basic.save():
                self.tabs.setCurrentWidget(self.basic)
                return
        super().reject()
