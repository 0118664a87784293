"""The registry (人员档案) and the one-off ledgers (台账) as lists.

Each class implements `mzdesk.listing.ListSource`: filtering, sorting and
paging are SQL, the status line is one aggregate query, and Python only
formats the page on screen.  A filter whose value is None means 全部.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from .listing import CURSOR, Column, SortKey, order_by, seek, sort_key
from .models import database
from .money import from_fen
from .search import normalise, person_ids

SEARCH_LIMIT = 5000  # persons a search may match; more than a clerk reads
ALIVE, DEAD = "在世", "已故"
# Short programme labels for the 所属项目 column (the tab names).
SHORT_NAMES = {"dibao_urban": "城市低保", "dibao_rural": "农村低保", "tekun": "特困供养",
               "youfu": "优抚", "gaoling": "高龄津贴", "canji": "残疾人补贴", "bianyuan": "低保边缘"}
PROGRAMME_ORDER = tuple(SHORT_NAMES)
_IN_IDS = "(SELECT value FROM json_each(?))"


def _yuan(fen) -> str:
    return f"{from_fen(int(fen or 0)):,.2f}"


_last_search: list = [None, None]


def _search_ids(text: str) -> list[int] | None:
    """Ids of the persons a search matches, best first; None when it matches
    SEARCH_LIMIT or more (the list then scans its own rows, losing none).

    count, rows and summary of one refresh ask with the same text, so the
    answer is kept until the database (or the file) changes."""
    conn = database.connection()
    key = (text, database.database, id(conn), conn.total_changes)
    if _last_search[0] != key:
        ids = person_ids(text, limit=SEARCH_LIMIT)
        _last_search[:] = [key, ids if len(ids) < SEARCH_LIMIT else None]
    return _last_search[1]


def _scan(q: str) -> tuple[str, list]:
    """The person search as a predicate on the joined person `p` (see mzdesk.search)."""
    parts = [f"(p.{col} >= ? AND p.{col} < ?)" for col in ("name", "initials", "pinyin")]
    params: list[Any] = [q, q + "\uffff"] * 3
    if len(q) >= 3:
        parts += [f"instr(p.{col}, ?) > 0" for col in ("name", "pinyin", "initials")]
        parts.append("instr(lower(p.id_number), ?) > 0")
        params += [q] * 4
    elif not q.isascii():
        parts.append("instr(p.name, ?) > 0")
        params.append(q)
    parts.append("p.village_id IN (SELECT id FROM village WHERE instr(name, ?) > 0)")
    params.append(q)
    return "(" + " OR ".join(parts) + ")", params


def _person_search(column: str, text: str) -> tuple[str, list]:
    q = normalise(text)
    ids = _search_ids(q)
    if ids is None:
        return _scan(q)
    return f"{column} IN {_IN_IDS}", [json.dumps(ids)]


def _distinct(sql: str, params=()) -> list:
    return [row[0] for row in database.execute_sql(sql, list(params)) if row[0] not in (None, "")]


class _SqlSource:
    """count / rows / summary over one FROM clause; subclasses give the pieces.

    Sorting follows the SELECT expression of a sortable column unless ORDER
    says otherwise: only column keys reach ORDER BY, nothing typed."""

    columns: list[Column] = []
    FROM = ""
    ID = ""
    SELECT: tuple[tuple[str, str], ...] = ()  # (row key, SQL expression)
    ORDER: dict[str, tuple[str, ...]] = {"name": ("p.pinyin", "p.name"),
                                         "village": ("v.sort_order", "v.name")}
    DEFAULT_ORDER: tuple[str, ...] = ()
    MONEY: frozenset = frozenset()  # fen → Decimal
    BOOL: frozenset = frozenset()  # 0/1 → 是/否
    VILLAGE = PERSON = YEAR = ""  # columns of the village / person-search / year filters
    EQUAL: dict[str, str] = {}  # filter key → column it must equal
    NOT_NULL: frozenset = frozenset()  # sort expressions of this list that are never NULL

    def _where(self, filters: dict) -> tuple[list[str], list]:
        parts, params = [], []
        if self.VILLAGE and filters.get("village") is not None:
            parts.append(f"{self.VILLAGE} = ?")
            params.append(int(filters["village"]))
        if self.YEAR and filters.get("year"):
            parts.append(f"substr({self.YEAR}, 1, 4) = ?")
            params.append(str(filters["year"]))
        text = (filters.get("search") or "").strip()
        if self.PERSON and text:
            part, more = _person_search(self.PERSON, text)
            parts.append(part)
            params += more
        for key, column in self.EQUAL.items():
            if filters.get(key) not in (None, ""):
                parts.append(f"{column} = ?")
                params.append(filters[key])
        return parts, params

    def _from(self, filters: dict, order: str | None = None) -> tuple[str, list]:
        """The FROM clause for these filters (and this order, when a page is sorted)."""
        return self.FROM, []

    def _default_order(self, filters: dict) -> tuple[str, ...]:
        return self.DEFAULT_ORDER

    def _body(self, filters: dict, *extra: str, order: str | None = None) -> tuple[str, list]:
        """FROM … WHERE … and its parameters; `extra` conditions come last, so
        their parameters follow the returned ones."""
        from_sql, params = self._from(filters, order)
        parts, more = self._where(filters)
        parts += extra
        where = (" WHERE " + " AND ".join(parts)) if parts else ""
        return f" {from_sql}{where}", params + more

    def _keys(self, filters: dict, order: str | None, descending: bool) -> list[SortKey]:
        """The ORDER BY as sort keys, ending with the unique id (keyset paging needs no ties)."""
        sortable = {c.key for c in self.columns if c.sortable}
        exprs = (self.ORDER.get(order) or (dict(self.SELECT)[order],)) if order in sortable else None
        last = SortKey(self.ID, descending if exprs else False, nullable=False)
        if exprs is None:
            keys = [sort_key(x) for x in self._default_order(filters)]
        else:
            keys = [SortKey.of(x, descending) for x in exprs]
        not_null = self.NOT_NULL
        return [SortKey(k.expr, k.descending, False) if k.expr in not_null else k for k in keys] + [last]

    def _order(self, filters: dict, order: str | None, descending: bool) -> str:
        return order_by(self._keys(filters, order, descending))

    def _page(self, filters: dict, order: str | None, descending: bool, after) -> tuple[str, list, list]:
        """FROM … WHERE … ORDER BY for one page, its parameters, and the sort
        expressions to select as the rows' CURSOR."""
        keys = self._keys(filters, order, descending)
        if after is None:
            body, params = self._body(filters, order=order)
        else:  # keyset paging: rows after the last one shown, no OFFSET to walk
            clause, more = seek(keys, after)
            body, params = self._body(filters, clause, order=order)
            params += more
        return body + order_by(keys), params, [k.expr for k in keys]

    def count(self, filters: dict) -> int:
        body, params = self._body(filters)
        return database.execute_sql(f"SELECT count(*){body}", params).fetchone()[0]

    def contains(self, filters: dict, record_id) -> bool:
        """Whether the filtered list shows a record (else the tab widens its filters)."""
        body, params = self._body(filters, f"{self.ID} = ?")
        found = database.execute_sql(f"SELECT 1{body} LIMIT 1", params + [int(record_id)]).fetchone()
        return found is not None

    def rows(self, filters: dict, order: str | None, descending: bool,
             offset: int, limit: int, after: tuple | None = None) -> list[dict[str, Any]]:
        body, params, sort_exprs = self._page(filters, order, descending, after)
        exprs = ", ".join([expr for _, expr in self.SELECT] + sort_exprs)
        sql = f"SELECT {self.ID}, {exprs}{body} LIMIT ? OFFSET ?"
        return self._dicts(database.execute_sql(sql, params + [int(limit), int(offset)]))

    def _dicts(self, cursor) -> list[dict[str, Any]]:
        """Rows from SELECT id, <SELECT expressions>[, <sort expressions>]."""
        keys = [key for key, _ in self.SELECT]
        out = []
        for values in cursor:
            row = {"id": values[0]}
            for key, value in zip(keys, values[1:]):
                if key in self.MONEY:
                    value = from_fen(int(value or 0))
                elif key in self.BOOL:
                    value = bool(value)
                row[key] = "" if value is None else value
            if len(values) > len(keys) + 1:
                row[CURSOR] = tuple(values[len(keys) + 1:])
            out.append(self._format(row))
        return out

    def _format(self, row: dict) -> dict:
        return row

    def _aggregate(self, filters: dict, exprs: str) -> tuple:
        body, params = self._body(filters)
        return database.execute_sql(f"SELECT {exprs}{body}", params).fetchone()


