"""The summary's figures that come from the ledgers (台账), not the payments.

- relief: cases not cancelled whose approval date lies in the period (as the
  民政月报 counts them), by case type × target group; `households` counts
  distinct households (the case's household, else the person's active
  household, else the person alone), `amount` the sum.  The six pairs the
  seed names are always listed, in its order, even at zero; other pairs after.
- tupifang (the house survey): every record surveyed on or before the last
  day of the period, i.e. the survey as it stands at the period's end;
  `demolished` counts progress 已拆除 or 已建成, `compensation` sums
  拆迁补偿费 and `transition_fee` 过渡安置费 over every record.
- elderly: cards (老年优待证 and 免费乘车证) issued, and 老年人文化活动 held,
  in the period.  `activities` (beyond the issue's JSON) counts every kind of
  activity held in the period with the months it was held in.
- indicators: per name, the value of the latest month in the period.
- deaths: registrations with a death date in the period, and those cremated.

Each figure's `*_query(p, …)` selects the very rows it counts, so that
mzdesk.summary.records can list them.
"""
from __future__ import annotations

from decimal import Decimal

import peewee as pw
from peewee import fn

from ..models import Activity, CardIssuance, Death, HouseholdMember, HouseSurvey, Indicator, ReliefCase
from ..money import from_fen, yuan_str
from ..services.ledgers import CASE_TYPES, FAMILY_TYPES, INTENTIONS

ELDERLY_ACTIVITY = "老年人文化活动"
DEMOLISHED = ("已拆除", "已建成")
TARGET_GROUPS = ("五保户", "低保户", "优抚对象", "困难户")
# (case type, target group) in the order of the seed's sentence on relief.
SEED_RELIEF = (("门诊医疗救助", "五保户"), ("大病医疗救助", "困难户"), ("临时困难救助", "困难户"),
               ("医疗费用救助", "低保户"), ("医疗费用救助", "优抚对象"), ("临时困难救助", "优抚对象"))


def _fen(value) -> Decimal:
    return from_fen(int(value or 0))


# --- relief ----------------------------------------------------------------------------------

def relief_query(p, case_type: str | None = None, target: str | None = None):
    query = ReliefCase.select().where((ReliefCase.cancelled == False)  # noqa: E712 (SQL)
                                      & ReliefCase.approved_date.between(p.start, p.end))
    if case_type is not None:
        query = query.where(ReliefCase.case_type == case_type)
    if target is not None:
        query = query.where(ReliefCase.target_group == target)
    return query


def _household_key():
    """The case's household, else the person's active household, else minus the person."""
    member = (HouseholdMember.select(HouseholdMember.household)
              .where((HouseholdMember.person == ReliefCase.person) & HouseholdMember.active)
              .order_by(HouseholdMember.id).limit(1))
    return fn.COALESCE(ReliefCase.household, member, ReliefCase.person * -1)


def relief(p) -> list[dict]:
    rows = (relief_query(p)
            .select(ReliefCase.case_type, ReliefCase.target_group,
                    fn.COUNT(fn.DISTINCT(_household_key())), fn.SUM(ReliefCase.amount).coerce(False))
            .group_by(ReliefCase.case_type, ReliefCase.target_group).tuples())
    found = {(t, g): (n, fen) for t, g, n, fen in rows}
    types = {t: i for i, t in enumerate(CASE_TYPES)}
    groups = {g: i for i, g in enumerate(TARGET_GROUPS)}
    others = sorted((k for k in found if k not in SEED_RELIEF),
                    key=lambda k: (types.get(k[0], len(types)), k[0], groups.get(k[1], len(groups)), k[1]))
    out = []
    for key in (*SEED_RELIEF, *others):
        n, fen = found.get(key, (0, 0))
        out.append({"type": key[0], "target": key[1], "households": n, "amount": yuan_str(_fen(fen))})
    return out


# --- the house survey ----------------------------------------------------------------------------

