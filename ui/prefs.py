"""Where the window remembers its geometry, tab and similar preferences.

The organisation and application are fixed here rather than taken from the
QApplication, so the preferences stay the same whatever starts the window.
"""
from __future__ import annotations

from PySide6.QtCore import QSettings

ORGANISATION = "mzdesk"
APPLICATION = "mzdesk"


def qsettings() -> QSettings:
    """The user's preferences, in QSettings' default format (tests switch it to INI)."""
    return QSettings(QSettings.defaultFormat(), QSettings.Scope.UserScope,
                     ORGANISATION, APPLICATION)
