"""Tests for mzdesk.checks: each check finds exactly the planted records."""
from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal

import pytest

from tests import paid as rows
from mzdesk import checks, idcard
from mzdesk.models import (Batch, BatchLine, Death, Enrollment, Person, Standard, Village,
                           database)

ON = dt.date(2024, 6, 15)
_seq = itertools.count(1)


# --- builders: rows inserted through the models, no services ------------------

def village(name="东风村"):
    return Village.get_or_none(Village.name == name) or Village.create(name=name)


def person(name="张三", birth=dt.date(1960, 3, 1), *, vil="东风村", account="", died=None,
           id_number=None):
    idn = id_number or idcard.make("510112", birth, next(_seq) % 1000)
    return Person.create(id_number=idn, name=name, pinyin="x", initials="x", sex="男",
                         birth_date=birth, village=village(vil) if vil else None,
                         bank_account=account, death_date=died)


def enroll(p, programme="gaoling", amount="100.00", *, category="80-89", status="在保",
           stop=None, account="", reason="", start="2022-01", **kw):
    return Enrollment.create(programme=programme, person=p, category=category,
                             amount=Decimal(amount), status=status, stop_month=stop,
                             bank_account=account, amount_reason=reason, start_month=start, **kw)


def batch(month, state="已发放", programme="gaoling", kind="regular"):
    return rows.batch(programme, month, state=state, kind=kind)


def line(b, p, amount="100.00", enrollment=None, status="正常"):
    return rows.line(b, person=p, enrollment=enrollment, amount=Decimal(amount), status=status)


def standard(category, amount, start="2020-01", end=None, programme="gaoling"):
    return Standard.create(programme=programme, category=category, amount=Decimal(amount),
                           effective_from=start, effective_to=end)


def records(findings, table=None):
    return sorted(r for f in findings for r in f.records if table is None or r[0] == table)


def register_death(p, when):
    p.death_date = when
    p.save()
    return Death.create(person=p, death_date=when)


@pytest.fixture
def clean(db):
    """A small township where every rule holds."""
    standard("80-89", "100.00")
    standard("90-99", "200.00")
    old = person("王老汉", dt.date(1940, 1, 2), account="6217000011112222")
    enroll(old, amount="100.00")
    older = person("李奶奶", dt.date(1930, 5, 5), account="6217000033334444")
    enroll(older, amount="200.00", category="90-99")
    young = person("赵青年", dt.date(1990, 8, 8), account="6217000055556666")
    dead = person("钱已故", dt.date(1938, 2, 2), account="6217000077778888")
    e = enroll(dead, amount="100.00", status="停保", stop="2024-03")
    register_death(dead, dt.date(2024, 3, 20))
    march = batch("2024-03")
    line(march, dead, enrollment=e)
    line(march, old)
    return {"old": old, "older": older, "young": young, "dead": dead}


def test_registry_lists_every_check_with_its_title():
    assert list(checks.CHECKS) == ["deceased_on_roll", "paid_after_death", "shared_bank_account",
                                   "eighty_not_on_gaoling", "amount_off_standard",
                                   "bad_id_check_digit", "covered_beyond_members"]
    assert checks.CHECKS["eighty_not_on_gaoling"][0] == "年满80周岁未享受高龄津贴"
    assert all(callable(fn) for _title, fn in checks.CHECKS.values())


def test_clean_data_has_no_findings(clean):
    assert checks.run_all(ON) == []
    assert checks.integrity(database) == []


def test_empty_database_has_no_findings(db):
    assert checks.run_all() == []


# --- deceased_on_roll ------------------------------------------------------------

def test_deceased_still_enrolled(clean):
    a = person("孙甲", dt.date(1950, 1, 1))
    ea = enroll(a, "youfu", category="复员军人")
    register_death(a, dt.date(2024, 5, 3))
    # Death only in the Death table (person.death_date not mirrored): still found.
    b = person("周乙", dt.date(1950, 1, 1))
    eb = enroll(b, "canji", category="生活补贴")
    Death.create(person=b, death_date=dt.date(2024, 4, 1))
    # Stopped, but after the death month.
    c = person("吴丙", dt.date(1950, 1, 1))
    ec = enroll(c, status="停保", stop="2024-06")
    register_death(c, dt.date(2024, 5, 31))
    # Stopped in the death month: fine.
    d = person("郑丁", dt.date(1950, 1, 1))
    enroll(d, status="停保", stop="2024-05")
    register_death(d, dt.date(2024, 5, 31))

    found = checks.deceased_on_roll(ON)
    assert [f.code for f in found] == ["deceased_on_roll"] * 3
    assert records(found) == sorted([("person", a.id), ("enrollment", ea.id), ("person", b.id),
                                     ("enrollment", eb.id), ("person", c.id), ("enrollment", ec.id)])
    msg = next(f.message for f in found if ("person", c.id) in f.records)
    assert "吴丙" in msg and "2024-05-31" in msg and "停保月份2024-06" in msg
    assert c.id_number not in msg and idcard.mask(c.id_number) in msg


