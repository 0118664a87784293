"""Money: always Decimal rounded to the fen (分), never float.

Amounts are stored as integer fen (see to_fen/from_fen) so sums are exact.
to_capitals writes amounts in Chinese capitals following 《正确填写票据和
结算凭证的基本规定》: '整' after '元', none after '角' or '分'.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

__all__ = [
    "MoneyError", "FEN", "to_money", "to_fen", "from_fen", "yuan_str",
    "wan_str", "to_capitals", "parse_capitals",
]

FEN = Decimal("0.01")
# 9999,9999,9999.99: the largest amount the 亿/万 units can write.
MAX_CAPITALS = Decimal("999999999999.99")

MSG_FORMAT = "金额格式不正确"
MSG_EMPTY = "金额不能为空"
MSG_FLOAT = "金额不能使用浮点数（不精确），请使用文本或Decimal"

_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
# Thousands separators are only accepted in proper groups of three, so a
# typo such as '12,34' is refused instead of silently becoming 1234.
_AMOUNT_RE = re.compile(
    r"^(?P<s1>[+-]?)[¥￥]?(?P<s2>[+-]?)"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d*)(?:\.(?P<frac>\d*))?元?$",
    re.ASCII,  # \d must not match other scripts' digits
)

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_DIGIT_VALUE = {c: i for i, c in enumerate(_DIGITS) if i}
_SMALL_VALUE = {"拾": 10, "佰": 100, "仟": 1000}


class MoneyError(ValueError):
    """Invalid amount; str() is the Chinese reason."""


def _quantize(d: Decimal) -> Decimal:
    if not d.is_finite():
        raise MoneyError(MSG_FORMAT)
    with localcontext() as ctx:
        ctx.prec = 60  # wide enough that quantize never overflows
        try:
            q = d.quantize(FEN, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            raise MoneyError("金额超出范围") from None
    return q if q else abs(q)  # no '-0.00'


def _parse_str(raw: str) -> Decimal:
    s = raw.translate(_HALF_WIDTH)  # also maps '，' to ','
    s = "".join(s.split())          # drops U+3000 and inner spaces too
    if not s:
        raise MoneyError(MSG_EMPTY)
    m = _AMOUNT_RE.match(s)
    if not m or (m["s1"] and m["s2"]) or not (m["int"] or m["frac"]):
        raise MoneyError(MSG_FORMAT)
    sign = m["s1"] or m["s2"]
    whole = m["int"].replace(",", "") or "0"
    return Decimal(f"{sign}{whole}.{m['frac'] or '0'}")


def to_money(value) -> Decimal:
    """Decimal rounded half-up to the fen, from Decimal, int or a messy str."""
    if value is None:
        raise MoneyError(MSG_EMPTY)
    if isinstance(value, bool):
        raise MoneyError(MSG_FORMAT)
    if isinstance(value, float):
        raise MoneyError(MSG_FLOAT)
    if isinstance(value, Decimal):
        return _quantize(value)
    if isinstance(value, int):
        return _quantize(Decimal(value))
    if isinstance(value, str):
        return _quantize(_parse_str(value))
    raise MoneyError(MSG_FORMAT)


def to_fen(value) -> int:
    """Exact integer number of fen, for database storage."""
    # After quantize the exponent is exactly -2, so the coefficient is the
    # number of fen; reading it avoids any context rounding of big values.
    sign, digits, _ = to_money(value).as_tuple()
    fen = int("".join(map(str, digits)))
    return -fen if sign else fen


def from_fen(fen: int) -> Decimal:
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise MoneyError(MSG_FORMAT)
    return Decimal(f"{fen}E-2")  # exact: no context rounding involved


def yuan_str(d) -> str:
    """'1234.50': always two decimals, no separators."""
    return f"{to_money(d):f}"


def wan_str(d) -> str:
    """Amount in 万元 with two decimals, rounded half up."""
    with localcontext() as ctx:
        ctx.prec = 60
        wan = to_money(d).scaleb(-4)
    return f"{_quantize(wan):f}"


def _integer_capitals(n: int) -> str:
    """1..999999999999 in capitals, without '元'.

    Any run of zero digits followed by a non-zero digit becomes one '零',
    even across a 万/亿 boundary (100500 -> 壹拾万零伍佰).
    """
    digits = str(n)
    out: list[str] = []
    pending_zero = False
    group_has_digit = False
    for i, ch in enumerate(digits):
        pos = len(digits) - 1 - i  # 0 = units
        if ch == "0":
            pending_zero = True
        else:
            if pending_zero and out:
                out.append("零")
            pending_zero = False
            group_has_digit = True
            out.append(_DIGITS[int(ch)] + _SMALL_UNITS[pos % 4])
        if pos in (4, 8):
            if group_has_digit:
                out.append("万" if pos == 4 else "亿")
            group_has_digit = False
    return "".join(out)


def to_capitals(d, prefix: str = "") -> str:
    """Chinese capital amount for 票据, e.g. 1234.05 -> 壹仟贰佰叁拾肆元零伍分."""
    amount = to_money(d)
    if abs(amount) > MAX_CAPITALS:
        raise MoneyError("金额超出大写金额可表示的范围")
    fen = abs(to_fen(amount))
    yuan, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    if fen == 0:
        return prefix + "零元整"
    parts = []
    if yuan:
        parts.append(_integer_capitals(yuan) + "元")
        if not jiao and not cents:
            parts.append("整")
        elif not jiao:
            parts.append("零")  # 1234.05 -> …元零伍分
    if jiao:
        parts.append(_DIGITS[jiao] + "角")
    if cents:
        parts.append(_DIGITS[cents] + "分")
    sign = "负" if amount < 0 else ""
    return prefix + sign + "".join(parts)


def _parse_section(s: str) -> int:
    """Parse a 0..9999 section like '壹仟零伍' strictly."""
    value, last_unit, digit, zero_seen = 0, 10000, None, False
    for i, ch in enumerate(s):
        if ch == "零":
            if digit is not None:
                raise MoneyError(MSG_FORMAT)
            zero_seen = True
        elif ch in _DIGIT_VALUE:
            if digit is not None:
                raise MoneyError(MSG_FORMAT)
            digit = _DIGIT_VALUE[ch]
        elif ch in _SMALL_VALUE:
            unit = _SMALL_VALUE[ch]
            if unit >= last_unit:
                raise MoneyError(MSG_FORMAT)
            if digit is None:
                if not (unit == 10 and i == 0):  # bare '拾' only in front
                    raise MoneyError(MSG_FORMAT)
                digit = 1
            value += digit * unit
            last_unit, digit, zero_seen = unit, None, False
        else:
            raise MoneyError(MSG_FORMAT)
    if s.endswith("零"):
        raise MoneyError(MSG_FORMAT)
    if digit is not None:
        # A bare last digit is the units only right after 拾 or a 零:
        # '壹佰伍' is ambiguous and not valid on a 票据.
        if last_unit not in (10, 10000) and not zero_seen:
            raise MoneyError(MSG_FORMAT)
        value += digit
    return value


def _parse_integer(s: str) -> int:
    if s == "零":
        return 0
    total = 0
    for unit, scale in (("亿", 10**8), ("万", 10**4), ("", 1)):
        if unit and unit not in s:
            continue
        head, s = s.split(unit, 1) if unit else (s, "")
        part = _parse_section(head)
        if unit and not part:
            raise MoneyError(MSG_FORMAT)
        # Below a higher section, a value under 1000 needs its '零'
        # (壹万零伍 is 10005; 壹万伍 is spoken Chinese for 15000).
        if total and 0 < part < 1000 and not head.startswith("零"):
            raise MoneyError(MSG_FORMAT)
        total += part * scale
    return total


_FRACTION_RE = re.compile(r"^零?(?:(?P<jiao>[壹贰叁肆伍陆柒捌玖])角)?"
                          r"(?:(?P<fen>[壹贰叁肆伍陆柒捌玖])分)?整?$")


def parse_capitals(s: str) -> Decimal:
    """Inverse of to_capitals; '人民币', '圆' and '正' are also accepted."""
    if not isinstance(s, str):
        raise MoneyError(MSG_FORMAT)
    t = "".join(s.split()).replace("圆", "元").replace("正", "整")
    negative = t.startswith("负") or t.startswith("人民币负")
    # Either order is seen: '人民币负…' and '负人民币…'.
    for head in ("负人民币", "人民币负", "人民币", "负"):
        if t.startswith(head):
            t = t[len(head):]
            break
    if not t:
        raise MoneyError(MSG_EMPTY)
    jiao = fen = 0
    if "元" in t:
        int_part, frac_part = t.split("元", 1)
        if not int_part:
            raise MoneyError(MSG_FORMAT)
        yuan = _parse_integer(int_part)
    else:
        yuan, frac_part = 0, t
    if frac_part not in ("", "整") or "元" not in t:
        m = _FRACTION_RE.match(frac_part)
        if not m or not (m["jiao"] or m["fen"]):
            raise MoneyError(MSG_FORMAT)
        jiao = _DIGIT_VALUE.get(m["jiao"] or "", 0)
        fen = _DIGIT_VALUE.get(m["fen"] or "", 0)
    total = from_fen(yuan * 100 + jiao * 10 + fen)
    return -total if negative and total else total
