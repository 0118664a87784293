"""Villages, households and residents of the demo township.

Households follow a few templates (an old widow alone, an old couple, a
young family, three generations under one roof, …) whose weights give about
three persons per household and an old-age structure like rural Sichuan's:
about one resident in twenty-five is 80 or older.
"""
from __future__ import annotations

import bisect
import datetime as dt
from itertools import accumulate

from .. import idcard
from . import names
from .world import Household, Person, Village, World, age_on

# Household templates and their shares.
KINDS = ("A", "B", "C", "D", "E", "F", "G", "H", "I")
KIND_WEIGHTS = (12, 13, 7, 7, 32, 12, 13, 3, 1)
KIND_CUM = tuple(accumulate(KIND_WEIGHTS))

# Ages whose next or last birthday crosses an 高龄 band: no such birthday may
# fall in the current month, so "aged 80" means the same on any day of it.
_BAND_EDGES = frozenset((79, 80, 89, 90, 99, 100))


class PopulationBuilder:
    def __init__(self, w: World):
        self.w = w
        self.rng = w.rng
        self.ids: set[str] = set()
        self.real_today = min(w.today, dt.date.today())  # idcard refuses future births
        self._age_ranges: dict[int, tuple[int, int]] = {}
        self._surname_total = names.SURNAME_CUM[-1]

    # -- small draws -------------------------------------------------------

    def surname(self) -> str:
        return names.SURNAME_CHARS[bisect.bisect(names.SURNAME_CUM, self.rng.random() * self._surname_total)]

    def given(self, sex: str, year: int) -> str:
        rnd = self.rng.random
        gen = 0 if year < 1960 else 1 if year < 1990 else 2
        pool = names.GIVEN[(sex, gen)]
        first = pool[int(rnd() * len(pool))]
        if rnd() >= names.TWO_CHAR[gen]:
            return first
        second = first if rnd() < 0.03 else pool[int(rnd() * len(pool))]
        return first + second

    def elder(self, weights: tuple[int, ...]) -> int:
        """An age of 60–99 from band weights for the 60s, 70s, 80s, 90s."""
        rnd = self.rng.random
        band = bisect.bisect(tuple(accumulate(weights)), rnd() * sum(weights))
        return 60 + 10 * band + int(rnd() ** 1.3 * 10)

    def birth_for_age(self, age: int) -> dt.date:
        span = self._age_ranges.get(age)
        if span is None:
            today = self.w.today
            hi = _years_before(today, age)
            lo = _years_before(today, age + 1) + dt.timedelta(days=1)
            # A `today` in the future cannot have births after the real today.
            hi = min(hi, self.real_today)
            lo = min(lo, hi)
            span = self._age_ranges[age] = (lo.toordinal(), hi.toordinal())
        lo, width = span[0], span[1] - span[0] + 1
        rnd = self.rng.random
        while True:
            born = dt.date.fromordinal(lo + int(rnd() * width))
            if age in _BAND_EDGES and (born.month == self.w.today.month
                                       or (born.month, born.day) == (2, 29)):
                continue
            return born

    def id_number(self, birth: dt.date, sex: str, local: float) -> str:
        rnd = self.rng.random
        others = names.OTHER_REGIONS
        region = names.HOME_REGION if rnd() < local else others[int(rnd() * len(others))]
        odd = 1 if sex == "男" else 0  # odd sequence numbers are men
        while True:
            number = idcard.make(region, birth, int(rnd() * 500) * 2 + odd)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def phone(self, age: int) -> str:
        rnd = self.rng.random
        if age < 18 or rnd() > (0.85 if age <= 70 else 0.35):
            return ""
        prefix = names.PHONE_PREFIXES[int(rnd() * len(names.PHONE_PREFIXES))]
        return f"{prefix}{int(rnd() * 100_000_000):08d}"

    # -- households --------------------------------------------------------

    def members(self, kind: str, forced_age: int | None = None) -> list[tuple[str, int, str, str]]:
        """(relation, age, sex, surname) of a household, head first."""
        rng = self.rng
        rnd = rng.random
        s = self.surname()
        if kind == "A":
            age = forced_age or self.elder((25, 45, 26, 4))
            return [("户主", age, "女" if rnd() < 0.65 else "男", s)]
        if kind == "B":
            age = self.elder((50, 36, 13, 1))
            return [("户主", age, "男", s), ("配偶", min(99, max(58, age - rng.randint(-2, 5))), "女", self.surname())]
        if kind == "C":
            return [("户主", rng.randint(22, 59), "男" if rnd() < 0.7 else "女", s)]
        if kind == "I":
            age = rng.randint(40, 75)
            return [("户主", age, "男", s),
                    ("兄弟姐妹", max(30, age + rng.randint(-8, 8)), "男" if rnd() < 0.5 else "女", s)]
        if kind == "H":
            age = rng.randint(28, 55)
            sex = "女" if rnd() < 0.6 else "男"
            kids_surname = s if sex == "男" else self.surname()
            out = [("户主", age, sex, s)]
            for _ in range(1 if rnd() < 0.6 else 2):
                k = age - rng.randint(20, 34)
                if k >= 0:
                    out.append(("子女", k, self.kid_sex(), kids_surname))
            return out
        # Couples: the head is a man most of the time.
        lo, hi = {"D": (24, 59), "E": (26, 55), "F": (50, 78), "G": (30, 58)}[kind]
        age = rng.randint(lo, hi)
        male_head = rnd() < 0.88
        spouse_surname = self.surname()
        out = [("户主", age, "男" if male_head else "女", s)]
        if kind != "F" or rnd() < 0.85:
            out.append(("配偶", max(20, age + rng.randint(-3, 3)), "女" if male_head else "男", spouse_surname))
        father = s if male_head else spouse_surname
        if kind == "E":
            r = rnd()
            for _ in range(1 if r < 0.55 else 2 if r < 0.93 else 3):
                k = age - rng.randint(22, 34)
                if k >= 0:
                    out.append(("子女", k, self.kid_sex(), father))
        elif kind == "F":
            son = max(18, age - rng.randint(22, 32))
            out.append(("子女", son, "男", father))
            if rnd() < 0.8:
                out.append(("其他", max(18, son + rng.randint(-4, 2)), "女", self.surname()))
            for _ in range(1 if rnd() < 0.6 else 2):
                k = son - rng.randint(20, 32)
                if k >= 0:
                    out.append(("孙子女", k, self.kid_sex(), father))
        elif kind == "G":
            r = rnd()
            for _ in range(0 if r < 0.2 else 1 if r < 0.7 else 2):
                k = age - rng.randint(22, 34)
                if k >= 0:
                    out.append(("子女", k, self.kid_sex(), father))
            dad = age + rng.randint(22, 35)
            mum = max(age + 18, dad - rng.randint(0, 4))
            if rnd() < 0.5:
                out.append(("父母", dad, "男", s))
                out.append(("父母", mum, "女", self.surname()))
            elif rnd() < 0.7:
                out.append(("父母", mum, "女", self.surname()))
            else:
                out.append(("父母", dad, "男", s))
        return out

    def kid_sex(self) -> str:
        return "男" if self.rng.random() < 0.52 else "女"

    def address(self, village: Village) -> str:
        rng = self.rng
        if village.kind == "社区":
            street = names.STREETS[rng.randrange(len(names.STREETS))]
            return (f"{names.TOWNSHIP}{street}{rng.randint(1, 260)}号{rng.randint(1, 12)}栋"
                    f"{rng.randint(1, 4)}单元{rng.randint(1, 7)}{rng.randint(1, 4):02d}号")
        return f"{names.TOWNSHIP}{village.name}{rng.randint(1, 12)}组{rng.randint(1, 90)}号"

    # -- the whole township -------------------------------------------------

    def build(self, tick=None) -> None:
        """Villages, households and persons; `tick(k)` after each tenth of the households."""
        w, rng = self.w, self.rng
        tenth = max(1, w.n_households // 10)
        for order, (name, kind, code, weight) in enumerate(names.VILLAGES, start=1):
            w.villages.append(Village(order, name, kind, names.TOWNSHIP_CODE + code, order, weight))
        v_cum = tuple(accumulate(v.weight for v in w.villages))
        centenarians = set(rng.sample(range(w.n_households), min(w.n_households, w.n(1))))
        persons = w.persons
        today = w.today
        for index in range(w.n_households):
            if tick and index and index % tenth == 0:
                tick(index // tenth)
            village = w.villages[bisect.bisect(v_cum, rng.random() * v_cum[-1])]
            if index in centenarians:
                kind, specs = "A", self.members("A", forced_age=rng.randint(100, 102))
            else:
                kind = KINDS[bisect.bisect(KIND_CUM, rng.random() * KIND_CUM[-1])]
                specs = self.members(kind)
            hh = Household(index + 1, village, kind, self.address(village))
            w.households.append(hh)
            for relation, age, sex, surname in specs:
                born = self.birth_for_age(age)
                local = 0.88 if relation not in ("配偶", "其他") else 0.7
                person = Person(
                    len(persons) + 1, self.id_number(born, sex, local),
                    surname + self.given(sex, born.year), sex, born, age_on(born, today),
                    village, hh, relation, self.phone(age),
                )
                persons.append(person)
                hh.members.append(person)
        w.id_numbers = self.ids


def _years_before(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def build_population(w: World, tick=None) -> None:
    PopulationBuilder(w).build(tick)
