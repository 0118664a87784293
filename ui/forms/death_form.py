"""死亡登记: before saving, the form shows which enrollments the death will
stop and which payments were made for months after it (to be recovered).
"""
from __future__ import annotations

import datetime as dt
from html import escape

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (QCheckBox, QDateEdit, QGroupBox, QLabel, QLineEdit, QSizePolicy,
                               QVBoxLayout, QWidget)

from mzdesk.errors import DomainError, ValidationError
from mzdesk.models import Person
from mzdesk.services import deaths
from mzdesk.services.common import month as norm_month

from ..widgets import GREY, RED, PersonPicker, add_field
from .base import FormDialog


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


class DeathForm(FormDialog):
    TITLE = "死亡登记"

    def __init__(self, parent: QWidget | None = None, person_id: int | None = None):
        super().__init__(parent)
        self.setMinimumWidth(620)
        self.picker = add_field(self, "死者", PersonPicker())
        self.date = self.add_row("死亡日期", QDateEdit())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setMinimumWidth(130)
        self.date.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.date.setMaximumDate(_qdate(dt.date.today()))
        self.date.setDate(_qdate(dt.date.today()))
        self.cremated = self.add_row("是否火化", QCheckBox("已火化"))
        self.cremated.setChecked(True)
        self.funeral_home = self.add_row("殡仪馆", QLineEdit())
        self.funeral_home.setPlaceholderText("如：区殡仪馆")
        self.note = self.add_row("备注", QLineEdit())

        group = QGroupBox("保存后将会")
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self.preview.setMinimumHeight(120)
        QVBoxLayout(group).addWidget(self.preview)
        self.body.insertWidget(1, group, 1)

        self.picker.personChanged.connect(self.update_preview)
        self.date.dateChanged.connect(self.update_preview)
        if person_id:
            self.picker.set_person_id(person_id)
        self.update_preview()

    def death_date(self) -> dt.date:
        return self.date.date().toPython()

    def update_preview(self, *_args) -> None:
        pid = self.picker.person_id()
        if pid is None:
            self._show(f"<span style='color:{GREY}'>选择死者后，这里列出将停发的保障和死亡后已发放的款项。</span>")
            return
        person = Person.get_by_id(pid)
        if person.death_date is not None:
            self._show(f"<span style='color:{RED}'>该人员已于 {person.death_date} 登记死亡，不能重复登记。</span>")
            return
        try:
            effects = deaths.preview_death(pid, self.death_date())
        except DomainError as exc:
            self._show(f"<span style='color:{RED}'>{escape(str(exc))}</span>")
            return
        month = norm_month(self.death_date())
        parts = []
        if effects.to_stop:
            items = "".join(f"<br>　· {escape(e.programme.name)}　{e.amount} 元/月　自 {e.start_month} 起"
                            for e in effects.to_stop)
            parts.append(f"<b>停发以下保障</b>（{month} 为最后发放月份）：{items}")
        else:
            parts.append("该人员没有在保的保障项目。")
        if effects.payments_after:
            rows = "".join(
                f"<br>　· {line.batch.month}　{escape(line.batch.name or self._programme(line))}"
                f"　{line.amount} 元" for line in effects.payments_after)
            parts.append(f"<b>死亡后已发放 {len(effects.payments_after)} 笔</b>：{rows}<br>"
                         f"<span style='color:{RED}'><b>合计多发 {effects.overpaid} 元，需追回</b></span>")
        if effects.household_to_review is not None:
            e = effects.household_to_review
            parts.append(f"<span style='color:{RED}'>该人员是{escape(e.programme.name)}家庭（户主 "
                         f"{escape(e.person.name)}）的成员，请复核该户的保障人数和金额。</span>")
        self._show("<br><br>".join(parts))

    @staticmethod
    def _programme(line) -> str:
        return line.batch.programme.name if line.batch.programme_id else ""

    def _show(self, html: str) -> None:
        self.preview.setText(html)

    def save(self) -> int:
        pid = self.picker.person_id()
        if pid is None:
            raise ValidationError("请选择死者（输入姓名、拼音首字母或身份证号后从列表中选择）")
        effects = deaths.register_death(pid, self.death_date(), cremated=self.cremated.isChecked(),
                                        funeral_home=self.funeral_home.text(), note=self.note.text())
        return effects.death.id
