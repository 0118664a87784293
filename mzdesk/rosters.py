"""The roster of a programme as a list: Enrollment ⋈ Person ⋈ Village (⋈ Household).

`RosterSource` implements `mzdesk.listing.ListSource` for the roster tabs:
filtering, sorting and paging are SQL; Python only formats the page on
screen (the category text built from `details`, the amount in 元).
"""
from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any, Iterable

from .listing import CURSOR, Column, SortKey, order_by, seek
from .models import Programme, database
from .money import from_fen
from .search import normalise, person_ids
from .services.amounts import CANJI_CATEGORIES, DIBAO, DIBAO_CLASSES, GAOLING_BANDS, \
    TEKUN_CATEGORIES, YOUFU_CATEGORIES

ACTIVE, STOPPED = "在保", "停保"
SEARCH_LIMIT = 5000  # persons a search may match; more than any one roster shows
SEARCH_REUSE_S = 5.0  # how long one search's matches serve the refreshes that follow

# What the category column is called, per programme.
CATEGORY_TITLES = {"dibao_urban": "分类施保", "dibao_rural": "分类施保", "tekun": "供养方式",
                   "youfu": "优抚类别", "gaoling": "年龄段", "canji": "补贴类别"}
# Known categories in their natural order (the filter combo lists them so).
CATEGORY_ORDER = {"dibao_urban": DIBAO_CLASSES, "dibao_rural": DIBAO_CLASSES,
                  "tekun": TEKUN_CATEGORIES, "youfu": YOUFU_CATEGORIES,
                  "gaoling": GAOLING_BANDS, "canji": CANJI_CATEGORIES}
# Width (in digits) that fits the longest category text, e.g. 集中（区敬老养老中心）.
CATEGORY_WIDTHS = {"dibao_urban": 24, "dibao_rural": 24, "tekun": 24, "youfu": 22,
                   "gaoling": 9, "canji": 31}
SHORT_NAMES = {"dibao_urban": "城市", "dibao_rural": "农村"}
_CN_GRADES = "零一二三四"

_FROM_E = "FROM enrollment e"
_FROM = ("FROM enrollment e JOIN person p ON p.id = e.person_id"
         " LEFT JOIN household h ON h.id = e.household_id"
         " LEFT JOIN village v ON v.id = COALESCE(h.village_id, p.village_id)")
_VILLAGE = "COALESCE(h.village_id, p.village_id)"
_IN_IDS = "(SELECT value FROM json_each(?))"
_SEARCH = (f"(e.person_id IN {_IN_IDS} OR e.household_id IN"
           f" (SELECT m.household_id FROM household_member m"
           f" WHERE m.active AND m.person_id IN {_IN_IDS}))")
_SELECT = ("SELECT e.id, e.programme_id, e.person_id, e.household_id, p.name, p.id_number,"
           " v.name, e.category, e.details, e.covered_persons, e.amount, e.start_month,"
           " e.status, e.stop_month, e.stop_reason,"
           " COALESCE(NULLIF(e.bank_account, ''), p.bank_account), p.birth_date ")

# Sortable column key → SQL expressions (a whitelist: nothing typed reaches ORDER BY).
_ORDER: dict[str, tuple[str, ...]] = {
    "name": ("p.pinyin", "p.name"),
    "id_number": ("p.id_number",),
    "village": ("v.sort_order", "v.name"),
    "programme_label": ("e.programme_id",),
    "category": ("e.category", "CAST(json_extract(e.details, '$.disability_grade') AS INTEGER)"),
    "care_level": ("json_extract(e.details, '$.care_level')",),
    "age": ("p.birth_date",),  # inverted below: the oldest has the smallest date
    "covered_persons": ("e.covered_persons",),
    "amount": ("e.amount",),
    "start_month": ("e.start_month",),
    "status": ("e.status",),
    "stop_month": ("e.stop_month",),
    "stop_reason": ("e.stop_reason",),
    "bank_account": ("COALESCE(NULLIF(e.bank_account, ''), p.bank_account)",),
}
_INVERTED = {"age"}
_DEFAULT_ORDER = ("v.sort_order", "v.name", "p.pinyin")


