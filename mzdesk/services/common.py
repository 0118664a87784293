"""Small helpers shared by the service modules."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import peewee as pw

from ..errors import NotFoundError, ValidationError
from ..fields import MONTH_RE
from ..money import MoneyError, to_money

_MONTH_LOOSE = re.compile(r"^\s*(\d{4})\s*[-年./]?\s*(\d{1,2})\s*月?\s*$")


def get(model: type[pw.Model], pk, label: str):
    """Fetch a row by primary key or refuse with '<label>不存在'."""
    if isinstance(pk, model):
        return pk
    row = model.get_or_none(model._meta.primary_key == pk)
    if row is None:
        raise NotFoundError(f"{label}不存在（编号 {pk}）")
    return row


def month(value) -> str:
    """Normalise a month to 'YYYY-MM' (accepts dates and 2022-1, 2022年1月, 202201)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    text = str(value or "").strip()
    m = _MONTH_LOOSE.match(text)
    if m and 1 <= int(m.group(2)) <= 12:
        text = f"{m.group(1)}-{int(m.group(2)):02d}"
    if not MONTH_RE.match(text):
        raise ValidationError("月份格式应为 YYYY-MM，例如 2022-06")
    return text


def next_month(m: str) -> str:
    y, mo = int(m[:4]), int(m[5:7])
    return f"{y + mo // 12:04d}-{mo % 12 + 1:02d}"


def prev_month(m: str) -> str:
    y, mo = int(m[:4]), int(m[5:7])
    return f"{y - (mo == 1):04d}-{(mo - 2) % 12 + 1:02d}"


def month_end(m: str) -> dt.date:
    return dt.date.fromisoformat(next_month(m) + "-01") - dt.timedelta(days=1)


def required_text(value, label: str) -> str:
    text = "".join(str(value or "").split()) if label.endswith("姓名") else str(value or "").strip()
    if not text:
        raise ValidationError(f"{label}不能为空")
    return text


def money(value, label: str = "金额") -> Decimal:
    """A non-negative amount in 元, or a ValidationError naming the field."""
    try:
        amount = to_money(value)
    except MoneyError as exc:
        raise ValidationError(f"{label}：{exc}") from None
    if amount < 0:
        raise ValidationError(f"{label}不能为负数")
    return amount