# The ledgers join `person p` with CROSS JOIN: SQLite then always walks the
# (small) ledger and looks each person up, never scans 100k persons first.
NAME = Column("name", "姓名", width=8)
ID_NUMBER = Column("id_number", "身份证号", text=True, width=19)
VILLAGE = Column("village", "村(社区)", width=9)
NOTE = Column("note", "备注", width=12)


# --- 人员档案 ------------------------------------------------------------------

def _age_sql(birth: str, on: str) -> str:
    # substr, not strftime: dates are stored as 'YYYY-MM-DD' and parsing them
    # for every row made a sort by age over 100k persons three times slower.
    return (f"(CAST(substr({on}, 1, 4) AS INTEGER) - CAST(substr({birth}, 1, 4) AS INTEGER)"
            f" - (substr({on}, 6, 5) < substr({birth}, 6, 5)))")


# The programmes and tags of one page of persons, in one query each (a
# subquery per person and programme cost more than the rest of the page).
# Enrollments are probed by person and by household, each by its index;
# CROSS JOIN keeps SQLite from starting at the (large) programme+status range.
_PAGE_PROGRAMMES = (
    "SELECT x.pid, x.code FROM (SELECT e.person_id AS pid, e.programme_id AS code FROM enrollment e"
    f" WHERE e.person_id IN {_IN_IDS} AND +e.status = '在保'"  # unary +: by person, not status
    " UNION SELECT m.person_id, e.programme_id FROM household_member m"
    " CROSS JOIN enrollment e ON e.household_id = m.household_id"
    f" WHERE m.person_id IN {_IN_IDS} AND m.active AND e.status = '在保') x"
    " JOIN programme g ON g.code = x.code ORDER BY g.sort_order")
