"""Every tab of the demo township rendered at 1366×768 into tests/ui/screenshots/
(git-ignored), so anyone can look at them; the test also checks that each tab
actually lists rows and that nothing forces the window wider than the screen.
"""
from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QApplication

from mzdesk.demo import build_demo
from ui.main_window import MainWindow
from ui.tabs.list_tab import ListTab

from .conftest import save_screenshot

SCREEN = (1366, 768)


def test_every_tab_of_the_demo_renders(qtbot, db):
    build_demo(today=dt.date(2026, 11, 29))
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(*SCREEN)
    window.show()
    assert window.minimumSizeHint().width() <= SCREEN[0]
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        QApplication.processEvents()
        page = window.page_at(index)
        if hasattr(page, "is_busy"):  # tabs that load in the background (工作台, 资金发放)
            qtbot.waitUntil(lambda: not page.is_busy(), timeout=30_000)
            QApplication.processEvents()
        if isinstance(page, ListTab):
            assert page.model.rowCount() > 0, window.tabs.tabText(index)
            assert page.status.text(), window.tabs.tabText(index)
        save_screenshot(window, f"tab_{index:02d}_{window.tabs.tabText(index)}")


def test_tabs_are_built_when_needed_and_findings_route_to_them(qtbot, db):
    from mzdesk.models import Enrollment
    from ui.tabs.gaoling import GaolingTab
    from ui.tabs.persons import PersonsTab

    build_demo(today=dt.date(2026, 11, 29))
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert [type(p) for p in window.pages] == [type(window.dashboard)]  # only the current tab
    gaoling = Enrollment.select().where(Enrollment.programme == "gaoling").first()
    assert window.open_record("enrollment", gaoling.id)
    page = window.page_at(window.tabs.currentIndex())
    assert isinstance(page, GaolingTab) and page.selected_id() == gaoling.id
    assert window.open_record("person", gaoling.person_id)
    assert isinstance(window.page_at(window.tabs.currentIndex()), (PersonsTab, GaolingTab))
