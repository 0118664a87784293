"""What every form shares: Enter moves to the next field, Ctrl+S saves,
Esc cancels, and a refusal from a service appears in red in the form, which
stays open with everything the clerk typed.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QComboBox, QDialog, QDialogButtonBox,
                               QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget)

from mzdesk.errors import DomainError

from ..messages import describe


class FormDialog(QDialog):
    """Subclasses fill `self.form` (a QFormLayout) and implement `save()`.

    `save()` calls the services and returns the id of what it saved; a
    DomainError it raises is shown in `self.error` and nothing closes.
    """

    TITLE = ""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.TITLE)
        self.saved_id = None
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c00000;")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存 (Ctrl+S)")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消 (Esc)")
        self.buttons.accepted.connect(self.try_save)
        self.buttons.rejected.connect(self.reject)
        self.body = QVBoxLayout(self)
        self.body.addLayout(self.form)
        self.body.addWidget(self.error)
        self.body.addWidget(self.buttons)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.try_save)
        self._enter_filter = _EnterMovesOn(self)

    def add_row(self, label: str, widget: QWidget) -> QWidget:
        self.form.addRow(label, widget)
        widget.installEventFilter(self._enter_filter)
        return widget

    def save(self):
        raise NotImplementedError

    def try_save(self) -> None:
        try:
            self.saved_id = self.save()
        except DomainError as exc:
            self.show_error(str(exc))
            self._hide_error_on_edit()
            return
        except Exception as exc:  # logged without personal data, shown politely
            self.show_error(describe(exc))
            self._hide_error_on_edit()
            return
        self.accept()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _hide_error_on_edit(self) -> None:
        """A refusal of 保存 stays until the clerk changes something, not until the next
        保存: a message about a field already corrected only confuses. Only what the
        clerk does counts (textEdited, activated, clicked: never a change the form
        makes). Messages a form shows itself while the clerk types (show_error) are
        the form's to clear."""
        if getattr(self, "_watching_edits", False):
            return
        self._watching_edits = True
        hide = self.error.hide
        for edit in self.findChildren(QLineEdit):   # spin boxes and date edits type into one too
            edit.textEdited.connect(hide)
        for combo in self.findChildren(QComboBox):
            combo.activated.connect(hide)
        for box in self.findChildren(QAbstractButton):
            if box.isCheckable():
                box.clicked.connect(hide)


class _EnterMovesOn(QObject):
    """Return/Enter in a field moves to the next one instead of pressing 保存."""

    def __init__(self, dialog: QDialog):
        super().__init__(dialog)
        self.dialog = dialog

    def eventFilter(self, obj, event) -> bool:
        if (event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and isinstance(obj, (QLineEdit, QComboBox, QAbstractSpinBox))
                and not (isinstance(obj, QComboBox) and obj.view().isVisible())):
            self.dialog.focusNextChild()
            return True
        return False
