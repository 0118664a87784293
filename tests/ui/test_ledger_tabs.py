"""人员档案, 救助台账, 土坯房改造 and 殡葬与老龄, driven as a clerk would."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QPushButton

from mzdesk.models import Activity, CardIssuance, HouseSurvey, Indicator, Person, ReliefCase
from mzdesk.services import ledgers
from tests.core.test_registry_lists import books  # noqa: F401 (the fixture)
from ui.forms.elderly_forms import ActivityForm, CardForm, IndicatorForm
from ui.forms.house_survey_form import HouseSurveyForm
from ui.forms.relief_form import ReliefCaseForm
from ui.tabs.funeral_elderly import FuneralElderlyTab
from ui.tabs.persons import PersonsTab
from ui.tabs.relief import ReliefTab
from ui.tabs.tupifang import TupifangTab

from .conftest import pick as _pick, retype as _retype, save_screenshot, type_text

SIZE = (1366, 768)
CTRL = Qt.KeyboardModifier.ControlModifier
THIS_YEAR = str(dt.date.today().year)


@pytest.fixture(autouse=True)
def no_message_boxes(monkeypatch):
    """An error a tab would show in a (modal) message box fails the test instead."""
    errors = []
    monkeypatch.setattr("ui.tabs.list_tab.show_error", lambda parent, exc: errors.append(
        "".join(__import__("traceback").format_exception(exc))))
    yield errors
    if errors:
        pytest.fail("\n".join(errors), pytrace=False)


def _tab(qtbot, cls, refresh=True):
    tab = cls()
    qtbot.addWidget(tab)
    tab.resize(*SIZE)
    tab.show()
    if refresh:  # the main window refreshes a tab when it is first shown
        tab.refresh()
    return tab


def _button(widget, text) -> QPushButton:
    return next(b for b in widget.findChildren(QPushButton) if b.text() == text and b.isVisible())


def _click(widget, text) -> None:
    from PySide6.QtTest import QTest
    QTest.mouseClick(_button(widget, text), Qt.MouseButton.LeftButton)


def _column(tab, key) -> list[str]:
    col = [c.key for c in tab.model.columns].index(key)
    return [tab.model.index(r, col).data() for r in range(tab.model.rowCount())]


def _choose(combo, text) -> None:
    index = combo.findText(text)
    assert index >= 0, text
    combo.setCurrentIndex(index)






def _save(qtbot, form) -> None:
    # Ctrl+S is a window shortcut; a form closed just before may still be
    # handing activation back (asynchronously) to its parent.
    if not form.isActiveWindow():
        form.activateWindow()
        qtbot.waitUntil(form.isActiveWindow, timeout=2000)
    qtbot.keyClick(form.focusWidget() or form, Qt.Key.Key_S, CTRL)


def _drive(qtbot, monkeypatch, cls, fill) -> list:
    """Replace a form's exec: show it, let `fill` type into it, return its result."""
    shown = []

    def fake_exec(form):  # the form is the tab's child: closed with it
        with qtbot.waitActive(form):  # Ctrl+S is a window shortcut
            form.show()
            form.activateWindow()
        shown.append(form)
        fill(form)
        return form.result()

    monkeypatch.setattr(cls, "exec", fake_exec)
    return shown


# --- 救助台账 ------------------------------------------------------------------