_PAGE_TAGS = f"SELECT t.person_id, t.tag FROM person_tag t WHERE t.person_id IN {_IN_IDS} ORDER BY t.id"


class PersonSource(_SqlSource):
    columns = [
        NAME, ID_NUMBER, Column("sex", "性别", align="center", width=5),
        Column("age", "年龄", align="right", width=5), VILLAGE,
        Column("programmes", "所属项目", sortable=False, width=20),
        Column("tags", "标签", sortable=False, width=12), Column("status", "状态", align="center", width=5),
        Column("phone", "电话", text=True, width=12), Column("address", "住址", width=20),
    ]
    # The village is joined only to sort by it (rows() joins it for the page
    # shown): with the join, SQLite scanned the persons in village-index order,
    # one random read per person, to count or sort 100k of them.
    FROM = "FROM person p"
    ID = "p.id"
    DEFAULT_ORDER = ("p.pinyin",)
    VILLAGE = "p.village_id"

    @staticmethod
    def _age() -> str:
        """A person's age, or the age reached at death (today is a literal: no user text)."""
        return _age_sql("p.birth_date", f"COALESCE(p.death_date, '{dt.date.today().isoformat()}')")

    @property
    def NOT_NULL(self):  # noqa: N802
        return frozenset({self._age(), "p.death_date IS NOT NULL"})

    @property
    def ORDER(self):  # noqa: N802 (the base class's attributes, computed: today changes)
        return {**_SqlSource.ORDER, "village": ("v.sort_order", "v.name", "p.pinyin"), "age": (self._age(),),
                "status": ("p.death_date IS NOT NULL", "p.death_date")}

    @property
    def SELECT(self):  # noqa: N802
        # programmes and tags are filled in by rows(), for the whole page at once
        return (("name", "p.name"), ("id_number", "p.id_number"), ("sex", "p.sex"), ("age", self._age()),
                ("village", "v.name"), ("death_date", "p.death_date"), ("phone", "p.phone"),
                ("address", "p.address"), ("village_id", "p.village_id"))

    @staticmethod
    def _ranked(filters) -> list[int] | None:
        q = normalise(filters.get("search") or "")
        return _search_ids(q) if q else None

    def _from(self, filters, order=None):
        village = " LEFT JOIN village v ON v.id = p.village_id" if order == "village" else ""
        found = self._ranked(filters)
        if found is None:
            return self.FROM + village, []
        # Joined so that, unless the clerk sorts, the best matches come first.
        return f"{self.FROM} JOIN json_each(?) s ON s.value = p.id{village}", [json.dumps(found)]

    def _default_order(self, filters):
        return ("s.key",) if self._ranked(filters) is not None else self.DEFAULT_ORDER

    def _where(self, filters):
        parts, params = super()._where(filters)
        q = normalise(filters.get("search") or "")
        if q and self._ranked(filters) is None:  # too many matches to rank: scan
            part, more = _scan(q)
            parts.append(part)
            params += more
        alive = filters.get("alive")
        if alive in (ALIVE, DEAD):
            parts.append(f"p.death_date IS {'' if alive == ALIVE else 'NOT '}NULL")
        # Uncorrelated IN lists: computed once, not once per person.
        if filters.get("tag"):
            parts.append("p.id IN (SELECT t.person_id FROM person_tag t WHERE t.tag = ?)")
            params.append(filters["tag"])
        if filters.get("programme"):
            parts.append("p.id IN (SELECT e.person_id FROM enrollment e WHERE e.programme_id = ?"
                         " AND e.status = '在保' UNION SELECT m.person_id FROM enrollment e"
                         " JOIN household_member m ON m.household_id = e.household_id AND m.active"
                         " WHERE e.programme_id = ? AND e.status = '在保')")
            params += [filters["programme"]] * 2
        return parts, params

    def rows(self, filters, order, descending, offset, limit, after=None):
        # Sort and page on the bare ids (and sort values, the CURSOR) first; the
        # village, programmes and tags are then looked up for this page only.
        body, params, sort_exprs = self._page(filters, order, descending, after)
        found = database.execute_sql(f"SELECT p.id, {', '.join(sort_exprs)}{body} LIMIT ? OFFSET ?",
                                     params + [int(limit), int(offset)]).fetchall()
        ids = json.dumps([r[0] for r in found])
        exprs = ", ".join(expr for _, expr in self.SELECT)
        sql = (f"SELECT p.id, {exprs} FROM json_each(?) k JOIN person p ON p.id = k.value"
               " LEFT JOIN village v ON v.id = p.village_id ORDER BY k.key")
        rows = self._dicts(database.execute_sql(sql, [ids]))
        programmes: dict[int, list[str]] = {}
        for pid, code in database.execute_sql(_PAGE_PROGRAMMES, [ids, ids]):
            programmes.setdefault(pid, []).append(SHORT_NAMES.get(code, code))
        tags: dict[int, list[str]] = {}
        for pid, tag in database.execute_sql(_PAGE_TAGS, [ids]):
            tags.setdefault(pid, []).append(tag)
        cursors = {r[0]: tuple(r[1:]) for r in found}
        for row in rows:
            row["programmes"] = "、".join(programmes.get(row["id"], ()))
            row["tags"] = "、".join(tags.get(row["id"], ()))
            row[CURSOR] = cursors[row["id"]]
        return rows

    def _format(self, row):
        row["status"] = "死亡" if row["death_date"] else "在世"
        return row

    def summary(self, filters):
        n, men, dead = self._aggregate(
            filters, "count(*), total(p.sex = '男'), total(p.death_date IS NOT NULL)")
        if not n:
            return "没有符合条件的人员"
        text = f"共 {n:,} 人（男 {int(men):,}，女 {n - int(men):,}）"
        return f"{text}，其中已故 {int(dead):,} 人" if dead else text


