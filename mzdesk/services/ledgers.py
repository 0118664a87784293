"""One-off ledgers (台账): relief cases, the house survey, cards, activities,
indicators and one-off subsidy definitions.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from .. import audit
from ..errors import ConflictError, ValidationError
from ..models import (Activity, CardIssuance, Enrollment, HouseholdMember, HouseSurvey, Indicator,
                      OneOffSubsidy, Person, Programme, ReliefCase, database)
from .common import get, money, month as norm_month, required_text
from .persons import _village

RELIEF_KINDS = ("临时救助", "医疗救助")
CASE_TYPES = ("门诊医疗救助", "大病医疗救助", "临时困难救助", "医疗费用救助")
INTENTIONS = ("原址重建", "异地重建", "集中新建", "进城安居", "不愿意改造")
FAMILY_TYPES = ("农村低保", "散居五保", "低保边缘户", "一般群众")
PROGRESS = ("未拆除", "已拆除", "已建成")
CARD_TYPES = ("老年优待证", "免费乘车证")


def _date(value, label: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(f"{label}格式应为 YYYY-MM-DD") from None


def _choice(value: str, options, label: str) -> str:
    if value not in options:
        raise ValidationError(f"{label}应为：{'、'.join(options)}")
    return value


def enrollments_at(person_id, month: str) -> list[Enrollment]:
    """Enrollments covering a person in a month (as recipient or household member)."""
    households = (HouseholdMember.select(HouseholdMember.household)
                  .where(HouseholdMember.person == person_id))
    return list(Enrollment.select().where(
        ((Enrollment.person == person_id) | Enrollment.household.in_(households))
        & (Enrollment.start_month <= month)
        & (Enrollment.stop_month.is_null() | (Enrollment.stop_month >= month))))


def target_group(person_id, on: dt.date) -> str:
    """五保户 / 低保户 / 优抚对象 / 困难户, from the enrollments at that date."""
    codes = {e.programme_id for e in enrollments_at(person_id, norm_month(on))}
    if "tekun" in codes:
        return "五保户"
    if codes & {"dibao_urban", "dibao_rural"}:
        return "低保户"
    if "youfu" in codes:
        return "优抚对象"
    return "困难户"


def family_type(person_id, on: dt.date, fallback: str = "一般群众") -> str:
    """The house survey's family type where the registry knows it."""
    found = enrollments_at(person_id, norm_month(on))
    codes = {e.programme_id for e in found}
    if "dibao_rural" in codes:
        return "农村低保"
    if any(e.programme_id == "tekun" and e.category == "散居" for e in found):
        return "散居五保"
    if "bianyuan" in codes:
        return "低保边缘户"
    return _choice(fallback or "一般群众", FAMILY_TYPES, "家庭类型")


def add_relief_case(person_id, *, kind: str, case_type: str, amount, approved_date,
                    paid_date=None, note: str = "") -> ReliefCase:
    with database.atomic():
        person = get(Person, person_id, "救助对象")
        approved = _date(approved_date, "审批日期")
        case = ReliefCase.create(
            kind=_choice(kind, RELIEF_KINDS, "救助类别"),
            case_type=required_text(case_type, "救助类型"),
            person=person, household=None, target_group=target_group(person.id, approved),
            amount=money(amount, "救助金额"), approved_date=approved,
            paid_date=_date(paid_date, "发放日期") if paid_date else None, note=note.strip(),
        )
        audit.record("登记救助", "relief_case", case.id, after=case)
    return case


def add_house_survey(person_id, *, persons: int, intention: str, survey_date, family_type_hint: str = "一般群众",
                     pilot: bool = False, progress: str = "未拆除", compensation=0, transition_fee=0,
                     village=None, note: str = "") -> HouseSurvey:
    with database.atomic():
        person = get(Person, person_id, "户主")
        when = _date(survey_date, "调查日期")
        if int(persons) < 1:
            raise ValidationError("家庭人数至少为1")
        record = HouseSurvey.create(
            person=person, village=_village(village) if village is not None else person.village,
            persons=int(persons), intention=_choice(intention, INTENTIONS, "改造意愿"),
            family_type=family_type(person.id, when, family_type_hint), pilot=bool(pilot),
            progress=_choice(progress, PROGRESS, "改造进度"),
            compensation=money(compensation, "拆迁补偿费"), transition_fee=money(transition_fee, "过渡安置费"),
            survey_date=when, note=note.strip(),
        )
        audit.record("登记土坯房", "house_survey", record.id, after=record)
    return record


