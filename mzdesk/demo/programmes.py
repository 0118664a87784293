"""Standards, who is on which roll, deaths, and each enrollment's history.

The order matters: the rolls are picked first (who), then deaths (who dies
when), then every enrollment gets its months (start, changes, stop), so
that nobody starts after dying and every death stops what it should.
"""
from __future__ import annotations

import bisect
import datetime as dt
from itertools import accumulate

from . import names
from .world import Enrollment, Person, World, age_on, anniversary_month, month_first, month_index, month_last

# (programme, category, amount before January, amount from January, basis)
_YOUFU = (("伤残军人:1级", 7500, 7880), ("伤残军人:2级", 6800, 7140), ("伤残军人:3级", 6000, 6300),
          ("伤残军人:4级", 5000, 5250), ("伤残军人:5级", 4000, 4200), ("伤残军人:6级", 3200, 3360),
          ("伤残军人:7级", 2400, 2520), ("伤残军人:8级", 1600, 1680), ("伤残军人:9级", 1200, 1260),
          ("伤残军人:10级", 800, 840), ("复员军人", 1100, 1160), ("带病回乡", 800, 840),
          ("参战参试", 700, 740), ("烈属", 2600, 2730), ("因公牺牲遗属", 2100, 2200),
          ("病故遗属", 2000, 2100), ("农村籍退役士兵", 300, 320))
STANDARDS = (
    ("dibao_urban", "", 800, 850, "person"),
    ("dibao_urban", "分类施保:老年人", 80, 85, "person"),
    ("dibao_urban", "分类施保:重残", 160, 170, "person"),
    ("dibao_urban", "分类施保:重病", 120, 130, "person"),
    ("dibao_urban", "分类施保:未成年", 100, 100, "person"),
    ("dibao_rural", "", 650, 700, "person"),
    ("dibao_rural", "分类施保:老年人", 65, 70, "person"),
    ("dibao_rural", "分类施保:重残", 130, 140, "person"),
    ("dibao_rural", "分类施保:重病", 100, 105, "person"),
    ("dibao_rural", "分类施保:未成年", 80, 80, "person"),
    ("tekun", "散居", 1000, 1050, "person"),
    ("tekun", "集中", 1100, 1150, "person"),
    ("tekun", "护理:全自理", 0, 0, "person"),
    ("tekun", "护理:半失能", 300, 300, "person"),
    ("tekun", "护理:全失能", 600, 600, "person"),
    *(("youfu", cat, old, new, "person") for cat, old, new in _YOUFU),
    ("gaoling", "80-89", 50, 50, "person"),
    ("gaoling", "90-99", 100, 100, "person"),
    ("gaoling", "100+", 300, 300, "person"),
    ("canji", "生活补贴", 90, 90, "person"),
    ("canji", "护理补贴", 90, 90, "person"),
)

# Youfu categories: (base count in the default township, who can be one).
YOUFU_PICKS = (
    ("伤残军人", 7, lambda p: p.sex == "男" and 30 <= p.age <= 90),
    ("复员军人", 8, lambda p: p.sex == "男" and p.age >= 85),
    ("带病回乡", 9, lambda p: p.sex == "男" and p.age >= 55),
    ("参战参试", 12, lambda p: p.sex == "男" and 58 <= p.age <= 85),
    ("烈属", 2, lambda p: p.age >= 70),
    ("因公牺牲遗属", 2, lambda p: p.age >= 45),
    ("病故遗属", 3, lambda p: p.sex == "女" and p.age >= 60),
    ("农村籍退役士兵", 17, lambda p: p.sex == "男" and p.age >= 60 and p.village.kind == "村"),
)
_DIBAO_KIND_WEIGHT = {"A": 3, "B": 3, "C": 1.5, "D": 0.6, "E": 1, "F": 1, "G": 1.2, "H": 5, "I": 1}
OVERRIDE_REASON = "经区民政局审批，按实际困难核定"


def band_for(age: int) -> str:
    return "100+" if age >= 100 else "90-99" if age >= 90 else "80-89"


def enroll(p: Person, e: Enrollment) -> Enrollment:
    if p.enrollments is None:
        p.enrollments = []
    p.enrollments.append(e)
    return e


