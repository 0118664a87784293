"""工作台: the chart of the last 12 months and findings that open their record."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from decimal import Decimal

import pytest
from PySide6.QtCore import QPoint, Qt

from tests import paid as rows
from mzdesk.models import Batch, BatchLine
from mzdesk.services import persons
from tests.core.people import new_id
from ui.charts import month_label
from ui.tabs.dashboard import DashboardTab

from .conftest import save_screenshot

D = Decimal


def _tab(qtbot, size=(1366, 700)) -> DashboardTab:
    tab = DashboardTab()
    qtbot.addWidget(tab)
    tab.resize(*size)
    tab.show()
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=30_000)
    return tab


def _batch(month, programme, amounts, *, state="已发放", kind="regular"):
    batch = rows.batch(programme, month, state=state, kind=kind)
    person = persons.register_person(new_id(dt.date(1960, 1, 1)), "测试", village="长丰村")
    for amount in amounts:
        rows.line(batch, person=person, amount=D(amount))


@pytest.fixture
def batches(township):
    _batch("2022-04", "dibao_rural", ["650.00", "1300.00"])
    _batch("2022-05", "dibao_rural", ["650.00"], state="已审核")
    _batch("2022-05", "tekun", ["1100.00"])
    _batch("2022-06", "tekun", ["1100.00"], state="草稿")  # not paid: the chart ends in May
    _batch("2022-01", None, ["300.00", "300.00"], kind="oneoff")
    return township


def test_chart_shows_12_months_ending_the_last_paid_month(qtbot, batches):
    tab = _tab(qtbot)
    chart = tab.chart

    assert chart.months() == [f"2021-{m:02d}" for m in range(6, 13)] + [f"2022-{m:02d}" for m in range(1, 6)]
    totals = dict(zip(chart.months(), chart.totals()))
    assert totals["2022-04"] == D("1950.00")
    assert totals["2022-05"] == D("1750.00")
    assert totals["2022-01"] == D("600.00")
    assert sum(chart.totals()) == D("4300.00")
    assert [s.name for s in chart.series()] == ["农村最低生活保障", "特困人员供养", "一次性补贴"]
    assert "2021年6月—2022年5月" in tab.chart_heading.text()
    assert [month_label(m) for m in chart.months()][:2] == ["6月", "7月"]

    # The tooltip over the 农村低保 segment of April gives the exact amount in 元.
    april = chart.segment_rects()[chart.months().index("2022-04")][0]
    text = chart.tooltip_at(april.center())
    assert "2022年4月" in text and "农村最低生活保障：1,950.00 元" in text
    save_screenshot(tab, "dashboard_township")


def test_chart_without_payments_ends_this_month(qtbot, township):
    tab = _tab(qtbot)
    assert tab.chart.months()[-1] == dt.date.today().strftime("%Y-%m")
    assert len(tab.chart.months()) == 12 and tab.chart.series() == []


def test_double_clicking_a_finding_opens_its_record(qtbot, township):
    old = persons.register_person(new_id(dt.date(1930, 2, 1)), "高龄未享", village="长丰村")
    tab = _tab(qtbot)
    model = tab.findings_model
    row = next(i for i, f in enumerate(model.findings()) if f.code == "eighty_not_on_gaoling")
    assert model.findings()[row].records[0] == ("person", old.id)
    view = tab.findings_view
    rect = view.visualRect(model.index(row, 0))

    with qtbot.waitSignal(tab.openRecord, timeout=2_000) as signal:
        # A real double click: press and release, then the double-click event.
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    assert signal.args == ["person", old.id]
    assert tab.open_record("person", old.id) is False


def test_enter_on_a_finding_opens_it_too(qtbot, township):
    old = persons.register_person(new_id(dt.date(1931, 3, 1)), "高龄二号", village="长丰村")
    tab = _tab(qtbot)
    view = tab.findings_view
    view.setFocus()
    view.setCurrentIndex(tab.findings_model.index(0, 0))
    with qtbot.waitSignal(tab.openRecord, timeout=2_000) as signal:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert signal.args == ["person", old.id]


def test_demo_township_dashboard(qtbot, db):
    from mzdesk.demo import build_demo
    build_demo()
    from ui.main_window import MainWindow
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitUntil(lambda: not window.dashboard.is_busy(), timeout=60_000)
    chart = window.dashboard.chart
    assert len(chart.months()) == 12 and all(t > 0 for t in chart.totals())
    assert window.dashboard.findings_model.rowCount() > 0
    save_screenshot(window, "dashboard_demo")
    # Hovering a bar highlights it and shows the amounts.
    rect = chart.segment_rects()[-1][1]
    qtbot.mouseMove(chart, QPoint(int(rect.center().x()), int(rect.center().y())))
    assert "元" in chart.tooltip_at(rect.center())


def test_a_household_short_of_members_is_listed_and_opens_its_head(qtbot, township):
    from mzdesk.services import enrollments, households
    head = persons.register_person(new_id(dt.date(1960, 4, 1)), "张大山", village="长丰村")
    hh = households.create_household(head.id)
    enrollments.enroll("dibao_rural", head.id, start_month="2026-01", household_id=hh.id, covered_persons=3,
                       members_pending=True)
    tab = _tab(qtbot)
    found = [f for f in tab.findings_model.findings() if f.code == "covered_beyond_members"]
    assert len(found) == 1 and found[0].records[0] == ("person", head.id)
    row = tab.findings_model.findings().index(found[0])
    text = tab.findings_model.index(row, 0).data()
    assert text.startswith("【保障人数多于登记的家庭成员】张大山（长丰村，")
    assert "户农村最低生活保障：保障人数3人，人员档案中只登记了1名家庭成员" in text
    tab.grab().save(str(Path(__file__).parent / "screenshots" / "dashboard_members_pending.png"))
