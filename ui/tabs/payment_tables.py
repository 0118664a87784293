"""The two tables of the 资金发放 tab: the batches, and the lines of the one selected.

Both are small lists held in memory (a township has a few hundred batches;
a batch at most a few thousand lines), coloured by state: drafts amber,
paid green, cancelled grey, lines the bank returned red.
"""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from mzdesk.payments import batches
from mzdesk.payments.batches import CANCELLED, DRAFT, FAILED, PAID

from ..table_model import RowListModel

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter
GREY, RED, AMBER, GREEN = QColor("#8a8a8a"), QColor("#c00000"), QColor("#9a5b00"), QColor("#2e7d32")
STATE_COLOURS = {DRAFT: AMBER, CANCELLED: GREY, PAID: GREEN}


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


class BatchListModel(RowListModel):
    HEADERS = ("月份", "名称", "类型", "状态", "条数", "人数", "金额(元)", "失败", "审核人/时间")
    WIDTHS = (70, 300, 80, 60, 60, 60, 110, 50)

    def batch(self, row: int) -> batches.BatchInfo | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def row_of(self, batch_id: int) -> int:
        return next((i for i, b in enumerate(self.rows) if b.id == batch_id), -1)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        b: batches.BatchInfo = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(b, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 1 and b.note:
                return f"{b.name}\n备注：{b.note}"
            if col == 7 and b.failed:
                return "银行退回的笔数；可“生成补发批次”"
            return self._text(b, col) or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if 4 <= col <= 7 else (CENTER if col in (0, 3) else None)
        if role == Qt.ItemDataRole.ForegroundRole:
            if b.state == CANCELLED:
                return GREY
            if col == 3:
                return STATE_COLOURS.get(b.state)
            if col == 7 and b.failed:
                return RED
        return None

    @staticmethod
    def _text(b: batches.BatchInfo, col: int) -> str:
        if col == 0:
            return b.month
        if col == 1:
            return b.name
        if col == 2:
            return b.kind_label
        if col == 3:
            return b.state
        if col == 4:
            return f"{b.lines:,}"
        if col == 5:
            return f"{b.persons:,}"
        if col == 6:
            return money(b.total)
        if col == 7:
            return str(b.failed) if b.failed else ""
        if b.approved_at:
            return f"{b.approved_by} {b.approved_at:%Y-%m-%d %H:%M}".strip()
        return ""


class LineListModel(RowListModel):
    HEADERS = ("序号", "村(社区)", "姓名", "身份证号", "人数", "金额(元)", "银行账号", "状态", "备注")
    WIDTHS = (50, 100, 80, 160, 45, 90, 170, 50)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        line: batches.LineView = self.rows[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (str(line.seq), line.village, line.name, line.id_number,
                    str(line.covered_persons), money(line.amount), line.bank_account,
                    line.status, line.note)[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 4, 5):
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and line.status == FAILED:
            return RED
        return None


def batch_table(model: RowListModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(24)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    for i, width in enumerate(model.WIDTHS):
        view.setColumnWidth(i, width)
    return view
