"""Payment batches: the roll of a month, the batch made from it, and the rules
that keep an approved batch as it was paid."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import peewee as pw
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from mzdesk.errors import ConflictError, ValidationError
from mzdesk.models import AuditLog, Batch, BatchLine, Enrollment, Person
from mzdesk.payments import batches, month_roll
from mzdesk.services import deaths, enrollments, households, persons
from mzdesk.services.common import next_month

from .people import new_id

D = Decimal
MONTHLY = ("dibao_urban", "dibao_rural", "tekun", "youfu", "gaoling", "canji")


def _family(n=3, account="6217000012345678901"):
    head = persons.register_person(new_id(dt.date(1960, 3, 1)), "张三丰", village="长丰村",
                                   bank_account=account)
    others = [persons.register_person(new_id(dt.date(1990, 1, 1) + dt.timedelta(days=i * 400)),
                                      f"张小{'一二三四'[i]}", village="长丰村") for i in range(n - 1)]
    hh = households.create_household(head.id, members=[(p.id, "子女") for p in others])
    return head, others, hh


def _elder(name="钱老汉", account="6217000011112222333", born=dt.date(1935, 1, 1)):
    return persons.register_person(new_id(born), name, village="新华社区", bank_account=account)


# --- the roll of a month -------------------------------------------------------------------

def test_the_roll_of_a_past_month_is_exactly_what_the_demo_paid(june):
    for programme in MONTHLY:
        for month in ("2024-07", "2025-03", "2025-12", "2026-05"):
            paid = (Batch.get((Batch.programme == programme) & (Batch.kind == "regular")
                              & (Batch.month == month)))
            expected = sorted((line.enrollment_id, line.amount, line.covered_persons)
                              for line in BatchLine.select().where(BatchLine.batch == paid))
            rolled = sorted((r.enrollment_id, r.amount, r.covered_persons)
                            for r in month_roll.roll(programme, month) if not r.reason)
            assert rolled == expected, (programme, month)


def test_roll_follows_stops_resumes_and_amount_changes(township):
    head, _, hh = _family()
    e = enrollments.enroll("dibao_rural", head.id, household_id=hh.id, start_month="2022-01")
    enrollments.stop(e.id, month="2022-03", reason="外出务工")
    enrollments.resume(e.id, month="2022-06", reason="返乡")
    enrollments.change_amount(e.id, month="2022-08", amount="1500", reason="重病")

    def state(month):
        found = [r for r in month_roll.roll("dibao_rural", month) if r.enrollment_id == e.id]
        return (found[0].amount, found[0].reason) if found else None

    assert state("2022-03") == (D("1950.00"), "")
    assert state("2022-04")[1] == "停保：外出务工（2022-03 后停发）"  # left out, with the reason
    assert state("2022-05") is None  # stopped before last month: history, not news
    assert state("2022-06") == (D("1950.00"), "")
    assert state("2022-08") == (D("1500.00"), "")
    assert state("2021-12") is None  # before the start


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(["stop", "resume", "change"]),
                                st.integers(min_value=0, max_value=3),
                                st.integers(min_value=50, max_value=400)), max_size=6))
def test_roll_agrees_with_state_in_for_any_history(township, steps):
    person = _elder(name="孙老太", account="6217000099990000111")
    e = enrollments.enroll("gaoling", person.id, start_month="2022-01", amount="50", reason="测试")
    month = "2022-01"
    for action, gap, amount in steps:  # each step a few months after the last
        for _ in range(gap):
            month = next_month(month)
        current = Enrollment.get_by_id(e.id)
        try:
            if action == "stop" and current.status == "在保":
                enrollments.stop(e.id, month=month, reason="测试停保")
            elif action == "resume" and current.status == "停保":
                enrollments.resume(e.id, month=next_month(month), amount=amount, reason="测试恢复")
            elif action == "change" and current.status == "在保":
                enrollments.change_amount(e.id, month=month, amount=amount, reason="测试调整")
        except ValidationError:
            pass  # e.g. a change dated before the last resume: the service refuses, fine
    m = "2021-12"
    for _ in range(24):
        active, amount = enrollments.state_in(e.id, m)
        paid = [r for r in month_roll.roll("gaoling", m)
                if r.enrollment_id == e.id and not r.reason]
        assert (bool(paid), paid[0].amount if paid else None) == (active, amount), m
        m = next_month(m)
    person.death_date = dt.date(2000, 1, 1)  # keep later examples' rolls apart
    person.save()


# --- regular batches -----------------------------------------------------------------------

def test_june_batch_of_the_demo_holds_its_roll_and_lists_who_is_left_out(june):
    preview = batches.preview_regular("dibao_rural", "2026-06")
    batch = batches.create_regular("dibao_rural", "2026-06")
    info = batches.info(batch.id)
    assert (info.name, info.state, info.kind) == ("2026年6月农村低保金", "草稿", "regular")
    assert info.lines == len(preview.lines) > 20
    assert info.total == preview.total == sum(line.amount for line in batches.lines(batch.id))
    assert info.persons == preview.persons
    assert {line.enrollment_id for line in batches.lines(batch.id)} == \
        {r.enrollment_id for r in preview.lines}
    assert all(r.reason for r in preview.left_out)
    entry = AuditLog.get((AuditLog.entity == "batch") & (AuditLog.entity_id == str(batch.id)))
    assert entry.action == "生成发放批次" and "合计" in entry.summary


def test_the_sums_kept_on_each_batch_match_its_lines(june):
    batch = batches.create_regular("gaoling", "2026-06")
    batches.approve(batch.id)
    first, second = batches.lines(batch.id)[:2]
    batches.mark_failed(batch.id, {first.id: "账号已销户", second.id: "户名不符"})
    for i in batches.list_batches():  # every demo batch, the new one and its failures
        rows = BatchLine.select().where(BatchLine.batch == i.id)
        assert i.lines == rows.count()
        assert i.persons == sum(line.covered_persons for line in rows)
        assert i.total == sum((line.amount for line in rows if line.status != "失败"), D("0.00"))
        assert i.failed == sum(1 for line in rows if line.status == "失败")
    assert batches.info(batch.id).failed == 2


def test_a_batch_excludes_who_died_the_month_before_and_who_has_no_account(township):
    head, _, hh = _family()
    dibao = enrollments.enroll("dibao_rural", head.id, household_id=hh.id, start_month="2022-01")
    elder = _elder()
    gaoling = enrollments.enroll("gaoling", elder.id, start_month="2022-01")
    poor = _elder(name="李无卡", account="", born=dt.date(1936, 2, 2))
    no_account = enrollments.enroll("gaoling", poor.id, start_month="2022-01")
    deaths.register_death(elder.id, dt.date(2022, 5, 20))  # stops after May
    # A death known but the roll never stopped (the check 死亡仍在册 finds these):
    Person.update(death_date=dt.date(2022, 5, 3)).where(Person.id == head.id).execute()

    june = batches.preview_regular("gaoling", "2022-06")
    assert june.lines == []
    reasons = {r.enrollment_id: r.reason for r in june.left_out}
    assert reasons == {gaoling.id: "停保：死亡（2022-05 后停发）", no_account.id: "无银行账号"}
    assert batches.preview_regular("gaoling", "2022-05").lines[0].enrollment_id == gaoling.id
    dibao_june = batches.preview_regular("dibao_rural", "2022-06")
    assert [(r.enrollment_id, r.reason) for r in dibao_june.left_out] == \
        [(dibao.id, "已死亡（2022-05-03），停发")]
    with pytest.raises(ValidationError, match="没有可发放的对象"):
        batches.create_regular("gaoling", "2022-06")
    assert not Batch.select().exists()  # the refused batch left nothing behind


def test_approve_freezes_the_batch_and_the_database_refuses_changes(township):
    elder = _elder()
    e = enrollments.enroll("gaoling", elder.id, start_month="2022-01")
    batch = batches.create_regular("gaoling", "2022-06")
    batches.approve(batch.id, reviewer="王审核")
    info = batches.info(batch.id)
    assert (info.state, info.approved_by) == ("已审核", "王审核")
    with pytest.raises(ConflictError, match="不能重复审核"):
        batches.approve(batch.id)
    with pytest.raises(ConflictError, match="不能作废"):
        batches.cancel(batch.id, "错了")
    # Even bypassing the services, the database keeps the approved batch as it was.
    with pytest.raises(pw.IntegrityError, match="不能修改"):
        BatchLine.update(amount=D("1.00")).where(BatchLine.batch == batch.id).execute()
    with pytest.raises(pw.IntegrityError, match="不能再增加"):
        BatchLine.create(batch=batch, person=elder, enrollment=None, amount=D("1.00"))
    with pytest.raises(pw.IntegrityError, match="不能删除"):
        BatchLine.delete().where(BatchLine.batch == batch.id).execute()
    with pytest.raises(pw.IntegrityError, match="不能修改"):
        Batch.update(month="2022-07").where(Batch.id == batch.id).execute()
    assert [line.amount for line in batches.lines(batch.id)] == [D("50.00")]
    assert batches.lines(batch.id)[0].enrollment_id == e.id


def test_a_second_regular_batch_is_refused_by_service_and_database(township):
    elder = _elder()
    e = enrollments.enroll("gaoling", elder.id, start_month="2022-01")
    first = batches.create_regular("gaoling", "2022-06")
    with pytest.raises(ConflictError, match="已有发放批次"):
        batches.create_regular("gaoling", "2022-06")
    with pytest.raises(pw.IntegrityError):
        Batch.create(programme="gaoling", kind="regular", month="2022-06", name="绕过服务")
    with pytest.raises(pw.IntegrityError):  # one line per enrollment in a batch
        BatchLine.create(batch=first, enrollment=e, person=elder, amount=D("50.00"))
    batches.cancel(first.id, "名单有误，重新生成")
    again = batches.create_regular("gaoling", "2022-06")  # a cancelled draft frees the month
    assert batches.info(again.id).lines == 1
    assert Batch.get_by_id(first.id).state == "已作废"  # kept, not deleted
    assert batches.next_regular_month("gaoling") == "2022-07"


def test_states_move_forward_only(township):
    enrollments.enroll("gaoling", _elder().id, start_month="2022-01")
    batch = batches.create_regular("gaoling", "2022-06")
    with pytest.raises(ConflictError, match="尚未审核"):
        batches.mark_paid(batch.id)
    with pytest.raises(ConflictError, match="尚未导出"):
        batches.mark_failed(batch.id, {})
    batches.approve(batch.id)
    assert batches.mark_exported(batch.id).state == "已导出"
    assert batches.mark_exported(batch.id).state == "已导出"  # exporting again is fine
    paid = batches.mark_paid(batch.id, dt.date(2022, 6, 15))
    assert (paid.state, str(paid.paid_date)) == ("已发放", "2022-06-15")
    actions = [a.action for a in AuditLog.select().where(AuditLog.entity == "batch")
               .order_by(AuditLog.id)]
    assert actions == ["生成发放批次", "审核批次", "导出银行文件", "确认发放"]


# --- one-off subsidies and corrections --------------------------------------------------------

def test_oneoff_batch_per_household_per_person_and_by_tag(township):
    head, others, hh = _family(n=3)
    enrollments.enroll("dibao_rural", head.id, household_id=hh.id, start_month="2022-01")
    persons.update_person(others[0].id, tags=["重症精神病"])
    elder = _elder()
    enrollments.enroll("tekun", elder.id, start_month="2022-01", category="散居")

    spring = batches.oneoff_spec("元旦春节生活补贴", "2022-01", ["dibao_rural", "tekun"], "household", "300")
    preview = batches.preview_oneoff(spring)
    assert sorted(r.amount for r in preview.lines) == [D("300.00"), D("300.00")]
    price = batches.preview_oneoff(batches.oneoff_spec("临时价格补贴", "2022-03", ["dibao_rural"], "person", "40"))
    assert [(r.covered_persons, r.amount) for r in price.lines] == [(3, D("120.00"))]
    tagged = batches.oneoff_spec("低保门诊救助金", "2022-04", ["dibao_rural", "tekun"], "person", "200",
                                 tag="重症精神病")
    batch = batches.create_oneoff(tagged)
    info = batches.info(batch.id)
    assert (info.kind, info.lines, info.total, info.name) == ("oneoff", 1, D("200.00"), "2022年4月低保门诊救助金")
    assert batches.lines(batch.id)[0].covered_persons == 1
    village = batches.oneoff_spec("学生补助", "2022-09", ["dibao_rural", "tekun"], "person", "500",
                                  village_id=head.village_id)
    assert [r.person_id for r in batches.preview_oneoff(village).lines] == [head.id]
    with pytest.raises(ValidationError, match="至少选择一个"):
        batches.oneoff_spec("学生补助", "2022-09", [], "person", "500")


def test_failed_lines_become_a_supplement_and_a_deduction_recovers(township):
    elder = _elder()
    e = enrollments.enroll("gaoling", elder.id, start_month="2022-01")
    other = enrollments.enroll("gaoling", _elder(name="周老汉", account="6217000033334444555",
                                                born=dt.date(1930, 5, 5)).id, start_month="2022-01")
    batch = batches.create_regular("gaoling", "2022-06")
    batches.approve(batch.id)
    batches.mark_exported(batch.id)
    failed = next(line for line in batches.lines(batch.id) if line.enrollment_id == e.id)
    assert batches.mark_failed(batch.id, {failed.id: "户名不符"}) == 1
    info = batches.info(batch.id)
    assert (info.failed, info.total) == (1, D("100.00"))  # 50 (aged 87) failed, 100 (aged 92) paid
    supplement = batches.supplement_failed(batch.id, "2022-07")
    lines = batches.lines(supplement.id)
    assert [(line.enrollment_id, line.amount) for line in lines] == [(e.id, failed.amount)]
    assert batches.info(supplement.id).kind == "supplement" and "补发" in supplement.name
    deduction = batches.create_adjustment("deduction", "gaoling", "2022-07",
                                          [batches.Adjustment(other.id, D("50.00"), "重复发放")], "重复发放扣回")
    assert batches.info(deduction.id).total == D("50.00") and deduction.note == "重复发放扣回"
