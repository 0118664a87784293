"""Cell normalisers for imported spreadsheets.

Each normaliser takes one raw cell value as the reader hands it over (str,
int, float, bool, datetime.date/datetime, Decimal, or None for an empty
cell) and returns a clean value or raises CellError whose str() is the
Chinese reason for the problem report.

Conventions shared by all of them:
- Blank (None, '' or only spaces) raises CellError('…为空'), except text()
  and name() which return ''. Optional columns are checked with is_blank()
  first; whether a column is required is the importer's decision.
- Reasons never contain the cell's value: the report shows the value in its
  own column, and a reason may end up in a log where an ID number or a bank
  account must not.
- They are called once per cell of up to hundreds of thousands of cells, so
  they use precompiled regexes and str.translate tables, and try the common
  case first.
"""
from __future__ import annotations

import datetime as _dt
import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from operator import mul
from typing import Mapping, Sequence

from .. import idcard
from ..money import FEN, MoneyError, to_money

__all__ = [
    "CellError", "MSG_ID_AS_NUMBER", "MSG_ACCOUNT_AS_NUMBER", "is_blank", "text", "name",
    "id_number", "money", "month", "date", "integer", "bank_account", "choice", "yes_no",
    "header_key",
]

MSG_ID_AS_NUMBER = "身份证号被Excel存成了数字，末几位已丢失，无法恢复"
MSG_ACCOUNT_AS_NUMBER = "银行账号被Excel存成了数字，末几位已丢失，无法恢复"
MSG_MONTH = "月份格式不正确（应为2022-01、2022年1月、2022.1或202201）"
MSG_DATE = "日期格式不正确（应为2022-01-05、2022年1月5日、2022.1.5或20220105）"


class CellError(ValueError):
    """A cell that cannot be taken; str() is the Chinese reason."""


# Full-width ASCII (U+FF01..U+FF5E) maps onto ASCII by a fixed offset; the
# ideographic space and no-break space become plain spaces; zero-width
# characters that survive copy-paste from web pages and Word disappear.
_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_TABLE.update({0x3000: 0x20, 0xA0: 0x20})
_TABLE.update(dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None))
_HALF = str.maketrans(_TABLE)
# For values that never hold spaces (IDs, amounts, accounts, months): drop them.
_WHITESPACE = dict.fromkeys((c for c in range(0x3001) if chr(c).isspace()), None)
_SQUEEZE = str.maketrans({**_TABLE, **_WHITESPACE})
_HEADER = str.maketrans({**_TABLE, **_WHITESPACE, ord("*"): None, ord("＊"): None,
                         ord("【"): "[", ord("】"): "]", ord(":"): None, ord("："): None})
_SPACES = re.compile(r"\s+")
# Anything text() would change: full-width forms, odd spaces, invisible
# characters, runs of spaces, spaces at either end.
_TEXT_WORK = re.compile(r"[\uff01-\uff5e\u3000\u00a0\u200b-\u200d\u2060\ufeff\t\n\r\f\v\x1c-\x1f"
                        r"\x85\u1680\u2000-\u200a\u2028\u2029\u202f\u205f]|  |^ | $")
# Spaces between two Chinese characters: clerks pad two-character names to
# line them up with three-character ones (张  三).
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
# A number as Excel shows it once it has turned an ID into a number:
# 5.10102E+17, 5.1e17, 510102199001011000.0
_SCIENTIFIC = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)E[+-]?\d+$|^\d+\.\d*$", re.ASCII | re.I)

_DAY0 = _dt.date(1899, 12, 30)   # Excel's serial 0 (after its 1900 leap-year bug)
_SERIAL_MIN, _SERIAL_MAX = 367, 73050   # 1901-01-01 .. 2099-12-31
_YEAR_MIN, _YEAR_MAX = 1900, 2100


