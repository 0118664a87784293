"""人员档案: every person of the township, with their programmes and tags.

`LedgerTab` (the list-tab behaviour this tab shares with the ledger tabs:
filter combos that can be widened, choices that follow the data, showing a
form and then selecting what it saved) lives here too.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QComboBox, QWidget

from mzdesk.registry_lists import ALIVE, DEAD, PROGRAMME_ORDER, SHORT_NAMES, PersonSource, tags
from mzdesk.services.villages import list_villages

from .list_tab import ListTab

ALL = "全部"
NARROW_SEARCH, NARROW_COMBO = 200, 60  # pixels


class LedgerTab(ListTab):
    """A ListTab whose filters can be widened to show a given record.

    The tab loads nothing until its first refresh(): the main window
    refreshes a tab when it is first shown, which keeps start-up fast.
    """

    def __init__(self, source, parent: QWidget | None = None):
        super().__init__(source, parent)
        self._choices: list[tuple[QComboBox, Callable[[], list]]] = []

    # --- building ------------------------------------------------------------

    def combo(self, key: str, label: str, options, default: int = 0) -> QComboBox:
        combo = self.add_combo_filter(key, label, options, default)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        return combo

    def choice_combo(self, key: str, label: str, values: Callable[[], list]) -> QComboBox:
        """全部 + values that change with the data (years, types in use); reloaded after writes."""
        combo = self.combo(key, label, [(ALL, None)] + [(str(v), v) for v in values()])
        self._choices.append((combo, values))
        return combo

    def village_combo(self) -> QComboBox:
        return self.combo("village", "村(社区)", [(ALL, None)] + [(v.name, v.id) for v in list_villages()])

    def finish_bars(self) -> None:
        super().finish_bars()
        # On a narrow window the search box and the combos give way (down to
        # NARROW_* pixels) instead of widening the whole main window.
        wide = self.search.minimumWidth()
        self.search.setMinimumWidth(min(wide, NARROW_SEARCH))
        self.search.setMaximumWidth(max(wide, NARROW_SEARCH))
        self.filter_bar.setStretchFactor(self.search, 100)  # first to grow back, before the trailing stretch
        for combo in self._combos:
            combo.setMinimumWidth(NARROW_COMBO)
        # Only a wide text column (备注, 住址) may take the rest of the row; a
        # stretched date or unit would float far from its neighbours.
        last = self.model.columns[-1] if self.model.columns else None
        self.table.horizontalHeader().setStretchLastSection(bool(last) and (last.width or 0) >= 12)

    # --- behaviour -------------------------------------------------------------

    def reload_choices(self) -> None:
        for combo, values in self._choices:
            current = combo.currentData()
            wanted = [(ALL, None)] + [(str(v), v) for v in values()]
            if [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())] == wanted:
                continue
            combo.blockSignals(True)
            combo.clear()
            for text, value in wanted:
                combo.addItem(text, value)
            combo.setCurrentIndex(max(combo.findData(current), 0) if current is not None else 0)
            combo.blockSignals(False)

    def refresh(self) -> None:
        self.reload_choices()  # another tab may have added a year or a tag
        super().refresh()

    def on_activated(self) -> None:
        edit = getattr(self, "edit", None)
        if edit is not None and self.selected_id() is not None:
            self._guarded(edit)


class PersonsTab(LedgerTab):
    TITLE = "人员档案"
    EXPORT_NAME = "人员档案"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(PersonSource(), parent)
        self.village_filter = self.village_combo()
        self.alive_combo = self.combo("alive", "状态", [(ALIVE, ALIVE), (DEAD, DEAD), (ALL, None)])
        self.programme_combo = self.combo("programme", "所属项目", [(ALL, None)] + [
            (SHORT_NAMES[c], c) for c in PROGRAMME_ORDER])
        self.tag_combo = self.choice_combo("tag", "标签", tags)
        self.add_action("新增人员", self.add_new, is_new=True, tip="登记新的人员档案 (Ctrl+N)")
        self.add_action("编辑", self.edit, needs_selection=True, tip="修改选中的人员（双击行也可）")
        self.add_action("家庭", self.household, needs_selection=True,
                        tip="查看或修改此人所在的家庭；没有家庭时以此人为户主建立")
        self.death_button = self.add_action("登记死亡", self.register_death, needs_selection=True,
                                            tip="登记死亡，停止其全部保障")
        self.add_action("历史", self.show_history, needs_selection=True, tip="查看该人员档案的修改记录")
        self.finish_bars()

    def update_actions(self) -> None:
        super().update_actions()
        if hasattr(self, "death_button"):
            row = self.selected_row()
            self.death_button.setEnabled(bool(row) and not row.get("death_date"))

    def add_new(self) -> None:
        from ..forms.person_form import PersonForm
        self.run(PersonForm(self))

    def edit(self) -> None:
        person_id = self.selected_id()
        if person_id is not None:
            from ..forms.person_form import PersonForm
            self.run(PersonForm(self, person_id=person_id), person_id)

    def household(self) -> None:
        person_id = self.selected_id()
        if person_id is None:
            return
        from mzdesk.services.households import household_of
        from ..forms.household_form import HouseholdForm
        found = household_of(person_id)
        form = (HouseholdForm(self, household_id=found.id) if found
                else HouseholdForm(self, head_id=person_id))
        if form.exec():  # the programmes column of several persons may change
            self.after_write()
            self.reveal(person_id)

    def register_death(self) -> None:
        person_id = self.selected_id()
        if person_id is not None:
            from ..forms.death_form import DeathForm
            form = DeathForm(self, person_id=person_id)
            if form.exec():
                self.after_write()
                self.reveal(person_id)

    def show_history(self) -> None:
        row = self.selected_row()
        if row is not None:
            from ..dialogs.history import HistoryDialog
            HistoryDialog(self, "person", row["id"], f"{row['name']} — 人员档案").exec()

    def reveal(self, record_id) -> bool:
        """A person far down a list of thousands is shown alone (searched by ID number)
        rather than after fetching every page above them."""
        if not self.loaded:
            self.refresh()
        if self.model.row_of_id(record_id) < 0:
            from mzdesk.models import Person
            person = Person.get_or_none(Person.id == record_id)
            if person is None:
                return False
            self.widen(person.id_number)
        return super().reveal(record_id)

    def open_record(self, table: str, record_id: int) -> bool:
        if table == "person":
            return self.reveal(record_id)
        if table == "household":
            from mzdesk.models import Household
            household = Household.get_or_none(Household.id == record_id)
            return household is not None and self.reveal(household.head_id)
        return False
