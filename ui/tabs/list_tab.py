"""The design every list tab shares: search box, filters, table, status
line and action buttons (issue 3 §3).

A tab gives a `ListSource` (mzdesk side, SQL) and adds its own filters and
actions; searching, paging, sorting, the status line and 导出当前列表 are
done here once.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFileDialog, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPushButton, QTableView,
                               QVBoxLayout, QWidget)

from mzdesk.listing import ListSource

from ..messages import show_error
from ..table_model import SourceTableModel

SEARCH_HINT = "搜索：姓名 / 拼音首字母 / 全拼 / 身份证号片段 / 村"
# Wait this long after the last keystroke before querying: one query per
# burst of typing, still well under what a clerk perceives as a delay.
SEARCH_DELAY_MS = 120


class ListTab(QWidget):
    TITLE = ""
    EXPORT_NAME = "名单"
    changed = Signal()  # this tab wrote something; other tabs may refresh

    def __init__(self, source: ListSource, parent: QWidget | None = None):
        super().__init__(parent)
        self.source = source
        self.model = SourceTableModel(source, self)
        self._filter_getters: dict[str, Callable[[], object]] = {}
        self._combos: list[QComboBox] = []  # the drop-down filters, for widen()
        self._selection_buttons: list[QPushButton] = []
        self._add_action: Callable[[], None] | None = None
        self.loaded = False  # nothing is queried until the tab is first shown

        self.search = QLineEdit()
        self.search.setPlaceholderText(SEARCH_HINT)
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)  # room for the filters on a small screen
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._search_typed)
        self.search.textChanged.connect(lambda _: self._search_timer.start())

        self.filter_bar = QHBoxLayout()
        self.filter_bar.addWidget(self.search)
        self.action_bar = QHBoxLayout()

        self.table = QTableView()
        self.table.setModel(self.model)
        # No indicator before sorting is enabled: otherwise Qt sorts by the
        # first column at once and the source's own default order is lost.
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self.update_actions())
        self.table.doubleClicked.connect(lambda _: self.on_activated())

        self.status = QLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(self.filter_bar)
        layout.addLayout(self.action_bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)

        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.focus_search)
        QShortcut(QKeySequence.StandardKey.New, self, activated=self._new)

    # --- building blocks for subclasses ----------------------------------------

    def add_combo_filter(self, key: str, label: str, options: list[tuple[str, object]],
                         default: int = 0) -> QComboBox:
        """A drop-down filter; `options` are (text shown, value passed to the source)."""
        combo = QComboBox()
        for text, value in options:
            combo.addItem(text, value)
        combo.setCurrentIndex(default)
        combo.currentIndexChanged.connect(lambda _: self.refresh())
        self.filter_bar.addWidget(QLabel(label))
        self.filter_bar.addWidget(combo)
        self._filter_getters[key] = combo.currentData
        self._combos.append(combo)
        return combo

    def add_action(self, text: str, slot: Callable[[], None], *, needs_selection: bool = False,
                   is_new: bool = False, tip: str = "") -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(lambda: self._guarded(slot))
        if tip:
            button.setToolTip(tip)
        if needs_selection:
            button.setEnabled(False)
            self._selection_buttons.append(button)
        if is_new:
            self._add_action = slot
            button.setToolTip(tip or "Ctrl+N")
        self.action_bar.addWidget(button)
        return button

    def finish_bars(self) -> None:
        """Call once the filters and actions are added; adds 导出当前列表 at the end."""
        self.filter_bar.addStretch(1)
        self.action_bar.addStretch(1)
        self.add_action("导出当前列表", self.export_current, tip="把当前显示的行保存为 Excel 文件")
        self.fit_columns()

    def fit_columns(self) -> None:
        """Each column as wide as its Column.width characters, never narrower than its title."""
        digit = self.table.fontMetrics().horizontalAdvance("0")
        header = self.table.horizontalHeader().fontMetrics()
        for i, column in enumerate(self.model.columns):
            title = header.horizontalAdvance(column.title) + 26  # margins and the sort arrow
            self.table.setColumnWidth(i, max(title, (column.width or 8) * digit + 10))

    # --- behaviour ---------------------------------------------------------

    def filters(self) -> dict:
        values = {key: getter() for key, getter in self._filter_getters.items()}
        values["search"] = self.search.text().strip()
        return values

    def refresh(self) -> None:
        selected, loaded = self.selected_id(), self.model.rowCount()
        try:
            filters = self.filters()
            same = self.loaded and filters == self.model.filters
            self.model.set_filters(filters)
            if selected is not None and same:
                # A refresh after a write loads a short first page: load as far
                # as before so the clerk's row is found and selected again.
                while (self.model.row_of_id(selected) < 0 and self.model.rowCount() < loaded
                       and self.model.canFetchMore()):
                    self.model.fetchMore()
            self.status.setText(self.source.summary(filters))
        except Exception as exc:  # a failed query must not take the window down
            show_error(self, exc)
            return
        self.loaded = True
        if selected is not None:
            self.select_id(selected)
        self.update_actions()

    def _search_typed(self) -> None:
        text = self.search.text().strip()
        if len(text) == 1 and text.isascii():
            # One letter or digit matches thousands of people and the next key
            # comes at once: wait for it instead of running a useless query.
            self.status.setText("请再输入一个字母或数字开始搜索")
            return
        self.refresh()

    def selected_id(self):
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_id(rows[0].row()) if rows else None

    def selected_row(self) -> dict | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_data(rows[0].row()) if rows else None

    def select_id(self, row_id) -> bool:
        row = self.model.row_of_id(row_id)
        if row >= 0:
            self.table.selectRow(row)
        return row >= 0

    # --- finding a record, and showing a form's result --------------------------

    def widen(self, search: str = "") -> None:
        """Every filter to 全部 and the search box to `search`, then refresh."""
        for combo in self._combos:
            combo.blockSignals(True)
            combo.setCurrentIndex(max(combo.findData(None), 0))
            combo.blockSignals(False)
        self.search.blockSignals(True)
        self.search.setText(search)
        self.search.blockSignals(False)
        self._search_timer.stop()
        self.refresh()

    def reveal(self, record_id) -> bool:
        """Select a record, loading the list first if it was never shown and
        widening the filters (全部, no search) when they hide it."""
        if not self.loaded:
            self.refresh()
        if not self.source.contains(self.filters(), record_id):
            self.widen()
        while self.model.row_of_id(record_id) < 0 and self.model.canFetchMore():
            self.model.fetchMore()
        if not self.select_id(record_id):
            return False
        self.table.scrollTo(self.model.index(self.model.row_of_id(record_id), 0))
        self.update_actions()
        return True

    def run(self, dialog, record_id=None) -> bool:
        """Show a form; once it saved, refresh and select its record."""
        if not dialog.exec():
            return False
        saved = getattr(dialog, "saved_id", None) or record_id
        self.after_write()
        if saved is not None:
            self.reveal(saved)
        return True

    def showEvent(self, event) -> None:
        # Tabs load when first shown, so the window opens without querying
        # every list of a large township.
        super().showEvent(event)
        if not self.loaded:
            self.refresh()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def on_activated(self) -> None:
        """Double click on a row; subclasses open the record."""

    def after_write(self) -> None:
        """Refresh after a form saved, and tell the window."""
        self.refresh()
        self.changed.emit()

    def export_current(self) -> None:
        from mzdesk.xlsx_export import write_list
        default = str(Path.home() / f"{self.EXPORT_NAME}.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, "导出当前列表", default, "Excel 文件 (*.xlsx)")
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        count = write_list(path, self.export_title(), self.model.columns, self.model.all_rows())
        self.status.setText(f"已导出 {count} 行到 {path}")

    def export_title(self) -> str:
        from mzdesk.services.settings import township_name
        return f"{township_name()}{self.TITLE}名单"

    def _new(self) -> None:
        if self._add_action is not None:
            self._guarded(self._add_action)

    def _guarded(self, slot: Callable[[], None]) -> None:
        try:
            slot()
        except Exception as exc:
            show_error(self, exc)

    def update_actions(self) -> None:
        """Enable the buttons that need a selection; subclasses add their own rules."""
        has = self.selected_id() is not None
        for button in self._selection_buttons:
            button.setEnabled(has)
