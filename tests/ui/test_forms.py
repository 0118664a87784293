"""The forms driven as a clerk would: typing, pinyin completion, Ctrl+S and Esc."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialog

from tests import paid as rows
from mzdesk import idcard
from mzdesk.models import (Batch, BatchLine, Death, Enrollment, EnrollmentEvent, Household,
                           HouseholdMember, Person)
from mzdesk.services import enrollments, households, persons, settings
from tests.core.people import new_id
from ui.forms.death_form import DeathForm
from ui.forms.enrollment_form import EnrollmentForm
from ui.forms.household_form import HouseholdForm
from ui.forms.person_form import PersonForm
from ui.forms.stop_resume import ResumeDialog, StopDialog
from ui.widgets import IdNumberEdit, MoneyEdit, MonthEdit, VillageCombo

from .conftest import pick as _pick, retype as _retype, save_screenshot, type_text

CTRL = Qt.KeyboardModifier.ControlModifier


def _show(qtbot, widget):
    qtbot.addWidget(widget)
    with qtbot.waitActive(widget):  # Ctrl+S is a window shortcut: the form must be active
        widget.show()
        widget.activateWindow()
    return widget


def _person(name: str, birth=dt.date(1970, 5, 17), sex: str = "男", village="长丰村", **kw) -> Person:
    return persons.register_person(new_id(birth, sex), name, village=village, **kw)






def _save(qtbot, form) -> None:
    qtbot.keyClick(form.focusWidget() or form, Qt.Key.Key_S, CTRL)


def _household(head: Person, *members: tuple[Person, str]) -> Household:
    return households.create_household(head.id, members=[(p.id, r) for p, r in members])


# --- widgets ---------------------------------------------------------------------

def test_id_edit_shows_birth_sex_age_while_typing_and_the_reason_in_red(qtbot, township):
    w = _show(qtbot, IdNumberEdit())
    number = new_id(dt.date(1950, 3, 9), "女")
    qtbot.keyClicks(w.edit, number[:10])
    assert w.info.text() == "已输入 10/18 位" and not w.is_valid()
    with qtbot.waitSignal(w.validChanged) as signal:
        qtbot.keyClicks(w.edit, number[10:])
    assert signal.args == [True]
    age = idcard.age(number)
    assert w.info.text() == f"出生 1950-03-09　女　{age}岁"
    assert w.value() == number

    wrong = "0" if number[-1] != "0" else "1"
    qtbot.keyClick(w.edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(w.edit, wrong)
    assert not w.is_valid() and w.value() is None
    assert "校验位错误" in w.info.text() and "c00000" in w.info.styleSheet()

    w.setText("510112500309002")  # a 15-digit legacy number is accepted and converted
    assert w.is_valid() and "15位旧号码" in w.info.text() and len(w.value()) == 18


def test_village_combo_completes_by_name_initials_and_full_pinyin(qtbot, township):
    combo = _show(qtbot, VillageCombo())
    for typed, expected in (("cfc", "长丰村"), ("zfc", "长丰村"), ("xinhua", "新华社区"), ("xh", "新华社区")):
        combo.set_village_id(None)
        combo.lineEdit().setFocus()
        qtbot.keyClicks(combo.lineEdit(), typed)
        assert combo.completer().completionCount() == 1
        qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_Return)
        assert combo.currentText() == expected and combo.village_id() is not None
    combo.setEditText("不存在村")
    assert combo.village_id() is None


def test_money_and_month_edits(qtbot, township):
    money, month = _show(qtbot, MoneyEdit()), _show(qtbot, MonthEdit())
    qtbot.keyClicks(money, "12a3.456")  # the validator keeps what an amount can be
    assert money.text() == "123.45" and money.value() == Decimal("123.45")
    money.clear()
    assert money.value() is None
    _retype(qtbot, month, "202206")
    qtbot.keyClick(month, Qt.Key.Key_Return)
    assert month.value() == "2022-06" and month.text() == "2022-06"
    qtbot.keyClick(month, Qt.Key.Key_Down)
    assert month.value() == "2022-05"
    month.setText("2022-13")
    assert month.value() is None


# --- person --------------------------------------------------------------------------

def test_person_form_registers_what_the_clerk_types(qtbot, township):
    form = _show(qtbot, PersonForm())
    number = new_id(dt.date(1985, 11, 2), "女")
    form.id_edit.setFocus()
    qtbot.keyClicks(form.id_edit.edit, number)
    assert "1985-11-02" in form.id_edit.info.text() and "女" in form.id_edit.info.text()
    qtbot.keyClick(form.id_edit.edit, Qt.Key.Key_Return)  # Enter moves to 姓名
    assert form.focusWidget() is form.name_edit
    type_text(form.name_edit, "李秀英")
    qtbot.keyClick(form.name_edit, Qt.Key.Key_Return)
    assert form.focusWidget() is form.village
    qtbot.keyClicks(form.village.lineEdit(), "xhsq")
    qtbot.keyClick(form.village.lineEdit(), Qt.Key.Key_Return)
    type_text(form.address, "新华社区3组")
    qtbot.keyClicks(form.phone, "13800001234")
    qtbot.keyClicks(form.bank_account, "6228480012345678")
    form.tag_boxes["在校学生"].setChecked(True)
    type_text(form.other_tags, "独居，空巢")
    save_screenshot(form, "form_person")
    _save(qtbot, form)

    assert form.result() == QDialog.DialogCode.Accepted
    p = Person.get_by_id(form.saved_id)
    assert (p.id_number, p.name, p.village.name, p.sex) == (number, "李秀英", "新华社区", "女")
    assert (p.address, p.phone, p.bank_account) == ("新华社区3组", "13800001234", "6228480012345678")
    assert persons.tag_list(p) == ["在校学生", "独居", "空巢"]


def test_person_form_esc_cancels_and_writes_nothing(qtbot, township):
    form = _show(qtbot, PersonForm())
    qtbot.keyClicks(form.id_edit.edit, new_id())
    type_text(form.name_edit, "王五")
    qtbot.keyClick(form.name_edit, Qt.Key.Key_Escape)
    assert form.result() == QDialog.DialogCode.Rejected and not form.isVisible()
    assert Person.select().count() == 0


def test_person_form_refuses_a_registered_number_and_keeps_what_was_typed(qtbot, township):
    existing = _person("张三丰")
    form = _show(qtbot, PersonForm())
    qtbot.keyClicks(form.id_edit.edit, existing.id_number)
    assert "已登记" in form.error.text() and form.error.isVisible()
    type_text(form.name_edit, "张三")
    _save(qtbot, form)
    assert form.isVisible() and "已登记" in form.error.text()
    assert form.name_edit.text() == "张三" and Person.select().count() == 1


def test_person_form_edits_only_what_changed(qtbot, township):
    p = _person("赵六", phone="111", tags=["残疾"])
    form = _show(qtbot, PersonForm(person_id=p.id))
    assert form.name_edit.text() == "赵六" and form.tag_boxes["残疾"].isChecked()
    _retype(qtbot, form.phone, "13912345678")
    form.tag_boxes["重病"].setChecked(True)
    _save(qtbot, form)
    p = Person.get_by_id(p.id)
    assert p.phone == "13912345678" and persons.tag_list(p) == ["残疾", "重病"]


# --- household and 低保 ---------------------------------------------------------------

def _three_people():
    head = _person("刘建国", dt.date(1968, 4, 1), "男")
    wife = _person("陈桂兰", dt.date(1970, 8, 8), "女")
    son = _person("刘小明", dt.date(2008, 1, 20), "男")
    return head, wife, son


def test_rural_dibao_household_created_and_enrolled_at_the_suggested_amount(qtbot, township):
    head, wife, son = _three_people()
    form = _show(qtbot, HouseholdForm())
    _pick(qtbot, form.head, "ljg")
    assert form.members.rowCount() == 1 and form.members.rows[0].relation == "户主"
    assert form.village.currentText() == "长丰村"  # taken from the head
    for initials, relation in (("cgl", "配偶"), ("lxm", "子女")):
        form.member_relation.setCurrentText(relation)
        _pick(qtbot, form.member_picker, initials)
        qtbot.mouseClick(form.add_button, Qt.MouseButton.LeftButton)
    assert [r.relation for r in form.members.rows] == ["户主", "配偶", "子女"]
    assert form.count_label.text() == "共 3 人"
    save_screenshot(form, "form_household")
    _save(qtbot, form)
    assert form.result() == QDialog.DialogCode.Accepted
    h = Household.get_by_id(form.saved_id)
    assert h.head_id == head.id and h.area == "农村" and h.village.name == "长丰村"
    assert {(m.person_id, m.relation) for m in households.active_members(h)} == {
        (head.id, "户主"), (wife.id, "配偶"), (son.id, "子女")}

    form = _show(qtbot, EnrollmentForm(programme="dibao_rural"))
    _pick(qtbot, form.picker, "ljg")
    assert "3 人" in form.household_info.text() and form.covered.value() == 3
    _retype(qtbot, form.month, "2022-06")
    form.income.setFocus()
    qtbot.keyClicks(form.income, "150")
    assert "1500.00" in form.suggestion_label.text()
    assert form.amount.value() == Decimal("1500.00")  # follows the suggestion
    assert form.reason_label.text() == "原因"
    save_screenshot(form, "form_enrollment_dibao")
    _save(qtbot, form)
    assert form.result() == QDialog.DialogCode.Accepted
    e = Enrollment.get_by_id(form.saved_id)
    assert (e.programme_id, e.person_id, e.household_id) == ("dibao_rural", head.id, h.id)
    assert e.amount == (Decimal("650") - Decimal("150")) * 3
    assert (e.covered_persons, e.per_capita_income, e.start_month, e.amount_reason) == (
        3, Decimal("150.00"), "2022-06", "")


def test_changing_the_amount_demands_a_reason(qtbot, township):
    head, wife, son = _three_people()
    _household(head, (wife, "配偶"), (son, "子女"))
    form = _show(qtbot, EnrollmentForm(programme="dibao_rural", person_id=head.id))
    _retype(qtbot, form.month, "2022-06")
    assert form.amount.value() == Decimal("1950.00")
    _retype(qtbot, form.amount, "1800")
    assert form.reason_label.text() == "原因（必填）" and form.reason.styleSheet()
    form.classes["重残"].setValue(1)  # the suggestion moves on, the typed amount stays
    assert "2050.00" in form.suggestion_label.text() and form.amount.value() == Decimal("1800.00")
    _save(qtbot, form)
    assert form.isVisible() and "请填写原因" in form.error.text()
    assert Enrollment.select().count() == 0
    type_text(form.reason, "家庭有大额医疗支出")
    assert not form.reason.styleSheet()
    save_screenshot(form, "form_enrollment_reason")
    _save(qtbot, form)
    e = Enrollment.get()
    assert (e.amount, e.amount_reason, e.details) == (Decimal("1800.00"), "家庭有大额医疗支出",
                                                      {"classes": {"重残": 1}})


def test_follow_button_returns_to_the_suggestion(qtbot, township):
    head = _person("孙大圣")
    _household(head)
    form = _show(qtbot, EnrollmentForm(programme="dibao_rural", person_id=head.id))
    _retype(qtbot, form.amount, "100")
    assert form.reason_required() and form.follow_button.isEnabled()
    qtbot.mouseClick(form.follow_button, Qt.MouseButton.LeftButton)
    assert form.amount.value() == Decimal("650.00") and not form.reason_required()


def test_enrollment_form_offers_to_create_the_household(qtbot, township):
    head = _person("周一")
    form = _show(qtbot, EnrollmentForm(programme="dibao_rural"))
    _pick(qtbot, form.picker, "zy")
    assert "尚未建立家庭" in form.household_info.text() and form.new_household_button.isVisible()
    qtbot.mouseClick(form.new_household_button, Qt.MouseButton.LeftButton)
    sub = form.subform
    assert isinstance(sub, HouseholdForm) and sub.head.person_id() == head.id
    sub.activateWindow()
    qtbot.waitUntil(sub.isActiveWindow)
    _save(qtbot, sub)
    assert "1 人" in form.household_info.text() and not form.new_household_button.isVisible()


def test_edit_mode_changes_the_amount_from_a_month(qtbot, township):
    head, wife, son = _three_people()
    h = _household(head, (wife, "配偶"), (son, "子女"))
    e = enrollments.enroll("dibao_rural", head.id, household_id=h.id, start_month="2022-01",
                           per_capita_income="150")
    form = _show(qtbot, EnrollmentForm(enrollment_id=e.id))
    assert form.amount.value() == Decimal("1500.00") and form.income.value() == Decimal("150.00")
    _retype(qtbot, form.month, "2022-08")
    _retype(qtbot, form.income, "250")
    assert form.amount.value() == Decimal("1200.00")
    save_screenshot(form, "form_enrollment_edit")
    _save(qtbot, form)
    e = Enrollment.get_by_id(e.id)
    assert (e.amount, e.per_capita_income) == (Decimal("1200.00"), Decimal("250.00"))
    assert [(ev.kind, ev.month) for ev in enrollments.events(e.id)] == [("开始", "2022-01"), ("调整", "2022-08")]


def test_stop_with_a_reason_and_resume(qtbot, township):
    head = _person("吴二")
    h = _household(head)
    e = enrollments.enroll("dibao_rural", head.id, household_id=h.id, start_month="2022-01")
    stop = _show(qtbot, StopDialog(None, e.id))
    _retype(qtbot, stop.month, "2022-06")
    _save(qtbot, stop)
    assert stop.isVisible() and "原因" in stop.error.text()  # no reason, no stop
    stop.reason.lineEdit().setFocus()
    qtbot.keyClicks(stop.reason.lineEdit(), "")
    stop.reason.setCurrentText("收入超标")
    save_screenshot(stop, "form_stop")
    _save(qtbot, stop)
    e = Enrollment.get_by_id(e.id)
    assert (e.status, e.stop_month, e.stop_reason) == ("停保", "2022-06", "收入超标")

    resume = _show(qtbot, ResumeDialog(None, e.id))
    _retype(qtbot, resume.month, "2022-06")
    type_text(resume.reason, "复核后符合条件")
    _save(qtbot, resume)
    assert resume.isVisible() and "晚于停保月份" in resume.error.text()
    _retype(qtbot, resume.month, "2022-09")
    assert "650.00" in resume.amount_label.text()
    save_screenshot(resume, "form_resume")
    _save(qtbot, resume)
    e = Enrollment.get_by_id(e.id)
    assert (e.status, e.stop_month) == ("在保", None)
    assert [ev.kind for ev in enrollments.events(e.id)] == ["开始", "停保", "恢复"]


# --- person programmes -------------------------------------------------------------------

def test_tekun_institution_only_for_concentrated_support(qtbot, township):
    settings.set_setting("institutions", "区敬老养老中心，茶店镇敬老院")
    p = _person("钱老五", dt.date(1945, 2, 2))
    form = _show(qtbot, EnrollmentForm(programme="tekun", person_id=p.id))
    _retype(qtbot, form.month, "2022-03")
    assert not form.institution.isEnabled() and "1100.00" in form.suggestion_label.text()
    form.mode.setCurrentText("集中")
    assert form.institution.isEnabled()
    assert [form.institution.itemText(i) for i in range(form.institution.count())] == [
        "区敬老养老中心", "茶店镇敬老院"]
    form.institution.setCurrentText("茶店镇敬老院")
    form.care.setCurrentText("半失能")
    assert form.amount.value() == Decimal("1400.00")
    save_screenshot(form, "form_enrollment_tekun")
    _save(qtbot, form)
    e = Enrollment.get_by_id(form.saved_id)
    assert (e.category, e.amount) == ("集中", Decimal("1400.00"))
    assert e.details == {"care_level": "半失能", "institution": "茶店镇敬老院"}


def test_youfu_grade_only_for_disabled_veterans(qtbot, township):
    p = _person("郑老兵", dt.date(1950, 1, 1))
    form = _show(qtbot, EnrollmentForm(programme="youfu", person_id=p.id))
    _retype(qtbot, form.month, "2022-03")
    form.youfu_category.setCurrentText("复员军人")
    assert not form.grade.isEnabled() and not form.cause.isEnabled()
    assert form.amount.value() == Decimal("1200.00")
    form.youfu_category.setCurrentText("伤残军人")
    assert form.grade.isEnabled() and form.cause.isEnabled()
    form.grade.setValue(6)
    form.cause.setCurrentText("因公")
    assert form.amount.value() == Decimal("900.00")
    form.grade.setValue(5)  # no standard for grade 5: said in red, nothing suggested
    assert "没有有效" in form.suggestion_label.text() and form.reason_required()
    form.grade.setValue(6)
    save_screenshot(form, "form_enrollment_youfu")
    _save(qtbot, form)
    e = Enrollment.get_by_id(form.saved_id)
    assert (e.category, e.amount, e.details) == (
        "伤残军人", Decimal("900.00"), {"disability_grade": 6, "disability_cause": "因公"})


def test_gaoling_band_comes_from_the_id_number(qtbot, township):
    p = _person("冯太婆", dt.date(1931, 7, 1), "女")
    form = _show(qtbot, EnrollmentForm(programme="gaoling", person_id=p.id))
    _retype(qtbot, form.month, "2022-06")
    assert form.band.text() == "90-99 岁" and form.amount.value() == Decimal("100.00")
    _retype(qtbot, form.month, "2021-06")  # still 89 then; no standard before 2022 either
    assert form.band.text() == "80-89 岁"
    _retype(qtbot, form.month, "2022-06")
    _save(qtbot, form)
    e = Enrollment.get_by_id(form.saved_id)
    assert (e.category, e.amount) == ("90-99", Decimal("100.00"))


def test_canji_both_subsidies(qtbot, township):
    p = _person("褚明")
    form = _show(qtbot, EnrollmentForm(programme="canji", person_id=p.id))
    _retype(qtbot, form.month, "2022-06")
    form.canji_category.setCurrentText("生活补贴+护理补贴")
    form.disability_type.setCurrentText("视力")
    form.disability_grade.setCurrentText("二级")
    assert form.amount.value() == Decimal("180.00")
    _save(qtbot, form)
    e = Enrollment.get_by_id(form.saved_id)
    assert e.details == {"disability_type": "视力", "disability_grade": 2}


@pytest.mark.parametrize("make", [
    lambda p: PersonForm(), lambda p: HouseholdForm(head_id=p.id),
    lambda p: EnrollmentForm(programme="tekun", person_id=p.id), lambda p: DeathForm(person_id=p.id),
])
def test_esc_cancels_every_form_without_writing(qtbot, township, make):
    p = _person("蒋一")
    form = _show(qtbot, make(p))
    counts = [m.select().count() for m in (Person, Household, Enrollment, Death)]
    qtbot.keyClick(form.focusWidget() or form, Qt.Key.Key_Escape)
    assert form.result() == QDialog.DialogCode.Rejected
    assert [m.select().count() for m in (Person, Household, Enrollment, Death)] == counts


# --- existing household ---------------------------------------------------------------------

def test_existing_household_adds_and_removes_members(qtbot, township):
    head, wife, son = _three_people()
    h = _household(head, (wife, "配偶"))
    form = _show(qtbot, HouseholdForm(household_id=h.id))
    assert not form.head.isEnabled() and form.village.isEnabled()  # the head changes by 设为户主
    assert not form.members.relation_editable(0) and form.members.relation_editable(1)
    form.table.selectRow(1)
    qtbot.mouseClick(form.remove_button, Qt.MouseButton.LeftButton)
    _pick(qtbot, form.member_picker, "lxm")
    qtbot.mouseClick(form.add_button, Qt.MouseButton.LeftButton)
    assert form.members.relation_editable(1)
    form.members.setData(form.members.index(1, 2), "孙子女")
    form.table.selectRow(0)
    qtbot.mouseClick(form.remove_button, Qt.MouseButton.LeftButton)
    assert "不能移出户主" in form.error.text()
    _save(qtbot, form)
    assert form.result() == QDialog.DialogCode.Accepted
    active = {(m.person_id, m.relation) for m in households.active_members(h)}
    assert active == {(head.id, "户主"), (son.id, "孙子女")}
    assert not HouseholdMember.get(person=wife.id).active  # kept in history


# --- death -----------------------------------------------------------------------------------

def test_death_form_previews_stops_and_overpayments_then_saves(qtbot, township):
    p = _person("韩老汉", dt.date(1940, 3, 3))
    e = enrollments.enroll("tekun", p.id, start_month="2022-01", category="散居")
    batch = rows.batch("tekun", "2022-07", state="已审核", name="2022年7月特困供养金")
    rows.line(batch, enrollment=e, person=p, amount=Decimal("1100.00"))
    form = _show(qtbot, DeathForm())
    assert "选择死者后" in form.preview.text()
    _pick(qtbot, form.picker, "hlh")
    form.date.setDate(QDate(2022, 6, 15))
    text = form.preview.text()
    assert "特困" in text and "1100.00 元/月" in text and "2022-06 为最后发放月份" in text
    assert "2022-07" in text and "合计多发 1100.00 元" in text
    form.date.setDate(QDate(2022, 7, 31))  # died in July: the July payment was due
    assert "死亡后已发放" not in form.preview.text()
    form.date.setDate(QDate(2022, 6, 15))
    type_text(form.funeral_home, "区殡仪馆")
    save_screenshot(form, "form_death")
    _save(qtbot, form)
    assert form.result() == QDialog.DialogCode.Accepted
    death = Death.get_by_id(form.saved_id)
    assert (death.person_id, death.death_date, death.cremated, death.funeral_home) == (
        p.id, dt.date(2022, 6, 15), True, "区殡仪馆")
    e = Enrollment.get_by_id(e.id)
    assert (e.status, e.stop_month, e.stop_reason) == ("停保", "2022-06", "死亡")


def test_death_form_notes_a_dibao_household_to_review(qtbot, township):
    head, wife, son = _three_people()
    h = _household(head, (wife, "配偶"), (son, "子女"))
    enrollments.enroll("dibao_rural", head.id, household_id=h.id, start_month="2022-01")
    form = _show(qtbot, DeathForm(person_id=wife.id))
    form.date.setDate(QDate(2022, 6, 15))
    assert "没有在保的保障项目" in form.preview.text()
    assert "请复核该户" in form.preview.text() and "刘建国" in form.preview.text()
    assert EnrollmentEvent.select().count() == 1


def test_person_picker_never_guesses_a_person(qtbot, township):
    _person("张三丰")
    form = _show(qtbot, DeathForm())
    form.picker.edit.setFocus()
    qtbot.keyClicks(form.picker.edit, "zsf")
    qtbot.keyClick(form.picker.edit, Qt.Key.Key_Return)  # Enter before the list appeared
    assert form.picker.person_id() is None and "未选定人员" in form.picker.info.text()
    qtbot.wait(2 * form.picker.DELAY_MS)
    assert not form.picker.popup.isVisible()  # no list for a field already left
    _save(qtbot, form)
    assert "请选择死者" in form.error.text() and Death.select().count() == 0


def test_edit_mode_keeps_an_amount_set_with_a_reason(qtbot, township):
    p = _person("杨老三", dt.date(1950, 1, 1))
    e = enrollments.enroll("youfu", p.id, start_month="2022-01", category="复员军人",
                           amount="1300", reason="按区局批复")
    form = _show(qtbot, EnrollmentForm(enrollment_id=e.id))
    assert form.amount.value() == Decimal("1300.00") and form.reason.text() == "按区局批复"
    assert form.youfu_category.currentText() == "复员军人" and not form.grade.isEnabled()
    qtbot.mouseClick(form.follow_button, Qt.MouseButton.LeftButton)
    assert form.amount.value() == Decimal("1200.00") and form.reason.text() == ""
    _save(qtbot, form)
    e = Enrollment.get_by_id(e.id)
    assert (e.amount, e.amount_reason) == (Decimal("1200.00"), "")


# --- the suggested amount piece (enrollment form and resume dialog) ------------------

def _suggested(qtbot, **kw):
    """A bare form holding only the piece; 按标准 puts back whatever `now` holds."""
    from mzdesk.services.amounts import Suggestion
    from ui.forms.base import FormDialog
    from ui.forms.suggested_amount import SuggestedAmount

    host = _show(qtbot, FormDialog())
    now = {"suggestion": Suggestion(Decimal("650.00"), "标准650元")}
    piece = SuggestedAmount(host, lambda: piece.set_suggestion(now["suggestion"]), **kw)
    piece.set_suggestion(now["suggestion"])
    return host, piece, now, Suggestion


def test_suggested_amount_follows_until_typed_then_wants_a_reason(qtbot):
    host, piece, now, Suggestion = _suggested(qtbot)
    assert [host.form.labelForField(w).text() for w in (piece.label, piece.reason)] == ["建议金额", "原因"]
    assert "650.00 元/月" in piece.label.text() and "标准650元" in piece.label.text()
    assert piece.amount.value() == Decimal("650.00") and not piece.reason_required()
    assert not piece.follow_button.isEnabled() and piece.reason.isEnabled()
    now["suggestion"] = Suggestion(Decimal("700.00"), "标准700元")
    piece.set_suggestion(now["suggestion"])  # still following: the amount moves with it
    assert piece.amount.value() == Decimal("700.00")

    _retype(qtbot, piece.amount, "900")  # typed by the clerk: kept from now on
    assert piece.reason_required() and not piece.following and piece.follow_button.isEnabled()
    assert piece.reason_label.text() == "原因（必填）" and piece.reason.styleSheet()
    now["suggestion"] = Suggestion(Decimal("800.00"), "标准800元")
    piece.set_suggestion(now["suggestion"])
    assert "800.00" in piece.label.text() and piece.amount.value() == Decimal("900.00")
    type_text(piece.reason, "区局批复")
    assert not piece.reason.styleSheet() and piece.reason_label.text() == "原因（必填）"

    qtbot.mouseClick(piece.follow_button, Qt.MouseButton.LeftButton)  # 按标准
    assert piece.amount.value() == Decimal("800.00") and piece.reason.text() == ""
    assert piece.following and not piece.reason_required() and piece.reason_label.text() == "原因"


def test_suggested_amount_without_a_suggestion(qtbot):
    host, piece, now, _ = _suggested(qtbot)
    piece.set_suggestion(None, "没有有效的标准")  # said in red; the amount stays as it was
    assert piece.label.text() == "没有有效的标准" and "color" in piece.label.styleSheet()
    assert piece.amount.value() == Decimal("650.00") and piece.reason_required()
    assert not piece.follow_button.isEnabled()  # nothing to go back to
    piece.amount.clear()
    assert not piece.reason_required()  # no amount, no reason to give for it
    piece.set_suggestion(None)  # nothing to say (the resume dialog without a month)
    assert piece.label.text() == "" and piece.label.styleSheet() == ""


def test_suggested_amount_as_the_resume_dialog_has_it(qtbot):
    host, piece, now, _ = _suggested(qtbot, amount_label="恢复后金额", reason_label="金额原因",
                                      explanation_prefix="按标准：", reason_only_when_needed=True)
    assert host.form.labelForField(piece.amount.parentWidget()).text() == "恢复后金额"
    assert "按标准：标准650元" in piece.label.text()
    assert piece.reason_label.text() == "金额原因" and not piece.reason.isEnabled()
    piece.keep(Decimal("1300"), "家庭人口减少")  # an amount set before with its reason
    assert (piece.amount.value(), piece.reason.text()) == (Decimal("1300.00"), "家庭人口减少")
    assert piece.reason.isEnabled() and piece.reason_label.text() == "金额原因（必填）"
    piece.set_suggestion(now["suggestion"])  # a new month: the kept amount stays
    assert piece.amount.value() == Decimal("1300.00") and piece.follow_button.isEnabled()
    piece.follow_again()
    assert piece.amount.value() == Decimal("650.00") and not piece.reason.isEnabled()
    assert piece.reason.text() == ""


def test_a_refusal_of_save_goes_when_the_clerk_edits_not_when_the_form_does(qtbot, township):
    form = _show(qtbot, PersonForm())
    qtbot.keyClicks(form.id_edit.edit, new_id(dt.date(1960, 1, 1)))
    _save(qtbot, form)   # no name: the service refuses
    assert form.isVisible() and form.error.isVisible() and "姓名" in form.error.text()
    form.phone.setText("13900000000")   # the form (or a program) changing a field: stays
    assert form.error.isVisible()
    type_text(form.name_edit, "张")   # the clerk typing: gone
    assert not form.error.isVisible()
    form.name_edit.clear()
    _save(qtbot, form)
    assert form.error.isVisible()   # refused again, shown again
