"""The views inside 统计报表: the summary's figures, the 民政月报 and the narrative.

`figure_groups(figures)` turns the summary JSON (mzdesk.summary.figures)
into labelled rows — 城镇低保户 7户 18人, 发放低保金 21.73万元 … — each with
the key mzdesk.summary.records.figure_records understands, so that a double
click lists the records behind it; it is plain Python, tested with the tab.
The three widgets only show what the tab hands them; the tab does the work
(in the background) and the writes.  The period helpers and the save
dialog of the tab live here too.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QHeaderView, QLabel,
                               QPlainTextEdit, QPushButton, QScrollArea, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from mzdesk.district.figures_sheet import FigureRow, total
from mzdesk.money import wan_str

from ..prefs import qsettings
from ..table_model import RowListModel, read_only_table
from ..widgets import MonthEdit

DIR_KEY = "statistics/dir"  # the folder the clerk last saved a report in
LINK = QColor("#1a56a8")  # a count that opens its records
KEY_ROLE = Qt.ItemDataRole.UserRole
HALVES = {"上半年": ("01", "06"), "下半年": ("07", "12"), "全年": ("01", "12")}


def last_complete_half(today: dt.date) -> tuple[str, str]:
    """The latest half-year that has ended by `today`."""
    if today.month > 6:
        return f"{today.year:04d}-01", f"{today.year:04d}-06"
    return f"{today.year - 1:04d}-07", f"{today.year - 1:04d}-12"


def period_label(start: str, end: str) -> str:
    """2026年上半年, 2026年全年, 2026年1月至5月, 2025年7月至2026年2月."""
    y1, m1, y2, m2 = int(start[:4]), int(start[5:]), int(end[:4]), int(end[5:])
    if y1 == y2:
        for name, (a, b) in HALVES.items():
            if (m1, m2) == (int(a), int(b)):
                return f"{y1}年{name}"
        return f"{y1}年{m1}月" if m1 == m2 else f"{y1}年{m1}月至{m2}月"
    return f"{y1}年{m1}月至{y2}年{m2}月"


def ask_save_path(parent: QWidget, caption: str, name: str, kinds: str, suffix: str) -> Path | None:
    """The file the clerk saves a report as (in the folder used last), with its suffix."""
    prefs = qsettings()
    folder = Path(str(prefs.value(DIR_KEY, "") or Path.home()))
    chosen, _ = QFileDialog.getSaveFileName(parent, caption, str(folder / name), kinds)
    if not chosen:
        return None
    path = Path(chosen)
    if path.suffix.lower() != suffix:
        path = path.with_name(path.name + suffix)
    prefs.setValue(DIR_KEY, str(path.parent))
    return path


@dataclass(frozen=True)
class FigureItem:
    label: str
    count: str = ""  # "7户 18人", "13人"
    amount: Decimal | str | None = None  # 元, for the 万元 and 元 columns
    key: str | None = None  # figure_records key; None: nothing to list
    children: tuple["FigureItem", ...] = ()


def _yuan(amount) -> str:
    return f"{Decimal(amount):,.2f}"


def _months_label(months: list[str]) -> str:
    if not months:
        return ""
    if len({m[:4] for m in months}) == 1:
        return f"{int(months[0][:4])}年" + "、".join(str(int(m[5:7])) for m in months) + "月"
    return "、".join(f"{int(m[:4])}年{int(m[5:7])}月" for m in months)


# How each figure is counted, shown beside it (first prefix that matches a key wins).
NOTES = (
    ("dibao_paid", "期间内已审核批次的低保金（含补发，扣回已减）"),
    ("dibao_", "截至期末在册；人数为保障人数"),
    ("one_off.", "期间内已审核的一次性补贴批次；户(人)次为发放笔数"),
    ("tekun.dispersed_paid", "期间内散居五保对象的月度发放"),
    ("tekun.", "截至期末在册"),
    ("relief.", "期间内审批（已撤销的不计）；户数为救助家庭数"),
    ("tupifang.", "截至期末的调查登记"),
    ("youfu.paid", "期间内已审核批次的优抚金（含农村籍退役士兵）"),
    ("youfu.rural_veterans_60", "截至期末在册且年满60周岁"),
    ("youfu.", "截至期末在册"),
    ("deaths.", "期间内的死亡登记"),
    ("elderly.", "期间内办理、开展"),
    ("activities.", "期间内开展"),
    ("indicators.", "期间内最近一次填报的值"),
)


def note_for(key: str | None) -> str:
    if not key:
        return ""
    if ".tagged." in key:
        return "按人员标签发放的人数"
    return next((note for prefix, note in NOTES if key.startswith(prefix)), "")


def figure_groups(f: dict) -> list[tuple[str, list[FigureItem]]]:
    """The summary's figures as (group, items), in the order of the seed's sections."""
    urban, rural = f["dibao_urban"], f["dibao_rural"]
    groups: list[tuple[str, list[FigureItem]]] = [("低保", [
        FigureItem("城镇低保户", f"{urban['households']}户 {urban['persons']}人",
                   key="dibao_urban.households"),
        FigureItem("农村低保户", f"{rural['households']}户 {rural['persons']}人",
                   key="dibao_rural.households"),
        FigureItem("发放低保金", amount=f["dibao_paid"], key="dibao_paid"),
    ])]

    one_off = []
    for entry in f["one_off"]:
        name = entry["name"]
        tagged = tuple(FigureItem(f"其中{tag}人员", f"{n}人", key=f"one_off.{name}.tagged.{tag}")
                       for tag, n in entry["tagged"].items())
        label = f"{name}（{_months_label(entry['months'])}）"
        one_off.append(FigureItem(label, f"{entry['recipients']}户(人)次", entry["amount"],
                                  f"one_off.{name}.recipients", tagged))
    groups.append(("一次性补贴", one_off or [FigureItem("本期没有发放一次性补贴")]))

    tekun = f["tekun"]
    groups.append(("五保（特困供养）", [
        FigureItem("五保对象", f"{tekun['persons']}人", key="tekun.persons"),
        FigureItem("散居五保", f"{tekun['dispersed']}人", key="tekun.dispersed"),
        *(FigureItem(f"集中供养：{name}", f"{n}人", key=f"tekun.centralized.{name}")
          for name, n in tekun["centralized"].items()),
        FigureItem("兑现散居五保供养金", amount=tekun["dispersed_paid"], key="tekun.dispersed_paid"),
    ]))

    groups.append(("临时困难救济和医疗救助", [
        FigureItem(f"{row['type']}（{row['target']}）", f"{row['households']}户", row["amount"],
                   f"relief.{row['type']}.{row['target']}.households")
        for row in f["relief"]]))

    house = f["tupifang"]
    groups.append(("土坯房普查", [
        FigureItem("农村土坯房", f"{house['households']}户 {house['persons']}人", key="tupifang.households"),
        *(FigureItem(f"改造意愿：{name}", f"{n}户", key=f"tupifang.intention.{name}")
          for name, n in house["intention"].items()),
        *(FigureItem(f"家庭类型：{name}", f"{v['households']}户 {v['persons']}人",
                     key=f"tupifang.family_type.{name}")
          for name, v in house["family_type"].items()),
        FigureItem("已拆除", f"{house['demolished']}户", key="tupifang.demolished"),
        FigureItem("拆迁补偿费", amount=house["compensation"], key="tupifang.compensation"),
        *([FigureItem("过渡安置费", amount=house["transition_fee"], key="tupifang.transition_fee")]
          if "transition_fee" in house else []),
    ]))

    youfu = f["youfu"]
    groups.append(("优抚安置", [
        FigureItem("重点优抚对象", f"{youfu['persons']}人", key="youfu.persons"),
        *(FigureItem(f"其中{name}", f"{n}人", key=f"youfu.categories.{name}")
          for name, n in youfu["categories"].items()),
        FigureItem("农村籍退役士兵（60周岁以上）", f"{youfu['rural_veterans_60']}人",
                   key="youfu.rural_veterans_60"),
        FigureItem("发放优抚金", amount=youfu["paid"], key="youfu.paid"),
    ]))

    deaths, elderly = f["deaths"], f["elderly"]
    groups.append(("殡葬与老龄", [
        FigureItem("死亡", f"{deaths['deaths']}人", key="deaths.deaths"),
        FigureItem("火化", f"{deaths['cremations']}人", key="deaths.cremations"),
        FigureItem("办理老年优待证和免费乘车证", f"{elderly['cards']}证", key="elderly.cards"),
        FigureItem("老年人文化活动", f"{elderly['activities']}次", key="elderly.activities"),
    ]))

    work = [FigureItem(f"{kind}（{_months_label(v['months'])}）", f"{v['count']}次",
                       key=f"activities.{kind}")
            for kind, v in f.get("activities", {}).items()]
    work += [FigureItem(name, f"{value}%", key=f"indicators.{name}")
             for name, value in f["indicators"].items()]
    groups.append(("工作台账与指标", work or [FigureItem("本期没有登记活动或指标")]))
    return groups


# --- 总结数据 -----------------------------------------------------------------------------------

class FiguresView(QWidget):
    """The figures as a tree: 项目 | 数量 | 金额(万元) | 金额(元) | 说明; a double click
    (or Enter) on a row with records emits `figureActivated(key, label)`."""

    figureActivated = Signal(str, str, str)  # key, label, value as shown

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.heading = QLabel("请选择统计期间，然后点“统计”")
        self.heading.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(5)
        self.tree.setHeaderLabels(["项目", "数量", "金额(万元)", "金额(元)", "说明"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.itemActivated.connect(self._activated)
        header = self.tree.header()
        header.setStretchLastSection(True)
        for col, width in ((0, 330), (1, 130), (2, 110), (3, 140)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.tree.setColumnWidth(col, width)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 6, 4, 4)
        layout.addWidget(self.heading)
        layout.addWidget(self.tree, 1)

    def show_figures(self, figures: dict, heading: str) -> None:
        self.heading.setText(heading)
        self.tree.clear()
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for group, items in figure_groups(figures):
            top = QTreeWidgetItem([group])
            top.setFont(0, bold)
            top.setFirstColumnSpanned(False)
            self.tree.addTopLevelItem(top)
            for item in items:
                self._add(top, item)
            top.setExpanded(True)

    def _add(self, parent: QTreeWidgetItem, item: FigureItem) -> QTreeWidgetItem:
        amount = item.amount
        row = QTreeWidgetItem([item.label, item.count,
                               wan_str(amount) if amount is not None else "",
                               _yuan(amount) if amount is not None else "", note_for(item.key)])
        for col in (1, 2, 3):
            row.setTextAlignment(col, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        row.setForeground(4, QBrush(QColor("#707070")))
        if item.key:
            row.setData(0, KEY_ROLE, item.key)
            link = QFont(self.tree.font())
            link.setUnderline(True)
            col = 1 if item.count else 2
            row.setFont(col, link)
            row.setForeground(col, QBrush(LINK))
            row.setToolTip(col, "双击查看这一数字背后的名单")
        parent.addChild(row)
        for child in item.children:
            self._add(row, child)
        row.setExpanded(True)
        return row

    def item_for(self, key: str) -> QTreeWidgetItem | None:
        """The row of a figure key (tests and callers that want to point at one)."""
        found = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while found:
            item = found.pop(0)
            if item.data(0, KEY_ROLE) == key:
                return item
            found += [item.child(i) for i in range(item.childCount())]
        return None

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        key = item.data(0, KEY_ROLE)
        if key:
            value = item.text(1) or f"{item.text(2)}万元"
            self.figureActivated.emit(key, item.text(0), value)


# --- 民政月报 ------------------------------------------------------------------------------------

MONTHLY_HEADERS = ("项目", "户数", "人数", "本月发放(元)", "本年累计(元)", "本月新增", "本月减少", "说明")
# Columns whose double click lists enrollments: the month's roll, or its changes.
ROLL_COLUMNS = {1: "roll", 2: "roll", 5: "added", 6: "removed"}


class MonthlyModel(RowListModel):
    HEADERS = MONTHLY_HEADERS

    def set_figures(self, rows: list[FigureRow]) -> None:
        self.figures = list(rows)
        self.set_rows(self.figures + ([total(self.figures)] if self.figures else []))

    def row(self, index: int) -> FigureRow:
        return self.rows[index]

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r, col = self.rows[index.row()], index.column()
        is_total = index.row() == len(self.rows) - 1 and r.code == "total"
        if role == Qt.ItemDataRole.DisplayRole:
            values = (r.name, r.households, r.persons, _yuan(r.amount_month), _yuan(r.amount_year),
                      r.added, r.removed, r.note)
            value = values[col]
            if is_total and col in (1, 2):
                return ""
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and 1 <= col <= 6:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.FontRole and is_total:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and col in ROLL_COLUMNS and r.added is not None:
            return "双击查看名单"
        return None


class MonthlyView(QWidget):
    """The 民政月报 of a month: a month chooser, 统计, the table and 导出xlsx…"""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.month_edit = MonthEdit()
        self.compute_button = QPushButton("统计")
        self.compute_button.setToolTip("统计所选月份的民政月报")
        self.export_button = QPushButton("导出xlsx…")
        self.export_button.setToolTip("把民政月报保存为 Excel 表格（与报送区局的格式相同）")
        self.export_button.setEnabled(False)
        self.heading = QLabel()
        self.model = MonthlyModel(self)
        self.table = read_only_table(self.model)
        self.table.setWordWrap(False)
        for col, width in enumerate((150, 70, 70, 120, 120, 80, 80)):
            self.table.setColumnWidth(col, width)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("月份"))
        bar.addWidget(self.month_edit)
        bar.addWidget(self.compute_button)
        bar.addSpacing(12)
        bar.addWidget(self.heading, 1)
        bar.addWidget(self.export_button)
        hint = QLabel("户数、人数为当月发放名册；本月新增、本月减少为与上月名册相比新纳入、不再发放的户（人）数。"
                      "双击户数、人数、新增或减少可查看名单。")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #707070;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 6, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint)


# --- 文字材料 -------------------------------------------------------------------------------------

class NarrativeView(QWidget):
    """One editor per narrative block (NARRATIVE_LABELS), 保存 and 恢复默认."""

    edited = Signal()

    def __init__(self, labels: dict[str, str], parent: QWidget | None = None):
        super().__init__(parent)
        self.labels = dict(labels)
        self._loaded: dict[str, str] = {}
        self.save_button = QPushButton("保存")
        self.save_button.setToolTip("保存本统计期间的文字材料（生成工作总结时使用）")
        self.default_button = QPushButton("恢复默认")
        self.default_button.setToolTip("把各段恢复为模板的默认文字（保存后生效）")
        self.heading = QLabel()
        self.state = QLabel()
        bar = QHBoxLayout()
        bar.addWidget(self.heading, 1)
        bar.addWidget(self.state)
        bar.addWidget(self.default_button)
        bar.addWidget(self.save_button)

        self.editors: dict[str, QPlainTextEdit] = {}
        page = QWidget()
        form = QVBoxLayout(page)
        bold = QFont(self.font())
        bold.setBold(True)
        for key, label in self.labels.items():
            title = QLabel(label)
            title.setFont(bold)
            editor = QPlainTextEdit()
            editor.setTabChangesFocus(True)
            editor.setMinimumHeight(96 if key != "plan" else 160)
            editor.textChanged.connect(self._changed)
            self.editors[key] = editor
            form.addWidget(title)
            form.addWidget(editor)
        form.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(page)
        hint = QLabel("每行为一段；花括号中的占位符（如 {dibao_urban.households}、{period_label}）"
                      "在生成时换成统计数字，请保留。")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #707070;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 6, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(scroll, 1)
        layout.addWidget(hint)
        self.setEnabled(False)

    def texts(self) -> dict[str, str]:
        return {key: editor.toPlainText() for key, editor in self.editors.items()}

    def load(self, texts: dict[str, str], heading: str) -> None:
        """Show a period's saved narrative (what is saved is now what is shown)."""
        self._loaded = {key: texts.get(key, "") for key in self.editors}
        for key, editor in self.editors.items():
            editor.blockSignals(True)
            editor.setPlainText(self._loaded[key])
            editor.blockSignals(False)
        self.heading.setText(heading)
        self.setEnabled(True)
        self._changed()

    def fill(self, texts: dict[str, str]) -> None:
        """Put texts in the editors without saving them (恢复默认)."""
        for key, text in texts.items():
            if key in self.editors:
                self.editors[key].setPlainText(text)

    def is_dirty(self) -> bool:
        return self.isEnabled() and self.texts() != self._loaded

    def _changed(self) -> None:
        dirty = self.is_dirty()
        self.state.setText("有未保存的修改" if dirty else "")
        self.state.setStyleSheet("color: #c00000;" if dirty else "")
        self.save_button.setEnabled(dirty)
        self.edited.emit()
