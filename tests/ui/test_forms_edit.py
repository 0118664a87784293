"""Saved records corrected through their forms, as a clerk would: relief cases
(and 作废), cards, activities, house surveys, households (village, relations,
户主), an enrollment's bank account, and the amount on 恢复保障. Each test
asserts what reached the database and the audit log."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLineEdit

from mzdesk import audit
from mzdesk.models import (Activity, AuditLog, CardIssuance, Enrollment, Household, HouseSurvey,
                           ReliefCase, Village)
from mzdesk.services import enrollments, households, ledgers, persons
from tests.core.people import new_id
from tests.core.test_registry_lists import books  # noqa: F401 (the fixture)
from ui.forms.elderly_forms import ActivityForm, CardForm
from ui.forms.enrollment_form import EnrollmentForm
from ui.forms.house_survey_form import HouseSurveyForm
from ui.forms.household_form import HouseholdForm
from ui.forms.relief_form import ReliefCaseForm
from ui.forms.stop_resume import ResumeDialog

from .conftest import pick, retype, save_screenshot, type_text

CTRL = Qt.KeyboardModifier.ControlModifier


def _show(qtbot, widget):
    qtbot.addWidget(widget)
    with qtbot.waitActive(widget):  # Ctrl+S is a window shortcut: the form must be active
        widget.show()
        widget.activateWindow()
    return widget


def _save(qtbot, form) -> None:
    qtbot.keyClick(form.focusWidget() or form, Qt.Key.Key_S, CTRL)


def _person(name, born=dt.date(1960, 3, 1), village="长丰村", **kw):
    return persons.register_person(new_id(born), name, village=village, **kw)


def _last(entity, entity_id) -> AuditLog:
    return audit.history(entity, entity_id)[-1]


def _retype_chinese(edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    type_text(edit, text)


@pytest.fixture
def family(township):
    """王大明 (户主), 李秀英 (配偶), 王小虎 (子女): a rural 低保 household from 2022-03."""
    head = _person("王大明", bank_account="6217000012345678901")
    wife = _person("李秀英", dt.date(1962, 5, 5))
    son = _person("王小虎", dt.date(2010, 1, 1))
    hh = households.create_household(head.id, members=[(wife.id, "配偶"), (son.id, "子女")])
    e = enrollments.enroll("dibao_rural", head.id, household_id=hh.id, start_month="2022-03")
    return dict(head=head, wife=wife, son=son, household=hh, enrollment=e)


# --- relief cases ---------------------------------------------------------------------

def test_relief_case_corrected_person_fixed(qtbot, family):
    case = ledgers.add_relief_case(family["head"].id, kind="临时救助", case_type="临时困难救助",
                                   amount="800", approved_date="2022-04-02")
    form = _show(qtbot, ReliefCaseForm(record_id=case.id))
    assert form.windowTitle() == "修改救助记录"
    assert not form.picker.isEnabled() and "作废" in form.picker.toolTip()
    assert form.amount.isEnabled() and form.buttons.button(QDialogButtonBox.StandardButton.Save).isVisible()
    assert form.target_group() == "低保户"
    form.kind.setCurrentText("医疗救助")  # the type follows the kind
    assert form.case_type.currentText() == "门诊医疗救助"
    retype(qtbot, form.amount, "1080.5")
    form.paid.check.setChecked(True)
    form.paid.date.setDate(QDate(2022, 4, 20))
    _retype_chinese(form.note, "住院押金")
    form.approved.setDate(QDate(2022, 1, 10))  # before the enrollment: the group is shown anew
    assert form.target_group() == "困难户"
    save_screenshot(form, "form_relief_edit")
    _save(qtbot, form)
    assert form.result() == QDialog.DialogCode.Accepted and form.saved_id == case.id
    case = ReliefCase.get_by_id(case.id)
    assert (case.person_id, case.kind, case.case_type, case.amount, case.approved_date, case.paid_date,
            case.note, case.target_group) == (
        family["head"].id, "医疗救助", "门诊医疗救助", Decimal("1080.50"), dt.date(2022, 1, 10),
        dt.date(2022, 4, 20), "住院押金", "困难户")
    entry = _last("relief_case", case.id)
    assert entry.action == "修改救助"
    assert (entry.before["amount"], entry.after["amount"]) == ("800.00", "1080.50")
    assert (entry.before["target_group"], entry.after["target_group"]) == ("低保户", "困难户")


def test_relief_case_form_keeps_a_refusal_in_red(qtbot, family):
    case = ledgers.add_relief_case(family["head"].id, kind="临时救助", case_type="临时困难救助",
                                   amount="800", approved_date="2022-04-02")
    form = _show(qtbot, ReliefCaseForm(record_id=case.id))
    form.case_type.setCurrentText("")
    _save(qtbot, form)
    assert form.isVisible() and "救助类型不能为空" in form.error.text()
    assert ReliefCase.get_by_id(case.id).case_type == "临时困难救助"


def _answer_reason(qtbot, form, reason: str | None, shots: list | None = None) -> None:
    """When the 作废 question appears, type the reason and press 作废 (None: 取消)."""
    def answer():
        dialog = form.reason_dialog
        qtbot.waitUntil(dialog.isVisible, timeout=2000)
        if reason is None:
            dialog.reject()
            return
        edit = dialog.findChild(QLineEdit)
        edit.setFocus()
        type_text(edit, reason)
        if shots is not None:
            shots.append(save_screenshot(dialog, "form_relief_cancel_reason"))
        ok = next(b for b in dialog.findChildren(QDialogButtonBox)[0].buttons() if b.text() == "作废")
        ok.click()
    QTimer.singleShot(0, answer)


def test_relief_case_cancelled_with_a_reason(qtbot, family):
    case = ledgers.add_relief_case(family["head"].id, kind="临时救助", case_type="临时困难救助",
                                   amount="800", approved_date="2022-04-02")
    form = _show(qtbot, ReliefCaseForm(record_id=case.id))
    n = AuditLog.select().count()

    _answer_reason(qtbot, form, None)  # the clerk thinks better of it
    qtbot.mouseClick(form.cancel_case_button, Qt.MouseButton.LeftButton)
    assert form.isVisible() and not ReliefCase.get_by_id(case.id).cancelled

    _answer_reason(qtbot, form, "")  # no reason, no 作废
    qtbot.mouseClick(form.cancel_case_button, Qt.MouseButton.LeftButton)
    assert form.isVisible() and "必须填写原因" in form.error.text()
    assert AuditLog.select().count() == n

    shots = []
    _answer_reason(qtbot, form, "重复登记", shots)
    qtbot.mouseClick(form.cancel_case_button, Qt.MouseButton.LeftButton)
    assert shots and form.result() == QDialog.DialogCode.Accepted
    case = ReliefCase.get_by_id(case.id)  # kept, only marked
    assert case.cancelled and case.amount == Decimal("800.00")
    entry = _last("relief_case", case.id)
    assert (entry.action, entry.summary) == ("作废救助", "重复登记")

    again = _show(qtbot, ReliefCaseForm(record_id=case.id))  # a cancelled case is only shown
    assert again.windowTitle() == "已作废的救助记录" and again.cancel_case_button is None
    assert not again.amount.isEnabled()
    assert not again.buttons.button(QDialogButtonBox.StandardButton.Save).isVisible()
    _save(qtbot, again)
    assert "已作废" in again.error.text() and AuditLog.select().count() == n + 1


def test_relief_tab_drops_a_cancelled_case(qtbot, books, monkeypatch):
    from ui.tabs.relief import ReliefTab
    tab = ReliefTab()
    qtbot.addWidget(tab)
    tab.show()
    tab.refresh()
    monkeypatch.setattr("ui.tabs.list_tab.show_error", lambda parent, exc: pytest.fail(str(exc)))
    assert tab.status.text() == "共 4 件（3 户），救助金额合计 14,800.50 元"

    def fake_exec(form):
        with qtbot.waitActive(form):
            form.show()
            form.activateWindow()
        _answer_reason(qtbot, form, "对象不符合条件")
        qtbot.mouseClick(form.cancel_case_button, Qt.MouseButton.LeftButton)
        return form.result()

    monkeypatch.setattr(ReliefCaseForm, "exec", fake_exec)
    assert tab.select_id(books["cases"][3])  # 陈建国 1,500.00
    tab.edit()
    assert ReliefCase.get_by_id(books["cases"][3]).cancelled
    assert tab.status.text() == "共 3 件（2 户），救助金额合计 13,300.50 元"
    assert books["cases"][3] not in [tab.model.row_id(r) for r in range(tab.model.rowCount())]


# --- cards and activities ---------------------------------------------------------------

def test_card_corrected(qtbot, township):
    p = _person("孙老汉", dt.date(1940, 7, 1))
    card = ledgers.issue_card(p.id, card_type="老年优待证", issued_date="2022-01-05", number="LY1")
    form = _show(qtbot, CardForm(record_id=card.id))
    assert not form.picker.isEnabled() and form.number.isEnabled()
    form.card_type.setCurrentText("免费乘车证")
    retype(qtbot, form.number, "CC2022007")
    form.issued.setDate(QDate(2022, 1, 6))
    save_screenshot(form, "form_card_edit")
    _save(qtbot, form)
    assert form.result() == QDialog.DialogCode.Accepted
    card = CardIssuance.get_by_id(card.id)
    assert (card.person_id, card.card_type, card.number, card.issued_date) == (
        p.id, "免费乘车证", "CC2022007", dt.date(2022, 1, 6))
    entry = _last("card_issuance", card.id)
    assert (entry.action, entry.before["card_type"], entry.after["card_type"]) == (
        "修改证件", "老年优待证", "免费乘车证")
    assert CardIssuance.select().count() == 1  # corrected, not added


def test_activity_corrected(qtbot, township):
    act = ledgers.add_activity("老年人文化活动", "2022-01-20", title="春节联欢会", participants=120)
    form = _show(qtbot, ActivityForm(record_id=act.id))
    assert form.windowTitle() == "修改工作活动"
    _retype_chinese(form.title, "春节老年人联欢会")
    form.participants.setFocus()
    form.participants.selectAll()
    qtbot.keyClicks(form.participants, "135")
    form.held.setDate(QDate(2022, 1, 21))
    _retype_chinese(form.note, "区老龄办参加")
    save_screenshot(form, "form_activity_edit")
    _save(qtbot, form)
    assert form.result() == QDialog.DialogCode.Accepted
    act = Activity.get_by_id(act.id)
    assert (act.kind, act.title, act.held_date, act.participants, act.note) == (
        "老年人文化活动", "春节老年人联欢会", dt.date(2022, 1, 21), 135, "区老龄办参加")
    entry = _last("activity", act.id)
    assert (entry.action, entry.before["participants"], entry.after["participants"]) == ("修改活动", 120, 135)
    assert Activity.select().count() == 1

    form = _show(qtbot, ActivityForm(record_id=act.id))  # saving unchanged writes nothing
    n = AuditLog.select().count()
    _save(qtbot, form)
    assert form.result() == QDialog.DialogCode.Accepted and AuditLog.select().count() == n


# --- house survey ----------------------------------------------------------------------------

def test_house_survey_size_and_date_corrected(qtbot, family):
    record = ledgers.add_house_survey(family["head"].id, persons=3, intention="原址重建",
                                      survey_date="2022-05-01")
    form = _show(qtbot, HouseSurveyForm(record_id=record.id))
    assert not form.picker.isEnabled() and form.persons.isEnabled() and form.survey_date.isEnabled()
    assert form.family_type.currentText() == "农村低保" and not form.family_type.isEnabled()
    form.persons.setValue(2)
    form.survey_date.setDate(QDate(2022, 1, 15))  # before the enrollment: the type follows
    assert form.family_type.currentText() == "一般群众"
    form.progress.setCurrentText("已拆除")
    save_screenshot(form, "form_house_survey_edit")
    _save(qtbot, form)
    assert form.result() == QDialog.DialogCode.Accepted
    record = HouseSurvey.get_by_id(record.id)
    assert (record.persons, record.survey_date, record.family_type, record.progress) == (
        2, dt.date(2022, 1, 15), "一般群众", "已拆除")
    actions = [e.action for e in audit.history("house_survey", record.id)]
    assert actions == ["登记土坯房", "修改土坯房", "修改土坯房"]


# --- households ------------------------------------------------------------------------------

def _relation_editor(qtbot, form, row: int) -> QComboBox:
    """Open the grid's relation editor on a row, as a double click would."""
    index = form.members.index(row, form.members.RELATION)
    form.table.setCurrentIndex(index)
    form.table.edit(index)
    editors = form.table.viewport().findChildren(QComboBox)
    assert editors, "no editor opened"
    return editors[-1]