def is_blank(v) -> bool:
    """None, '' or a string of spaces only."""
    return v is None or (isinstance(v, str) and (not v or v.isspace() or not v.translate(_SQUEEZE)))


def text(v) -> str:
    """Plain text: full-width → half-width, spaces collapsed, stripped. Blank → ''."""
    if v is None:
        return ""
    if v.__class__ is str:
        if _TEXT_WORK.search(v) is None:   # most cells are clean already
            return v
        return _SPACES.sub(" ", v.translate(_HALF)).strip()
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        # Excel keeps every number as a float: 3.0 is the 3 the clerk typed.
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, _dt.datetime):
        return v.isoformat(sep=" ") if (v.hour or v.minute or v.second) else v.date().isoformat()
    if isinstance(v, _dt.date):
        return v.isoformat()
    return str(v)


def name(v) -> str:
    """A person's name: text() without the spaces padded between Chinese characters."""
    t = text(v)
    return _CJK_GAP.sub("", t) if " " in t else t


def header_key(t) -> str:
    """A header as compared: no spaces/newlines/'*'/colons, full-width → half, lower case.

    '身份证\\n号码', '身份证号码 ' and '＊身份证号码' all give '身份证号码';
    '金额（元）' gives '金额(元)'.
    """
    if t is None:
        return ""
    return (t if isinstance(t, str) else text(t)).translate(_HEADER).lower()


def _squeezed(v: str) -> str:
    s = v.translate(_SQUEEZE)
    # A leading apostrophe is how Excel users force text; it sometimes
    # survives a copy-paste into the cell itself.
    return s[1:] if s[:1] in ("'", "‘", "’") else s


def _stripped(v: str) -> str:
    s = v.translate(_HALF).strip()
    return s[1:].lstrip() if s[:1] in ("'", "‘", "’") else s


def _numeric_digits(v) -> int:
    """Number of digits before the point of a numeric cell."""
    return len(str(int(abs(v)))) if v == v and abs(v) != float("inf") else 0


# ----------------------------------------------------------------- ID numbers

_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_WEIGHT_OF_ZEROS = 48 * sum(_WEIGHTS)   # ord('0') times every weight
_CHECK = "10X98765432"
_births: frozenset = frozenset()


def _birth_days() -> frozenset:
    """Every YYYYMMDD from 1890-01-01 to today, as idcard accepts a birth date."""
    global _births
    if not _births:
        day, today, one = _dt.date(1890, 1, 1), _dt.date.today(), _dt.timedelta(days=1)
        out = []
        while day <= today:
            out.append(f"{day.year:04d}{day.month:02d}{day.day:02d}")
            day += one
        _births = frozenset(out)
    return _births


def _valid_id18(s: str) -> bool:
    """idcard.normalize's rules for an 18-character number, ~10 times faster.

    Only a True answer is final: anything else goes through idcard.normalize,
    which also says what is wrong (and knows today even after midnight).
    """
    return (len(s) == 18 and _ID18.fullmatch(s) is not None and s[:2] != "00"
            and s[6:14] in (_births or _birth_days())
            and _CHECK[(sum(map(mul, s.encode(), _WEIGHTS)) - _WEIGHT_OF_ZEROS) % 11] == s[17])


