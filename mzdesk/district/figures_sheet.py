"""The 民政月报 figures of a month: what the township reports to the district.

One row per programme: every monthly programme, any other programme that
paid in the year, 一次性补贴, then 临时救助 and 医疗救助; each with
households (户数), persons (人数), the amount paid in the month and the
amount paid in the year up to and including the month, in 元 with two
decimals, and for a monthly programme the enrollments added to and removed
from its roll this month (本月新增 / 本月减少).  Where each number comes from:

- households / persons of a monthly programme: its roll of the month
  (mzdesk.payments.month_roll, the lines that are paid: the same people the
  package's roster lists).  户数 counts distinct households (a person-based
  enrollment without a household counts as its own), 人数 adds up the
  persons covered.
- households / persons of 一次性补贴 and of a non-monthly programme: the
  lines (not failed) of the month's paid batches; a household reached by two
  one-off batches counts once, with the larger number of persons.
- amounts of programmes and 一次性补贴: mzdesk.figures.monthly_paid (batches
  in PAID_STATES, 扣回 subtracted), so the 工作台 and this sheet agree.
- 临时救助 / 医疗救助: the relief cases (not cancelled) approved in the month
  and in the year; 人数 there counts cases (人次).
- added / removed of a monthly programme: the enrollments paid on this
  month's roll and not on the previous month's, and the other way round
  (`roll_changes`).  "On the roll" is the same set that 户数 / 人数 count and
  the package's roster lists, so last month's roster plus 新增 minus 减少 is
  this month's, line for line.  They count enrollments (households for 低保,
  persons elsewhere); rows that are not a monthly roll leave them blank (None).

The sheet is written with mzdesk.xlsx_export (the writer of 导出当前列表);
`parse_rows` reads it back on the district side, and `digest` is the
SHA-256 of the figures in a canonical form, kept in the manifest so that the
district knows it read exactly the numbers the township wrote.  Packages
written before 本月新增 / 本月减少 existed still read: the columns are found
by their titles, the two new ones are optional (None when absent), and the
digest covers them only on rows that have them, so an old package's digest
is what it always was.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..figures import ONEOFF, ONEOFF_NAME, monthly_paid
from ..listing import Column
from ..models import PAID_STATES, Programme, database
from ..services.common import month as norm_month
from ..services.common import prev_month
from ..payments import month_roll

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
SHEET = "民政月报"
FILE_NAME = "民政月报.xlsx"
TOTAL_CODE, TOTAL_NAME = "total", "合计"
RELIEF = (("relief_temp", "临时救助"), ("relief_medical", "医疗救助"))
NOTES = {
    "household": "户数为保障户数，人数为保障人数",
    ONEOFF: "按本月已审核的一次性补贴批次统计",
    "relief": "按审批日期统计，人数为救助人次",
}

COLUMNS = [
    Column("name", "项目", width=20),
    Column("households", "户数", align="right"),
    Column("persons", "人数", align="right"),
    Column("amount_month", "本月发放金额(元)", align="right", width=18),
    Column("amount_year", "本年累计金额(元)", align="right", width=18),
    Column("added", "本月新增", align="right"),
    Column("removed", "本月减少", align="right"),
    Column("note", "说明", width=36),
    Column("code", "代码", text=True, width=16),
]


@dataclass(frozen=True)
class FigureRow:
    code: str  # programme code, ONEOFF, relief_temp, relief_medical
    name: str
    households: int
    persons: int
    amount_month: Decimal
    amount_year: Decimal
    note: str = ""
    added: int | None = None  # enrollments new on the month's roll (monthly programmes only)
    removed: int | None = None  # enrollments on last month's roll and not on this one


def figures(month) -> list[FigureRow]:
    """The 民政月报 rows of `month` (without the 合计 row)."""
    month = norm_month(month)
    paid = monthly_paid(month, int(month[5:]))  # January up to the month
    programmes = {p.code: p for p in Programme.select()}
    rows = []
    for key, series in paid.items():
        amount_month, amount_year = series[-1][1], sum((v for _, v in series), ZERO)
        if key == ONEOFF:
            households, persons = _batch_counts(month, oneoff=True)
            rows.append(FigureRow(ONEOFF, ONEOFF_NAME, households, persons, amount_month,
                                  amount_year, NOTES[ONEOFF]))
            continue
        prog = programmes[key]
        note = NOTES["household"] if prog.unit == "household" else ""
        if prog.monthly:
            lines = paid_lines(key, month)
            households, persons = _roll_counts(lines)
            added, removed = _changes(paid_lines(key, prev_month(month)), lines)
            rows.append(FigureRow(key, prog.name, households, persons, amount_month, amount_year,
                                  note, len(added), len(removed)))
        else:
            households, persons = _batch_counts(month, programme=key)
            rows.append(FigureRow(key, prog.name, households, persons, amount_month, amount_year,
                                  note))
    rows += _relief_rows(month)
    return rows


def total(rows: list[FigureRow]) -> FigureRow:
    """The 合计 row: amounts only (a household on two programmes would count twice)."""
    return FigureRow(TOTAL_CODE, TOTAL_NAME, 0, 0, sum((r.amount_month for r in rows), ZERO),
                     sum((r.amount_year for r in rows), ZERO), "户数、人数不跨项目相加")


def paid_lines(programme: str, month: str) -> list[month_roll.RollLine]:
    """The lines of the month's roll that are paid (the package's roster of the month)."""
    return [line for line in month_roll.roll(programme, month) if not line.reason]


def roll_changes(programme: str, month) -> tuple[list[int], list[int]]:
    """(added, removed): ids of the enrollments that entered / left the paid roll this month."""
    month = norm_month(month)
    return _changes(paid_lines(programme, prev_month(month)), paid_lines(programme, month))


def _changes(before: list[month_roll.RollLine], after: list[month_roll.RollLine]
             ) -> tuple[list[int], list[int]]:
    old = {line.enrollment_id for line in before}
    new = {line.enrollment_id for line in after}
    return sorted(new - old), sorted(old - new)


def _roll_counts(lines: list[month_roll.RollLine]) -> tuple[int, int]:
    households: dict = {}
    for line in lines:
        key = line.household_id if line.household_id is not None else -line.person_id
        households[key] = households.get(key, 0) + line.covered_persons
    return len(households), sum(households.values())


def _batch_counts(month: str, *, oneoff: bool = False, programme: str | None = None
                  ) -> tuple[int, int]:
    which = "b.kind = 'oneoff'" if oneoff else "b.kind NOT IN ('oneoff', 'deduction') AND b.programme_id = ?"
    states = ", ".join("?" * len(PAID_STATES))
    cursor = database.execute_sql(
        "SELECT COALESCE(e.household_id, -l.person_id) AS hk, MAX(l.covered_persons)"
        " FROM batch_line l JOIN batch b ON b.id = l.batch_id"
        " LEFT JOIN enrollment e ON e.id = l.enrollment_id"
        f" WHERE b.month = ? AND b.state IN ({states}) AND l.status <> '失败' AND {which}"
        " GROUP BY hk",
        (month, *PAID_STATES, *([] if oneoff else [programme])))
    found = cursor.fetchall()
    return len(found), sum(int(n or 0) for _, n in found)


def _relief_rows(month: str) -> list[FigureRow]:
    cursor = database.execute_sql(
        "SELECT kind, substr(approved_date, 1, 7) = ? AS this_month,"
        " COUNT(DISTINCT COALESCE(household_id, -person_id)), COUNT(*), SUM(amount)"
        " FROM relief_case WHERE NOT cancelled AND substr(approved_date, 1, 7) BETWEEN ? AND ?"
        " GROUP BY kind, this_month",
        (month, f"{month[:4]}-01", month))
    found: dict[tuple[str, int], tuple[int, int, int]] = {}
    for kind, this_month, households, cases, fen in cursor.fetchall():
        found[(kind, int(this_month))] = (households, cases, int(fen or 0))
    rows = []
    for code, kind in RELIEF:
        households, cases, fen_month = found.get((kind, 1), (0, 0, 0))
        fen_year = fen_month + found.get((kind, 0), (0, 0, 0))[2]
        rows.append(FigureRow(code, kind, households, cases, _yuan(fen_month), _yuan(fen_year),
                              NOTES["relief"]))
    return rows


def _yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(CENT)


# --- the sheet ----------------------------------------------------------------------------

def title(township: str, month: str) -> str:
    return f"{township}{int(month[:4])}年{int(month[5:])}月民政月报"


def sheet_rows(rows: list[FigureRow]) -> list[dict]:
    """The dicts write_list takes: the rows, then 合计 (its counts left blank)."""
    out = [_as_dict(r) for r in rows]
    t = _as_dict(total(rows))
    t["households"] = t["persons"] = None
    return out + [t]


def _as_dict(r: FigureRow) -> dict:
    return {"code": r.code, "name": r.name, "households": r.households, "persons": r.persons,
            "amount_month": r.amount_month, "amount_year": r.amount_year, "added": r.added,
            "removed": r.removed, "note": r.note}


def write_sheet(month, path, rows: list[FigureRow] | None = None,
                township: str | None = None) -> Path:
    """The month's 民政月报 as an xlsx file of its own (the sheet the package carries),
    written whole or not at all.  `rows`: the month's figures when already computed."""
    from ..services.settings import get_setting
    from ..xlsx_export import write_list

    month = norm_month(month)
    path = Path(path)
    write_list(path, title(township or get_setting("township"), month), COLUMNS,
               sheet_rows(figures(month) if rows is None else rows), SHEET)
    return path