def _choose_relation(qtbot, form, row: int, relation: str) -> None:
    editor = _relation_editor(qtbot, form, row)
    editor.setCurrentText(relation)
    qtbot.keyClick(editor, Qt.Key.Key_Tab)  # leaving the cell commits it
    assert form.members.rows[row].relation == relation


def test_household_village_address_and_relation_corrected(qtbot, family):
    hh, wife, son = family["household"], family["wife"], family["son"]
    form = _show(qtbot, HouseholdForm(household_id=hh.id))
    assert form.village.isEnabled() and form.area.isEnabled() and form.address.isEnabled()
    assert form.head_button.isVisible()
    form.village.lineEdit().setFocus()
    form.village.lineEdit().selectAll()
    qtbot.keyClicks(form.village.lineEdit(), "xhsq")
    qtbot.keyClick(form.village.lineEdit(), Qt.Key.Key_Return)
    assert form.village.currentText() == "新华社区"
    form.area.setCurrentText("城镇")
    _retype_chinese(form.address, "新华路8号")
    row = [r.person_id for r in form.members.rows].index(son.id)
    _choose_relation(qtbot, form, row, "孙子女")
    _save(qtbot, form)
    assert form.result() == QDialog.DialogCode.Accepted
    h = Household.get_by_id(hh.id)
    assert (h.village_id, h.area, h.address) == (Village.get(name="新华社区").id, "城镇", "新华路8号")
    assert {(m.person_id, m.relation) for m in households.active_members(h)} == {
        (family["head"].id, "户主"), (wife.id, "配偶"), (son.id, "孙子女")}
    actions = [e.action for e in audit.history("household", hh.id)]
    assert actions == ["新建家庭", "修改家庭", "修改成员关系"]


