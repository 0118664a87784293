"""Fixtures and helpers of the GUI tests (pytest-qt, QT_QPA_PLATFORM=offscreen)."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QSettings, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(autouse=True)
def qsettings_dir(tmp_path):
    """Keep QSettings (window geometry, tab, …) in the test's own directory."""
    path = tmp_path / "qsettings"
    old_format = QSettings.defaultFormat()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(path))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    yield path
    QSettings.setDefaultFormat(old_format)


@pytest.fixture(scope="session", autouse=True)
def _app_font(qapp):
    """The font the app itself would choose, so screenshots look like the real thing."""
    from ui.app import apply_cjk_font
    apply_cjk_font(qapp)


def type_text(widget: QWidget, text: str) -> None:
    """Type `text` into a widget key by key, Chinese included.

    qtbot.keyClicks aborts the process on non-ASCII text (DESIGN §7), so each
    character is sent as a QKeyEvent carrying it as its text; a newline is
    the Return key.
    """
    for char in text:
        if char == "\n":
            key, char_text = Qt.Key.Key_Return, "\r"
        elif char.isascii() and char.isalnum():
            key, char_text = Qt.Key(ord(char.upper())), char
        else:
            key, char_text = 0, char
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier,
                                                     char_text))


def save_screenshot(widget: QWidget, name: str) -> Path:
    """Grab a shown widget into tests/ui/screenshots/<name>.png (git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    QApplication.processEvents()
    path = SCREENSHOTS / f"{name}.png"
    assert widget.grab().save(str(path)), path
    return path


def pick(qtbot, picker, text: str) -> None:
    """Type pinyin into a PersonPicker and press Enter on the first match."""
    picker.edit.setFocus()
    qtbot.keyClicks(picker.edit, text)
    qtbot.waitUntil(lambda: picker.popup.isVisible(), timeout=2000)
    qtbot.keyClick(picker.popup, Qt.Key.Key_Return)  # the popup has the keyboard while shown
    assert picker.person_id() is not None


def retype(qtbot, edit, text: str) -> None:
    """Replace an ASCII field's text by typing."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)


@pytest.fixture
def messages(monkeypatch):
    """Every message box answered (Yes to a question), and what it said kept as (kind, text)."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[tuple[str, str]] = []

    def box(kind):
        def show(parent, title, text, *args, **kwargs):
            shown.append((kind, text))
            if kind == "question":
                return QMessageBox.StandardButton.Yes
            return QMessageBox.StandardButton.Ok
        return staticmethod(show)

    for kind in ("question", "information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind, box(kind))
    return shown
