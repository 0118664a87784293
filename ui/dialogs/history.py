"""历史: a record's audit trail (who changed what, when, before → after) and,
for an enrollment, its 开始 / 调整 / 停保 / 恢复 events. Read-only.
"""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QGroupBox, QHeaderView,
                               QLabel, QSplitter, QTableView, QVBoxLayout, QWidget)

from mzdesk import audit
from mzdesk.models import Household, Person, Programme, Village
from mzdesk.money import to_money

from ..table_model import RowListModel, read_only_table

LABELS = {
    "amount": "金额", "status": "状态", "stop_month": "停保月份", "stop_reason": "停保原因",
    "covered_persons": "保障人数", "category": "类别", "amount_reason": "金额原因", "name": "姓名",
    "village": "村(社区)", "per_capita_income": "家庭人均收入", "details": "其他信息",
    "bank_account": "银行账号", "bank_name": "开户银行", "start_month": "开始月份",
    "programme": "救助项目", "person": "人员", "household": "家庭", "head": "户主",
    "members": "家庭成员", "id_number": "身份证号", "sex": "性别", "birth_date": "出生日期",
    "address": "住址", "phone": "联系电话", "death_date": "死亡日期", "note": "备注",
    "area": "户籍类别", "active": "有效", "kind": "类型", "code": "区划代码", "merged_into": "并入",
    "case_type": "救助类别", "target_group": "对象类别", "approved_date": "审批日期",
    "paid_date": "发放日期", "cancelled": "已作废", "cremated": "火化", "funeral_home": "殡仪馆",
    "intention": "改造意愿", "family_type": "家庭类型", "progress": "进度", "persons": "人数",
    "compensation": "拆迁补偿费", "transition_fee": "过渡安置费", "relation": "与户主关系",
    "number": "证件编号", "card_type": "证件类型", "issued_date": "办证日期", "title": "活动名称",
    "held_date": "活动日期", "participants": "参加人数", "state": "批次状态",
    "approved_by": "审核人", "approved_at": "审核时间", "month": "月份",
}
DETAIL_LABELS = {
    "classes": "分类施保", "care_level": "自理能力", "institution": "供养机构",
    "disability_grade": "等级", "disability_cause": "致残原因", "disability_type": "残疾类别",
    "survival_check": "生存认证",
}
MONEY_FIELDS = {"amount", "per_capita_income", "compensation", "transition_fee"}
HIDDEN = {"id", "pinyin", "initials", "created_at", "updated_at", "registered_at"}
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _name(model, key, attr: str = "name") -> str:
    row = model.get_or_none(model._meta.primary_key == key) if key not in (None, "") else None
    return str(getattr(row, attr)) if row is not None else ("" if key in (None, "") else str(key))


def _details(value: dict) -> str:
    parts = []
    for key, item in sorted(value.items()):
        if isinstance(item, dict):
            item = "、".join(f"{k}{v}人" for k, v in sorted(item.items()))
        parts.append(f"{DETAIL_LABELS.get(key, key)}：{item}")
    return "；".join(parts)


def show_value(field: str, value) -> str:
    """A field's value as the clerk reads it: money in 元, names instead of ids."""
    if value is None or value == "":
        return "—"
    if field in MONEY_FIELDS:
        try:
            return f"{to_money(Decimal(str(value))):,.2f} 元"
        except Exception:
            return str(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if field in ("village", "merged_into"):
        return _name(Village, value)
    if field in ("person", "head"):
        return _name(Person, value)
    if field == "programme":
        return _name(Programme, value)
    if field == "household":
        return f"户主 {_name(Person, getattr(Household.get_or_none(id=value), 'head_id', None))}"
    if field == "members" and isinstance(value, list):
        return "、".join(f"{_name(Person, pid)}（{rel}）" for pid, rel in value)
    if field == "details" and isinstance(value, dict):
        return _details(value) or "—"
    return str(value)


def changes(before: dict | None, after: dict | None) -> list[tuple[str, str, str]]:
    """(label, before, after) for every field whose value differs."""
    before, after = before or {}, after or {}
    out = []
    for field in list(dict.fromkeys([*before, *after])):
        if field in HIDDEN or before.get(field) == after.get(field):
            continue
        old, new = show_value(field, before.get(field)), show_value(field, after.get(field))
        if old != new:
            out.append((LABELS.get(field, field), old, new))
    return out


class RowsModel(RowListModel):
    """A small read-only table of strings."""

    def __init__(self, headers: tuple[str, ...], right: tuple[int, ...] = (), parent=None):
        super().__init__(parent, headers)
        self.right = set(right)

    def set_rows(self, rows) -> None:
        super().set_rows(tuple(r) for r in rows)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.right:
            return RIGHT
        return None


def _table(model: RowsModel, widths: tuple[int, ...]) -> QTableView:
    view = read_only_table(model)
    view.setWordWrap(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for i, width in enumerate(widths):
        view.setColumnWidth(i, width)
    return view


def _group(title: str, widget: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    QVBoxLayout(box).addWidget(widget)
    return box


class HistoryDialog(QDialog):
    def __init__(self, parent: QWidget | None, entity: str, entity_id, title: str):
        super().__init__(parent)
        self.setWindowTitle(f"历史 — {title}")
        self.resize(940, 640)
        self.entries = audit.history(entity, entity_id)

        self.log_model = RowsModel(("时间", "经办人", "操作", "说明"))
        self.log_model.set_rows((e.at.isoformat(" ") if e.at else "", e.user, e.action, e.summary)
                                for e in self.entries)
        self.log_view = _table(self.log_model, (160, 90, 110))
        self.diff_model = RowsModel(("项目", "修改前", "修改后"))
        self.diff_view = _table(self.diff_model, (120, 330))

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(_group("操作记录", self.log_view))
        splitter.addWidget(_group("所选操作的变更内容", self.diff_view))
        self.events_model = None
        if entity == "enrollment":
            from mzdesk.services.enrollments import events
            self.events_model = RowsModel(("变动", "月份", "月金额(元)", "原因", "经办人", "登记时间"),
                                          right=(2,))
            self.events_model.set_rows(
                (ev.kind, ev.month, f"{ev.amount:,.2f}" if ev.amount is not None else "",
                 ev.reason, ev.user, ev.at.isoformat(" ") if ev.at else "")
                for ev in events(entity_id))
            self.events_view = _table(self.events_model, (70, 80, 100, 330, 80))
            splitter.addWidget(_group("保障变动（开始 / 调整 / 停保 / 恢复）", self.events_view))

        heading = QLabel(title)
        heading.setStyleSheet("font-weight: bold;")
        empty = QLabel("没有操作记录。") if not self.entries else None
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭 (Esc)")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        if empty is not None:
            layout.addWidget(empty)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)

        self.log_view.selectionModel().selectionChanged.connect(self._show_changes)
        if self.entries:
            self.log_view.selectRow(len(self.entries) - 1)  # the latest is what one looks for

    def _show_changes(self, *_args) -> None:
        rows = self.log_view.selectionModel().selectedRows()
        entry = self.entries[rows[0].row()] if rows else None
        self.diff_model.set_rows(changes(entry.before, entry.after) if entry else [])
