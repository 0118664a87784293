"""高龄津贴: the 高龄津贴 roster (age band and age from the ID number)."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

from .roster_tab import RosterTab


class GaolingTab(RosterTab):
    TITLE = "高龄津贴"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(("gaoling",), self.TITLE, parent)
