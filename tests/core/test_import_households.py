"""Household programmes (低保, 低保边缘) through the import: the fast path for new
households writes what create_household and enroll write; anything registered
in the way goes through the services, which name it; an old roster listing only
the head comes in with its 保障人数 and the data check lists it until the members
are entered."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from mzdesk import audit, checks
from mzdesk.importing import bulk_households
from mzdesk.models import AuditLog, Enrollment, EnrollmentEvent, Household, HouseholdMember, Person
from mzdesk.services import enrollments, households, persons

from .people import new_id
from .test_importer import ACCOUNT, db_hash, problems, run, sheet

HEADER = ["姓名", "身份证号", "与户主关系", "保障人数", "家庭人均收入", "分类施保", "金额", "金额说明", "开始月份",
          "村(社区)", "住址", "银行账号"]


def _row(instance, skip):
    return {k: v for k, v in instance.__data__.items() if k not in skip}


def _after(entity, entity_id, drop=()):
    [entry] = audit.history(entity, entity_id)
    return entry, {k: v for k, v in entry.after.items() if k not in drop}


def test_new_household_is_written_as_the_services_write_it(township, tmp_path):
    head, wife, son = new_id(dt.date(1960, 1, 1)), new_id(dt.date(1962, 1, 1), "女"), new_id(dt.date(1990, 1, 1))
    path = sheet(tmp_path / "d.xlsx", HEADER,
                 [["张大山", head, "户主", 3, 150.5, "重残1", None, None, "2022-03", "长丰村", "长丰村3组", ACCOUNT],
                  ["刘桂兰", wife, "妻", None, None, None, None, None, None, None, None, None],
                  ["张小山", son, "子女", None, None, None, None, None, None, None, None, None]])
    result = run("dibao_rural", path)
    assert result.written and (result.created, result.persons_created, result.members_pending) == (1, 3, 0)
    imported = Enrollment.get(Enrollment.person == Person.get(Person.id_number == head))

    # the same household through the forms' services
    ids = [persons.register_person(new_id(born, sex), name, village="长丰村", address=addr, bank_account=acct).id
           for born, sex, name, addr, acct in ((dt.date(1960, 1, 1), "男", "张大山", "长丰村3组", ACCOUNT),
                                               (dt.date(1962, 1, 1), "女", "刘桂兰", "", ""),
                                               (dt.date(1990, 1, 1), "男", "张小山", "", ""))]
    hh = households.create_household(ids[0], members=[(ids[1], "配偶"), (ids[2], "子女")],
                                     village=Person.get_by_id(ids[0]).village_id, area="农村")
    by_form = enrollments.enroll("dibao_rural", ids[0], start_month="2022-03", household_id=hh.id,
                                 covered_persons=3, per_capita_income="150.5", details={"classes": {"重残": 1}})

    assert imported.amount == Decimal("1598.50") == by_form.amount   # (650 − 150.50) × 3 + 100
    skip = {"id", "person", "household", "created_at"}
    assert _row(imported, skip) == _row(Enrollment.get_by_id(by_form.id), skip)
    assert _row(imported.household, {"id", "head", "created_at"}) == _row(hh, {"id", "head", "created_at"})
    members = lambda h: [(m.person.name, m.relation, m.active) for m in households.active_members(h)]  # noqa: E731
    assert members(imported.household) == members(hh) == [("张大山", "户主", True), ("刘桂兰", "配偶", True),
                                                          ("张小山", "子女", True)]
    ev = lambda e: _row(EnrollmentEvent.get(EnrollmentEvent.enrollment == e), {"id", "enrollment", "at"})  # noqa: E731
    assert ev(imported) == ev(by_form)

    # one audit entry each, reading back as the services write them (person ids aside)
    x, xa = _after("household", imported.household_id, ("id", "head", "created_at", "members"))
    y, ya = _after("household", hh.id, ("id", "head", "created_at", "members"))
    assert (x.action, x.summary, x.user, x.before) == (y.action, y.summary, y.user, y.before) and xa == ya
    assert set(x.after) == set(y.after) and x.after["active"] is True
    assert [r for _, r in x.after["members"]] == [r for _, r in y.after["members"]] == ["户主", "配偶", "子女"]
    assert [p for p, _ in x.after["members"]] == [m.person_id for m in households.active_members(imported.household)]
    x, xa = _after("enrollment", imported.id, ("id", "person", "household", "created_at"))
    y, ya = _after("enrollment", by_form.id, ("id", "person", "household", "created_at"))
    assert (x.action, x.summary) == (y.action, y.summary) == ("纳入保障", "农村最低生活保障 自 2022-03 起") and xa == ya


def test_many_households_take_the_fast_path(township, tmp_path, monkeypatch):
    """Forty new households, two rows each: no service is called per household."""
    called = []
    monkeypatch.setattr(households, "create_household", lambda *a, **k: called.append(a))
    rows = []
    for i in range(40):
        rows.append([f"户主{i}", new_id(dt.date(1950, 1, 1 + i % 28)), "户主", None, None, None, None, None,
                     "2024-01", "长丰村", None, None])
        rows.append([f"配偶{i}", new_id(dt.date(1952, 1, 1 + i % 28), "女"), "配偶", None, None, None, None, None,
                     None, None, None, None])
    result = run("dibao_urban", sheet(tmp_path / "d.xlsx", HEADER, rows))
    assert result.written and result.created == 40 and not called
    assert Household.select().count() == 40 and HouseholdMember.select().count() == 80
    assert {(e.covered_persons, e.amount, e.household.area) for e in Enrollment.select()} == {(2, Decimal("1600.00"), "城镇")}
    assert AuditLog.select().where(AuditLog.action == "新建家庭").count() == 40


def test_an_old_roster_of_heads_only_comes_in_and_is_listed_until_members_are_entered(township, tmp_path):
    a, b = new_id(dt.date(1960, 1, 1)), new_id(dt.date(1955, 1, 1))
    registered = persons.register_person(b, "李老四", village="新华社区")   # goes through the services
    path = sheet(tmp_path / "d.xlsx", ["户主姓名", "身份证号", "保障人数", "金额", "村"],
                 [["张大山", a, 3, None, "长丰村"], ["李老四", b, 2, None, "新华社区"]])
    result = run("dibao_rural", path)
    assert result.written and problems(result) == []
    assert (result.created, result.members_pending) == (2, 2)
    assert "其中 2 户只登记了户主等部分成员" in result.summary() and "数据比对" in result.summary()
    for number, covered in ((a, 3), (b, 2)):
        e = Enrollment.get(Enrollment.person == Person.get(Person.id_number == number))
        assert (e.covered_persons, e.amount) == (covered, Decimal(650 * covered))
        assert [m.relation for m in households.active_members(e.household)] == ["户主"]
        assert audit.history("enrollment", e.id)[0].summary.endswith(enrollments.PENDING_NOTE)
    found = checks.covered_beyond_members(dt.date(2026, 6, 10))
    assert {r for f in found for r in f.records if r[0] == "person"} == \
        {("person", registered.id), ("person", Person.get(Person.id_number == a).id)}


def test_listed_members_bound_the_covered_persons(township, tmp_path, db):
    head, wife = new_id(dt.date(1960, 1, 1)), new_id(dt.date(1962, 1, 1), "女")
    before = db_hash(db)
    path = sheet(tmp_path / "d.xlsx", ["姓名", "身份证号", "与户主关系", "保障人数"],
                 [["张大山", head, "户主", 3], ["刘桂兰", wife, "妻", None]])
    result = run("dibao_rural", path)
    [(row, column, value, reason)] = problems(result)
    assert (row, column, value) == (3, "保障人数", "3")
    assert reason.startswith("保障人数应在 1 到 2（家庭成员数）之间")
    assert not result.written and db_hash(db) == before


def test_registered_conflicts_are_named_by_the_services(township, tmp_path, db):
    """A dead head, a member on 特困供养, a member of another household: each refused on its row."""
    dead, tekun, taken, fine = (new_id(dt.date(1950, 1, 1)), new_id(dt.date(1948, 1, 1)), new_id(dt.date(1970, 1, 1)),
                                new_id(dt.date(1965, 1, 1)))
    d = persons.register_person(dead, "已故户主", village="长丰村")
    from mzdesk.services import deaths
    deaths.register_death(d.id, dt.date(2026, 1, 5))
    t = persons.register_person(tekun, "五保老人", village="长丰村")
    enrollments.enroll("tekun", t.id, start_month="2024-01", category="散居")
    other = persons.register_person(new_id(dt.date(1940, 1, 1)), "别家户主", village="长丰村")
    k = persons.register_person(taken, "别家成员", village="长丰村")
    households.create_household(other.id, members=[(k.id, "子女")])
    before = db_hash(db)
    rows = [["已故户主", dead, "户主", None], ["新户主甲", new_id(), "户主", None], ["五保老人", tekun, "父母", None],
            ["新户主乙", new_id(), "户主", None], ["别家成员", taken, "子女", None], ["新户主丙", fine, "户主", None]]
    result = run("dibao_rural", sheet(tmp_path / "d.xlsx", ["姓名", "身份证号", "与户主关系", "保障人数"], rows))
    got = {r: reason for r, _, _, reason in problems(result)}
    assert got[3] == "该人员已登记死亡，不能纳入或恢复保障"
    assert "特困供养" in got[4] and "已是另一户" in got[7]
    assert set(got) == {3, 4, 7} and not result.written and db_hash(db) == before


def test_a_registered_head_gives_the_new_household_his_village_and_address(township, tmp_path):
    head = new_id(dt.date(1962, 1, 1))
    q = persons.register_person(head, "乙", village="新华社区", address="二组")
    path = sheet(tmp_path / "d.xlsx", ["姓名", "身份证号", "与户主关系", "保障人数"], [["乙", head, "户主", 1]])
    result = run("dibao_rural", path)
    assert result.written and result.created == 1 and result.persons_created == 0
    household = Household.get(Household.head == q.id)
    assert (household.village_id, household.address) == (q.village_id, "二组")


def test_household_rules_see_what_is_registered(township):
    p = persons.register_person(new_id(dt.date(1960, 1, 1)), "甲", village="长丰村")
    q = persons.register_person(new_id(dt.date(1962, 1, 1)), "乙", village="长丰村", address="二组")
    r = persons.register_person(new_id(dt.date(1940, 1, 1)), "丙")
    hh = households.create_household(p.id)
    enrollments.enroll("dibao_urban", p.id, start_month="2024-01", household_id=hh.id)
    enrollments.enroll("tekun", r.id, start_month="2024-01", category="散居")
    rules = bulk_households.HouseholdRules("dibao_rural", [p.id, q.id, r.id])
    assert rules.in_household == {p.id} and rules.tekun == {r.id} and rules.enrolled == set()
    assert rules.clear(q.id, [], dead=False)
    assert not rules.clear(q.id, [p.id], dead=False) and not rules.clear(q.id, [r.id], dead=False)
    assert not rules.clear(q.id, [], dead=True)
    assert bulk_households.HouseholdRules("dibao_urban", [p.id, q.id]).enrolled == {p.id}


def test_updating_from_a_heads_only_roster_raises_the_covered_persons_with_a_note(township, tmp_path):
    head = new_id(dt.date(1960, 1, 1))
    p = persons.register_person(head, "张大山", village="长丰村")
    hh = households.create_household(p.id)
    e = enrollments.enroll("dibao_rural", p.id, start_month="2024-01", household_id=hh.id)
    path = sheet(tmp_path / "d.xlsx", ["户主姓名", "身份证号", "保障人数"], [["张大山", head, 3]])
    result = run("dibao_rural", path, on_duplicate="update")
    assert result.written and (result.updated, result.members_pending) == (1, 1)
    e = Enrollment.get_by_id(e.id)
    assert (e.covered_persons, e.amount) == (3, Decimal("1950.00"))
    assert audit.history("enrollment", e.id)[-1].summary == "自 2026-06 起" + enrollments.PENDING_NOTE


def test_the_same_roster_imported_again_is_refused_or_skipped_household_by_household(township, tmp_path, db):
    """The households are 在保 already: refused on each head's row, or skipped, as
    write_group decides (answered from the rules read once, not per household)."""
    heads = [new_id(dt.date(1950, 1, 1) + dt.timedelta(days=i)) for i in range(3)]
    rows = []
    for i, head in enumerate(heads):
        rows.append([f"户主{i}", head, "户主", 2, None, None, None, None, "2024-01", "长丰村", "", None])
        rows.append([f"成员{i}", new_id(dt.date(1980, 1, 1) + dt.timedelta(days=i)), "子女"] + [None] * 9)
    path = sheet(tmp_path / "d.xlsx", HEADER, rows)
    assert run("dibao_rural", path).created == 3
    before = db_hash(db)
    refused = run("dibao_rural", path)
    message = "该户已在本项目中在保（同一户不能重复纳入）；如要按本表更新，请选择“更新”，或选择“跳过”"
    assert not refused.written and problems(refused) == [(3, "身份证号", heads[0], message),
                                                         (5, "身份证号", heads[1], message),
                                                         (7, "身份证号", heads[2], message)]
    assert db_hash(db) == before
    entries = AuditLog.select().count()
    skipped = run("dibao_rural", path, on_duplicate="skip")
    assert skipped.written and (skipped.created, skipped.skipped, skipped.persons_created) == (0, 3, 0)
    assert (Enrollment.select().count(), Household.select().count(), HouseholdMember.select().count()) == (3, 3, 6)
    assert AuditLog.select().count() == entries + 1   # the import's own entry, nothing else


def test_two_heads_of_one_registered_household_are_updated_in_turn(township, tmp_path):
    """Each on a 户主 row: the second reads the household again after the first has
    changed it (what write_group reads is otherwise read once for all households)."""
    a, b = new_id(dt.date(1960, 1, 1)), new_id(dt.date(1962, 1, 1), "女")
    pa, pb = persons.register_person(a, "张大山", village="长丰村"), persons.register_person(b, "刘桂兰", village="长丰村")
    hh = households.create_household(pa.id, members=[(pb.id, "配偶")])
    e = enrollments.enroll("dibao_rural", pa.id, start_month="2024-01", household_id=hh.id, covered_persons=2)
    path = sheet(tmp_path / "d.xlsx", ["户主姓名", "身份证号", "保障人数"], [["张大山", a, 1], ["刘桂兰", b, 2]])
    result = run("dibao_rural", path, on_duplicate="update")
    assert result.written and result.updated == 2 and not result.problems
    assert Enrollment.get_by_id(e.id).covered_persons == 2   # the second row's, read against the first's change
    assert [h.summary[:2] for h in audit.history("enrollment", e.id)].count("自 ") == 2


def test_updating_a_registered_household_adds_only_the_members_it_lacks(township, tmp_path):
    a, b, c = new_id(dt.date(1960, 1, 1)), new_id(dt.date(1962, 1, 1), "女"), new_id(dt.date(1990, 1, 1))
    pa, pb = persons.register_person(a, "张大山", village="长丰村"), persons.register_person(b, "刘桂兰", village="长丰村")
    hh = households.create_household(pa.id, members=[(pb.id, "配偶")])
    enrollments.enroll("dibao_rural", pa.id, start_month="2024-01", household_id=hh.id, covered_persons=2)
    path = sheet(tmp_path / "d.xlsx", ["户主姓名", "身份证号", "与户主关系", "保障人数"],
                 [["张大山", a, "户主", 3], ["刘桂兰", b, "配偶", None], ["张小山", c, "子女", None]])
    result = run("dibao_rural", path, on_duplicate="update")
    assert result.written and (result.updated, result.persons_created) == (1, 1) and not result.problems
    members = [(m.person.id_number, m.relation) for m in households.active_members(hh)]
    assert members == [(a, "户主"), (b, "配偶"), (c, "子女")]
    assert Enrollment.get(Enrollment.household == hh).covered_persons == 3
