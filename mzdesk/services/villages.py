"""Villages and communities (村 / 社区): add, rename, merge."""
from __future__ import annotations

import re

from .. import audit
from ..errors import ConflictError, ValidationError
from ..models import HouseSurvey, Household, OneOffSubsidy, Person, Village, database
from .common import get, required_text

_CODE = re.compile(r"^\d{12}$")


def _kind(name: str, kind: str | None) -> str:
    if kind:
        if kind not in ("村", "社区"):
            raise ValidationError("类型应为“村”或“社区”")
        return kind
    return "社区" if name.endswith(("社区", "居委会")) else "村"


def _code(code) -> str | None:
    code = "".join(str(code or "").split())
    if code and not _CODE.match(code):
        raise ValidationError("区划代码应为12位数字")
    return code or None


def list_villages(include_inactive: bool = False) -> list[Village]:
    query = Village.select().order_by(Village.sort_order, Village.id)
    if not include_inactive:
        query = query.where(Village.active == True)  # noqa: E712 (SQL comparison)
    return list(query)


def add_village(name, *, kind: str | None = None, code=None) -> Village:
    name = required_text(name, "村(社区)名称")
    with database.atomic():
        if Village.get_or_none(Village.name == name):
            raise ConflictError(f"村(社区)“{name}”已存在")
        code = _code(code)
        if code and Village.get_or_none(Village.code == code):
            raise ConflictError("该区划代码已被其他村(社区)使用")
        order = (Village.select().count() or 0) + 1
        village = Village.create(name=name, kind=_kind(name, kind), code=code, sort_order=order)
        audit.record("新增村社区", "village", village.id, after=village)
    return village


def update_village(village_id, *, name=None, kind=None, code=None) -> Village:
    """Rename a village or change its kind or 区划代码."""
    with database.atomic():
        village = get(Village, village_id, "村(社区)")
        before = audit.snapshot(village)
        if name is not None:
            name = required_text(name, "村(社区)名称")
            other = Village.get_or_none((Village.name == name) & (Village.id != village.id))
            if other:
                raise ConflictError(f"村(社区)“{name}”已存在，如需合并请使用合并功能")
            village.name = name
        if kind is not None:
            village.kind = _kind(village.name, kind)
        if code is not None:
            village.code = _code(code)
            if village.code and Village.get_or_none((Village.code == village.code) & (Village.id != village.id)):
                raise ConflictError("该区划代码已被其他村(社区)使用")
        village.save()
        audit.record("修改村社区", "village", village.id, before=before, after=village)
    return village


def merge_villages(source_id, target_id) -> Village:
    """Move everything of `source` into `target`; the source stays, marked as merged."""
    with database.atomic():
        source = get(Village, source_id, "村(社区)")
        target = get(Village, target_id, "村(社区)")
        if source.id == target.id:
            raise ValidationError("不能把村(社区)合并到它自己")
        if not target.active:
            raise ValidationError(f"“{target.name}”已被合并，不能作为合并目标")
        before = audit.snapshot(source)
        moved = {}
        # Payment lines keep the village they were paid under: history is not rewritten.
        for model in (Person, Household, HouseSurvey, OneOffSubsidy):
            moved[model._meta.table_name] = (
                model.update(village=target).where(model.village == source).execute()
            )
        source.active = False
        source.merged_into = target
        source.save()
        audit.record("合并村社区", "village", source.id, before=before,
                     after=dict(audit.snapshot(source), moved=moved),
                     summary=f"并入村(社区) {target.id}")
    return target


def village_by_name(name: str) -> Village | None:
    return Village.get_or_none(Village.name == name.strip())