def test_one_finding_per_person_with_all_enrollments(clean):
    a = person("孙甲", dt.date(1940, 1, 1))
    e1 = enroll(a)
    e2 = enroll(a, "youfu", category="复员军人")
    register_death(a, dt.date(2024, 1, 1))
    [f] = checks.deceased_on_roll()
    assert f.records == [("person", a.id), ("enrollment", e1.id), ("enrollment", e2.id)]
    assert "高龄津贴（在保）" in f.message and "重点优抚对象（在保）" in f.message


# --- paid_after_death ------------------------------------------------------------

def test_june_death_june_payment_ok_july_flagged(clean):
    p = person("冯戊", dt.date(1940, 1, 1))
    e = enroll(p, status="停保", stop="2024-06")
    register_death(p, dt.date(2024, 6, 10))
    line(batch("2024-05"), p, enrollment=e)
    line(batch("2024-06"), p, enrollment=e)
    july = line(batch("2024-07", state="已导出"), p, "100.00", enrollment=e)
    august = line(batch("2024-08", state="已审核"), p, "120.50", enrollment=e)
    line(batch("2024-09", state="草稿"), p, enrollment=e)  # a draft pays nothing
    line(batch("2024-10"), p, enrollment=e, status="失败")  # a failed transfer paid nothing
    [f] = checks.paid_after_death(ON)
    assert f.records == [("person", p.id), ("batch_line", july.id), ("batch_line", august.id)]
    assert "2笔" in f.message and "220.50元" in f.message and "2024-06以后" in f.message
    assert p.id_number not in f.message


def test_recovered_overpayment(clean):
    a = person("陈全额追回", dt.date(1940, 1, 1))
    register_death(a, dt.date(2024, 1, 5))
    line(batch("2024-02"), a, "100.00")
    line(batch("2024-03", kind="deduction", programme=None), a, "-100.00")  # fully recovered
    b = person("褚部分追回", dt.date(1940, 1, 1))
    register_death(b, dt.date(2024, 1, 5))
    b1 = line(Batch.get(Batch.month == "2024-02"), b, "100.00")
    b2 = line(batch("2024-04", kind="supplement", programme=None), b, "50.00")
    b3 = line(Batch.get(Batch.kind == "deduction"), b, "30.00")  # entered positive
    [f] = checks.paid_after_death(ON)
    assert f.records == [("person", b.id), ("batch_line", b1.id), ("batch_line", b2.id),
                         ("batch_line", b3.id)]
    assert "150.00元" in f.message and "已扣回30.00元" in f.message and "120.00元未追回" in f.message


# --- shared_bank_account ---------------------------------------------------------

def test_shared_account(clean):
    acct = "6228480012345678901"
    a = person("蒋甲", account=acct)
    ea = enroll(a, "canji", category="生活补贴")
    b = person("沈乙", vil="西山村", account="")
    eb = enroll(b, "youfu", category="复员军人", account=acct)  # enrollment-level account
    # Same person twice on one account is not sharing.
    c = person("韩丙", account="6228480099990000111")
    enroll(c, "canji", category="生活补贴")
    enroll(c, "youfu", category="复员军人")
    # Shared with a stopped enrollment: not flagged.
    d = person("杨丁", account="6228480055550000222")
    enroll(d, "canji", category="生活补贴")
    e = person("朱戊", account="6228480055550000222")
    enroll(e, "canji", category="生活补贴", status="停保", stop="2024-01")
    # The person's own account is overridden by the enrollment's: not the shared one.
    f = person("秦己", account=acct)
    enroll(f, "canji", category="生活补贴", account="6228480077770000333")
    # A registry-only programme pays nothing.
    g = person("尤庚", account="6228480012345678901")
    enroll(g, "bianyuan", category="")

    [found] = checks.shared_bank_account(ON)
    assert found.records == [("person", a.id), ("person", b.id), ("enrollment", ea.id),
                             ("enrollment", eb.id)]
    assert "2人共用" in found.message and "蒋甲（东风村）" in found.message
    assert "沈乙（西山村）" in found.message
    assert acct not in found.message and acct[-4:] in found.message


