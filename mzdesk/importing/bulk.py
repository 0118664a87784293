"""The fast path of an import: new persons and person-programme enrollments
written many rows at a time.

Calling register_person / enroll once per row costs about 5 ms a row here
(peewee builds each INSERT's SQL anew, and every call opens a savepoint):
100 s for a 20,000-row roster. These functions write the same rows as those
services, with the same checks, the same derived values and an audit entry
per record exactly as the services record it (tests/core/test_importer.py
compares the two paths), but through one prepared statement per table.

What is checked where, compared with the services:
- register_person: the ID number (cells.id_number is idcard.normalize), the
  name (required_text's rule), the account (persons._bank_account), the
  village (found before), the same number twice (the registry is loaded
  before and the file's own duplicates are problems), tags (_clean_tags).
- enroll: the rules of enrollments._refuse_conflicts for one person (dead,
  already 在保 in the programme, 特困 while a 低保 household covers them)
  answered from sets loaded by one query each; the amount through the
  service's own _suggest / _checked_amount / _kept_reason.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import re
from decimal import Decimal
from typing import Iterable

import peewee as pw

from .. import audit
from ..errors import ConflictError, ValidationError
from ..fields import JSONField, MoneyField, dumps
from ..models import Enrollment, Person, Programme, database
from ..pinyin import name_keys
from ..services import amounts, enrollments
from ..services.common import required_text
from ..services.persons import _bank_account, _clean_tags
from .sql_writer import CHUNK, Direct

_PERSON_SQL = (
    'INSERT INTO "person" ("id", "id_number", "name", "pinyin", "initials", "sex", "birth_date",'
    ' "village_id", "address", "phone", "bank_name", "bank_account", "death_date", "note",'
    ' "created_at", "updated_at") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
_TAG_SQL = 'INSERT INTO "person_tag" ("person_id", "tag") VALUES (?, ?)'
_ENROLL_SQL = (
    'INSERT INTO "enrollment" ("id", "programme_id", "person_id", "household_id", "category",'
    ' "covered_persons", "per_capita_income", "amount", "amount_reason", "details", "bank_account",'
    ' "start_month", "stop_month", "stop_reason", "status", "created_at")'
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, '', '在保', ?)")
_EVENT_SQL = ('INSERT INTO "enrollment_event" ("enrollment_id", "kind", "month", "amount", "reason",'
              ' "at", "user") VALUES (?, \'开始\', ?, ?, ?, ?, ?)')


def _snapshot_sql(model, extra: dict[str, str] | None = None) -> str:
    """SQLite's json_object of a row as audit.snapshot gives it, keys sorted as
    fields.dumps sorts them; `extra` adds keys computed by SQL expressions
    (a household's members). SQLite builds the 60,000 audit entries of a
    20,000-row roster in a tenth of the time json.dumps takes; the text has
    no spaces after ':' and ',' but reads back (JSONField) as the same dict,
    which test_importer compares with the services' own entries."""
    parts = []
    extra = extra or {}
    for name in sorted([*model._meta.fields, *extra]):
        if name in extra:
            parts.append(f"'{name}', {extra[name]}")
            continue
        field = model._meta.fields[name]
        col = f'"{field.column_name}"'
        if isinstance(field, MoneyField):   # str(Decimal) of the fen: '1234.50'
            expr = (f"CASE WHEN {col} IS NULL THEN NULL ELSE printf('%s%d.%02d', CASE WHEN {col} < 0"
                    f" THEN '-' ELSE '' END, abs({col}) / 100, abs({col}) % 100) END")
        elif isinstance(field, JSONField):
            expr = f"json({col})"
        elif isinstance(field, pw.DateTimeField):   # isoformat(): 'T' between date and time
            expr = f"replace({col}, ' ', 'T')"
        elif isinstance(field, pw.BooleanField):   # JSON true / false, not 1 / 0
            expr = f"json(CASE WHEN {col} THEN 'true' ELSE 'false' END)"
        elif isinstance(field, (pw.FloatField, pw.DecimalField)):
            raise TypeError(f"{model.__name__}.{name}: no rule for its snapshot")
        else:   # text, integers, foreign keys (their id), dates ('YYYY-MM-DD')
            expr = col
        parts.append(f"'{name}', {expr}")
    return "json_object(" + ", ".join(parts) + ")"


def _audit_rows(sql: Direct, model, first: int, last: int, action: str, summary: tuple[str, str],
                at: str, extra: dict[str, str] | None = None) -> None:
    """One audit entry (no before, after = the row) for each row first..last of `model`;
    summary: (text before, SQL expression after it)."""
    table = model._meta.table_name
    sql.execute(
        f'INSERT INTO "audit_log" ("at", "user", "action", "entity", "entity_id", "summary", "before",'
        f' "after") SELECT ?, ?, ?, ?, CAST("id" AS TEXT), ? || {summary[1]}, NULL,'
        f' {_snapshot_sql(model, extra)} FROM "{table}" WHERE "id" BETWEEN ? AND ? ORDER BY "id"',
        (at, audit.current_user(), action, table, summary[0], first, last))


def among(field, ids: Iterable) -> pw.Expression:
    """field IN the ids, as one parameter (a file may name more persons than SQLite
    takes parameters)."""
    return field.in_(pw.SQL("(SELECT value FROM json_each(?))", (json.dumps(sorted(set(ids))),)))


# Below this many persons the search index's own trigger is cheap enough.
BATCH_INDEX_FROM = 300


def _derived(number: str) -> tuple[str, str]:
    """Sex and birth date ('YYYY-MM-DD') of a number cells.id_number has already
    normalised, and so checked to hold a real date: idcard.sex / birth_date would
    validate it again (a third of the time of registering a person). test_importer
    checks these against idcard."""
    return ("男" if int(number[16]) % 2 else "女", f"{number[6:10]}-{number[10:12]}-{number[12:14]}")


def _age(birth: dt.date, on: dt.date) -> int:
    """idcard.age for a birth date already known (the same 29 February rule)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


class _SearchIndexOnce:
    """Person rows feed the trigram search index (migration 0002) through an
    AFTER INSERT trigger, row by row: 1.7 s for 20,000 persons, against 0.1 s
    for one INSERT … SELECT of the same rows. The trigger is taken off for
    the bulk insert and put back, in the import's transaction (a rollback
    puts it back too)."""

    def __init__(self, sql: Direct, many: bool):
        self.sql = sql
        self.many = many
        self.triggers: list[tuple[str, str]] = []
        self.indexes: list[tuple[str, list[str]]] = []

    def __enter__(self):
        c = self.sql
        if not self.many:
            return self
        for name, sql in c.query("SELECT name, sql FROM sqlite_master WHERE type = 'table'"
                                 " AND sql LIKE 'CREATE VIRTUAL TABLE%'"):
            compact = "".join(sql.lower().split()).replace('"', "'")
            if "usingfts5" in compact and "content='person'" in compact:
                columns = [row[1] for row in c.query(f'PRAGMA table_info("{name}")')]
                self.indexes.append((name, columns))
        names = [n for n, _ in self.indexes]
        for name, sql in c.query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                                 " AND tbl_name = 'person'"):
            text = " ".join(sql.upper().split())
            if "AFTER INSERT" in text and any(n.upper() in text for n in names):
                self.triggers.append((name, sql))
        if not self.triggers:
            self.indexes = []
            return self
        for name, _ in self.triggers:
            c.execute(f'DROP TRIGGER "{name}"')
        return self

    def fill(self, first: int, last: int) -> None:
        """The search index's rows for persons first..last, as the trigger would add them."""
        for name, columns in self.indexes:
            cols = ", ".join(f'"{col}"' for col in columns)
            self.sql.execute(f'INSERT INTO "{name}" (rowid, {cols}) SELECT id, {cols} FROM "person"'
                             " WHERE id BETWEEN ? AND ?", (first, last))

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None or not self.triggers:
            return False
        for _, sql in self.triggers:
            self.sql.execute(sql)
        return False


