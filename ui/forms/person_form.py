"""人员档案 form: register a person or edit one.

Birth date, sex and age are never typed: the ID field shows them as the
number is entered (ui.widgets.IdNumberEdit).
"""
from __future__ import annotations

import re

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from mzdesk.errors import ValidationError
from mzdesk.models import Person
from mzdesk.services import persons

from ..widgets import IdNumberEdit, VillageCombo, add_field
from .base import FormDialog

TAG_CHOICES = ("重症精神病", "在校学生", "残疾", "重病", "老年人")
BANKS = ("农商银行", "农村信用社", "邮政储蓄银行", "农业银行", "建设银行", "工商银行", "中国银行")
_TAG_SPLIT = re.compile(r"[,，、;；\s]+")


class PersonForm(FormDialog):
    TITLE = "人员档案"

    def __init__(self, parent: QWidget | None = None, person_id: int | None = None):
        super().__init__(parent)
        self.person = Person.get_by_id(person_id) if person_id else None
        self.setWindowTitle("修改人员档案" if self.person else "新增人员")
        self.setMinimumWidth(620)

        self.id_edit = add_field(self, "身份证号", IdNumberEdit())
        self.name_edit = self.add_row("姓名", QLineEdit())
        self.village = add_field(self, "村(社区)", VillageCombo())
        self.address = self.add_row("住址", QLineEdit())
        self.phone = self.add_row("电话", QLineEdit())
        self.bank_name = self.add_row("开户银行", QComboBox())
        self.bank_name.setEditable(True)
        self.bank_name.addItems(("",) + BANKS)
        self.bank_account = self.add_row("银行账号", QLineEdit())
        self.bank_account.setValidator(QRegularExpressionValidator(QRegularExpression(r"^[0-9 ]{0,40}$"),
                                                                   self.bank_account))
        self.bank_account.setPlaceholderText("12—30位数字")

        tags = QWidget()
        tag_layout = QVBoxLayout(tags)
        tag_layout.setContentsMargins(0, 0, 0, 0)
        boxes = QHBoxLayout()
        self.tag_boxes = {tag: QCheckBox(tag) for tag in TAG_CHOICES}
        for box in self.tag_boxes.values():
            boxes.addWidget(box)
        boxes.addStretch(1)
        self.other_tags = QLineEdit()
        self.other_tags.setPlaceholderText("其他标签，用逗号或空格分隔")
        self.other_tags.installEventFilter(self._enter_filter)
        tag_layout.addLayout(boxes)
        tag_layout.addWidget(self.other_tags)
        self.form.addRow("标签", tags)
        self.note = self.add_row("备注", QLineEdit())

        self.id_edit.validChanged.connect(self._check_duplicate)
        if self.person:
            self._load(self.person)

    def _load(self, p: Person) -> None:
        self.id_edit.setText(p.id_number)
        self.name_edit.setText(p.name)
        self.village.set_village_id(p.village_id)
        self.address.setText(p.address)
        self.phone.setText(p.phone)
        self.bank_name.setCurrentText(p.bank_name)
        self.bank_account.setText(p.bank_account)
        tags = persons.tag_list(p)
        for tag, box in self.tag_boxes.items():
            box.setChecked(tag in tags)
        self.other_tags.setText("，".join(t for t in tags if t not in self.tag_boxes))
        self.note.setText(p.note)

    def _check_duplicate(self, valid: bool) -> None:
        """Say at once that the number is already registered, not only on 保存."""
        other = persons.find_by_id_number(self.id_edit.value()) if valid else None
        if other is not None and (self.person is None or other.id != self.person.id):
            self.show_error(f"该身份证号码已登记在人员档案中（{other.name}，档案号 {other.id}）")
        else:
            self.show_error("")

    def tags(self) -> list[str]:
        chosen = [tag for tag, box in self.tag_boxes.items() if box.isChecked()]
        return chosen + [t for t in _TAG_SPLIT.split(self.other_tags.text()) if t]

    def values(self) -> dict:
        village_text = self.village.currentText().strip()
        village = self.village.village_id()
        if village_text and village is None:
            raise ValidationError(f"村(社区)“{village_text}”不存在，请从列表中选择")
        return {
            "id_number": self.id_edit.text(), "name": self.name_edit.text(), "village": village,
            "address": self.address.text(), "phone": self.phone.text(),
            "bank_name": self.bank_name.currentText(), "bank_account": self.bank_account.text(),
            "note": self.note.text(), "tags": self.tags(),
        }

    def save(self) -> int:
        values = self.values()
        if self.person is None:
            return persons.register_person(values.pop("id_number"), values.pop("name"), **values).id
        p = self.person
        current = {"id_number": p.id_number, "name": p.name, "village": p.village_id,
                   "address": p.address, "phone": p.phone, "bank_name": p.bank_name,
                   "bank_account": p.bank_account, "note": p.note, "tags": persons.tag_list(p)}
        if values["id_number"].strip().upper() == p.id_number:
            values["id_number"] = p.id_number
        changes = {k: v for k, v in values.items() if v != current[k]}
        if changes:
            persons.update_person(p.id, **changes)
        return p.id
