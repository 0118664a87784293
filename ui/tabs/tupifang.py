"""土坯房改造: the survey of rural mud-brick houses and the progress of their rebuilding."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

from mzdesk.registry_lists import HouseSurveySource
from mzdesk.services.ledgers import FAMILY_TYPES, INTENTIONS, PROGRESS

from .persons import ALL, LedgerTab


def _options(values):
    return [(ALL, None)] + [(v, v) for v in values]


class TupifangTab(LedgerTab):
    TITLE = "土坯房改造"
    EXPORT_NAME = "土坯房改造台账"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(HouseSurveySource(), parent)
        self.village_filter = self.village_combo()
        self.combo("intention", "改造意愿", _options(INTENTIONS))
        self.combo("family_type", "家庭类型", _options(FAMILY_TYPES))
        self.progress_combo = self.combo("progress", "进度", _options(PROGRESS))
        self.combo("pilot", "试点", [(ALL, None), ("试点", True), ("非试点", False)])
        self.add_action("新增", self.add_new, is_new=True, tip="登记一户的调查结果 (Ctrl+N)")
        self.add_action("编辑", self.edit, needs_selection=True,
                        tip="修改改造意愿、进度和补偿费用（双击行也可）")
        self.add_action("历史", self.show_history, needs_selection=True, tip="查看该记录的修改记录")
        self.finish_bars()

    def add_new(self) -> None:
        from ..forms.house_survey_form import HouseSurveyForm
        self.run(HouseSurveyForm(self))

    def edit(self) -> None:
        record_id = self.selected_id()
        if record_id is not None:
            from ..forms.house_survey_form import HouseSurveyForm
            self.run(HouseSurveyForm(self, record_id=record_id), record_id)

    def show_history(self) -> None:
        row = self.selected_row()
        if row is not None:
            from ..dialogs.history import HistoryDialog
            HistoryDialog(self, "house_survey", row["id"], f"{row['name']} — 土坯房改造").exec()

    def open_record(self, table: str, record_id: int) -> bool:
        return table == "house_survey" and self.reveal(record_id)