def test_household_form_refuses_an_unknown_village(qtbot, family):
    form = _show(qtbot, HouseholdForm(household_id=family["household"].id))
    form.village.setEditText("不存在村")
    _save(qtbot, form)
    assert form.isVisible() and "不存在" in form.error.text()
    assert Household.get_by_id(family["household"].id).village.name == "长丰村"


def test_household_head_changed_with_set_as_head(qtbot, family):
    hh, head, wife, son = family["household"], family["head"], family["wife"], family["son"]
    form = _show(qtbot, HouseholdForm(household_id=hh.id))
    assert form.members.rows[0].person_id == head.id
    qtbot.mouseClick(form.head_button, Qt.MouseButton.LeftButton)
    assert "请先在列表中选中" in form.error.text()
    form.table.selectRow(0)
    qtbot.mouseClick(form.head_button, Qt.MouseButton.LeftButton)
    assert "已是户主" in form.error.text()

    form.table.selectRow([r.person_id for r in form.members.rows].index(wife.id))
    qtbot.mouseClick(form.head_button, Qt.MouseButton.LeftButton)
    rows = {r.person_id: r.relation for r in form.members.rows}
    assert form.members.rows[0].person_id == wife.id and form.head.person_id() == wife.id
    assert rows[head.id] == "配偶"  # mirrored; still editable
    assert form.head_hint.isVisible() and "农村最低生活保障仍登记在原户主名下" in form.head_hint.text()
    assert not form.members.relation_editable(0)
    save_screenshot(form, "form_household_new_head")
    _save(qtbot, form)
    assert form.result() == QDialog.DialogCode.Accepted
    h = Household.get_by_id(hh.id)
    assert h.head_id == wife.id
    assert {(m.person_id, m.relation) for m in households.active_members(h)} == {
        (wife.id, "户主"), (head.id, "配偶"), (son.id, "子女")}
    entry = _last("household", hh.id)
    assert entry.action == "更换户主" and entry.after["head"] == wife.id


