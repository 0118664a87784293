"""资金发放, driven as a clerk would on the demo township (today 2026-06-10: June is unpaid).

Modal dialogs are driven by replacing their exec() with the clerk's clicks;
QMessageBox confirmations are answered by patching them.  Outcomes are read
where they land: the database, the bank file's cells, the document's text.
"""
from __future__ import annotations

import datetime as dt
import re
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtPrintSupport import QPrintPreviewWidget
from PySide6.QtWidgets import QApplication, QWizard

from mzdesk.models import Batch, BatchLine, Enrollment
from mzdesk.payments import bank, batches
from mzdesk.services import deaths, enrollments
from ui.dialogs import bank_export
from ui.dialogs.bank_export import BankExportDialog, Volume, volume_destinations
from ui.dialogs.bank_return import BankReturnDialog
from ui.dialogs.bank_templates import TemplateEditor
from ui.dialogs.batch_wizard import BatchWizard
from ui.main_window import MainWindow
from ui.print_preview import DocumentPreview, render_page_image
from ui.tabs.payments import PaymentsTab

from .conftest import SCREENSHOTS, retype, save_screenshot, type_text

SCREEN = (1366, 768)
TODAY = dt.date(2026, 6, 10)


@pytest.fixture
def demo(june):
    return june


def _tab(qtbot) -> tuple[MainWindow, PaymentsTab]:
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(*SCREEN)
    window.show()
    tab = window.show_page(PaymentsTab)
    qtbot.waitUntil(lambda: tab.loaded and not tab.is_busy(), timeout=20_000)
    return window, tab


def _idle(qtbot, widget) -> None:
    qtbot.waitUntil(lambda: not widget.is_busy(), timeout=20_000)


def _wizard_driver(qtbot, monkeypatch, choose, check_preview=None, screenshot=None):
    """Replace BatchWizard.exec: `choose(page)` fills step 1, then 下一步 and 创建."""
    opened = []

    def run(wizard):
        opened.append(wizard)
        qtbot.addWidget(wizard)
        wizard.show()
        choose(wizard.choose_page)
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
        assert wizard.currentPage() is wizard.preview_page, wizard.choose_page.error.text()
        if check_preview:
            check_preview(wizard.preview_page)
        if screenshot:
            save_screenshot(wizard, screenshot)
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not wizard.is_busy(), timeout=20_000)
        return wizard.result()

    monkeypatch.setattr(BatchWizard, "exec", run)
    return opened


