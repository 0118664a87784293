"""The fast path for household programmes (低保, 低保边缘): new households with
their members, and their enrollments, written many at a time.

Through the services a household costs about 20 ms (create_household, then
enroll: a dozen queries and three savepoints), so an old 低保 roster of
20,000 households would take minutes. A household goes this way only when
nothing registered stands in its way: none of its persons is a member of an
active household, nobody is dead, the head is not already 在保 in the
programme, and for 低保 nobody is on 特困供养. Then create_household and
enroll could refuse nothing but what is checked here (the relation, the
保障人数, the amount), and the rows written are theirs exactly, with an
audit entry per household and per enrollment as they record them
(tests/core/test_import_households.py compares the two paths). Every other
household goes through the services one by one, which name the conflict.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Iterable

from ..models import Enrollment, Household, HouseholdMember, database
from ..services import amounts
from . import bulk
from .sql_writer import Direct

_HOUSEHOLD_SQL = ('INSERT INTO "household" ("id", "village_id", "head_id", "address", "area", "active",'
                  ' "created_at") VALUES (?, ?, ?, ?, ?, 1, ?)')
_MEMBER_SQL = ('INSERT INTO "household_member" ("household_id", "person_id", "relation", "active")'
               ' VALUES (?, ?, ?, 1)')
# A household's snapshot lists its active members as [person id, relation], in the
# order they were added (households._snapshot).
_MEMBERS_JSON = ('(SELECT json_group_array(json_array(m."person_id", m."relation")) FROM'
                 ' (SELECT "person_id", "relation" FROM "household_member" WHERE "household_id" = "household"."id"'
                 ' AND "active" ORDER BY "id") m)')


def _in(ids: Iterable[int]) -> str:
    return json.dumps(sorted(set(ids)))


class HouseholdRules:
    """What stands in a new household's way, loaded for all the file's persons at once."""

    def __init__(self, programme: str, person_ids: Iterable[int]):
        ids = _in(person_ids)
        self.programme = programme
        self.in_household: set[int] = {r[0] for r in database.execute_sql(
            'SELECT m.person_id FROM "household_member" m JOIN "household" h ON h.id = m.household_id'
            " WHERE m.active AND h.active AND m.person_id IN (SELECT value FROM json_each(?))", (ids,))}
        self.enrolled: set[int] = {r[0] for r in database.execute_sql(
            'SELECT person_id FROM "enrollment" WHERE programme_id = ? AND status = \'在保\''
            " AND person_id IN (SELECT value FROM json_each(?))", (programme, ids))}
        self.tekun: set[int] = set()
        if programme in amounts.DIBAO:
            self.tekun = {r[0] for r in database.execute_sql(
                'SELECT person_id FROM "enrollment" WHERE programme_id = \'tekun\' AND status = \'在保\''
                " AND person_id IN (SELECT value FROM json_each(?))", (ids,))}

    def clear(self, head: int, members: list[int], dead: bool) -> bool:
        """True when the services could refuse this new household nothing registered."""
        everyone = (head, *members)
        return (not dead and head not in self.enrolled
                and self.in_household.isdisjoint(everyone) and self.tekun.isdisjoint(everyone))


class RegisteredHouseholds:
    """What write_group reads of each registered head, for all of them at once: the
    active household (households.household_of), the programme's 在保 enrollment of that
    household or head, and the household's active members. Through peewee, four queries
    a household cost about 5 ms, most of it building their SQL: a household roster
    imported again in update mode took 45 s for 20,000 rows."""

    def __init__(self, programme: str, head_ids: Iterable[int]):
        heads = set(head_ids)
        self.household: dict[int, Household] = {}
        for m in (HouseholdMember.select(HouseholdMember.person, Household).join(Household)
                  .where(bulk.among(HouseholdMember.person, heads) & HouseholdMember.active & Household.active)
                  .order_by(HouseholdMember.id)):
            self.household.setdefault(m.person_id, m.household)
        households = {h.id for h in self.household.values()}
        self._enrollments: dict[tuple[str, int], Enrollment] = {}
        for e in (Enrollment.select().where(
                (Enrollment.programme == programme) & (Enrollment.status == "在保")
                & (bulk.among(Enrollment.household, households) | bulk.among(Enrollment.person, heads)))
                .order_by(Enrollment.id)):
            self._enrollments.setdefault(("household", e.household_id), e)
            self._enrollments.setdefault(("person", e.person_id), e)
        self.members: dict[int, set[int]] = {}
        for household_id, person_id in (HouseholdMember.select(HouseholdMember.household, HouseholdMember.person)
                                        .where(bulk.among(HouseholdMember.household, households)
                                               & HouseholdMember.active).tuples()):
            self.members.setdefault(household_id, set()).add(person_id)
        self._taken: set[tuple[str, int]] = set()   # households and enrollments handed out

    def take(self, head_id: int) -> tuple | None:
        """(household or None, its 在保 enrollment or the head's or None, its members' person
        ids) as they were read; None for a household or enrollment taken before, whose rows
        may have changed since."""
        household = self.household.get(head_id)
        if household is None:
            return None, None, set()
        found = [e for e in (self._enrollments.get(("household", household.id)),
                             self._enrollments.get(("person", head_id))) if e is not None]
        enrollment = min(found, key=lambda e: e.id) if found else None
        # an enrollment may be reached from two households (it stands under a head who has
        # since moved to a household of his own)
        if ("household", household.id) in self._taken or (
                enrollment is not None and ("enrollment", enrollment.id) in self._taken):
            return None
        self._taken.add(("household", household.id))
        if enrollment is not None:
            self._taken.add(("enrollment", enrollment.id))
        return household, enrollment, self.members.get(household.id, set())


class NewHousehold:
    __slots__ = ("head_id", "members", "village_id", "area", "address")

    def __init__(self, head_id: int, members: list[tuple[int, str]], *, village_id: int | None, area: str,
                 address: str):
        self.head_id = head_id
        self.members = members          # (person id, relation) besides the head
        self.village_id = village_id
        self.area = area
        self.address = address


def create_households(items: list[NewHousehold], moment: dt.datetime, sql: Direct | None = None) -> list[int]:
    """Insert the households and their members, with a 新建家庭 audit entry each; their ids."""
    db_time = moment.isoformat(sep=" ")
    sql = sql or Direct(database.connection())
    first = sql.next_id("household")
    rows, members = [], []
    for hid, h in enumerate(items, first):
        rows.append((hid, h.village_id, h.head_id, h.address, h.area, db_time))
        members.append((hid, h.head_id, "户主"))
        members.extend((hid, pid, relation) for pid, relation in h.members)
    if not rows:
        return []
    sql.executemany(_HOUSEHOLD_SQL, rows)
    sql.executemany(_MEMBER_SQL, members)
    bulk._audit_rows(sql, Household, first, first + len(rows) - 1, "新建家庭", ("", "''"), db_time,
                     extra={"members": _MEMBERS_JSON})
    sql.set_next_id("household", first + len(rows))
    return [row[0] for row in rows]
