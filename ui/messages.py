"""Telling the clerk that something went wrong, in Chinese and without tracebacks.

A `DomainError` is a refusal the clerk can act on: its own message is shown.
Anything else is a bug: it is logged (scrubbed, see mzdesk.logs) and the
clerk gets a polite message naming the log file.
"""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from mzdesk.errors import DomainError

TITLE = "民政桌面"
ERROR_STYLE = "color: #c00000;"


def error_label() -> QLabel:
    """A red line under a form or page for a refusal; hidden while empty."""
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


def show_text(label: QLabel, text: str) -> None:
    """Show `text` in an error_label(), or hide it when there is none."""
    label.setText(text)
    label.setVisible(bool(text))


def unexpected_text(log_path) -> str:
    return ("程序遇到了意外问题，刚才的操作可能没有完成。\n"
            "已保存的数据不受影响，请重新操作一次；如果问题反复出现，"
            f"请把下面的错误记录文件交给技术支持人员：\n{log_path}")


def describe(exc: BaseException) -> str:
    """The sentence for the clerk; logs the exception first when it is not a DomainError."""
    if isinstance(exc, DomainError):
        return str(exc)
    from mzdesk.logs import log_exception
    return unexpected_text(log_exception(exc))


def show_error(parent: QWidget | None, exc: BaseException) -> str:
    """Describe `exc` in a message box; returns the text shown."""
    text = describe(exc)
    if isinstance(exc, DomainError):
        QMessageBox.warning(parent, TITLE, text)
    else:
        QMessageBox.critical(parent, TITLE, text)
    return text
