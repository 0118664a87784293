"""Chinese resident ID numbers (GB 11643-1999).

Error messages are short Simplified Chinese sentences for the clerk. They
never contain the ID number itself: messages can end up in log files and an
ID number is personal data.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

__all__ = [
    "IdNumberError", "check_digit", "normalize", "validate", "is_valid",
    "problems", "birth_date", "sex", "age", "region_code", "mask", "make",
]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_MAP = "10X98765432"
_MIN_YEAR = 1890

MSG_EMPTY = "身份证号码为空"
MSG_CHARS = "身份证号码只能由数字和末位X组成"
MSG_REGION = "行政区划代码无效"
MSG_BIRTH = "身份证号码中的出生日期无效"
MSG_FUTURE = "出生日期晚于今天"
MSG_SPREADSHEET = "身份证号码被表格软件存成了数字，后几位已丢失，无法恢复，请以文本格式重新录入"

# Full-width ASCII block (U+FF01..U+FF5E) maps onto ASCII by a fixed offset.
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
# Invisible characters that survive copy-paste from web pages and Word.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
# What Excel shows after turning an ID into a number: 5.10102E+17, 5.1E17,
# or a long number with a decimal point. The digits are gone for good.
_NUMERIC_RE = re.compile(r"^[+-]?\d*\.?\d+(E[+-]?\d+)?$|^\d+\.\d*$", re.ASCII)


class IdNumberError(ValueError):
    """Invalid ID number; str() is the Chinese reason (never the number)."""


def check_digit(first17: str) -> str:
    """The 18th character for the given first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise IdNumberError("计算校验位需要17位数字")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS))
    return _CHECK_MAP[total % 11]


def _clean(raw) -> str:
    """Turn whatever the clerk or a spreadsheet gave us into a plain string."""
    if raw is None:
        raise IdNumberError(MSG_EMPTY)
    if isinstance(raw, bool):  # bool is an int subclass; never an ID
        raise IdNumberError(MSG_CHARS)
    if isinstance(raw, float):
        raise IdNumberError(MSG_SPREADSHEET)
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, Decimal):
        # openpyxl/calamine may hand back exact integral Decimals; anything
        # else went through floating point on the way.
        if raw.is_finite() and raw == raw.to_integral_value():
            return str(int(raw))
        raise IdNumberError(MSG_SPREADSHEET)
    if not isinstance(raw, str):
        raise IdNumberError(MSG_CHARS)
    s = raw.translate(_HALF_WIDTH).translate(_INVISIBLE)
    s = "".join(s.split()).upper()  # split() also drops U+3000 and NBSP
    if not s:
        raise IdNumberError(MSG_EMPTY)
    if "." in s or "E" in s:
        if _NUMERIC_RE.match(s):
            raise IdNumberError(MSG_SPREADSHEET)
    return s


def _check_region(s: str) -> None:
    if s[:2] == "00":
        raise IdNumberError(MSG_REGION)


def _check_birth(yyyymmdd: str) -> date:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        raise IdNumberError(MSG_BIRTH) from None
    if born.year < _MIN_YEAR:
        raise IdNumberError(MSG_BIRTH)
    if born > date.today():
        raise IdNumberError(MSG_FUTURE)
    return born


def normalize(raw) -> str:
    """Return the canonical 18-character ID or raise IdNumberError.

    Accepts str or int; 15-digit legacy numbers are upgraded to 18 digits.
    """
    s = _clean(raw)
    body, last = s[:-1], s[-1]
    if (body and not (body.isascii() and body.isdigit())) or last not in "0123456789X":
        raise IdNumberError(MSG_CHARS)
    if len(s) == 15:
        if s[-1] == "X":  # legacy numbers had no check character
            raise IdNumberError(MSG_CHARS)
        _check_region(s)
        _check_birth("19" + s[6:12])
        first17 = s[:6] + "19" + s[6:]
        return first17 + check_digit(first17)
    if len(s) != 18:
        raise IdNumberError(f"身份证号码长度应为18位（当前{len(s)}位）")
    _check_region(s)
    _check_birth(s[6:14])
    expected = check_digit(s[:17])
    if s[17] != expected:
        # One character reveals nothing useful about the person.
        raise IdNumberError(f"身份证号码校验位错误（应为{expected}）")
    return s


validate = normalize


def is_valid(raw) -> bool:
    return problems(raw) is None


def problems(raw) -> str | None:
    """The Chinese reason the number is invalid, or None if it is fine."""
    try:
        normalize(raw)
    except IdNumberError as exc:
        return str(exc)
    return None


def birth_date(id18) -> date:
    s = normalize(id18)
    return date(int(s[6:10]), int(s[10:12]), int(s[12:14]))


def sex(id18) -> str:
    """'男' when the 17th digit is odd, else '女'."""
    return "男" if int(normalize(id18)[16]) % 2 else "女"


def age(id18, on: date | None = None) -> int:
    """Full years of age on `on` (default today).

    The age goes up on the birthday itself. Someone born on 29 February
    has their birthday on 1 March in common years, so is still one year
    younger on 28 February.
    """
    born = birth_date(id18)
    on = date.today() if on is None else on
    if on < born:
        raise ValueError("计算年龄的日期早于出生日期")
    years = on.year - born.year
    # Tuple comparison gives exactly the 29-Feb rule above: (2, 28) < (2, 29).
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years


def region_code(id18) -> str:
    """First six digits; only the shape is checked, not the region table."""
    return normalize(id18)[:6]


def mask(id18, keep_head: int = 4, keep_tail: int = 4) -> str:
    """Hide the middle for display, keeping the length.

    Strings too short to hide at least one character are fully starred,
    since showing them whole would not be masking.
    """
    if keep_head < 0 or keep_tail < 0:
        raise ValueError("keep_head/keep_tail must be >= 0")
    s = "" if id18 is None else str(id18)
    n = len(s)
    if n <= keep_head + keep_tail:
        return "*" * n
    return s[:keep_head] + "*" * (n - keep_head - keep_tail) + s[n - keep_tail:]


def make(region: str, birth: date, seq: int) -> str:
    """Build a valid 18-digit ID (odd seq = 男). For demo data and tests."""
    region = str(region)
    if len(region) != 6 or not region.isascii() or not region.isdigit():
        raise IdNumberError(MSG_REGION)
    _check_region(region)
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= 999:
        raise ValueError("seq must be an int in 0..999")
    ymd = f"{birth.year:04d}{birth.month:02d}{birth.day:02d}"
    _check_birth(ymd)
    first17 = f"{region}{ymd}{seq:03d}"
    return first17 + check_digit(first17)