def test_spaces_in_account_do_not_hide_sharing(clean):
    a = person("许甲", account="6228 4800 1111 2222")
    b = person("何乙", account="6228480011112222")
    enroll(a, "canji", category="生活补贴")
    enroll(b, "canji", category="生活补贴")
    assert records(checks.shared_bank_account(), "person") == [("person", a.id), ("person", b.id)]


# --- eighty_not_on_gaoling -------------------------------------------------------

def test_turning_eighty_today_vs_tomorrow(clean):
    today = person("吕今天", dt.date(1944, 6, 15))
    person("施明天", dt.date(1944, 6, 16))
    on_it = person("张在保", dt.date(1930, 1, 1))
    enroll(on_it, category="90-99", amount="200.00")
    stopped = person("孔停保", dt.date(1935, 1, 1))
    enroll(stopped, status="停保", stop="2023-12")
    died = person("曹已故", dt.date(1930, 1, 1))
    register_death(died, dt.date(2024, 1, 1))
    only_death_row = person("严已故", dt.date(1930, 1, 1))
    Death.create(person=only_death_row, death_date=dt.date(2024, 1, 1))
    found = checks.eighty_not_on_gaoling(ON)
    assert records(found) == sorted([("person", today.id), ("person", stopped.id)])
    msg = next(f.message for f in found if f.records == [("person", today.id)])
    assert "已满80周岁" in msg and "吕今天" in msg and today.id_number not in msg
    assert records(checks.eighty_not_on_gaoling(ON + dt.timedelta(days=1)), "person") == sorted(
        [("person", today.id), ("person", stopped.id),
         ("person", Person.get(Person.name == "施明天").id)])


def test_dead_later_than_reference_date_counts_as_living(clean):
    p = person("华后故", dt.date(1940, 1, 1))
    register_death(p, dt.date(2024, 6, 1))
    assert records(checks.eighty_not_on_gaoling(dt.date(2024, 5, 1))) == [("person", p.id)]
    assert checks.eighty_not_on_gaoling(dt.date(2024, 6, 1)) == []


def test_eighty_agrees_with_idcard_age_around_leap_days(db):
    births = [dt.date(y, m, d) for y in (1943, 1944, 1945, 1947, 1948)
              for m, d in ((2, 27), (2, 28), (2, 29), (3, 1)) if not (m == 2 and d == 29 and y % 4)]
    people = [person(f"人{i}", b) for i, b in enumerate(births)]
    days = [dt.date(y, m, d) for y in (2023, 2024, 2025, 2027, 2028)
            for m, d in ((2, 27), (2, 28), (2, 29), (3, 1)) if not (m == 2 and d == 29 and y % 4)]
    for on in days:
        expected = sorted(("person", p.id) for p in people if idcard.age(p.id_number, on) >= 80)
        assert records(checks.eighty_not_on_gaoling(on)) == expected, on


# --- amount_off_standard ---------------------------------------------------------

def test_amount_off_standard(clean):
    ok = enroll(person("卫对", dt.date(1940, 1, 1)), amount="100.00")
    off = enroll(person("蒋错", dt.date(1940, 1, 1)), amount="120.00")
    enroll(person("韦有因", dt.date(1940, 1, 1)), amount="120.00", reason="区局批准提标")
    enroll(person("马停保", dt.date(1940, 1, 1)), amount="999.00", status="停保", stop="2023-01")
    no_std_1 = enroll(person("苗百岁", dt.date(1920, 1, 1)), amount="300.00", category="100+")
    no_std_2 = enroll(person("凤百岁", dt.date(1921, 1, 1)), amount="300.00", category="100+")
    enroll(person("花边缘", dt.date(1970, 1, 1)), "bianyuan", amount="0.00", category="")
    found = checks.amount_off_standard(ON)
    assert len(found) == 2
    wrong, unknown = found
    assert wrong.records == [("enrollment", off.id), ("person", off.person_id)]
    assert "蒋错" in wrong.message and "120.00元" in wrong.message and "应为100.00元" in wrong.message
    assert unknown.records == [("enrollment", no_std_1.id), ("enrollment", no_std_2.id),
                               ("person", no_std_1.person_id), ("person", no_std_2.person_id)]
    assert "2条" in unknown.message and "没有有效" in unknown.message
    assert ok.id not in [r[1] for r in records(found, "enrollment")]


