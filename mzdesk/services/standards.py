"""保障标准: data with effective months, never constants.

A new year's standard is a new row; the row it replaces is closed the month
before, so payments already made keep the standard they were made under.
"""
from __future__ import annotations

from .. import audit
from ..errors import ConflictError, ValidationError
from ..models import Programme, Standard, database
from .common import get, money, month as norm_month, prev_month


def list_standards(programme: str | None = None) -> list[Standard]:
    query = Standard.select().order_by(Standard.programme, Standard.category, Standard.effective_from)
    if programme:
        query = query.where(Standard.programme == programme)
    return list(query)


def add_standard(programme: str, amount, effective_from, *, category: str = "",
                 basis: str = "person", note: str = "") -> Standard:
    """Add a standard from a month on, closing the one it replaces."""
    month = norm_month(effective_from)
    if basis not in ("person", "household"):
        raise ValidationError("标准的计算单位应为按人或按户")
    value = money(amount, "标准金额")
    category = (category or "").strip()
    with database.atomic():
        prog = get(Programme, programme, "救助项目")
        same = Standard.select().where((Standard.programme == prog) & (Standard.category == category))
        for row in same:
            if row.effective_from >= month:
                raise ConflictError(f"已有自 {row.effective_from} 起的同类标准，新标准的生效月份应晚于它")
            if row.effective_to is not None and row.effective_to >= month:
                raise ConflictError(f"{month} 已在自 {row.effective_from} 至 {row.effective_to} 的标准期间内")
        current = same.where(Standard.effective_to.is_null()).first()
        if current is not None:
            before = audit.snapshot(current)
            current.effective_to = prev_month(month)
            current.save()
            audit.record("结束标准", "standard", current.id, before=before, after=current)
        row = Standard.create(programme=prog, category=category, amount=value, basis=basis,
                              effective_from=month, note=note)
        audit.record("新增标准", "standard", row.id, after=row,
                     summary=f"{prog.name}{('·' + category) if category else ''} 自 {month} 起 {value} 元")
    return row