def _stamp(moment: dt.datetime) -> tuple[str, str]:
    """(as the database stores a DateTimeField, as audit.snapshot writes it)."""
    return moment.isoformat(sep=" "), moment.isoformat()


class NewPerson:
    """A person to register, checked as register_person checks one."""

    __slots__ = ("id_number", "name", "village_id", "address", "phone", "bank_name", "bank_account",
                 "tags", "note")

    def __init__(self, id_number: str, name, *, village_id=None, address="", phone="", bank_name="",
                 bank_account="", tags=(), note=""):
        # The cells come cleaned (cells.py): each value is tested for being what the
        # service's rule would make of it, and only otherwise given to the rule.
        self.id_number = id_number              # already idcard.normalize'd by cells.id_number
        self.name = name if name.__class__ is str and _NO_SPACE(name) else required_text(name, "姓名")
        self.village_id = village_id
        self.address = _stripped(address)
        self.phone = _stripped(phone)
        self.bank_name = _stripped(bank_name)
        self.bank_account = (bank_account if bank_account.__class__ is str and (
            not bank_account or 12 <= len(bank_account) <= 30 and bank_account.isdigit())
            else _bank_account(bank_account))
        self.tags = _clean_tags(tags) if tags else []
        self.note = note if note.__class__ is str else str(note or "")


