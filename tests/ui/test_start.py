"""Starting the GUI: first-run dialog, main window, remembered state, error handling."""
from __future__ import annotations

import sys
import time
from decimal import Decimal

import pytest
from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from mzdesk.errors import DomainError
from mzdesk.models import Person, Village
from mzdesk.services import settings
from tests.core.people import new_id
from ui import app as app_module
from ui.first_run import FirstRunDialog
from ui.main_window import MainWindow
from ui.tabs.dashboard import FiguresModel, programme_figures

from .conftest import save_screenshot, type_text

DEMO_TIMEOUT_MS = 60_000


def _cell(model, row: int, col: int) -> str:
    return model.data(model.index(row, col))


def _row_of(model: FiguresModel, code: str) -> int:
    return next(i for i, r in enumerate(model.figures()) if r.code == code)


def _window(qtbot, **kwargs) -> MainWindow:
    window = MainWindow(**kwargs)
    qtbot.addWidget(window)
    return window


def _wait_refreshed(qtbot, window: MainWindow, timeout: int = 10_000) -> None:
    """Wait until the dashboard's data checks (run in a worker thread) are done."""
    qtbot.waitUntil(lambda: not window.dashboard.is_busy(), timeout=timeout)


# --- first run -------------------------------------------------------------

def test_first_run_creates_township_from_typed_text(qtbot, db):
    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(dialog.name_edit, "茶店镇")
    type_text(dialog.villages_edit, "长丰村\n\n新华社区\n")
    assert dialog.name_edit.text() == "茶店镇"
    save_screenshot(dialog, "first_run")

    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)

    assert dialog.result() == QDialog.DialogCode.Accepted
    assert settings.township_name() == "茶店镇"
    assert sorted(v.name for v in Village.select()) == sorted(["长丰村", "新华社区"])


def test_first_run_empty_name_shows_red_message_and_writes_nothing(qtbot, db):
    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(dialog.name_edit, "  ")
    type_text(dialog.villages_edit, "长丰村")

    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)

    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.create_error.isVisible()
    assert "乡镇名称" in dialog.create_error.text()
    assert "#c00000" in dialog.create_error.styleSheet()
    assert not settings.is_initialised()
    assert Village.select().count() == 0
    save_screenshot(dialog, "first_run_error")


def test_first_run_demo_failure_is_shown_in_chinese(qtbot, db, monkeypatch):
    def broken_demo(progress):
        progress(1, 10, "正在生成村（社区）……")
        raise DomainError("数据库不是空的，不能生成演示乡镇")

    monkeypatch.setattr(FirstRunDialog, "demo_work", staticmethod(broken_demo))
    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=10_000)

    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert "数据库不是空的" in dialog.demo_error.text()
    assert dialog.demo_button.isEnabled() and dialog.quit_button.isEnabled()


@pytest.fixture
def slow_demo(monkeypatch):
    """A stand-in for build_demo that runs until released (or cancelled)."""
    release = []

    def work(progress):
        while not release:
            progress(3, 10, "正在生成人员档案……")
            time.sleep(0.01)
        settings.init_township("茶店镇")

    monkeypatch.setattr(FirstRunDialog, "demo_work", staticmethod(work))
    return release


def test_first_run_stays_open_while_the_demo_is_written(qtbot, db, slow_demo):
    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    dialog.reject()
    dialog.close()
    assert dialog.isVisible() and dialog.is_busy()
    assert not dialog.create_button.isEnabled() and not dialog.quit_button.isEnabled()
    progress = dialog._progress
    qtbot.waitUntil(lambda: progress.value() == 3, timeout=10_000)
    assert progress.isVisible() and progress.labelText() == "正在生成人员档案……"
    save_screenshot(progress, "first_run_progress")

    slow_demo.append(True)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10_000)
    assert settings.township_name() == "茶店镇"


def test_first_run_demo_can_be_cancelled(qtbot, db, slow_demo):
    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    progress = dialog._progress
    qtbot.waitUntil(lambda: progress.value() == 3, timeout=10_000)

    qtbot.mouseClick(progress.cancel_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=10_000)
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert not dialog.demo_error.isVisible() and dialog.demo_button.isEnabled()
    assert not settings.is_initialised()


