"""特困供养: the 特困人员供养（五保） roster (散居 / 集中 with the institution and the self-care level)."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

from .roster_tab import RosterTab


class TekunTab(RosterTab):
    TITLE = "特困供养"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(("tekun",), self.TITLE, parent)
