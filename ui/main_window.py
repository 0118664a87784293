"""The main window: one tab per area of work.

Every tab follows one contract (TITLE, refresh(), changed, open_record()).
A write in one tab marks the others stale; a stale tab refreshes when it is
shown, so a change is never invisible and no tab re-queries needlessly.
The window remembers its geometry and the current tab (ui.prefs).

Start-up: a tab's page (its module, widgets and queries) is built when the
tab is first needed, and the page of the tab open at start-up only just
after the window's first paint, so the window with its menu, tab bar and
status line appears first (tests/bench/bench_launch.py).
"""
from __future__ import annotations

import importlib
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QMainWindow, QTabWidget,
                               QVBoxLayout, QWidget)

from .messages import show_error
from .prefs import qsettings

# (module, class, label) in the order the clerk meets them (issue 3 §2).  Tab
# modules are imported when their tab is first needed: importing them all
# would cost start-up time for tabs the clerk may not open.
TABS = (
    ("ui.tabs.dashboard", "DashboardTab", "工作台"),
    ("ui.tabs.persons", "PersonsTab", "人员档案"),
    ("ui.tabs.dibao", "DibaoTab", "低保"),
    ("ui.tabs.tekun", "TekunTab", "特困供养"),
    ("ui.tabs.youfu", "YoufuTab", "优抚"),
    ("ui.tabs.gaoling", "GaolingTab", "高龄津贴"),
    ("ui.tabs.canji", "CanjiTab", "残疾人补贴"),
    ("ui.tabs.relief", "ReliefTab", "救助台账"),
    ("ui.tabs.tupifang", "TupifangTab", "土坯房改造"),
    ("ui.tabs.funeral_elderly", "FuneralElderlyTab", "殡葬与老龄"),
    ("ui.tabs.payments", "PaymentsTab", "资金发放"),
    ("ui.tabs.statistics", "StatisticsTab", "统计报表"),
)

APP_TITLE = "民政桌面"
GEOMETRY_KEY = "main_window/geometry"
TAB_KEY = "main_window/tab"
# Fits a 1366×768 screen with a task bar and the window frame.
DEFAULT_SIZE = (1200, 680)


def current_database_path() -> Path | None:
    """The file of the database the models are bound to, if any."""
    from mzdesk.models import database
    name = getattr(database.obj, "database", None)
    return Path(name) if name else None


