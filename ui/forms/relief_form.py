"""救助登记 (临时救助 / 医疗救助): one relief case.

The target group (对象类别) is never typed: it follows from the person's
enrollments on the approval date and is shown live as the clerk picks the
person and the date.
"""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (QAbstractButton, QCheckBox, QComboBox, QDateEdit, QDialogButtonBox,
                               QHBoxLayout, QInputDialog, QLabel, QLineEdit, QPushButton, QWidget)

from mzdesk.errors import DomainError, ValidationError
from mzdesk.models import ReliefCase
from mzdesk.registry_lists import relief_case_types
from mzdesk.services import ledgers

from ..messages import describe
from ..widgets import GREY, MoneyEdit, PersonPicker, add_field
from .base import FormDialog

PERSON_FIXED = "救助对象不能修改；如登记错了对象，请点击“作废…”后重新登记。"

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


def fixed_note(form: FormDialog, widget: QWidget, note: str) -> QLabel:
    """A field of a saved record that no service changes: disabled, with the
    reason in grey on the line under it (everything else stays editable)."""
    widget.setEnabled(False)
    widget.setToolTip(note)
    label = QLabel(note)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {GREY};")
    row, _role = form.form.getWidgetPosition(widget)
    form.form.insertRow(row + 1, "", label)
    return label


class ReliefCaseForm(FormDialog):
    TITLE = "救助登记"

    def __init__(self, parent: QWidget | None = None, record_id: int | None = None,
                 kind: str | None = None, person_id: int | None = None):
        super().__init__(parent)
        self.case = ReliefCase.get_by_id(record_id) if record_id else None
        self.setWindowTitle(("已作废的救助记录" if self.case.cancelled else "修改救助记录")
                            if self.case else "新增救助")
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
        self.cancel_case_button = None
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
        if case.cancelled:
            make_read_only(self, "该救助记录已作废，不能修改。")
            return
        # The person is what the case is about: a case for the wrong person is
        # cancelled (作废) and registered again, so the rest stays correctable.
        fixed_note(self, self.picker, PERSON_FIXED)
        # 作废 sits apart from 保存 / 取消, on the left, so it is not pressed by mistake
        self.cancel_case_button = QPushButton("作废…")
        self.cancel_case_button.setToolTip("作废本记录（保留在历史中，不计入台账），须填写原因")
        self.cancel_case_button.clicked.connect(self.cancel_case)
        self.cancel_case_button.setAutoDefault(False)
        row = QHBoxLayout()
        self.body.removeWidget(self.buttons)
        row.addWidget(self.cancel_case_button)
        row.addStretch(1)
        row.addWidget(self.buttons)
        self.body.addLayout(row)

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

    def ask_cancel_reason(self) -> str | None:
        """The reason for 作废, or None when the clerk thinks better of it."""
        dialog = QInputDialog(self)
        dialog.setWindowTitle("作废救助记录")
        dialog.setLabelText("作废后本记录不再计入救助台账，但保留在历史中。\n请填写作废原因：")
        dialog.setOkButtonText("作废")
        dialog.setCancelButtonText("取消")
        dialog.setTextValue("")
        self.reason_dialog = dialog  # for tests and screenshots
        return dialog.textValue() if dialog.exec() else None

    def cancel_case(self) -> None:
        reason = self.ask_cancel_reason()
        if reason is None:
            return
        try:
            ledgers.cancel_relief_case(self.case.id, reason)
        except DomainError as exc:
            self.show_error(str(exc))
            return
        except Exception as exc:  # logged without personal data, shown politely
            self.show_error(describe(exc))
            return
        self.saved_id = self.case.id
        self.accept()

    def save(self) -> int:
        if getattr(self, "read_only", False):
            raise ValidationError("该救助记录已作废，不能修改")
        person_id = self.picker.person_id()
        if person_id is None:
            raise ValidationError("请选择救助对象（输入姓名、拼音首字母或身份证号后从列表中选择）")
        amount = self.amount.value()
        if amount is None:
            raise ValidationError("请填写救助金额")
        values = dict(kind=self.kind.currentText(), case_type=self.case_type.currentText(),
                      amount=amount, approved_date=self.approved.date().toPython(),
                      paid_date=self.paid.value(), note=self.note.text())
        if self.case:  # the person is fixed (the picker is disabled)
            return ledgers.update_relief_case(self.case.id, **values).id
        return ledgers.add_relief_case(person_id, **values).id
