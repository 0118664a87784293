"""The roster tabs (低保, 特困供养, 优抚, 高龄津贴, 残疾人补贴) and the history dialog."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QPushButton, QTableView

from mzdesk.listing import CURSOR
from mzdesk.models import Enrollment, Village
from mzdesk.rosters import RosterSource
from mzdesk.services import enrollments, persons
from tests.core.people import new_id
from tests.core.test_rosters import roster  # noqa: F401 (the fixture, shared with the core tests)
from ui.dialogs.history import HistoryDialog, changes
from ui.tabs.canji import CanjiTab
from ui.tabs.dibao import DibaoTab
from ui.tabs.gaoling import GaolingTab
from ui.tabs.tekun import TekunTab
from ui.table_model import SourceTableModel
from ui.tabs.youfu import YoufuTab

from .conftest import save_screenshot, type_text

SIZE = (1366, 768)


def _tab(qtbot, cls=DibaoTab):
    tab = cls()
    qtbot.addWidget(tab)
    tab.resize(*SIZE)
    tab.show()
    return tab


def _button(tab, text) -> QPushButton:
    return next(b for b in tab.findChildren(QPushButton) if b.text() == text)


def _names(tab) -> list[str]:
    column = [c.key for c in tab.model.columns].index("name")
    return [tab.model.index(r, column).data() for r in range(tab.model.rowCount())]


def _choose(combo, text) -> None:
    combo.setCurrentIndex(combo.findText(text))


def _select(tab, enrollment_id) -> None:
    assert tab.select_id(enrollment_id)


def test_typing_pinyin_initials_shows_the_household(qtbot, roster):
    tab = _tab(qtbot)
    assert sorted(_names(tab)) == sorted(["王大明", "赵志刚", "刘德华"])
    qtbot.keyClicks(tab.search, "wxh")  # 王小虎 is a member; the head's row is shown
    qtbot.waitUntil(lambda: _names(tab) == ["王大明"], timeout=2000)
    assert tab.status.text() == "共 1 条（1 户，3 人），每月合计 1,950.00 元"
    tab.search.clear()
    type_text(tab.search, "刘德华")
    qtbot.waitUntil(lambda: _names(tab) == ["刘德华"], timeout=2000)
    save_screenshot(tab, "roster_search")


def test_filters_narrow_the_table(qtbot, roster):
    tab = _tab(qtbot)
    _choose(tab.status_combo, "全部")
    assert tab.model.rowCount() == 4
    _choose(tab.status_combo, "停保")
    assert _names(tab) == ["陈建国"] and "均已停保" in tab.status.text()
    _choose(tab.status_combo, "全部")
    _choose(tab.village_combo, "新华社区")
    assert sorted(_names(tab)) == ["刘德华", "赵志刚"]
    _choose(tab.programme_combo, "城市")
    assert _names(tab) == ["赵志刚"]
    _choose(tab.programme_combo, "全部")
    _choose(tab.village_combo, "全部")
    assert tab.category_combo.findText("重残") >= 0
    _choose(tab.category_combo, "重残")
    assert _names(tab) == ["陈建国"]
    tekun = _tab(qtbot, TekunTab)
    _choose(tekun.category_combo, "集中")
    assert _names(tekun) == ["孙老汉"]


def test_new_villages_and_categories_appear_after_a_write(qtbot, roster):
    from mzdesk.services import villages
    tab = _tab(qtbot, TekunTab)
    _choose(tab.village_combo, "长丰村")
    assert tab.village_combo.findText("桃源村") < 0
    villages.add_village("桃源村")
    tab.refresh()
    assert tab.village_combo.findText("桃源村") > 0
    assert tab.village_combo.currentText() == "长丰村"  # the choice is kept
    youfu = _tab(qtbot, YoufuTab)
    assert youfu.category_combo.findText("烈属") < 0
    person = persons.register_person(new_id(dt.date(1950, 1, 1)), "冯秀兰", village="长丰村")
    enrollments.enroll("youfu", person.id, start_month="2022-01", category="烈属",
                       amount="2600", reason="按批复")
    youfu.refresh()
    assert youfu.category_combo.findText("烈属") > 0


def test_export_writes_exactly_the_rows_shown(qtbot, roster, tmp_path, monkeypatch):
    tab = _tab(qtbot)
    _choose(tab.village_combo, "长丰村")
    _choose(tab.status_combo, "全部")
    tab.table.sortByColumn([c.key for c in tab.model.columns].index("amount"),
                           Qt.SortOrder.DescendingOrder)
    target = tmp_path / "名单"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.mouseClick(_button(tab, "导出当前列表"), Qt.MouseButton.LeftButton)

    sheet = load_workbook(tmp_path / "名单.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "茶店镇低保名单"
    assert list(rows[1]) == [c.title for c in tab.model.columns]
    shown = [[tab.model.index(r, c).data() for c in range(tab.model.columnCount())]
             for r in range(tab.model.rowCount())]
    assert len(rows) - 2 == len(shown) == 2
    id_col = [c.key for c in tab.model.columns].index("id_number")
    amount_col = [c.key for c in tab.model.columns].index("amount")
    for written, screen in zip(rows[2:], shown):
        assert written[0] == screen[0] and written[id_col] == screen[id_col]
        assert Decimal(str(written[amount_col])) == Decimal(screen[amount_col].replace(",", ""))
    cells = list(sheet.iter_rows(min_row=3))
    assert all(row[id_col].data_type == "s" and row[id_col].number_format == "@" for row in cells)
    assert "已导出 2 行" in tab.status.text()


def test_stop_and_resume_buttons_follow_the_row(qtbot, roster):
    tab = _tab(qtbot)
    stop, resume = _button(tab, "停保"), _button(tab, "恢复")
    assert not stop.isEnabled() and not resume.isEnabled() and not _button(tab, "编辑").isEnabled()
    _choose(tab.status_combo, "全部")
    _select(tab, roster["a"])
    assert stop.isEnabled() and not resume.isEnabled() and _button(tab, "历史").isEnabled()
    _select(tab, roster["b"])
    assert resume.isEnabled() and not stop.isEnabled()


def test_stop_through_the_form_keeps_the_row_selected(qtbot, roster, monkeypatch):
    from ui.forms.stop_resume import ResumeDialog, StopDialog

    def stop_exec(dialog):
        dialog.reason.setCurrentText("迁出")
        dialog.try_save()
        return dialog.result()

    def resume_exec(dialog):
        dialog.reason.setText("复核后符合条件")
        dialog.try_save()
        return dialog.result()

    monkeypatch.setattr(StopDialog, "exec", stop_exec)
    monkeypatch.setattr(ResumeDialog, "exec", resume_exec)
    tab = _tab(qtbot)
    changed = []
    tab.changed.connect(lambda: changed.append(1))
    _select(tab, roster["a"])
    qtbot.mouseClick(_button(tab, "停保"), Qt.MouseButton.LeftButton)

    assert Enrollment.get_by_id(roster["a"]).stop_reason == "迁出" and changed
    # The row left the 在保 list: the filter widened so it stays in view, selected.
    assert tab.selected_id() == roster["a"] and tab.status_combo.currentText() == "全部"
    assert tab.selected_row()["status"] == "停保"
    assert _button(tab, "恢复").isEnabled() and not _button(tab, "停保").isEnabled()

    qtbot.mouseClick(_button(tab, "恢复"), Qt.MouseButton.LeftButton)
    assert Enrollment.get_by_id(roster["a"]).status == "在保"
    assert tab.selected_id() == roster["a"] and _button(tab, "停保").isEnabled()


def test_edit_and_new_open_the_enrollment_form(qtbot, roster, monkeypatch):
    from ui.forms import enrollment_form
    opened = []

    def fake_exec(form):
        opened.append((form.code, form.enrollment.id if form.enrollment else None))
        return 0

    monkeypatch.setattr(enrollment_form.EnrollmentForm, "exec", fake_exec)
    tab = _tab(qtbot)
    _select(tab, roster["c"])
    row = tab.model.row_of_id(roster["c"])
    rect = tab.table.visualRect(tab.model.index(row, 0))
    # Qt 6's QTest needs the click before the double click to emit doubleClicked.
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened == [("dibao_urban", roster["c"])]

    monkeypatch.setattr(DibaoTab, "ask_programme", lambda self: "dibao_rural")
    qtbot.mouseClick(_button(tab, "新增"), Qt.MouseButton.LeftButton)
    _choose(tab.programme_combo, "城市")
    qtbot.mouseClick(_button(tab, "新增"), Qt.MouseButton.LeftButton)
    assert opened[1:] == [("dibao_rural", None), ("dibao_urban", None)]
    monkeypatch.setattr(DibaoTab, "ask_programme", lambda self: None)
    _choose(tab.programme_combo, "全部")
    tab.add_new()  # the clerk cancelled the question: no form
    assert len(opened) == 3


def test_new_on_both_dibao_rosters_asks_which(qtbot, roster):
    tab = _tab(qtbot)
    answers = []

    def answer():
        box = QApplication.activeModalWidget()
        answers.append(box.text())
        next(b for b in box.findChildren(QPushButton) if b.text() == "城市低保").click()

    QTimer.singleShot(0, answer)
    assert tab.programme_for_new() == "dibao_urban"
    assert answers == ["请选择要新增的项目："]
    _choose(tab.programme_combo, "农村")
    assert tab.programme_for_new() == "dibao_rural"  # no question when one is shown


def test_saved_new_record_is_selected(qtbot, roster, monkeypatch):
    from ui.forms import enrollment_form

    def fake_exec(form):
        person = persons.register_person(new_id(dt.date(1941, 1, 1)), "钱老太", village="长丰村")
        form.saved_id = enrollments.enroll("tekun", person.id, start_month="2022-03",
                                           category="散居").id
        return 1

    monkeypatch.setattr(enrollment_form.EnrollmentForm, "exec", fake_exec)
    tab = _tab(qtbot, TekunTab)
    type_text(tab.search, "孙老汉")
    tab.refresh()
    tab.add_new()
    assert tab.selected_row()["name"] == "钱老太" and tab.search.text() == ""


def test_open_record_shows_hidden_rows(qtbot, roster):
    tab = _tab(qtbot)
    assert tab.open_record("enrollment", roster["b"])  # stopped: hidden by 在保
    assert tab.selected_id() == roster["b"] and tab.status_combo.currentText() == "全部"
    qtbot.keyClicks(tab.search, "zzg")
    tab.refresh()
    assert tab.open_record("person", roster["a_members"][1])  # a member finds the household
    assert tab.selected_id() == roster["a"] and tab.search.text() == ""
    assert not tab.open_record("enrollment", roster["sun"])  # a 特困 record
    assert not tab.open_record("relief_case", 1)
    assert _tab(qtbot, TekunTab).open_record("enrollment", roster["sun"])


def test_history_shows_the_stop_with_its_reason(qtbot, roster, monkeypatch):
    enrollments.change_amount(roster["a"], month="2022-03", amount="2000", reason="重病加发")
    enrollments.stop(roster["a"], month="2022-06", reason="迁出")
    shown = []
    monkeypatch.setattr(HistoryDialog, "exec", lambda self: shown.append(self) or 0)
    tab = _tab(qtbot)
    _choose(tab.status_combo, "全部")
    _select(tab, roster["a"])
    qtbot.mouseClick(_button(tab, "历史"), Qt.MouseButton.LeftButton)
    dialog = shown[0]
    qtbot.addWidget(dialog)
    log = dialog.log_model.rows
    assert [r[2] for r in log] == ["纳入保障", "调整金额", "停保"] and log[-1][3] == "迁出"
    diff = dialog.diff_model.rows  # the latest entry is selected
    assert ("停保原因", "—", "迁出") in diff and ("状态", "在保", "停保") in diff
    assert ("停保月份", "—", "2022-06") in diff and len(diff) == 3
    dialog.log_view.selectRow(1)
    assert ("金额", "1,950.00 元", "2,000.00 元") in dialog.diff_model.rows
    assert ("金额原因", "—", "重病加发") in dialog.diff_model.rows
    events = dialog.events_model.rows
    assert [(e[0], e[1]) for e in events] == [("开始", "2022-01"), ("调整", "2022-03"),
                                              ("停保", "2022-06")]
    assert events[-1][3] == "迁出" and events[1][2] == "2,000.00"
    dialog.show()
    save_screenshot(dialog, "roster_history")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_changes_name_villages_and_programmes(roster):
    xinhua = Village.get(name="新华社区").id
    rows = changes({"village": None, "programme": "tekun", "details": {}, "id": 1},
                   {"village": xinhua, "programme": "youfu", "details": {"care_level": "半失能"},
                    "id": 2})
    assert rows == [("村(社区)", "—", "新华社区"), ("救助项目", "特困人员供养", "重点优抚对象"),
                    ("其他信息", "—", "自理能力：半失能")]


@pytest.fixture
def demo(db):
    from mzdesk.demo import build_demo
    build_demo()
    return db


def _assert_nothing_cut_off(tab) -> None:
    """Every column is wider than its title and than the widest cell text loaded,
    and all of them fit side by side (no horizontal scrolling)."""
    header = tab.table.horizontalHeader()
    metrics = tab.table.fontMetrics()
    for col, column in enumerate(tab.model.columns):
        width = tab.table.columnWidth(col)
        assert header.fontMetrics().horizontalAdvance(column.title) < width, column.title
        texts = [tab.model.index(r, col).data() or "" for r in range(tab.model.rowCount())]
        widest = max(metrics.horizontalAdvance(t) for t in texts)
        assert widest + 6 <= width, (tab.TITLE, column.title, max(texts, key=len))
    assert header.length() <= tab.table.viewport().width(), tab.TITLE


def test_every_roster_tab_renders_the_demo_township(qtbot, demo):
    for cls in (DibaoTab, TekunTab, YoufuTab, GaolingTab, CanjiTab):
        tab = _tab(qtbot, cls)
        qtbot.waitExposed(tab)
        assert tab.model.rowCount() > 20, cls.TITLE
        assert tab.status.text().startswith("共 ") and "每月合计" in tab.status.text()
        save_screenshot(tab, f"roster_{cls.__name__}")
        _assert_nothing_cut_off(tab)
        _choose(tab.status_combo, "全部")  # stopped rows too: 停保月份, 停保原因
        _assert_nothing_cut_off(tab)
        tab.resize(1180, 640)  # inside the main window at its default size
        qtbot.wait(1)
        _assert_nothing_cut_off(tab)
        tab.close()


def test_one_typed_letter_waits_for_the_next(qtbot, roster):
    tab = _tab(qtbot)
    before = tab.model.rowCount()
    tab.search.setText("w")
    qtbot.waitUntil(lambda: "再输入" in tab.status.text(), timeout=2000)
    assert tab.model.rowCount() == before  # no query ran
    tab.search.setText("wx")
    qtbot.waitUntil(lambda: "再输入" not in tab.status.text(), timeout=2000)


# --- the table model: keyset paging as the view scrolls ------------------------------

class _Recording:
    """A ListSource that records how it is asked for pages."""

    def __init__(self, source):
        self.source, self.calls = source, []
        self.columns = source.columns

    def count(self, filters):
        return self.source.count(filters)

    def summary(self, filters):
        return self.source.summary(filters)

    def rows(self, filters, order, descending, offset, limit, **kw):
        self.calls.append((offset, limit, kw.get("after")))
        return self.source.rows(filters, order, descending, offset, limit, **kw)


class _NoCursor(_Recording):
    """A source written before keyset paging: no cursor, no `after`."""

    def rows(self, filters, order, descending, offset, limit):
        self.calls.append((offset, limit, None))
        return [{k: v for k, v in row.items() if k != CURSOR}
                for row in self.source.rows(filters, order, descending, offset, limit)]


@pytest.mark.parametrize("order,descending", [(None, False), ("amount", True), ("stop_month", False),
                                              ("stop_month", True), ("name", True)])
def test_the_model_pages_from_the_last_rows_cursor(qtbot, roster, monkeypatch, order, descending):
    monkeypatch.setattr("ui.table_model.PAGE", 2)
    source = _Recording(RosterSource(("dibao_urban", "dibao_rural", "tekun", "youfu")))
    model = SourceTableModel(source)
    model.order, model.descending = order, descending
    model.set_filters({"status": None})
    assert model.rowCount() == 2 and model.total == 8
    while model.canFetchMore():
        model.fetchMore()
    whole = source.source.rows({"status": None}, order, descending, 0, 100)
    assert [model.row_id(r) for r in range(model.rowCount())] == [r["id"] for r in whole]
    # Every page after the first starts from the previous page's last row, never by OFFSET.
    assert source.calls[0] == (0, 2, None)
    assert [c[0] for c in source.calls] == [0] * 4
    assert [c[2] for c in source.calls[1:]] == [whole[i][CURSOR] for i in (1, 3, 5)]


def test_a_source_without_cursors_is_paged_by_offset(qtbot, roster, monkeypatch):
    monkeypatch.setattr("ui.table_model.PAGE", 3)
    source = _NoCursor(RosterSource(("dibao_urban", "dibao_rural", "tekun", "youfu")))
    model = SourceTableModel(source)
    model.set_filters({"status": None})
    while model.canFetchMore():
        model.fetchMore()
    assert [c[:2] for c in source.calls] == [(0, 3), (3, 3), (6, 3)]
    whole = source.source.rows({"status": None}, None, False, 0, 100)
    assert [model.row_id(r) for r in range(model.rowCount())] == [r["id"] for r in whole]


def test_a_keystroke_loads_a_small_first_page_and_the_view_fetches_the_rest(qtbot, roster, monkeypatch):
    monkeypatch.setattr("ui.table_model.FIRST_PAGE", 2)  # as if 100 rows of a long list
    source = _Recording(RosterSource(("dibao_urban", "dibao_rural")))
    model = SourceTableModel(source)
    model.set_filters({})
    assert model.rowCount() == 2 and model.total == 3 and source.calls == [(0, 2, None)]
    # A view with room to spare asks for more rows by itself, from the cursor.
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(600, 400)
    view.show()
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=2000)
    assert source.calls[1][0] == 0 and source.calls[1][2] == model.row_data(1)[CURSOR]


def test_cells_roles_and_headers(qtbot, roster):
    tab = _tab(qtbot)
    model = tab.model
    keys = [c.key for c in model.columns]
    amount = model.index(0, keys.index("amount"))
    assert amount.data() == f"{amount.data(Qt.ItemDataRole.UserRole):,.2f}"
    assert isinstance(amount.data(Qt.ItemDataRole.UserRole), Decimal)
    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    assert amount.data(Qt.ItemDataRole.TextAlignmentRole) == right
    number = model.index(0, keys.index("id_number"))
    assert number.data(Qt.ItemDataRole.ToolTipRole) == number.data()  # 18 digits: may be cut off
    assert model.index(0, keys.index("status")).data(Qt.ItemDataRole.ToolTipRole) is None
    for role in (Qt.ItemDataRole.FontRole, Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.CheckStateRole):
        assert amount.data(role) is None
    assert model.data(model.index(-1, -1)) is None
    assert model.headerData(keys.index("amount"), Qt.Orientation.Horizontal) == "月金额(元)"
    assert model.headerData(4, Qt.Orientation.Vertical) == 5
    assert model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) is None


def test_a_refresh_keeps_a_row_selected_beyond_the_first_page(qtbot, roster, monkeypatch):
    monkeypatch.setattr("ui.table_model.FIRST_PAGE", 1)
    tab = _tab(qtbot, TekunTab)
    tab.refresh()
    while tab.model.canFetchMore():
        tab.model.fetchMore()
    last = tab.model.row_id(tab.model.rowCount() - 1)
    _select(tab, last)
    tab.refresh()  # as after a write: same filters
    assert tab.selected_id() == last
    tab.search.setText("zdn")  # a new search starts from its first page again
    tab._search_timer.stop()
    tab.refresh()
    assert tab.model.rowCount() == 1