def test_a_relief_case_saved_shows_with_its_target_group_and_total(qtbot, books, monkeypatch):
    tab = _tab(qtbot, ReliefTab)
    assert tab.status.text() == "共 4 件（3 户），救助金额合计 14,800.50 元"
    changed = []
    tab.changed.connect(lambda: changed.append(1))

    def fill(form):
        assert "自动确定" in form.target.text() and form.target_group() == ""
        _pick(qtbot, form.picker, "chen")  # on no programme
        assert form.target_group() == "困难户"
        form.picker.edit.clear()
        _pick(qtbot, form.picker, "wdm")  # head of a 农村低保 household
        assert form.target_group() == "低保户"
        form.approved.setDate(QDate(2021, 12, 31))  # before the household was enrolled
        assert form.target_group() == "困难户"
        form.approved.setDate(QDate.currentDate())
        assert form.target_group() == "低保户"
        _choose(form.kind, "医疗救助")
        assert form.case_type.currentText() == "门诊医疗救助"
        _choose(form.case_type, "大病医疗救助")
        _save(qtbot, form)
        assert "请填写救助金额" in form.error.text() and form.isVisible()
        form.amount.setFocus()
        qtbot.keyClicks(form.amount, "1234.5")
        type_text(form.note, "住院")
        save_screenshot(form, "form_relief")
        _save(qtbot, form)

    shown = _drive(qtbot, monkeypatch, ReliefCaseForm, fill)
    _click(tab, "新增")
    assert shown and shown[0].result() == QDialog.DialogCode.Accepted and changed
    case = ReliefCase.get_by_id(shown[0].saved_id)
    assert (case.person_id, case.kind, case.case_type, case.amount, case.target_group, case.note) == (
        books["wang"], "医疗救助", "大病医疗救助", Decimal("1234.50"), "低保户", "住院")
    row = tab.selected_row()
    assert row["id"] == case.id and row["target_group"] == "低保户"
    assert _column(tab, "target_group")[0] == "低保户" and _column(tab, "amount")[0] == "1,234.50"
    assert tab.status.text() == "共 5 件（3 户），救助金额合计 16,035.00 元"
    assert tab.year_combo.findText(THIS_YEAR) >= 0  # this year joined the 年度 filter


def test_relief_filters_and_the_edit_form(qtbot, books, monkeypatch):
    tab = _tab(qtbot, ReliefTab)
    _choose(tab.kind_combo, "临时救助")
    assert sorted(_column(tab, "name")) == sorted(["孙老汉", "陈建国"])
    assert tab.status.text() == "共 2 件（2 户），救助金额合计 2,300.00 元"
    qtbot.keyClicks(tab.search, "sun")
    qtbot.waitUntil(lambda: _column(tab, "name") == ["孙老汉"], timeout=2000)
    opened = []

    def look(form):
        opened.append(form)
        if not hasattr(ledgers, "update_relief_case"):  # a saved case is shown read-only
            assert not form.buttons.button(QDialogButtonBox.StandardButton.Save).isVisible()
            assert not form.amount.isEnabled() and form.amount.value() == Decimal("800.00")
            form.try_save()
            assert "不能修改" in form.error.text()
        form.reject()

    _drive(qtbot, monkeypatch, ReliefCaseForm, look)
    assert tab.select_id(books["cases"][2])
    _click(tab, "编辑")
    assert opened and opened[0].case.id == books["cases"][2]
    assert opened[0].target_group() == "五保户"
    assert tab.open_record("relief_case", books["cases"][1])  # a 医疗救助 case: the filters widen
    assert tab.selected_id() == books["cases"][1] and tab.kind_combo.currentText() == "全部"
    assert tab.search.text() == "" and not tab.open_record("person", books["wang"])


# --- 土坯房改造 ----------------------------------------------------------------

