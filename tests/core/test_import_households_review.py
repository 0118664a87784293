"""Review of the household-programme import (fast path, members_pending) and of
migration 7: what the services would refuse stays refused, one import that
writes through both paths gives each household its own rows, and the lookups
by person / household still go through an index."""
from __future__ import annotations

import datetime as dt
import re

from mzdesk import audit, checks, rosters
from mzdesk.importing import bulk_households
from mzdesk.models import AuditLog, Enrollment, Household, HouseholdMember, Person
from mzdesk.services import enrollments, households, persons

from .people import new_id
from .test_importer import db_hash, problems, run, sheet


def test_update_mode_does_not_let_listed_members_be_exceeded(township, tmp_path, db):
    """apply.py: "Where the file lists the members, 保障人数 may not exceed them" — a new
    household is refused so (enroll); an enrolled one in update mode must be too, not
    have its 保障人数 (and amount) raised past its members by change_amount."""
    head, wife = new_id(dt.date(1960, 1, 1)), new_id(dt.date(1962, 1, 1), "女")
    p = persons.register_person(head, "老张", village="长丰村")
    q = persons.register_person(wife, "张妻", village="长丰村")
    hh = households.create_household(p.id, members=[(q.id, "配偶")])
    enrollments.enroll("dibao_rural", p.id, start_month="2024-01", household_id=hh.id)
    before = db_hash(db)
    path = sheet(tmp_path / "d.xlsx", ["姓名", "身份证号", "与户主关系", "保障人数"],
                 [["老张", head, "户主", 5], ["张妻", wife, "妻", None]])
    result = run("dibao_rural", path, on_duplicate="update")
    assert [(row, column) for row, column, _, _ in problems(result)] == [(3, "保障人数")]
    assert problems(result)[0][3].startswith("保障人数应在 1 到 2（家庭成员数）之间")
    assert not result.written and db_hash(db) == before


def test_fast_and_service_paths_in_one_import_keep_each_household_apart(township, tmp_path):
    """New households (bulk, explicit ids after max(id)) around a registered one (services,
    written first): every enrollment on its own head's household, each with its members,
    one audit entry each, the pending note on the heads-only household only."""
    a, a_wife = new_id(dt.date(1950, 1, 1)), new_id(dt.date(1951, 1, 1), "女")
    r, r_son, r_grandson = new_id(dt.date(1940, 1, 1)), new_id(dt.date(1965, 1, 1)), new_id(dt.date(2010, 1, 1))
    b = new_id(dt.date(1955, 1, 1))
    old = persons.register_person(r, "老李", village="新华社区")
    son = persons.register_person(r_son, "李子", village="新华社区")
    existing = households.create_household(old.id, members=[(son.id, "子女")])
    header = ["姓名", "身份证号", "与户主关系", "保障人数", "村(社区)"]
    rows = [["甲", a, "户主", None, "长丰村"], ["甲妻", a_wife, "妻", None, None],
            ["老李", r, "户主", None, None], ["李孙", r_grandson, "孙子", None, None],
            ["乙", b, "户主", 3, "长丰村"]]
    result = run("dibao_rural", sheet(tmp_path / "d.xlsx", header, rows))
    assert result.written and problems(result) == []
    assert (result.created, result.persons_created, result.members_pending) == (3, 4, 1)

    def members(number):
        e = Enrollment.get(Enrollment.person == Person.get(Person.id_number == number))
        assert e.household.head_id == e.person_id
        return e, [(m.person.id_number, m.relation) for m in households.active_members(e.household)]

    ea, got = members(a)
    assert got == [(a, "户主"), (a_wife, "配偶")] and ea.covered_persons == 2
    er, got = members(r)
    assert er.household_id == existing.id and er.covered_persons == 3
    assert got == [(r, "户主"), (r_son, "子女"), (r_grandson, "孙子女")]
    eb, got = members(b)
    assert got == [(b, "户主")] and eb.covered_persons == 3
    assert len({ea.household_id, er.household_id, eb.household_id}) == 3 == Household.select().count()
    assert HouseholdMember.select().count() == 6

    created = AuditLog.select().where(AuditLog.action == "新建家庭")
    assert sorted(int(x.entity_id) for x in created) == sorted([existing.id, ea.household_id, eb.household_id])
    for e in (ea, eb):
        [entry] = audit.history("household", e.household_id)
        assert [m for m, _ in entry.after["members"]] == \
            [m.person_id for m in households.active_members(e.household)]
    notes = {e.person.id_number: audit.history("enrollment", e.id)[0].summary for e in (ea, er, eb)}
    assert [n for n, s in notes.items() if s.endswith(enrollments.PENDING_NOTE)] == [b]
    found = checks.covered_beyond_members(dt.date(2026, 6, 10))
    assert [rec for f in found for rec in f.records if rec[0] == "enrollment"] == [("enrollment", eb.id)]


_SCAN = re.compile(r"^SCAN (\w+)")


def _full_scans(db, sql: str) -> list[str]:
    """The plan's lines that read a whole table (json_each and subqueries aside)."""
    plan = [row[3] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql).fetchall()]
    return [line for line in plan if (m := _SCAN.match(line)) and m[1] != "json_each"]


def test_lookups_by_person_and_household_still_use_an_index_after_migration_7(township, db):
    """Migration 7 dropped the one-column indexes on enrollment.person_id / household_id /
    programme_id and household_member.person_id / household_id: the queries of the
    services, the import and the roster search that filtered on them must still
    SEARCH an index, never SCAN enrollment or household_member."""
    p = persons.register_person(new_id(dt.date(1960, 1, 1)), "甲", village="长丰村")
    hh = households.create_household(p.id)
    traced: list[str] = []
    conn = db.connection()
    conn.set_trace_callback(traced.append)
    try:
        households.household_of(p.id)
        households.active_members(hh)
        enrollments.dibao_covering(p.id)
        enrollments._refuse_conflicts("dibao_rural", p, hh)
        bulk_households.HouseholdRules("dibao_rural", [p.id])
        rosters.RosterSource(("dibao_urban", "dibao_rural"))._search("甲")
        rosters.RosterSource(("dibao_urban", "dibao_rural")).enrollment_of_person(p.id)
        # (checks.covered_beyond_members reads every 在保 enrollment: a scan is its plan)
    finally:
        conn.set_trace_callback(None)
    queries = [s for s in traced if s.lstrip().upper().startswith("SELECT")
               and re.search(r'\b"?(enrollment|household_member)"?\b', s)]
    assert len(queries) >= 7
    scans = {s[:120]: _full_scans(db, s) for s in queries}
    assert {s: lines for s, lines in scans.items() if lines} == {}
