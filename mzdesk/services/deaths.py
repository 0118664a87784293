"""Death registration (殡葬): stops the person's enrollments after the month
of death and lists any payment made for a later month.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from .. import audit
from ..errors import ConflictError, ValidationError
from ..models import PAID_STATES, Batch, BatchLine, Death, Enrollment, EnrollmentEvent, Person, database
from .common import get, month as norm_month
from .enrollments import dibao_covering

@dataclass
class DeathEffects:
    """What a death registration does, shown to the clerk before saving."""

    to_stop: list[Enrollment] = field(default_factory=list)
    payments_after: list[BatchLine] = field(default_factory=list)
    household_to_review: Enrollment | None = None  # a 低保 household that covered the person
    death: Death | None = None

    @property
    def overpaid(self) -> Decimal:
        return sum((line.amount for line in self.payments_after), Decimal("0.00"))


def _date(value) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError("死亡日期格式应为 YYYY-MM-DD") from None


def payments_after(person_id, last_month: str) -> list[BatchLine]:
    """Payment lines of approved batches for months after `last_month`."""
    return list(BatchLine.select(BatchLine, Batch).join(Batch)
                .where((BatchLine.person == person_id) & (Batch.month > last_month)
                       & Batch.state.in_(PAID_STATES))
                .order_by(Batch.month))


def preview_death(person_id, death_date) -> DeathEffects:
    """The effects of registering a death, without writing anything."""
    person = get(Person, person_id, "人员")
    when = _date(death_date)
    if when > dt.date.today():
        raise ValidationError("死亡日期不能晚于今天")
    if when < person.birth_date:
        raise ValidationError("死亡日期不能早于出生日期")
    month = norm_month(when)
    covering = dibao_covering(person.id)
    return DeathEffects(
        to_stop=list(Enrollment.select().where((Enrollment.person == person) & (Enrollment.status == "在保"))),
        payments_after=payments_after(person.id, month),
        household_to_review=covering if covering is not None and covering.person_id != person.id else None,
    )


def register_death(person_id, death_date, *, cremated: bool = True, funeral_home: str = "",
                   note: str = "") -> DeathEffects:
    """Record a death; the month of death is the last month paid."""
    with database.atomic():
        person = get(Person, person_id, "人员")
        if person.death_date is not None or Death.select().where(Death.person == person).exists():
            raise ConflictError("该人员已登记死亡")
        effects = preview_death(person, death_date)
        when = _date(death_date)
        month = norm_month(when)
        before = audit.snapshot(person)
        person.death_date = when
        person.save()
        effects.death = Death.create(person=person, death_date=when, cremated=bool(cremated),
                                     funeral_home=funeral_home.strip(), note=note.strip())
        for e in effects.to_stop:
            e_before = audit.snapshot(e)
            # Never stop before the start: someone enrolled after dying is stopped at the start.
            e.status, e.stop_month, e.stop_reason = "停保", max(month, e.start_month), "死亡"
            e.save()
            EnrollmentEvent.create(enrollment=e, kind="停保", month=e.stop_month, reason="死亡",
                                   user=audit.current_user())
            audit.record("停保", "enrollment", e.id, before=e_before, after=e, summary="死亡")
        audit.record("登记死亡", "person", person.id, before=before,
                     after=dict(audit.snapshot(person), death=audit.snapshot(effects.death),
                                stopped=[e.id for e in effects.to_stop],
                                paid_after=[line.id for line in effects.payments_after]),
                     summary=f"停保 {len(effects.to_stop)} 项，死亡后发放 {len(effects.payments_after)} 笔")
    return effects
