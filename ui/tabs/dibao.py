"""低保: the urban and rural 最低生活保障 rosters in one tab, with a 城市 / 农村 / 全部 selector."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

from .roster_tab import ALL, RosterTab

PROGRAMMES = ("dibao_urban", "dibao_rural")


class DibaoTab(RosterTab):
    TITLE = "低保"
    PROGRAMME_LABELS = {"dibao_urban": "城市低保", "dibao_rural": "农村低保"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__(PROGRAMMES, self.TITLE, parent)

    def add_filters(self) -> None:
        # Rural first: most townships' 低保 households are rural.
        self.programme_combo = self._combo("programme", "城乡", [
            ("农村", "dibao_rural"), ("城市", "dibao_urban"), (ALL, None)], default=2)