def update_house_survey(record_id, **changes) -> HouseSurvey:
    """Progress and payments change as the work goes on."""
    allowed = {"progress", "compensation", "transition_fee", "intention", "note", "pilot"}
    if set(changes) - allowed:
        raise ValidationError("不能修改的字段")
    with database.atomic():
        record = get(HouseSurvey, record_id, "土坯房记录")
        before = audit.snapshot(record)
        if "progress" in changes:
            record.progress = _choice(changes["progress"], PROGRESS, "改造进度")
        if "intention" in changes:
            record.intention = _choice(changes["intention"], INTENTIONS, "改造意愿")
        for key in ("compensation", "transition_fee"):
            if key in changes:
                setattr(record, key, money(changes[key], "金额"))
        if "note" in changes:
            record.note = str(changes["note"]).strip()
        if "pilot" in changes:
            record.pilot = bool(changes["pilot"])
        record.save()
        audit.record("修改土坯房", "house_survey", record.id, before=before, after=record)
    return record


def issue_card(person_id, *, card_type: str, issued_date, number: str = "") -> CardIssuance:
    with database.atomic():
        person = get(Person, person_id, "人员")
        card = CardIssuance.create(person=person, card_type=_choice(card_type, CARD_TYPES, "证件类型"),
                                   number=number.strip(), issued_date=_date(issued_date, "办理日期"))
        audit.record("办理证件", "card_issuance", card.id, after=card)
    return card


def add_activity(kind: str, held_date, *, title: str = "", participants: int = 0, note: str = "") -> Activity:
    with database.atomic():
        activity = Activity.create(kind=required_text(kind, "活动类别"), title=title.strip(),
                                   held_date=_date(held_date, "活动日期"),
                                   participants=max(int(participants or 0), 0), note=note.strip())
        audit.record("登记活动", "activity", activity.id, after=activity)
    return activity


def set_indicator(name: str, month, value, unit: str = "%") -> Indicator:
    name = required_text(name, "指标名称")
    month = norm_month(month)
    text = str(value).strip().rstrip("%")
    try:
        Decimal(text)
    except InvalidOperation:
        raise ValidationError("指标值应为数字") from None
    with database.atomic():
        row = Indicator.get_or_none(name=name, month=month)
        before = audit.snapshot(row)
        if row is None:
            row = Indicator.create(name=name, month=month, value=text, unit=unit)
        else:
            row.value, row.unit = text, unit
            row.save()
        audit.record("填报指标", "indicator", row.id, before=before, after=row)
    return row


def define_one_off(name: str, *, programmes, month, amount, basis: str = "person",
                   tag_filter: str = "", village=None, note: str = "") -> OneOffSubsidy:
    """A one-off subsidy over one or more rosters (the payments issue pays it)."""
    codes = [c.strip() for c in (programmes.split(",") if isinstance(programmes, str) else programmes) if c.strip()]
    if not codes:
        raise ValidationError("请选择至少一个救助项目")
    with database.atomic():
        for code in codes:
            get(Programme, code, "救助项目")
        subsidy = OneOffSubsidy.create(
            name=required_text(name, "补贴名称"), programmes=",".join(codes), month=norm_month(month),
            basis=_choice(basis, ("person", "household"), "发放单位"), amount=money(amount, "补贴金额"),
            tag_filter=tag_filter.strip(), village=_village(village), note=note.strip(),
        )
        audit.record("定义一次性补贴", "one_off_subsidy", subsidy.id, after=subsidy)
    return subsidy


# --- corrections -----------------------------------------------------------------
# A clerk fixes typos all the time. Each correction below changes only what
# the record's own fields allow, writes nothing when nothing changed, and
# keeps the old values in the audit entry (before → after).

def _refuse_unknown(changes: dict, allowed, fixed_msg: str = "") -> None:
    unknown = set(changes) - set(allowed)
    if fixed_msg and unknown & {"person", "person_id"}:
        raise ValidationError(fixed_msg)
    if unknown:
        raise ValidationError(f"不能修改的字段：{'、'.join(sorted(unknown))}")


def _save_if_changed(row, before: dict, action: str, entity: str, summary: str = "") -> bool:
    """Save and audit the row unless the correction left it as it was."""
    if audit.snapshot(row) == before:
        return False
    row.save()
    audit.record(action, entity, row.id, before=before, after=row, summary=summary)
    return True


RELIEF_EDITABLE = ("kind", "case_type", "amount", "approved_date", "paid_date", "note")


