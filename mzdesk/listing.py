"""The contract between a list shown in a table and the query behind it.

A `ListSource` answers count / rows / summary for a dict of filters, doing
the filtering, sorting and paging in SQL, so a table over 100k rows only
ever holds the page on screen.  The GUI's generic table model and the
xlsx export both work from this contract; neither knows any SQL.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol


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
             offset: int, limit: int) -> list[dict[str, Any]]:
        """One page of matching rows; each dict has 'id' plus the column keys."""

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
