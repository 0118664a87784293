"""停保 and 恢复: an enrollment stops after its last month paid, with a reason,
and can be paid again from a later month, also with a reason, at the
standard's amount or at another one with a reason for it.
"""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from mzdesk import idcard
from mzdesk.errors import DomainError, ValidationError
from mzdesk.models import Enrollment
from mzdesk.services import amounts, enrollments
from mzdesk.services.common import get, next_month

from ..widgets import GREY, MonthEdit, current_month
from .base import FormDialog
from .suggested_amount import SuggestedAmount

STOP_REASONS = ("收入超标", "迁出", "死亡", "自愿退出", "其他")
AMOUNT_SEP = "；金额："  # joins the reason for resuming and the reason for an amount off the standard


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
    """The amount starts at the standard's for the resume month (or at the
    amount kept with a reason before the stop) and follows it until the
    clerk types another; then a reason for the amount is required, as on
    the enrollment form, and saved with the reason for resuming."""

    TITLE = "恢复保障"

    def __init__(self, parent: QWidget | None, enrollment_id: int):
        super().__init__(parent)
        self.enrollment = get(Enrollment, enrollment_id, "保障记录")
        e = self.enrollment
        self.setMinimumWidth(560)
        self.form.addRow("保障记录", QLabel(_describe(e)))
        stopped = f"最后发放 {e.stop_month}（{e.stop_reason}）" if e.stop_month else "未停保"
        self.form.addRow("停保", QLabel(stopped))
        first = max(current_month(), next_month(e.stop_month)) if e.stop_month else current_month()
        self.month = self.add_row("恢复月份", MonthEdit(month=first))
        self.month.monthChanged.connect(self._update)
        self.reason = self.add_row("恢复原因", QLineEdit())
        self.reason.setPlaceholderText("如：复核后符合条件")
        # Here (unlike the enrollment form) the reason for the amount can be
        # typed only while the amount is off the standard.
        self.suggested = SuggestedAmount(self, self._update, amount_label="恢复后金额",
                                         reason_label="金额原因", explanation_prefix="按标准：",
                                         reason_only_when_needed=True)
        self.amount_label, self.amount = self.suggested.label, self.suggested.amount
        self.follow_button = self.suggested.follow_button
        self.amount_reason_label = self.suggested.reason_label
        self.amount_reason = self.suggested.reason
        if e.amount_reason:  # an amount set with a reason is kept
            self.suggested.keep(e.amount, e.amount_reason.split(AMOUNT_SEP)[-1])
        self._update()

    def _update(self, *_args) -> None:
        month = self.month.value()
        try:
            suggestion = amounts.suggest_for(self.enrollment, month) if month else None
        except DomainError as exc:
            self.suggested.set_suggestion(None, str(exc))
        else:
            self.suggested.set_suggestion(suggestion)  # no month yet: nothing, and no error

    def reason_required(self) -> bool:
        """Whether the amount is off the standard, so it needs its own reason."""
        return self.suggested.reason_required()

    def save(self) -> int:
        if self.amount.text().strip() and self.amount.value() is None:
            raise ValidationError("金额格式不正确")
        reason = self.reason.text().strip()
        if self.reason_required():
            why = self.amount_reason.text().strip()
            if not why:
                self.amount_reason.setFocus()
                raise ValidationError("恢复后金额与建议金额不一致，请填写金额原因")
            reason = f"{reason}{AMOUNT_SEP}{why}" if reason else ""  # no resume reason: the service says so
        return enrollments.resume(self.enrollment.id, month=self.month.value() or self.month.text(),
                                  reason=reason, amount=self.amount.value()).id
