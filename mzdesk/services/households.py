"""Households (户) and their members with the relation to the head."""
from __future__ import annotations

from .. import audit
from ..errors import ConflictError, ValidationError
from ..models import Household, HouseholdMember, Person, database
from .common import get
from .persons import _village

RELATIONS = ("户主", "配偶", "子女", "父母", "孙子女", "兄弟姐妹", "儿媳", "女婿", "祖父母", "其他")
AREAS = ("城镇", "农村")


def _relation(value: str) -> str:
    value = (value or "").strip()
    if value not in RELATIONS:
        raise ValidationError(f"与户主关系应为：{'、'.join(RELATIONS)}")
    return value


def _refuse_other_household(person: Person, household: Household | None = None) -> None:
    query = (HouseholdMember.select(HouseholdMember.household)
             .join(Household)
             .where((HouseholdMember.person == person) & HouseholdMember.active & Household.active))
    if household is not None:
        query = query.where(HouseholdMember.household != household)
    other = query.first()
    if other is not None:
        raise ConflictError(f"该人员已是另一户（户号 {other.household_id}）的成员，请先从原户中移出")


def _snapshot(household: Household) -> dict:
    data = audit.snapshot(household)
    data["members"] = [(m.person_id, m.relation) for m in active_members(household)]
    return data


def active_members(household) -> list[HouseholdMember]:
    return list(HouseholdMember.select(HouseholdMember, Person).join(Person)
                .where((HouseholdMember.household == household) & HouseholdMember.active)
                .order_by(HouseholdMember.id))


def create_household(head_id, *, members=(), village=None, area: str = "农村", address: str = "") -> Household:
    """A new household; `members` are (person id, relation) besides the head."""
    if area not in AREAS:
        raise ValidationError("户籍类别应为“城镇”或“农村”")
    with database.atomic():
        head = get(Person, head_id, "户主")
        people = [(head, "户主")]
        for person_id, relation in members:
            person = get(Person, person_id, "家庭成员")
            if _relation(relation) == "户主":
                raise ValidationError("一户只能有一个户主")
            people.append((person, relation))
        ids = [p.id for p, _ in people]
        if len(set(ids)) != len(ids):
            raise ValidationError("同一人在家庭成员中出现了两次")
        for person, _ in people:
            _refuse_other_household(person)
        household = Household.create(
            head=head, village=_village(village) if village is not None else head.village,
            area=area, address=address.strip() or head.address,
        )
        for person, relation in people:
            HouseholdMember.create(household=household, person=person, relation=relation)
        audit.record("新建家庭", "household", household.id, after=_snapshot(household))
    return household


def add_member(household_id, person_id, relation: str) -> HouseholdMember:
    with database.atomic():
        household = get(Household, household_id, "家庭")
        person = get(Person, person_id, "人员")
        if _relation(relation) == "户主":
            raise ValidationError("请使用“更换户主”来改变户主")
        _refuse_other_household(person, household)
        before = _snapshot(household)
        member = HouseholdMember.get_or_none(household=household, person=person)
        if member is None:
            member = HouseholdMember.create(household=household, person=person, relation=relation)
        elif member.active:
            raise ConflictError("该人员已是本户成员")
        else:
            member.active, member.relation = True, relation
            member.save()
        audit.record("增加家庭成员", "household", household.id, before=before, after=_snapshot(household))
    return member


def remove_member(household_id, person_id) -> None:
    """Take a member out of the household (kept in history, not deleted)."""
    with database.atomic():
        household = get(Household, household_id, "家庭")
        member = HouseholdMember.get_or_none(household=household, person=person_id, active=True)
        if member is None:
            raise ValidationError("该人员不是本户的成员")
        if member.person_id == household.head_id:
            raise ValidationError("不能移出户主，请先更换户主")
        before = _snapshot(household)
        member.active = False
        member.save()
        audit.record("移出家庭成员", "household", household.id, before=before, after=_snapshot(household))


def change_head(household_id, new_head_id, old_head_relation: str = "其他") -> Household:
    with database.atomic():
        household = get(Household, household_id, "家庭")
        new = HouseholdMember.get_or_none(household=household, person=new_head_id, active=True)
        if new is None:
            raise ValidationError("新户主必须是本户的成员")
        before = _snapshot(household)
        old = HouseholdMember.get(household=household, person=household.head_id)
        old.relation = _relation(old_head_relation)
        old.save()
        new.relation = "户主"
        new.save()
        household.head = new.person_id
        household.save()
        audit.record("更换户主", "household", household.id, before=before, after=_snapshot(household))
    return household


def household_of(person_id) -> Household | None:
    """The active household a person belongs to, if any."""
    member = (HouseholdMember.select().join(Household)
              .where((HouseholdMember.person == person_id) & HouseholdMember.active & Household.active)
              .first())
    return member.household if member else None


def update_household(household_id, village=None, area=None, address=None) -> Household:
    """Correct where a household lives; None leaves a field as it is."""
    with database.atomic():
        household = get(Household, household_id, "家庭")
        if not household.active:
            raise ConflictError("该家庭已注销，不能修改")
        before = _snapshot(household)
        if village is not None:
            found = _village(village)
            if found is None:
                raise ValidationError("请选择村(社区)")
            household.village = found
        if area is not None:
            if area not in AREAS:
                raise ValidationError("户籍类别应为“城镇”或“农村”")
            household.area = area
        if address is not None:
            household.address = str(address).strip()
        if _snapshot(household) != before:
            household.save()
            audit.record("修改家庭", "household", household.id, before=before, after=_snapshot(household))
    return household


def change_relation(household_id, person_id, relation: str) -> HouseholdMember:
    """Correct a member's relation to the head (the head itself changes by change_head)."""
    relation = _relation(relation)
    with database.atomic():
        household = get(Household, household_id, "家庭")
        member = HouseholdMember.get_or_none(household=household, person=person_id, active=True)
        if member is None:
            raise ValidationError("该人员不是本户的成员")
        if member.person_id == household.head_id or relation == "户主":
            raise ValidationError("户主请使用“设为户主”更换，不能直接修改关系")
        if member.relation != relation:
            before = _snapshot(household)
            member.relation = relation
            member.save()
            audit.record("修改成员关系", "household", household.id, before=before,
                         after=_snapshot(household))
    return member