def _rows(model) -> list[list[str]]:
    return [[model.index(r, c).data() for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def _ink(image) -> int:
    """Pixels that are not white (a blank page has none)."""
    white = QColor(255, 255, 255).rgb()
    return sum(1 for y in range(0, image.height(), 2) for x in range(0, image.width(), 2)
               if image.pixel(x, y) != white)


# --- the clerk's June --------------------------------------------------------------------

def test_june_rural_dibao_from_wizard_to_bank_file(qtbot, demo, monkeypatch, messages, tmp_path):
    # In May one head died and another household was stopped: June leaves them out.
    active = list(Enrollment.select().where((Enrollment.programme == "dibao_rural")
                                            & (Enrollment.status == "在保")).order_by(Enrollment.id))
    died, stopped = active[0], active[1]
    deaths.register_death(died.person_id, dt.date(2026, 5, 12))
    enrollments.stop(stopped.id, month="2026-05", reason="收入超标")
    expected = batches.preview_regular("dibao_rural", "2026-06")
    assert len(expected.lines) == len(active) - 2

    window, tab = _tab(qtbot)
    assert tab.model.rowCount() > 100 and "个批次" in tab.status.text()
    save_screenshot(window, "payments_tab")

    def choose(page):
        page.set_programme("dibao_rural")
        assert page.regular_month.value() == "2026-06"  # the month after the last batch

    def check_preview(page):
        assert page.lines_model.rowCount() == len(expected.lines)
        assert f"将发放 {len(expected.lines)} 条" in page.summary.text()
        assert f"{expected.total:,.2f}" in page.summary.text()
        left = {row[1]: row[4] for row in _rows(page.left_model)}
        assert "死亡" in left[died.person.name] and "收入超标" in left[stopped.person.name]

    wizards = _wizard_driver(qtbot, monkeypatch, choose, check_preview, "payments_wizard_preview")
    tab.new_action.trigger()
    _idle(qtbot, tab)
    batch = Batch.get_by_id(wizards[0].batch_id)
    assert (batch.name, batch.state, batch.kind) == ("2026年6月农村低保金", "草稿", "regular")
    assert BatchLine.select().where(BatchLine.batch == batch).count() == len(expected.lines)
    selected = tab.selected_batch()
    assert (selected.id, selected.state) == (batch.id, "草稿")
    assert tab.lines_model.rowCount() == len(expected.lines)
    assert tab.approve_action.isEnabled() and not tab.export_action.isEnabled()

    # A second window still showing the draft, to try approving it again later.
    stale = PaymentsTab()
    qtbot.addWidget(stale)
    stale.refresh()
    _idle(qtbot, stale)
    stale.select_batch(batch.id)

    # 审核: the confirmation names the batch, its count and total
    tab.approve_action.trigger()
    _idle(qtbot, tab)
    kind, text = messages[-1]
    assert kind == "question" and batch.name in text and f"{expected.total:,.2f}" in text
    assert f"{len(expected.lines)} 条" in text
    assert Batch.get_by_id(batch.id).state == "已审核"
    assert tab.selected_batch().state == "已审核" and not tab.approve_action.isEnabled()
    assert tab.export_action.isEnabled() and not tab.cancel_action.isEnabled()
    save_screenshot(window, "payments_tab_approved")

    assert stale.approve_action.isEnabled()
    stale.approve_action.trigger()
    _idle(qtbot, stale)
    kind, text = messages[-1]
    assert kind == "warning" and "不能重复审核" in text
    assert stale.selected_batch().state == "已审核"  # it reloaded after the refusal

    # 打印花名册: the preview of page 1 is not blank; 保存为PDF writes the file
    documents = []
    monkeypatch.setattr(PaymentsTab, "show_preview", lambda self, doc: documents.append(doc))
    tab.roster_action.trigger()
    _idle(qtbot, tab)
    roster = documents[-1]
    image = render_page_image(roster, 0, 60)
    assert image.width() > image.height()  # A4 landscape
    assert _ink(image) > 2000
    SCREENSHOTS.mkdir(exist_ok=True)
    image = render_page_image(roster, 0, 110)
    assert image.save(str(SCREENSHOTS / "payments_roster_page1.png"))
    texts = [t for page in roster.pages for t in page.texts()]
    assert any("合计" in t for t in texts)

    preview = DocumentPreview(window, roster)
    qtbot.addWidget(preview)
    preview.show()
    QApplication.processEvents()
    assert preview.findChild(QPrintPreviewWidget).pageCount() == len(roster.pages)
    save_screenshot(preview, "payments_print_preview")
    pdf = tmp_path / "花名册.pdf"
    monkeypatch.setattr(DocumentPreview, "ask_pdf_path", lambda self: pdf)
    preview.save_action.trigger()
    _idle(qtbot, preview)
    assert pdf.is_file() and preview.saved_path == pdf
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "发放花名册" in text and f"{expected.total:,.2f}".replace(",", "") in text.replace(",", "")

    # 打印公示名单: no full ID number anywhere
    tab.notice_action.trigger()
    _idle(qtbot, tab)
    notice = documents[-1]
    notice_text = "\n".join(t for page in notice.pages for t in page.texts())
    assert expected.lines[0].name in notice_text
    assert not re.search(r"\d{17}[\dXx]", notice_text)
    assert _ink(render_page_image(notice, 0, 50)) > 1000

    # 导出银行文件 to a folder the clerk picks
    exports = []

    def run_export(dialog):
        exports.append(dialog)
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.template_name() == bank.last_template_name()
        monkeypatch.setattr(bank_export.QFileDialog, "getExistingDirectory",
                            staticmethod(lambda *args, **kwargs: str(tmp_path)))
        qtbot.mouseClick(dialog.other_button, Qt.MouseButton.LeftButton)
        assert dialog.target().parent == tmp_path
        save_screenshot(dialog, "payments_bank_export")
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        _idle(qtbot, dialog)
        return dialog.result()

    monkeypatch.setattr(BankExportDialog, "exec", run_export)
    tab.export_action.trigger()
    _idle(qtbot, tab)
    result = exports[0].result_info
    assert result is not None and result.path.parent == tmp_path and result.path.is_file()
    assert result.total == expected.total and result.lines == len(expected.lines)
    kind, text = messages[-1]
    assert f"已导出 {len(expected.lines)} 笔，合计 {expected.total:,.2f} 元" in text
    sheet = openpyxl.load_workbook(result.path).active
    header_row = next(r for r in range(1, 5) if sheet.cell(r, 1).value == "序号")
    amount_col = next(c for c in range(1, sheet.max_column + 1)
                      if sheet.cell(header_row, c).value == "金额")
    amounts = [sheet.cell(r, amount_col).value for r in range(header_row + 1, sheet.max_row + 1)]
    assert sum(Decimal(str(a)) for a in amounts if a is not None) == expected.total
    assert Batch.get_by_id(batch.id).state == "已导出"
    assert tab.selected_batch().state == "已导出"
    assert tab.paid_action.isEnabled() and tab.return_action.isEnabled()

    # 确认已发放 with the date the bank paid
    monkeypatch.setattr(PaymentsTab, "ask_paid_date", lambda self, b: dt.date(2026, 6, 12))
    tab.paid_action.trigger()
    _idle(qtbot, tab)
    assert (Batch.get_by_id(batch.id).state, Batch.get_by_id(batch.id).paid_date) == \
        ("已发放", dt.date(2026, 6, 12))


def test_a_one_off_subsidy_through_the_wizard(qtbot, demo, monkeypatch, messages):
    window, tab = _tab(qtbot)

    def choose(page):
        qtbot.mouseClick(page.oneoff_radio, Qt.MouseButton.LeftButton)
        assert page.stack.currentIndex() == 1
        page.name_combo.setEditText("")
        type_text(page.name_combo.lineEdit(), "夏季防暑降温补贴")  # free text, not in the list
        retype(qtbot, page.oneoff_month, "2026-07")
        for code, box in page.programme_checks.items():
            box.setChecked(code in ("dibao_rural", "tekun"))
        page.per_person.setChecked(True)
        page.amount_edit.setFocus()
        qtbot.keyClicks(page.amount_edit, "45")
        save_screenshot(page.wizard(), "payments_wizard_oneoff")

    spec = batches.oneoff_spec("夏季防暑降温补贴", "2026-07", ["dibao_rural", "tekun"], "person", "45")
    expected = batches.preview_oneoff(spec)

    def check_preview(page):
        assert page.lines_model.rowCount() == len(expected.lines) > 0
        assert page.heading.text() == "2026年7月夏季防暑降温补贴"

    wizards = _wizard_driver(qtbot, monkeypatch, choose, check_preview)
    tab.new_action.trigger()
    _idle(qtbot, tab)
    info = batches.info(wizards[0].batch_id)
    assert (info.kind, info.state, info.lines) == ("oneoff", "草稿", len(expected.lines))
    assert info.total == Decimal("45.00") * expected.persons == expected.total
    assert tab.selected_batch().id == info.id
    # The filters work on the loaded list: no query, nothing to wait for.
    calls = []
    monkeypatch.setattr(batches, "list_batches", lambda *a, **k: calls.append(1) or [])
    tab.programme_combo.setCurrentIndex(tab.programme_combo.findData("__oneoff__"))
    assert {b.kind for b in tab.model.rows} == {"oneoff"} and tab.selected_id() == info.id
    tab.year_combo.setCurrentIndex(tab.year_combo.findData(2025))
    assert {b.month[:4] for b in tab.model.rows} == {"2025"} and not calls
    assert "个批次" in tab.status.text()


def test_wizard_refusals_keep_it_open_with_the_reason(qtbot, demo, messages):
    wizard = BatchWizard(None, "dibao_rural")
    qtbot.addWidget(wizard)
    wizard.show()
    page = wizard.choose_page
    retype(qtbot, page.regular_month, "2026-05")  # already paid
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not wizard.is_busy(), timeout=20_000)
    assert wizard.isVisible() and wizard.batch_id is None
    assert "已有发放批次" in wizard.preview_page.error.text()
    # A one-off batch without an amount is refused on step 1.
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.BackButton), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.oneoff_radio, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is page and "补贴标准" in page.error.text()


