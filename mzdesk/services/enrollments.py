"""Enrollments in a programme: enroll, change the amount, stop, resume.

The history lives in EnrollmentEvent (开始 / 调整 / 停保 / 恢复, each with
its month), so the roster as it stood in any month can be rebuilt.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .. import audit, idcard
from ..errors import ConflictError, ValidationError
from ..models import (Enrollment, EnrollmentEvent, Household, HouseholdMember, Person, Programme,
                      database)
from . import amounts
from .common import get, money, month as norm_month
from .households import active_members
from .persons import _bank_account  # the registry's rule for an account

DIBAO = amounts.DIBAO
# Said in the audit summary of an enrollment whose 保障人数 exceeds the registered members.
PENDING_NOTE = "（保障人数多于登记的家庭成员，待补录成员）"


def _person_ids_of(household: Household) -> list[int]:
    return [m.person_id for m in active_members(household)]


def _active(query):
    return query.where(Enrollment.status == "在保")


def dibao_covering(person_id) -> Enrollment | None:
    """The active 低保 enrollment whose household includes this person."""
    households = (HouseholdMember.select(HouseholdMember.household)
                  .where((HouseholdMember.person == person_id) & HouseholdMember.active))
    return _active(Enrollment.select().where(
        Enrollment.programme.in_(DIBAO)
        & ((Enrollment.person == person_id) | Enrollment.household.in_(households))
    )).first()


def _refuse_conflicts(programme: str, person: Person, household: Household | None,
                      exclude: int | None = None) -> None:
    """DESIGN §4: no enrollment for the dead, none twice, not 低保 and 特困 at once."""
    if person.death_date is not None:
        raise ConflictError("该人员已登记死亡，不能纳入或恢复保障")
    same = _active(Enrollment.select().where(
        (Enrollment.person == person) & (Enrollment.programme == programme)))
    if exclude:
        same = same.where(Enrollment.id != exclude)
    if same.exists():
        raise ConflictError("该对象已在本项目中在保，不能重复纳入")
    if programme in DIBAO:
        ids = _person_ids_of(household) if household else [person.id]
        other = _active(Enrollment.select().where(
            Enrollment.programme.in_(DIBAO) & (Enrollment.household == household)))
        if exclude:
            other = other.where(Enrollment.id != exclude)
        if household is not None and other.exists():
            raise ConflictError("该户已享受低保，不能重复纳入")
        if _active(Enrollment.select().where(
                (Enrollment.programme == "tekun") & Enrollment.person.in_(ids))).exists():
            raise ConflictError("该户有成员正在享受特困供养，低保与特困供养不能同时享受")
    if programme == "tekun" and dibao_covering(person.id) is not None:
        raise ConflictError("该人员所在家庭正在享受低保，特困供养与低保不能同时享受")


def _checked_amount(amount, suggestion: amounts.Suggestion | None, reason: str) -> Decimal:
    if amount is None or amount == "":
        if suggestion is None:
            raise ValidationError("没有可用的保障标准，请填写金额和原因")
        return suggestion.amount
    value = money(amount)
    if suggestion is None and not reason:
        raise ValidationError("没有可用的保障标准，手工填写金额时请填写原因")
    if suggestion is not None and value != suggestion.amount and not reason:
        raise ValidationError(f"金额 {value} 元与按标准计算的 {suggestion.amount} 元不一致，请填写原因")
    return value


def _kept_reason(value: Decimal, suggestion: amounts.Suggestion | None, reason: str) -> str:
    """The reason is the record's explanation only while the amount is off the standard."""
    return reason if suggestion is None or value != suggestion.amount else ""


def _suggest(programme, month, category, covered, income, details, amount, reason,
             find=amounts.standard_for):
    """The standard's amount; None only when the clerk typed an amount with a reason."""
    try:
        return amounts.suggest(programme, month, category=category, covered_persons=covered,
                               per_capita_income=income, details=details, find=find)
    except ValidationError:
        if amount in (None, "") or not reason:
            raise
        return None


