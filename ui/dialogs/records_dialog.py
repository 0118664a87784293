"""The records behind a figure of the summary (统计报表): a read-only list.

`record_list(table, ids)` turns what mzdesk.summary.records.figure_records
returns — a table name and the ids of its rows — into columns and rows for
the clerk: the enrollments behind "城镇低保户 23户" with name, ID number,
village, category and amount; relief cases, house surveys, deaths, cards,
activities and indicators as their own tabs list them (the same
mzdesk.registry_lists sources, narrowed to the ids); batches and batch lines
through the payment service.  This is the clerk's own screen, so ID numbers
are shown in full, as the roster tabs show them.

Double-clicking a row asks the main window to show that record in the tab
that lists it (`open_record(table, id)`); a batch line opens its batch.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (QDialog, QFileDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton,
                               QVBoxLayout, QWidget)

from mzdesk.listing import Column, display

from ..messages import show_error
from ..table_model import RowListModel, read_only_table

# Where each table's records are shown, as the main window's open_record understands it.
TABLE_NAMES = {
    "enrollment": "保障对象", "relief_case": "救助记录", "house_survey": "土坯房调查记录",
    "death": "死亡登记", "card_issuance": "办证记录", "activity": "活动记录", "indicator": "指标",
    "batch": "发放批次", "batch_line": "发放明细",
}
_IN_IDS = "(SELECT value FROM json_each(?))"


@dataclass
class RecordList:
    """What the dialog shows: columns, one dict per row, and the record each row opens."""

    table: str
    columns: list[Column]
    rows: list[dict]
    targets: list[tuple[str, int]] = field(default_factory=list)


def record_list(table: str, ids: list[int]) -> RecordList:
    """The rows of `table` with these ids, in the order the table's own list shows them."""
    ids = [int(i) for i in ids]
    if table == "batch":
        return _batches(ids)
    if table == "batch_line":
        return _batch_lines(ids)
    source = _source(table, ids)
    rows = source.rows({"status": ""}, None, False, 0, len(ids) + 1) if ids else []
    columns = [c for c in source.columns if c.key != "bank_account"]  # not needed to trace a figure
    return RecordList(table, columns, rows, [(table, int(r["id"])) for r in rows])


def _narrowed(cls, ids: list[int]):
    """A subclass of a registry list source that lists only the given ids."""

    class Narrowed(cls):
        def _where(self, filters):
            parts, params = super()._where(filters)
            return parts + [f"{self.ID} IN {_IN_IDS}"], params + [json.dumps(ids)]

    return Narrowed


def _source(table: str, ids: list[int]):
    from mzdesk import registry_lists as lists

    sources = {"relief_case": lists.ReliefSource, "house_survey": lists.HouseSurveySource,
               "death": lists.DeathSource, "card_issuance": lists.CardSource,
               "activity": lists.ActivitySource, "indicator": lists.IndicatorSource}
    if table in sources:
        return _narrowed(sources[table], ids)()
    if table == "enrollment":
        return _enrollment_source(ids)
    raise ValueError(f"no list for table {table!r}")


def _enrollment_source(ids: list[int]):
    """The roster list (every status: a figure as at a period's end may count someone
    stopped since) of the programmes these enrollments belong to, narrowed to them."""
    from mzdesk.models import Enrollment, Programme
    from mzdesk.rosters import RosterSource

    found = {code for code, in Enrollment.select(Enrollment.programme).where(Enrollment.id.in_(ids))
             .distinct().tuples()} if ids else set()
    order = [code for code, in Programme.select(Programme.code)
             .order_by(Programme.sort_order, Programme.code).tuples()]
    programmes = tuple(code for code in order if code in found) or tuple(order[:1])

    class Narrowed(RosterSource):
        def _where(self, filters):
            where, params = super()._where(filters)
            return f"{where} AND e.id IN {_IN_IDS}", params + [json.dumps(ids)]

    return Narrowed(programmes)


BATCH_COLUMNS = [
    Column("month", "月份", align="center"), Column("name", "批次", width=30),
    Column("kind_label", "类型", align="center"), Column("state", "状态", align="center"),
    Column("lines", "条数", align="right"), Column("persons", "人数", align="right"),
    Column("total", "金额(元)", align="right", width=14),
]
LINE_COLUMNS = [
    Column("month", "月份", align="center"), Column("batch", "批次", width=24),
    Column("seq", "序号", align="right"), Column("name", "姓名"),
    Column("id_number", "身份证号", text=True, width=19), Column("village", "村(社区)"),
    Column("covered_persons", "保障人数", align="right"), Column("amount", "金额(元)", align="right"),
    Column("status", "状态", align="center"), Column("note", "备注"),
]