class MainWindow(QMainWindow):
    def __init__(self, db_path: Path | str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        from mzdesk.services import settings

        self.db_path = Path(db_path) if db_path else current_database_path()
        self.setWindowTitle(f"{APP_TITLE} — {settings.township_name()}")

        self._remembered_tab = 0
        self._stale: set[QWidget] = set()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self._restore_state()
        self.slots = [_TabSlot(*tab) for tab in TABS]
        for slot in self.slots:
            self.add_tab(slot, slot.title)
        self.tabs.currentChanged.connect(self._on_tab_shown)
        # The page of the current tab waits for the window's first paint.
        self._pending: _TabSlot | None = self.slots[max(self.tabs.currentIndex(), 0)]
        self._pending.wait_for_paint(self._build_pending)

        self._build_menu()
        self.db_label = QLabel(f"数据库：{self.db_path}" if self.db_path else "")
        self.db_label.setToolTip("当前打开的数据库文件")
        self.statusBar().addPermanentWidget(self.db_label, 1)

    def add_tab(self, widget: QWidget, title: str) -> int:
        """Add a tab; it becomes current if it is the tab open when the window last closed."""
        index = self.tabs.addTab(widget, title)
        if index == self._remembered_tab:
            self.tabs.setCurrentIndex(index)
        return index

    # --- tabs are built when first needed -----------------------------------

    @property
    def pages(self) -> list[QWidget]:
        """The tab pages built so far, the start-up tab's included (built now if the
        window has not been painted yet)."""
        self._build_pending()
        return self._built_pages()

    @property
    def dashboard(self) -> QWidget:
        """The 工作台 page."""
        return self._build(self.slots[0])

    def _built_pages(self) -> list[QWidget]:
        return [slot.page for slot in self.slots if slot.page is not None]

    def _build(self, slot: "_TabSlot") -> QWidget:
        if slot.page is None:
            page = slot.build()
            page.changed.connect(lambda page=page: self._on_changed(page))
            if hasattr(page, "openRecord"):  # e.g. the 工作台's findings
                page.openRecord.connect(self.open_record)
        return slot.page

    def _build_pending(self) -> None:
        """Build the start-up tab's page (after the first paint, or when asked for)."""
        slot, self._pending = self._pending, None
        if slot is not None:
            self._build(slot)

    def page(self, cls: type) -> QWidget:
        return self._build(next(s for s in self.slots
                                if (s.module, s.name) == (cls.__module__, cls.__name__)))

    def show_page(self, cls: type) -> QWidget:
        page = self.page(cls)
        self.tabs.setCurrentWidget(page.parentWidget())
        return page

    def page_at(self, index: int) -> QWidget:
        return self._build(self.slots[index])

    # --- keeping tabs fresh and routing records -----------------------------

    def _on_changed(self, source: QWidget | None) -> None:
        self._stale.update(p for p in self._built_pages() if p is not source)

    def _on_tab_shown(self, index: int) -> None:
        if index < 0:
            return
        page = self.page_at(index)  # a new list tab loads itself when shown
        if page in self._stale:
            self._stale.discard(page)
            page.refresh()

    def open_record(self, table: str, record_id: int) -> bool:
        """Show a record (e.g. from a data-check finding) in the tab that lists it."""
        for slot in self.slots[1:]:
            page = self._build(slot)
            if page in self._stale:
                self._stale.discard(page)
                page.refresh()
            if page.open_record(table, record_id):
                self.tabs.setCurrentWidget(slot)
                return True
        return False

    def _build_menu(self) -> None:
        # Kept: code and tests reach the menu through this, not through a chain of
        # temporary wrappers (menuBar().actions()[0].menu()), which PySide may free early.
        self.file_menu = menu = self.menuBar().addMenu("文件(&F)")
        backup = QAction("备份数据库(&B)…", self)
        backup.triggered.connect(self.backup_database)
        menu.addAction(backup)
        self.import_action = QAction("导入台账（Excel/WPS）(&I)…", self)
        self.import_action.triggered.connect(self.import_ledger)
        menu.addAction(self.import_action)
        self.template_action = QAction("导出导入模板(&T)…", self)
        self.template_action.triggered.connect(self.export_import_template)
        menu.addAction(self.template_action)
        self.district_action = QAction("报送区局（U盘）(&D)…", self)
        self.district_action.triggered.connect(self.export_to_district)
        menu.addAction(self.district_action)
        self.district_intake_action = QAction("区局汇总（载入报送包）(&H)…", self)
        self.district_intake_action.triggered.connect(self.open_district_intake)
        menu.addAction(self.district_intake_action)
        menu.addSeparator()
        quit_action = QAction("退出(&X)", self)
        # setShortcuts(StandardKey): every binding of the platform; setShortcut()
        # would also make PySide6 build its whole Qt namespace (~40 ms) at start-up.
        quit_action.setShortcuts(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        menu.addAction(quit_action)
        settings_menu = self.menuBar().addMenu("设置(&S)")
        settings_action = QAction("乡镇、村(社区)与保障标准(&S)…", self)
        settings_action.triggered.connect(self.open_settings)
        settings_menu.addAction(settings_action)

    def import_ledger(self) -> None:
        from .dialogs.import_wizard import ImportWizard
        wizard = ImportWizard(self)
        wizard.imported.connect(lambda _result: self._on_changed(None))
        wizard.exec()
        if wizard.result_info is not None:
            self._refresh_current()

    def export_import_template(self) -> None:
        from .dialogs.import_wizard import TemplateDialog
        TemplateDialog(self).exec()

    def export_to_district(self) -> None:
        from .dialogs.district_export import DistrictExportDialog
        DistrictExportDialog(self).exec()

    def open_district_intake(self) -> None:
        from .dialogs.district_intake import DistrictIntakeDialog
        DistrictIntakeDialog(self).exec()

    def open_settings(self) -> None:
        from mzdesk.services import settings

        from .dialogs.settings_dialog import SettingsDialog
        dialog = SettingsDialog(self)
        dialog.changed.connect(lambda: self._on_changed(None))
        dialog.exec()
        self.setWindowTitle(f"{APP_TITLE} — {settings.township_name()}")
        self._refresh_current()

    def _refresh_current(self) -> None:
        page = self.page_at(self.tabs.currentIndex())
        self._stale.discard(page)
        page.refresh()

    def backup_database(self) -> None:
        import datetime as dt

        from mzdesk import backup
        name = f"民政桌面备份-{dt.date.today():%Y%m%d}.sqlite3"
        path, _ = QFileDialog.getSaveFileName(self, "备份数据库", str(Path.home() / name),
                                              "数据库备份 (*.sqlite3)")
        if not path:
            return
        try:
            result = backup.backup(Path(path))
        except Exception as exc:
            show_error(self, exc)
            return
        self.statusBar().showMessage(f"已备份到 {result.path}（已校验）", 10000)

    # --- remembered state --------------------------------------------------

    def _restore_state(self) -> None:
        prefs = qsettings()
        geometry = prefs.value(GEOMETRY_KEY)
        if not geometry or not self.restoreGeometry(geometry):
            self._default_geometry()
        try:
            self._remembered_tab = int(prefs.value(TAB_KEY, 0))
        except (TypeError, ValueError):
            self._remembered_tab = 0

    def _default_geometry(self) -> None:
        width, height = DEFAULT_SIZE
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            available = screen.availableGeometry()
            width = min(width, available.width() - 40)
            height = min(height, available.height() - 60)
        self.resize(width, height)

    def save_state(self) -> None:
        prefs = qsettings()
        prefs.setValue(GEOMETRY_KEY, self.saveGeometry())
        prefs.setValue(TAB_KEY, self.tabs.currentIndex())
        prefs.sync()

    def closeEvent(self, event) -> None:
        self.save_state()
        self._pending = None  # closing: nothing more to build
        for page in self._built_pages():
            if hasattr(page, "shutdown"):  # wait for its background work
                page.shutdown()
        super().closeEvent(event)


class _TabSlot(QWidget):
    """Holds a tab's place until the page is first needed, so the window opens
    without building (and importing the data of) every tab."""

    def __init__(self, module: str, name: str, title: str):
        super().__init__()
        self.module, self.name, self.title = module, name, title
        self.page: QWidget | None = None
        self._placeholder: QWidget | None = None
        self._on_paint = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def wait_for_paint(self, callback) -> None:
        """Say 正在打开… and call `callback` once this has been painted (after
        the paint pass, so that the window is on screen first)."""
        self._on_paint = callback
        # Centred by stretches: an alignment flag would make PySide6 build its
        # whole Qt namespace (~40 ms) before the first paint.
        label = QLabel(f"正在打开“{self.title}”……")
        label.setEnabled(False)  # greyed
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(label)
        row.addStretch(1)
        self._placeholder = QWidget()
        column = QVBoxLayout(self._placeholder)
        column.addStretch(1)
        column.addLayout(row)
        column.addStretch(2)
        self.layout().addWidget(self._placeholder)

    def paintEvent(self, event) -> None:
        if self._on_paint is not None:
            callback, self._on_paint = self._on_paint, None
            QTimer.singleShot(0, self, callback)
        super().paintEvent(event)

    def build(self) -> QWidget:
        if self.page is None:
            self._on_paint = None
            cls = getattr(importlib.import_module(self.module), self.name)
            self.page = cls()
            if self._placeholder is not None:
                self._placeholder.hide()
                self._placeholder.deleteLater()
                self._placeholder = None
            self.layout().addWidget(self.page)
        return self.page
