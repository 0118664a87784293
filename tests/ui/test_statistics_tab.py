"""统计报表, driven as a clerk would on the demo township (today 2026-06-10: paid up to May).

Figures shown are compared with the services that compute them
(summary_figures, figure_records, figures_sheet); documents are read back
(pdftotext, python-docx, openpyxl, json).  File and message dialogs are
answered by patching them; the records dialog's exec() is replaced by a
recorder that shows it, so the test can look at it and click in it.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from mzdesk.district.figures_sheet import figures as monthly_figures
from mzdesk.district.figures_sheet import roll_changes
from mzdesk.models import AuditLog
from mzdesk.money import wan_str
from mzdesk.summary import template
from mzdesk.summary.figures import summary_figures
from mzdesk.summary.records import figure_records
from ui.dialogs.records_dialog import RecordsDialog
from ui.main_window import MainWindow
from ui.tabs.dibao import DibaoTab
from ui.tabs.statistics import StatisticsTab, last_complete_half, period_label

from .conftest import retype, save_screenshot, type_text

SCREEN = (1366, 768)
START, END = "2026-01", "2026-05"  # the demo's months paid this year


@pytest.fixture
def answers(monkeypatch):
    """Message boxes answered (question → `answers.question`), and what they said kept."""
    class Answers:
        question = QMessageBox.StandardButton.No
        shown: list[tuple[str, str]] = []

    def box(kind):
        def show(parent, title, text, *args, **kwargs):
            Answers.shown.append((kind, text))
            return Answers.question if kind == "question" else QMessageBox.StandardButton.Ok
        return staticmethod(show)

    Answers.shown = []
    for kind in ("question", "information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind, box(kind))
    return Answers


@pytest.fixture
def save_as(monkeypatch, tmp_path):
    """The save dialog answered with tmp_path/<the file name the tab proposed>; names kept."""
    asked: list[str] = []

    def get(parent, caption, proposed, kinds, *args, **kwargs):
        name = proposed.replace("\\", "/").split("/")[-1]
        asked.append(name)
        return str(tmp_path / name), kinds
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(get))
    return asked


@pytest.fixture
def dialogs(monkeypatch, qtbot):
    """RecordsDialog.exec shows the dialog and returns; the dialogs opened are kept."""
    opened: list[RecordsDialog] = []

    def run(dialog):
        qtbot.addWidget(dialog)
        dialog.show()
        opened.append(dialog)
        return 0
    monkeypatch.setattr(RecordsDialog, "exec", run)
    return opened


def _tab(qtbot, start=START, end=END) -> tuple[MainWindow, StatisticsTab]:
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(*SCREEN)
    window.show()
    tab = window.show_page(StatisticsTab)
    _idle(qtbot, tab)  # showing it counts the default period
    retype(qtbot, tab.from_edit, start)
    retype(qtbot, tab.to_edit, end)
    qtbot.mouseClick(tab.compute_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, tab)
    assert tab.period == (start, end), tab.status.text()
    return window, tab


def _idle(qtbot, tab) -> None:
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=30_000)


def _double_click(qtbot, view, pos: QPoint) -> None:
    """A real double click: Qt 6's QTest needs the click before the double-click event."""
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def _double_click_figure(qtbot, tree, item, column: int) -> None:
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    _double_click(qtbot, tree, QPoint(tree.header().sectionPosition(column) + 8, rect.center().y()))


def _pdf_text(path) -> str:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return re.sub(r"\s+", "", text)


# --- the period ----------------------------------------------------------------------------

def test_the_default_period_is_the_last_complete_half_year():
    assert last_complete_half(dt.date(2026, 6, 10)) == ("2025-07", "2025-12")
    assert last_complete_half(dt.date(2026, 7, 1)) == ("2026-01", "2026-06")
    assert last_complete_half(dt.date(2026, 11, 29)) == ("2026-01", "2026-06")
    assert period_label("2026-01", "2026-06") == "2026年上半年"
    assert period_label("2026-01", "2026-12") == "2026年全年"
    assert period_label("2026-01", "2026-05") == "2026年1月至5月"
    assert period_label("2025-07", "2026-02") == "2025年7月至2026年2月"


