"""The main window: one tab per area of work (only 工作台 so far).

Tabs are added with `add_tab`; the window remembers its geometry and the
current tab between runs (ui.prefs).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QWidget

from .prefs import qsettings
from .tabs.dashboard import DashboardTab

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
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self._restore_state()
        self.dashboard = DashboardTab()
        self.add_tab(self.dashboard, DashboardTab.TITLE)

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

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("文件(&F)")
        quit_action = QAction("退出(&X)", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        menu.addAction(quit_action)

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
        self.dashboard.shutdown()
        super().closeEvent(event)
