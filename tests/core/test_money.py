"""Tests for mzdesk.money: Decimal amounts and Chinese capital amounts."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mzdesk import money
from mzdesk.money import FEN, MoneyError

FAST = settings(max_examples=300, deadline=None)
D = Decimal

MAX_FEN = 10**14 - 1  # 9999,9999,9999.99
fens = st.integers(min_value=0, max_value=MAX_FEN)
# Mostly zeros: exercises the 零 rules far more often than uniform digits.
zero_heavy_fens = st.lists(st.sampled_from("0000019"), min_size=1, max_size=14).map(
    lambda ds: int("".join(ds)))


# --- to_money -----------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("1,234.5元", D("1234.50")),
    ("１２３．４", D("123.40")),
    (" ￥88 ", D("88.00")),
    ("¥ 1 000", D("1000.00")),
    ("１，２３４，５６７．８９元", D("1234567.89")),
    ("\u3000５０元\u3000", D("50.00")),
    ("-12.5", D("-12.50")),
    ("-￥3", D("-3.00")),
    (".5", D("0.50")),
    ("7.", D("7.00")),
    ("0", D("0.00")),
    (12, D("12.00")),
    (D("3.14159"), D("3.14")),
    (D("-0.001"), D("0.00")),
])
def test_to_money_accepts_messy_input(raw, expected):
    got = money.to_money(raw)
    assert got == expected
    assert got.as_tuple().exponent == -2
    assert not got.is_signed() or got < 0  # never '-0.00'


@pytest.mark.parametrize("raw", [
    "", "   ", None, "abc", "1.2.3", "NaN", "nan", "inf", "-Infinity", "1e5",
    "12,34", "1,2345", ",123", "1元2", "--5", "+-5", "5-", "￥", "元", ".",
    D("NaN"), D("Infinity"), True, [1], "12元整元",
])
def test_to_money_refuses_garbage(raw):
    with pytest.raises(MoneyError) as info:
        money.to_money(raw)
    assert str(info.value) in ("金额格式不正确", "金额不能为空")


@pytest.mark.parametrize("raw", [0.1, 1.0, 0.0, float("nan"), float("inf")])
def test_to_money_refuses_float(raw):
    with pytest.raises(MoneyError, match="浮点数"):
        money.to_money(raw)


def test_money_error_is_value_error():
    assert issubclass(MoneyError, ValueError)


@pytest.mark.parametrize("raw, expected", [
    ("0.005", "0.01"), ("0.004", "0.00"), ("2.675", "2.68"), ("1.125", "1.13"),
    ("-0.005", "-0.01"), ("-2.675", "-2.68"), ("99.995", "100.00"),
    (D("0.0049999"), "0.00"),
])
def test_rounds_half_up_to_the_fen(raw, expected):
    assert money.to_money(raw) == D(expected)


@FAST
@given(st.integers(min_value=-10**20, max_value=10**20), st.integers(0, 9))
def test_half_up_property(fen, extra):
    # fen + extra/10 of a fen rounds up exactly when extra >= 5.
    raw = D(fen) / 100 + (D(extra) / 1000 if fen >= 0 else -D(extra) / 1000)
    want = fen + (1 if extra >= 5 else 0) * (1 if fen >= 0 else -1)
    assert money.to_fen(raw) == want


# --- fen conversion and formatting ---------------------------------------------

@FAST
@given(st.integers(min_value=-10**30, max_value=10**30))
def test_fen_round_trip_is_exact(fen):
    d = money.from_fen(fen)
    assert d.as_tuple().exponent == -2
    assert money.to_fen(d) == fen
    assert money.to_money(money.yuan_str(d)) == d


def test_from_fen_refuses_non_int():
    for bad in (1.5, "12", True, D("1")):
        with pytest.raises(MoneyError):
            money.from_fen(bad)


@pytest.mark.parametrize("raw, yuan, wan", [
    (D("1234.5"), "1234.50", "0.12"),
    (D("123456.78"), "123456.78", "12.35"),
    (D("50"), "50.00", "0.01"),
    (D("49.99"), "49.99", "0.00"),
    (D("-123456.78"), "-123456.78", "-12.35"),
    (D("-49.99"), "-49.99", "0.00"),
    (0, "0.00", "0.00"),
    ("12345678901234567890123.45", "12345678901234567890123.45",
     "1234567890123456789.01"),
])
def test_yuan_and_wan_strings(raw, yuan, wan):
    assert money.yuan_str(raw) == yuan
    assert money.wan_str(raw) == wan


def test_fen_constant():
    assert FEN == D("0.01")


# --- capitals -------------------------------------------------------------------

CAPITALS = [
    ("0", "零元整"),
    ("0.05", "伍分"),
    ("0.5", "伍角"),
    ("0.56", "伍角陆分"),
    ("1", "壹元整"),
    ("10", "壹拾元整"),
    ("15", "壹拾伍元整"),
    ("100.5", "壹佰元伍角"),
    ("1005", "壹仟零伍元整"),
    ("1010", "壹仟零壹拾元整"),
    ("1234.05", "壹仟贰佰叁拾肆元零伍分"),
    ("1200.05", "壹仟贰佰元零伍分"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("100500", "壹拾万零伍佰元整"),
    ("107000.53", "壹拾万零柒仟元伍角叁分"),
    ("1000005", "壹佰万零伍元整"),
    ("10000000", "壹仟万元整"),
    ("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"),
    ("100000000", "壹亿元整"),
    ("101000000.00", "壹亿零壹佰万元整"),
    ("100000001", "壹亿零壹元整"),
    ("100050000", "壹亿零伍万元整"),
    ("110000000000", "壹仟壹佰亿元整"),
    ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ("-5.5", "负伍元伍角"),
    ("-0.05", "负伍分"),
]


@pytest.mark.parametrize("amount, expected", CAPITALS)
def test_capitals_known_examples(amount, expected):
    assert money.to_capitals(D(amount)) == expected
    assert money.parse_capitals(expected) == D(amount)


def test_capitals_prefix():
    assert money.to_capitals(D("10"), prefix="人民币") == "人民币壹拾元整"
    assert money.to_capitals(0, prefix="人民币") == "人民币零元整"
    assert money.to_capitals("-1", prefix="人民币") == "人民币负壹元整"
    assert money.parse_capitals("人民币壹拾元整") == D("10.00")
    assert money.parse_capitals("人民币负壹元整") == D("-1.00")
    assert money.parse_capitals("负人民币壹元整") == D("-1.00")


def test_capitals_accepts_money_inputs_and_range():
    assert money.to_capitals("1,005元") == "壹仟零伍元整"
    assert money.to_capitals(D("0.004")) == "零元整"
    with pytest.raises(MoneyError):
        money.to_capitals(D("1000000000000"))
    with pytest.raises(MoneyError):
        money.to_capitals(D("-1000000000000"))
    with pytest.raises(MoneyError):
        money.to_capitals(1.5)


@FAST
@given(st.one_of(fens, zero_heavy_fens), st.booleans())
def test_capitals_round_trip(fen, negative):
    amount = money.from_fen(-fen if negative else fen)
    text = money.to_capitals(amount)
    assert money.parse_capitals(text) == amount
    assert money.parse_capitals("人民币" + text) == amount


@FAST
@given(st.one_of(fens, zero_heavy_fens))
def test_capitals_shape(fen):
    text = money.to_capitals(money.from_fen(fen))
    assert "零零" not in text
    for bad in ("零元", "零万", "零亿", "零角", "零分", "亿万"):
        if text != "零元整":
            assert bad not in text
    assert not text.startswith("拾") and not text.startswith("零") or text == "零元整"
    assert text.endswith("整") == (fen % 100 == 0)  # no 整 after 角 or 分
    assert set(text) <= set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")


@pytest.mark.parametrize("text, expected", [
    ("壹拾元整", "10"),
    ("拾元整", "10"),         # bare 拾 in front is still understood
    ("壹仟陆佰捌拾元零叁角贰分", "1680.32"),  # the other permitted form
    ("壹拾万柒仟元整", "107000"),
    ("壹佰圆正", "100"),
    ("伍角整", "0.5"),
    ("壹元", "1"),
    (" 壹 万 元 整 ", "10000"),
])
def test_parse_capitals_variants(text, expected):
    assert money.parse_capitals(text) == D(expected)


@pytest.mark.parametrize("text", [
    "", "人民币", "整", "元整", "壹贰元整", "佰元整", "壹佰伍元整", "壹万伍元整",
    "壹仟零元整", "壹佰壹仟元整", "壹元零", "零", "壹元伍", "abc", "壹亿亿元整",
    "壹万亿元整", "零万元整", "伍角伍角",
])
def test_parse_capitals_refuses_malformed(text):
    with pytest.raises(MoneyError):
        money.parse_capitals(text)
