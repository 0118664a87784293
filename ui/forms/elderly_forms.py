"""老龄 and 工作台账 forms: a card issued, an activity held, a monthly indicator."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QSpinBox, QWidget

from mzdesk.errors import ValidationError
from mzdesk.models import Activity, CardIssuance, Indicator
from mzdesk.registry_lists import activity_kinds, indicator_names
from mzdesk.services import ledgers

from ..widgets import GREY, MonthEdit, PersonPicker, add_field
from .base import FormDialog
from .relief_form import date_edit, fixed_note, qdate

PICK_HINT = "（输入姓名、拼音首字母或身份证号后从列表中选择）"


def _editable_combo(items) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.addItems(items)
    return combo


class CardForm(FormDialog):
    TITLE = "老年证件办理"

    def __init__(self, parent: QWidget | None = None, record_id: int | None = None):
        super().__init__(parent)
        self.setMinimumWidth(560)
        self.picker = add_field(self, "持证人", PersonPicker())
        self.card_type = self.add_row("证件类型", QComboBox())
        self.card_type.addItems(ledgers.CARD_TYPES)
        self.number = self.add_row("证号", QLineEdit())
        self.number.setPlaceholderText("如 LY202600001")
        self.issued = self.add_row("办理日期", date_edit())
        self.card = CardIssuance.get_by_id(record_id) if record_id else None
        if self.card:
            self.setWindowTitle("修改办证记录")
            self.picker.set_person_id(self.card.person_id)
            self.card_type.setCurrentText(self.card.card_type)
            self.number.setText(self.card.number)
            self.issued.setDate(qdate(self.card.issued_date))
            fixed_note(self, self.picker, "持证人不能修改；如登记错了人，请为正确的人重新登记。")

    def save(self) -> int:
        values = dict(card_type=self.card_type.currentText(), number=self.number.text(),
                      issued_date=self.issued.date().toPython())
        if self.card:
            return ledgers.update_card(self.card.id, **values).id
        person_id = self.picker.person_id()
        if person_id is None:
            raise ValidationError("请选择持证人" + PICK_HINT)
        return ledgers.issue_card(person_id, **values).id


class ActivityForm(FormDialog):
    TITLE = "工作活动"

    def __init__(self, parent: QWidget | None = None, record_id: int | None = None):
        super().__init__(parent)
        self.setMinimumWidth(520)
        self.kind = self.add_row("活动类别", _editable_combo(activity_kinds()))
        self.title = self.add_row("活动名称", QLineEdit())
        self.title.setPlaceholderText("如：重阳节敬老文艺演出")
        self.held = self.add_row("活动日期", date_edit())
        self.participants = self.add_row("参加人数", QSpinBox())
        self.participants.setRange(0, 1_000_000)
        self.note = self.add_row("备注", QLineEdit())
        self.activity = Activity.get_by_id(record_id) if record_id else None
        if self.activity:
            self.setWindowTitle("修改工作活动")
            self.kind.setCurrentText(self.activity.kind)
            self.title.setText(self.activity.title)
            self.held.setDate(qdate(self.activity.held_date))
            self.participants.setValue(self.activity.participants)
            self.note.setText(self.activity.note)

    def save(self) -> int:
        values = dict(title=self.title.text(), participants=self.participants.value(),
                      note=self.note.text())
        if self.activity:
            return ledgers.update_activity(self.activity.id, kind=self.kind.currentText(),
                                           held_date=self.held.date().toPython(), **values).id
        return ledgers.add_activity(self.kind.currentText(), self.held.date().toPython(), **values).id


class IndicatorForm(FormDialog):
    """A month's value of a manual indicator; saving the same month again replaces it."""

    TITLE = "工作指标"

    def __init__(self, parent: QWidget | None = None, record_id: int | None = None):
        super().__init__(parent)
        self.setMinimumWidth(480)
        self.name = self.add_row("指标", _editable_combo(indicator_names()))
        self.month = self.add_row("月份", MonthEdit())
        self.value = self.add_row("值", QLineEdit())
        self.value.setValidator(QRegularExpressionValidator(QRegularExpression(r"^-?\d{0,9}(\.\d{0,4})?%?$"),
                                                            self.value))
        self.value.setMaximumWidth(160)
        self.unit = self.add_row("单位", QLineEdit("%"))
        self.unit.setMaximumWidth(80)
        self.existing = QLabel()
        self.existing.setStyleSheet(f"color: {GREY};")
        self.body.insertWidget(1, self.existing)
        if record_id:
            row = Indicator.get_by_id(record_id)
            self.name.setCurrentText(row.name)
            self.month.setValue(row.month)
            self.value.setText(row.value)
            self.unit.setText(row.unit)
            self.name.setEnabled(False)
            self.month.setEnabled(False)
        else:
            self.name.currentTextChanged.connect(self._check_existing)
            self.month.textChanged.connect(self._check_existing)
            self._check_existing()

    def _check_existing(self, *_args) -> None:
        month = self.month.value()
        row = (Indicator.get_or_none(name=self.name.currentText().strip(), month=month)
               if month else None)
        self.existing.setText(f"{month} 已填报 {row.value}{row.unit}，保存将替换原值" if row else "")

    def save(self) -> int:
        month = self.month.value()
        if month is None:
            raise ValidationError("月份格式应为 YYYY-MM，例如 2022-06")
        text = self.value.text().strip().rstrip("%")
        try:
            Decimal(text)
        except InvalidOperation:
            raise ValidationError("请填写指标值（数字）") from None
        return ledgers.set_indicator(self.name.currentText(), month, text,
                                     unit=self.unit.text().strip()).id