def test_household_new_member_made_head_and_old_head_moved_out(qtbot, family):
    hh, head, wife, son = family["household"], family["head"], family["wife"], family["son"]
    newcomer = _person("王建军", dt.date(1985, 6, 6))
    form = _show(qtbot, HouseholdForm(household_id=hh.id))
    form.member_relation.setCurrentText("子女")
    pick(qtbot, form.member_picker, "wjj")
    qtbot.mouseClick(form.add_button, Qt.MouseButton.LeftButton)
    form.table.selectRow([r.person_id for r in form.members.rows].index(newcomer.id))
    qtbot.mouseClick(form.head_button, Qt.MouseButton.LeftButton)
    rows = [r.person_id for r in form.members.rows]
    assert form.members.rows[rows.index(head.id)].relation == "父母"
    _choose_relation(qtbot, form, rows.index(wife.id), "父母")
    _choose_relation(qtbot, form, rows.index(son.id), "兄弟姐妹")
    form.table.selectRow(rows.index(head.id))  # the old head has left the household
    qtbot.mouseClick(form.remove_button, Qt.MouseButton.LeftButton)
    _save(qtbot, form)
    assert form.result() == QDialog.DialogCode.Accepted, form.error.text()
    h = Household.get_by_id(hh.id)
    assert h.head_id == newcomer.id
    assert {(m.person_id, m.relation) for m in households.active_members(h)} == {
        (newcomer.id, "户主"), (wife.id, "父母"), (son.id, "兄弟姐妹")}
    assert households.household_of(head.id) is None
    actions = [e.action for e in audit.history("household", hh.id)]
    assert actions == ["新建家庭", "增加家庭成员", "更换户主", "移出家庭成员", "修改成员关系", "修改成员关系"]


