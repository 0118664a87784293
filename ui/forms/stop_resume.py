"""停保 and 恢复: an enrollment stops after its last month paid, with a reason,
and can be paid again from a later month, also with a reason, at the
standard's amount or at another one with a reason for it.
"""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QWidget

from mzdesk import idcard
from mzdesk.errors import DomainError, ValidationError
from mzdesk.models import Enrollment
from mzdesk.services import amounts, enrollments
from mzdesk.services.common import get, next_month

from ..widgets import GREY, RED, MoneyEdit, MonthEdit, current_month
from .base import FormDialog
from .enrollment_form import REASON_NEEDED, _row

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
        self._suggestion: amounts.Suggestion | None = None
        self._follow = not e.amount_reason  # an amount set with a reason is kept
        self.form.addRow("保障记录", QLabel(_describe(e)))
        stopped = f"最后发放 {e.stop_month}（{e.stop_reason}）" if e.stop_month else "未停保"
        self.form.addRow("停保", QLabel(stopped))
        first = max(current_month(), next_month(e.stop_month)) if e.stop_month else current_month()
        self.month = self.add_row("恢复月份", MonthEdit(month=first))
        self.month.monthChanged.connect(self._update)
        self.reason = self.add_row("恢复原因", QLineEdit())
        self.reason.setPlaceholderText("如：复核后符合条件")
        self.amount_label = QLabel()  # the suggestion and how it is computed
        self.amount_label.setWordWrap(True)
        self.form.addRow("建议金额", self.amount_label)
        self.amount = MoneyEdit()
        self.amount.textEdited.connect(self._amount_edited)
        self.amount.installEventFilter(self._enter_filter)
        self.follow_button = QPushButton("按标准")
        self.follow_button.setToolTip("恢复为建议金额")
        self.follow_button.clicked.connect(self._follow_again)
        self.add_row("恢复后金额", _row(self.amount, "元/月", self.follow_button))
        self.amount_reason_label = QLabel("金额原因")
        self.amount_reason = QLineEdit()
        self.amount_reason.setPlaceholderText("金额与建议金额不一致时必须填写")
        self.amount_reason.installEventFilter(self._enter_filter)
        self.form.addRow(self.amount_reason_label, self.amount_reason)
        self.amount.textChanged.connect(self._mark_reason)
        self.amount_reason.textChanged.connect(self._mark_reason)
        if not self._follow:
            self.amount.setValue(e.amount)
            self.amount_reason.setText(e.amount_reason.split(AMOUNT_SEP)[-1])
        self._update()

    def _update(self, *_args) -> None:
        month = self.month.value()
        try:
            self._suggestion = amounts.suggest_for(self.enrollment, month) if month else None
        except DomainError as exc:
            self._suggestion = None
            self.amount_label.setText(str(exc))
            self.amount_label.setStyleSheet(f"color: {RED};")
        else:
            s = self._suggestion
            self.amount_label.setStyleSheet("")
            self.amount_label.setText(f"<b>{s.amount} 元/月</b>　<span style='color:{GREY}'>按标准："
                                      f"{s.explanation}</span>" if s else "")
            if s and self._follow:
                self.amount.setValue(s.amount)
        self._mark_reason()

    def _amount_edited(self, _text: str) -> None:
        self._follow = False
        self._mark_reason()

    def _follow_again(self) -> None:
        self._follow = True
        self.amount_reason.clear()
        self._update()

    def reason_required(self) -> bool:
        """Whether the amount is off the standard, so it needs its own reason."""
        value = self.amount.value()
        return value is not None and (self._suggestion is None or value != self._suggestion.amount)

    def _mark_reason(self, *_args) -> None:
        needed = self.reason_required()
        self.amount_reason_label.setText("金额原因（必填）" if needed else "金额原因")
        self.amount_reason_label.setStyleSheet(f"color: {RED};" if needed else "")
        self.amount_reason.setStyleSheet(
            REASON_NEEDED if needed and not self.amount_reason.text().strip() else "")
        self.amount_reason.setEnabled(needed)
        self.follow_button.setEnabled(not self._follow and self._suggestion is not None)

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
