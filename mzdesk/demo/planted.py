"""The six problems planted for the data checks (数据比对) to find.

Each is planted exactly where intended and nowhere else: the rest of the
generator keeps deaths, accounts, 高龄 rolls, amounts and ID numbers clean.
The result is a list of (check_code, table, row_id):

- deceased_on_roll     enrollment   a dead person's 高龄津贴 still 在保
- paid_after_death     batch_line   a 高龄津贴 line for the month after death
                                    (the roll itself was stopped right, but late)
- shared_bank_account  person ×2    two recipients with one bank account
- eighty_not_on_gaoling person ×2   living, 80 or older, not on 高龄津贴
- amount_off_standard  enrollment   an amount off the standard, no reason
- bad_id_check_digit   person       a legacy ID number with a wrong check digit
"""
from __future__ import annotations

import datetime as dt

from .programmes import OVERRIDE_REASON, Rolls
from .world import Enrollment, Person, World, month_day

_CHECK_CHARS = "0123456789X"


class Planter:
    def __init__(self, w: World, rolls: Rolls):
        self.w = w
        self.rng = w.rng
        self.rolls = rolls
        self.no_gaoling: set[int] = set()  # person ids
        self.deaths: dict[int, dt.date] = {}  # person id → death date
        self.on_roll: Person | None = None
        self.after_death: Person | None = None
        self.bad_id: Person | None = None
        self.found: list[tuple[str, str, object]] = []  # row ids resolved later

    def _pick(self, fits) -> Person:
        w, rolls = self.w, self.rolls
        pool = [p for p in w.persons if rolls.free(p) and fits(p)]
        p = pool[self.rng.randrange(len(pool))]
        w.reserved.add(p.id)
        return p

    def reserve(self) -> None:
        """Choose the persons before deaths and the 高龄 roll are drawn."""
        w = self.w
        alone = lambda p: p.relation != "户主" or len(p.household.members) == 1  # noqa: E731
        for _ in range(2):
            p = self._pick(lambda p: p.age >= 80)
            self.no_gaoling.add(p.id)
            self.found.append(("eighty_not_on_gaoling", "person", p))
        self.on_roll = self._pick(lambda p: 82 <= p.age < 100 and alone(p))
        self.deaths[self.on_roll.id] = month_day(w.last_paid, self.rng.randint(1, 28))
        self.after_death = self._pick(lambda p: 83 <= p.age < 100 and alone(p))
        died = self.rng.randint(w.cur - 12, w.cur - 3)
        self.deaths[self.after_death.id] = month_day(died, self.rng.randint(1, 28))
        self.bad_id = self._pick(lambda p: 30 <= p.age <= 59)

    def adjust(self) -> None:
        """After scheduling: the roll problems and the legitimate exceptions."""
        w, rng = self.w, self.rng
        e = self._gaoling_of(self.on_roll)
        e.stop, e.stop_reason = None, ""  # the death was registered, the roll never stopped
        self.found.append(("deceased_on_roll", "enrollment", e))
        # The death was reported late: the next month's batch had already gone out
        # when the roll was stopped (correctly, at the month of death).
        e = self._gaoling_of(self.after_death)
        e.paid_to = e.stop + 1
        self.found.append(("paid_after_death", "batch_line", (e, e.paid_to)))
        # An amount typed wrong, without a reason.
        e = self._active(self.rolls.youfu, lambda e: e.category != "伤残军人")
        month = rng.randint(max(e.start, w.new_from), w.cur)
        right = w.suggest("youfu", w.cur, {"category": e.category, "details": e.details, "covered": 1})
        e.changes.append((month, {"override": right + 10000}, ""))
        self.found.append(("amount_off_standard", "enrollment", e))
        # Amounts off the standard WITH a recorded reason: not a problem.
        for _ in range(w.n(2)):
            e = self._active(self.rolls.dibao, lambda e: e.amount_reason == "" and not e.changes)
            month = rng.randint(max(e.start, w.new_from), w.cur)
            state = {"covered": e.covered, "income": e.income, "details": e.details}
            right = w.suggest(e.programme, month, state)
            e.changes.append((month, {"override": right + 5000}, OVERRIDE_REASON))
            e.amount_reason = OVERRIDE_REASON

    def share_account(self) -> None:
        """After bank accounts are given out: one account typed for two persons."""
        a = self._active(self.rolls.youfu, lambda e: True).person
        b = self._active(self.rolls.gaoling, lambda e: e.person.household is not a.household).person
        b.bank_name, b.bank_account = a.bank_name, a.bank_account
        self.found.append(("shared_bank_account", "person", a))
        self.found.append(("shared_bank_account", "person", b))

    def break_id(self, ids: set[str]) -> None:
        p = self.bad_id
        right = p.id_number[17]
        wrong = right
        while wrong == right or p.id_number[:17] + wrong in ids:
            wrong = _CHECK_CHARS[self.rng.randrange(len(_CHECK_CHARS))]
        p.id_number = p.id_number[:17] + wrong
        p.note = "老系统迁移数据"
        self.found.append(("bad_id_check_digit", "person", p))

    def _gaoling_of(self, p: Person) -> Enrollment:
        return next(e for e in p.enrollments if e.programme == "gaoling")

    def _active(self, roll: list[Enrollment], fits) -> Enrollment:
        """An enrollment active today whose person is alive and not planted already."""
        taken = {id(x[2]) for x in self.found} | {id(x[2].person) for x in self.found
                                                    if isinstance(x[2], Enrollment)}
        pool = [e for e in roll if e.stop is None and e.person.death is None
                and e.person.id not in self.w.reserved and id(e) not in taken
                and id(e.person) not in taken and len(e.person.enrollments) == 1 and fits(e)]
        return pool[self.rng.randrange(len(pool))]

    def resolve(self, line_ids: dict[tuple[int, int], int]) -> list[tuple[str, str, int]]:
        """Row ids, once the rows are numbered."""
        out = []
        for code, table, obj in self.found:
            if table == "batch_line":
                e, month = obj
                out.append((code, table, line_ids[(e.id, month)]))
            else:
                out.append((code, table, obj.id))
        return out
