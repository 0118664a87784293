"""管理银行模板: the bank templates of the 代发 file, and an editor of one.

Built-in templates are shown read-only; 复制 makes an editable copy.  Every
check (a name, known fields, no empty or repeated header, 姓名 / 账号 / 金额
present) is the service's (mzdesk.payments.bank.save_template): its reason
is shown in red and nothing is lost.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QMessageBox, QPushButton, QVBoxLayout, QWidget)

from mzdesk.payments import bank

from ..messages import describe, error_label, show_error

NAME_ROLE = Qt.ItemDataRole.UserRole


def _column_text(number: int, column) -> str:
    """'3. 证件号码（身份证号）': the header, and the field when the header does not say it."""
    label = bank.FIELDS.get(column.field, column.field)
    return f"{number}. {column.header}" + ("" if column.header == label else f"（{label}）")


class TemplateForm(QWidget):
    """One template's settings and its columns (field + header), in order."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.columns: list[bank.BankColumn] = []
        self._builtin = False
        self.name_edit = QLineEdit()
        self.sheet_edit = QLineEdit()
        self.title_row = QCheckBox("表头上方加一行标题")
        self.amount_as_text = QCheckBox("金额写为文本")
        self.total_row = QCheckBox("末尾加合计行（多数银行不接受）")
        self.column_list = QListWidget()
        self.field_combo = QComboBox()
        for key, label in bank.FIELDS.items():
            self.field_combo.addItem(label, key)
        self.header_edit = QLineEdit()
        self.header_edit.setPlaceholderText("银行要求的表头文字")
        self.up_button, self.down_button = QPushButton("上移"), QPushButton("下移")
        self.add_button, self.delete_button = QPushButton("添加列"), QPushButton("删除列")
        self.up_button.clicked.connect(lambda: self.move(-1))
        self.down_button.clicked.connect(lambda: self.move(1))
        self.add_button.clicked.connect(self.add_column)
        self.delete_button.clicked.connect(self.delete_column)
        self.column_list.currentRowChanged.connect(self._show_column)
        self.field_combo.activated.connect(lambda _: self._field_chosen())
        self.header_edit.textEdited.connect(self._header_typed)

        column_buttons = QVBoxLayout()
        for button in (self.up_button, self.down_button, self.add_button, self.delete_button):
            column_buttons.addWidget(button)
        column_buttons.addStretch(1)
        column_row = QHBoxLayout()
        column_row.addWidget(self.column_list, 1)
        column_row.addLayout(column_buttons)
        column_edit = QHBoxLayout()
        column_edit.addWidget(QLabel("字段"))
        column_edit.addWidget(self.field_combo)
        column_edit.addWidget(QLabel("表头"))
        column_edit.addWidget(self.header_edit, 1)
        options = QHBoxLayout()
        for box in (self.title_row, self.amount_as_text, self.total_row):
            options.addWidget(box)
        options.addStretch(1)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("模板名称", self.name_edit)
        form.addRow("工作表名称", self.sheet_edit)
        form.addRow("选项", options)
        form.addRow("列（按顺序）", column_row)
        form.addRow("所选列", column_edit)

    def set_template(self, t: bank.BankTemplate) -> None:
        self._builtin = t.builtin
        self.name_edit.setText(t.name)
        self.sheet_edit.setText(t.sheet_title)
        self.title_row.setChecked(t.title_row)
        self.amount_as_text.setChecked(t.amount_as_text)
        self.total_row.setChecked(t.total_row)
        self.columns = [bank.BankColumn(c.field, c.header) for c in t.columns]
        self._fill(0)

    def template(self) -> bank.BankTemplate:
        return bank.BankTemplate(self.name_edit.text().strip(),
                                 [bank.BankColumn(c.field, c.header) for c in self.columns],
                                 self.sheet_edit.text().strip(), self.title_row.isChecked(),
                                 self.amount_as_text.isChecked(), self.total_row.isChecked(),
                                 builtin=self._builtin)

    def _fill(self, current: int) -> None:
        self.column_list.blockSignals(True)
        self.column_list.clear()
        for i, c in enumerate(self.columns, start=1):
            self.column_list.addItem(_column_text(i, c))
        self.column_list.blockSignals(False)
        self.column_list.setCurrentRow(min(current, len(self.columns) - 1))
        self._show_column(self.column_list.currentRow())

    def _show_column(self, row: int) -> None:
        has = 0 <= row < len(self.columns)
        for widget in (self.field_combo, self.header_edit, self.delete_button):
            widget.setEnabled(has)
        self.up_button.setEnabled(has and row > 0)
        self.down_button.setEnabled(has and row < len(self.columns) - 1)
        if has:
            self.field_combo.setCurrentIndex(self.field_combo.findData(self.columns[row].field))
            self.header_edit.setText(self.columns[row].header)

    def _field_chosen(self) -> None:
        row = self.column_list.currentRow()
        if 0 <= row < len(self.columns):
            old = self.columns[row]
            field = self.field_combo.currentData()
            # A header still at the old field's default follows the new field.
            header = bank.FIELDS[field] if old.header in ("", bank.FIELDS.get(old.field)) else old.header
            self.columns[row] = bank.BankColumn(field, header)
            self._fill(row)

    def _header_typed(self, text: str) -> None:
        row = self.column_list.currentRow()
        if 0 <= row < len(self.columns):
            self.columns[row] = bank.BankColumn(self.columns[row].field, text)
            self.column_list.item(row).setText(_column_text(row + 1, self.columns[row]))

    def move(self, step: int) -> None:
        row = self.column_list.currentRow()
        other = row + step
        if 0 <= row < len(self.columns) and 0 <= other < len(self.columns):
            self.columns[row], self.columns[other] = self.columns[other], self.columns[row]
            self._fill(other)

    def add_column(self) -> None:
        used = {c.field for c in self.columns}
        field = next((f for f in bank.FIELDS if f not in used), "note")
        self.columns.append(bank.BankColumn(field, bank.FIELDS[field]))
        self._fill(len(self.columns) - 1)

    def delete_column(self) -> None:
        row = self.column_list.currentRow()
        if 0 <= row < len(self.columns):
            del self.columns[row]
            self._fill(max(row - 1, 0) if row >= len(self.columns) else row)