def test_a_house_survey_record_then_its_progress(qtbot, books, monkeypatch):
    tab = _tab(qtbot, TupifangTab)
    assert tab.status.text().startswith("共 3 户 6 人，拆迁补偿费合计 45,000.00 元")

    def fill(form):
        assert form.family_note.text() == "选择户主后自动判断"
        _pick(qtbot, form.picker, "wdm")  # 农村低保 household of three
        assert form.persons.value() == 3
        assert form.family_type.currentText() == "农村低保" and not form.family_type.isEnabled()
        assert "由救助项目登记确定" in form.family_note.text()
        assert form.pilot.isChecked()  # the village already has pilot households
        form.picker.edit.clear()
        _pick(qtbot, form.picker, "chen")  # on no programme: the clerk chooses
        assert form.family_type.isEnabled() and "请按实际选择" in form.family_note.text()
        _choose(form.family_type, "低保边缘户")
        _choose(form.intention, "异地重建")
        _choose(form.progress, "已拆除")
        form.compensation.setFocus()
        qtbot.keyClicks(form.compensation, "30000")
        form.transition_fee.setFocus()
        qtbot.keyClicks(form.transition_fee, "2400.5")
        save_screenshot(form, "form_house_survey")
        _save(qtbot, form)

    shown = _drive(qtbot, monkeypatch, HouseSurveyForm, fill)
    _click(tab, "新增")
    record = HouseSurvey.get_by_id(shown[0].saved_id)
    assert (record.person_id, record.persons, record.intention, record.family_type, record.progress,
            record.compensation, record.transition_fee, record.pilot) == (
        books["chen"], 1, "异地重建", "低保边缘户", "已拆除", Decimal("30000.00"), Decimal("2400.50"), True)
    assert tab.selected_id() == record.id
    assert tab.status.text() == ("共 4 户 7 人，拆迁补偿费合计 75,000.00 元，"
                                 "过渡安置费合计 8,400.50 元")

    def progress(form):
        assert not form.picker.isEnabled() and not form.family_type.isEnabled()
        _choose(form.progress, "已建成")
        _save(qtbot, form)

    _drive(qtbot, monkeypatch, HouseSurveyForm, progress)
    _click(tab, "编辑")
    assert HouseSurvey.get_by_id(record.id).progress == "已建成"
    assert tab.selected_row()["progress"] == "已建成"
    _choose(tab.progress_combo, "已建成")
    assert _column(tab, "name") == ["陈建国"]


# --- 殡葬与老龄 ----------------------------------------------------------------

def test_a_card_an_activity_and_an_indicator(qtbot, books, monkeypatch):
    tab = _tab(qtbot, FuneralElderlyTab)
    changed = []
    tab.changed.connect(lambda: changed.append(1))
    assert [tab.tabs.tabText(i) for i in range(4)] == ["死亡登记", "老年证件", "工作活动", "工作指标"]

    def card(form):
        _pick(qtbot, form.picker, "sun")
        _choose(form.card_type, "免费乘车证")
        form.number.setFocus()
        qtbot.keyClicks(form.number, "CC2022007")
        _save(qtbot, form)

    shown = _drive(qtbot, monkeypatch, CardForm, card)
    tab.tabs.setCurrentWidget(tab.cards)
    _click(tab.cards, "新增")
    saved = CardIssuance.get_by_id(shown[0].saved_id)
    assert (saved.person_id, saved.card_type, saved.number, saved.issued_date) == (
        books["sun"], "免费乘车证", "CC2022007", dt.date.today())
    assert tab.cards.selected_row()["number"] == "CC2022007" and changed
    assert tab.cards.status.text() == "共 3 证（老年优待证 1，免费乘车证 2）"

    def activity(form):
        _choose(form.kind, "村务公开检查")
        form.title.setFocus()
        type_text(form.title, "下半年村务公开检查")
        form.held.setDate(QDate(2022, 11, 8))
        _retype(qtbot, form.participants, "12")
        _save(qtbot, form)
        assert form.result() == QDialog.DialogCode.Accepted, form.error.text()

    shown = _drive(qtbot, monkeypatch, ActivityForm, activity)
    tab.tabs.setCurrentWidget(tab.activities)
    _click(tab.activities, "新增")
    saved = Activity.get_by_id(shown[0].saved_id)
    assert (saved.kind, saved.title, saved.held_date, saved.participants) == (
        "村务公开检查", "下半年村务公开检查", dt.date(2022, 11, 8), 12)
    assert tab.activities.selected_row()["title"] == "下半年村务公开检查"
    assert tab.activities.status.text() == "共 4 次活动，参加 212 人次"

    def indicator(form):
        _choose(form.name, "规范化率")
        _retype(qtbot, form.month, "2022-06")
        assert "已填报 95.5%" in form.existing.text()  # saving replaces that month's value
        form.value.setFocus()
        qtbot.keyClicks(form.value, "97")
        save_screenshot(form, "form_indicator")
        _save(qtbot, form)

    shown = _drive(qtbot, monkeypatch, IndicatorForm, indicator)
    tab.tabs.setCurrentWidget(tab.indicators)
    _click(tab.indicators, "填报")
    assert Indicator.get(name="规范化率", month="2022-06").value == "97"
    assert Indicator.select().count() == 3 and tab.indicators.selected_row()["value"] == "97"