# The columns every sheet has had; 本月新增 / 本月减少 came later and may be absent.
OPTIONAL = ("added", "removed")


def parse_rows(cells: list[tuple]) -> list[FigureRow]:
    """The FigureRows of a sheet's cell values (as openpyxl returns them), 合计 left out.

    The header row is the first that holds every title of the required
    columns; each column is then read where its title stands, so a sheet
    written before 本月新增 / 本月减少 existed reads with those as None.
    Raises ValueError when the sheet does not have the layout `sheet_rows` writes.
    """
    required = {c.title: c.key for c in COLUMNS if c.key not in OPTIONAL}
    optional = {c.title: c.key for c in COLUMNS if c.key in OPTIONAL}
    for i, row in enumerate(cells):
        titles = [_text(v) for v in row]
        if all(t in titles for t in required):
            break
    else:
        raise ValueError("header row not found")
    where = {key: titles.index(t) for t, key in {**required, **optional}.items() if t in titles}
    out = []
    for row in cells[i + 1:]:
        values = {key: (row[col] if col < len(row) else None) for key, col in where.items()}
        code = _text(values.get("code"))
        if code == TOTAL_CODE:
            break
        if not code:
            continue
        out.append(FigureRow(code, _text(values["name"]), whole_number(values["households"]),
                             whole_number(values["persons"]), money_value(values["amount_month"]),
                             money_value(values["amount_year"]), _text(values.get("note")),
                             *(_optional_count(values.get(key)) for key in OPTIONAL)))
    return out


def _optional_count(value) -> int | None:
    return None if value is None or _text(value) == "" else whole_number(value)


def digest(rows: list[FigureRow]) -> str:
    """SHA-256 of the figures in a canonical JSON form (the manifest's figures_sha256).

    本月新增 / 本月减少 are part of a row's form only when it has them: the
    rows of a package written before they existed keep their old digest.
    """
    canonical = [[r.code, r.name, r.households, r.persons, str(r.amount_month), str(r.amount_year)]
                 + ([r.added, r.removed] if (r.added, r.removed) != (None, None) else [])
                 for r in rows]
    text = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def whole_number(value) -> int:
    if isinstance(value, bool) or value in (None, ""):
        raise ValueError("count missing")
    try:
        number = Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        raise ValueError("count is not a number") from None
    if not number.is_finite() or number != number.to_integral_value() or number < 0:
        raise ValueError("count is not a whole number")
    return int(number)


def money_value(value) -> Decimal:
    if isinstance(value, bool) or value in (None, ""):
        raise ValueError("amount missing")
    try:
        # A float from the cell: its shortest repr is the decimal that was written.
        return Decimal(str(value).replace(",", "")).quantize(CENT)
    except InvalidOperation:
        raise ValueError("amount is not a number") from None
