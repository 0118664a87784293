"""Corrections of saved records: relief cases (and 作废), cards, activities,
house surveys, households and an enrollment's bank account. Each one is
audited before → after, writes nothing when nothing changed, and refuses
with a Chinese reason what cannot change."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from mzdesk import audit
from mzdesk.errors import ConflictError, NotFoundError, ValidationError
from mzdesk.models import (Activity, AuditLog, CardIssuance, Enrollment, Household, HouseSurvey,
                           ReliefCase, Village)
from mzdesk.services import enrollments, households, ledgers, persons

from .people import new_id


def _person(name, village="长丰村", born=dt.date(1960, 3, 1), **kw):
    return persons.register_person(new_id(born), name, village=village, **kw)


def _entries(entity, entity_id) -> list[AuditLog]:
    return audit.history(entity, entity_id)


@pytest.fixture
def dibao_head(township):
    """A rural 低保 household enrolled from 2022-03."""
    head = _person("王大明", bank_account="6217000012345678901")
    wife = _person("李秀英", born=dt.date(1962, 5, 5))
    hh = households.create_household(head.id, members=[(wife.id, "配偶")])
    e = enrollments.enroll("dibao_rural", head.id, household_id=hh.id, start_month="2022-03")
    return dict(head=head, wife=wife, household=hh, enrollment=e)


# --- relief cases ------------------------------------------------------------------

def test_relief_case_corrected_and_audited(dibao_head):
    head = dibao_head["head"]
    case = ledgers.add_relief_case(head.id, kind="临时救助", case_type="临时困难救助", amount="800",
                                   approved_date="2022-04-02")
    assert case.target_group == "低保户"
    ledgers.update_relief_case(case.id, kind="医疗救助", case_type="门诊医疗救助", amount="1,080.5元",
                               paid_date="2022-04-20", note=" 住院 ")
    case = ReliefCase.get_by_id(case.id)
    assert (case.kind, case.case_type, case.amount, case.paid_date, case.note, case.target_group) == (
        "医疗救助", "门诊医疗救助", Decimal("1080.50"), dt.date(2022, 4, 20), "住院", "低保户")
    entry = _entries("relief_case", case.id)[-1]
    assert entry.action == "修改救助"
    assert (entry.before["amount"], entry.after["amount"]) == ("800.00", "1080.50")
    assert (entry.before["kind"], entry.after["kind"]) == ("临时救助", "医疗救助")

    # a new approval date re-derives the target group (before the enrollment: 困难户)
    ledgers.update_relief_case(case.id, approved_date=dt.date(2022, 1, 10))
    case = ReliefCase.get_by_id(case.id)
    assert (case.approved_date, case.target_group) == (dt.date(2022, 1, 10), "困难户")
    entry = _entries("relief_case", case.id)[-1]
    assert (entry.before["target_group"], entry.after["target_group"]) == ("低保户", "困难户")

    ledgers.update_relief_case(case.id, paid_date="")  # not paid after all
    assert ReliefCase.get_by_id(case.id).paid_date is None


def test_relief_case_unchanged_writes_no_audit_entry(dibao_head):
    case = ledgers.add_relief_case(dibao_head["head"].id, kind="临时救助", case_type="临时困难救助",
                                   amount="800", approved_date="2022-04-02")
    n = AuditLog.select().count()
    ledgers.update_relief_case(case.id, kind="临时救助", case_type="临时困难救助", amount=Decimal("800"),
                               approved_date=dt.date(2022, 4, 2), paid_date=None, note="")
    assert AuditLog.select().count() == n


def test_relief_case_corrections_refused_with_a_reason(dibao_head):
    head, wife = dibao_head["head"], dibao_head["wife"]
    case = ledgers.add_relief_case(head.id, kind="临时救助", case_type="临时困难救助", amount="800",
                                   approved_date="2022-04-02")
    n = AuditLog.select().count()
    with pytest.raises(ValidationError, match="救助对象不能修改"):
        ledgers.update_relief_case(case.id, person=wife.id)
    with pytest.raises(ValidationError, match="不能修改的字段"):
        ledgers.update_relief_case(case.id, cancelled=True)
    with pytest.raises(ValidationError, match="救助类别应为"):
        ledgers.update_relief_case(case.id, kind="生活救助")
    with pytest.raises(ValidationError, match="救助金额"):
        ledgers.update_relief_case(case.id, amount="-5")
    with pytest.raises(ValidationError, match="救助类型不能为空"):
        ledgers.update_relief_case(case.id, case_type=" ")
    with pytest.raises(ValidationError, match="审批日期格式"):
        ledgers.update_relief_case(case.id, approved_date="2022-13-01")
    with pytest.raises(NotFoundError):
        ledgers.update_relief_case(9999, amount="1")
    # a refusal part-way leaves the case untouched: all or nothing
    with pytest.raises(ValidationError):
        ledgers.update_relief_case(case.id, amount="900", paid_date="昨天")
    assert ReliefCase.get_by_id(case.id).amount == Decimal("800.00")
    assert AuditLog.select().count() == n


def test_cancelled_case_leaves_the_ledger_and_cannot_change(dibao_head):
    case = ledgers.add_relief_case(dibao_head["head"].id, kind="临时救助", case_type="临时困难救助",
                                   amount="800", approved_date="2022-04-02")
    with pytest.raises(ValidationError, match="必须填写原因"):
        ledgers.cancel_relief_case(case.id, "  ")
    assert not ReliefCase.get_by_id(case.id).cancelled
    ledgers.cancel_relief_case(case.id, "重复登记")
    case = ReliefCase.get_by_id(case.id)  # kept, not deleted
    assert case.cancelled and case.amount == Decimal("800.00")
    entry = _entries("relief_case", case.id)[-1]
    assert (entry.action, entry.summary, entry.before["cancelled"], entry.after["cancelled"]) == (
        "作废救助", "重复登记", False, True)
    with pytest.raises(ConflictError, match="已作废，不能修改"):
        ledgers.update_relief_case(case.id, amount="900")
    with pytest.raises(ConflictError, match="已经作废"):
        ledgers.cancel_relief_case(case.id, "再次作废")

    from mzdesk.registry_lists import ReliefSource
    assert case.id not in [r["id"] for r in ReliefSource().rows({}, None, False, 0, 100)]


# --- cards and activities -------------------------------------------------------------

def test_card_corrected_holder_fixed(township):
    p, other = _person("孙老汉", born=dt.date(1940, 7, 1)), _person("陈建国")
    card = ledgers.issue_card(p.id, card_type="老年优待证", issued_date="2022-01-05", number="LY1")
    ledgers.update_card(card.id, card_type="免费乘车证", number=" CC7 ", issued_date="2022-01-06")
    card = CardIssuance.get_by_id(card.id)
    assert (card.person_id, card.card_type, card.number, card.issued_date) == (
        p.id, "免费乘车证", "CC7", dt.date(2022, 1, 6))
    entry = _entries("card_issuance", card.id)[-1]
    assert (entry.action, entry.before["number"], entry.after["number"]) == ("修改证件", "LY1", "CC7")
    with pytest.raises(ValidationError, match="持证人不能修改"):
        ledgers.update_card(card.id, person=other.id)
    with pytest.raises(ValidationError, match="证件类型应为"):
        ledgers.update_card(card.id, card_type="残疾证")
    with pytest.raises(ValidationError, match="办理日期"):
        ledgers.update_card(card.id, issued_date="")
    n = AuditLog.select().count()
    ledgers.update_card(card.id, number="CC7")
    assert AuditLog.select().count() == n


def test_activity_corrected(township):
    act = ledgers.add_activity("老年人文化活动", "2022-01-20", title="春节联欢会", participants=120)
    ledgers.update_activity(act.id, kind="村务公开检查", title="示范单位验收", held_date="2022-01-21",
                            participants="80", note="区局参加")
    act = Activity.get_by_id(act.id)
    assert (act.kind, act.title, act.held_date, act.participants, act.note) == (
        "村务公开检查", "示范单位验收", dt.date(2022, 1, 21), 80, "区局参加")
    entry = _entries("activity", act.id)[-1]
    assert (entry.action, entry.before["participants"], entry.after["participants"]) == ("修改活动", 120, 80)
    with pytest.raises(ValidationError, match="参加人数不能为负数"):
        ledgers.update_activity(act.id, participants=-1)
    with pytest.raises(ValidationError, match="参加人数应为整数"):
        ledgers.update_activity(act.id, participants="很多")
    with pytest.raises(ValidationError, match="活动类别不能为空"):
        ledgers.update_activity(act.id, kind="")
    with pytest.raises(ValidationError, match="不能修改的字段"):
        ledgers.update_activity(act.id, month="2022-01")


# --- house survey ------------------------------------------------------------------------

def test_house_survey_size_and_date_corrected_family_type_rederived(dibao_head):
    head = dibao_head["head"]
    record = ledgers.add_house_survey(head.id, persons=3, intention="原址重建", survey_date="2022-05-01")
    assert record.family_type == "农村低保"
    ledgers.correct_house_survey(record.id, persons=2, survey_date="2022-01-15")  # before the enrollment
    record = HouseSurvey.get_by_id(record.id)
    assert (record.persons, record.survey_date, record.family_type) == (2, dt.date(2022, 1, 15), "一般群众")
    entry = _entries("house_survey", record.id)[-1]
    assert (entry.before["family_type"], entry.after["family_type"]) == ("农村低保", "一般群众")

    other = _person("陈建国")  # on no programme: the clerk's choice survives a new date
    chosen = ledgers.add_house_survey(other.id, persons=1, intention="进城安居", survey_date="2022-03-06",
                                      family_type_hint="低保边缘户")
    assert chosen.family_type == "低保边缘户"
    ledgers.correct_house_survey(chosen.id, survey_date="2022-03-16")
    assert HouseSurvey.get_by_id(chosen.id).family_type == "低保边缘户"
    with pytest.raises(ValidationError, match="家庭人数至少为1"):
        ledgers.correct_house_survey(chosen.id, persons=0)


# --- households ----------------------------------------------------------------------------

def test_household_village_area_address_corrected(dibao_head):
    hh = dibao_head["household"]
    xinhua = Village.get(name="新华社区")
    households.update_household(hh.id, village="新华社区", area="城镇", address=" 新华路 8 号 ")
    h = Household.get_by_id(hh.id)
    assert (h.village_id, h.area, h.address) == (xinhua.id, "城镇", "新华路 8 号")
    entry = _entries("household", hh.id)[-1]
    assert entry.action == "修改家庭" and entry.after["village"] == xinhua.id
    assert (entry.before["area"], entry.after["area"]) == ("农村", "城镇")
    assert entry.after["members"] == entry.before["members"]

    n = AuditLog.select().count()
    households.update_household(hh.id, address="新华路 8 号")  # no change, no entry
    households.update_household(hh.id)
    assert AuditLog.select().count() == n
    with pytest.raises(ValidationError, match="户籍类别"):
        households.update_household(hh.id, area="郊区")
    with pytest.raises(ValidationError, match="不存在"):
        households.update_household(hh.id, village="不存在村")
    with pytest.raises(ValidationError, match="请选择村"):
        households.update_household(hh.id, village="")
    Household.update(active=False).where(Household.id == hh.id).execute()
    with pytest.raises(ConflictError, match="已注销"):
        households.update_household(hh.id, address="别处")


def test_change_relation(dibao_head):
    hh, head, wife = dibao_head["household"], dibao_head["head"], dibao_head["wife"]
    households.change_relation(hh.id, wife.id, "其他")
    assert {(m.person_id, m.relation) for m in households.active_members(hh)} == {
        (head.id, "户主"), (wife.id, "其他")}
    entry = _entries("household", hh.id)[-1]
    assert entry.action == "修改成员关系"
    assert [wife.id, "配偶"] in entry.before["members"] and [wife.id, "其他"] in entry.after["members"]

    stranger = _person("陈建国")
    with pytest.raises(ValidationError, match="与户主关系应为"):
        households.change_relation(hh.id, wife.id, "表亲")
    with pytest.raises(ValidationError, match="更换"):
        households.change_relation(hh.id, wife.id, "户主")
    with pytest.raises(ValidationError, match="更换"):
        households.change_relation(hh.id, head.id, "配偶")
    with pytest.raises(ValidationError, match="不是本户的成员"):
        households.change_relation(hh.id, stranger.id, "子女")
    households.remove_member(hh.id, wife.id)
    with pytest.raises(ValidationError, match="不是本户的成员"):  # a member taken out
        households.change_relation(hh.id, wife.id, "配偶")


# --- an enrollment's bank account --------------------------------------------------------------

def test_enrollment_bank_account(dibao_head):
    e = dibao_head["enrollment"]
    enrollments.change_bank_account(e.id, " 6228 4800 1234 5678 ", reason="本人提供新卡")
    assert Enrollment.get_by_id(e.id).bank_account == "6228480012345678"
    entry = _entries("enrollment", e.id)[-1]
    assert (entry.action, entry.summary) == ("修改银行账号", "本人提供新卡")
    assert (entry.before["bank_account"], entry.after["bank_account"]) == ("", "6228480012345678")
    assert "6228" not in entry.summary  # the account itself stays out of the summary text

    n = AuditLog.select().count()
    enrollments.change_bank_account(e.id, "6228480012345678")
    assert AuditLog.select().count() == n
    enrollments.change_bank_account(e.id, "")  # back to the person's own account
    assert Enrollment.get_by_id(e.id).bank_account == ""
    assert _entries("enrollment", e.id)[-1].summary == "改用人员档案中的账号"

    with pytest.raises(ValidationError, match="只能由数字组成"):
        enrollments.change_bank_account(e.id, "6228-4800-1234")
    with pytest.raises(ValidationError, match="长度不正确"):
        enrollments.change_bank_account(e.id, "12345")
    with pytest.raises(NotFoundError):
        enrollments.change_bank_account(9999, "6228480012345678")
    assert Enrollment.get_by_id(e.id).bank_account == ""


def test_regular_batch_pays_into_the_changed_account(dibao_head):
    from mzdesk.payments import batches
    e = dibao_head["enrollment"]
    enrollments.change_bank_account(e.id, "6228480012345678")
    batch = batches.create_regular("dibao_rural", "2022-06")
    assert [line.bank_account for line in batches.lines(batch.id)] == ["6228480012345678"]