class Rolls:
    """Picks the rolls and schedules every enrollment."""

    def __init__(self, w: World):
        self.w = w
        self.rng = w.rng
        self.dibao: list[Enrollment] = []
        self.tekun: list[Enrollment] = []
        self.youfu: list[Enrollment] = []
        self.canji: list[Enrollment] = []
        self.bianyuan: list[Enrollment] = []
        self.gaoling: list[Enrollment] = []
        self.stopped_dibao: set[int] = set()  # ids of Enrollment objects to stop
        self.moved_out: set[int] = set()  # household ids
        self.severe_disabled: list[Person] = []

    # -- helpers -------------------------------------------------------------

    def weighted_sample(self, items, weight, k):
        """k items without replacement, heavier ones likelier (Efraimidis–Spirakis)."""
        rnd = self.rng.random
        keyed = [(rnd() ** (1.0 / weight(x)), i) for i, x in enumerate(items) if weight(x) > 0]
        keyed.sort(reverse=True)
        return [items[i] for _, i in keyed[:k]]

    def free(self, p: Person) -> bool:
        """On no roll yet, in a household that is on none, not kept aside."""
        return (p.enrollments is None and not p.household.programme
                and p.id not in self.w.reserved and p.household.id not in self.moved_out)

    def start_between(self, first: int, last: int) -> int:
        """A start month: most rolls began before the paid window."""
        w = self.w
        last = max(first, last)
        if self.rng.random() < 0.6 and first < w.first_paid:
            return self.rng.randint(first, min(last, w.first_paid - 1))
        return self.rng.randint(min(max(first, w.first_paid), last), last)

    # -- rolls ---------------------------------------------------------------

    def pick_standards(self) -> None:
        for programme, category, old, new, _ in STANDARDS:
            self.w.standards[(programme, category)] = (old * 100, new * 100)

    def pick_tekun(self) -> None:
        w, rng = self.w, self.rng
        n_inst = w.n(20)
        total = w.n(80) + 2 * n_inst
        singles = [h for h in w.households if len(h.members) == 1 and h.head.age >= 55]
        chosen = self.weighted_sample(singles, lambda h: 1.0 if h.village.kind == "村" else 0.3, total)
        for i, h in enumerate(chosen):
            h.programme = "tekun"
            if i < 2 * n_inst:
                category, details = "集中", {"institution": names.INSTITUTIONS[i % 2]}
                levels = (40, 75)
            else:
                category, details = "散居", {}
                levels = (75, 95)
            r = rng.random() * 100
            details["care_level"] = "全自理" if r < levels[0] else "半失能" if r < levels[1] else "全失能"
            self.tekun.append(enroll(h.head, Enrollment("tekun", h.head, None, None, category=category,
                                                       details=details)))

    def pick_dibao(self) -> None:
        w, rng = self.w, self.rng
        for programme, kind, base in (("dibao_urban", "社区", 60), ("dibao_rural", "村", 240)):
            active = w.n(base)
            extra = round(active * 0.15)
            pool = [h for h in w.households if h.village.kind == kind and not h.programme]
            chosen = self.weighted_sample(pool, lambda h: _DIBAO_KIND_WEIGHT[h.kind], active + extra)
            old_base = w.standards[(programme, "")][0]
            for i, h in enumerate(chosen):
                h.programme = programme
                members = list(h.members)
                if len(members) >= 3 and rng.random() < 0.25:
                    workers = [p for p in members[1:] if 18 <= p.age <= 59]
                    if workers:
                        members.remove(workers[rng.randrange(len(workers))])
                income = 0 if rng.random() < 0.3 else rng.randint(1, old_base // 100 * 6 // 100) * 1000
                details = {}
                if rng.random() < 0.45:
                    classes = {}
                    for p in members:
                        if p.age >= 70:
                            classes["老年人"] = classes.get("老年人", 0) + 1
                        elif p.age < 18:
                            classes["未成年"] = classes.get("未成年", 0) + 1
                        if p.age >= 18 and rng.random() < 0.08:
                            classes["重残"] = classes.get("重残", 0) + 1
                            self.severe_disabled.append(p)
                        elif p.age >= 18 and rng.random() < 0.06:
                            classes["重病"] = classes.get("重病", 0) + 1
                    if classes:
                        details["classes"] = classes
                e = Enrollment(programme, h.head, h, None, covered=len(members), income=income,
                               details=details, members=members)
                self.dibao.append(enroll(h.head, e))
                if i >= active:
                    self.stopped_dibao.add(id(e))

    def pick_bianyuan(self) -> None:
        w, rng = self.w, self.rng
        pool = [h for h in w.households if not h.programme]
        chosen = self.weighted_sample(
            pool, lambda h: (2.0 if h.kind in "ABH" else 1.0) * (1.0 if h.village.kind == "村" else 0.35),
            w.n(40))
        for h in chosen:
            programme = "dibao_urban" if h.urban else "dibao_rural"
            base = w.standards[(programme, "")][0]
            h.programme = "bianyuan"
            income = rng.randint(base // 1000, base * 3 // 2000) * 1000
            e = Enrollment("bianyuan", h.head, h, None, covered=len(h.members), income=income,
                           members=list(h.members))
            self.bianyuan.append(enroll(h.head, e))

    def pick_moved_out(self) -> None:
        """Stopped dibao households that left the township (nobody 79+ in them)."""
        for e in self.dibao:
            if id(e) in self.stopped_dibao:
                if self.rng.random() < 0.3 and all(p.age < 79 for p in e.household.members):
                    e.stop_reason = "迁出"
                    self.moved_out.add(e.household.id)
                else:
                    e.stop_reason = "收入超标"

    def pick_youfu(self) -> None:
        w, rng = self.w, self.rng
        persons = [p for p in w.persons if p.household.programme != "tekun" and p.age >= 30
                   and p.household.id not in self.moved_out]
        rng.shuffle(persons)
        taken: set[int] = set()
        for category, base, fits in YOUFU_PICKS:
            want = w.n(base)
            # A small township may lack, say, men of 85: then any adult will do.
            for test in (fits, lambda p: True):
                for p in persons:
                    if want == 0:
                        break
                    if p.id in taken or p.enrollments or p.id in w.reserved or not test(p):
                        continue
                    taken.add(p.id)
                    want -= 1
                    self.youfu.append(enroll(p, Enrollment("youfu", p, None, None, category=category,
                                                           details=self.youfu_details(category))))

    def youfu_details(self, category: str) -> dict:
        if category != "伤残军人":
            return {}
        rnd = self.rng.random
        grade = 1 + bisect.bisect(_GRADE_CUM, rnd() * _GRADE_CUM[-1])
        cause = ("因战", "因公", "因公", "因病")[int(rnd() * 4)]
        return {"disability_grade": grade, "disability_cause": cause}

    def pick_canji(self) -> None:
        w, rng = self.w, self.rng
        target = w.n(90)
        chosen: list[tuple[Person, int]] = []
        seen: set[int] = set()
        on_dibao = {e.household.id for e in self.dibao if id(e) not in self.stopped_dibao}
        for p in self.severe_disabled:  # 重残 in a dibao household: both subsidies
            if (len(chosen) < target * 0.3 and p.household.id in on_dibao and p.id not in seen
                    and not p.enrollments and p.id not in w.reserved):
                chosen.append((p, rng.randint(1, 2)))
                seen.add(p.id)
        in_dibao = [p for e in self.dibao if id(e) not in self.stopped_dibao
                    for p in e.members
                    if p.age >= 16 and p.id not in seen and not p.enrollments and p.id not in w.reserved]
        for p in self.weighted_sample(in_dibao, lambda p: 1.0, max(0, int(target * 0.4) - len(chosen))):
            chosen.append((p, rng.randint(1, 4)))
            seen.add(p.id)
        pool = [p for p in w.persons if p.age >= 16 and self.free(p)]
        for p in self.weighted_sample(pool, lambda p: 1.0 + (p.age >= 60), max(0, target - len(chosen))):
            chosen.append((p, rng.randint(1, 2)))
        for p, grade in chosen:
            if p.household.programme in ("dibao_urban", "dibao_rural"):
                category = "生活补贴+护理补贴" if grade <= 2 else "生活补贴"
            else:
                category = "护理补贴"
            details = {"disability_type": names.DISABILITY_TYPES[rng.randrange(len(names.DISABILITY_TYPES))],
                       "disability_grade": grade}
            self.canji.append(enroll(p, Enrollment("canji", p, None, None, category=category, details=details)))
            add_tag(p, "残疾")
        for p in self.severe_disabled:
            add_tag(p, "残疾")

    def pick_deaths(self, planted_dead: dict[int, dt.date]) -> None:
        """Deaths over the paid window, mostly of the very old."""
        w, rng = self.w, self.rng
        dibao_like = ("dibao_urban", "dibao_rural", "bianyuan")

        def weight(p: Person) -> float:
            if p.age < 60 or p.household.programme in dibao_like or p.id in w.reserved:
                return 0
            if p.household.id in self.moved_out or (p.relation == "户主" and len(p.household.members) > 1):
                return 0
            return 8 if p.age >= 90 else 5 if p.age >= 80 else 2 if p.age >= 70 else 1

        first, last = month_first(w.first_paid), w.today - dt.timedelta(days=1)
        for p in self.weighted_sample(w.persons, weight, w.n(40)):
            p.death = w.date_between(first, last)
        for pid, day in planted_dead.items():
            w.persons[pid - 1].death = day

    def pick_gaoling(self, skip: set[int]) -> None:
        w = self.w
        for p in w.persons:
            if p.id in skip:
                continue
            limit = w.today if p.death is None else p.death
            if age_on(p.birth, limit) >= 80:
                self.gaoling.append(enroll(p, Enrollment("gaoling", p, None, None)))

    # -- months --------------------------------------------------------------

    def schedule(self) -> None:
        w, rng = self.w, self.rng
        for e in self.all():
            p = e.person
            death = month_index(p.death) if p.death else None
            latest = w.cur if death is None else min(w.cur, death)
            if e.programme == "gaoling":
                self.schedule_gaoling(e, death)
                continue
            if id(e) in self.stopped_dibao:
                e.start = self.start_between(w.old_from, w.last_paid - 1)
                e.stop = rng.randint(max(e.start + 1, w.first_paid), w.last_paid)
            else:
                e.start = self.start_between(w.old_from, latest)
                if death is not None:
                    e.stop, e.stop_reason = death, "死亡"
            end = e.stop if e.stop is not None else w.cur
            if end > e.start + 1 and e.programme in ("dibao_urban", "dibao_rural") and rng.random() < 0.2:
                base = w.standards[(e.programme, "")][0]
                income = rng.randint(1, base // 100 * 6 // 100) * 1000
                if income != e.income:
                    e.changes.append((rng.randint(e.start + 1, end), {"income": income}, "家庭收入变化"))
            if (e.programme == "tekun" and e.details["care_level"] == "全自理" and end > e.start + 1
                    and rng.random() < 0.1):
                e.changes.append((rng.randint(e.start + 1, end), {"details": {"care_level": "半失能"}},
                                  "护理等级调整"))

    def schedule_gaoling(self, e: Enrollment, death: int | None) -> None:
        w, p = self.w, e.person
        e.start = max(w.old_from, anniversary_month(p.birth, 80))
        e.category = band_for(self.age_in(p, e.start))
        end = w.cur if death is None else death
        for years in (90, 100):
            m = anniversary_month(p.birth, years)
            if e.start < m <= end:
                e.changes.append((m, {"category": band_for(years)}, "年龄段调整"))
        if death is not None:
            e.stop, e.stop_reason = death, "死亡"
        checked = (p.death or w.today) - dt.timedelta(days=self.rng.randint(1, 170))
        e.details = {"survival_check": max(checked, p.birth).isoformat()}

    def age_in(self, p: Person, idx: int) -> int:
        """Age at the end of a month (today, for the current month)."""
        w = self.w
        return age_on(p.birth, w.today if idx >= w.cur else month_last(idx))

    def all(self) -> list[Enrollment]:
        return self.dibao + self.bianyuan + self.tekun + self.youfu + self.canji + self.gaoling


_GRADE_CUM = tuple(accumulate((1, 1, 2, 3, 4, 5, 6, 7, 8, 8)))


def add_tag(p: Person, tag: str) -> None:
    if p.tags is None:
        p.tags = [tag]
    elif tag not in p.tags:
        p.tags.append(tag)
