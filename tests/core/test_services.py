"""Services: registry, households, enrollments, standards, deaths, audit."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests import paid as rows
from mzdesk import audit
from mzdesk.errors import ConflictError, NotFoundError, ValidationError
from mzdesk.models import (AuditLog, Batch, BatchLine, Enrollment, EnrollmentEvent, Person,
                           PersonTag, Standard, Village)
from mzdesk.services import (amounts, deaths, enrollments, households, ledgers, persons, settings,
                             standards, villages)
from mzdesk.services.enrollments import state_in

from .people import new_id


def _family(n_members=3, village="长丰村", area="农村"):
    head = persons.register_person(new_id(dt.date(1960, 3, 1)), "张三丰", village=village,
                                   bank_account="6217000012345678901")
    others = [persons.register_person(new_id(dt.date(1990, 1, 1) + dt.timedelta(days=i * 400)),
                                      f"张小{'一二三四五'[i]}", village=village)
              for i in range(n_members - 1)]
    hh = households.create_household(head.id, members=[(p.id, "子女") for p in others], area=area)
    return head, others, hh


def test_register_person_derives_birth_sex_pinyin(township):
    number = new_id(dt.date(1952, 2, 29), sex="女")
    p = persons.register_person(number, " 吕 小红 ", village="长丰村", tags=["残疾", "残疾", "重症精神病"])
    p = Person.get_by_id(p.id)
    assert (p.name, p.sex, p.birth_date) == ("吕小红", "女", dt.date(1952, 2, 29))
    assert (p.pinyin, p.initials) == ("lvxiaohong", "lxh")
    assert p.village.name == "长丰村"
    assert sorted(t.tag for t in PersonTag.select()) == ["残疾", "重症精神病"]
    entry = AuditLog.select().where(AuditLog.entity == "person").get()
    assert entry.action == "登记人员" and entry.after["id_number"] == number and entry.before is None


def test_bad_id_refused_with_reason_and_nothing_written(township):
    good = new_id()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError, match="校验"):
        persons.register_person(bad, "王五")
    with pytest.raises(ValidationError, match="长度"):
        persons.register_person("51011219700517", "王五")
    assert Person.select().count() == 0
    assert not AuditLog.select().where(AuditLog.entity == "person").exists()


def test_fifteen_digit_id_is_converted_and_same_number_is_one_person(township):
    p = persons.register_person("510112700517123", "赵六")
    assert len(p.id_number) == 18 and p.id_number.startswith("51011219700517123")
    with pytest.raises(ConflictError, match="已登记"):
        persons.register_person(p.id_number, "赵六六")
    with pytest.raises(ConflictError):
        persons.register_person("510112700517123", "赵六")


def test_update_person_audits_before_and_after(township):
    p = persons.register_person(new_id(), "李四", village="长丰村")
    new_number = new_id(dt.date(1980, 8, 8), sex="女")
    persons.update_person(p.id, name="李思", id_number=new_number, village="新华社区", tags=["在校学生"])
    p = Person.get_by_id(p.id)
    assert (p.name, p.initials, p.sex, p.birth_date.year, p.village.name) == ("李思", "ls", "女", 1980, "新华社区")
    entry = audit.history("person", p.id)[-1]
    assert entry.before["name"] == "李四" and entry.after["name"] == "李思"
    assert entry.after["tags"] == ["在校学生"]
    with pytest.raises(ValidationError, match="不能修改"):
        persons.update_person(p.id, birth_date="2000-01-01")


def test_household_members_and_one_household_per_person(township):
    head, others, hh = _family()
    assert [m.relation for m in households.active_members(hh)] == ["户主", "子女", "子女"]
    with pytest.raises(ConflictError, match="另一户"):
        households.create_household(others[0].id)
    households.remove_member(hh.id, others[0].id)
    assert len(households.active_members(hh)) == 2
    households.create_household(others[0].id)  # now free to head a new household
    with pytest.raises(ValidationError, match="户主"):
        households.remove_member(hh.id, head.id)


def test_dibao_suggestion_and_reason_required(township):
    head, others, hh = _family()
    e = enrollments.enroll("dibao_rural", head.id, household_id=hh.id, start_month="2022-03",
                           per_capita_income="250", details={"classes": {"重残": 1}})
    # (650 − 250) × 3 + 100
    assert e.amount == Decimal("1300.00") and e.covered_persons == 3 and e.amount_reason == ""
    with pytest.raises(ValidationError, match="原因"):
        enrollments.change_amount(e.id, month="2022-05", amount="1400")
    enrollments.change_amount(e.id, month="2022-05", amount="1400", reason="重病加发")
    e = Enrollment.get_by_id(e.id)
    assert e.amount == Decimal("1400.00") and e.amount_reason == "重病加发"
    assert [ev.kind for ev in enrollments.events(e.id)] == ["开始", "调整"]
    assert state_in(e.id, "2022-04") == (True, Decimal("1300.00"))
    assert state_in(e.id, "2022-05") == (True, Decimal("1400.00"))
    assert state_in(e.id, "2022-02") == (False, None)


def test_bad_money_is_a_validation_error(township):
    head, _, hh = _family(1)
    with pytest.raises(ValidationError, match="家庭人均收入"):
        enrollments.enroll("dibao_rural", head.id, household_id=hh.id, start_month="2022-01",
                           per_capita_income="两百")
    with pytest.raises(ValidationError, match="负数"):
        standards.add_standard("canji", "-5", "2023-01", category="生活补贴")
    assert not Enrollment.select().exists()


def test_stop_and_resume_history(township):
    head, _, hh = _family(1)
    e = enrollments.enroll("dibao_rural", head.id, household_id=hh.id, start_month="2022-01",
                           per_capita_income="0")
    with pytest.raises(ValidationError, match="原因"):
        enrollments.stop(e.id, month="2022-04", reason="")
    enrollments.stop(e.id, month="2022-04", reason="收入超标")
    with pytest.raises(ConflictError):
        enrollments.stop(e.id, month="2022-05", reason="again")
    with pytest.raises(ValidationError, match="晚于"):
        enrollments.resume(e.id, month="2022-04", reason="复核")
    enrollments.resume(e.id, month="2022-08", reason="收入下降")
    assert [state_in(e.id, m)[0] for m in ("2022-04", "2022-05", "2022-07", "2022-08")] == [True, False, False, True]
    actions = [a.action for a in audit.history("enrollment", e.id)]
    assert actions == ["纳入保障", "停保", "恢复保障"]


def test_dibao_and_tekun_conflict_both_ways(township):
    head, others, hh = _family()
    enrollments.enroll("dibao_rural", head.id, household_id=hh.id, start_month="2022-01",
                       per_capita_income="100")
    with pytest.raises(ConflictError, match="低保"):
        enrollments.enroll("tekun", others[0].id, start_month="2022-02", category="散居")
    loner = persons.register_person(new_id(dt.date(1940, 1, 1)), "孙七", village="长丰村")
    enrollments.enroll("tekun", loner.id, start_month="2022-01", category="散居",
                       details={"care_level": "半失能"})
    assert Enrollment.get(Enrollment.person == loner).amount == Decimal("1400.00")
    hh2 = households.create_household(loner.id)
    with pytest.raises(ConflictError, match="特困"):
        enrollments.enroll("dibao_rural", loner.id, household_id=hh2.id, start_month="2022-03")
    with pytest.raises(ConflictError, match="重复"):
        enrollments.enroll("tekun", loner.id, start_month="2022-03", category="散居")


def test_gaoling_band_from_id_and_under_80_refused(township):
    old = persons.register_person(new_id(dt.date(1930, 6, 1)), "周八")
    e = enrollments.enroll("gaoling", old.id, start_month="2022-07")
    assert (e.category, e.amount) == ("90-99", Decimal("100.00"))
    young = persons.register_person(new_id(dt.date(1950, 6, 1)), "吴九")
    with pytest.raises(ValidationError, match="80"):
        enrollments.enroll("gaoling", young.id, start_month="2022-07")


def test_no_standard_needs_amount_and_reason(township):
    p = persons.register_person(new_id(), "郑十")
    with pytest.raises(ValidationError, match="标准"):
        enrollments.enroll("youfu", p.id, start_month="2022-01", category="带病回乡")
    e = enrollments.enroll("youfu", p.id, start_month="2022-01", category="带病回乡",
                           amount="880", reason="区局批复")
    assert e.amount == Decimal("880.00") and e.amount_reason == "区局批复"


def test_standards_close_previous_and_keep_history(township):
    new = standards.add_standard("dibao_rural", "700", "2023-01")
    old = Standard.get((Standard.programme == "dibao_rural") & (Standard.category == "")
                       & (Standard.effective_from == "2022-01"))
    assert old.effective_to == "2022-12" and new.effective_to is None
    with pytest.raises(ConflictError):
        standards.add_standard("dibao_rural", "720", "2022-06")
    head, _, hh = _family(2)
    e22 = enrollments.enroll("dibao_rural", head.id, household_id=hh.id, start_month="2022-12",
                             per_capita_income="0")
    assert e22.amount == Decimal("1300.00")
    enrollments.change_amount(e22.id, month="2023-01")
    assert Enrollment.get_by_id(e22.id).amount == Decimal("1400.00")


def test_the_import_s_standards_read_once_are_those_standard_for_finds(township):
    standards.add_standard("dibao_rural", "700", "2023-01")
    standards.add_standard("dibao_rural", "760", "2024-07")
    standards.add_standard("gaoling", "80", "2024-01", category="90-99")
    find = amounts.standard_finder()
    months = [f"{y}-{m:02d}" for y in (2021, 2022, 2023, 2024, 2025) for m in (1, 6, 7, 12)]
    asked = [(p, c) for p, c in Standard.select(Standard.programme, Standard.category).distinct().tuples()]
    asked += [("dibao_rural", "没有的类别"), ("youfu", "复员军人"), ("bianyuan", "")]
    for programme, category in asked:
        for month in months:
            want = amounts.standard_for(programme, category, month)
            got = find(programme, category, month)
            assert (got and got.id) == (want and want.id), (programme, category, month)
    assert find("dibao_rural", "", "2023-06").amount == Decimal("700.00")
    assert find("dibao_rural", "", "2024-07").amount == Decimal("760.00")
    assert find("dibao_rural", "", "2021-12") is None


def test_death_stops_enrollments_and_lists_later_payments(township):
    p = persons.register_person(new_id(dt.date(1935, 1, 1)), "钱老汉", village="长丰村")
    e = enrollments.enroll("gaoling", p.id, start_month="2022-01")
    for m in ("2022-05", "2022-06", "2022-07"):
        b = rows.batch("gaoling", m)
        rows.line(b, enrollment=e, person=p, amount=e.amount)
    preview = deaths.preview_death(p.id, dt.date(2022, 6, 15))
    assert [x.id for x in preview.to_stop] == [e.id]
    assert [line.batch.month for line in preview.payments_after] == ["2022-07"]
    assert Enrollment.get_by_id(e.id).status == "在保"  # preview writes nothing
    effects = deaths.register_death(p.id, "2022-06-15", funeral_home="区殡仪馆")
    e = Enrollment.get_by_id(e.id)
    assert (e.status, e.stop_month, e.stop_reason) == ("停保", "2022-06", "死亡")
    assert effects.overpaid == Decimal("50.00")
    assert Person.get_by_id(p.id).death_date == dt.date(2022, 6, 15)
    with pytest.raises(ConflictError):
        deaths.register_death(p.id, "2022-06-15")
    with pytest.raises(ConflictError, match="死亡"):
        enrollments.resume(e.id, month="2022-09", reason="误报")
    with pytest.raises(ConflictError, match="死亡"):
        enrollments.enroll("canji", p.id, start_month="2022-07", category="生活补贴")


def test_villages_rename_merge(township):
    a = villages.add_village("红星村", code="510112001001")
    with pytest.raises(ConflictError):
        villages.add_village("红星村")
    with pytest.raises(ValidationError, match="12位"):
        villages.add_village("白云村", code="123")
    p = persons.register_person(new_id(), "陈一", village="红星村")
    villages.update_village(a.id, name="红星新村")
    target = villages.village_by_name("长丰村")
    villages.merge_villages(a.id, target.id)
    assert Person.get_by_id(p.id).village_id == target.id
    merged = Village.get_by_id(a.id)
    assert not merged.active and merged.merged_into_id == target.id
    assert "红星新村" not in [v.name for v in villages.list_villages()]


def test_settings_and_init_refused_twice(township):
    assert settings.township_name() == "茶店镇"
    with pytest.raises(ConflictError):
        settings.init_township("别的镇")
    settings.set_setting("reviewer", "王主任")
    assert settings.get_setting("reviewer") == "王主任"


def test_ledgers_derive_target_group_and_family_type(township):
    head, _, hh = _family(2)
    enrollments.enroll("dibao_rural", head.id, household_id=hh.id, start_month="2022-01",
                       per_capita_income="100")
    case = ledgers.add_relief_case(head.id, kind="医疗救助", case_type="门诊医疗救助",
                                   amount="1,200元", approved_date="2022-04-02")
    assert (case.target_group, case.amount) == ("低保户", Decimal("1200.00"))
    other = persons.register_person(new_id(), "冯二", village="长丰村")
    assert ledgers.add_relief_case(other.id, kind="临时救助", case_type="临时困难救助", amount=500,
                                   approved_date="2022-04-02").target_group == "困难户"
    survey = ledgers.add_house_survey(head.id, persons=2, intention="原址重建", survey_date="2022-03-01",
                                      family_type_hint="一般群众", pilot=True)
    assert survey.family_type == "农村低保" and survey.village.name == "长丰村"
    ledgers.update_house_survey(survey.id, progress="已拆除", compensation="30000", transition_fee="2400")
    with pytest.raises(ValidationError):
        ledgers.add_house_survey(head.id, persons=2, intention="随便", survey_date="2022-03-01")
    assert ledgers.set_indicator("政务公开面", "2022-06", "100%").value == "100"
    sub = ledgers.define_one_off("临时价格补贴", programmes="dibao_rural,tekun", month="2022-03", amount="50")
    assert sub.programmes == "dibao_rural,tekun"


def test_every_write_is_one_transaction(township, monkeypatch):
    """A failure after the row is written leaves neither the row nor its audit entry."""
    before = (Person.select().count(), AuditLog.select().count())

    def boom(*args, **kwargs):
        raise RuntimeError("disk failure")

    monkeypatch.setattr(audit, "record", boom)
    with pytest.raises(RuntimeError):
        persons.register_person(new_id(), "杨三")
    assert (Person.select().count(), AuditLog.select().count()) == before


def test_not_found(township):
    with pytest.raises(NotFoundError):
        enrollments.stop(999, month="2022-01", reason="x")
    assert EnrollmentEvent.select().count() == 0