def test_household_changes_are_all_or_nothing(qtbot, family, monkeypatch):
    hh, son = family["household"], family["son"]
    form = _show(qtbot, HouseholdForm(household_id=hh.id))
    _retype_chinese(form.address, "新地址")
    _choose_relation(qtbot, form, [r.person_id for r in form.members.rows].index(son.id), "孙子女")

    def refuse(*args, **kwargs):
        from mzdesk.errors import ValidationError
        raise ValidationError("测试中拒绝")

    monkeypatch.setattr(households, "change_relation", refuse)
    n = AuditLog.select().count()
    _save(qtbot, form)
    assert form.isVisible() and "测试中拒绝" in form.error.text()
    assert Household.get_by_id(hh.id).address == family["household"].address
    assert AuditLog.select().count() == n


# --- an enrollment's bank account -------------------------------------------------------------

def test_enrollment_bank_account_changed_without_an_amount_change(qtbot, family):
    e = family["enrollment"]
    form = _show(qtbot, EnrollmentForm(enrollment_id=e.id))
    assert form.bank.isEnabled() and "6217000012345678901" in form.bank.placeholderText()
    retype(qtbot, form.bank, "6228-4800")
    _save(qtbot, form)
    assert form.isVisible() and "只能由数字组成" in form.error.text()
    retype(qtbot, form.bank, "6228480012345678")
    save_screenshot(form, "form_enrollment_edit_bank")
    _save(qtbot, form)
    assert form.result() == QDialog.DialogCode.Accepted
    e = Enrollment.get_by_id(e.id)
    assert (e.bank_account, e.amount) == ("6228480012345678", Decimal("1950.00"))
    assert [ev.kind for ev in enrollments.events(e.id)] == ["开始"]  # no amount change recorded
    entry = _last("enrollment", e.id)
    assert entry.action == "修改银行账号" and entry.after["bank_account"] == "6228480012345678"

    form = _show(qtbot, EnrollmentForm(enrollment_id=e.id))  # cleared: the person's account again
    form.bank.clear()
    retype(qtbot, form.month, "2022-08")
    retype(qtbot, form.income, "100")
    _save(qtbot, form)
    e = Enrollment.get_by_id(e.id)
    assert (e.bank_account, e.amount) == ("", Decimal("1650.00"))
    assert [ev.kind for ev in enrollments.events(e.id)] == ["开始", "调整"]
    assert [x.action for x in audit.history("enrollment", e.id)][-2:] == ["修改银行账号", "调整金额"]


