"""Issue 3's 'done when', as one clerk's session in the real main window:
create a township, add a rural 低保 household of three, enroll it at the
suggested amount, find it by the head's pinyin initials, stop it with a
reason, and read its history.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from mzdesk.models import Enrollment, Household, Person
from mzdesk.services import households, standards
from tests.core.people import new_id
from ui.dialogs.history import HistoryDialog
from ui.first_run import FirstRunDialog
from ui.forms.enrollment_form import EnrollmentForm
from ui.forms.household_form import HouseholdForm
from ui.forms.person_form import PersonForm
from ui.forms.stop_resume import StopDialog
from ui.main_window import MainWindow
from ui.tabs.dibao import DibaoTab

from .conftest import pick as _pick, retype as _retype, save_screenshot, type_text
from .test_forms import _save, _show


def _new_person(qtbot, id_number: str, name: str) -> Person:
    form = _show(qtbot, PersonForm())
    form.id_edit.edit.setFocus()
    qtbot.keyClicks(form.id_edit.edit, id_number)
    type_text(form.name_edit, name)
    form.village.setFocus()
    qtbot.keyClicks(form.village.lineEdit(), "cfc")
    qtbot.keyClick(form.village.lineEdit(), Qt.Key.Key_Return)
    _save(qtbot, form)
    assert form.result() == QDialog.DialogCode.Accepted, form.error.text()
    return Person.get_by_id(form.saved_id)


def test_a_new_user_runs_a_rural_dibao_household_end_to_end(qtbot, db, monkeypatch):
    # 1. first run: create my township
    first = _show(qtbot, FirstRunDialog())
    type_text(first.name_edit, "茶店镇")
    type_text(first.villages_edit, "长丰村\n新华社区")
    qtbot.mouseClick(first.create_button, Qt.MouseButton.LeftButton)
    assert first.result() == QDialog.DialogCode.Accepted
    standards.add_standard("dibao_rural", "650", "2022-01")  # 设置 → 保障标准 (tested on its own)

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    tab = window.show_page(DibaoTab)

    # 2. three residents and their household
    head = _new_person(qtbot, new_id(dt.date(1962, 4, 8), "男"), "罗建国")
    wife = _new_person(qtbot, new_id(dt.date(1964, 9, 1), "女"), "陈桂兰")
    son = _new_person(qtbot, new_id(dt.date(1990, 2, 3), "男"), "罗小明")
    assert (head.sex, head.birth_date, head.village.name) == ("男", dt.date(1962, 4, 8), "长丰村")
    form = _show(qtbot, HouseholdForm())
    _pick(qtbot, form.head, "ljg")
    for initials, relation in (("cgl", "配偶"), ("lxm", "子女")):
        form.member_relation.setCurrentText(relation)
        _pick(qtbot, form.member_picker, initials)
        qtbot.mouseClick(form.add_button, Qt.MouseButton.LeftButton)
    _save(qtbot, form)
    household = Household.get_by_id(form.saved_id)
    assert {m.person_id for m in households.active_members(household)} == {head.id, wife.id, son.id}

    # 3. enroll at the suggested amount, through the tab's 新增 (Ctrl+N)
    opened = []

    def run_enrollment_form(self):
        opened.append(_show(qtbot, self))
        _pick(qtbot, self.picker, "ljg")
        _retype(qtbot, self.month, "2022-06")
        self.income.setFocus()
        qtbot.keyClicks(self.income, "200")
        self.try_save()
        return self.result()

    monkeypatch.setattr(EnrollmentForm, "exec", run_enrollment_form)
    tab.programme_combo.setCurrentIndex(tab.programme_combo.findData("dibao_rural"))
    tab.add_new()
    enrollment = Enrollment.get_by_id(opened[0].saved_id)
    assert enrollment.amount == (Decimal("650") - Decimal("200")) * 3 == Decimal("1350.00")

    # 4. find it again by the head's pinyin initials
    tab.search.setFocus()
    qtbot.keyClicks(tab.search, "ljg")
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1 and tab.model.row_id(0) == enrollment.id,
                    timeout=2000)
    assert "1,350.00" in tab.status.text()
    tab.table.selectRow(0)
    save_screenshot(window, "done_when_found")

    # 5. stop it with a reason
    def run_stop(self):
        _retype(qtbot, self.month, "2022-09")
        self.reason.setCurrentText("收入超标")
        self.try_save()
        return self.result()

    monkeypatch.setattr(StopDialog, "exec", run_stop)
    assert tab.stop_button.isEnabled()
    tab.stop()
    enrollment = Enrollment.get_by_id(enrollment.id)
    assert (enrollment.status, enrollment.stop_month, enrollment.stop_reason) == ("停保", "2022-09", "收入超标")

    # 6. see the history
    dialog = HistoryDialog(window, "enrollment", enrollment.id, "罗建国")
    qtbot.addWidget(dialog)
    dialog.show()
    texts = [dialog.log_model.index(r, c).data() for r in range(dialog.log_model.rowCount())
             for c in range(dialog.log_model.columnCount())]
    assert any("停保" in (t or "") for t in texts) and any("纳入保障" in (t or "") for t in texts)
    save_screenshot(dialog, "done_when_history")