def test_cancel_a_draft_with_a_reason_frees_the_month(qtbot, demo, monkeypatch, messages):
    draft = batches.create_regular("tekun", "2026-06")
    window, tab = _tab(qtbot)
    tab.select_batch(draft.id)
    assert tab.cancel_action.isEnabled()
    monkeypatch.setattr("ui.tabs.payments.QInputDialog.getText",
                        staticmethod(lambda *args, **kwargs: ("名册有误，重新生成", True)))
    tab.cancel_action.trigger()
    _idle(qtbot, tab)
    assert Batch.get_by_id(draft.id).state == "已作废"
    assert tab.selected_batch().state == "已作废" and tab.show_cancelled.isChecked()
    assert batches.next_regular_month("tekun") == "2026-06"

    # A record link (e.g. from a data-check finding) finds it behind the filters.
    tab.show_cancelled.setChecked(False)
    tab.programme_combo.setCurrentIndex(tab.programme_combo.findData("gaoling"))
    window.tabs.setCurrentIndex(0)
    assert window.open_record("batch", draft.id)
    _idle(qtbot, tab)
    assert window.page_at(window.tabs.currentIndex()) is tab and tab.selected_id() == draft.id
    assert not tab.open_record("person", draft.id)


# --- the bank's return file ---------------------------------------------------------------