def tags() -> list[str]:
    return _distinct("SELECT DISTINCT tag FROM person_tag ORDER BY tag")


def _years(table: str, column: str) -> list[str]:
    return _distinct(f"SELECT DISTINCT substr({column}, 1, 4) FROM {table} ORDER BY 1 DESC")


# --- 救助台账 ------------------------------------------------------------------

# A case's household: the one recorded, else the household the person is in now.
_CASE_HOUSEHOLD = ("COALESCE(r.household_id, (SELECT m.household_id FROM household_member m"
                   " WHERE m.person_id = r.person_id AND m.active LIMIT 1), -r.person_id)")


class ReliefSource(_SqlSource):
    columns = [
        Column("approved_date", "日期", align="center", width=11), NAME, ID_NUMBER, VILLAGE,
        Column("kind", "救助类别", align="center", width=9), Column("case_type", "救助类型", width=13),
        Column("target_group", "对象类别", align="center", width=9),
        Column("amount", "金额(元)", align="right", width=11),
        Column("paid_date", "发放日期", align="center", width=11), NOTE,
    ]
    FROM = ("FROM relief_case r CROSS JOIN person p ON p.id = r.person_id"
            " LEFT JOIN household h ON h.id = r.household_id"
            " LEFT JOIN village v ON v.id = COALESCE(h.village_id, p.village_id)")
    ID = "r.id"
    SELECT = (("approved_date", "r.approved_date"), ("name", "p.name"), ("id_number", "p.id_number"),
              ("village", "v.name"), ("kind", "r.kind"), ("case_type", "r.case_type"),
              ("target_group", "r.target_group"), ("amount", "r.amount"), ("paid_date", "r.paid_date"),
              ("note", "r.note"), ("person_id", "r.person_id"))
    MONEY = frozenset({"amount"})
    VILLAGE, PERSON, YEAR = "COALESCE(h.village_id, p.village_id)", "r.person_id", "r.approved_date"
    EQUAL = {"kind": "r.kind", "case_type": "r.case_type", "target_group": "r.target_group"}

    def _where(self, filters):
        parts, params = super()._where(filters)
        return parts + ["NOT r.cancelled"], params

    def _keys(self, filters, order, descending):
        if order not in {c.key for c in self.columns}:  # newest first, the latest entered on top
            return [SortKey("r.approved_date", True), SortKey("r.id", True, nullable=False)]
        return super()._keys(filters, order, descending)

    def summary(self, filters):
        n, households, fen = self._aggregate(
            filters, f"count(*), count(DISTINCT {_CASE_HOUSEHOLD}), total(r.amount)")
        if not n:
            return "没有符合条件的救助记录"
        return f"共 {n:,} 件（{households:,} 户），救助金额合计 {_yuan(fen)} 元"


