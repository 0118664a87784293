"""Figures computed from the registry and the payments, for the 工作台 and
(later) the statistics reports.

Every function is one or two SQL aggregates, so it stays fast at 100k persons
and 1M payment lines; Python only shapes the few grouped rows returned.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import peewee as pw
from peewee import JOIN, fn

from .models import PAID_STATES, Batch, BatchLine, Enrollment, Programme, database
from .payments import month_roll
from .money import from_fen
from .services.common import month as norm_month
from .services.common import prev_month

ACTIVE = "在保"
ZERO = Decimal("0.00")
# One-off subsidy batches are grouped under this key, whatever their programme.
ONEOFF = "oneoff"
ONEOFF_NAME = "一次性补贴"


@dataclass(frozen=True)
class ProgrammeFigures:
    code: str
    name: str
    unit: str  # household / person
    monthly: bool
    enrollments: int  # active (在保) enrollments: households or persons
    persons: int  # persons covered (sum of covered_persons)
    monthly_total: Decimal  # sum of the active monthly amounts


def programme_figures(month: str | None = None) -> list[ProgrammeFigures]:
    """One row per programme, in programme order.

    Monthly programmes are counted on the roll of `month` (default: this
    month) with the same query the batches and the summary use
    (`month_roll.enrolled_totals`); the others by their 在保 enrollments.
    """
    month = norm_month(month or dt.date.today())
    query = (Programme
             .select(Programme.code, Programme.name, Programme.unit, Programme.monthly,
                     fn.COUNT(Enrollment.id),
                     fn.SUM(Enrollment.covered_persons),
                     fn.SUM(Enrollment.amount).coerce(False))  # integer fen
             .join(Enrollment, JOIN.LEFT_OUTER,
                   on=((Enrollment.programme == Programme.code) & (Enrollment.status == ACTIVE)))
             .group_by(Programme.code, Programme.name, Programme.unit, Programme.monthly,
                       Programme.sort_order)
             .order_by(Programme.sort_order, Programme.code)
             .tuples())
    rows = []
    for code, name, unit, monthly, count, persons, fen in query:
        if monthly:
            count, persons, total = month_roll.enrolled_totals(code, month)
        else:
            total = from_fen(int(fen or 0))
        rows.append(ProgrammeFigures(code, name, unit, bool(monthly), count or 0, persons or 0, total))
    return rows


# --- payments per month ------------------------------------------------------

def months_ending(last_month: str, months: int = 12) -> list[str]:
    """The `months` months ending with `last_month`, oldest first."""
    if months < 1:
        raise ValueError("months must be at least 1")
    out = [norm_month(last_month)]
    while len(out) < months:
        out.append(prev_month(out[-1]))
    return out[::-1]


def series_names() -> dict[str, str]:
    """Chinese names of the keys `monthly_paid` returns, in display order."""
    names = dict(Programme.select(Programme.code, Programme.name)
                 .order_by(Programme.sort_order, Programme.code).tuples())
    names[ONEOFF] = ONEOFF_NAME
    return names


def last_paid_month() -> str | None:
    """The latest month of a paid batch, or None when nothing was ever paid."""
    return (Batch.select(fn.MAX(Batch.month))
            .where(Batch.state.in_(PAID_STATES)).scalar())


def monthly_paid(last_month: str, months: int = 12) -> dict[str, list[tuple[str, Decimal]]]:
    """Amount paid per series and month over the `months` months ending `last_month`.

    Keys are programme codes (every monthly programme, plus any other that
    paid in the period) and ONEOFF for the one-off subsidy batches; each value
    lists every month of the period, oldest first, with 0.00 where nothing
    was paid. Regular, 补发 and 扣回 batches count under their programme; a
    扣回 batch recovers money whatever the sign of its lines.
    """
    period = months_ending(last_month, months)
    states = ", ".join("?" for _ in PAID_STATES)
    # Each batch row carries its total without the failed lines (kept by the triggers of
    # migration 3), so only the few 扣回 batches, counted by the size of each line
    # whatever its sign, need their lines summed.
    rows = database.execute_sql(
        "SELECT CASE WHEN b.kind = ? THEN ? ELSE b.programme_id END AS series, b.month,"
        " SUM(CASE WHEN b.kind = 'deduction' THEN -(SELECT COALESCE(SUM(abs(l.amount)), 0)"
        " FROM batch_line l WHERE l.batch_id = b.id AND l.status <> '失败') ELSE b.total END)"
        f" FROM batch b WHERE b.state IN ({states}) AND b.month BETWEEN ? AND ?"
        " GROUP BY series, b.month",
        (ONEOFF, ONEOFF, *PAID_STATES, period[0], period[-1])).fetchall()
    paid: dict[str, dict[str, Decimal]] = {}
    for series, month, fen in rows:
        paid.setdefault(series or ONEOFF, {})[month] = from_fen(int(fen or 0))
    monthly = [code for code, in Programme.select(Programme.code)
               .where(Programme.monthly == True)  # noqa: E712 (SQL comparison)
               .order_by(Programme.sort_order, Programme.code).tuples()]
    keys = monthly + sorted(k for k in paid if k not in monthly and k != ONEOFF) + [ONEOFF]
    return {k: [(m, paid.get(k, {}).get(m, ZERO)) for m in period] for k in keys}


def month_totals(series: dict[str, list[tuple[str, Decimal]]]) -> list[tuple[str, Decimal]]:
    """The sum over every series of a `monthly_paid` result, month by month."""
    values = list(series.values())
    if not values:
        return []
    return [(month, sum((v[i][1] for v in values), ZERO)) for i, (month, _) in enumerate(values[0])]