def _batches(ids: list[int]) -> RecordList:
    from mzdesk.payments import batches

    infos = sorted((batches.info(i) for i in ids), key=lambda b: (b.month, b.id))
    rows = [{"id": b.id, "month": b.month, "name": b.name, "kind_label": b.kind_label,
             "state": b.state, "lines": b.lines, "persons": b.persons, "total": b.total}
            for b in infos]
    return RecordList("batch", BATCH_COLUMNS, rows, [("batch", b.id) for b in infos])


def _batch_lines(ids: list[int]) -> RecordList:
    """The lines through the payment service's view of each batch they belong to."""
    from mzdesk.models import BatchLine
    from mzdesk.payments import batches

    wanted = set(ids)
    batch_ids = sorted({bid for bid, in BatchLine.select(BatchLine.batch).where(BatchLine.id.in_(ids))
                        .distinct().tuples()}) if ids else []
    infos = sorted((batches.info(b) for b in batch_ids), key=lambda b: (b.month, b.id))
    rows, targets = [], []
    for info in infos:
        for line in batches.lines(info.id):
            if line.id in wanted:
                rows.append({"id": line.id, "month": info.month, "batch": info.name, "seq": line.seq,
                             "name": line.name, "id_number": line.id_number, "village": line.village,
                             "covered_persons": line.covered_persons, "amount": line.amount,
                             "status": line.status, "note": line.note})
                targets.append(("batch", info.id))
    return RecordList("batch_line", LINE_COLUMNS, rows, targets)


# --- the dialog ------------------------------------------------------------------------------

_ALIGN = {"left": Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
          "right": Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
          "center": Qt.AlignmentFlag.AlignCenter}


class RecordsModel(RowListModel):
    def __init__(self, columns: list[Column], parent=None):
        super().__init__(parent, tuple(c.title for c in columns))
        self.columns = columns

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return display(self.rows[index.row()].get(column.key))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN.get(column.align, _ALIGN["left"])
        return None


class RecordsDialog(QDialog):
    """The records behind one figure; double-click (or Enter) opens a record in its tab.

    `opener(table, id) -> bool` is the main window's open_record; without it
    (or when no tab shows the record) the list is only for reading.
    """

    def __init__(self, parent: QWidget | None, title: str, records: RecordList, *,
                 caption: str = "", opener: Callable[[str, int], bool] | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.records = records
        self.opener = opener
        self.opened: tuple[str, int] | None = None

        self.model = RecordsModel(records.columns, self)
        self.model.set_rows(records.rows)
        self.view = read_only_table(self.model)
        self.view.setWordWrap(False)
        self.view.activated.connect(self.open_row)  # double click or Enter
        self.view.resizeColumnsToContents()
        for i, column in enumerate(records.columns):
            self.view.setColumnWidth(i, min(max(self.view.columnWidth(i) + 12, 56), 320))

        count = len(records.rows)
        what = TABLE_NAMES.get(records.table, "记录")
        self.summary = QLabel((caption + "\n" if caption else "")
                              + (f"共 {count:,} 条{what}" if count else f"没有对应的{what}")
                              + ("；双击一行可在相应页面中查看" if opener and count else ""))
        self.summary.setWordWrap(True)

        export = QPushButton("导出Excel…")
        export.setToolTip("把这份名单另存为 Excel 表格")
        export.clicked.connect(self.export)
        export.setEnabled(bool(count))
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(export)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.resize(min(1100, 80 + sum(self.view.columnWidth(i) for i in range(len(records.columns)))),
                    560)

    def open_row(self, index: QModelIndex) -> None:
        if not index.isValid() or self.opener is None:
            return
        table, record_id = self.records.targets[index.row()]
        try:
            shown = self.opener(table, record_id)
        except Exception as exc:
            show_error(self, exc)
            return
        if shown:
            self.opened = (table, record_id)
            self.accept()  # the record is in its tab now, behind this dialog
        else:
            QMessageBox.information(self, self.windowTitle(), "没有可以显示这条记录的页面。")

    def export(self) -> None:
        from mzdesk.xlsx_export import write_list

        from ..prefs import qsettings

        prefs = qsettings()
        folder = Path(str(prefs.value("records_dialog/dir", "") or Path.home()))
        name = "".join(ch for ch in self.windowTitle() if ch not in '\\/:*?"<>|') or "名单"
        path, _ = QFileDialog.getSaveFileName(self, "导出名单", str(folder / f"{name}.xlsx"),
                                              "Excel 表格 (*.xlsx)")
        if not path:
            return
        path = Path(path).with_suffix(".xlsx")
        try:
            write_list(path, self.windowTitle(), self.records.columns, self.records.rows, "名单")
        except Exception as exc:
            show_error(self, exc)
            return
        prefs.setValue("records_dialog/dir", str(path.parent))
        self.summary.setText(self.summary.text().split("\n已导出")[0] + f"\n已导出到 {path}")
