"""导入台账 and 导出导入模板, driven as a clerk would (pytest-qt, offscreen).

Files are built by the tests: the messy rosters of tests/core/messy.py and
templates written by write_template and filled in with openpyxl. What a
refused file leaves behind is compared as a full SQL dump of the database.
"""
from __future__ import annotations

import datetime as dt
import os
import threading
from decimal import Decimal

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from mzdesk.importing import importer
from mzdesk.models import Enrollment, Person, Village
from tests.core import messy
from tests.core.people import new_id
from ui.dialogs import import_wizard
from ui.dialogs.import_pages import NOT_IMPORTED
from ui.dialogs.import_wizard import ImportWizard, TemplateDialog
from ui.main_window import MainWindow

from .conftest import save_screenshot, type_text

NEXT = QWizard.WizardButton.NextButton
COMMIT = QWizard.WizardButton.CommitButton
FINISH = QWizard.WizardButton.FinishButton
BACK = QWizard.WizardButton.BackButton
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def files(monkeypatch):
    """The file the clerk picks in 浏览… (opened) and in 保存… (saved): set `.open` / `.save`."""
    class Picked:
        open = None
        save = None
    picked = Picked()
    monkeypatch.setattr(import_wizard.QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(picked.open), "")))
    monkeypatch.setattr(import_wizard.QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(picked.save), "")))
    return picked


def dump(database) -> str:
    """Every row of the database as SQL: equal dumps, equal contents."""
    return "\n".join(database.connection().iterdump())


def idle(qtbot, wizard) -> None:
    qtbot.waitUntil(lambda: not wizard.is_busy(), timeout=30_000)


def click(qtbot, wizard, which) -> None:
    button = wizard.button(which)
    assert button.isVisible() and button.isEnabled(), which
    qtbot.mouseClick(button, LEFT)
    idle(qtbot, wizard)


def open_wizard(qtbot) -> ImportWizard:
    wizard = ImportWizard(None)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def choose(qtbot, wizard: ImportWizard, files, kind: str, path, sheet: str | None = None,
           screenshot: str = "") -> None:
    """Step 1 as the clerk does it: the kind, 浏览… to the file, the sheet, 下一步."""
    page = wizard.choose_page
    page.kind_combo.setCurrentIndex(page.kind_combo.findData(kind))
    files.open = path
    qtbot.mouseClick(page.browse_button, LEFT)
    idle(qtbot, wizard)
    if sheet is not None:
        page.sheet_combo.setCurrentIndex(page.sheet_combo.findData(sheet))
    if screenshot:
        save_screenshot(wizard, screenshot)
    click(qtbot, wizard, NEXT)
    assert wizard.currentPage() is wizard.mapping_page, page.error.text()


def to_dry_run(qtbot, wizard: ImportWizard, *, on_duplicate: str = "refuse",
               create_villages: bool = False) -> None:
    """Steps 2 and 3 as they are, then the dry run."""
    click(qtbot, wizard, NEXT)
    assert wizard.currentPage() is wizard.options_page
    wizard.options_page.set_on_duplicate(on_duplicate)
    wizard.options_page.create_villages.setChecked(create_villages)
    click(qtbot, wizard, NEXT)
    assert wizard.currentPage() is wizard.dry_run_page
    assert wizard.dry_result is not None, wizard.dry_run_page.error.text()


def problems_shown(wizard: ImportWizard) -> list[tuple]:
    model = wizard.dry_run_page.problems_model
    return [tuple(model.index(r, c).data() for c in range(5)) for r in range(model.rowCount())]


def gaoling_template(path, rows: list[tuple]) -> None:
    """The 高龄津贴 template as the clerk fills it in: (姓名, 身份证号, 村(社区), 开始月份)."""
    importer.write_template("gaoling", path)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    titles = [c.value for c in ws[1]]
    for r, (name, id_number, village, month) in enumerate(rows, start=2):
        ws.cell(r, titles.index("姓名") + 1, name)
        ws.cell(r, titles.index("身份证号") + 1, id_number)
        ws.cell(r, titles.index("村(社区)") + 1, village)
        ws.cell(r, titles.index("开始月份") + 1, month)
    wb.save(path)