def _matches(alias: str, q: str) -> tuple[str, list]:
    """SQL for "person `alias` matches the search", as mzdesk.search reads a query:
    prefixes of name / initials / pinyin, fragments anywhere from 3 characters, village."""
    tests = [f"({alias}.{col} >= ? AND {alias}.{col} < ?)"
             for col in ("name", "initials", "pinyin")]
    params: list[Any] = [q, q + "\uffff"] * 3
    if len(q) >= 3:
        tests += [f"instr({alias}.{col}, ?) > 0" for col in ("name", "pinyin", "initials")]
        tests.append(f"instr(lower({alias}.id_number), ?) > 0")
        params += [q] * 4
    tests.append(f"{alias}.village_id IN (SELECT id FROM village WHERE instr(name, ?) > 0)")
    params.append(q)
    return "(" + " OR ".join(tests) + ")", params


def _search_scan(q: str) -> tuple[str, list]:
    """The search as a scan of the roster's own people: complete where the person
    search stops at its limit (one letter, a village's name, an ID's region code).
    Checking the roster's ~10k people beats listing every matching resident."""
    own, params = _matches("s", q)
    sql = (f"(EXISTS (SELECT 1 FROM person s WHERE s.id = e.person_id AND {own})"
           f" OR EXISTS (SELECT 1 FROM household_member m JOIN person s ON s.id = m.person_id"
           f" WHERE m.household_id = e.household_id AND m.active AND {own}))")
    return sql, params + params


def _programmes(programme: str | Iterable[str]) -> tuple[str, ...]:
    return (programme,) if isinstance(programme, str) else tuple(programme)


def _marks(values) -> str:
    return ", ".join("?" for _ in values)


def _class_path(name: str) -> str:
    return '$.classes."' + name.replace('"', "") + '"'


def categories(programme: str | Iterable[str]) -> list[str]:
    """The categories in use on one or more rosters (分类施保 classes for 低保),
    known ones in their natural order first."""
    codes = _programmes(programme)
    if all(code in DIBAO for code in codes):
        sql = (f"SELECT DISTINCT j.key FROM enrollment e, json_each(e.details, '$.classes') j"
               f" WHERE e.programme_id IN ({_marks(codes)})")
    else:
        sql = (f"SELECT DISTINCT category FROM enrollment"
               f" WHERE programme_id IN ({_marks(codes)}) AND category != ''")
    found = {row[0] for row in database.execute_sql(sql, codes)}
    known = [c for code in codes for c in CATEGORY_ORDER.get(code, ())]
    ordered = list(dict.fromkeys(c for c in known if c in found))
    return ordered + sorted(found - set(ordered))


def category_text(programme: str, category: str, details: dict | None) -> str:
    """The category as the clerk reads it, with what `details` adds to it."""
    details = details or {}
    if programme in DIBAO:
        classes = details.get("classes") or {}
        order = {name: i for i, name in enumerate(DIBAO_CLASSES)}
        names = sorted(classes, key=lambda name: (order.get(name, len(order)), name))
        return "、".join(f"{name}{classes[name]}" for name in names)  # 老年人1、重残1
    extra = []
    if programme == "tekun":
        extra = [details.get("institution") or ""]
    elif programme == "youfu":
        if details.get("disability_grade"):
            extra = [f"{int(details['disability_grade'])}级", details.get("disability_cause") or ""]
    elif programme == "canji":
        grade = details.get("disability_grade")
        grade_text = (f"{_CN_GRADES[int(grade)]}级" if grade and 0 < int(grade) < len(_CN_GRADES)
                      else f"{grade}级" if grade else "")
        extra = [(details.get("disability_type") or "") + grade_text]
    elif programme == "gaoling" and category:
        return f"{category}岁"
    extra = [x for x in extra if x]
    return f"{category}（{'·'.join(extra)}）" if extra else category


