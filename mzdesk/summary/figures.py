"""The figures of the half-year / annual summary (issue 6), as plain JSON types.

`summary_figures(from, to)` fills every `x` of the seed document for a period
of months.  Where each figure comes from:

- Counts "as they stood at the end of the period" (低保, 特困, 优抚) are the
  roll of the period's last month (mzdesk.payments.month_roll): every
  enrollment on it except those stopped (停保) or dead before that month.
  An enrollment left out of the payment only for a missing bank account or a
  zero amount is still on the roll, so it counts.  低保 households are
  enrollments, persons the persons they cover.
- Money paid within the period: lines of batches in PAID_STATES whose month
  lies in the period, failed lines left out, 扣回 subtracted — the monthly
  series of mzdesk.figures.monthly_paid (the 工作台 reads the same), summed.
- 五保 dispersed vs centralized: the enrollment's category 散居 / 集中, the
  institution in details['institution']; `dispersed_paid` is the regular,
  补发 and 扣回 money of the enrollments whose category is 散居 now.
- 重点优抚对象 by category: 伤残军人 (whatever the grade), 复员军人, 带病回乡,
  参战参试, 三属 (烈属, 因公牺牲遗属, 病故遗属).  农村籍退役士兵 are not
  重点优抚对象: they are counted apart, those aged 60 or more at the end of
  the period in `rural_veterans_60`; `paid` is every 优抚 payment, theirs too.
- One-off subsidies: paid one-off batches of the period grouped by the
  subsidy's name (two 低保门诊救助金 batches of one month, one of them only for
  重症精神病 persons, are one entry); recipients are lines, `tagged` the
  persons counted on the lines of a batch whose subsidy filtered on a tag.
- The ledgers (relief, house survey, cards, activities, indicators, deaths):
  mzdesk.summary.ledger_figures.

Money is a string in 元 with two decimals ('1234.50').  Keys beyond the issue's
JSON (one_off[].by_programme, tupifang.transition_fee, activities) add what
some seed sentences need; nothing of the issue's shape is changed.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ..errors import ValidationError
from ..figures import monthly_paid
from ..files import atomic_path
from ..models import PAID_STATES, Enrollment, Person, Programme, database
from ..money import from_fen, yuan_str
from ..payments import month_roll
from ..payments.month_roll import RollLine
from ..services.common import month as norm_month
from ..services.common import month_end
from ..services.settings import get_setting
from . import ledger_figures

ZERO = Decimal("0.00")
DIBAO = ("dibao_urban", "dibao_rural")
# Reasons for which someone on a roll is left out of the payment but still enrolled.
_STILL_ENROLLED = month_roll.ENROLLED
DISPERSED, CENTRALIZED = "散居", "集中"
NO_INSTITUTION = "未注明机构"
# The seed's 重点优抚对象 categories, in its order; enrollment categories map onto them.
YOUFU_GROUPS = ("复员军人", "带病回乡", "伤残军人", "参战参试", "三属")
_YOUFU_GROUP_OF = {"烈属": "三属", "因公牺牲遗属": "三属", "病故遗属": "三属"}
RURAL_VETERAN = "农村籍退役士兵"
VETERAN_AGE = 60


@dataclass(frozen=True)
class Period:
    """A run of whole months, `first` to `last` inclusive."""

    first: str
    last: str

    @property
    def start(self) -> dt.date:
        return dt.date.fromisoformat(self.first + "-01")

    @property
    def end(self) -> dt.date:
        return month_end(self.last)

    @property
    def months(self) -> int:
        return (int(self.last[:4]) * 12 + int(self.last[5:])) - (int(self.first[:4]) * 12
                                                                   + int(self.first[5:])) + 1


def period(period_from, period_to) -> Period:
    first, last = norm_month(period_from), norm_month(period_to)
    if first > last:
        raise ValidationError("起始月份不能晚于结束月份")
    return Period(first, last)


# --- who is on a roll at the end of the period ---------------------------------------------

def on_roll(programme: str, month: str) -> list[RollLine]:
    """The roll of `month` without those stopped or dead (month_roll's own reasons)."""
    return [r for r in month_roll.roll(programme, month) if r.reason in _STILL_ENROLLED]


def dibao(programme: str, p: Period) -> dict:
    lines = on_roll(programme, p.last)
    return {"households": len(lines), "persons": sum(r.covered_persons for r in lines)}


def dibao_ids(programme: str, p: Period) -> list[int]:
    return sorted(r.enrollment_id for r in on_roll(programme, p.last))


def institutions() -> list[str]:
    """The 供养机构 of the settings, in the order the clerk typed them."""
    text = get_setting("institutions")
    for sep in ("，", "、", "\n"):
        text = text.replace(sep, ",")
    return [x.strip() for x in text.split(",") if x.strip()]


def tekun_groups(p: Period) -> dict[str, list[RollLine]]:
    """'persons', 'dispersed' and one list per institution ('centralized:<name>')."""
    lines = on_roll("tekun", p.last)
    where = dict(Enrollment.select(Enrollment.id, Enrollment.details)
                 .where((Enrollment.programme == "tekun") & (Enrollment.category == CENTRALIZED))
                 .tuples())
    groups: dict[str, list[RollLine]] = {"persons": lines,
                                         "dispersed": [r for r in lines if r.category == DISPERSED]}
    for name in institutions():
        groups[f"centralized:{name}"] = []
    for r in lines:
        if r.category == CENTRALIZED:
            name = str((where.get(r.enrollment_id) or {}).get("institution") or "").strip()
            groups.setdefault(f"centralized:{name or NO_INSTITUTION}", []).append(r)
    return groups


def youfu_group(category: str) -> str:
    """The seed's category of an enrollment category ('伤残军人' for '伤残军人:6级')."""
    base = (category or "").split(":")[0].strip()
    return _YOUFU_GROUP_OF.get(base, base or "其他")


def youfu_groups(p: Period) -> dict[str, list[RollLine]]:
    """'persons', 'rural_veterans_60' and one list per category ('categories:<name>')."""
    lines = on_roll("youfu", p.last)
    veterans = [r for r in lines if youfu_group(r.category) == RURAL_VETERAN]
    births = dict(Person.select(Person.id, Person.birth_date)
                  .where(Person.id.in_([r.person_id for r in veterans])).tuples()) if veterans else {}
    key = [r for r in lines if youfu_group(r.category) != RURAL_VETERAN]
    groups: dict[str, list[RollLine]] = {"persons": key}
    for name in YOUFU_GROUPS:
        groups[f"categories:{name}"] = []
    for r in key:
        groups.setdefault(f"categories:{youfu_group(r.category)}", []).append(r)
    groups["rural_veterans_60"] = [r for r in veterans
                                   if _age(births[r.person_id], p.end) >= VETERAN_AGE]
    return groups


def _age(birth, on: dt.date) -> int:
    birth = birth if isinstance(birth, dt.date) else dt.date.fromisoformat(str(birth)[:10])
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _counts(groups: dict[str, list], prefix: str) -> dict[str, int]:
    return {k[len(prefix):]: len(v) for k, v in groups.items() if k.startswith(prefix)}


# --- money paid within the period ------------------------------------------------------------

def paid_totals(p: Period) -> dict[str, Decimal]:
    """Programme code (and figures.ONEOFF) → money paid in the period (mzdesk.figures)."""
    return {code: sum((amount for _, amount in series), ZERO)
            for code, series in monthly_paid(p.last, p.months).items()}


def _in(values) -> str:
    return ", ".join("?" * len(values))


# The batches whose money monthly_paid counts under a programme: not the one-offs.
PROGRAMME_BATCHES = (f"SELECT b.id FROM batch b WHERE b.programme_id IN ({{programmes}})"
                     f" AND b.kind <> 'oneoff' AND b.state IN ({_in(PAID_STATES)})"
                     " AND b.month BETWEEN ? AND ?")

# Each line signed as monthly_paid signs it: a 扣回 line recovers money whatever its sign.
_DISPERSED_LINES = f"""
FROM batch b JOIN batch_line l ON l.batch_id = b.id JOIN enrollment e ON e.id = l.enrollment_id
WHERE b.programme_id = 'tekun' AND b.kind <> 'oneoff' AND b.state IN ({_in(PAID_STATES)})
  AND b.month BETWEEN ? AND ? AND l.status <> '失败' AND e.category = '{DISPERSED}'
"""


def programme_batch_ids(programmes, p: Period) -> list[int]:
    sql = PROGRAMME_BATCHES.format(programmes=_in(programmes)) + " ORDER BY b.month, b.id"
    return [bid for bid, in database.execute_sql(sql, (*programmes, *PAID_STATES, p.first, p.last))]


def dispersed_paid(p: Period) -> Decimal:
    sql = ("SELECT SUM(CASE WHEN b.kind = 'deduction' THEN ABS(l.amount) * -1 ELSE l.amount END)"
           + _DISPERSED_LINES)
    fen = database.execute_sql(sql, (*PAID_STATES, p.first, p.last)).fetchone()[0]
    return from_fen(int(fen or 0))


def dispersed_line_ids(p: Period) -> list[int]:
    sql = "SELECT l.id" + _DISPERSED_LINES + " ORDER BY b.month, l.id"
    return [lid for lid, in database.execute_sql(sql, (*PAID_STATES, p.first, p.last))]


# --- one-off subsidies -------------------------------------------------------------------------

_ONEOFF_BATCHES = f"""
FROM batch b LEFT JOIN one_off_subsidy s ON s.id = b.subsidy_id
WHERE b.kind = 'oneoff' AND b.state IN ({_in(PAID_STATES)}) AND b.month BETWEEN ? AND ?
"""
_ONEOFF_SQL = f"""
SELECT b.id, b.month, COALESCE(s.name, b.name), COALESCE(s.programmes, ''),
       COALESCE(s.tag_filter, ''), COALESCE(e.programme_id, b.programme_id, ''),
       COUNT(l.id), COALESCE(SUM(l.amount), 0), COALESCE(SUM(l.covered_persons), 0)
FROM batch b LEFT JOIN one_off_subsidy s ON s.id = b.subsidy_id
LEFT JOIN batch_line l ON l.batch_id = b.id AND l.status <> '失败'
LEFT JOIN enrollment e ON e.id = l.enrollment_id
WHERE b.kind = 'oneoff' AND b.state IN ({_in(PAID_STATES)}) AND b.month BETWEEN ? AND ?
GROUP BY b.id, COALESCE(e.programme_id, b.programme_id, '')
ORDER BY b.month, b.id
"""


def _programme_order() -> dict[str, int]:
    codes = Programme.select(Programme.code).order_by(Programme.sort_order, Programme.code).tuples()
    return {code: i for i, (code,) in enumerate(codes)}


def one_off(p: Period) -> list[dict]:
    """One entry per subsidy name, in the order of its first batch in the period."""
    order = _programme_order()
    entries: dict[str, dict] = {}
    for (bid, month, name, programmes, tag, programme, lines, fen, persons) in database.execute_sql(
            _ONEOFF_SQL, (*PAID_STATES, p.first, p.last)):
        e = entries.setdefault(name, {"months": set(), "programmes": set(), "recipients": 0,
                                      "fen": 0, "tagged": {}, "by_programme": {}})
        e["months"].add(month)
        e["programmes"].update(c for c in programmes.split(",") if c)
        if lines:
            if programme:
                e["programmes"].add(programme)
            e["recipients"] += lines
            e["fen"] += fen
            e["by_programme"][programme] = e["by_programme"].get(programme, 0) + fen
            if tag:
                e["tagged"][tag] = e["tagged"].get(tag, 0) + persons
        elif tag:
            e["tagged"].setdefault(tag, 0)

    def by_order(codes):
        return sorted(codes, key=lambda c: (order.get(c, len(order)), c))

    return [{"name": name, "programmes": by_order(e["programmes"]), "months": sorted(e["months"]),
             "recipients": e["recipients"], "amount": yuan_str(from_fen(e["fen"])),
             "tagged": e["tagged"],
             "by_programme": {c: yuan_str(from_fen(e["by_programme"][c]))
                              for c in by_order(e["by_programme"])}}
            for name, e in entries.items()]


def one_off_batch_ids(name: str, p: Period) -> list[int]:
    sql = ("SELECT b.id" + _ONEOFF_BATCHES + " AND COALESCE(s.name, b.name) = ? ORDER BY b.month, b.id")
    return [bid for bid, in database.execute_sql(sql, (*PAID_STATES, p.first, p.last, name))]


def one_off_line_ids(name: str, p: Period, tag: str | None = None) -> list[int]:
    """The lines (not failed) of the subsidy's batches; with `tag`, of its tagged batches only."""
    sql = ("SELECT l.id FROM batch_line l WHERE l.status <> '失败' AND l.batch_id IN"
           " (SELECT b.id" + _ONEOFF_BATCHES + " AND COALESCE(s.name, b.name) = ?"
           + (" AND s.tag_filter = ?" if tag is not None else "") + ") ORDER BY l.batch_id, l.id")
    params = (*PAID_STATES, p.first, p.last, name) + ((tag,) if tag is not None else ())
    return [lid for lid, in database.execute_sql(sql, params)]


# --- the whole summary ---------------------------------------------------------------------------

def summary_figures(period_from: str, period_to: str) -> dict:
    """Every figure of the summary for the months `period_from` to `period_to` (the issue's JSON)."""
    p = period(period_from, period_to)
    paid = paid_totals(p)
    tekun = tekun_groups(p)
    youfu = youfu_groups(p)
    return {
        "township": get_setting("township"),
        "from": p.first,
        "to": p.last,
        "dibao_urban": dibao("dibao_urban", p),
        "dibao_rural": dibao("dibao_rural", p),
        "dibao_paid": yuan_str(sum((paid.get(code, ZERO) for code in DIBAO), ZERO)),
        "one_off": one_off(p),
        "tekun": {"persons": len(tekun["persons"]), "dispersed": len(tekun["dispersed"]),
                  "centralized": _counts(tekun, "centralized:"),
                  "dispersed_paid": yuan_str(dispersed_paid(p))},
        "relief": ledger_figures.relief(p),
        "tupifang": ledger_figures.tupifang(p),
        "youfu": {"persons": len(youfu["persons"]), "categories": _counts(youfu, "categories:"),
                  "rural_veterans_60": len(youfu["rural_veterans_60"]),
                  "paid": yuan_str(paid.get("youfu", ZERO))},
        "elderly": ledger_figures.elderly(p),
        "indicators": ledger_figures.indicators(p),
        "deaths": ledger_figures.deaths(p),
        "activities": ledger_figures.activities(p),
    }


def write_summary_json(period_from, period_to, path) -> Path:
    """The summary's figures as a JSON file (UTF-8, Chinese as is), written whole or not at all."""
    figures = summary_figures(period_from, period_to)
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