ELDERS = [("王大爷", new_id(dt.date(1940, 3, 1)), "长丰村", "2026-01"),
          ("李奶奶", new_id(dt.date(1938, 7, 9), "女"), "新华社区", "2026-02"),
          ("赵爷爷", new_id(dt.date(1944, 1, 20)), "长丰村", "2026-03")]


# --- a good file goes in ---------------------------------------------------------------


def test_a_filled_template_imports_from_the_menu(qtbot, township, files, messages, tmp_path,
                                                 monkeypatch):
    path = tmp_path / "高龄津贴.xlsx"
    gaoling_template(path, ELDERS)
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    persons_page = window.page_at(1)   # built, so that it must be refreshed after the import
    stale_before = set(window._stale)
    seen = {}

    def run(wizard):
        wizard.show()
        choose(qtbot, wizard, files, "gaoling", path)
        mapping = wizard.mapping_page
        assert "表头在第 1 行" in mapping.info.text()
        assert mapping.columns()["id_number"] == "身份证号"
        save_screenshot(wizard, "import_2_mapping")
        to_dry_run(qtbot, wizard)
        page = wizard.dry_run_page
        assert wizard.dry_result.ok and not wizard.dry_result.written
        assert problems_shown(wizard) == []
        assert "将新增 3 条" in page.summary.text()
        assert Enrollment.select().count() == 0          # the dry run wrote nothing
        click(qtbot, wizard, COMMIT)
        assert wizard.currentPage() is wizard.result_page
        seen["counts"] = wizard.result_page.counts.text()
        save_screenshot(wizard, "import_5_done")
        click(qtbot, wizard, FINISH)
        return wizard.result()

    monkeypatch.setattr(ImportWizard, "exec", run)
    assert window.import_action in window.file_menu.actions()
    window.import_action.trigger()

    assert "新增：3" in seen["counts"] and "新登记人员：3" in seen["counts"]
    enrolled = {e.person.id_number: e for e in Enrollment.select()}
    assert set(enrolled) == {row[1] for row in ELDERS}
    wang = enrolled[ELDERS[0][1]]
    assert wang.programme_id == "gaoling" and wang.amount == Decimal("50.00")
    assert str(wang.start_month) == "2026-01"
    assert wang.person.village.name == "长丰村" and wang.person.name == "王大爷"
    assert window._stale >= stale_before | ({persons_page} - {window.page_at(window.tabs.currentIndex())})


@pytest.mark.parametrize("fmt", ["ods", "csv-gbk", "xlsx"])
def test_a_messy_roster_in_any_format_registers_its_persons(qtbot, township, files, messages,
                                                            tmp_path, fmt):
    records = messy.sample_records(8)
    if fmt == "ods":
        expect = messy.ledger_ods(tmp_path / "花名册.ods", records)
    elif fmt == "csv-gbk":
        expect = messy.ledger_csv(tmp_path / "花名册.csv", records, encoding="gbk")
    else:
        expect = messy.ledger_xlsx(tmp_path / "花名册.xlsx", records, notes_first=True)
    wizard = open_wizard(qtbot)
    choose(qtbot, wizard, files, "persons", expect.path)
    assert wizard.table.header_row == expect.header_row == 4
    if fmt == "xlsx":   # the notes sheet first: the sheet with a header is found
        assert wizard.table.sheet == "花名册"
        assert wizard.choose_page.sheet_combo.count() == 4   # 自动 + three sheets
    assert "已跳过" in wizard.mapping_page.info.text()
    to_dry_run(qtbot, wizard)
    assert wizard.dry_result.ok, problems_shown(wizard)
    click(qtbot, wizard, COMMIT)
    assert wizard.result_info.written and wizard.result_info.created == 8
    names = {p.id_number: (p.name, p.village.name, p.bank_account) for p in Person.select()}
    assert names == {r.id_number: (r.name, r.village, r.account) for r in records}