def _age(birth: str | None, today: dt.date) -> int | None:
    if not birth:
        return None
    born = dt.date.fromisoformat(str(birth)[:10])
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class RosterSource:
    """The roster of one programme, or of several shown together (城市 + 农村 低保)."""

    def __init__(self, programmes: tuple[str, ...]):
        self.programmes = _programmes(programmes)
        units = dict(Programme.select(Programme.code, Programme.unit)
                     .where(Programme.code.in_(self.programmes)).tuples())
        self.households = all(units.get(code) == "household" for code in self.programmes)
        first = self.programmes[0]
        self.category_title = CATEGORY_TITLES.get(first, "类别")
        self.columns = self._columns()
        self._last_search: tuple = (None, None)
        self._searched_at = 0.0

    def _columns(self) -> list[Column]:
        first, household = self.programmes[0], self.households
        cols = [Column("name", "户主姓名" if household else "姓名", width=8),
                Column("id_number", "身份证号", text=True, width=18),
                Column("village", "村(社区)", width=9)]
        if len(self.programmes) > 1:
            cols.append(Column("programme_label", "城乡", align="center", width=5))
        if first == "gaoling":
            cols.append(Column("age", "年龄", align="right", width=5))
        cols.append(Column("category", self.category_title, sortable=first not in DIBAO,
                           width=CATEGORY_WIDTHS.get(first, 12)))
        if first == "tekun":
            cols.append(Column("care_level", "自理能力", align="center", width=8))
        if household:
            cols.append(Column("covered_persons", "保障人数", align="right", width=8))
        cols += [Column("amount", "月金额(元)", align="right", width=11),
                 Column("start_month", "开始月份", align="center", width=8),
                 Column("status", "状态", align="center", width=5),
                 Column("stop_month", "停保月份", align="center", width=8),
                 Column("stop_reason", "停保原因", width=10),
                 Column("bank_account", "银行账号", text=True, width=19)]
        return cols

    # --- SQL pieces -------------------------------------------------------

    def _where(self, filters: dict) -> tuple[str, list]:
        """WHERE clause and its parameters; None for a filter means 全部."""
        chosen = filters.get("programme")
        codes = (chosen,) if chosen in self.programmes else self.programmes
        parts = [f"e.programme_id IN ({_marks(codes)})"]
        params: list[Any] = list(codes)
        status = filters.get("status", ACTIVE)
        if status:
            parts.append("e.status = ?")
            params.append(status)
        if filters.get("village") is not None:
            parts.append(f"{_VILLAGE} = ?")
            params.append(int(filters["village"]))
        category = filters.get("category")
        if category:
            if all(code in DIBAO for code in codes):
                parts.append("json_extract(e.details, ?) IS NOT NULL")
                params.append(_class_path(category))
            else:
                parts.append("e.category = ?")
                params.append(category)
        text = normalise(filters.get("search") or "")
        if text:
            clause, values = self._search(text)
            parts.append(clause)
            params += values
        return " WHERE " + " AND ".join(parts), params

    def _search(self, text: str) -> tuple[str, list]:
        """The search as a list of matching enrollment ids, found once per text:
        one refresh asks count, rows and summary, and filters may change while
        the text stays. The list is found again once the database changed."""
        # Another program writing the same file does not show in total_changes:
        # a short lifetime bounds how stale the list can be.
        key = (text, database.connection().total_changes)
        if self._last_search[0] != key or time.monotonic() - self._searched_at > SEARCH_REUSE_S:
            self._searched_at = time.monotonic()
            ids = person_ids(text, limit=SEARCH_LIMIT)
            codes = _marks(self.programmes)
            if len(ids) < SEARCH_LIMIT:
                # From the persons found to their enrollments, by index both ways
                # (their own, their households'): an OR of the two would test
                # every enrollment of the roster instead.
                found = json.dumps(ids)
                sql = (f"SELECT e.id FROM enrollment e WHERE e.person_id IN {_IN_IDS}"
                       f" AND e.programme_id IN ({codes})"
                       f" UNION SELECT e.id FROM household_member m CROSS JOIN enrollment e"
                       f" ON e.household_id = m.household_id WHERE m.person_id IN {_IN_IDS}"
                       f" AND m.active AND e.programme_id IN ({codes})")
                params = [found, *self.programmes, found, *self.programmes]
            else:
                clause, params = _search_scan(text)
                sql = f"SELECT e.id FROM enrollment e WHERE e.programme_id IN ({codes}) AND {clause}"
                params = [*self.programmes, *params]
            rows = database.execute_sql(sql, params)
            self._last_search = (key, json.dumps([row[0] for row in rows]))
        return f"e.id IN {_IN_IDS}", [self._last_search[1]]

    @staticmethod
    def _keys(order: str | None, descending: bool) -> list[SortKey]:
        exprs = _ORDER.get(order or "", _DEFAULT_ORDER)
        desc = descending != (order in _INVERTED)
        return [SortKey.of(x, desc) for x in exprs] + [SortKey("e.id", nullable=False)]

    @classmethod
    def _order(cls, order: str | None, descending: bool) -> str:
        return order_by(cls._keys(order, descending))

    # --- ListSource ---------------------------------------------------------

    @staticmethod
    def _from_for(filters: dict) -> str:
        # Counting needs the person and household rows only to know the village.
        return _FROM if filters.get("village") is not None else _FROM_E

    def count(self, filters: dict) -> int:
        where, params = self._where(filters)
        sql = f"SELECT count(*) {self._from_for(filters)}{where}"
        return database.execute_sql(sql, params).fetchone()[0]

    def rows(self, filters: dict, order: str | None, descending: bool,
             offset: int, limit: int, after: tuple | None = None) -> list[dict[str, Any]]:
        where, params = self._where(filters)
        keys = self._keys(order, descending)
        if after is not None:  # keyset paging: start right after the last row shown
            clause, more = seek(keys, after)
            where, params = f"{where} AND {clause}", params + more
        # The sort values come back with the row: they are its CURSOR.
        sql = (f"{_SELECT.rstrip()}, {', '.join(k.expr for k in keys)} {_FROM}{where}{order_by(keys)}"
               f" LIMIT ? OFFSET ?")
        today = dt.date.today()
        out = []
        for r in database.execute_sql(sql, params + [int(limit), int(offset)]):
            details = json.loads(r[8]) if r[8] else {}
            out.append({
                "id": r[0], "programme": r[1], "person_id": r[2], "household_id": r[3],
                "name": r[4], "id_number": r[5], "village": r[6] or "",
                "programme_label": SHORT_NAMES.get(r[1], ""),
                "category_code": r[7], "category": category_text(r[1], r[7], details),
                "care_level": details.get("care_level", ""), "age": _age(r[16], today),
                "covered_persons": r[9], "amount": from_fen(int(r[10])),
                "start_month": r[11], "status": r[12], "stop_month": r[13] or "",
                "stop_reason": r[14], "bank_account": r[15] or "",
                CURSOR: tuple(r[17:]),
            })
        return out

    def summary(self, filters: dict) -> str:
        where, params = self._where(filters)
        sql = ("SELECT count(*), count(DISTINCT e.household_id), count(DISTINCT e.person_id),"
               " total(e.covered_persons), sum(e.status = '在保'),"
               " sum(CASE WHEN e.status = '在保' THEN e.amount ELSE 0 END)"
               f" {self._from_for(filters)}{where}")
        n, households, persons, covered, active, fen = database.execute_sql(sql, params).fetchone()
        if not n:
            return "没有符合条件的记录"
        if self.households:
            text = f"共 {n:,} 条（{households:,} 户，{int(covered):,} 人）"
        elif n == persons:
            text = f"共 {n:,} 人"
        else:
            text = f"共 {n:,} 条（{persons:,} 人）"
        total = f"{from_fen(int(fen or 0)):,.2f}"
        status = filters.get("status", ACTIVE)
        if status == ACTIVE:
            return f"{text}，每月合计 {total} 元"
        if status == STOPPED:
            return f"{text}，均已停保"
        return f"{text}，其中在保 {active or 0:,} 条，每月合计 {total} 元"

    # --- helpers for the tabs -------------------------------------------------

    def contains(self, filters: dict, enrollment_id: int) -> bool:
        """Whether a record is among the rows these filters give."""
        where, params = self._where(filters)
        sql = f"SELECT 1 {self._from_for(filters)}{where} AND e.id = ?"
        return database.execute_sql(sql, params + [int(enrollment_id)]).fetchone() is not None

    def enrollment_of_person(self, person_id: int) -> int | None:
        """The enrollment on this roster of a person (or of their household), 在保 first."""
        ids = json.dumps([int(person_id)])
        sql = (f"SELECT e.id FROM enrollment e WHERE e.programme_id IN ({_marks(self.programmes)})"
               f" AND {_SEARCH} ORDER BY e.status = '在保' DESC, e.id DESC LIMIT 1")
        row = database.execute_sql(sql, [*self.programmes, ids, ids]).fetchone()
        return row[0] if row else None

    def programme_of(self, enrollment_id: int) -> str | None:
        """The programme of an enrollment if it is on this roster."""
        row = database.execute_sql(
            f"SELECT programme_id FROM enrollment WHERE id = ? AND programme_id IN"
            f" ({_marks(self.programmes)})", [int(enrollment_id), *self.programmes]).fetchone()
        return row[0] if row else None
