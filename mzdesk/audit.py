"""The audit log: who did what, when, and the record before → after.

Every service write calls `record()` inside its transaction, so the entry
and the change land together or not at all.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import peewee as pw

from .models import AuditLog

_current_user = "clerk"


def set_user(username: str) -> None:
    global _current_user
    _current_user = username


def current_user() -> str:
    return _current_user


def snapshot(instance: pw.Model | None) -> dict | None:
    """Plain values of a row, foreign keys as ids, for the before/after columns."""
    if instance is None:
        return None
    out = {}
    for name, field in instance._meta.fields.items():
        value = instance.__data__.get(name)
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, pw.Model):
            value = value.get_id()
        out[name] = value
    return out


def record(action: str, entity: str, entity_id, *, before=None, after=None, summary: str = "") -> AuditLog:
    if isinstance(before, pw.Model):
        before = snapshot(before)
    if isinstance(after, pw.Model):
        after = snapshot(after)
    return AuditLog.create(
        user=_current_user,
        action=action,
        entity=entity,
        entity_id="" if entity_id is None else str(entity_id),
        summary=summary,
        before=before,
        after=after,
    )


def history(entity: str, entity_id) -> list[AuditLog]:
    """Every entry for one record, oldest first."""
    return list(
        AuditLog.select()
        .where((AuditLog.entity == entity) & (AuditLog.entity_id == str(entity_id)))
        .order_by(AuditLog.id)
    )