def test_amount_is_judged_by_the_standard_of_the_reference_month(db):
    Standard.create(programme="gaoling", category="80-89", amount=Decimal("100.00"),
                    effective_from="2020-01", effective_to="2023-12")
    standard("80-89", "120.00", start="2024-01")
    e = enroll(person("柏老人", dt.date(1940, 1, 1)), amount="100.00")
    assert checks.amount_off_standard(dt.date(2023, 12, 31)) == []
    assert records(checks.amount_off_standard(dt.date(2024, 1, 1)), "enrollment") == [
        ("enrollment", e.id)]


def test_gaoling_band_follows_the_age(clean):
    # Turned 90 in January, still registered and paid as 80-89.
    moved_up = enroll(person("邹九十", dt.date(1934, 1, 20)), amount="100.00", category="80-89")
    # Turns 90 tomorrow: 80-89 is still right.
    enroll(person("喻明天", dt.date(1934, 6, 16)), amount="100.00", category="80-89")
    # Too young for 高龄津贴 at all.
    young = enroll(person("柏七十", dt.date(1954, 1, 1)), amount="100.00", category="80-89")
    found = checks.amount_off_standard(ON)
    assert [f.records for f in found] == [[("enrollment", moved_up.id), ("person", moved_up.person_id)],
                                          [("enrollment", young.id), ("person", young.person_id)]]
    assert "应为200.00元" in found[0].message and "年龄段应为90-99（登记为80-89）" in found[0].message
    assert "未满80周岁" in found[1].message


# --- bad_id_check_digit ----------------------------------------------------------

def _with_check(first17):
    return first17 + idcard.check_digit(first17)


def test_bad_id_numbers(clean):
    good = idcard.make("510112", dt.date(1960, 1, 1), 7)
    wrong_digit = good[:17] + ("0" if good[17] != "0" else "1")
    bad1 = person("窦校验", id_number=wrong_digit)
    bad2 = person("章日期", id_number=_with_check("51011219610230001"))  # 30 February
    bad3 = person("云短号", id_number=good[:17])
    person("苏正常", id_number=good)
    found = checks.bad_id_check_digit(ON)
    assert records(found) == sorted([("person", bad1.id), ("person", bad2.id), ("person", bad3.id)])
    by_id = {f.records[0][1]: f.message for f in found}
    assert "校验位错误" in by_id[bad1.id] and wrong_digit not in by_id[bad1.id]
    assert idcard.mask(wrong_digit) in by_id[bad1.id]
    assert "出生日期无效" in by_id[bad2.id]
    assert "长度" in by_id[bad3.id]


def test_sql_prefilter_never_misses_an_invalid_id(db):
    """Random damage to valid IDs: the check agrees with idcard.problems on every one."""
    rng = random.Random(20240615)
    ids = set()
    while len(ids) < 400:
        birth = dt.date(rng.randint(1890, 2023), rng.randint(1, 12), rng.randint(1, 28))
        s = idcard.make(f"{rng.randint(10_0000, 99_9999)}", birth, rng.randint(0, 999))
        kind = rng.randrange(8)
        if kind == 1:  # change one digit
            i = rng.randrange(18)
            s = s[:i] + rng.choice("0123456789X") + s[i + 1:]
        elif kind == 2:  # impossible date with a correct check digit
            s = _with_check(s[:10] + rng.choice(["0229", "0230", "1301", "0001", "0432"]) + s[14:17])
        elif kind == 3:
            s = s[:rng.randrange(14, 18)]
        elif kind == 4:
            s = _with_check(rng.choice(["00", "18"]) + s[2:6] + rng.choice(["1889", "2099"]) + s[10:17])
        elif kind == 5:
            s = s[:17] + "x"
        ids.add(s)
    people = [person("某", id_number=s, vil=None) for s in sorted(ids)]
    expected = sorted(("person", p.id) for p in people if idcard.problems(p.id_number))
    assert len(expected) > 100
    assert records(checks.bad_id_check_digit()) == expected