_NO_SPACE = re.compile(r"\S+").fullmatch   # a name required_text leaves as it is


def _stripped(value) -> str:
    return value.strip() if value.__class__ is str else str(value or "").strip()


def register_persons(people: Iterable[NewPerson], moment: dt.datetime, sql: Direct | None = None,
                     *, many: bool = True) -> dict[str, int]:
    """Insert the persons with their tags and a 登记人员 audit entry each; ID number → id.
    `people` may be a generator: the rows go to `sql` a chunk at a time, so that a
    Writer inserts the first while the rest are prepared. `many`: worth taking the
    search index's trigger off (BATCH_INDEX_FROM persons or more)."""
    batch = PersonBatch(sql or Direct(database.connection()), moment, many=many)
    batch.add(people)   # on an error the transaction is rolled back, the trigger with it
    return batch.finish()


# Tables whose rows the fast path gives ids itself, so that the rows of one table
# go in with one statement and nothing waits for an insert to learn its id (the
# transaction is IMMEDIATE: nobody else writes meanwhile).
EXPLICIT_IDS = ("person", "household", "enrollment")


# The search index is filled a part at a time while persons are still coming, so
# that the Writer does it while the import's own thread is cleaning the file instead
# of at the end. FTS5 writes a segment per statement and merges four at a time
# (automerge); up to three parts cost what one does, ten cost twice.
INDEX_PART = 8000
INDEX_PARTS = 3


