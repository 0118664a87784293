"""The in-memory township the demo is generated into before any row exists.

Months are handled as integer indexes (year * 12 + month - 1) while
generating, and written as 'YYYY-MM' text only in the rows. Money is
integer fen throughout, exactly as `MoneyField` stores it.
"""
from __future__ import annotations

import datetime as dt
import random

BASE_HOUSEHOLDS = 2700  # the default township: ~8,000 residents


def month_index(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def month_text(idx: int) -> str:
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def month_first(idx: int) -> dt.date:
    return dt.date(idx // 12, idx % 12 + 1, 1)


def month_last(idx: int) -> dt.date:
    return month_first(idx + 1) - dt.timedelta(days=1)


def month_day(idx: int, day: int) -> dt.date:
    """A day of a month, clipped to the month's length."""
    return dt.date(idx // 12, idx % 12 + 1, min(day, 28))


def stamp(d: dt.date, hour: int = 9, minute: int = 0) -> str:
    """A DateTimeField value as peewee stores it."""
    return f"{d.isoformat()} {hour:02d}:{minute:02d}:00"


def age_on(born: dt.date, on: dt.date) -> int:
    """Full years on a date (the same rule as `idcard.age`)."""
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years


def anniversary_month(born: dt.date, years: int) -> int:
    """Month index in which a person reaches `years` of age.

    A 29-February birthday is reached on 1 March in common years, which
    is still in the same month index only for March; handle it exactly.
    """
    year = born.year + years
    try:
        day = born.replace(year=year)
    except ValueError:  # 29 February in a common year
        day = dt.date(year, 3, 1)
    return month_index(day)


class Person:
    __slots__ = ("id", "id_number", "name", "sex", "birth", "age", "village", "household",
                 "relation", "phone", "bank_name", "bank_account", "death", "tags", "note",
                 "enrollments")

    def __init__(self, pid, id_number, name, sex, birth, age, village, household, relation, phone):
        self.id = pid
        self.id_number = id_number
        self.name = name
        self.sex = sex
        self.birth = birth
        self.age = age  # at `today`
        self.village = village
        self.household = household
        self.relation = relation
        self.phone = phone
        self.bank_name = ""
        self.bank_account = ""
        self.death = None  # date
        self.tags = None  # list of tags, or None
        self.note = ""
        self.enrollments = None  # list of Enrollment, or None


class Household:
    __slots__ = ("id", "village", "kind", "members", "address", "active", "programme")

    def __init__(self, hid, village, kind, address):
        self.id = hid
        self.village = village
        self.kind = kind  # the generator's household template letter
        self.members: list[Person] = []
        self.address = address
        self.active = True
        self.programme = ""  # dibao_urban / dibao_rural / bianyuan / tekun / ''

    @property
    def head(self) -> Person:
        return self.members[0]

    @property
    def urban(self) -> bool:
        return self.village.kind == "社区"


class Village:
    __slots__ = ("id", "name", "kind", "code", "order", "weight")

    def __init__(self, vid, name, kind, code, order, weight):
        self.id, self.name, self.kind, self.code = vid, name, kind, code
        self.order, self.weight = order, weight


class Enrollment:
    __slots__ = ("id", "programme", "person", "household", "category", "covered", "income",
                 "details", "amount", "amount_reason", "start", "stop", "stop_reason",
                 "members", "changes", "segments", "events", "paid_to")

    def __init__(self, programme, person, household, start, *, category="", covered=1,
                 income=None, details=None, members=None):
        self.id = 0
        self.programme = programme
        self.person = person
        self.household = household
        self.category = category
        self.covered = covered
        self.income = income  # fen or None
        self.details = details or {}
        self.amount = 0
        self.amount_reason = ""
        self.start = start  # month index
        self.stop = None  # month index of the last month paid
        self.stop_reason = ""
        self.members = members  # covered Person objects (household programmes)
        self.changes: list[tuple[int, dict, str]] = []  # (month, state update, reason)
        self.segments: list[tuple[int, int, int]] = []  # (from month, amount, covered)
        self.events: list[tuple[str, int, int | None, str]] = []
        self.paid_to = None  # last month actually paid, when it differs from stop

    def paid_in(self, idx: int) -> bool:
        """Whether a regular batch of the month has a line for it."""
        last = self.paid_to if self.paid_to is not None else self.stop
        return self.start <= idx and (last is None or idx <= last)

    def active_in(self, idx: int) -> bool:
        return self.start <= idx and (self.stop is None or idx <= self.stop)

    def amount_in(self, idx: int) -> tuple[int, int]:
        """(amount, covered) paid for a month."""
        found = self.segments[0]
        for seg in self.segments:
            if seg[0] > idx:
                break
            found = seg
        return found[1], found[2]


class World:
    """Everything generated so far; the row builders read from it."""

    def __init__(self, seed: int, households: int, today: dt.date):
        self.rng = random.Random(seed)
        self.seed = seed
        self.n_households = households
        self.scale = households / BASE_HOUSEHOLDS
        self.today = today
        self.cur = month_index(today)  # the current month (not paid yet)
        self.first_paid = self.cur - 24  # first of the 24 paid months
        self.last_paid = self.cur - 1
        self.new_from = today.year * 12  # January: the new standards
        self.old_from = (today.year - 4) * 12  # the older standards' first month
        self.villages: list[Village] = []
        self.households: list[Household] = []
        self.persons: list[Person] = []
        self.enrollments: list[Enrollment] = []
        self.standards: dict[tuple[str, str], tuple[int, int]] = {}
        self.planted: list[tuple[str, str, int]] = []
        self.reserved: set[int] = set()  # person ids kept out of random picks
        self.id_numbers: set[str] = set()
        self.counts: dict = {}

    def n(self, base: float, minimum: int = 1) -> int:
        """A count of the default township scaled to this size."""
        return max(minimum, round(base * self.scale))

    def date_between(self, first: dt.date, last: dt.date) -> dt.date:
        return dt.date.fromordinal(self.rng.randint(first.toordinal(), last.toordinal()))

    def std(self, programme: str, category: str, idx: int, required: bool = True) -> int:
        pair = self.standards.get((programme, category))
        if pair is None:
            if required:
                raise KeyError((programme, category))
            return 0
        return pair[1] if idx >= self.new_from else pair[0]

    def suggest(self, programme: str, idx: int, state: dict) -> int:
        """Mirror of `services.amounts.suggest`, in fen, from the in-memory standards."""
        if programme in ("dibao_urban", "dibao_rural"):
            gap = max(self.std(programme, "", idx) - (state.get("income") or 0), 0)
            total = gap * state["covered"]
            for cls, n in sorted((state["details"].get("classes") or {}).items()):
                total += self.std(programme, f"分类施保:{cls}", idx) * int(n)
            return total
        category = state["category"]
        if programme == "tekun":
            level = state["details"].get("care_level") or "全自理"
            return self.std(programme, category, idx) + self.std(programme, f"护理:{level}", idx, False)
        if programme == "youfu":
            if category == "伤残军人":
                return self.std(programme, f"伤残军人:{int(state['details']['disability_grade'])}级", idx)
            return self.std(programme, category, idx)
        if programme == "gaoling":
            return self.std(programme, category, idx)
        if programme == "canji":
            return sum(self.std(programme, part, idx) for part in category.split("+"))
        return 0  # bianyuan

    def settle(self, e: Enrollment) -> None:
        """Work out the amount history, events and final state of an enrollment."""
        state = {"category": e.category, "covered": e.covered, "income": e.income,
                 "details": dict(e.details), "override": None}
        end = e.stop if e.stop is not None else self.cur
        by_month: dict[int, list[tuple[dict, str]]] = {}
        for idx, update, reason in e.changes:
            if idx <= e.start:  # already so when the enrollment began
                _apply(state, update)
            elif idx <= end:
                by_month.setdefault(idx, []).append((update, reason))
        points = set(by_month)
        if e.start < self.new_from <= end:
            points.add(self.new_from)
        amount = self._amount(e.programme, e.start, state)
        e.segments = [(e.start, amount, state["covered"])]
        e.events = [("开始", e.start, amount, "")]
        for idx in sorted(points):
            reasons = []
            if idx == self.new_from and self._amount(e.programme, idx, state) != amount:
                reasons.append("标准调整")
            updates = by_month.get(idx, ())
            for update, reason in updates:
                _apply(state, update)
                if reason:
                    reasons.append(reason)
            new_amount = self._amount(e.programme, idx, state)
            if new_amount != amount or updates or reasons:
                e.events.append(("调整", idx, new_amount, "；".join(reasons)))
            if new_amount != amount or state["covered"] != e.segments[-1][2]:
                e.segments.append((idx, new_amount, state["covered"]))
            amount = new_amount
        e.amount = amount
        e.category = state["category"]
        e.covered = state["covered"]
        e.income = state["income"]
        e.details = state["details"]
        if e.stop is not None:
            e.events.append(("停保", e.stop, None, e.stop_reason))

    def _amount(self, programme: str, idx: int, state: dict) -> int:
        if state["override"] is not None:
            return state["override"]
        return self.suggest(programme, idx, state)


def _apply(state: dict, update: dict) -> None:
    for key, value in update.items():
        if key == "details":
            state["details"] = {**state["details"], **value}
        else:
            state[key] = value
