"""Registering and editing persons (人员档案).

Birth date and sex always come from the ID number; the same number twice in
the registry is one person, so a second registration is refused.
"""
from __future__ import annotations

import peewee as pw

from .. import audit, idcard
from ..errors import ConflictError, ValidationError
from ..models import Person, PersonTag, Village, database, now
from ..pinyin import name_keys
from .common import get, required_text

EDITABLE = ("name", "id_number", "village", "address", "phone", "bank_name", "bank_account", "note")


def _id_number(raw) -> str:
    try:
        return idcard.normalize(raw)
    except idcard.IdNumberError as exc:
        raise ValidationError(str(exc)) from None


def _village(value) -> Village | None:
    if value in (None, ""):
        return None
    if isinstance(value, Village):
        return value
    if isinstance(value, int):
        return get(Village, value, "村(社区)")
    found = Village.get_or_none(Village.name == str(value).strip())
    if found is None:
        raise ValidationError(f"村(社区)“{value}”不存在，请先在设置中添加")
    return found


def _bank_account(raw) -> str:
    text = "".join(str(raw or "").split())
    if text and not text.isdigit():
        raise ValidationError("银行账号只能由数字组成")
    if text and not 12 <= len(text) <= 30:
        raise ValidationError("银行账号长度不正确（应为12—30位数字）")
    return text


def find_by_id_number(raw) -> Person | None:
    return Person.get_or_none(Person.id_number == _id_number(raw))


def _refuse_duplicate(id_number: str, exclude: int | None = None) -> None:
    query = Person.select(Person.id).where(Person.id_number == id_number)
    if exclude is not None:
        query = query.where(Person.id != exclude)
    other = query.first()
    if other is not None:
        raise ConflictError(f"该身份证号码已登记在人员档案中（档案号 {other.id}），同一号码只能是一个人")


def register_person(id_number, name, *, village=None, address: str = "", phone: str = "",
                    bank_name: str = "", bank_account: str = "", tags=(), note: str = "") -> Person:
    """Add a person to the registry."""
    number = _id_number(id_number)
    name = required_text(name, "姓名")
    pinyin, initials = name_keys(name)
    with database.atomic():
        _refuse_duplicate(number)
        try:
            person = Person.create(
                id_number=number, name=name, pinyin=pinyin, initials=initials,
                sex=idcard.sex(number), birth_date=idcard.birth_date(number),
                village=_village(village), address=address.strip(), phone=phone.strip(),
                bank_name=bank_name.strip(), bank_account=_bank_account(bank_account), note=note,
            )
        except pw.IntegrityError:  # a concurrent writer got there first
            raise ConflictError("该身份证号码已登记在人员档案中") from None
        for tag in _clean_tags(tags):
            PersonTag.create(person=person, tag=tag)
        audit.record("登记人员", "person", person.id, after=person, summary=f"新增人员档案 {person.id}")
    return person


def update_person(person_id, **changes) -> Person:
    """Edit a person's registry fields; the ID number re-derives birth date and sex."""
    unknown = set(changes) - set(EDITABLE) - {"tags"}
    if unknown:
        raise ValidationError(f"不能修改的字段：{'、'.join(sorted(unknown))}")
    with database.atomic():
        person = get(Person, person_id, "人员")
        before = audit.snapshot(person)
        if "id_number" in changes:
            number = _id_number(changes.pop("id_number"))
            _refuse_duplicate(number, exclude=person.id)
            person.id_number = number
            person.sex = idcard.sex(number)
            person.birth_date = idcard.birth_date(number)
        if "name" in changes:
            person.name = required_text(changes.pop("name"), "姓名")
            person.pinyin, person.initials = name_keys(person.name)
        if "village" in changes:
            person.village = _village(changes.pop("village"))
        if "bank_account" in changes:
            person.bank_account = _bank_account(changes.pop("bank_account"))
        tags = changes.pop("tags", None)
        for field, value in changes.items():
            setattr(person, field, (value or "").strip())
        person.updated_at = now()
        person.save()
        if tags is not None:
            _replace_tags(person, tags)
        after = audit.snapshot(person)
        if tags is not None:
            after["tags"] = tag_list(person)
        audit.record("修改人员", "person", person.id, before=before, after=after)
    return person


def _clean_tags(tags) -> list[str]:
    seen = []
    for tag in tags or ():
        tag = str(tag).strip()
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def _replace_tags(person: Person, tags) -> None:
    wanted = _clean_tags(tags)
    PersonTag.delete().where((PersonTag.person == person) & (PersonTag.tag.not_in(wanted or [""]))).execute()
    have = {t.tag for t in person.tags}
    for tag in wanted:
        if tag not in have:
            PersonTag.create(person=person, tag=tag)


def tag_list(person) -> list[str]:
    return [t.tag for t in PersonTag.select().where(PersonTag.person == person).order_by(PersonTag.id)]


def set_tags(person_id, tags) -> Person:
    return update_person(person_id, tags=tags)