def test_the_file_is_read_once_unless_saved_again_before_the_import(qtbot, township, files, messages,
                                                                     tmp_path, monkeypatch):
    path = tmp_path / "高龄津贴.xlsx"
    gaoling_template(path, ELDERS[:2])
    reads = []
    real = importer.open_table   # every read of a file by the importer (detect and run_import)
    monkeypatch.setattr(importer, "open_table", lambda *a, **k: reads.append(a[0]) or real(*a, **k))
    wizard = open_wizard(qtbot)
    choose(qtbot, wizard, files, "gaoling", path)
    to_dry_run(qtbot, wizard)
    assert len(reads) == 1 and "将新增 2 条" in wizard.dry_run_page.summary.text()   # preview and dry run

    gaoling_template(path, ELDERS)   # the clerk adds a row in Excel and saves, the wizard still open
    stamp = path.stat().st_mtime_ns + 2_000_000_000
    os.utime(path, ns=(stamp, stamp))
    click(qtbot, wizard, COMMIT)
    assert len(reads) == 2   # read again: what goes in is what the file holds now
    assert wizard.result_info.written and wizard.result_info.created == 3
    assert Enrollment.select().count() == 3


# --- a messy file is refused, with every problem named ---------------------------------


def test_a_refused_file_shows_its_problems_writes_nothing_and_saves_the_report(
        qtbot, township, files, messages, tmp_path):
    records = messy.sample_records(9, villages=("长丰村", "新华社区", "光明村"))
    expect = messy.ledger_xlsx(tmp_path / "旧台账.xlsx", records, id_as_number=(1,), bad_check=(2,))
    before = dump(township)
    wizard = open_wizard(qtbot)
    choose(qtbot, wizard, files, "persons", expect.path, sheet="花名册", screenshot="import_1_choose")
    save_screenshot(wizard, "import_2_mapping_problems")

    # The preview already marks the ID Excel stored as a number.
    preview = wizard.mapping_page.preview_model
    id_col = wizard.table.headers.index("公民身份号码")
    row = list(expect.rows).index(expect.id_as_number[0])
    assert "无法恢复" in preview.problems[(row, id_col)]
    assert preview.index(row, id_col + 1).data(Qt.ItemDataRole.ToolTipRole) == preview.problems[(row, id_col)]

    click(qtbot, wizard, NEXT)
    save_screenshot(wizard, "import_3_options")
    click(qtbot, wizard, NEXT)
    page = wizard.dry_run_page
    save_screenshot(wizard, "import_4_problems")
    problems = problems_shown(wizard)
    by_row = {int(p[1]): p for p in problems}
    assert by_row[expect.id_as_number[0]][2:4] == ("公民身份号码", "5.10112E+17")
    assert "无法恢复" in by_row[expect.id_as_number[0]][4]
    assert "校验位" in by_row[expect.bad_check[0]][4]
    village_rows = sorted(r for r, rec in expect.rows.items() if rec.village == "光明村")
    assert all(by_row[r][3] == "光明村" for r in village_rows)
    assert all(p[0] == "花名册" for p in problems)
    page.problems_view.selectRow(1)
    assert page.problem_text.text() == f"第 {problems[1][1]} 行 {problems[1][2]}：{problems[1][4]}"
    assert not wizard.button(COMMIT).isEnabled()
    assert "光明村" in page.villages_label.text() and page.create_button.isVisible()
    assert dump(township) == before

    # 新建这些村(社区): the village rows pass; the two bad IDs still refuse the file.
    qtbot.mouseClick(page.create_button, LEFT)
    idle(qtbot, wizard)
    assert wizard.options_page.create_villages.isChecked()
    assert sorted(int(p[1]) for p in problems_shown(wizard)) == sorted(
        expect.id_as_number + expect.bad_check)
    assert not page.create_button.isVisible()
    assert not wizard.button(COMMIT).isEnabled()
    assert dump(township) == before
    assert not Village.select().where(Village.name == "光明村").exists()

    # 保存问题报告…
    files.save = tmp_path / "问题清单"
    qtbot.mouseClick(page.report_button, LEFT)
    idle(qtbot, wizard)
    report = tmp_path / "问题清单.xlsx"
    ws = openpyxl.load_workbook(report)["问题清单"]
    rows = [tuple(c.value for c in r) for r in ws.iter_rows()]
    start = rows.index(("工作表", "行", "列", "值", "原因")) + 1
    assert {(r[1], r[2]) for r in rows[start:]} == {
        (expect.id_as_number[0], "公民身份号码"), (expect.bad_check[0], "公民身份号码")}
    assert ("information", f"已保存报告：{report}") in messages
    assert dump(township) == before

    # 上一步: the options page names the village the dry run did not find.
    click(qtbot, wizard, BACK)
    assert "光明村" in wizard.options_page.villages_note.text()