# --- 恢复保障 with an amount --------------------------------------------------------------------

def test_resume_at_another_amount_needs_a_reason_for_it(qtbot, family):
    e = enrollments.stop(family["enrollment"].id, month="2022-06", reason="收入超标")
    dialog = _show(qtbot, ResumeDialog(None, e.id))
    retype(qtbot, dialog.month, "2022-09")
    assert "1950.00" in dialog.amount_label.text() and dialog.amount.value() == Decimal("1950.00")
    assert dialog.amount_reason_label.text() == "金额原因" and not dialog.amount_reason.isEnabled()
    type_text(dialog.reason, "复核后符合条件")
    retype(qtbot, dialog.amount, "1300")
    assert dialog.amount_reason_label.text() == "金额原因（必填）" and dialog.amount_reason.styleSheet()
    _save(qtbot, dialog)
    assert dialog.isVisible() and "请填写金额原因" in dialog.error.text()
    assert Enrollment.get_by_id(e.id).status == "停保"
    type_text(dialog.amount_reason, "家庭人口减少")
    save_screenshot(dialog, "form_resume_amount")
    _save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    e = Enrollment.get_by_id(e.id)
    assert (e.status, e.amount, e.amount_reason) == ("在保", Decimal("1300.00"),
                                                     "复核后符合条件；金额：家庭人口减少")
    last = enrollments.events(e.id)[-1]
    assert (last.kind, last.month, last.amount) == ("恢复", "2022-09", Decimal("1300.00"))
    assert _last("enrollment", e.id).action == "恢复保障"

    # stopped again, the kept amount and its reason come back on the next 恢复
    enrollments.stop(e.id, month="2022-10", reason="外出务工")
    dialog = _show(qtbot, ResumeDialog(None, e.id))
    retype(qtbot, dialog.month, "2022-12")
    assert dialog.amount.value() == Decimal("1300.00") and dialog.amount_reason.text() == "家庭人口减少"
    qtbot.mouseClick(dialog.follow_button, Qt.MouseButton.LeftButton)  # back to the standard
    assert dialog.amount.value() == Decimal("1950.00") and not dialog.reason_required()
    type_text(dialog.reason, "返乡")
    _save(qtbot, dialog)
    e = Enrollment.get_by_id(e.id)
    assert (e.status, e.amount, e.amount_reason) == ("在保", Decimal("1950.00"), "")