def relief_years() -> list[str]:
    return _years("relief_case", "approved_date")


def relief_case_types() -> list[str]:
    from .services.ledgers import CASE_TYPES
    used = _distinct("SELECT DISTINCT case_type FROM relief_case ORDER BY case_type")
    return list(dict.fromkeys([*CASE_TYPES, *used]))


# --- 土坯房改造 ----------------------------------------------------------------

class HouseSurveySource(_SqlSource):
    columns = [
        Column("name", "户主", width=8), ID_NUMBER, VILLAGE, Column("persons", "人数", align="right", width=5),
        Column("intention", "改造意愿", align="center", width=10),
        Column("family_type", "家庭类型", align="center", width=10),
        Column("pilot", "试点", align="center", width=5), Column("progress", "进度", align="center", width=7),
        Column("compensation", "拆迁补偿费(元)", align="right", width=13),
        Column("transition_fee", "过渡安置费(元)", align="right", width=13),
        Column("survey_date", "调查日期", align="center", width=11), NOTE,
    ]
    FROM = ("FROM house_survey s CROSS JOIN person p ON p.id = s.person_id"
            " LEFT JOIN village v ON v.id = COALESCE(s.village_id, p.village_id)")
    ID = "s.id"
    SELECT = (("name", "p.name"), ("id_number", "p.id_number"), ("village", "v.name"),
              ("persons", "s.persons"), ("intention", "s.intention"), ("family_type", "s.family_type"),
              ("pilot", "s.pilot"), ("progress", "s.progress"), ("compensation", "s.compensation"),
              ("transition_fee", "s.transition_fee"), ("survey_date", "s.survey_date"),
              ("note", "s.note"), ("person_id", "s.person_id"))
    ORDER = {**_SqlSource.ORDER, "village": ("v.sort_order", "v.name", "p.pinyin")}
    DEFAULT_ORDER = ORDER["village"]
    MONEY = frozenset({"compensation", "transition_fee"})
    BOOL = frozenset({"pilot"})
    VILLAGE, PERSON, YEAR = "COALESCE(s.village_id, p.village_id)", "s.person_id", "s.survey_date"
    EQUAL = {"intention": "s.intention", "family_type": "s.family_type", "progress": "s.progress"}

    def _where(self, filters):
        parts, params = super()._where(filters)
        if filters.get("pilot") is not None:
            parts.append("s.pilot = ?")
            params.append(int(bool(filters["pilot"])))
        return parts, params

    def summary(self, filters):
        n, persons, comp, trans = self._aggregate(
            filters, "count(*), total(s.persons), total(s.compensation), total(s.transition_fee)")
        if not n:
            return "没有符合条件的记录"
        return (f"共 {n:,} 户 {int(persons):,} 人，拆迁补偿费合计 {_yuan(comp)} 元，"
                f"过渡安置费合计 {_yuan(trans)} 元")


