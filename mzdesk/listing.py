"""The contract between a list shown in a table and the query behind it.

A `ListSource` answers count / rows / summary for a dict of filters, doing
the filtering, sorting and paging in SQL, so a table over 100k rows only
ever holds the page on screen.  The GUI's generic table model and the
xlsx export both work from this contract; neither knows any SQL.

Paging by keyset ("seek"): a source may put each row's position in its
order under `CURSOR` and accept `after=` that position, so the next page
starts right after the last row shown instead of skipping OFFSET rows,
which SQLite has to walk (or sort) again for every page: page 240 of a
100k-person list then costs what page 1 does.  `SortKey`, `order_by` and
`seek` build both clauses from one list, so they cannot disagree.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, Sequence

# Row key under which a source that pages by keyset gives the row's position
# (its sort values); opaque to the caller, handed back as `after`.
CURSOR = "_cursor"


@dataclass(frozen=True)
class Column:
    key: str  # key in each row dict
    title: str  # header shown to the clerk (and in exports)
    align: str = "left"  # left / right / center
    sortable: bool = True
    text: bool = False  # export as a text cell (ID numbers, accounts)
    width: int | None = None  # preferred width in characters


class ListSource(Protocol):
    columns: list[Column]

    def count(self, filters: dict) -> int:
        """How many rows match the filters."""

    def rows(self, filters: dict, order: str | None, descending: bool,
             offset: int, limit: int, after: Any = None) -> list[dict[str, Any]]:
        """One page of matching rows; each dict has 'id' plus the column keys.

        `after` (only for sources whose rows carry CURSOR) is the CURSOR of a
        row from the same filters and order: the page then starts right
        after that row, and `offset` counts from there."""

    def summary(self, filters: dict) -> str:
        """The status line for the filtered list (count, households, total, …)."""


def display(value: Any) -> str:
    """How a cell value is written on screen and in exports."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


# Sort expressions never NULL in any list: the person `p` is always joined
# (never LEFT JOIN) and the schema declares these NOT NULL.  A descending
# seek on them needs no "OR x IS NULL", so SQLite can use an index range.
NOT_NULL = frozenset({"p.id", "p.name", "p.pinyin", "p.initials", "p.id_number", "p.sex",
                      "p.birth_date"})


@dataclass(frozen=True)
class SortKey:
    """One term of an ORDER BY: an SQL expression (from a whitelist, never
    typed text), its direction, and whether it can be NULL."""
    expr: str
    descending: bool = False
    nullable: bool = True

    @classmethod
    def of(cls, expr: str, descending: bool = False) -> "SortKey":
        return cls(expr, descending, expr not in NOT_NULL)


def sort_key(term: str) -> SortKey:
    """'x' or 'x DESC' as written in a default order."""
    if term.upper().endswith(" DESC"):
        return SortKey.of(term[:-5].strip(), True)
    return SortKey.of(term)


def order_by(keys: Sequence[SortKey]) -> str:
    return " ORDER BY " + ", ".join(k.expr + (" DESC" if k.descending else "") for k in keys)


def _after(key: SortKey, value) -> tuple[str, list]:
    # SQLite sorts NULL before every value: first ascending, last descending.
    x = f"({key.expr})"  # parenthesised: 'a IS NOT NULL' > ? would bind as a IS NOT (NULL > ?)
    if value is None:
        return ("0", []) if key.descending else (f"{x} IS NOT NULL", [])
    if key.descending:
        if not key.nullable:
            return f"{x} < ?", [value]
        return f"({x} < ? OR {x} IS NULL)", [value]
    return f"{x} > ?", [value]


def _same(key: SortKey, value) -> tuple[str, list]:
    x = f"({key.expr})"
    return (f"{x} IS NULL", []) if value is None else (f"{x} = ?", [value])


def seek(keys: Sequence[SortKey], values: Sequence) -> tuple[str, list]:
    """SQL predicate (and parameters) for "the row comes after the row whose
    sort values are `values`" in the order `keys` give; the last key must be
    unique (the id) so that no two rows tie."""
    if len(keys) != len(values) or not keys:
        raise ValueError("cursor does not fit the order")
    if (len({k.descending for k in keys}) == 1 and not any(k.nullable for k in keys)
            and None not in values):
        # One direction and no NULL: a row value (k1, k2, …) > (v1, v2, …).
        # SQLite evaluates each sort expression once per row for it (an age
        # computed from dates, say) and starts an index range from it.
        sql = "({}) {} ({})".format(", ".join(f"({k.expr})" for k in keys),
                                    "<" if keys[0].descending else ">", ", ".join("?" for _ in keys))
        return f"({sql})", list(values)
    return _expanded(keys, values)


def _expanded(keys: Sequence[SortKey], values: Sequence) -> tuple[str, list]:
    """k1 > v1 OR (k1 = v1 AND (k2 > v2 OR (k2 = v2 AND …))), each comparison
    written for its direction and for NULL, led by the redundant k1 >= v1 so
    that SQLite can start an index range on the first key (k1 <= v1
    descending, when k1 cannot be NULL: NULLs sort last there)."""
    sql, params = _after(keys[-1], values[-1])
    for key, value in zip(reversed(keys[:-1]), reversed(values[:-1])):
        after, a_params = _after(key, value)
        same, s_params = _same(key, value)
        sql, params = f"({after} OR ({same} AND {sql}))", a_params + s_params + params
    first, value = keys[0], values[0]
    x = f"({first.expr})"
    if len(keys) > 1:
        if value is None:
            if first.descending:
                sql = f"{x} IS NULL AND {sql}"
        elif not first.descending:
            sql, params = f"{x} >= ? AND {sql}", [value] + params
        elif not first.nullable:
            sql, params = f"{x} <= ? AND {sql}", [value] + params
    return f"({sql})", params