def test_bank_return_marks_failures_and_offers_a_supplement(qtbot, demo, tmp_path, messages):
    batch = batches.create_regular("dibao_rural", "2026-06")
    batches.approve(batch.id)
    bank.export_bank_file(batch.id, tmp_path / "out.xlsx")
    lines = batches.lines(batch.id)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["茶店镇代发回盘"])
    sheet.append(["账号", "户名", "金额", "处理结果", "失败原因"])
    for i, line in enumerate(lines):
        failed = i in (1, 3)
        sheet.append([line.bank_account, line.name, float(line.amount),
                      "失败" if failed else "成功", "户名不符" if failed else ""])
    path = tmp_path / "回盘.xlsx"
    book.save(path)

    dialog = BankReturnDialog(None, batch.id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.read_file(path)
    qtbot.waitUntil(lambda: dialog._progress is None, timeout=20_000)
    assert dialog.failures_model.rowCount() == 2 and dialog.apply_button.isEnabled()
    assert "失败 2 笔" in dialog.summary.text()
    save_screenshot(dialog, "payments_bank_return")
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert batches.info(batch.id).failed == 2 and dialog.supplement_button.isEnabled()
    qtbot.mouseClick(dialog.supplement_button, Qt.MouseButton.LeftButton)
    supplement = batches.info(dialog.supplement_id)
    assert supplement.kind == "supplement" and supplement.lines == 2
    assert {line.name for line in batches.lines(supplement.id)} == {lines[1].name, lines[3].name}


# --- bank templates and where the file goes ------------------------------------------------

def test_template_editor_copies_a_builtin_and_refuses_a_template_without_amount(qtbot, demo):
    editor = TemplateEditor(None, bank.GENERIC)
    qtbot.addWidget(editor)
    editor.show()
    assert not editor.form.isEnabled() and not editor.save_button.isEnabled()  # built-in
    qtbot.mouseClick(editor.copy_button, Qt.MouseButton.LeftButton)
    form = editor.form
    assert form.isEnabled() and form.name_edit.text() == f"{bank.GENERIC}副本"
    form.name_edit.clear()
    type_text(form.name_edit, "县农商行")
    form.column_list.setCurrentRow(len(form.columns) - 1)  # 备注 last
    qtbot.mouseClick(form.up_button, Qt.MouseButton.LeftButton)
    form.header_edit.selectAll()
    type_text(form.header_edit, "附言")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    saved = bank.template("县农商行")
    assert saved.fields == ["seq", "name", "id_number", "account", "note", "amount"]
    assert saved.columns[4].header == "附言"
    save_screenshot(editor, "payments_bank_templates")

    amount_row = form.template().fields.index("amount")
    form.column_list.setCurrentRow(amount_row)
    qtbot.mouseClick(form.delete_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert "金额" in editor.error.text() and editor.error.isVisible()
    assert "amount" in bank.template("县农商行").fields  # nothing saved


def test_removable_drives_come_first_and_system_mounts_are_left_out():
    volumes = [Volume("/", "root", is_root=True), Volume("/boot"), Volume("/home"),
               Volume("/media/clerk/KINGSTON", "KINGSTON", free_bytes=8 * 1024 ** 3),
               Volume("/run/media/clerk/U盘"), Volume("/mnt/cdrom", read_only=True),
               Volume("/media/clerk/OLD", ready=False)]
    found = volume_destinations(volumes, platform="linux")
    assert [str(d.path) for d in found] == ["/media/clerk/KINGSTON", "/run/media/clerk/U盘"]
    assert all(d.removable for d in found) and "可移动磁盘" in found[0].label
    assert "8.0 GB" in found[0].label