def enroll(programme: str, person_id, *, start_month, household_id=None, category: str = "",
           covered_persons: int | None = None, per_capita_income=None, amount=None,
           reason: str = "", details: dict | None = None, bank_account: str = "",
           members_pending: bool = False) -> Enrollment:
    """Put a person (or a household, through its head) on a programme's roster.

    members_pending: the household's other members are still to be entered
    (an old roster lists only the head, with its 保障人数). 保障人数 may then
    exceed the registered members; checks.covered_beyond_members lists such
    households until their members are entered. Without it the rule holds
    that the covered persons are members of the household."""
    month = norm_month(start_month)
    reason = (reason or "").strip()
    details = dict(details or {})
    with database.atomic():
        prog = get(Programme, programme, "救助项目")
        person = get(Person, person_id, "人员")
        household = None
        if prog.unit == "household":
            if household_id is None:
                raise ValidationError(f"{prog.name}以户为单位，请先建立家庭")
            household = get(Household, household_id, "家庭")
            if household.head_id != person.id:
                raise ValidationError("以户为单位的项目应登记在户主名下")
            members = len(_person_ids_of(household))
            covered = members if covered_persons is None else int(covered_persons)
            if covered < 1 or (covered > members and not members_pending):
                raise ValidationError(f"保障人数应在 1 到 {members}（家庭成员数）之间")
        else:
            covered = 1
        if prog.code == "gaoling" and not category:
            category = amounts.gaoling_band(idcard.age(person.id_number, on=_month_start(month))) or ""
            if not category:
                raise ValidationError("高龄津贴对象应年满80周岁")
        income = None if per_capita_income in (None, "") else money(per_capita_income, "家庭人均收入")
        _refuse_conflicts(prog.code, person, household)
        suggestion = _suggest(prog.code, month, category, covered, income, details, amount, reason)
        value = _checked_amount(amount, suggestion, reason)
        enrollment = Enrollment.create(
            programme=prog, person=person, household=household, category=category,
            covered_persons=covered, per_capita_income=income, amount=value,
            amount_reason=_kept_reason(value, suggestion, reason),
            details=details, bank_account=bank_account.strip(), start_month=month,
        )
        EnrollmentEvent.create(enrollment=enrollment, kind="开始", month=month, amount=value,
                               reason=reason, user=audit.current_user())
        pending = household is not None and covered > members
        audit.record("纳入保障", "enrollment", enrollment.id, after=enrollment,
                     summary=f"{prog.name} 自 {month} 起" + (PENDING_NOTE if pending else ""))
    return enrollment


def _month_start(month: str) -> dt.date:
    return dt.date.fromisoformat(month + "-01")


def _active_from(enrollment_id, month: str, stopped_msg: str, early_msg: str) -> Enrollment:
    """An enrollment still 在保, for a change from `month` (not before its start)."""
    e = get(Enrollment, enrollment_id, "保障记录")
    if e.status != "在保":
        raise ConflictError(stopped_msg)
    if month < e.start_month:
        raise ValidationError(early_msg)
    return e


def change_amount(enrollment_id, *, month, amount=None, reason: str = "", covered_persons=None,
                  per_capita_income=None, details: dict | None = None, category=None,
                  members_pending: bool = False) -> Enrollment:
    """Change the monthly amount (or what it is computed from) from a month on.

    A new 保障人数 must lie within the household's registered members, as at
    enroll(), unless members_pending (see enroll); an unchanged one is kept
    even if the members are still to be entered."""
    month = norm_month(month)
    reason = (reason or "").strip()
    with database.atomic():
        e = _active_from(enrollment_id, month, "该记录已停保，请先恢复", "调整月份不能早于开始月份")
        before = audit.snapshot(e)
        pending = False
        if covered_persons is not None:
            covered = int(covered_persons)
            if e.household_id is not None and covered != e.covered_persons:
                members = len(_person_ids_of(e.household))
                if covered < 1 or (covered > members and not members_pending):
                    raise ValidationError(f"保障人数应在 1 到 {members}（家庭成员数）之间")
                pending = covered > members
            e.covered_persons = covered
        if per_capita_income is not None:
            e.per_capita_income = money(per_capita_income, "家庭人均收入")
        if details is not None:
            e.details = dict(details)
        if category is not None:
            e.category = category
        suggestion = _suggest(e.programme_id, month, e.category, e.covered_persons,
                              e.per_capita_income, e.details, amount, reason)
        value = _checked_amount(amount, suggestion, reason)
        e.amount = value
        e.amount_reason = _kept_reason(value, suggestion, reason)
        e.save()
        EnrollmentEvent.create(enrollment=e, kind="调整", month=month, amount=value,
                               reason=reason or "按标准调整", user=audit.current_user())
        audit.record("调整金额", "enrollment", e.id, before=before, after=e,
                     summary=f"自 {month} 起" + (PENDING_NOTE if pending else ""))
    return e


