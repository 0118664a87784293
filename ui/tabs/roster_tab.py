"""The roster tab every programme shares (issue 3 §3): the list of its
enrollments with village / status / category filters and the actions
新增, 编辑, 停保, 恢复, 历史 and 导出当前列表.

The programme tabs (低保, 特困供养, …) are thin configurations of this one.
The forms are imported inside the slots: they are only needed when used.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QMessageBox, QWidget

from mzdesk.models import Programme, database
from mzdesk.rosters import ACTIVE, STOPPED, RosterSource, categories
from mzdesk.services.villages import list_villages

from .list_tab import ListTab

ALL = "全部"


def _set_options(combo: QComboBox, options: list[tuple[str, object]]) -> None:
    """Replace a filter's options, keeping the current choice, without a refresh."""
    if [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())] == options:
        return
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for text, value in options:
        combo.addItem(text, value)
    combo.setCurrentIndex(max(combo.findData(current), 0) if current is not None else 0)
    combo.blockSignals(False)


class RosterTab(ListTab):
    TITLE = ""
    # Short names of the programmes for the 新增 question, e.g. {'dibao_rural': '农村低保'}.
    PROGRAMME_LABELS: dict[str, str] = {}

    def __init__(self, programmes: tuple[str, ...], title: str, parent: QWidget | None = None):
        self.programmes = tuple(programmes)
        super().__init__(RosterSource(self.programmes), parent)
        self.TITLE = title
        self.EXPORT_NAME = f"{title}名单"
        self.names = dict(Programme.select(Programme.code, Programme.name)
                          .where(Programme.code.in_(self.programmes)).tuples())
        self.add_filters()
        self.village_combo = self._combo("village", "村(社区)", [(ALL, None)])
        self.status_combo = self._combo("status", "状态", [(ACTIVE, ACTIVE), (STOPPED, STOPPED),
                                                           (ALL, None)])
        self.category_combo = self._combo("category", self.source.category_title, [(ALL, None)])
        self._choices_at = -1

        self.add_action("新增", self.add_new, is_new=True, tip="新增保障对象 (Ctrl+N)")
        self.add_action("编辑", self.edit, needs_selection=True, tip="修改选中的记录（双击行也可）")
        self.stop_button = self.add_action("停保", self.stop, needs_selection=True,
                                           tip="停止发放，须填写原因")
        self.resume_button = self.add_action("恢复", self.resume, needs_selection=True,
                                             tip="恢复已停保的记录")
        self.add_action("历史", self.show_history, needs_selection=True,
                        tip="查看该记录的修改记录和保障变动")
        self.finish_bars()

    # --- configuration hooks -------------------------------------------------

    def add_filters(self) -> None:
        """Filters shown before 村(社区); the 低保 tab puts its 城市/农村 selector here."""

    def _combo(self, key: str, label: str, options, default: int = 0) -> QComboBox:
        combo = self.add_combo_filter(key, label, options, default)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        return combo

    def _reload_choices(self) -> None:
        """Villages and categories as they are now (设置 or a form may add one);
        only after something was written, not on every keystroke."""
        changes = database.connection().total_changes
        if changes == self._choices_at:
            return
        self._choices_at = changes
        _set_options(self.village_combo, [(ALL, None)] + [(v.name, v.id) for v in list_villages()])
        _set_options(self.category_combo,
                     [(ALL, None)] + [(c, c) for c in categories(self.programmes)])

    def refresh(self) -> None:
        self._reload_choices()
        super().refresh()

    # --- state of the selection ----------------------------------------------------

    def update_actions(self) -> None:
        super().update_actions()
        if not hasattr(self, "resume_button"):
            return  # still building the tab
        row = self.selected_row()
        status = row.get("status") if row else None
        self.stop_button.setEnabled(status == ACTIVE)
        self.resume_button.setEnabled(status == STOPPED)

    def on_activated(self) -> None:
        if self.selected_id() is not None:
            self._guarded(self.edit)

    # --- actions ----------------------------------------------------------------

    def programme_for_new(self) -> str | None:
        """The programme a new record goes to; asks when the tab shows several."""
        chosen = self.filters().get("programme")
        if chosen in self.programmes:
            return chosen
        if len(self.programmes) == 1:
            return self.programmes[0]
        return self.ask_programme()

    def ask_programme(self) -> str | None:
        box = QMessageBox(QMessageBox.Icon.Question, "新增", "请选择要新增的项目：",
                          QMessageBox.StandardButton.Cancel, self)
        box.button(QMessageBox.StandardButton.Cancel).setText("取消")
        buttons = {box.addButton(self.PROGRAMME_LABELS.get(code, self.names.get(code, code)),
                                 QMessageBox.ButtonRole.AcceptRole): code
                   for code in self.programmes}
        box.exec()
        return buttons.get(box.clickedButton())

    def add_new(self) -> None:
        programme = self.programme_for_new()
        if programme is None:
            return
        from ..forms.enrollment_form import EnrollmentForm
        self.run(EnrollmentForm(self, programme=programme), None)

    def edit(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        from ..forms.enrollment_form import EnrollmentForm
        self.run(EnrollmentForm(self, programme=row["programme"], enrollment_id=row["id"]),
                  row["id"])

    def stop(self) -> None:
        row = self.selected_row()
        if row is None or row["status"] != ACTIVE:
            return
        from ..forms.stop_resume import StopDialog
        self.run(StopDialog(self, row["id"]), row["id"])

    def resume(self) -> None:
        row = self.selected_row()
        if row is None or row["status"] != STOPPED:
            return
        from ..forms.stop_resume import ResumeDialog
        self.run(ResumeDialog(self, row["id"]), row["id"])

    def show_history(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        from ..dialogs.history import HistoryDialog
        title = f"{row['name']} — {self.names.get(row['programme'], self.TITLE)}"
        HistoryDialog(self, "enrollment", row["id"], title).exec()

    def open_record(self, table: str, record_id: int) -> bool:
        if table == "enrollment":
            found = record_id if self.source.programme_of(record_id) else None
        elif table == "person":
            found = self.source.enrollment_of_person(record_id)
        else:
            return False
        return found is not None and self.reveal(found)

    def export_title(self) -> str:
        from mzdesk.services.settings import township_name
        chosen = self.filters().get("programme")
        name = self.names.get(chosen, self.TITLE)
        status = self.filters().get("status")
        suffix = "停保" if status == STOPPED else ""
        return f"{township_name()}{name}{suffix}名单"