def update_relief_case(case_id, **changes) -> ReliefCase:
    """Correct a relief case; its person is fixed (a case for the wrong person
    is cancelled and registered again). The target group follows a new
    approval date, derived as when the case was registered."""
    _refuse_unknown(changes, RELIEF_EDITABLE, "救助对象不能修改；如对象登记错误，请作废本记录后重新登记")
    with database.atomic():
        case = get(ReliefCase, case_id, "救助记录")
        if case.cancelled:
            raise ConflictError("该救助记录已作废，不能修改")
        before = audit.snapshot(case)
        if "kind" in changes:
            case.kind = _choice(changes["kind"], RELIEF_KINDS, "救助类别")
        if "case_type" in changes:
            case.case_type = required_text(changes["case_type"], "救助类型")
        if "amount" in changes:
            case.amount = money(changes["amount"], "救助金额")
        if "approved_date" in changes:
            approved = _date(changes["approved_date"], "审批日期")
            if approved != case.approved_date:
                case.approved_date = approved
                case.target_group = target_group(case.person_id, approved)
        if "paid_date" in changes:
            paid = changes["paid_date"]
            case.paid_date = _date(paid, "发放日期") if paid not in (None, "") else None
        if "note" in changes:
            case.note = str(changes["note"] or "").strip()
        _save_if_changed(case, before, "修改救助", "relief_case")
    return case


def cancel_relief_case(case_id, reason: str) -> ReliefCase:
    """作废: the case leaves the ledger and its totals but stays in the database."""
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationError("作废救助记录必须填写原因")
    with database.atomic():
        case = get(ReliefCase, case_id, "救助记录")
        if case.cancelled:
            raise ConflictError("该救助记录已经作废")
        before = audit.snapshot(case)
        case.cancelled = True
        case.save()
        audit.record("作废救助", "relief_case", case.id, before=before, after=case, summary=reason)
    return case


def update_card(card_id, **changes) -> CardIssuance:
    """Correct a card's type, number or date; the holder is fixed."""
    _refuse_unknown(changes, ("card_type", "number", "issued_date"),
                    "持证人不能修改；如持证人登记错误，请重新登记")
    with database.atomic():
        card = get(CardIssuance, card_id, "办证记录")
        before = audit.snapshot(card)
        if "card_type" in changes:
            card.card_type = _choice(changes["card_type"], CARD_TYPES, "证件类型")
        if "number" in changes:
            card.number = str(changes["number"] or "").strip()
        if "issued_date" in changes:
            card.issued_date = _date(changes["issued_date"], "办理日期")
        _save_if_changed(card, before, "修改证件", "card_issuance")
    return card


def _participants(value) -> int:
    try:
        number = int(str(value if value not in (None, "") else 0).strip())
    except ValueError:
        raise ValidationError("参加人数应为整数") from None
    if number < 0:
        raise ValidationError("参加人数不能为负数")
    return number


def update_activity(activity_id, **changes) -> Activity:
    _refuse_unknown(changes, ("kind", "title", "held_date", "participants", "note"))
    with database.atomic():
        activity = get(Activity, activity_id, "活动记录")
        before = audit.snapshot(activity)
        if "kind" in changes:
            activity.kind = required_text(changes["kind"], "活动类别")
        if "title" in changes:
            activity.title = str(changes["title"] or "").strip()
        if "held_date" in changes:
            activity.held_date = _date(changes["held_date"], "活动日期")
        if "participants" in changes:
            activity.participants = _participants(changes["participants"])
        if "note" in changes:
            activity.note = str(changes["note"] or "").strip()
        _save_if_changed(activity, before, "修改活动", "activity")
    return activity


def survey_family_type(record: HouseSurvey, when: dt.date) -> str:
    """The family type a survey record would have with another survey date."""
    if when == record.survey_date:
        return record.family_type
    derived_then = family_type(record.person_id, record.survey_date, "一般群众")
    chosen = record.family_type if record.family_type != derived_then else "一般群众"
    return family_type(record.person_id, when, chosen)


def correct_house_survey(record_id, *, persons=None, survey_date=None) -> HouseSurvey:
    """Fix the household size or the survey date typed at registration.

    A new date re-derives the family type from the registry, as on
    registration; a type the clerk chose (the registry knowing nothing)
    is kept where the registry still knows nothing.
    """
    with database.atomic():
        record = get(HouseSurvey, record_id, "土坯房记录")
        before = audit.snapshot(record)
        if persons is not None:
            if int(persons) < 1:
                raise ValidationError("家庭人数至少为1")
            record.persons = int(persons)
        if survey_date is not None:
            when = _date(survey_date, "调查日期")
            record.family_type = survey_family_type(record, when)
            record.survey_date = when
        _save_if_changed(record, before, "修改土坯房", "house_survey")
    return record
