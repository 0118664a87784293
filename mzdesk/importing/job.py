"""One import as it is checked: the rows read, cleaned and resolved, and every
problem found on the way (mzdesk.importing.importer runs it).

Checking happens in two stages, inside the import's transaction (a file
missing a required column never begins one). First every cell is cleaned
(cells.py), required cells are asked for, villages and persons are looked
up, and duplicates within the file are found; in a large file new persons
are registered on the way. Then the appliers (apply.py) write through the
services and turn each refusal into a problem; the importer commits only if
the list of problems is empty.
"""
from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, NamedTuple

from ..models import Village, database, now
from .cells import CellError, header_key, is_blank, text
from .kinds import Kind
from .reader import SourceRow, Table
from .sql_writer import CHUNK


@dataclass(frozen=True)
class Problem:
    """What the report shows for one problem."""

    sheet: str
    row: int
    column: str
    value: str
    reason: str


@dataclass
class Mapping:
    """The column of the file chosen for each field of the KIND (field key → header)."""

    columns: dict[str, str] = field(default_factory=dict)

    def header(self, key: str) -> str | None:
        return self.columns.get(key)


@dataclass(slots=True)
class Rec:
    """One data row of the file."""

    number: int                  # the row number the clerk sees in Excel
    raw: tuple                   # the cells as read
    values: dict[str, Any]       # cleaned values of the non-blank mapped cells
    bad: bool = False            # has a problem: not written
    person_id: int | None = None


class PersonInfo(NamedTuple):
    """A registered person, as the importer needs to know them."""

    id: int
    name: str
    death_date: str | None
    bank_account: str
    village_id: int | None
    address: str


def shown(value) -> str:
    """A raw cell as the report shows it; a float ID stays in Excel's own notation."""
    if value is None:
        return ""
    if isinstance(value, float) and abs(value) >= 1e15:
        return f"{value:.6g}".upper()   # 5.10102E+17, as the cell shows it
    return text(value)


