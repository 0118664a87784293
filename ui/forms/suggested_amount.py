"""The suggested amount of the enrollment form and the resume dialog.

The amount field starts at what the standards give and follows each new
suggestion until the clerk types another amount; from then on the amount is
kept and a reason for it is required (the services demand it too), until
按标准 brings the suggestion back. The form computes the suggestion (it knows
what it depends on) and hands it over with `set_suggestion`.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from mzdesk.services.amounts import Suggestion

from ..widgets import GREY, RED, MoneyEdit
from .base import FormDialog

REASON_NEEDED = "background: #fff4ce; border: 1px solid #c00000;"


class SuggestedAmount(QObject):
    """Adds three rows to `dialog.form` where it is called: 建议金额 (the
    suggestion and how it was computed), the amount with its 按标准 button,
    and the reason for an amount off the suggestion.

    `refresh()` is the form's own "compute the suggestion again and call
    set_suggestion"; 按标准 calls it after clearing the reason.
    The two forms differ in wording and in one behaviour, hence:
    `amount_label` / `reason_label` name the rows; `explanation_prefix` goes
    before how the amount was computed; `reason_only_when_needed` disables the
    reason field while the amount is the suggested one (the resume dialog,
    where another reason field, 恢复原因, sits right above).
    """

    def __init__(self, dialog: FormDialog, refresh: Callable[[], None], *,
                 amount_label: str = "金额", reason_label: str = "原因",
                 explanation_prefix: str = "", reason_only_when_needed: bool = False):
        super().__init__(dialog)
        self._refresh = refresh
        self._reason_name = reason_label
        self._prefix = explanation_prefix
        self._reason_only_when_needed = reason_only_when_needed
        self.suggestion: Suggestion | None = None
        self.following = True  # the amount field takes each new suggestion

        self.label = QLabel()  # the suggestion and how it is computed, or why there is none
        self.label.setWordWrap(True)
        dialog.form.addRow("建议金额", self.label)
        self.amount = MoneyEdit()
        self.amount.textEdited.connect(self._amount_edited)  # typed by the clerk only
        self.amount.installEventFilter(dialog._enter_filter)
        self.follow_button = QPushButton("按标准")
        self.follow_button.setToolTip("恢复为建议金额")
        self.follow_button.clicked.connect(self.follow_again)
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.amount, QLabel("元/月"), self.follow_button):
            layout.addWidget(w)
        layout.addStretch(1)
        dialog.add_row(amount_label, row)
        self.reason_label = QLabel(reason_label)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("金额与建议金额不一致时必须填写")
        self.reason.installEventFilter(dialog._enter_filter)
        dialog.form.addRow(self.reason_label, self.reason)
        self.amount.textChanged.connect(self.mark_reason)
        self.reason.textChanged.connect(self.mark_reason)

    def set_suggestion(self, suggestion: Suggestion | None, error_text: str = "") -> None:
        """Show what the standards give now (None: nothing, in red `error_text`
        if there is one) and, while following, put it in the amount field."""
        self.suggestion = suggestion
        if suggestion is None:
            self.label.setText(error_text)
            self.label.setStyleSheet(f"color: {RED};" if error_text else "")
        else:
            self.label.setText(f"<b>{suggestion.amount} 元/月</b>　<span style='color:{GREY}'>"
                               f"{self._prefix}{suggestion.explanation}</span>")
            self.label.setStyleSheet("")
            if self.following:
                self.amount.setValue(suggestion.amount)
        self.mark_reason()

    def keep(self, amount, reason: str) -> None:
        """Stop following and show an amount set before with its reason."""
        self.following = False
        self.amount.setValue(amount)
        self.reason.setText(reason)
        self.mark_reason()

    def follow_again(self) -> None:
        """按标准: back to the suggestion, which needs no reason."""
        self.following = True
        self.reason.clear()
        self._refresh()

    def reason_required(self) -> bool:
        """Whether the amount is off the suggestion (or there is none), so it needs a reason."""
        value = self.amount.value()
        return value is not None and (self.suggestion is None or value != self.suggestion.amount)

    def mark_reason(self, *_args) -> None:
        needed = self.reason_required()
        self.reason_label.setText(f"{self._reason_name}（必填）" if needed else self._reason_name)
        self.reason_label.setStyleSheet(f"color: {RED};" if needed else "")
        self.reason.setStyleSheet(REASON_NEEDED if needed and not self.reason.text().strip() else "")
        if self._reason_only_when_needed:
            self.reason.setEnabled(needed)
        self.follow_button.setEnabled(not self.following and self.suggestion is not None)

    def _amount_edited(self, _text: str) -> None:
        self.following = False
        self.mark_reason()