def test_ctrl_n_opens_the_form_of_the_list_shown(qtbot, books, monkeypatch):
    tab = _tab(qtbot, FuneralElderlyTab)
    opened = []
    for cls in (CardForm, ActivityForm, IndicatorForm):
        monkeypatch.setattr(cls, "exec", lambda form: opened.append(type(form).__name__) or 0)
    with qtbot.waitActive(tab):
        tab.activateWindow()
    for sub, name in ((tab.cards, "CardForm"), (tab.indicators, "IndicatorForm")):
        tab.tabs.setCurrentWidget(sub)
        sub.table.setFocus()
        qtbot.keyClick(sub.table, Qt.Key.Key_N, CTRL)
        assert opened[-1:] == [name]
    assert len(opened) == 2


def test_open_record_switches_to_the_right_list(qtbot, books):
    tab = _tab(qtbot, FuneralElderlyTab, refresh=False)  # not shown yet: loads on demand
    assert tab.indicators.model.rowCount() == 0
    assert tab.open_record("indicator", books["inds"][2])
    assert tab.tabs.currentWidget() is tab.indicators and tab.indicators.selected_id() == books["inds"][2]
    assert tab.open_record("card_issuance", books["cards"][1]) and tab.tabs.currentWidget() is tab.cards
    assert tab.open_record("death", 1) and tab.deaths.selected_row()["name"] == "周大娘"
    assert tab.open_record("activity", books["acts"][0])
    assert not tab.open_record("relief_case", 1)


# --- 人员档案 ------------------------------------------------------------------

def test_persons_search_by_pinyin_initials(qtbot, books):
    tab = _tab(qtbot, PersonsTab)
    assert tab.model.rowCount() == 5 and tab.status.text() == "共 5 人（男 4，女 1）"
    qtbot.keyClicks(tab.search, "wxh")
    qtbot.waitUntil(lambda: _column(tab, "name") == ["王小虎"], timeout=2000)
    assert _column(tab, "programmes") == ["农村低保"]
    tab.search.clear()
    type_text(tab.search, "周大娘")  # dead: hidden by the 在世 filter
    qtbot.waitUntil(lambda: "没有符合条件" in tab.status.text(), timeout=2000)
    _choose(tab.alive_combo, "全部")
    assert _column(tab, "status") == ["死亡"] and _column(tab, "tags") == ["残疾、重病"]
    save_screenshot(tab, "persons_search")


def test_persons_export_writes_exactly_the_filtered_rows(qtbot, books, tmp_path, monkeypatch):
    tab = _tab(qtbot, PersonsTab)
    _choose(tab.village_filter, "长丰村")
    tab.table.sortByColumn([c.key for c in tab.model.columns].index("age"), Qt.SortOrder.DescendingOrder)
    shown = [[tab.model.index(r, c).data() for c in range(tab.model.columnCount())]
             for r in range(tab.model.rowCount())]
    assert [row[0] for row in shown] == ["王大明", "李秀英", "陈建国", "王小虎"]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "人员"), ""))
    _click(tab, "导出当前列表")
    sheet = load_workbook(tmp_path / "人员.xlsx").active
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "茶店镇人员档案名单"
    assert rows[1] == [c.title for c in tab.model.columns]
    assert rows[2:] == shown
    id_col = [c.key for c in tab.model.columns].index("id_number")
    assert all(r[id_col].data_type == "s" for r in sheet.iter_rows(min_row=3))
    assert "已导出 4 行" in tab.status.text()