def stop(enrollment_id, *, month, reason: str) -> Enrollment:
    """Stop payment after `month` (the last month paid), with a reason."""
    month = norm_month(month)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("停保必须填写原因")
    with database.atomic():
        e = _active_from(enrollment_id, month, "该记录已经停保", "停保月份不能早于开始月份")
        before = audit.snapshot(e)
        e.status, e.stop_month, e.stop_reason = "停保", month, reason
        e.save()
        EnrollmentEvent.create(enrollment=e, kind="停保", month=month, reason=reason,
                               user=audit.current_user())
        audit.record("停保", "enrollment", e.id, before=before, after=e, summary=reason)
    return e


def resume(enrollment_id, *, month, reason: str = "", amount=None) -> Enrollment:
    """Pay a stopped enrollment again from `month` on."""
    month = norm_month(month)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("恢复保障必须填写原因")
    with database.atomic():
        e = get(Enrollment, enrollment_id, "保障记录")
        if e.status == "在保":
            raise ConflictError("该记录正在保障中，无需恢复")
        if e.stop_month and month <= e.stop_month:
            raise ValidationError(f"恢复月份应晚于停保月份 {e.stop_month}")
        _refuse_conflicts(e.programme_id, e.person, e.household, exclude=e.id)
        before = audit.snapshot(e)
        suggestion = _suggest(e.programme_id, month, e.category, e.covered_persons,
                              e.per_capita_income, e.details, amount, reason)
        value = _checked_amount(amount, suggestion, reason)
        e.status, e.stop_month, e.stop_reason, e.amount = "在保", None, "", value
        e.amount_reason = _kept_reason(value, suggestion, reason)
        e.save()
        EnrollmentEvent.create(enrollment=e, kind="恢复", month=month, amount=value, reason=reason,
                               user=audit.current_user())
        audit.record("恢复保障", "enrollment", e.id, before=before, after=e, summary=reason)
    return e


def events(enrollment_id) -> list[EnrollmentEvent]:
    return list(EnrollmentEvent.select().where(EnrollmentEvent.enrollment == enrollment_id)
                .order_by(EnrollmentEvent.month, EnrollmentEvent.id))


def state_in(enrollment_id, month: str) -> tuple[bool, Decimal | None]:
    """(covered?, monthly amount) of an enrollment in a month, from its history."""
    month = norm_month(month)
    active, amount = False, None
    for ev in events(enrollment_id):
        if ev.kind == "停保":
            if ev.month < month:
                active = False
            continue
        if ev.month > month:
            break
        active = True
        if ev.amount is not None:
            amount = ev.amount
    return active, (amount if active else None)


def change_bank_account(enrollment_id, account, reason: str = "") -> Enrollment:
    """The account this enrollment is paid into; '' pays into the person's own.

    Batches made before the change keep the account they were made with
    (an approved roster never drifts); the next batch uses the new one.
    """
    value = _bank_account(account)
    reason = (reason or "").strip()
    with database.atomic():
        e = get(Enrollment, enrollment_id, "保障记录")
        if value == e.bank_account:
            return e
        before = audit.snapshot(e)
        e.bank_account = value
        e.save()
        audit.record("修改银行账号", "enrollment", e.id, before=before, after=e,
                     summary=reason or ("改用人员档案中的账号" if not value else "修改代发账号"))
    return e