def test_a_counted_period_shows_the_summarys_figures(qtbot, june, answers):
    window, tab = _tab(qtbot)
    f = summary_figures(START, END)
    view = tab.figures_view
    urban, rural = f["dibao_urban"], f["dibao_rural"]
    assert view.item_for("dibao_urban.households").text(1) == f"{urban['households']}户 {urban['persons']}人"
    assert view.item_for("dibao_rural.households").text(1) == f"{rural['households']}户 {rural['persons']}人"
    paid = view.item_for("dibao_paid")
    assert paid.text(2) == wan_str(f["dibao_paid"])
    assert paid.text(3).replace(",", "") == f["dibao_paid"]
    assert view.item_for("tekun.persons").text(1) == f"{f['tekun']['persons']}人"
    assert view.item_for("youfu.paid").text(3).replace(",", "") == f["youfu"]["paid"]
    assert view.item_for("tupifang.households").text(1) == (
        f"{f['tupifang']['households']}户 {f['tupifang']['persons']}人")
    for entry in f["one_off"]:
        item = view.item_for(f"one_off.{entry['name']}.recipients")
        assert item.text(1) == f"{entry['recipients']}户(人)次"
        assert item.text(3).replace(",", "") == entry["amount"]
        for tag, n in entry["tagged"].items():
            assert view.item_for(f"one_off.{entry['name']}.tagged.{tag}").text(1) == f"{n}人"
    assert "2026年1月至5月" in view.heading.text()
    assert tab.pdf_button.isEnabled() and tab.word_button.isEnabled() and tab.json_button.isEnabled()
    save_screenshot(window, "statistics_figures")


def test_half_year_buttons_count_that_half_of_the_chosen_year(qtbot, june, answers):
    window, tab = _tab(qtbot)
    tab.year_spin.setValue(2025)
    qtbot.mouseClick(tab.half_buttons["下半年"], Qt.MouseButton.LeftButton)
    _idle(qtbot, tab)
    assert tab.period == ("2025-07", "2025-12")
    assert (tab.from_edit.value(), tab.to_edit.value()) == ("2025-07", "2025-12")
    f = summary_figures("2025-07", "2025-12")
    assert tab.figures_view.item_for("dibao_paid").text(3).replace(",", "") == f["dibao_paid"]
    assert "2025年下半年" in tab.figures_view.heading.text()


# --- the records behind a figure ---------------------------------------------------------------

def test_double_click_lists_exactly_the_records_behind_a_figure_and_opens_one(
        qtbot, june, answers, dialogs):
    window, tab = _tab(qtbot)
    f = summary_figures(START, END)
    tree = tab.figures_view.tree
    _double_click_figure(qtbot, tree, tab.figures_view.item_for("dibao_urban.households"), 1)
    [dialog] = dialogs
    assert dialog.model.rowCount() == f["dibao_urban"]["households"]
    table, ids = figure_records("dibao_urban.households", START, END)
    assert table == "enrollment" and sorted(t[1] for t in dialog.records.targets) == ids
    headers = [dialog.model.headerData(i, Qt.Orientation.Horizontal) for i in range(dialog.model.columnCount())]
    assert headers[:3] == ["户主姓名", "身份证号", "村(社区)"]
    first_id = dialog.model.index(0, 1).data()
    assert len(first_id) == 18  # the clerk's own screen: full ID numbers
    assert sum(int(dialog.model.index(r, headers.index("保障人数")).data())
               for r in range(dialog.model.rowCount())) == f["dibao_urban"]["persons"]
    save_screenshot(dialog, "statistics_records")

    # A row opens the household in the 低保 tab (one the clerk has looked at before;
    # the next test starts from a roster tab never shown).
    window.show_page(DibaoTab)
    window.show_page(StatisticsTab)
    target = dialog.records.targets[0]
    view = dialog.view
    _double_click(qtbot, view, view.visualRect(dialog.model.index(0, 0)).center())
    assert dialog.opened == target and not dialog.isVisible(), answers.shown
    dibao = window.page(DibaoTab)
    assert window.tabs.currentWidget() is dibao.parentWidget()
    assert dibao.selected_id() == target[1]

    # Money opens its batches; a one-off's tagged persons their lines.
    _double_click_figure(qtbot, tree, tab.figures_view.item_for("dibao_paid"), 2)
    assert dialogs[-1].records.table == "batch"
    assert dialogs[-1].model.rowCount() == len(figure_records("dibao_paid", START, END)[1])
    total = sum(Decimal(dialogs[-1].model.index(r, 6).data().replace(",", ""))
                for r in range(dialogs[-1].model.rowCount()))
    assert total == Decimal(f["dibao_paid"])
    entry = next(e for e in f["one_off"] if e["tagged"])
    tag, n = next(iter(entry["tagged"].items()))
    _double_click_figure(qtbot, tree, tab.figures_view.item_for(f"one_off.{entry['name']}.tagged.{tag}"), 1)
    assert dialogs[-1].records.table == "batch_line" and dialogs[-1].model.rowCount() == n