class TemplateEditor(QDialog):
    """管理银行模板: the list of templates and the columns of the one selected."""

    def __init__(self, parent: QWidget | None = None, select: str | None = None):
        super().__init__(parent)
        self.setWindowTitle("管理银行模板")
        self.resize(780, 500)
        self.current_name: str | None = None  # the stored name of what is being edited
        self.template_list = QListWidget()
        self.template_list.setMaximumWidth(230)
        self.new_button = QPushButton("新建")
        self.copy_button = QPushButton("复制")
        self.copy_button.setToolTip("复制所选模板为新的自定义模板（内置模板只能复制后修改）")
        self.remove_button = QPushButton("删除")
        self.new_button.clicked.connect(self.new_template)
        self.copy_button.clicked.connect(self.copy_template)
        self.remove_button.clicked.connect(self.remove_template)
        list_buttons = QHBoxLayout()
        for button in (self.new_button, self.copy_button, self.remove_button):
            list_buttons.addWidget(button)
        left = QVBoxLayout()
        left.addWidget(self.template_list, 1)
        left.addLayout(list_buttons)

        self.form = TemplateForm()
        self.save_button = QPushButton("保存模板")
        self.save_button.clicked.connect(self.save)
        self.error = error_label()
        right = QVBoxLayout()
        right.addWidget(self.form, 1)
        right.addWidget(self.error)
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        save_row.addWidget(self.save_button)
        right.addLayout(save_row)

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        close.rejected.connect(self.reject)
        body = QHBoxLayout()
        body.addLayout(left)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(close)

        self.template_list.currentItemChanged.connect(lambda *_: self._show_selected())
        self.reload(select)

    def reload(self, select: str | None = None) -> None:
        self.template_list.blockSignals(True)
        self.template_list.clear()
        for t in bank.templates():
            item = QListWidgetItem(t.name + ("（内置）" if t.builtin else ""))
            item.setData(NAME_ROLE, t.name)
            self.template_list.addItem(item)
            if t.name == select:
                self.template_list.setCurrentItem(item)
        if self.template_list.currentItem() is None and self.template_list.count():
            self.template_list.setCurrentRow(0)
        self.template_list.blockSignals(False)
        self._show_selected()

    def _show_selected(self) -> None:
        item = self.template_list.currentItem()
        if item is None:
            return
        t = bank.template(item.data(NAME_ROLE))
        self.current_name = t.name
        self._edit(t)

    def _edit(self, t: bank.BankTemplate) -> None:
        self._set_error("")
        self.form.set_template(t)
        self.form.setEnabled(not t.builtin)
        self.save_button.setEnabled(not t.builtin)
        self.remove_button.setEnabled(not t.builtin and self.current_name is not None)

    def _set_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _unused_name(self, base: str) -> str:
        names = {t.name for t in bank.templates()}
        name, n = base, 2
        while name in names:
            name, n = f"{base}{n}", n + 1
        return name

    def new_template(self) -> None:
        self.template_list.clearSelection()
        self.current_name = None
        columns = [bank.BankColumn(f, bank.FIELDS[f]) for f in ("name", "id_number", "account", "amount")]
        self._edit(bank.BankTemplate(self._unused_name("新模板"), columns))

    def copy_template(self) -> None:
        t = self.form.template()
        self.current_name = None
        self._edit(t.copy(self._unused_name(f"{t.name}副本")))

    def save(self) -> None:
        try:
            saved = bank.save_template(self.form.template(), self.current_name)
        except Exception as exc:  # noqa: BLE001 - the reason is shown in the editor
            self._set_error(describe(exc))
            return
        self.current_name = saved.name
        self.reload(saved.name)

    def remove_template(self) -> None:
        name = self.current_name
        if not name or QMessageBox.question(
                self, "删除银行模板", f"删除模板“{name}”？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
            return
        try:
            bank.remove_template(name)
        except Exception as exc:  # noqa: BLE001
            show_error(self, exc)
            return
        self.reload()
