"""优抚: the 重点优抚对象 roster (category with the disability grade)."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

from .roster_tab import RosterTab


class YoufuTab(RosterTab):
    TITLE = "优抚"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(("youfu",), self.TITLE, parent)
