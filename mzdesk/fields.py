"""Column types shared by the models.

Money is stored as integer fen so that SQL SUM() is exact on every backend;
months are 'YYYY-MM' text so that they sort and compare as strings.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal

import peewee

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class MoneyField(peewee.IntegerField):
    """A Decimal amount in 元, stored as an integer number of 分."""

    def db_value(self, value):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must not be float")
        return int((Decimal(value) * 100).to_integral_exact())

    def python_value(self, value):
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


class MonthField(peewee.CharField):
    """A calendar month as 'YYYY-MM'."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 7)
        super().__init__(*args, **kwargs)

    def db_value(self, value):
        if value is None:
            return None
        if not MONTH_RE.match(str(value)):
            raise ValueError("month must be YYYY-MM")
        return str(value)


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_json_default)


class JSONField(peewee.TextField):
    """Small JSON documents (details that vary by programme)."""

    def db_value(self, value):
        return None if value is None else dumps(value)

    def python_value(self, value):
        return None if value is None else json.loads(value)
