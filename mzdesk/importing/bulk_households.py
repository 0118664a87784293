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

from ..models import Household, database
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
