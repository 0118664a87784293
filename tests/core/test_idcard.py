"""Tests for mzdesk.idcard (GB 11643-1999 resident ID numbers)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mzdesk import idcard
from mzdesk.idcard import IdNumberError

FAST = settings(max_examples=300, deadline=None)

# Any six digits except a leading "00" (010000..999999).
regions = st.integers(10_000, 999_999).map(lambda n: f"{n:06d}")
births = st.dates(min_value=date(1890, 1, 1), max_value=date.today())
seqs = st.integers(min_value=0, max_value=999)
valid_ids = st.builds(idcard.make, regions, births, seqs)

# A published sample number with a known check digit.
SAMPLE = "11010519491231002X"


def reference_age(born: date, on: date) -> int:
    """Count anniversaries reached; a 29-Feb anniversary falls on 1 March."""
    def anniversary(year: int) -> date:
        try:
            return born.replace(year=year)
        except ValueError:
            return date(year, 3, 1)
    return sum(1 for y in range(born.year + 1, on.year + 1) if anniversary(y) <= on)


# --- check digit and make -------------------------------------------------

def test_check_digit_known_sample():
    assert idcard.check_digit(SAMPLE[:17]) == "X"
    assert idcard.normalize(SAMPLE) == SAMPLE


@pytest.mark.parametrize("bad", ["", "1234", "1" * 18, "1234567890123456X"])
def test_check_digit_needs_17_digits(bad):
    with pytest.raises(IdNumberError):
        idcard.check_digit(bad)


@FAST
@given(regions, births, seqs)
def test_make_always_validates(region, born, seq):
    id18 = idcard.make(region, born, seq)
    assert len(id18) == 18
    assert idcard.is_valid(id18)
    assert idcard.validate(id18) == id18
    assert idcard.problems(id18) is None


def test_make_refuses_bad_input():
    with pytest.raises(IdNumberError):
        idcard.make("001234", date(1980, 1, 1), 1)
    with pytest.raises(IdNumberError):
        idcard.make("51010", date(1980, 1, 1), 1)
    with pytest.raises(IdNumberError):
        idcard.make("510102", date(1889, 12, 31), 1)
    with pytest.raises(IdNumberError):
        idcard.make("510102", date.today() + timedelta(days=1), 1)
    with pytest.raises(ValueError):
        idcard.make("510102", date(1980, 1, 1), 1000)


# --- error detection --------------------------------------------------------

@FAST
@given(valid_ids, st.integers(0, 17), st.integers(1, 10))
def test_any_single_substitution_is_detected(id18, pos, shift):
    alphabet = "0123456789X" if pos == 17 else "0123456789"
    old = alphabet.index(id18[pos])
    new = alphabet[(old + shift) % len(alphabet)]
    if new == id18[pos]:  # shift == len(alphabet) on the digit positions
        new = alphabet[(old + 1) % len(alphabet)]
    changed = id18[:pos] + new + id18[pos + 1:]
    # The check digit alone must catch it, whatever else is still plausible.
    assert idcard.check_digit(changed[:17]) != changed[17]
    assert not idcard.is_valid(changed)


@FAST
@given(valid_ids, st.integers(0, 15))
def test_adjacent_transposition_is_detected(id18, pos):
    a, b = id18[pos], id18[pos + 1]
    if a == b:
        return
    swapped = id18[:pos] + b + a + id18[pos + 2:]
    assert idcard.check_digit(swapped[:17]) != swapped[17]


@pytest.mark.parametrize("raw, reason", [
    ("", "身份证号码为空"),
    ("   ", "身份证号码为空"),
    (None, "身份证号码为空"),
    ("51010219900101123", "身份证号码长度应为18位（当前17位）"),
    ("5101021990010112345", "身份证号码长度应为18位（当前19位）"),
    ("51010219900101A234", "身份证号码只能由数字和末位X组成"),
    ("5101021990010X1234", "身份证号码只能由数字和末位X组成"),
    ("51010219900101123Y", "身份证号码只能由数字和末位X组成"),
    ("51010219900230123X", "身份证号码中的出生日期无效"),
    ("51010218891231123X", "身份证号码中的出生日期无效"),
    ("51010219901301123X", "身份证号码中的出生日期无效"),
    ("00010219900101123X", "行政区划代码无效"),
    ("51010290023012X", "身份证号码只能由数字和末位X组成"),
    ("510102900230123", "身份证号码中的出生日期无效"),
])
def test_problem_messages(raw, reason):
    assert idcard.problems(raw) == reason
    with pytest.raises(IdNumberError) as info:
        idcard.normalize(raw)
    assert str(info.value) == reason


def test_wrong_check_digit_names_the_right_one():
    good = idcard.make("510102", date(1990, 1, 1), 123)
    wrong = "0" if good[17] != "0" else "1"
    bad = good[:17] + wrong
    assert idcard.problems(bad) == f"身份证号码校验位错误（应为{good[17]}）"


def test_future_birth_is_refused():
    tomorrow = date.today() + timedelta(days=1)
    first17 = f"510102{tomorrow:%Y%m%d}123"
    raw = first17 + idcard.check_digit(first17)
    assert idcard.problems(raw) == "出生日期晚于今天"


@FAST
@given(valid_ids, st.integers(0, 17))
def test_messages_never_contain_the_number(id18, pos):
    broken = id18[:pos] + ("A" if pos < 17 else "Y") + id18[pos + 1:]
    for raw in (broken, id18 + "1", id18[:17] + ("0" if id18[17] != "0" else "1")):
        reason = idcard.problems(raw)
        assert reason is not None
        assert id18[:14] not in reason and raw not in reason


# --- normalisation ----------------------------------------------------------

def test_full_width_spaces_and_lowercase_x():
    messy = "\u3000１１０１ ０５ １９４９１２３１００２ｘ \t"
    assert idcard.normalize(messy) == SAMPLE
    assert idcard.normalize(SAMPLE.lower()) == SAMPLE
    assert idcard.normalize("110105 19491231 002x") == SAMPLE
    assert idcard.normalize("\ufeff" + SAMPLE) == SAMPLE


@FAST
@given(valid_ids)
def test_eighteen_digit_int_is_accepted(id18):
    if id18.endswith("X") or id18.startswith("0"):
        return  # an int cannot carry either
    assert idcard.normalize(int(id18)) == id18


def test_int_with_trailing_zeros_just_fails_check_digit():
    # Sequence numbers 100..900 give IDs ending in '000' when the check digit
    # is written as 0; for most of them that is simply a wrong check digit.
    checked = 0
    for d in range(1, 10):
        first17 = f"51010219900101{d}00"
        raw = int(first17 + "0")
        expected = idcard.check_digit(first17)
        if expected == "0":
            assert idcard.normalize(raw) == str(raw)
        else:
            assert idcard.problems(raw) == f"身份证号码校验位错误（应为{expected}）"
            checked += 1
    assert checked


SPREADSHEET = "身份证号码被表格软件存成了数字，后几位已丢失，无法恢复，请以文本格式重新录入"


@pytest.mark.parametrize("raw", [
    5.10102199001011e17,
    510102199001011234.0,
    float(11010519491231002),
    "5.10102E+17",
    "5.10102e+17",
    " 5.10102E17 ",
    "５．１０１０２Ｅ＋１７",
    "510102199001011000.0",
    "5.1E+17",
    Decimal("5.10102E+17") + Decimal("0.5"),
])
def test_spreadsheet_numbers_are_refused(raw):
    assert idcard.problems(raw) == SPREADSHEET


@FAST
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_every_float_is_refused(raw):
    assert idcard.problems(raw) == SPREADSHEET


def test_other_types_are_refused():
    assert not idcard.is_valid(True)
    assert not idcard.is_valid(["110105"])


# --- 15-digit legacy numbers ----------------------------------------------

@FAST
@given(regions, st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)), seqs)
def test_fifteen_to_eighteen_round_trip(region, born, seq):
    id18 = idcard.make(region, born, seq)
    id15 = id18[:6] + id18[8:17]
    assert len(id15) == 15
    assert idcard.normalize(id15) == id18
    if not id15.startswith("0"):  # an int would drop the leading zero
        assert idcard.normalize(int(id15)) == id18
    assert idcard.birth_date(id15) == born


def test_fifteen_digit_known_example():
    assert idcard.normalize("110105491231002") == SAMPLE


# --- derived fields ---------------------------------------------------------

@FAST
@given(regions, births, seqs, st.integers(0, 120 * 366))
def test_derived_fields(region, born, seq, days_later):
    id18 = idcard.make(region, born, seq)
    assert idcard.birth_date(id18) == born
    assert idcard.sex(id18) == ("男" if seq % 2 else "女")
    assert idcard.region_code(id18) == region
    on = born + timedelta(days=days_later)
    assert idcard.age(id18, on) == reference_age(born, on)


def test_age_defaults_to_today():
    born = date(1990, 6, 15)
    id18 = idcard.make("510102", born, 1)
    assert idcard.age(id18) == reference_age(born, date.today())


@pytest.mark.parametrize("on, expected", [
    (date(2000, 2, 29), 0),
    (date(2001, 2, 28), 0),
    (date(2001, 3, 1), 1),
    (date(2004, 2, 28), 3),
    (date(2004, 2, 29), 4),
    (date(2080, 3, 1), 80),
])
def test_age_for_leap_day_birthday(on, expected):
    id18 = idcard.make("510102", date(2000, 2, 29), 2)
    assert idcard.age(id18, on) == expected


def test_age_before_birth_is_an_error():
    id18 = idcard.make("510102", date(2000, 1, 1), 2)
    with pytest.raises(ValueError):
        idcard.age(id18, date(1999, 12, 31))


def test_region_code_shape_only():
    # Not a real region, but only the shape is checked.
    id18 = idcard.make("999999", date(1990, 1, 1), 5)
    assert idcard.region_code(id18) == "999999"
    assert idcard.problems("00" + id18[2:]) == "行政区划代码无效"


# --- masking --------------------------------------------------------------

def test_mask_examples():
    assert idcard.mask(SAMPLE) == "1101**********002X"
    assert idcard.mask(SAMPLE, 6, 2) == "110105**********2X"
    assert idcard.mask("12345678") == "********"
    assert idcard.mask("123456789") == "1234*6789"
    assert idcard.mask("") == ""
    assert idcard.mask(None) == ""


@FAST
@given(st.text(max_size=30), st.integers(0, 8), st.integers(0, 8))
def test_mask_never_shows_more_than_head_and_tail(text, head, tail):
    masked = idcard.mask(text, head, tail)
    assert len(masked) == len(text)
    shown = [i for i, c in enumerate(masked) if c != "*"]
    assert len(shown) <= head + tail
    for i in shown:
        assert masked[i] == text[i]
        assert i < head or i >= len(text) - tail
    if len(text) > head + tail:
        assert masked[head:len(text) - tail] == "*" * (len(text) - head - tail)
