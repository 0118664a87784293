"""救助台账: the 临时救助 and 医疗救助 cases, with the amount given per case."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

from mzdesk.registry_lists import ReliefSource, relief_case_types, relief_years
from mzdesk.services.ledgers import RELIEF_KINDS

from .persons import ALL, LedgerTab

TARGET_GROUPS = ("五保户", "低保户", "优抚对象", "困难户")


class ReliefTab(LedgerTab):
    TITLE = "救助台账"
    EXPORT_NAME = "救助台账"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(ReliefSource(), parent)
        self.kind_combo = self.combo("kind", "救助类别", [(k, k) for k in RELIEF_KINDS] + [(ALL, None)],
                                     default=len(RELIEF_KINDS))
        self.choice_combo("case_type", "救助类型", relief_case_types)
        self.combo("target_group", "对象类别", [(ALL, None)] + [(g, g) for g in TARGET_GROUPS])
        self.village_filter = self.village_combo()
        self.year_combo = self.choice_combo("year", "年度", relief_years)
        self.add_action("新增", self.add_new, is_new=True, tip="登记一次救助 (Ctrl+N)")
        self.add_action("编辑", self.edit, needs_selection=True, tip="查看或修改选中的救助记录（双击行也可）")
        self.add_action("历史", self.show_history, needs_selection=True, tip="查看该救助记录的操作记录")
        self.finish_bars()

    def add_new(self) -> None:
        from ..forms.relief_form import ReliefCaseForm
        self.run(ReliefCaseForm(self, kind=self.kind_combo.currentData()))

    def edit(self) -> None:
        record_id = self.selected_id()
        if record_id is not None:
            from ..forms.relief_form import ReliefCaseForm
            self.run(ReliefCaseForm(self, record_id=record_id), record_id)

    def show_history(self) -> None:
        row = self.selected_row()
        if row is not None:
            from ..dialogs.history import HistoryDialog
            title = f"{row['name']} — {row['kind']} {row['approved_date']}"
            HistoryDialog(self, "relief_case", row["id"], title).exec()

    def open_record(self, table: str, record_id: int) -> bool:
        return table == "relief_case" and self.reveal(record_id)