class PersonBatch:
    """Persons registered in one or more goes (add), each chunk with its audit
    entries, then closed (finish): tags and the search index for all of them.
    The importer feeds one while the file is still being cleaned (apply.py)."""

    def __init__(self, sql: Direct, moment: dt.datetime, *, many: bool = True):
        self.sql = sql
        self.db_time, _ = _stamp(moment)
        self.ids: dict[str, int] = {}
        self._tag_rows: list[tuple[int, str]] = []
        self._index = _SearchIndexOnce(sql, many)
        self._index.__enter__()
        self._next = self._unindexed = sql.next_id("person")
        self._parts = 0

    def add(self, people: Iterable[NewPerson]) -> None:
        """Queue the persons' rows, CHUNK at a time as `people` yields them, each chunk
        with its audit entries (the Writer gets on with them while the next is made)."""
        rows, ids, db_time = [], self.ids, self.db_time
        pid = self._next
        for p in people:
            number = p.id_number
            pinyin, initials = name_keys(p.name)
            sex, born = _derived(number)
            rows.append((pid, number, p.name, pinyin, initials, sex, born, p.village_id, p.address,
                         p.phone, p.bank_name, p.bank_account, None, p.note, db_time, db_time))
            ids[number] = pid
            for tag in p.tags:
                self._tag_rows.append((pid, tag))
            pid += 1
            if len(rows) == CHUNK:
                self._insert(rows)
                rows = []
        if rows:
            self._insert(rows)

    def _insert(self, rows: list[tuple]) -> None:
        first, last = rows[0][0], rows[-1][0]
        self.sql.executemany(_PERSON_SQL, rows)
        _audit_rows(self.sql, Person, first, last, "登记人员", ("新增人员档案 ", '"id"'), self.db_time)
        self._next = last + 1
        if self._parts < INDEX_PARTS - 1 and self._next - self._unindexed >= INDEX_PART:
            self._index.fill(self._unindexed, last)
            self._unindexed, self._parts = self._next, self._parts + 1

    def finish(self) -> dict[str, int]:
        """The tags, the search index rows of the persons not yet indexed (INDEX_PART),
        and the index's trigger back; ID number → id."""
        if self._tag_rows:
            self.sql.executemany(_TAG_SQL, self._tag_rows)
        if self._next > self._unindexed:
            self._index.fill(self._unindexed, self._next - 1)
        self._index.__exit__(None, None, None)
        self.sql.set_next_id("person", self._next)
        return self.ids


class Amounts:
    """enroll()'s amount and kept reason (the service's own _suggest /
    _checked_amount / _kept_reason), each distinct input decided once and
    each standard looked up once."""

    def __init__(self, programme: Programme):
        self.programme = programme
        self._suggestions: dict[tuple, object] = {}
        self._checked: dict[tuple, object] = {}
        self._find = functools.lru_cache(maxsize=None)(amounts.standard_finder())

    def __call__(self, month: str, category: str, details: dict, amount, reason: str, covered: int = 1,
                 income: Decimal | None = None):
        """(amount, kept reason) as enroll() decides them."""
        classes = details.get("classes")
        key = (month, category, details.get("care_level"), details.get("disability_grade"),
               tuple(sorted(classes.items())) if classes else (), covered, income, amount is None, bool(reason))
        found = self._suggestions.get(key)
        if found is None:
            try:
                found = enrollments._suggest(self.programme.code, month, category, covered, income, details,
                                             amount, reason, find=self._find)
            except ValidationError as exc:
                found = exc
            self._suggestions[key] = found
        if isinstance(found, ValidationError):
            raise found
        checked = self._checked.get((key, amount, reason))
        if checked is None:   # a roster has a handful of amounts: check each once
            suggestion = found if isinstance(found, amounts.Suggestion) else None
            try:
                value = enrollments._checked_amount(amount, suggestion, reason)
                checked = (value, enrollments._kept_reason(value, suggestion, reason))
            except ValidationError as exc:
                checked = exc
            self._checked[(key, amount, reason)] = checked
        if isinstance(checked, ValidationError):
            raise checked
        return checked


class EnrollmentRules:
    """enroll()'s refusals for person programmes, from sets loaded once."""

    def __init__(self, programme: str, person_ids: Iterable[int]):
        self.programme = Programme.get_by_id(programme)
        self.amount = Amounts(self.programme)
        ids = json.dumps(sorted(set(person_ids)))
        self.active: dict[int, int] = dict(database.execute_sql(
            'SELECT person_id, id FROM "enrollment" WHERE programme_id = ? AND status = \'在保\''
            " AND person_id IN (SELECT value FROM json_each(?))", (programme, ids)))
        self.dibao_covered: set[int] = set()
        if programme == "tekun":  # enrollments.dibao_covering, for many persons at once
            rows = database.execute_sql(
                'SELECT e.person_id FROM "enrollment" e WHERE e.programme_id IN (?, ?)'
                " AND e.status = '在保' AND e.person_id IN (SELECT value FROM json_each(?))"
                ' UNION SELECT m.person_id FROM "household_member" m JOIN "enrollment" e'
                " ON e.household_id = m.household_id WHERE m.active AND e.programme_id IN (?, ?)"
                " AND e.status = '在保' AND m.person_id IN (SELECT value FROM json_each(?))",
                (*amounts.DIBAO, ids, *amounts.DIBAO, ids))
            self.dibao_covered = {r[0] for r in rows}

    def refuse(self, person_id: int, dead: bool) -> None:
        """As enrollments._refuse_conflicts for one person (the same messages)."""
        if dead:
            raise ConflictError("该人员已登记死亡，不能纳入或恢复保障")
        if person_id in self.active:
            raise ConflictError("该对象已在本项目中在保，不能重复纳入")
        if self.programme.code == "tekun" and person_id in self.dibao_covered:
            raise ConflictError("该人员所在家庭正在享受低保，特困供养与低保不能同时享受")


