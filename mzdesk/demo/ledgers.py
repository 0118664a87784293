"""The one-off ledgers (台账): relief cases, the 土坯房 survey, cards,
activities and indicators."""
from __future__ import annotations

import datetime as dt

from . import names
from .programmes import Rolls
from .world import Household, Person, World, month_day, month_first, month_index, month_text

# (kind, case type, target group, share, amount range in 元)
RELIEF_CASES = (
    ("医疗救助", "门诊医疗救助", "五保户", 10, (200, 800)),
    ("医疗救助", "大病医疗救助", "困难户", 25, (2000, 20000)),
    ("临时救助", "临时困难救助", "困难户", 25, (500, 3000)),
    ("医疗救助", "医疗费用救助", "低保户", 15, (500, 5000)),
    ("医疗救助", "医疗费用救助", "优抚对象", 10, (500, 5000)),
    ("临时救助", "临时困难救助", "优抚对象", 15, (500, 3000)),
)
INTENTIONS = (("原址重建", 35), ("异地重建", 15), ("集中新建", 10), ("进城安居", 30), ("不愿意改造", 10))


def groups_at(p: Person, idx: int) -> set[str]:
    """Which relief target groups a person belongs to in a month."""
    out = set()
    for e in p.enrollments or ():
        if e.active_in(idx):
            if e.programme == "tekun":
                out.add("五保户")
            elif e.programme == "youfu":
                out.add("优抚对象")
    hh = p.household
    if hh.programme in ("dibao_urban", "dibao_rural"):
        e = next(e for e in hh.head.enrollments if e.programme == hh.programme)
        if e.active_in(idx):  # covered or not, a member of a 低保 household
            out.add("低保户")
    return out


def _alive(p: Person, day: dt.date) -> bool:
    return p.death is None or p.death > day


