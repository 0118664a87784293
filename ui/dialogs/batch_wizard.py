"""新建发放批次: a two-step wizard.

Step 1 chooses what to pay: a 月度发放 (a programme and a month) or a
一次性补贴 (a name, a month, the rosters it covers, per person or per
household, the amount and an optional village / person-tag filter).
Step 2 shows what the batch would hold before anything is written: the lines
with their count, persons and total, and the people left out with the reason
of each.  创建 writes the batch off the UI thread; a refusal from the service
(a second regular batch for the month, nobody to pay, …) is shown in red and
the wizard stays open with everything the clerk chose.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QRadioButton, QSplitter,
                               QStackedWidget, QVBoxLayout, QWidget, QWizard, QWizardPage)

from mzdesk.errors import DomainError, ValidationError
from mzdesk.payments import batches

from ..messages import describe, error_label, show_text
from ..table_model import RowListModel, read_only_table
from ..widgets import MoneyEdit, MonthEdit, VillageCombo

COMMON_SUBSIDIES = ("元旦春节生活补贴", "临时价格补贴", "低保门诊救助金", "大病补充医疗保险补贴", "学生补助")
ALL_VILLAGES = "全部村(社区)"
ANY_TAG = "不限"
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _money(amount) -> str:
    return f"{amount:,.2f}"


class RollLinesModel(RowListModel):
    """RollLines of a preview: 村, 姓名, 人数, 金额 (and 原因 for those left out)."""

    def __init__(self, with_reason: bool, parent=None):
        headers = ("村(社区)", "姓名", "人数", "金额(元)") + (("未纳入原因",) if with_reason else ())
        super().__init__(parent, headers)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        line = self.rows[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if col == 0:
                return line.village
            if col == 1:
                return line.name
            if col == 2:
                return str(line.covered_persons)
            if col == 3:
                return _money(line.amount)
            return line.reason
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (2, 3):
            return RIGHT
        return None


class ChoosePage(QWizardPage):
    """Step 1: what to pay."""

    def __init__(self, programme: str | None = None, parent=None):
        super().__init__(parent)
        self.setTitle("第一步：选择发放内容")
        self.setSubTitle("月度发放按当月名册生成；一次性补贴可覆盖多个救助项目。")
        self.programmes = batches.monthly_programmes()

        self.regular_radio = QRadioButton("月度发放")
        self.oneoff_radio = QRadioButton("一次性补贴")
        self.kind_group = QButtonGroup(self)
        self.kind_group.addButton(self.regular_radio, 0)
        self.kind_group.addButton(self.oneoff_radio, 1)
        self.regular_radio.setChecked(True)
        kinds = QHBoxLayout()
        kinds.addWidget(self.regular_radio)
        kinds.addWidget(self.oneoff_radio)
        kinds.addStretch(1)

        # 月度发放
        self.programme_combo = QComboBox()
        for prog in self.programmes:
            self.programme_combo.addItem(prog.name, prog.code)
        if programme:
            self.programme_combo.setCurrentIndex(max(self.programme_combo.findData(programme), 0))
        self.regular_month = MonthEdit()
        regular_box = QWidget()
        regular_form = QFormLayout(regular_box)
        regular_form.addRow("救助项目", self.programme_combo)
        regular_form.addRow("发放月份", self.regular_month)
        self.regular_hint = QLabel()
        self.regular_hint.setStyleSheet("color: #707070;")
        regular_form.addRow("", self.regular_hint)
        self.programme_combo.currentIndexChanged.connect(lambda _: self._suggest_month())
        self._suggest_month()

        # 一次性补贴
        self.name_combo = QComboBox()
        self.name_combo.setEditable(True)
        self.name_combo.addItems(COMMON_SUBSIDIES)
        self.name_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.name_combo.lineEdit().setPlaceholderText("补贴名称，可直接输入")
        self.name_combo.setMinimumWidth(240)
        self.oneoff_month = MonthEdit()
        self.programme_checks: dict[str, QCheckBox] = {}
        checks = QHBoxLayout()
        for prog in self.programmes:
            box = QCheckBox(prog.name)
            box.setChecked(prog.code.startswith("dibao"))
            self.programme_checks[prog.code] = box
            checks.addWidget(box)
        checks.addStretch(1)
        self.per_person = QRadioButton("按人")
        self.per_household = QRadioButton("按户")
        self.basis_group = QButtonGroup(self)
        self.basis_group.addButton(self.per_person)
        self.basis_group.addButton(self.per_household)
        self.per_person.setChecked(True)
        basis = QHBoxLayout()
        basis.addWidget(self.per_person)
        basis.addWidget(self.per_household)
        basis.addStretch(1)
        self.amount_edit = MoneyEdit()
        self.amount_unit = QLabel("元/人")
        amount = QHBoxLayout()
        amount.addWidget(self.amount_edit)
        amount.addWidget(self.amount_unit)
        amount.addStretch(1)
        self.per_person.toggled.connect(
            lambda on: self.amount_unit.setText("元/人" if on else "元/户"))
        self.village_combo = VillageCombo()
        self.village_combo.lineEdit().setPlaceholderText(ALL_VILLAGES)
        self.tag_combo = QComboBox()
        self.tag_combo.addItem(ANY_TAG, "")
        from mzdesk.registry_lists import tags
        for tag in tags():
            self.tag_combo.addItem(tag, tag)
        oneoff_box = QWidget()
        oneoff_form = QFormLayout(oneoff_box)
        oneoff_form.addRow("补贴名称", self.name_combo)
        oneoff_form.addRow("发放月份", self.oneoff_month)
        oneoff_form.addRow("救助项目", checks)
        oneoff_form.addRow("发放方式", basis)
        oneoff_form.addRow("补贴标准", amount)
        oneoff_form.addRow("村(社区)", self.village_combo)
        oneoff_form.addRow("人员标签", self.tag_combo)
        tip = QLabel("按人：每位保障人口（或带所选标签的人员）发放一份；按户：每户（或每位单人对象）一份。"
                     "村和标签不选则不限。")
        tip.setWordWrap(True)
        tip.setStyleSheet("color: #707070;")
        oneoff_form.addRow("", tip)

        self.stack = QStackedWidget()
        self.stack.addWidget(regular_box)
        self.stack.addWidget(oneoff_box)
        self.kind_group.idToggled.connect(lambda i, on: on and self.stack.setCurrentIndex(i))
        self.error = error_label()

        layout = QVBoxLayout(self)
        layout.addLayout(kinds)
        layout.addWidget(self.stack)
        layout.addStretch(1)
        layout.addWidget(self.error)

    # --- choices -----------------------------------------------------------

    def is_oneoff(self) -> bool:
        return self.oneoff_radio.isChecked()

    def set_programme(self, code: str) -> None:
        self.programme_combo.setCurrentIndex(self.programme_combo.findData(code))

    def _suggest_month(self) -> None:
        code = self.programme_combo.currentData()
        if not code:
            return
        month = batches.next_regular_month(code)
        self.regular_month.setValue(month)
        self.regular_hint.setText(f"默认为上一批次之后的月份：{month}")

    def spec(self) -> batches.OneOffSpec:
        village = self.village_combo.village_id()
        if village is None and self.village_combo.currentText().strip():
            raise ValidationError(f"没有名为“{self.village_combo.currentText().strip()}”的村(社区)")
        amount = self.amount_edit.value()
        return batches.oneoff_spec(
            self.name_combo.currentText(), self._month(self.oneoff_month),
            [code for code, box in self.programme_checks.items() if box.isChecked()],
            "person" if self.per_person.isChecked() else "household",
            "" if amount is None else amount, village, self.tag_combo.currentData() or "")

    @staticmethod
    def _month(edit: MonthEdit) -> str:
        month = edit.value()
        if month is None:
            raise ValidationError("发放月份格式不正确，请按 2026-06 的格式填写")
        return month

    def make_preview(self) -> tuple[batches.Preview, object]:
        """(preview, what creates it): the regular (programme, month) or the one-off spec."""
        if self.is_oneoff():
            spec = self.spec()
            return batches.preview_oneoff(spec), spec
        programme = self.programme_combo.currentData()
        month = self._month(self.regular_month)
        return batches.preview_regular(programme, month), (programme, month)

    def validatePage(self) -> bool:
        show_text(self.error, "")
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            preview, plan = self.make_preview()
        except DomainError as exc:
            show_text(self.error, str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - logged by describe(), shown politely
            show_text(self.error, describe(exc))
            return False
        finally:
            QGuiApplication.restoreOverrideCursor()
        wizard = self.wizard()
        wizard.preview, wizard.plan = preview, plan
        return True


class PreviewPage(QWizardPage):
    """Step 2: the lines and the people left out; 创建 writes the batch."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTitle("第二步：核对发放明细")
        self.setSubTitle("核对无误后点“创建”生成草稿批次；审核前仍可作废重做。")
        self.heading = QLabel()
        self.heading.setStyleSheet("font-weight: bold; font-size: 11pt;")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.lines_model = RollLinesModel(False, self)
        self.lines_view = _table(self.lines_model, (90, 80, 40))
        self.left_model = RollLinesModel(True, self)
        self.left_view = _table(self.left_model, (90, 70, 40, 80))
        self.lines_box = QGroupBox("发放明细")
        QVBoxLayout(self.lines_box).addWidget(self.lines_view)
        self.left_box = QGroupBox("未纳入人员")
        QVBoxLayout(self.left_box).addWidget(self.left_view)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.lines_box)
        splitter.addWidget(self.left_box)
        splitter.setSizes([430, 560])
        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.error)

    def initializePage(self) -> None:
        preview = self.wizard().preview
        show_text(self.error, "")
        self.heading.setText(preview.name)
        self.lines_model.set_rows(preview.lines)
        self.left_model.set_rows(preview.left_out)
        self.lines_box.setTitle(f"发放明细（{len(preview.lines)} 条）")
        self.left_box.setTitle(f"未纳入人员（{len(preview.left_out)} 人）")
        if preview.lines:
            self.summary.setText(
                f"将发放 {len(preview.lines)} 条，保障 {preview.persons} 人，"
                f"合计 {_money(preview.total)} 元；未纳入 {len(preview.left_out)} 人（原因见右表）。")
        else:
            self.summary.setText("没有可发放的对象，不能创建批次。")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        wizard = self.wizard()
        return bool(wizard and wizard.preview and wizard.preview.lines) and not wizard.is_busy()

    def validatePage(self) -> bool:
        wizard = self.wizard()
        if wizard.batch_id is not None:
            return True  # created: the wizard may close
        wizard.create()
        return False