def current_month(today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    return f"{today.year:04d}-{today.month:02d}"


_UNIT = ("(元)", "(元/月)", "(人)", "(户)")


def _loose(key: str) -> str:
    for unit in _UNIT:
        if key.endswith(unit) and len(key) > len(unit):
            return key[: -len(unit)]
    return key


def auto_mapping(kind: Kind, headers: list[str]) -> Mapping:
    """Each field's column: its title or the first of its variants found, in that order."""
    keys = [header_key(h) for h in headers]
    loose = [_loose(k) for k in keys]
    taken: set[int] = set()
    columns: dict[str, str] = {}
    for f in kind.fields:
        for variant in f.headers:
            want = header_key(variant)
            hit = next((i for i, k in enumerate(keys) if k == want and i not in taken), None)
            if hit is None:
                hit = next((i for i, k in enumerate(loose) if k == _loose(want) and i not in taken), None)
            if hit is not None:
                taken.add(hit)
                columns[f.key] = headers[hit]
                break
    return Mapping(columns)


_UNSEEN = object()
_DISTINCT = 256   # past this many different values in a column, with few repeats, stop remembering


# read_registered_numbers: up to this many registered persons are read at once (a
# township's registry is a few tens of thousands; 200,000 numbers take about 0.1 s)
REGISTERED_AT_ONCE = 200_000


class Job:
    """The state of one import while it is checked and written."""

    def __init__(self, kind: Kind, table: Table, mapping: Mapping, *, create_villages: bool,
                 on_duplicate: str, progress: Callable | None, today: dt.date | None = None,
                 rows: Iterator[SourceRow] | None = None):
        self.kind = kind
        self.table = table
        self.sheet = table.sheet
        self.mapping = mapping
        self.create_villages = create_villages
        self.on_duplicate = on_duplicate
        self._progress = progress
        self.month = current_month(today)
        self.now = now()
        self.columns: dict[str, int] = {}
        for key, header in mapping.columns.items():
            if header in table.headers:
                self.columns[key] = table.headers.index(header)
        self.recs: list[Rec] = []
        self.problems: list[Problem] = []
        self.created = self.updated = self.skipped = self.persons_created = 0
        self.unknown_villages: list[str] = []
        self.villages_created: list[str] = []
        self.village_ids: dict[str, int | None] = {}   # the file's text → village id
        self.registry: dict[str, PersonInfo] = {}      # ID number → registered person
        self.looked_up: set[str] = set()               # ID numbers asked of the registry so far
        # every registered ID number, when read at the start instead of asking for the file's
        # (read_registered_numbers); None: not read
        self.registered: set[str] | None = None
        self._finder: VillageFinder | None = None
        self.sql = None   # while writing: where the fast path's statements go (sql_writer)
        # the table's rows, given one by one as the reader makes them (reader.open_table),
        # or None: table.rows is whole
        self._rows = rows
        self.size = len(table.rows) if rows is None else table.expected_rows   # rows, about
        self.total_steps = 2 * max(self.size, 1)

    # --- problems ------------------------------------------------------------------

    def column_title(self, key: str) -> str:
        header = self.mapping.header(key)
        if header:
            return header
        f = self.kind.field(key)
        return f.title if f else key

    def raw(self, rec: Rec, key: str):
        i = self.columns.get(key)
        return rec.raw[i] if i is not None and i < len(rec.raw) else None

    def problem(self, rec: Rec | None, key: str, reason: str, value: Any = ...) -> None:
        if rec is not None:
            rec.bad = True
            shown_value = shown(self.raw(rec, key)) if value is ... else shown(value)
            row = rec.number
        else:
            shown_value, row = "" if value is ... else shown(value), self.table.header_row
        self.problems.append(Problem(self.sheet, row, self.column_title(key), shown_value, reason))

    def progress(self, done: int, label: str) -> None:
        if self._progress is not None:
            self._progress(min(done, self.total_steps), self.total_steps, label)

    # --- stage 1: cells --------------------------------------------------------------

    def check_columns(self) -> bool:
        """Ask for the required columns; False (and problems on the header row) if any
        is missing: nothing can be written then."""
        for f in self.kind.fields:
            if f.required and f.key not in self.columns:
                also = "、".join(f.variants[:5])
                self.problem(None, f.key, f"缺少必填的“{f.title}”列（也可写作：{also}）" if also
                             else f"缺少必填的“{f.title}”列")
        return not any(p.row == self.table.header_row for p in self.problems)

    def parse(self, chunk_done: Callable[[list[Rec]], None] | None = None) -> None:
        """Clean every mapped cell; ask for the required ones (check_columns first).
        chunk_done(recs) is called with each CHUNK rows cleaned: the importer registers
        new persons while the rest of the file is cleaned."""
        # Every cell parser is a function of the cell alone, and most columns hold the same
        # few values again and again (村, 与户主关系, 开始月份, 金额): each is parsed once.
        # The type is part of the key: 1, 1.0 and True are equal as dict keys. A column whose
        # values keep differing (身份证号, 姓名, 银行账号) stops being remembered.
        fields = [[key, i, self.kind.field(key), {}] for key, i in self.columns.items()]
        required = [f for f in self.kind.fields if f.required]
        done = 0
        rows, self._rows = (self.table.rows if self._rows is None else self._rows), None
        for n, row in enumerate(rows):
            if n % 500 == 0:
                self.progress(n, "正在检查")
            if chunk_done is not None and n - done >= CHUNK:
                chunk_done(self.recs[done:n])
                done = n
            rec = Rec(row.number, row.values, {})
            values = rec.values
            cells = row.values
            refused = ()
            for column in fields:
                key, i, f, seen = column
                v = cells[i] if i < len(cells) else None
                if v is None:   # the reader gives None for empty and all-space cells
                    continue
                value = _UNSEEN if seen is None else seen.get((v.__class__, v), _UNSEEN)
                if value is _UNSEEN:
                    try:
                        value = f.parse(v)
                    except CellError as exc:
                        value = exc
                    if seen is not None and not isinstance(value, (dict, list)):   # shared only if immutable
                        seen[(v.__class__, v)] = value
                        if len(seen) > _DISTINCT and len(seen) * 2 > n:
                            column[3] = None
                if isinstance(value, CellError):
                    if not is_blank(v):
                        self.problem(rec, key, str(value))
                        refused += (key,)
                    continue
                if value != "":
                    values[key] = value
            for f in required:
                if f.key in self.columns and f.key not in values and f.key not in refused:
                    self.problem(rec, f.key, f"{f.title}不能为空")
            self.recs.append(rec)
        if chunk_done is not None and done < len(self.recs):
            chunk_done(self.recs[done:])
        if not self.recs:
            self.problems.append(Problem(self.sheet, self.table.header_row, "", "",
                                         "表头下面没有数据行（是否选错了工作表？）"))
        self.size = len(self.table.rows)
        self.total_steps = 2 * max(self.size, 1)

    # --- stage 2: villages, persons, duplicates ---------------------------------------

    def village_id(self, name: str) -> int | None:
        """The village a name in the file stands for; None if there is none (yet)."""
        if name not in self.village_ids:
            if self._finder is None:
                self._finder = VillageFinder()
            self.village_ids[name] = self._finder.find(name)
        return self.village_ids[name]

    def resolve_villages(self) -> None:
        unknown: dict[str, None] = {}
        for rec in self.recs:
            name = rec.values.get("village")
            if not name:
                continue
            if self.village_id(name) is None:
                unknown[name] = None
            if self.village_ids[name] is None and not self.create_villages:
                self.problem(rec, "village", "本乡镇没有这个村(社区)；请核对名称，"
                                             "或在导入时选择“新建村(社区)”")
        self.unknown_villages = list(unknown)

    def id_candidates(self) -> set[str]:
        """The ID numbers of the file as its text cells hold them, before cleaning (and
        before the reader has made the rows): most are already what cells.id_number
        makes of them (see load_registry)."""
        found = set()
        for key in ("id_number", "head_id_number"):
            i = self.columns.get(key)
            if i is None:
                continue
            for v in self.table.column_values(i):
                if v.__class__ is str:
                    found.add(v if len(v) == 18 else "".join(v.split()).upper())
        return found

    def read_registered_numbers(self) -> bool:
        """Every registered person's ID number, read before the file's rows are all there
        (a large sheet read in parts: see id_candidates); False, and nothing read, when
        the registry holds more than REGISTERED_AT_ONCE persons."""
        most = REGISTERED_AT_ONCE
        rows = database.execute_sql('SELECT "id_number" FROM "person" LIMIT ?', (most + 1,)).fetchall()
        if len(rows) > most:
            return False
        self.registered = {row[0] for row in rows}
        return True

    def known_new(self, number: str) -> bool:
        """Is it certain that no registered person has this ID number?"""
        if self.registered is not None:
            return number not in self.registered
        return number in self.looked_up and number not in self.registry

    def load_registry(self, numbers: set[str] | None = None, query=None) -> None:
        """The registered persons among the file's ID numbers (one query), or among
        `numbers`; a number asked once is not asked again. `query(sql, params)` runs the
        query (the import's statements object, which knows when it must wait)."""
        if self.registered is not None and not self.registered:   # nobody registered yet
            return
        if numbers is None:   # every row's, through map() (20,000 rows)
            values = [rec.values for rec in self.recs]
            numbers = set()
            for key in ("id_number", "head_id_number"):
                if key in self.columns:
                    numbers.update(map(dict.get, values, itertools.repeat(key)))
            numbers.discard(None)
        numbers = numbers - self.looked_up
        if not numbers:
            return
        self.looked_up |= numbers
        if self.registered is not None:   # the others are known to be new
            numbers &= self.registered
            if not numbers:
                return
        run = query or (lambda sql, params: database.execute_sql(sql, params).fetchall())
        rows = run(
            "SELECT p.id_number, p.id, p.name, p.death_date, p.bank_account, p.village_id, p.address"
            " FROM json_each(?) j JOIN person p ON p.id_number = j.value",
            (json.dumps(sorted(numbers)),))
        for number, *info in rows:
            self.registry[number] = PersonInfo(*info)

    def check_names(self, may_rename: bool) -> None:
        """A registered ID with another name on the row: one of the two is a typo."""
        for rec in self.recs:
            info = self.registry.get(rec.values.get("id_number"))
            name = rec.values.get("name")
            if info is not None and name and name != info.name and not may_rename:
                self.problem(rec, "name", "与人员档案中该身份证号的姓名不一致"
                                          "（同一身份证号只能是一个人，请核对姓名或身份证号）")

    def check_file_duplicates(self, key: Callable[[Rec], Any], what: str) -> None:
        """The same key on two rows: a problem on the later one, naming the first."""
        first: dict[Any, int] = {}
        for rec in self.recs:
            k = key(rec)
            if k is None:
                continue
            if k in first:
                self.problem(rec, "id_number", f"与第 {first[k]} 行重复（{what}）")
            else:
                first[k] = rec.number

    def good(self) -> list[Rec]:
        return [rec for rec in self.recs if not rec.bad]


# A village followed by one of its groups (村民小组): rural rosters often name both.
_GROUP = re.compile(r"^(.+?(?:村|社区|居委会|村委会))(?:第)?(?:\d+|[一二三四五六七八九十]+)"
                    r"(?:组|社|队|村民小组|小组)$")


class VillageFinder:
    """A village by the name a ledger gives it (kinds.py: exact, 村/社区 added,
    村委会/居委会 shortened, then through a merge to where its records went)."""

    _SUFFIXES = (("村民委员会", "村"), ("村委会", "村"), ("社区居民委员会", "社区"), ("社区居委会", "社区"),
                 ("居民委员会", "社区"), ("居委会", "社区"))

    def __init__(self):
        self.by_name = {name: (vid, active, merged)
                        for vid, name, active, merged in Village.select(
                            Village.id, Village.name, Village.active, Village.merged_into).tuples()}
        self.by_id = {v[0]: v for v in self.by_name.values()}

    def _candidates(self, name: str):
        name = "".join(name.split())
        yield name
        for long, short in self._SUFFIXES:
            if name.endswith(long):
                yield name[: -len(long)] + short
        yield name + "村"
        yield name + "社区"
        group = _GROUP.match(name)   # 长丰村3组, 长丰村三组, 新华社区二社: the village before its group
        if group:
            yield from self._candidates(group[1])

    def find(self, name: str) -> int | None:
        for candidate in self._candidates(name):
            hit = self.by_name.get(candidate)
            if hit is not None:
                seen = set()
                while not hit[1] and hit[2] is not None and hit[0] not in seen:
                    seen.add(hit[0])
                    hit = self.by_id.get(hit[2], hit)
                return hit[0]
        return None