def gaoling_band(id_number: str, month: str) -> str:
    """The age band at the start month, as enroll() derives it."""
    band = _band(id_number[6:14], month)
    if not band:
        raise ValidationError("高龄津贴对象应年满80周岁")
    return band


@functools.lru_cache(maxsize=65536)
def _band(birth: str, month: str) -> str | None:
    """A roster of 20,000 elders has a few thousand birthdays: each is aged once."""
    born = dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:8]))
    return amounts.gaoling_band(_age(born, dt.date(int(month[:4]), int(month[5:7]), 1)))


class NewEnrollment:
    __slots__ = ("person_id", "category", "amount", "amount_reason", "reason", "details",
                 "bank_account", "start_month", "household_id", "covered", "income")

    def __init__(self, person_id: int, *, category: str, amount: Decimal, amount_reason: str,
                 reason: str, details: dict, bank_account: str, start_month: str,
                 household_id: int | None = None, covered: int = 1, income: Decimal | None = None):
        self.person_id = person_id
        self.household_id = household_id
        self.covered = covered
        self.income = income
        self.category = category
        self.amount = amount
        self.amount_reason = amount_reason
        self.reason = reason
        self.details = details
        self.bank_account = bank_account.strip()
        self.start_month = start_month


def enroll_many(programme: Programme, items: list[NewEnrollment], moment: dt.datetime,
                sql: Direct | None = None) -> list[int]:
    """Insert the enrollments, their 开始 events and a 纳入保障 audit entry each."""
    db_time, _ = _stamp(moment)
    user = audit.current_user()
    sql = sql or Direct(database.connection())
    code = programme.code
    rows, events = [], []
    first = sql.next_id("enrollment")
    for eid, e in enumerate(items, first):
        fen = int(e.amount.scaleb(2))   # checked amounts are quantized to the fen: exact
        income = None if e.income is None else int(e.income.scaleb(2))
        rows.append((eid, code, e.person_id, e.household_id, e.category, e.covered, income, fen,
                     e.amount_reason, dumps(e.details) if e.details else "{}", e.bank_account, e.start_month,
                     db_time))
        events.append((eid, e.start_month, fen, e.reason, db_time, user))
    if not rows:
        return []
    sql.executemany(_ENROLL_SQL, rows)
    sql.executemany(_EVENT_SQL, events)
    # enroll() notes in the summary a household covering more persons than it has members
    # (a household has its head: the members are counted only where it covers more than one)
    pending = ('CASE WHEN "household_id" IS NOT NULL AND "covered_persons" > 1 AND "covered_persons" > (SELECT'
               ' count(*) FROM "household_member" m WHERE m."household_id" = "enrollment"."household_id"'
               " AND m.\"active\") THEN '" + enrollments.PENDING_NOTE.replace("'", "''") + "' ELSE '' END")
    _audit_rows(sql, Enrollment, first, first + len(rows) - 1, "纳入保障",
                (f"{programme.name} 自 ", f"\"start_month\" || ' 起' || {pending}"), db_time)
    sql.set_next_id("enrollment", first + len(rows))
    return [row[0] for row in rows]