def id_number(v) -> str:
    """The canonical 18-character ID number (15-digit numbers upgraded).

    A number of 15 digits or more comes from a cell Excel turned into a
    number: it kept 15 significant digits and the rest are gone, so the
    value is refused rather than guessed.
    """
    if v.__class__ is str:
        if _valid_id18(v):   # the common case: a clean 18-character text cell
            return v
        s = _squeezed(v).upper()
        if _valid_id18(s):
            return s
        if not s:
            raise CellError(idcard.MSG_EMPTY)
        if ("E" in s or "e" in s or "." in s) and _SCIENTIFIC.match(s):
            raise CellError(MSG_ID_AS_NUMBER)
    elif v is None:
        raise CellError(idcard.MSG_EMPTY)
    elif isinstance(v, bool):
        raise CellError(idcard.MSG_CHARS)
    elif isinstance(v, (int, float, Decimal)):
        if isinstance(v, float) and not v.is_integer() or \
                isinstance(v, Decimal) and not (v.is_finite() and v == v.to_integral_value()):
            if _numeric_digits(v) >= 15:
                raise CellError(MSG_ID_AS_NUMBER)
            raise CellError(idcard.MSG_CHARS)
        if abs(v) >= 10**14:
            raise CellError(MSG_ID_AS_NUMBER)
        s = str(int(v))
    else:
        raise CellError(idcard.MSG_CHARS)
    try:   # the slow path also gives the reason
        return idcard.normalize(s)
    except idcard.IdNumberError as exc:
        raise CellError(str(exc)) from None


# ---------------------------------------------------------------------- money

_MONEY_SUFFIX = re.compile(r"(元整|元/月|元/人/月|元每月|/月|元|圆)$")
_MONEY_PREFIX = re.compile(r"^(人民币|RMB|CNY)", re.I)
_PLAIN_AMOUNT = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{0,2})?")
_ZERO = Decimal("0.00")
_MONEY_FRACTION = re.compile(r"\.\d\d(\d+)")


def money(v) -> Decimal:
    """Decimal yuan with two places, from 1,234.50元 / １２３ / ¥12 / a float cell.

    A float cell is what Excel stores for every number; its shortest repr
    is the number the clerk typed (or a formula's result), rounded half up
    to the fen. Text with more than two decimal places is refused rather
    than rounded: someone typed something that is not an amount.
    """
    cls = v.__class__
    if cls is float and -1e15 < v < 1e15:   # also false for NaN
        return Decimal(repr(v)).quantize(FEN, ROUND_HALF_UP) or _ZERO   # no '-0.00'
    if cls is str and _PLAIN_AMOUNT.fullmatch(v):
        return Decimal(v).quantize(FEN) or _ZERO
    if v is None:
        raise CellError("金额为空")
    if isinstance(v, bool):
        raise CellError("金额格式不正确")
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            raise CellError("金额格式不正确")
        return _to_money(Decimal(repr(v)))
    if isinstance(v, int):
        return _to_money(v)
    if isinstance(v, Decimal):
        if v.is_finite() and v.as_tuple().exponent < -2 and v.normalize().as_tuple().exponent < -2:
            raise CellError("金额最多保留两位小数（到分）")
        return _to_money(v)
    if isinstance(v, str):
        s = _squeezed(v)
        if not s:
            raise CellError("金额为空")
        s = _MONEY_PREFIX.sub("", _MONEY_SUFFIX.sub("", s))
    else:
        raise CellError("金额格式不正确")
    m = _MONEY_FRACTION.search(s)
    if m and m[1].rstrip("0"):
        raise CellError("金额最多保留两位小数（到分）")
    return _to_money(s)


def _to_money(v) -> Decimal:
    try:
        return to_money(v)   # rounds half up to the fen
    except MoneyError as exc:
        raise CellError(str(exc)) from None


# ------------------------------------------------------------ months and dates

_CANONICAL_MONTH = re.compile(r"(?:19[0-9][0-9]|20[0-9][0-9]|2100)-(?:0[1-9]|1[0-2])")
_YM = re.compile(r"^(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*(?:月份?)?|(\d{2}))$", re.ASCII)
_YMD = re.compile(r"^(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(\d{2})(\d{2}))"
                  r"(?:(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d*)?)?)?$", re.ASCII)


def _from_serial(n: float) -> _dt.date | None:
    if _SERIAL_MIN <= n < _SERIAL_MAX + 1:
        return _DAY0 + _dt.timedelta(days=int(n))
    return None


def _ymd(y: int, m: int, d: int) -> _dt.date:
    if not _YEAR_MIN <= y <= _YEAR_MAX:
        raise CellError("日期的年份不正确")
    try:
        return _dt.date(y, m, d)
    except ValueError:
        raise CellError("日期不存在（月或日超出范围）") from None