def test_persons_actions_open_their_forms(qtbot, books, monkeypatch):
    from ui.dialogs.history import HistoryDialog
    from ui.forms.death_form import DeathForm
    from ui.forms.household_form import HouseholdForm
    from ui.forms.person_form import PersonForm
    opened = []
    monkeypatch.setattr(PersonForm, "exec",
                        lambda f: opened.append(("person", f.person and f.person.id)) or 0)
    monkeypatch.setattr(HouseholdForm, "exec", lambda f: opened.append(
        ("household", f.household and f.household.head_id, f.head.person_id())) or 0)
    monkeypatch.setattr(DeathForm, "exec", lambda f: opened.append(("death", f.picker.person_id())) or 0)
    monkeypatch.setattr(HistoryDialog, "exec", lambda d: opened.append(("history", d.windowTitle())) or 0)
    tab = _tab(qtbot, PersonsTab)
    assert not _button(tab, "编辑").isEnabled()
    tab.open_record("person", books["li"])
    for text in ("编辑", "家庭", "登记死亡", "历史"):
        _click(tab, text)
    assert opened == [("person", books["li"]), ("household", books["wang"], books["wang"]),
                      ("death", books["li"]), ("history", "历史 — 李秀英 — 人员档案")]
    tab.open_record("person", books["chen"])  # no household yet: a new one with him as head
    _click(tab, "家庭")
    assert opened[-1] == ("household", None, books["chen"])
    _click(tab, "新增人员")
    assert opened[-1] == ("person", None)
    assert tab.open_record("person", books["zhou"])  # dead: the filter widens
    assert tab.selected_row()["status"] == "死亡" and not _button(tab, "登记死亡").isEnabled()
    assert tab.open_record("household", 1) and tab.selected_id() == books["wang"]
    assert not tab.open_record("relief_case", 1)


# --- the demo township -----------------------------------------------------------

@pytest.fixture
def demo(db):
    from mzdesk.demo import build_demo
    build_demo()
    return db


def test_every_tab_renders_the_demo_township(qtbot, demo):
    persons_tab = _tab(qtbot, PersonsTab)
    # total: the rows matching; only the first page of them is loaded until the view scrolls
    assert persons_tab.model.total > 300 and persons_tab.status.text().startswith("共 ")
    save_screenshot(persons_tab, "tab_persons")
    qtbot.keyClicks(persons_tab.search, "zl")
    qtbot.waitUntil(lambda: persons_tab.model.total < 300, timeout=3000)
    first = [Person.get_by_id(r["id"]) for r in persons_tab.model.all_rows()[:5]]
    assert all(p.initials.startswith("zl") for p in first)  # initials match before fragments
    save_screenshot(persons_tab, "tab_persons_search")
    for cls, name in ((ReliefTab, "tab_relief"), (TupifangTab, "tab_tupifang")):
        tab = _tab(qtbot, cls)
        assert tab.model.rowCount() > 10 and "合计" in tab.status.text()
        save_screenshot(tab, name)
    tab = _tab(qtbot, FuneralElderlyTab)
    for sub, name in zip(tab.lists, ("deaths", "cards", "activities", "indicators")):
        tab.tabs.setCurrentWidget(sub)
        assert sub.model.rowCount() > 0 and sub.status.text().startswith("共 ")
        save_screenshot(tab, f"tab_funeral_{name}")
    form = ReliefCaseForm(tab, person_id=ledgers.ReliefCase.select().first().person_id)
    form.show()
    save_screenshot(form, "form_relief_demo")


def test_a_person_beyond_the_loaded_rows_is_shown_alone(qtbot, books, monkeypatch):
    monkeypatch.setattr("ui.table_model.PAGE", 2)  # as if the registry had 100k persons
    tab = _tab(qtbot, PersonsTab)
    assert tab.model.rowCount() == 2 and tab.model.total == 5
    assert tab.open_record("person", books["zhou"])  # the last by pinyin, and dead
    number = Person.get_by_id(books["zhou"]).id_number
    assert tab.search.text() == number and _column(tab, "name") == ["周大娘"]
    assert tab.selected_id() == books["zhou"] and tab.alive_combo.currentText() == "全部"
