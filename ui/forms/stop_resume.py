"""停保 and 恢复: an enrollment stops after its last month paid, with a reason,
and can be paid again from a later month, also with a reason.
"""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from mzdesk import idcard
from mzdesk.errors import DomainError
from mzdesk.models import Enrollment
from mzdesk.services import amounts, enrollments
from mzdesk.services.common import get, next_month

from ..widgets import GREY, RED, MonthEdit, current_month
from .base import FormDialog

STOP_REASONS = ("收入超标", "迁出", "死亡", "自愿退出", "其他")


def _describe(e: Enrollment) -> str:
    p = e.person
    who = f"{p.name}　{idcard.mask(p.id_number)}"
    return f"{e.programme.name}　{who}　{e.amount} 元/月"


class StopDialog(FormDialog):
    TITLE = "停保"

    def __init__(self, parent: QWidget | None, enrollment_id: int):
        super().__init__(parent)
        self.enrollment = get(Enrollment, enrollment_id, "保障记录")
        e = self.enrollment
        self.setMinimumWidth(520)
        self.form.addRow("保障记录", QLabel(_describe(e)))
        self.form.addRow("开始月份", QLabel(e.start_month))
        self.month = self.add_row("最后发放月份", MonthEdit(month=max(current_month(), e.start_month)))
        hint = QLabel("该月仍照常发放，从下个月起停发")
        hint.setStyleSheet(f"color: {GREY};")
        self.form.addRow("", hint)
        self.reason = self.add_row("停保原因", QComboBox())
        self.reason.setEditable(True)
        self.reason.addItems(STOP_REASONS)
        self.reason.setCurrentIndex(-1)
        self.reason.lineEdit().setPlaceholderText("选择或输入原因")

    def save(self) -> int:
        return enrollments.stop(self.enrollment.id, month=self.month.value() or self.month.text(),
                                reason=self.reason.currentText()).id


class ResumeDialog(FormDialog):
    TITLE = "恢复保障"

    def __init__(self, parent: QWidget | None, enrollment_id: int):
        super().__init__(parent)
        self.enrollment = get(Enrollment, enrollment_id, "保障记录")
        e = self.enrollment
        self.setMinimumWidth(520)
        self.form.addRow("保障记录", QLabel(_describe(e)))
        stopped = f"最后发放 {e.stop_month}（{e.stop_reason}）" if e.stop_month else "未停保"
        self.form.addRow("停保", QLabel(stopped))
        first = max(current_month(), next_month(e.stop_month)) if e.stop_month else current_month()
        self.month = self.add_row("恢复月份", MonthEdit(month=first))
        self.month.monthChanged.connect(self._update)
        self.reason = self.add_row("恢复原因", QLineEdit())
        self.reason.setPlaceholderText("如：复核后符合条件")
        self.amount_label = QLabel()
        self.form.addRow("恢复后金额", self.amount_label)
        self._update()

    def _update(self, *_args) -> None:
        month = self.month.value()
        try:
            s = amounts.suggest_for(self.enrollment, month) if month else None
        except DomainError as exc:
            self.amount_label.setText(str(exc))
            self.amount_label.setStyleSheet(f"color: {RED};")
            return
        self.amount_label.setStyleSheet("")
        self.amount_label.setText(f"{s.amount} 元/月　按标准：{s.explanation}" if s else "")

    def save(self) -> int:
        return enrollments.resume(self.enrollment.id, month=self.month.value() or self.month.text(),
                                  reason=self.reason.text()).id