def survey_query(p, *, intention: str | None = None, family_type: str | None = None,
                 demolished: bool = False):
    query = HouseSurvey.select().where(HouseSurvey.survey_date <= p.end)
    if intention is not None:
        query = query.where(HouseSurvey.intention == intention)
    if family_type is not None:
        query = query.where(HouseSurvey.family_type == family_type)
    if demolished:
        query = query.where(HouseSurvey.progress.in_(DEMOLISHED))
    return query


def tupifang(p) -> dict:
    rows = (survey_query(p)
            .select(HouseSurvey.intention, HouseSurvey.family_type,
                    HouseSurvey.progress.in_(DEMOLISHED), fn.COUNT(HouseSurvey.id),
                    fn.SUM(HouseSurvey.persons), fn.SUM(HouseSurvey.compensation).coerce(False),
                    fn.SUM(HouseSurvey.transition_fee).coerce(False))
            .group_by(HouseSurvey.intention, HouseSurvey.family_type,
                      HouseSurvey.progress.in_(DEMOLISHED)).tuples())
    intention = {name: 0 for name in INTENTIONS}
    family = {name: {"households": 0, "persons": 0} for name in FAMILY_TYPES}
    households = persons = demolished = compensation = transition = 0
    for want, ftype, down, n, people, comp, trans in rows:
        households += n
        persons += people or 0
        demolished += n if down else 0
        compensation += comp or 0
        transition += trans or 0
        intention[want] = intention.get(want, 0) + n
        f = family.setdefault(ftype, {"households": 0, "persons": 0})
        f["households"] += n
        f["persons"] += people or 0
    return {"households": households, "persons": persons, "intention": intention,
            "family_type": family, "demolished": demolished,
            "compensation": yuan_str(_fen(compensation)), "transition_fee": yuan_str(_fen(transition))}


# --- 老龄, activities, indicators, deaths -------------------------------------------------------

def cards_query(p):
    return CardIssuance.select().where(CardIssuance.issued_date.between(p.start, p.end))


def activities_query(p, kind: str | None = None):
    query = Activity.select().where(Activity.held_date.between(p.start, p.end))
    return query if kind is None else query.where(Activity.kind == kind)


def elderly(p) -> dict:
    return {"cards": cards_query(p).count(), "activities": activities_query(p, ELDERLY_ACTIVITY).count()}


def activities(p) -> dict:
    """kind → {'count', 'months'} of every activity held in the period."""
    out: dict[str, dict] = {}
    for kind, held in (activities_query(p).select(Activity.kind, Activity.held_date)
                       .order_by(Activity.held_date, Activity.id).tuples()):
        entry = out.setdefault(kind, {"count": 0, "months": []})
        entry["count"] += 1
        month = str(held)[:7]
        if month not in entry["months"]:
            entry["months"].append(month)
    return out


def indicator_rows(p) -> list[Indicator]:
    """The latest row of each indicator within the period."""
    latest = (Indicator.select(Indicator.name, fn.MAX(Indicator.month).alias("month"))
              .where(Indicator.month.between(p.first, p.last)).group_by(Indicator.name))
    return list(Indicator.select()
                .join(latest, on=((Indicator.name == latest.c.name) & (Indicator.month == latest.c.month)))
                .order_by(Indicator.name))


def indicators(p) -> dict[str, str]:
    return {row.name: row.value for row in indicator_rows(p)}


def deaths_query(p, cremated: bool = False):
    query = Death.select().where(Death.death_date.between(p.start, p.end))
    return query.where(Death.cremated == True) if cremated else query  # noqa: E712 (SQL)


def deaths(p) -> dict:
    row = (deaths_query(p).select(fn.COUNT(Death.id),
                                  fn.SUM(pw.Case(None, [(Death.cremated == True, 1)], 0)))  # noqa: E712
           .tuples().first())
    return {"deaths": row[0] or 0, "cremations": row[1] or 0}
