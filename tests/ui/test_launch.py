"""Start-up: the main window is painted first, the current tab's page is built
just after (tests/bench/bench_launch.py measures the time); the 工作台 says
正在统计…… until its chart is computed.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QLabel

from ui.charts import EMPTY_TEXT
from ui.main_window import TAB_KEY, TABS, MainWindow
from ui.prefs import qsettings
from ui.tabs import dashboard as dashboard_module
from ui.tabs.dashboard import BUSY_TEXT, DashboardTab

ROOT = Path(__file__).resolve().parents[2]


def _placeholders(window: MainWindow) -> list[str]:
    """The 正在打开… texts visible in the window."""
    return [label.text() for slot in window.slots for label in slot.findChildren(QLabel)
            if label.isVisible() and label.text().startswith("正在打开")]


class _FirstPaint(QObject):
    """Records what the window held when it received its first Paint event."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.built_then: list[str] | None = None
        self.placeholders_then: list[str] | None = None
        window.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if self.built_then is None and event.type() == QEvent.Type.Paint:
            self.built_then = [slot.title for slot in self.window.slots if slot.page is not None]
            self.placeholders_then = _placeholders(self.window)
        return False


def _window(qtbot) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1366, 768)
    return window


def test_window_is_painted_with_its_tabs_before_the_dashboard_is_built(qtbot, township):
    window = _window(qtbot)
    slot = window.slots[0]
    assert slot.page is None
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == [t[2] for t in TABS]
    first_paint = _FirstPaint(window)

    window.show()
    # Nobody asks for the page: it is built because the window was painted.
    qtbot.waitUntil(lambda: slot.page is not None, timeout=10_000)

    assert first_paint.built_then == []
    assert first_paint.placeholders_then == ["正在打开“工作台”……"]
    assert isinstance(slot.page, DashboardTab)
    assert [s.page for s in window.slots[1:]] == [None] * (len(TABS) - 1)
    assert _placeholders(window) == []
    qtbot.waitUntil(lambda: not slot.page.is_busy(), timeout=10_000)  # counted in the background
    figures = {r.code: r for r in slot.page.figures_model.figures()}
    assert figures["dibao_rural"].enrollments == 0 and "gaoling" in figures
    assert window.dashboard is slot.page


def test_the_remembered_tab_is_built_after_the_paint_and_not_the_dashboard(qtbot, township):
    prefs = qsettings()
    prefs.setValue(TAB_KEY, 2)
    prefs.sync()
    window = _window(qtbot)
    assert window.tabs.currentIndex() == 2 and window.slots[2].page is None
    first_paint = _FirstPaint(window)

    window.show()
    qtbot.waitUntil(lambda: window.slots[2].page is not None, timeout=10_000)

    assert first_paint.built_then == []
    assert first_paint.placeholders_then == [f"正在打开“{TABS[2][2]}”……"]
    assert window.slots[2].page.TITLE == TABS[2][2]
    assert window.slots[0].page is None


def test_asking_for_the_pages_builds_the_current_tab_at_once(qtbot, township):
    window = _window(qtbot)
    assert [type(p) for p in window.pages] == [DashboardTab]
    assert window.dashboard is window.slots[0].page


def test_a_window_closed_before_its_first_paint_builds_nothing(qtbot, township):
    window = _window(qtbot)
    window.close()
    QApplication.processEvents()
    assert all(slot.page is None for slot in window.slots)


def test_chart_says_busy_until_computed(qtbot, township):
    tab = DashboardTab()
    qtbot.addWidget(tab)
    assert tab.chart.message() == BUSY_TEXT
    tab.show()
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=10_000)
    assert tab.chart.message() == EMPTY_TEXT  # no payments in this township

    with qtbot.waitSignal(tab.refreshed, timeout=10_000):
        tab.refresh()
        assert tab.chart.message() == BUSY_TEXT
    assert tab.chart.message() == EMPTY_TEXT


def test_chart_says_when_it_could_not_be_computed(qtbot, township, monkeypatch):
    def broken(_progress):
        raise RuntimeError("boom")

    monkeypatch.setattr(dashboard_module, "_chart_data", broken)
    tab = DashboardTab()
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=10_000)
    assert tab.chart.message() == "没有统计完成"
    assert tab.chart_heading.text().startswith("发放金额没有统计完成")


def test_start_up_imports_the_data_layer_first_and_no_tab_module():
    """PySide6's import hook makes every module imported after it slower, and a
    tab's module is imported only when its page is built."""
    code = ("import sys, ui.app, ui.main_window; names = list(sys.modules); "
            "print(names.index('peewee') < names.index('PySide6'), "
            "any(n.startswith('ui.tabs.') for n in names))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=True).stdout.split()
    assert out == ["True", "False"]
