"""设置: villages, standards and the names printed on documents, driven as a clerk would."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from mzdesk.models import Person, Standard, Village
from mzdesk.services import persons, settings
from tests.core.people import new_id
from ui.dialogs.settings_dialog import SettingsDialog, category_choices

from .conftest import save_screenshot, type_text

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def dialog(qtbot, township):
    dlg = SettingsDialog()
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def _select(view, model, record_id: int) -> None:
    view.selectRow(model.row_of(record_id))


def _replace(edit, text: str) -> None:
    edit.selectAll()
    type_text(edit, text)


def _village(name: str) -> Village:
    return Village.get(Village.name == name)


# --- 村(社区) ----------------------------------------------------------------

def test_add_a_village_by_typing(qtbot, dialog):
    page = dialog.villages
    dialog.tabs.setCurrentWidget(page)
    with qtbot.waitSignal(dialog.changed, timeout=1_000):
        type_text(page.name_edit, "红星村\n")

    village = _village("红星村")
    assert village.kind == "村" and village.active
    assert page.model.cells(page.model.row_of(village.id))[:2] == ("红星村", "村")
    assert page.name_edit.text() == "" and "已新增" in page.message.text()

    # The same name again is refused in red, nothing written.
    type_text(page.name_edit, "红星村")
    qtbot.mouseClick(page.add_button, LEFT)
    assert "已存在" in page.message.text() and "#c00000" in page.message.styleSheet()
    assert Village.select().where(Village.name == "红星村").count() == 1
    assert page.name_edit.text() == "红星村"  # what was typed stays


def test_rename_a_village(qtbot, dialog):
    page = dialog.villages
    dialog.tabs.setCurrentWidget(page)
    _select(page.table, page.model, _village("长丰村").id)
    qtbot.mouseClick(page.edit_button, LEFT)
    form = page.form
    assert form.isVisible() and form.name_edit.text() == "长丰村"
    _replace(form.name_edit, "长丰社区")
    form.kind.setCurrentText("社区")
    save_screenshot(form, "settings_village_form")

    with qtbot.waitSignal(dialog.changed, timeout=1_000):
        qtbot.keyClick(form.name_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    assert not form.isVisible()
    renamed = Village.get_by_id(form.saved_id)
    assert (renamed.name, renamed.kind) == ("长丰社区", "社区")
    assert page.model.cells(page.model.row_of(renamed.id))[0] == "长丰社区"


def test_rename_to_an_existing_name_is_refused_in_the_form(qtbot, dialog):
    page = dialog.villages
    _select(page.table, page.model, _village("长丰村").id)
    qtbot.mouseClick(page.edit_button, LEFT)
    form = page.form
    _replace(form.name_edit, "新华社区")
    form.try_save()
    assert form.isVisible() and "已存在" in form.error.text()
    assert _village("长丰村").id != _village("新华社区").id


def test_merge_two_villages_moves_the_persons(qtbot, dialog):
    moved = [persons.register_person(new_id(dt.date(1970 + i, 1, 1)), f"迁移{i}", village="新华社区")
             for i in range(3)]
    stay = persons.register_person(new_id(dt.date(1980, 1, 1)), "留下", village="长丰村")
    page = dialog.villages
    page.reload()
    source, target = _village("新华社区"), _village("长丰村")
    _select(page.table, page.model, source.id)
    assert page.merge_button.isEnabled()
    qtbot.mouseClick(page.merge_button, LEFT)
    form = page.form
    assert form.target.currentText() == "长丰村"
    save_screenshot(form, "settings_merge_form")

    with qtbot.waitSignal(dialog.changed, timeout=1_000):
        qtbot.mouseClick(form.buttons.buttons()[0], LEFT)

    assert {p.village_id for p in Person.select().where(Person.id.in_([p.id for p in moved]))} == {target.id}
    assert Person.get_by_id(stay.id).village_id == target.id
    source = Village.get_by_id(source.id)
    assert not source.active and source.merged_into_id == target.id
    cells = page.model.cells(page.model.row_of(source.id))
    assert cells[4] == "已并入长丰村" and cells[3] == "0"
    assert page.model.cells(page.model.row_of(target.id))[3] == "4"
    _select(page.table, page.model, source.id)
    assert not page.merge_button.isEnabled()  # a merged village cannot be merged again


# --- 保障标准 ----------------------------------------------------------------

def _standard_form(page, programme: str, amount: str, month: str, category: str | None = None):
    page.programme.setCurrentIndex(page.programme.findData(programme))
    if category is not None:
        page.category.setEditText(category)
    _replace(page.amount, amount)
    _replace(page.month, month)


def test_add_a_standard_closes_the_old_one(qtbot, dialog):
    page = dialog.standards
    dialog.tabs.setCurrentWidget(page)
    old = Standard.get((Standard.programme == "dibao_rural") & (Standard.category == ""))
    _standard_form(page, "dibao_rural", "700", "2023-01")
    assert page.category.currentText() == "（基本标准）"

    with qtbot.waitSignal(dialog.changed, timeout=1_000):
        qtbot.mouseClick(page.add_button, LEFT)

    assert Standard.get_by_id(old.id).effective_to == "2022-12"
    new = Standard.get((Standard.programme == "dibao_rural") & (Standard.category == "")
                       & (Standard.effective_from == "2023-01"))
    assert new.amount == Decimal("700.00") and new.effective_to is None and new.basis == "person"
    assert "已新增" in page.message.text() and "#c00000" not in page.message.styleSheet()
    row = page.model.cells(page.model.row_of(new.id))
    assert row[:6] == ("农村最低生活保障", "（基本标准）", "700.00", "按人/月", "2023-01", "至今")
    assert page.model.cells(page.model.row_of(old.id))[5] == "2022-12"


def test_a_refused_standard_shows_the_reason_in_red_and_writes_nothing(qtbot, dialog):
    page = dialog.standards
    dialog.tabs.setCurrentWidget(page)
    before = [(s.id, s.effective_to) for s in Standard.select().order_by(Standard.id)]
    _standard_form(page, "dibao_rural", "600", "2021-06")  # before the standard in force

    qtbot.mouseClick(page.add_button, LEFT)

    assert page.message.isVisible() and "#c00000" in page.message.styleSheet()
    assert "生效月份应晚于" in page.message.text()
    assert [(s.id, s.effective_to) for s in Standard.select().order_by(Standard.id)] == before
    save_screenshot(dialog, "settings_standards_refused")

    page.amount.clear()
    qtbot.mouseClick(page.add_button, LEFT)
    assert "金额" in page.message.text() and Standard.select().count() == len(before)


def test_a_standard_for_a_typed_category_and_the_category_list(qtbot, dialog):
    page = dialog.standards
    assert "伤残军人:6级" in category_choices("youfu") and "伤残军人" not in category_choices("youfu")
    assert category_choices("dibao_rural")[0] == "" and "护理:全失能" in category_choices("tekun")
    _standard_form(page, "youfu", "1500.5", "2023-01", category="伤残军人:1级")
    type_text(page.note, "区民政局通知\n")  # Enter in the last field adds
    row = Standard.get((Standard.programme == "youfu") & (Standard.category == "伤残军人:1级"))
    assert row.amount == Decimal("1500.50") and row.note == "区民政局通知"


def test_selecting_a_standard_prefills_the_form(qtbot, dialog):
    page = dialog.standards
    row = Standard.get((Standard.programme == "gaoling") & (Standard.category == "90-99"))
    _select(page.table, page.model, row.id)
    assert page.programme.currentData() == "gaoling" and page.category_value() == "90-99"


# --- 基本信息 ----------------------------------------------------------------

def test_signatory_names_are_saved_with_ctrl_s(qtbot, dialog):
    page = dialog.basic
    assert page.edits["township"].text() == "茶店镇"
    type_text(page.edits["preparer"], "王制表")
    type_text(page.edits["reviewer"], "李审核")
    type_text(page.edits["head"], "赵负责")
    page.institutions.setPlainText("区敬老养老中心\n茶店镇敬老院")
    save_screenshot(dialog, "settings_basic")

    with qtbot.waitSignal(dialog.changed, timeout=1_000):
        qtbot.keyClick(page.edits["head"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    assert [settings.get_setting(k) for k in ("preparer", "reviewer", "head")] == ["王制表", "李审核", "赵负责"]
    assert settings.get_setting("institutions") == "区敬老养老中心,茶店镇敬老院"
    assert not page.is_dirty() and page.message.text() == "已保存"


def test_empty_township_name_is_refused(qtbot, dialog):
    page = dialog.basic
    page.edits["township"].clear()
    assert not page.save()
    assert "不能为空" in page.message.text() and settings.township_name() == "茶店镇"
    page.load()  # nothing left unsaved: closing would ask


def test_esc_closes_and_asks_only_when_something_is_unsaved(qtbot, dialog, monkeypatch):
    asked = []

    def question(*args, **kwargs):
        asked.append(args)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", question)
    type_text(dialog.basic.edits["district"], "高新区")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert asked and dialog.isVisible()  # 取消 keeps the dialog and the typing
    dialog.basic.edits["district"].clear()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert len(asked) == 1 and not dialog.isVisible()


def test_demo_township_pages(qtbot, db):
    from mzdesk.demo import build_demo
    build_demo()
    dlg = SettingsDialog()
    qtbot.addWidget(dlg)
    dlg.show()
    for index, name in enumerate(("basic", "villages", "standards")):
        dlg.tabs.setCurrentIndex(index)
        save_screenshot(dlg, f"settings_demo_{name}")
    assert dlg.villages.model.rowCount() == Village.select().count()
    assert dlg.standards.model.rowCount() == Standard.select().count()