def test_a_record_opens_in_a_roster_tab_not_shown_before(qtbot, june, answers, dialogs):
    window, tab = _tab(qtbot)
    _double_click_figure(qtbot, tab.figures_view.tree, tab.figures_view.item_for("dibao_urban.households"), 1)
    dialog = dialogs[-1]
    _double_click(qtbot, dialog.view, dialog.view.visualRect(dialog.model.index(0, 0)).center())
    assert dialog.opened == dialog.records.targets[0], answers.shown


# --- the narrative and the documents --------------------------------------------------------------

def test_an_edited_narrative_is_saved_and_printed_in_the_pdf(qtbot, june, answers, save_as, tmp_path):
    window, tab = _tab(qtbot)
    tab.views.setCurrentWidget(tab.narrative_view)
    editor = tab.narrative_view.editors["community"]
    assert editor.toPlainText() == template.load_narrative(START, END)["community"]
    editor.setFocus()
    editor.selectAll()
    type_text(editor, "2.社区建设：新建社区服务中心两处，居民议事会每月召开一次。")
    assert tab.narrative_view.is_dirty() and tab.narrative_view.save_button.isEnabled()
    save_screenshot(window, "statistics_narrative")
    qtbot.mouseClick(tab.narrative_view.save_button, Qt.MouseButton.LeftButton)
    assert not tab.narrative_view.is_dirty()
    saved = template.load_narrative(START, END)
    assert saved["community"] == "2.社区建设：新建社区服务中心两处，居民议事会每月召开一次。"
    assert AuditLog.select().where(AuditLog.action == "修改工作总结").count() == 1

    # Another edit, not saved: 生成PDF saves it first, and prints it.
    editor = tab.narrative_view.editors["placenames"]
    editor.setFocus()
    editor.selectAll()
    type_text(editor, "1.区划地名工作：完成门牌核对一千二百户。")
    qtbot.mouseClick(tab.pdf_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, tab)
    path = tmp_path / "茶店镇2026年1月至5月民政工作总结.pdf"
    assert save_as == [path.name] and path.exists(), answers.shown
    assert any("现在打开吗" in text for kind, text in answers.shown)  # offered; answered No
    assert template.load_narrative(START, END)["placenames"] == "1.区划地名工作：完成门牌核对一千二百户。"
    text = _pdf_text(path)
    f = summary_figures(START, END)
    assert "新建社区服务中心两处，居民议事会每月召开一次。" in text
    assert "完成门牌核对一千二百户。" in text
    urban = f["dibao_urban"]
    assert f"城镇低保户{urban['households']}户{urban['persons']}人" in text
    assert f"{wan_str(f['dibao_paid'])}万元" in text


def test_restore_default_brings_back_the_template_text(qtbot, june, answers):
    window, tab = _tab(qtbot)
    template.save_narrative(START, END, {"community": "临时的文字。"})
    tab.refresh()
    _idle(qtbot, tab)
    assert tab.narrative_view.editors["community"].toPlainText() == "临时的文字。"
    answers.question = QMessageBox.StandardButton.Yes
    qtbot.mouseClick(tab.narrative_view.default_button, Qt.MouseButton.LeftButton)
    assert tab.narrative_view.texts() == template.default_narrative()
    qtbot.mouseClick(tab.narrative_view.save_button, Qt.MouseButton.LeftButton)
    assert template.load_narrative(START, END) == template.default_narrative()