class Ledgers:
    def __init__(self, w: World, rolls: Rolls, moved_out: set[int]):
        self.w = w
        self.rng = w.rng
        self.rolls = rolls
        self.moved_out = moved_out
        self.relief: list[tuple] = []
        self.surveys: list[tuple] = []
        self.cards: list[tuple] = []
        self.activities: list[tuple] = []
        self.indicators: list[tuple] = []

    def build(self) -> None:
        self.build_relief()
        self.build_surveys()
        self.build_cards()
        self.build_activities()

    # -- 临时救助 / 医疗救助 ----------------------------------------------------

    def build_relief(self) -> None:
        w, rng = self.w, self.rng
        total = w.n(80)
        shares = sum(c[3] for c in RELIEF_CASES)
        first = month_first(w.first_paid)
        last = w.today - dt.timedelta(days=1)
        pools = {"五保户": [e.person for e in self.rolls.tekun],
                 "低保户": [e.person for e in self.rolls.dibao],
                 "优抚对象": [e.person for e in self.rolls.youfu]}
        cases = []
        for kind, case_type, group, share, (lo, hi) in RELIEF_CASES:
            for _ in range(max(1, round(total * share / shares))):
                for _attempt in range(200):
                    day = w.date_between(first, last)
                    p = self._relief_person(group, pools.get(group), day)
                    if p is not None:
                        break
                else:
                    continue
                amount = rng.randint(lo // 10, hi // 10) * 1000
                paid = day + dt.timedelta(days=rng.randint(3, 20))
                cases.append((day, kind, case_type, p, group, amount, paid if paid <= w.today else None))
        cases.sort(key=lambda c: (c[0], c[3].id))
        for i, (day, kind, case_type, p, group, amount, paid) in enumerate(cases, start=1):
            self.relief.append((i, kind, case_type, p.id, p.household.id, group, amount, day.isoformat(),
                                paid.isoformat() if paid else None, "", 0))

    def _relief_person(self, group: str, pool: list[Person] | None, day: dt.date) -> Person | None:
        rng, idx = self.rng, month_index(day)
        if pool is None:  # 困难户: anyone adult on none of the three rolls
            if rng.random() < 0.3 and self.rolls.bianyuan:
                p = self.rolls.bianyuan[rng.randrange(len(self.rolls.bianyuan))].person
            else:
                p = self.w.persons[rng.randrange(len(self.w.persons))]
            if p.age < 18 or p.household.id in self.moved_out:
                return None
        else:
            p = pool[rng.randrange(len(pool))]
        if not _alive(p, day) or p.birth > day:
            return None
        found = groups_at(p, idx)
        if (pool is None and found) or (pool is not None and found != {group}):
            return None
        return p

    # -- 土坯房 survey ----------------------------------------------------------

    def build_surveys(self) -> None:
        w, rng = self.w, self.rng
        survey_month = w.first_paid + 2
        start = month_first(w.first_paid + 1)
        end = month_first(w.first_paid + 3) - dt.timedelta(days=1)

        def ok(h: Household, programme: str) -> bool:
            if h.village.kind != "村" or h.id in self.moved_out or not _alive(h.head, end):
                return False
            if programme == "":
                return not h.programme
            es = [e for e in h.head.enrollments or () if e.programme == programme and e.active_in(survey_month)]
            if programme == "tekun":
                return bool(es) and es[0].category == "散居"
            return bool(es)

        chosen: list[tuple[Household, str]] = []
        plan = (("dibao_rural", "农村低保", 60), ("tekun", "散居五保", 25), ("bianyuan", "低保边缘户", 20))
        for programme, family_type, base in plan:
            pool = [h for h in w.households if h.programme == programme and ok(h, programme)]
            for h in self.rolls.weighted_sample(pool, lambda h: 1.0, w.n(base)):
                chosen.append((h, family_type))
        rest = w.n(400) - len(chosen)
        pool = [h for h in w.households if ok(h, "")]
        pilot_weight = lambda h: 3.0 if h.village.name == names.PILOT_VILLAGE else 1.0  # noqa: E731
        for h in self.rolls.weighted_sample(pool, pilot_weight, rest):
            chosen.append((h, "一般群众"))
        chosen.sort(key=lambda c: (c[0].village.order, c[0].id))
        i_cum = []
        acc = 0
        for name, weight in INTENTIONS:
            acc += weight
            i_cum.append((acc, name))
        for i, (h, family_type) in enumerate(chosen, start=1):
            r = rng.random() * acc
            intention = next(name for bound, name in i_cum if r < bound)
            pilot = h.village.name == names.PILOT_VILLAGE
            progress, compensation, transition = "未拆除", 0, 0
            if pilot and intention != "不愿意改造":
                r = rng.random()
                if r < 0.6:
                    progress = "已拆除" if r < 0.45 else "已建成"
                    compensation = rng.randint(200, 600) * 10000
                    transition = rng.randint(30, 80) * 10000
            day = w.date_between(start, end)
            persons = sum(1 for p in h.members if _alive(p, day))
            self.surveys.append((i, h.head.id, h.village.id, persons, intention, family_type, int(pilot),
                                 progress, compensation, transition, day.isoformat(), ""))

    # -- 老龄: cards, activities, indicators --------------------------------------

    def build_cards(self) -> None:
        w, rng = self.w, self.rng
        first = month_first(w.cur - 12)
        last = w.today - dt.timedelta(days=1)
        pool = [p for p in w.persons if p.age >= 61 and p.death is None
                and p.household.id not in self.moved_out]
        numbers = {"老年优待证": 0, "免费乘车证": 0}
        issued = []
        for p in self.rolls.weighted_sample(pool, lambda p: 1.0, w.n(60)):
            card = "免费乘车证" if p.age >= 66 and rng.random() < 0.45 else "老年优待证"
            issued.append((w.date_between(first, last), p, card))
        issued.sort(key=lambda c: (c[0], c[1].id))
        for i, (day, p, card) in enumerate(issued, start=1):
            numbers[card] += 1
            prefix = "LY" if card == "老年优待证" else "CC"
            self.cards.append((i, p.id, card, f"{prefix}{day.year}{numbers[card]:05d}", day.isoformat()))

    def build_activities(self) -> None:
        w, rng = self.w, self.rng
        found = []
        for idx in range(w.first_paid, w.last_paid + 1):
            for kind, title, month in names.ACTIVITIES:
                if idx % 12 == month - 1:
                    found.append((month_day(idx, rng.randint(5, 26)), kind, title, rng.randint(40, 200)))
        check_month = next(m for m in range(w.last_paid, w.first_paid - 1, -1) if m % 12 == 4)
        kind, title = names.PUBLIC_AFFAIRS_CHECK
        found.append((month_day(check_month, 20), kind, title, 0))
        found.sort()
        for i, (day, kind, title, participants) in enumerate(found, start=1):
            self.activities.append((i, kind, title, day.isoformat(), participants, ""))
        n = 0
        for idx in range(w.first_paid, w.last_paid + 1):
            if idx % 12 in (5, 11):
                for name, value in (("政务公开面", "100"), ("规范化率", "95")):
                    n += 1
                    self.indicators.append((n, name, month_text(idx), value, "%"))


def build_ledgers(w: World, rolls: Rolls) -> Ledgers:
    led = Ledgers(w, rolls, rolls.moved_out)
    led.build()
    return led