def test_covered_beyond_members_until_the_members_are_entered(township):
    """An old roster lists the head with 保障人数 3: enrolled only when the caller says the
    members are still to come, and listed by the check until they are entered."""
    from mzdesk import audit
    from mzdesk.errors import ValidationError
    from mzdesk.services import enrollments, households, persons
    head = persons.register_person(idcard.make("510112", dt.date(1960, 1, 1), 11), "张大山", village="长丰村")
    hh = households.create_household(head.id)
    with pytest.raises(ValidationError, match="保障人数应在 1 到 1"):
        enrollments.enroll("dibao_rural", head.id, start_month="2026-01", household_id=hh.id, covered_persons=3)
    e = enrollments.enroll("dibao_rural", head.id, start_month="2026-01", household_id=hh.id, covered_persons=3,
                           members_pending=True)
    assert (e.covered_persons, e.amount) == (3, Decimal("1950.00"))
    assert audit.history("enrollment", e.id)[0].summary.endswith(enrollments.PENDING_NOTE)
    with pytest.raises(ValidationError, match="保障人数应在"):   # zero is never allowed
        enrollments.enroll("dibao_urban", head.id, start_month="2026-01", household_id=hh.id, covered_persons=0,
                           members_pending=True)
    # a later change keeps the pending 保障人数 but may not raise it past the members unasked
    with pytest.raises(ValidationError, match="保障人数应在 1 到 1"):
        enrollments.change_amount(e.id, month="2026-03", covered_persons=4)
    e = enrollments.change_amount(e.id, month="2026-03", covered_persons=3, per_capita_income="50")
    assert (e.covered_persons, e.amount) == (3, Decimal("1800.00"))
    [found] = checks.covered_beyond_members(ON)
    assert found.records == [("person", head.id), ("enrollment", e.id)]
    assert "张大山（长丰村，" in found.message and "保障人数3人" in found.message
    assert "只登记了1名家庭成员" in found.message and head.id_number not in found.message
    for n, relation in ((12, "配偶"), (13, "子女")):
        member = persons.register_person(idcard.make("510112", dt.date(1965, 1, 1), n), f"成员{n}")
        households.add_member(hh.id, member.id, relation)
        assert bool(checks.covered_beyond_members(ON)) == (n == 12)
    enrollments.stop(e.id, month="2026-05", reason="收入超标")
    households.remove_member(hh.id, member.id)
    assert checks.covered_beyond_members(ON) == []   # stopped: no longer on the roll


# --- privacy and integrity -------------------------------------------------------

def test_messages_never_show_full_ids_or_accounts(clean):
    acct = "6228480012345678901"
    a = person("全甲", dt.date(1930, 1, 1), account=acct)
    b = person("全乙", dt.date(1930, 1, 1), account=acct, id_number=_with_check("51011219300101123")[:17] + "0")
    enroll(a, "canji", category="生活补贴", amount="1.00")
    enroll(b, "canji", category="生活补贴", amount="1.00")
    register_death(b, dt.date(2024, 1, 1))
    line(batch("2024-05"), b)
    found = checks.run_all(ON)
    assert {f.code for f in found} >= {"deceased_on_roll", "paid_after_death", "shared_bank_account",
                                       "eighty_not_on_gaoling", "amount_off_standard",
                                       "bad_id_check_digit"}
    secrets = [acct] + [p.id_number for p in Person.select()]
    for f in found:
        assert not any(s in f.message for s in secrets), f.message
        assert f.title == checks.CHECKS[f.code][0]


def test_integrity_reports_orphan_rows(clean):
    database.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        database.execute_sql(
            "INSERT INTO batch_line (batch_id, person_id, covered_persons, amount, bank_account, "
            "status, note) VALUES (9999, 8888, 1, 100, '', '正常', '')")
    finally:
        database.execute_sql("PRAGMA foreign_keys = ON")
    rowid = database.execute_sql("SELECT max(id) FROM batch_line").fetchone()[0]
    found = checks.integrity()
    assert {f.code for f in found} == {"integrity"}
    assert records(found) == [("batch_line", rowid), ("batch_line", rowid)]  # two missing parents
    assert all("batch_line" in f.message for f in found)