def test_unsaved_narrative_is_offered_for_saving_before_another_period(qtbot, june, answers):
    window, tab = _tab(qtbot)
    editor = tab.narrative_view.editors["plan"]
    editor.setFocus()
    editor.selectAll()
    type_text(editor, "（一）做好下半年的低保复核。")
    answers.question = QMessageBox.StandardButton.Save
    retype(qtbot, tab.from_edit, "2025-01")
    retype(qtbot, tab.to_edit, "2025-12")
    qtbot.mouseClick(tab.compute_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, tab)
    assert any("未保存的修改" in text for _, text in answers.shown)
    assert template.load_narrative(START, END)["plan"] == "（一）做好下半年的低保复核。"
    assert tab.period == ("2025-01", "2025-12")
    assert tab.narrative_view.editors["plan"].toPlainText() == template.default_narrative()["plan"]


def test_word_and_json_are_written_where_the_clerk_chose(qtbot, june, answers, save_as, tmp_path):
    import docx

    window, tab = _tab(qtbot)
    qtbot.mouseClick(tab.word_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, tab)
    path = tmp_path / "茶店镇2026年1月至5月民政工作总结.docx"
    assert path.exists(), answers.shown
    text = "".join(p.text for p in docx.Document(str(path)).paragraphs)
    f = summary_figures(START, END)
    assert f"农村低保户{f['dibao_rural']['households']}户{f['dibao_rural']['persons']}人" in text

    qtbot.mouseClick(tab.json_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, tab)
    data = json.loads((tmp_path / "茶店镇2026年1月至5月民政统计数据.json").read_text("utf-8"))
    assert data == json.loads(json.dumps(f, ensure_ascii=False))


# --- 民政月报 ------------------------------------------------------------------------------------

def test_the_monthly_report_shows_figures_sheet_rows_and_exports_them(
        qtbot, june, answers, save_as, tmp_path, dialogs):
    window, tab = _tab(qtbot)
    tab.views.setCurrentWidget(tab.monthly_view)
    _idle(qtbot, tab)
    assert tab.monthly_month == "2026-05"  # the last month paid
    retype(qtbot, tab.monthly_view.month_edit, "2026-04")
    qtbot.mouseClick(tab.monthly_view.compute_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, tab)
    model = tab.monthly_view.model
    expected = monthly_figures("2026-04")
    assert model.rowCount() == len(expected) + 1  # and 合计
    for r, row in enumerate(expected):
        shown = [model.index(r, c).data() for c in range(7)]
        assert shown == [row.name, str(row.households), str(row.persons), f"{row.amount_month:,.2f}",
                         f"{row.amount_year:,.2f}", "" if row.added is None else str(row.added),
                         "" if row.removed is None else str(row.removed)]
    total_row = [model.index(len(expected), c).data() for c in range(5)]
    assert total_row[0] == "合计" and total_row[3] == f"{sum(r.amount_month for r in expected):,.2f}"
    save_screenshot(window, "statistics_monthly")

    # 本月新增 of a programme that grew lists exactly the enrollments that joined.
    r, row = next((i, x) for i, x in enumerate(expected) if x.added)
    table = tab.monthly_view.table
    _double_click(qtbot, table, table.visualRect(model.index(r, 5)).center())
    assert sorted(t[1] for t in dialogs[-1].records.targets) == roll_changes(row.code, "2026-04")[0]
    assert dialogs[-1].model.rowCount() == row.added

    qtbot.mouseClick(tab.monthly_view.export_button, Qt.MouseButton.LeftButton)
    path = tmp_path / "茶店镇2026年4月民政月报.xlsx"
    assert path.exists()
    cells = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    header = list(cells[1])
    assert header[:7] == ["项目", "户数", "人数", "本月发放金额(元)", "本年累计金额(元)", "本月新增", "本月减少"]
    for row, values in zip(expected, cells[2:]):
        assert values[:3] == (row.name, row.households, row.persons)
        assert Decimal(str(values[3])).quantize(Decimal("0.01")) == row.amount_month
        assert (values[5], values[6]) == (row.added, row.removed)
