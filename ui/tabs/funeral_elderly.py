"""殡葬与老龄: death registrations, elderly cards, counted activities and the
manual indicators, each a list of its own under one tab."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from mzdesk.registry_lists import (ActivitySource, CardSource, DeathSource, IndicatorSource,
                                   activity_kinds, activity_years, card_years, death_years,
                                   indicator_names, indicator_years)
from mzdesk.services.ledgers import CARD_TYPES

from .persons import ALL, LedgerTab


class DeathsList(LedgerTab):
    TITLE = "死亡登记"
    EXPORT_NAME = "死亡登记"
    TABLE = "death"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(DeathSource(), parent)
        self.village_combo()
        self.choice_combo("year", "年度", death_years)
        self.add_action("新增", self.add_new, is_new=True, tip="登记死亡，停止其全部保障 (Ctrl+N)")
        self.add_action("历史", self.show_history, needs_selection=True, tip="查看死者人员档案的修改记录")
        self.finish_bars()

    def add_new(self) -> None:
        from ..forms.death_form import DeathForm
        self.run(DeathForm(self))

    def show_history(self) -> None:
        row = self.selected_row()
        if row is not None:
            from ..dialogs.history import HistoryDialog
            HistoryDialog(self, "person", row["person_id"], f"{row['name']} — 人员档案").exec()


class CardsList(LedgerTab):
    TITLE = "老年证件"
    EXPORT_NAME = "老年证件办理"
    TABLE = "card_issuance"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(CardSource(), parent)
        self.combo("card_type", "证件类型", [(ALL, None)] + [(c, c) for c in CARD_TYPES])
        self.village_combo()
        self.choice_combo("year", "年度", card_years)
        self.add_action("新增", self.add_new, is_new=True, tip="登记办理的老年优待证或免费乘车证 (Ctrl+N)")
        self.add_action("编辑", self.edit, needs_selection=True, tip="修改选中的办证记录（双击行也可）")
        self.finish_bars()

    def add_new(self) -> None:
        from ..forms.elderly_forms import CardForm
        self.run(CardForm(self))

    def edit(self) -> None:
        record_id = self.selected_id()
        if record_id is not None:
            from ..forms.elderly_forms import CardForm
            self.run(CardForm(self, record_id=record_id), record_id)


class ActivitiesList(LedgerTab):
    TITLE = "工作活动"
    EXPORT_NAME = "工作活动台账"
    TABLE = "activity"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(ActivitySource(), parent)
        self.search.setPlaceholderText("搜索：活动类别 / 名称 / 备注")
        self.choice_combo("kind", "类别", activity_kinds)
        self.choice_combo("year", "年度", activity_years)
        self.add_action("新增", self.add_new, is_new=True, tip="登记一次活动或检查 (Ctrl+N)")
        self.add_action("编辑", self.edit, needs_selection=True, tip="修改选中的活动（双击行也可）")
        self.finish_bars()

    def add_new(self) -> None:
        from ..forms.elderly_forms import ActivityForm
        self.run(ActivityForm(self))

    def edit(self) -> None:
        record_id = self.selected_id()
        if record_id is not None:
            from ..forms.elderly_forms import ActivityForm
            self.run(ActivityForm(self, record_id=record_id), record_id)


class IndicatorsList(LedgerTab):
    TITLE = "工作指标"
    EXPORT_NAME = "工作指标"
    TABLE = "indicator"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(IndicatorSource(), parent)
        self.search.setPlaceholderText("搜索：指标名称")
        self.choice_combo("name", "指标", indicator_names)
        self.choice_combo("year", "年度", indicator_years)
        self.add_action("填报", self.add_new, is_new=True, tip="填报某月的指标值 (Ctrl+N)")
        self.add_action("修改", self.edit, needs_selection=True, tip="修改选中的指标值（双击行也可）")
        self.finish_bars()

    def add_new(self) -> None:
        from ..forms.elderly_forms import IndicatorForm
        self.run(IndicatorForm(self))

    def edit(self) -> None:
        record_id = self.selected_id()
        if record_id is not None:
            from ..forms.elderly_forms import IndicatorForm
            self.run(IndicatorForm(self, record_id=record_id), record_id)


class FuneralElderlyTab(QWidget):
    TITLE = "殡葬与老龄"
    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.deaths = DeathsList()
        self.cards = CardsList()
        self.activities = ActivitiesList()
        self.indicators = IndicatorsList()
        self.lists = (self.deaths, self.cards, self.activities, self.indicators)
        self.tabs = QTabWidget()
        for sub in self.lists:
            self.tabs.addTab(sub, sub.TITLE)
            sub.changed.connect(self.changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def refresh(self) -> None:
        for sub in self.lists:
            sub.refresh()

    def open_record(self, table: str, record_id: int) -> bool:
        for sub in self.lists:
            if sub.TABLE == table:
                self.tabs.setCurrentWidget(sub)
                return sub.reveal(record_id)
        return False