# --- 殡葬与老龄 ----------------------------------------------------------------

class DeathSource(_SqlSource):
    columns = [NAME, ID_NUMBER, VILLAGE, Column("death_date", "死亡日期", align="center", width=11),
               Column("cremated", "是否火化", align="center", width=8),
               Column("funeral_home", "殡仪馆", width=14), NOTE]
    FROM = "FROM death d CROSS JOIN person p ON p.id = d.person_id LEFT JOIN village v ON v.id = p.village_id"
    ID = "d.id"
    SELECT = (("name", "p.name"), ("id_number", "p.id_number"), ("village", "v.name"),
              ("death_date", "d.death_date"), ("cremated", "d.cremated"),
              ("funeral_home", "d.funeral_home"), ("note", "d.note"), ("person_id", "d.person_id"))
    DEFAULT_ORDER = ("d.death_date DESC",)
    BOOL = frozenset({"cremated"})
    VILLAGE, PERSON, YEAR = "p.village_id", "d.person_id", "d.death_date"

    def summary(self, filters):
        n, cremated = self._aggregate(filters, "count(*), total(d.cremated)")
        if not n:
            return "没有符合条件的死亡登记"
        return f"共 {n:,} 人，其中火化 {int(cremated):,} 人（火化率 {int(cremated) * 100 / n:.1f}%）"


def death_years() -> list[str]:
    return _years("death", "death_date")