def test_first_run_demo_builds_the_demo_township(qtbot, db):
    demo = pytest.importorskip("mzdesk.demo")
    if not hasattr(demo, "build_demo"):
        pytest.skip("mzdesk.demo.build_demo is not written yet")
    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    assert dialog.is_busy()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=DEMO_TIMEOUT_MS)

    assert settings.township_name() == "茶店镇"
    assert Person.select().count() > 100

    window = _window(qtbot)
    window.resize(1366, 768)
    window.show()
    _wait_refreshed(qtbot, window, DEMO_TIMEOUT_MS)
    figures = {r.code: r for r in window.dashboard.figures_model.figures()}
    assert figures["dibao_rural"].enrollments > 0 and figures["gaoling"].persons > 0
    assert window.dashboard.figures_model.total() > 0
    save_screenshot(window, "main_window_demo")


# --- main window -----------------------------------------------------------

@pytest.fixture
def small_roll(township):
    """Two 低保 households and one 高龄 person on the township of tests/conftest.py."""
    import datetime as dt

    from mzdesk.services import enrollments, households, persons

    def household(size, village, amount=None):
        people = [persons.register_person(new_id(dt.date(1970 + i, 3, 1)), f"测试{i}号", village=village)
                  for i in range(size)]
        home = households.create_household(people[0].id, members=[(p.id, "子女") for p in people[1:]])
        return enrollments.enroll("dibao_rural", people[0].id, household_id=home.id,
                                  start_month="2022-01", amount=amount, reason="" if amount is None else "测试")

    household(3, "长丰村")                    # 650 × 3 = 1950
    stopped = household(2, "新华社区")         # 1300, then stopped
    enrollments.stop(stopped.id, month="2022-03", reason="收入超标")
    old = persons.register_person(new_id(dt.date(1935, 1, 1), "女"), "高龄老人", village="长丰村")
    enrollments.enroll("gaoling", old.id, start_month="2022-01")  # aged 86 in 2022-01: 50
    return township


def test_programme_figures_are_sql_aggregates_of_active_enrollments(small_roll):
    figures = {r.code: r for r in programme_figures()}
    assert list(figures)[:3] == ["dibao_urban", "dibao_rural", "tekun"]
    assert (figures["dibao_rural"].enrollments, figures["dibao_rural"].persons) == (1, 3)
    assert figures["dibao_rural"].monthly_total == Decimal("1950.00")
    assert (figures["gaoling"].enrollments, figures["gaoling"].monthly_total) == (1, Decimal("50.00"))
    assert figures["tekun"].enrollments == 0 and figures["tekun"].monthly_total == Decimal("0.00")
    assert not figures["bianyuan"].monthly


def test_main_window_shows_counts_findings_and_database(qtbot, small_roll, db_path):
    window = _window(qtbot, db_path=db_path)
    window.show()
    _wait_refreshed(qtbot, window)

    assert window.windowTitle() == "民政桌面 — 茶店镇"
    from ui.main_window import TABS
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == [t[2] for t in TABS]
    assert all(window.page_at(i).TITLE == t[2] for i, t in enumerate(TABS))
    assert window.tabs.tabText(0) == "工作台"
    assert str(db_path) in window.db_label.text()
    model = window.dashboard.figures_model
    row = _row_of(model, "dibao_rural")
    assert [_cell(model, row, c) for c in range(4)] == ["农村最低生活保障", "1 户", "3", "1,950.00"]
    assert _cell(model, _row_of(model, "gaoling"), 1) == "1 人"
    assert _cell(model, _row_of(model, "bianyuan"), 3) == "—"
    assert [_cell(model, model.rowCount() - 1, c) for c in (0, 3)] == ["合计", "2,000.00"]
    assert "数据比对" in window.dashboard.findings_label.text()
    assert window.dashboard.refresh_button.isEnabled()

    # 刷新 picks up a change made elsewhere.
    from mzdesk.services import enrollments
    enrollments.stop(_active_enrollment("gaoling"), month="2022-06", reason="迁出")
    with qtbot.waitSignal(window.dashboard.refreshed, timeout=10_000):
        qtbot.mouseClick(window.dashboard.refresh_button, Qt.MouseButton.LeftButton)
    assert _cell(model, _row_of(model, "gaoling"), 1) == "0 人"
    window.resize(1366, 768)
    save_screenshot(window, "main_window_township")


