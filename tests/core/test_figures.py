"""mzdesk.figures: the amounts paid per programme and month from the batches."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests import paid as rows
from mzdesk import figures
from mzdesk.errors import ValidationError
from mzdesk.models import Batch, BatchLine
from mzdesk.services import persons
from tests.core.people import new_id

D = Decimal


def _batch(month, programme="dibao_rural", amounts=("100.00",), *, state="已发放",
           kind="regular", failed=()):
    batch = rows.batch(programme, month, state=state, kind=kind)
    person = persons.register_person(new_id(dt.date(1960, 1, 1)), "测试", village="长丰村")
    for i, amount in enumerate(amounts):
        rows.line(batch, person=person, amount=D(amount),
                  status="失败" if i in failed else "正常")
    return batch


@pytest.fixture
def paid(township):
    _batch("2022-05", amounts=("650.00", "1300.00"))
    _batch("2022-06", amounts=("650.00", "325.50"), state="已审核")
    _batch("2022-06", "tekun", ("1100.00",), state="已导出")
    _batch("2022-06", "gaoling", ("50.00", "999.00"), failed=(1,))  # a failed transfer paid nothing
    _batch("2022-07", "tekun", ("1100.00",), state="草稿")  # a draft is not a payment
    _batch("2022-06", "dibao_rural", ("50.00",), kind="supplement")  # 补发
    _batch("2022-06", "dibao_rural", ("-20.00", "30.00"), kind="deduction")  # 扣回, either sign
    _batch("2022-01", None, ("300.00", "300.00"), kind="oneoff")
    _batch("2022-01", "dibao_rural", ("40.00",), kind="oneoff")  # one-offs with a programme too
    _batch("2021-06", amounts=("650.00",))  # before the period
    _batch("2022-08", amounts=("650.00",))  # after it
    return township


def test_monthly_paid_sums_paid_batches_per_programme_and_month(paid):
    result = figures.monthly_paid("2022-07", 12)

    months = [m for m, _ in result["dibao_rural"]]
    assert months == [f"2021-{m:02d}" for m in range(8, 13)] + [f"2022-{m:02d}" for m in range(1, 8)]
    rural = dict(result["dibao_rural"])
    assert rural["2022-05"] == D("1950.00")
    assert rural["2022-06"] == D("650.00") + D("325.50") + D("50.00") - D("50.00")
    assert rural["2022-07"] == D("0.00")  # zero months are present
    assert all(rural[m] == 0 for m in months if m not in ("2022-05", "2022-06"))
    assert dict(result["tekun"])["2022-06"] == D("1100.00")
    assert dict(result["tekun"])["2022-07"] == D("0.00")  # the draft
    assert dict(result["gaoling"])["2022-06"] == D("50.00")
    assert dict(result["oneoff"]) == {m: (D("640.00") if m == "2022-01" else D("0.00")) for m in months}
    assert all(isinstance(a, Decimal) for values in result.values() for _, a in values)


def test_every_monthly_programme_is_a_key_in_programme_order_then_oneoff(paid):
    result = figures.monthly_paid("2022-07")
    assert list(result) == ["dibao_urban", "dibao_rural", "tekun", "youfu", "gaoling", "canji",
                            "oneoff"]
    assert all(len(v) == 12 for v in result.values())
    assert dict(result["dibao_urban"]) == {m: D("0.00") for m, _ in result["dibao_urban"]}
    names = figures.series_names()
    assert names["oneoff"] == "一次性补贴" and names["dibao_rural"] == "农村最低生活保障"


def test_period_length_and_edges(paid):
    three = figures.monthly_paid("2022-08", months=3)
    assert dict(three["dibao_rural"]) == {"2022-06": D("975.50"), "2022-07": D("0.00"),
                                          "2022-08": D("650.00")}
    assert figures.months_ending("2022-02", 3) == ["2021-12", "2022-01", "2022-02"]
    assert figures.months_ending("2022年2月", 1) == ["2022-02"]
    with pytest.raises(ValidationError):
        figures.monthly_paid("2022-13")


def test_month_totals_and_last_paid_month(paid):
    result = figures.monthly_paid("2022-07")
    totals = dict(figures.month_totals(result))
    assert totals["2022-06"] == D("975.50") + D("1100.00") + D("50.00")
    assert totals["2022-01"] == D("640.00")
    assert totals["2022-07"] == D("0.00")
    assert figures.last_paid_month() == "2022-08"  # the 2022-07 draft does not count


def test_nothing_paid(township):
    assert figures.last_paid_month() is None
    result = figures.monthly_paid("2022-12")
    assert all(a == 0 for values in result.values() for _, a in values)
    assert figures.month_totals(result)[-1] == ("2022-12", D("0.00"))


def test_workbench_counts_are_the_summary_counts(june):
    from mzdesk.summary import summary_figures

    by_code = {f.code: f for f in figures.programme_figures("2026-06")}
    summary = summary_figures("2026-01", "2026-06")
    for code in ("dibao_urban", "dibao_rural"):
        assert (by_code[code].enrollments, by_code[code].persons) == \
            (summary[code]["households"], summary[code]["persons"])
    assert by_code["tekun"].enrollments == summary["tekun"]["persons"]


def test_monthly_paid_from_the_batch_totals_agrees_with_the_lines(june):
    """The batch rows' totals (triggers) against every line summed, over the demo's two years."""
    from mzdesk.models import database
    result = figures.monthly_paid("2026-05", 24)
    lines = database.execute_sql(
        "SELECT CASE WHEN b.kind = 'oneoff' THEN 'oneoff' ELSE b.programme_id END, b.month,"
        " SUM(CASE WHEN b.kind = 'deduction' THEN -abs(l.amount) ELSE l.amount END)"
        " FROM batch_line l JOIN batch b ON b.id = l.batch_id WHERE l.status <> '失败'"
        " AND b.state IN ('已审核', '已导出', '已发放') AND b.month BETWEEN '2024-06' AND '2026-05'"
        " GROUP BY 1, 2").fetchall()
    expected = {(series, month): D(fen) / 100 for series, month, fen in lines}
    got = {(series, month): amount for series, values in result.items() for month, amount in values if amount}
    assert got == expected and len(got) > 40