def _month_str(y: int, m: int) -> str:
    if not _YEAR_MIN <= y <= _YEAR_MAX:
        raise CellError("月份的年份不正确")
    if not 1 <= m <= 12:
        raise CellError("月份应在1到12之间")
    return f"{y:04d}-{m:02d}"


def month(v) -> str:
    """'YYYY-MM' from 2022-01 / 2022年1月 / 2022.1 / 202201 / an Excel date or serial."""
    if v.__class__ is str and _CANONICAL_MONTH.fullmatch(v):
        return v
    if v is None:
        raise CellError("月份为空")
    if isinstance(v, _dt.date):   # datetime is a date too
        return _month_str(v.year, v.month)
    if isinstance(v, bool):
        raise CellError(MSG_MONTH)
    if isinstance(v, (int, float)):
        if _YEAR_MIN <= v < _YEAR_MAX + 1:
            # 2022.05 typed into a number cell. 2022.10 became 2022.1, so
            # '.1' is January or October: refused rather than guessed.
            y, _, frac = repr(float(v)).partition(".")
            if frac == "1":
                raise CellError("月份被Excel存成了数字，分不清是1月还是10月，请写成2022-01或2022-10")
            if frac == "0" or len(frac) > 2:
                raise CellError("月份应包含年和月" if frac == "0" else MSG_MONTH)
            return _month_str(int(y), int(frac))
        if isinstance(v, float) and not v.is_integer():
            day = _from_serial(v)
            if day is None:
                raise CellError(MSG_MONTH)
            return _month_str(day.year, day.month)
        n = int(v)
        if 190001 <= n <= 210012:
            return _month_str(n // 100, n % 100)
        day = _from_serial(n)
        if day is None:
            raise CellError(MSG_MONTH)
        return _month_str(day.year, day.month)
    if not isinstance(v, str):
        raise CellError(MSG_MONTH)
    s = _stripped(v)
    if not s:
        raise CellError("月份为空")
    m = _YM.match(s)
    if m:
        return _month_str(int(m[1]), int(m[2] or m[3]))
    m = _YMD.match(s)
    if m:
        return _month_str(int(m[1]), int(m[2] or m[4]))
    raise CellError(MSG_MONTH)


def date(v) -> _dt.date:
    """A date from an Excel date or serial, 2022-01-05, 2022年1月5日, 2022.1.5, 20220105."""
    if v is None:
        raise CellError("日期为空")
    if isinstance(v, _dt.datetime):
        return v.date()
    if isinstance(v, _dt.date):
        return v
    if isinstance(v, bool):
        raise CellError(MSG_DATE)
    if isinstance(v, (int, float)):
        if isinstance(v, int) or v.is_integer():
            n = int(v)
            if 19000101 <= n <= 21001231:
                return _ymd(n // 10000, n // 100 % 100, n % 100)
        if _YEAR_MIN <= v < _YEAR_MAX + 1:   # 2022 or 2022.5 is a year, not a day in 1905
            raise CellError("日期应包含年、月、日")
        day = _from_serial(v)
        if day is None:
            raise CellError(MSG_DATE)
        return day
    if not isinstance(v, str):
        raise CellError(MSG_DATE)
    s = _stripped(v)
    if not s:
        raise CellError("日期为空")
    m = _YMD.match(s)
    if not m:
        if _YM.match(s):
            raise CellError("日期应包含年、月、日")
        raise CellError(MSG_DATE)
    return _ymd(int(m[1]), int(m[2] or m[4]), int(m[3] or m[5]))


# ------------------------------------------------------------ other values

_INTEGER = re.compile(r"^([+-]?\d+)(?:\.0*)?(?:人|户|口|名|个|岁|次|元)?$", re.ASCII)


def integer(v) -> int:
    """A whole number: 3, 3.0 from Excel, '３', '3人'."""
    cls = v.__class__
    if cls is float and v.is_integer():
        return int(v)
    if cls is int or (cls is str and v.isascii() and v.isdigit()):
        return int(v)
    if v is None:
        raise CellError("数值为空")
    if isinstance(v, bool):
        raise CellError("应为整数")
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if v.is_integer():
            return int(v)
        raise CellError("应为整数")
    if isinstance(v, Decimal):
        if v.is_finite() and v == v.to_integral_value():
            return int(v)
        raise CellError("应为整数")
    if not isinstance(v, str):
        raise CellError("应为整数")
    s = _squeezed(v)
    if not s:
        raise CellError("数值为空")
    m = _INTEGER.match(s)
    if not m:
        raise CellError("应为整数")
    return int(m[1])


_ACCOUNT_JUNK = str.maketrans({**{k: None for k in map(ord, "-_")}})


def bank_account(v) -> str:
    """Digits only, kept as text (spaces and dashes between groups dropped).

    The registry's rule applies: 12 to 30 digits. A number of 15 digits or
    more is refused like an ID number: Excel kept only 15 of its digits.
    """
    if v.__class__ is str and 12 <= len(v) <= 30 and v.isascii() and v.isdigit():
        return v
    if v is None:
        raise CellError("银行账号为空")
    if isinstance(v, bool):
        raise CellError("银行账号只能由数字组成")
    if isinstance(v, (int, float, Decimal)):
        if isinstance(v, float) and not v.is_integer() or \
                isinstance(v, Decimal) and not (v.is_finite() and v == v.to_integral_value()):
            if _numeric_digits(v) >= 15:
                raise CellError(MSG_ACCOUNT_AS_NUMBER)
            raise CellError("银行账号只能由数字组成")
        if abs(v) >= 10**14:
            raise CellError(MSG_ACCOUNT_AS_NUMBER)
        s = str(int(v))
    elif isinstance(v, str):
        s = _squeezed(v).translate(_ACCOUNT_JUNK)
        if not s:
            raise CellError("银行账号为空")
        if ("E" in s or "e" in s or "." in s) and _SCIENTIFIC.match(s):
            raise CellError(MSG_ACCOUNT_AS_NUMBER)
    else:
        raise CellError("银行账号只能由数字组成")
    if not (s.isascii() and s.isdigit()):
        raise CellError("银行账号只能由数字组成")
    if not 12 <= len(s) <= 30:   # as mzdesk.services.persons._bank_account
        raise CellError("银行账号长度不正确（应为12—30位数字）")
    return s


@lru_cache(maxsize=256)
def _choices(options: tuple, aliases: tuple) -> dict:
    table = {header_key(o): o for o in options}
    for alias, target in aliases:
        table.setdefault(header_key(alias), target)
    return table


def choice(v, options: Sequence[str], aliases: Mapping[str, str] = {}) -> str:
    """One of `options` (compared without spaces, full-width or case); aliases map to options."""
    if is_blank(v):
        raise CellError("不能为空（可选：" + "、".join(options) + "）")
    found = _choices(tuple(options), tuple(aliases.items())).get(header_key(v))
    if found is None:
        raise CellError("不是可选的值（可选：" + "、".join(options) + "）")
    return found


_YES = frozenset(("是", "有", "y", "yes", "true", "t", "1", "√", "✓", "✔", "对", "已"))
_NO = frozenset(("否", "无", "n", "no", "false", "f", "0", "×", "✗", "✘", "x", "不是", "没有", "未"))


def yes_no(v) -> bool:
    """是/否, 有/无, √/×, Y/N, 1/0, TRUE/FALSE."""
    if isinstance(v, bool):
        return v
    if is_blank(v):
        raise CellError("应填“是”或“否”，不能为空")
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    key = header_key(v)
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise CellError("应填“是”或“否”")