def _active_enrollment(code: str) -> int:
    from mzdesk.models import Enrollment
    return Enrollment.get((Enrollment.programme == code) & (Enrollment.status == "在保")).id


def test_geometry_and_tab_are_remembered(qtbot, township, qsettings_dir):
    first = _window(qtbot)
    first.show()
    width = max(first.minimumSizeHint().width(), 700)  # the window needs about 800 px
    first.setGeometry(0, 30, width, 500)
    first.tabs.setCurrentIndex(3)
    _wait_refreshed(qtbot, first)
    first.close()
    assert list(qsettings_dir.rglob("*.ini")), "QSettings must write into the test's directory"

    second = _window(qtbot)
    second.show()
    assert second.tabs.currentIndex() == 3
    assert (second.geometry().width(), second.geometry().height()) == (width, 500)
    # x may be nudged back onto the 800 px offscreen screen; the rest is exact
    assert second.geometry().y() == 30 and abs(second.geometry().x()) <= 16
    _wait_refreshed(qtbot, second)


# --- main() ----------------------------------------------------------------

def test_main_refuses_a_file_that_is_not_a_database(tmp_path, monkeypatch, qapp):
    bad = tmp_path / "表格.sqlite3"
    bad.write_bytes(b"this is not sqlite" * 100)
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    hook = sys.excepthook

    assert app_module.main(["mzdesk-gui", "--db", str(bad)]) == 1

    assert len(shown) == 1 and "不是民政桌面的数据库文件" in shown[0]
    assert "Traceback" not in shown[0]
    assert sys.excepthook is hook
    assert qapp.applicationName() == "民政桌面" and qapp.organizationName() == "mzdesk"


def test_main_returns_0_when_first_run_is_cancelled(db_path, monkeypatch, qapp):
    monkeypatch.setattr(FirstRunDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert app_module.main(["mzdesk-gui", "--db", str(db_path)]) == 0
    from mzdesk import db as dbmod
    dbmod.open_database(db_path)
    try:
        assert not settings.is_initialised()
    finally:
        dbmod.close_database()


def test_main_opens_the_main_window_on_a_township(township, db_path, qapp, monkeypatch):
    seen = []
    # A local loop stands in for QApplication.exec(): once the application's
    # own loop has run and quit, Qt stops timers for the rest of the session.
    loop = QEventLoop()
    monkeypatch.setattr(QApplication, "exec", lambda *args: loop.exec())

    def look_and_quit():
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible():
                seen.append((widget.windowTitle(), widget.db_label.text()))
                widget.close()
        loop.quit()

    QTimer.singleShot(0, look_and_quit)
    assert app_module.main(["mzdesk-gui", "--db", str(db_path)]) == 0
    assert seen == [("民政桌面 — 茶店镇", f"数据库：{db_path}")]


def test_excepthook_logs_and_shows_a_polite_message(monkeypatch, qapp, tmp_path):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    try:
        raise ValueError("张三丰 510112197005170011")
    except ValueError as exc:
        app_module.ExceptionHook()(type(exc), exc, exc.__traceback__)

    assert len(shown) == 1
    assert "意外问题" in shown[0] and "Traceback" not in shown[0] and "ValueError" not in shown[0]
    from mzdesk.logs import log_dir
    log = (log_dir() / "mzdesk-errors.log").read_text("utf-8")
    assert "ValueError" in log and "510112197005170011" not in log and "张三丰" not in log


def test_excepthook_shows_a_domain_error_as_its_message(monkeypatch, qapp):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    exc = DomainError("该身份证号码已登记在人员档案中")
    app_module.ExceptionHook()(DomainError, exc, None)
    assert shown == ["该身份证号码已登记在人员档案中"]


def test_cjk_font_is_chosen_when_installed(qapp):
    family = app_module.apply_cjk_font(qapp)
    if family is None:
        pytest.skip("no CJK font installed")
    assert qapp.font().family() == family
    assert qapp.font().pointSizeF() >= app_module.MIN_POINT_SIZE