def test_a_duplicate_is_refused_then_skipped(qtbot, township, files, messages, tmp_path):
    path = tmp_path / "高龄津贴.xlsx"
    gaoling_template(path, ELDERS[:2])
    assert importer.run_import("gaoling", path).written
    gaoling_template(path, ELDERS)   # the same two again and one new
    before = dump(township)
    wizard = open_wizard(qtbot)
    choose(qtbot, wizard, files, "gaoling", path)
    to_dry_run(qtbot, wizard)
    assert [int(p[1]) for p in problems_shown(wizard)] == [2, 3]
    assert dump(township) == before
    click(qtbot, wizard, BACK)
    wizard.options_page.set_on_duplicate("skip")
    click(qtbot, wizard, NEXT)
    assert wizard.dry_result.ok and wizard.dry_result.skipped == 2
    click(qtbot, wizard, COMMIT)
    assert (wizard.result_info.created, wizard.result_info.skipped) == (1, 2)
    assert "跳过（已登记）：2" in wizard.result_page.counts.text()
    assert Enrollment.select().count() == 3


def test_cancel_while_importing_writes_nothing(qtbot, township, files, messages, tmp_path,
                                               monkeypatch):
    path = tmp_path / "高龄津贴.xlsx"
    gaoling_template(path, ELDERS)
    wizard = open_wizard(qtbot)
    choose(qtbot, wizard, files, "gaoling", path)
    to_dry_run(qtbot, wizard)
    before = dump(township)
    go_on = threading.Event()
    real = importer.run_import

    def held(*args, **kwargs):   # the import waits until the clerk has pressed 取消
        go_on.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "run_import", held)
    qtbot.mouseClick(wizard.button(COMMIT), LEFT)
    progress = wizard._progress
    assert progress is not None and progress.cancel_button is not None
    qtbot.mouseClick(progress.cancel_button, LEFT)
    go_on.set()
    idle(qtbot, wizard)
    assert wizard.currentPage() is wizard.dry_run_page
    assert wizard.dry_run_page.error.text() == "已取消导入，没有写入任何数据。"
    assert wizard.result_info is None
    assert dump(township) == before


# --- the mapping ------------------------------------------------------------------------


def _persons_csv(path, rows) -> None:
    messy.write_csv(path, [["姓名", "身份证号", "居住村落", "户籍地址", "备注"], *rows])


def test_the_mapping_is_editable_required_and_remembered(qtbot, township, files, messages, tmp_path):
    people = [["张三", new_id(), "长丰村", "长丰村3组12号", ""],
              ["李四", new_id(), "新华社区", "新华街8号", "新迁入"]]
    first = tmp_path / "一月.csv"
    _persons_csv(first, people[:1])
    wizard = open_wizard(qtbot)
    choose(qtbot, wizard, files, "persons", first)
    mapping = wizard.mapping_page
    assert mapping.columns().get("village") is None     # 居住村落 is not a known header
    assert "自动对应" in mapping.remembered.text()

    # A required field left out stays on the page with the reason.
    mapping.set_column("name", "")
    assert mapping.combos["name"].currentText() == NOT_IMPORTED
    click(qtbot, wizard, NEXT)
    assert wizard.currentPage() is mapping and "姓名" in mapping.error.text()
    mapping.set_column("name", "姓名")
    # One column for two fields is refused too.
    mapping.set_column("village", "户籍地址")
    mapping.set_column("address", "户籍地址")
    click(qtbot, wizard, NEXT)
    assert wizard.currentPage() is mapping and "户籍地址" in mapping.error.text()
    mapping.set_column("village", "居住村落")
    to_dry_run(qtbot, wizard)
    click(qtbot, wizard, COMMIT)
    zhang = Person.get(Person.id_number == people[0][1])
    assert (zhang.village.name, zhang.address) == ("长丰村", "长丰村3组12号")

    # Next month's sheet with the same headers: the clerk's choice is offered.
    second = tmp_path / "二月.csv"
    _persons_csv(second, people[1:])
    again = open_wizard(qtbot)
    choose(qtbot, again, files, "persons", second)
    assert again.mapping_page.columns()["village"] == "居住村落"
    assert again.mapping_page.columns()["address"] == "户籍地址"
    assert "上次" in again.mapping_page.remembered.text()
    # ... but not for another kind of import with the same headers.
    other = open_wizard(qtbot)
    choose(qtbot, other, files, "deaths", second)
    assert "village" not in other.mapping_page.columns()
    # 恢复自动识别 drops the remembered choice.
    qtbot.mouseClick(again.mapping_page.auto_button, LEFT)
    assert "village" not in again.mapping_page.columns()


