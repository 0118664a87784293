"""救助登记 (临时救助 / 医疗救助): one relief case.

The target group (对象类别) is never typed: it follows from the person's
enrollments on the approval date and is shown live as the clerk picks the
person and the date.
"""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (QAbstractButton, QCheckBox, QComboBox, QDateEdit, QDialogButtonBox,
                               QHBoxLayout, QLabel, QLineEdit, QWidget)

from mzdesk.errors import ValidationError
from mzdesk.models import ReliefCase
from mzdesk.registry_lists import relief_case_types
from mzdesk.services import ledgers

from ..widgets import GREY, MoneyEdit, PersonPicker, add_field
from .base import FormDialog

# The case types that go with each kind; the first is the default.
KIND_TYPES = {"临时救助": ("临时困难救助",),
              "医疗救助": ("门诊医疗救助", "大病医疗救助", "医疗费用救助")}


def qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def date_edit(day: dt.date | None = None) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setDate(qdate(day or dt.date.today()))
    return edit


class OptionalDate(QWidget):
    """A date that may not be known yet: a check box and the date."""

    def __init__(self, label: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.check = QCheckBox(label)
        self.date = date_edit()
        self.date.setEnabled(False)
        self.check.toggled.connect(self.date.setEnabled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        layout.addWidget(self.date)
        layout.addStretch(1)
        self.setFocusProxy(self.check)

    def value(self) -> dt.date | None:
        return self.date.date().toPython() if self.check.isChecked() else None

    def setValue(self, day: dt.date | None) -> None:
        self.check.setChecked(day is not None)
        if day is not None:
            self.date.setDate(qdate(day))


def make_read_only(form: FormDialog, note: str) -> None:
    """Show a saved record that no service can change: fields disabled, no 保存."""
    for child in form.findChildren(QWidget):
        if isinstance(child, (QLineEdit, QComboBox, QDateEdit, QAbstractButton)) \
                and not isinstance(child.parent(), QDialogButtonBox):
            child.setEnabled(False)
    form.buttons.button(QDialogButtonBox.StandardButton.Save).hide()
    form.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("关闭 (Esc)")
    form.show_error("")
    form.read_only = True  # Ctrl+S still reaches save(), which must refuse
    label = QLabel(note)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {GREY};")
    form.body.insertWidget(1, label)


class ReliefCaseForm(FormDialog):
    TITLE = "救助登记"

    def __init__(self, parent: QWidget | None = None, record_id: int | None = None,
                 kind: str | None = None, person_id: int | None = None):
        super().__init__(parent)
        self.case = ReliefCase.get_by_id(record_id) if record_id else None
        self.setWindowTitle("救助记录" if self.case else "新增救助")
        self.setMinimumWidth(600)
        self.picker = add_field(self, "救助对象", PersonPicker())
        self.kind = self.add_row("救助类别", QComboBox())
        self.kind.addItems(ledgers.RELIEF_KINDS)
        self.case_type = self.add_row("救助类型", QComboBox())
        self.case_type.setEditable(True)
        self.case_type.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.case_type.addItems(relief_case_types())
        self.target = self.add_row("对象类别", QLabel())
        self.amount = self.add_row("救助金额(元)", MoneyEdit())
        self.approved = self.add_row("审批日期", date_edit())
        self.paid = add_field(self, "发放日期", OptionalDate("已发放"))
        self.paid.date.installEventFilter(self._enter_filter)
        self.note = self.add_row("备注", QLineEdit())

        self.kind.currentTextChanged.connect(self._kind_changed)
        self.picker.personChanged.connect(self.update_target)
        self.approved.dateChanged.connect(self.update_target)
        if self.case:
            self._load(self.case)
        else:
            self.kind.setCurrentText(kind if kind in ledgers.RELIEF_KINDS else ledgers.RELIEF_KINDS[0])
            self._kind_changed(self.kind.currentText())
            if person_id:
                self.picker.set_person_id(person_id)
        self.update_target()

    def _load(self, case: ReliefCase) -> None:
        self.picker.set_person_id(case.person_id)
        self.kind.setCurrentText(case.kind)
        self.case_type.setCurrentText(case.case_type)
        self.amount.setValue(case.amount)
        self.approved.setDate(qdate(case.approved_date))
        self.paid.setValue(case.paid_date)
        self.note.setText(case.note)
        if not hasattr(ledgers, "update_relief_case"):
            make_read_only(self, "救助记录登记后不能修改。")

    def _kind_changed(self, kind: str) -> None:
        types = KIND_TYPES.get(kind, ())
        if types and self.case_type.currentText() not in types:
            self.case_type.setCurrentText(types[0])

    def update_target(self, *_args) -> None:
        """The target group as the service will derive it on saving."""
        person_id = self.picker.person_id()
        if not person_id:
            self._group = ""
            self.target.setText(f'<span style="color:{GREY}">选择救助对象后，按其在保项目自动确定</span>')
            return
        if self.case and person_id == self.case.person_id \
                and self.approved.date().toPython() == self.case.approved_date:
            self._group = self.case.target_group
        else:
            self._group = ledgers.target_group(person_id, self.approved.date().toPython())
        self.target.setText(f'<b>{self._group}</b>　<span style="color:{GREY}">'
                            "按审批日期时的在保项目自动确定</span>")

    def target_group(self) -> str:
        """The group shown ('' before a person is chosen)."""
        return self._group

    def save(self) -> int:
        if getattr(self, "read_only", False):
            raise ValidationError("救助记录登记后不能修改")
        person_id = self.picker.person_id()
        if person_id is None:
            raise ValidationError("请选择救助对象（输入姓名、拼音首字母或身份证号后从列表中选择）")
        amount = self.amount.value()
        if amount is None:
            raise ValidationError("请填写救助金额")
        values = dict(kind=self.kind.currentText(), case_type=self.case_type.currentText(),
                      amount=amount, approved_date=self.approved.date().toPython(),
                      paid_date=self.paid.value(), note=self.note.text())
        if self.case:  # only reached when the service can update a case
            return ledgers.update_relief_case(self.case.id, **values).id
        return ledgers.add_relief_case(person_id, **values).id