class CardSource(_SqlSource):
    columns = [NAME, ID_NUMBER, VILLAGE, Column("card_type", "证件类型", align="center", width=10),
               Column("number", "证号", text=True, width=14),
               Column("issued_date", "办理日期", align="center", width=11)]
    FROM = ("FROM card_issuance c CROSS JOIN person p ON p.id = c.person_id"
            " LEFT JOIN village v ON v.id = p.village_id")
    ID = "c.id"
    SELECT = (("name", "p.name"), ("id_number", "p.id_number"), ("village", "v.name"),
              ("card_type", "c.card_type"), ("number", "c.number"), ("issued_date", "c.issued_date"),
              ("person_id", "c.person_id"))
    DEFAULT_ORDER = ("c.issued_date DESC",)
    VILLAGE, PERSON, YEAR = "p.village_id", "c.person_id", "c.issued_date"
    EQUAL = {"card_type": "c.card_type"}

    def summary(self, filters):
        n, elder = self._aggregate(filters, "count(*), total(c.card_type = '老年优待证')")
        if not n:
            return "没有符合条件的办证记录"
        return f"共 {n:,} 证（老年优待证 {int(elder):,}，免费乘车证 {n - int(elder):,}）"


def card_years() -> list[str]:
    return _years("card_issuance", "issued_date")


def _text_search(filters: dict, columns: tuple[str, ...]) -> tuple[list[str], list]:
    """Lists without persons search their own text columns."""
    text = (filters.get("search") or "").strip()
    if not text:
        return [], []
    return ["(" + " OR ".join(f"instr({c}, ?) > 0" for c in columns) + ")"], [text] * len(columns)


class ActivitySource(_SqlSource):
    columns = [Column("held_date", "日期", align="center", width=11), Column("kind", "类别", width=14),
               Column("title", "名称", width=24), Column("participants", "参加人数", align="right", width=8),
               Column("note", "备注", width=16)]
    FROM = "FROM activity a"
    ID = "a.id"
    SELECT = (("held_date", "a.held_date"), ("kind", "a.kind"), ("title", "a.title"),
              ("participants", "a.participants"), ("note", "a.note"))
    DEFAULT_ORDER = ("a.held_date DESC",)
    YEAR = "a.held_date"
    EQUAL = {"kind": "a.kind"}

    def _where(self, filters):
        parts, params = super()._where(filters)
        more, values = _text_search(filters, ("a.kind", "a.title", "a.note"))
        return parts + more, params + values

    def summary(self, filters):
        n, people = self._aggregate(filters, "count(*), total(a.participants)")
        if not n:
            return "没有符合条件的活动"
        return f"共 {n:,} 次活动，参加 {int(people):,} 人次"


def activity_kinds() -> list[str]:
    used = _distinct("SELECT DISTINCT kind FROM activity ORDER BY kind")
    return list(dict.fromkeys(["老年人文化活动", "村务公开检查", *used]))


def activity_years() -> list[str]:
    return _years("activity", "held_date")


class IndicatorSource(_SqlSource):
    columns = [Column("month", "月份", align="center", width=8), Column("name", "指标", width=16),
               Column("value", "值", align="right", width=8), Column("unit", "单位", align="center", width=5)]
    FROM = "FROM indicator i"
    ID = "i.id"
    SELECT = (("month", "i.month"), ("name", "i.name"), ("value", "i.value"), ("unit", "i.unit"))
    ORDER = {"name": ("i.name",), "value": ("CAST(i.value AS REAL)",)}
    DEFAULT_ORDER = ("i.month DESC", "i.name")
    YEAR = "i.month"
    EQUAL = {"name": "i.name"}

    def _where(self, filters):
        parts, params = super()._where(filters)
        more, values = _text_search(filters, ("i.name",))
        return parts + more, params + values

    def summary(self, filters):
        n, names, months = self._aggregate(
            filters, "count(*), count(DISTINCT i.name), count(DISTINCT i.month)")
        if not n:
            return "没有符合条件的指标"
        return f"共 {n:,} 条（{names} 项指标，{months} 个月份）"


def indicator_names() -> list[str]:
    used = _distinct("SELECT DISTINCT name FROM indicator ORDER BY name")
    return list(dict.fromkeys(["政务公开面", "规范化率", *used]))


def indicator_years() -> list[str]:
    return _years("indicator", "month")
