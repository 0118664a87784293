"""残疾人补贴: the 残疾人两项补贴 roster (生活补贴 / 护理补贴 with the disability type and grade)."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

from .roster_tab import RosterTab


class CanjiTab(RosterTab):
    TITLE = "残疾人补贴"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(("canji",), self.TITLE, parent)
