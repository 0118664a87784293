"""Two years of paid batches: one regular batch per monthly programme and
month, and the one-off subsidies of the last twelve months.

Rows are produced directly as tuples in id order, since at 100k residents
there are about a quarter of a million lines.
"""
from __future__ import annotations

from ..payments.batches import PAY_LABELS
from . import names
from .programmes import Rolls
from .world import Enrollment, World, month_day, month_index, stamp

MONTHLY = ("dibao_urban", "dibao_rural", "tekun", "youfu", "gaoling", "canji")
DIBAO = ("dibao_urban", "dibao_rural")

# (name, calendar month, programmes, basis, amount in 元, tag filter, batch suffix)
SUBSIDIES = (
    ("元旦春节生活补贴", 1, ("dibao_urban", "dibao_rural", "tekun", "youfu"), "household", 300, "", ""),
    ("临时价格补贴", 3, ("dibao_urban", "dibao_rural", "tekun"), "person", 40, "", ""),
    ("低保门诊救助金", 4, ("dibao_urban", "dibao_rural"), "person", 50, "", ""),
    ("低保门诊救助金", 4, ("dibao_urban", "dibao_rural", "tekun"), "person", 200, "重症精神病",
     "（重症精神病人员）"),
    ("大病补充医疗保险补贴", 5, ("dibao_urban", "dibao_rural", "tekun"), "person", 60, "", ""),
    ("学生补助", 9, ("dibao_urban", "dibao_rural"), "person", 500, "在校学生", ""),
)

BATCH_COLUMNS = ["id", "programme_id", "kind", "month", "name", "state", "subsidy_id",
                 "created_at", "approved_at", "approved_by", "paid_date"]
LINE_COLUMNS = ["id", "batch_id", "enrollment_id", "person_id", "village_id", "covered_persons",
                "amount", "bank_account", "status", "note"]
SUBSIDY_COLUMNS = ["id", "name", "programmes", "month", "basis", "amount", "tag_filter",
                   "village_id", "note"]


def _alive_in(e: Enrollment, idx: int) -> bool:
    death = e.person.death
    return death is None or month_index(death) >= idx


class Payments:
    def __init__(self, w: World, rolls: Rolls, watch: set[int]):
        self.w = w
        self.rolls = rolls
        self.batches: list[tuple] = []
        self.lines: list[tuple] = []
        self.subsidies: list[tuple] = []
        self.watch = watch  # enrollment ids whose line ids are wanted
        self.line_ids: dict[tuple[int, int], int] = {}

    def _batch(self, programme, kind, idx, name, subsidy_id=None) -> int:
        bid = len(self.batches) + 1
        created = month_day(idx, 8)
        approved = month_day(idx, 10)
        paid = month_day(idx, 15)
        self.batches.append((bid, programme, kind, _month(idx), name, "已发放", subsidy_id,
                             stamp(created, 9, 30), stamp(approved, 16, 0), names.REVIEWER,
                             paid.isoformat()))
        return bid

    def build(self) -> None:
        w = self.w
        rolls = {programme: [] for programme in MONTHLY}
        for e in self.rolls.all():
            if e.programme in rolls:
                rolls[e.programme].append(e)
        for roll in rolls.values():
            roll.sort(key=lambda e: (e.person.village.order, e.person.id))
        by_month: dict[int, list[tuple]] = {}
        for spec in SUBSIDIES:
            idx = next(m for m in range(w.cur - 12, w.cur) if m % 12 == spec[1] - 1)
            by_month.setdefault(idx, []).append(spec)
        lines = self.lines
        for idx in range(w.first_paid, w.last_paid + 1):
            for programme in MONTHLY:
                bid = self._batch(programme, "regular", idx, regular_name(programme, idx))
                for e in rolls[programme]:
                    if e.paid_in(idx):
                        amount, covered = e.amount_in(idx)
                        lid = len(lines) + 1
                        p = e.person
                        lines.append((lid, bid, e.id, p.id, p.village.id, covered, amount,
                                      p.bank_account, "正常", ""))
                        if e.id in self.watch:
                            self.line_ids[(e.id, idx)] = lid
            for spec in by_month.get(idx, ()):
                self.oneoff(idx, spec, rolls)

    def oneoff(self, idx: int, spec: tuple, rolls: dict) -> None:
        name, _, programmes, basis, amount, tag, suffix = spec
        y, m = divmod(idx, 12)
        sid = len(self.subsidies) + 1
        self.subsidies.append((sid, name, ",".join(programmes), _month(idx), basis, amount * 100, tag,
                               None, f"仅{tag}人员" if tag else ""))
        bid = self._batch(None, "oneoff", idx, f"{y}年{m + 1}月{name}{suffix}", sid)
        lines = self.lines
        for programme in programmes:
            for e in rolls[programme]:
                if not (e.active_in(idx) and _alive_in(e, idx)):
                    continue
                covered = e.amount_in(idx)[1]
                if tag:  # only the tagged persons count
                    members = e.members if e.members is not None else (e.person,)
                    covered = sum(1 for p in members if p.tags and tag in p.tags)
                    if not covered:
                        continue
                times = covered if basis == "person" else 1
                p = e.person
                lines.append((len(lines) + 1, bid, e.id, p.id, p.village.id, covered, amount * 100 * times,
                              p.bank_account, "正常", tag))


def regular_name(programme: str, idx: int) -> str:
    """The name the payment service gives a regular batch, e.g. 2026年6月农村低保金."""
    return f"{idx // 12}年{idx % 12 + 1}月{PAY_LABELS[programme]}"


def _month(idx: int) -> str:
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def build_payments(w: World, rolls: Rolls, watch: set[int]) -> Payments:
    pay = Payments(w, rolls, watch)
    pay.build()
    return pay