def _table(model: RowListModel, widths: tuple[int, ...]):
    view = read_only_table(model, row_height=22)
    view.setWordWrap(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for i, width in enumerate(widths):
        view.setColumnWidth(i, width)
    return view


class BatchWizard(QWizard):
    """新建发放批次.  After exec() returns Accepted, `batch_id` is the new batch."""

    def __init__(self, parent: QWidget | None = None, programme: str | None = None):
        super().__init__(parent)
        self.setWindowTitle("新建发放批次")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, "下一步 >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< 上一步")
        self.setButtonText(QWizard.WizardButton.FinishButton, "创建")
        self.setButtonText(QWizard.WizardButton.CancelButton, "取消")
        self.preview: batches.Preview | None = None
        self.plan = None
        self.batch_id: int | None = None
        self._progress = None
        self.choose_page = ChoosePage(programme)
        self.preview_page = PreviewPage()
        self.addPage(self.choose_page)
        self.addPage(self.preview_page)
        self.resize(1020, 620)

    def is_busy(self) -> bool:
        return self._progress is not None

    def create(self) -> None:
        """Write the batch in the background; the wizard closes once it exists."""
        from ..worker import TaskProgressDialog
        plan = self.plan
        if isinstance(plan, batches.OneOffSpec):
            def work(_progress):
                return batches.create_oneoff(plan).id
        else:
            programme, month = plan

            def work(_progress):
                return batches.create_regular(programme, month).id
        show_text(self.preview_page.error, "")
        self._progress = TaskProgressDialog(self, "创建发放批次", work,
                                            label=f"正在创建“{self.preview.name}”……")
        self._progress.succeeded.connect(self._created)
        self._progress.failed.connect(self._failed)
        self.preview_page.completeChanged.emit()
        self._progress.start()

    def _end_progress(self) -> None:
        self._progress.deleteLater()
        self._progress = None
        self.preview_page.completeChanged.emit()

    def _created(self, batch_id: int) -> None:
        self._end_progress()
        self.batch_id = batch_id
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._end_progress()
        show_text(self.preview_page.error, describe(error))

    def reject(self) -> None:
        if not self.is_busy():
            super().reject()