def test_an_unreadable_file_is_named_on_the_first_page(qtbot, township, files, messages, tmp_path):
    path = tmp_path / "说明.xlsx"
    messy.write_xlsx(path, {"说明": [["这不是花名册"], ["只是一段说明"]]})
    wizard = open_wizard(qtbot)
    page = wizard.choose_page
    page.path_edit.setFocus()
    type_text(page.path_edit, f"{path}\n")   # typed in, Chinese name and all; Enter reads the sheets
    idle(qtbot, wizard)
    assert page.sheet_combo.currentText() == "说明"
    qtbot.mouseClick(wizard.button(NEXT), LEFT)
    idle(qtbot, wizard)
    assert wizard.currentPage() is page
    assert page.error.isVisible() and "表头" in page.error.text()


# --- 导出导入模板 -----------------------------------------------------------------------


def test_the_template_menu_saves_the_chosen_kinds_template(qtbot, township, files, messages,
                                                           tmp_path, monkeypatch):
    window = MainWindow()
    qtbot.addWidget(window)
    files.save = tmp_path / "特困模板"

    def run(dialog):
        dialog.show()
        save_screenshot(dialog, "import_template_dialog")
        dialog.set_kind("tekun")
        assert dialog.kind_combo.currentText() == "特困供养"
        qtbot.mouseClick(dialog.save_button, LEFT)
        qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=30_000)
        return dialog.result()

    monkeypatch.setattr(TemplateDialog, "exec", run)
    assert window.template_action in window.file_menu.actions()
    window.template_action.trigger()
    saved = tmp_path / "特困模板.xlsx"
    ws = openpyxl.load_workbook(saved).worksheets[0]
    titles = [c.value for c in ws[1]]
    assert titles[:3] == ["姓名", "身份证号", "村(社区)"] and "供养方式" in titles
    assert any("已保存“特困供养”导入模板" in text for _, text in messages)


def test_an_old_dibao_roster_of_heads_only_comes_in_and_says_members_are_missing(
        qtbot, township, files, messages, tmp_path):
    path = tmp_path / "农村低保.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["茶店镇农村低保花名册（2025年12月）"])
    ws.append(["序号", "户主姓名", "身份证号码", "村", "保障人数", "月保障金额"])
    heads = [("张大山", new_id(dt.date(1960, 1, 1)), "长丰村", 3), ("刘桂兰", new_id(dt.date(1958, 5, 1), "女"),
                                                                  "长丰村", 1)]
    for n, (name, number, village, covered) in enumerate(heads, 1):
        ws.append([n, name, number, village, covered, 650 * covered])
    wb.save(path)
    wizard = open_wizard(qtbot)
    choose(qtbot, wizard, files, "dibao_rural", path)
    to_dry_run(qtbot, wizard)
    assert wizard.dry_result.ok and wizard.dry_result.members_pending == 1
    assert "其中 1 户只登记了户主等部分成员" in wizard.dry_run_page.summary.text()
    click(qtbot, wizard, COMMIT)
    summary = wizard.currentPage().summary
    assert "其中 1 户只登记了户主等部分成员" in summary.text() and summary.wordWrap()
    save_screenshot(wizard, "import_heads_only_done")
    e = Enrollment.get(Enrollment.person == Person.get(Person.id_number == heads[0][1]))
    assert (e.covered_persons, e.amount) == (3, Decimal("1950.00"))
