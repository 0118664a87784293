"""A table model over a `mzdesk.listing.ListSource`.

Rows are fetched a page at a time as the view scrolls (canFetchMore /
fetchMore); sorting asks the source for a new ORDER BY.  Nothing is
filtered or sorted in Python, so 100k rows stay instant.  A page follows
the last row loaded by its CURSOR (keyset paging) when the source gives
one, so the last page of 100k rows costs what the first does; a source
without cursors is paged by OFFSET.
"""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView

from mzdesk.listing import CURSOR, Column, ListSource, display

PAGE = 400  # rows fetched per step as the view scrolls
# Rows of the first page after a reset (new search text, filter, sort): a
# screenful and more, so a keystroke formats 100 rows, not 400.
FIRST_PAGE = 100

_ALIGN = {
    "left": Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
    "right": Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
    "center": Qt.AlignmentFlag.AlignCenter,
}
# data() runs for every visible cell and role on each repaint (~1,500 calls
# for one screen): roles are compared as plain ints (Qt passes ints; looking
# up Qt.ItemDataRole.X costs more than the rest of the call), and the roles
# this model does not serve (font, colours, check state …) leave at once.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole.value)
_USER = int(Qt.ItemDataRole.UserRole.value)
_SERVED = frozenset({_DISPLAY, _TOOLTIP, _ALIGNMENT, _USER})
_HORIZONTAL = Qt.Orientation.Horizontal


class SourceTableModel(QAbstractTableModel):
    def __init__(self, source: ListSource, parent=None):
        super().__init__(parent)
        self.source = source
        self.columns: list[Column] = list(source.columns)
        self._keys = [c.key for c in self.columns]
        self._align = [_ALIGN.get(c.align, _ALIGN["left"]) for c in self.columns]
        self.filters: dict = {}
        self.order: str | None = None
        self.descending = False
        self.total = 0
        self._rows: list[dict] = []

    # --- loading -----------------------------------------------------------

    def set_filters(self, filters: dict) -> None:
        self.filters = dict(filters)
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self.total = self.source.count(self.filters)
        first = min(FIRST_PAGE, PAGE)
        self._rows = self.source.rows(self.filters, self.order, self.descending, 0, first)
        self.endResetModel()

    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and len(self._rows) < self.total

    def fetchMore(self, parent=QModelIndex()) -> None:
        if parent.isValid():
            return
        more = self._next_page()
        if not more:
            self.total = len(self._rows)  # the data changed under us
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    def _next_page(self) -> list[dict]:
        after = self._rows[-1].get(CURSOR) if self._rows else None
        if after is not None:
            return self.source.rows(self.filters, self.order, self.descending, 0, PAGE, after=after)
        return self.source.rows(self.filters, self.order, self.descending, len(self._rows), PAGE)

    def all_rows(self) -> list[dict]:
        """Every row matching the current filters and order (for export)."""
        return self.source.rows(self.filters, self.order, self.descending, 0, max(self.total, 1))

    # --- access ------------------------------------------------------------

    def row_data(self, row: int) -> dict | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_id(self, row: int):
        data = self.row_data(row)
        return data.get("id") if data else None

    def row_of_id(self, row_id) -> int:
        for i, data in enumerate(self._rows):
            if data.get("id") == row_id:
                return i
        return -1

    # --- Qt model interface ----------------------------------------------------

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=_DISPLAY):
        # The row-number header asks for ~1,000 sections' data each time rows are added.
        if role != _DISPLAY:
            return None
        if orientation == _HORIZONTAL:
            return self.columns[section].title
        return section + 1

    def data(self, index, role=_DISPLAY):
        if role not in _SERVED:
            return None
        row, col = index.row(), index.column()
        if row < 0 or row >= len(self._rows) or col < 0:  # also an invalid index (-1, -1)
            return None
        if role == _ALIGNMENT:
            return self._align[col]
        value = self._rows[row].get(self._keys[col])
        if role == _DISPLAY:
            return display(value)
        if role == _TOOLTIP:  # long text cut off by the column
            text = display(value)
            return text if len(text) > 8 else None
        return value  # UserRole

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns) or not self.columns[column].sortable:
            return
        self.order = self.columns[column].key
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.reload()


class RowListModel(QAbstractTableModel):
    """A small table held in memory (a dialog's list, a form's grid): the
    rows live in `self.rows`, the headers in `HEADERS`; subclasses give data()."""

    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent=None, headers: tuple[str, ...] | None = None):
        super().__init__(parent)
        if headers is not None:
            self.HEADERS = headers
        self.rows: list = []

    def set_rows(self, rows) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


def read_only_table(model: QAbstractTableModel, row_height: int = 24) -> QTableView:
    """A view for a dialog's small read-only list: whole-row selection, no editing."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(row_height)
    view.horizontalHeader().setStretchLastSection(True)
    return view
