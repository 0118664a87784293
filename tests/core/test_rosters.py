"""The roster lists behind the programme tabs (mzdesk.rosters)."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from mzdesk import db as dbmod, rosters
from mzdesk.listing import CURSOR
from mzdesk.models import Village, database
from mzdesk.rosters import ACTIVE, STOPPED, RosterSource, categories
from mzdesk.services import enrollments, households, persons

from .people import new_id

DIBAO = ("dibao_urban", "dibao_rural")


def _person(name, village, year=1960, **kw):
    return persons.register_person(new_id(dt.date(year, 3, 1)), name, village=village, **kw)


def _household(head_name, village, members=(), area="农村"):
    head = _person(head_name, village, bank_account="6217000012345678901")
    others = [_person(name, village, 1990) for name in members]
    hh = households.create_household(head.id, members=[(p.id, "子女") for p in others], area=area)
    return head, others, hh


@pytest.fixture
def roster(township):
    """Four 低保 households (one stopped), two 特困 and two 优抚 persons."""
    a_head, a_members, a = _household("王大明", "长丰村", ["李秀英", "王小虎"])
    b_head, _, b = _household("陈建国", "长丰村", ["陈小红"])
    c_head, _, c = _household("赵志刚", "新华社区", area="城镇")
    d_head, _, d = _household("刘德华", "新华社区", ["刘小华"])
    ea = enrollments.enroll("dibao_rural", a_head.id, household_id=a.id, start_month="2022-01")
    eb = enrollments.enroll("dibao_rural", b_head.id, household_id=b.id, start_month="2022-01",
                            details={"classes": {"重残": 1}})
    enrollments.stop(eb.id, month="2022-05", reason="收入超标")
    ec = enrollments.enroll("dibao_urban", c_head.id, household_id=c.id, start_month="2022-01",
                            per_capita_income="100")
    ed = enrollments.enroll("dibao_rural", d_head.id, household_id=d.id, start_month="2022-02",
                            per_capita_income="50")
    sun = _person("孙老汉", "长丰村", 1940)
    zhou = _person("周大娘", "新华社区", 1945)
    et1 = enrollments.enroll("tekun", sun.id, start_month="2022-01", category="集中",
                             details={"care_level": "半失能", "institution": "镇敬老院"})
    et2 = enrollments.enroll("tekun", zhou.id, start_month="2022-01", category="散居")
    soldier = _person("吴卫国", "长丰村", 1950)
    veteran = _person("郑老兵", "新华社区", 1930)
    ey1 = enrollments.enroll("youfu", soldier.id, start_month="2022-01", category="伤残军人",
                             details={"disability_grade": 6, "disability_cause": "因战"})
    ey2 = enrollments.enroll("youfu", veteran.id, start_month="2022-01", category="复员军人")
    return {"a": ea.id, "b": eb.id, "c": ec.id, "d": ed.id, "sun": et1.id, "zhou": et2.id,
            "soldier": ey1.id, "veteran": ey2.id, "a_members": [p.id for p in a_members],
            "a_head": a_head.id}


def _all(source, filters, order=None, descending=False):
    return source.rows(filters, order, descending, 0, 1000)


def _ids(rows):
    return [r["id"] for r in rows]


def test_counts_by_status(roster):
    source = RosterSource(DIBAO)
    assert source.count({}) == 3  # default: 在保
    assert source.count({"status": "在保"}) == 3
    assert source.count({"status": "停保"}) == 1
    assert source.count({"status": None}) == 4
    assert len(_all(source, {"status": None})) == 4
    assert RosterSource(("tekun",)).count({}) == 2


def test_columns_per_programme(roster):
    dibao = {c.key: c for c in RosterSource(DIBAO).columns}
    assert dibao["name"].title == "户主姓名" and "covered_persons" in dibao
    assert "programme_label" in dibao  # 城市 / 农村 shown together
    assert dibao["id_number"].text and dibao["bank_account"].text
    tekun = {c.key: c for c in RosterSource(("tekun",)).columns}
    assert tekun["name"].title == "姓名" and "covered_persons" not in tekun
    assert tekun["category"].title == "供养方式" and "care_level" in tekun
    assert "programme_label" not in tekun


def test_rows_carry_what_the_tab_needs(roster):
    rows = {r["id"]: r for r in _all(RosterSource(DIBAO), {"status": None})}
    a, b = rows[roster["a"]], rows[roster["b"]]
    assert (a["name"], a["village"], a["covered_persons"], a["amount"]) == ("王大明", "长丰村", 3,
                                                                            Decimal("1950.00"))
    assert a["programme"] == "dibao_rural" and a["programme_label"] == "农村"
    assert a["bank_account"] == "6217000012345678901" and len(a["id_number"]) == 18
    assert (b["status"], b["stop_month"], b["stop_reason"]) == ("停保", "2022-05", "收入超标")
    assert b["category"] == "重残1"
    assert rows[roster["c"]]["programme_label"] == "城市"
    tekun = {r["id"]: r for r in _all(RosterSource(("tekun",)), {})}
    assert tekun[roster["sun"]]["category"] == "集中（镇敬老院）"
    assert tekun[roster["sun"]]["care_level"] == "半失能"
    assert tekun[roster["zhou"]]["category"] == "散居"
    youfu = {r["id"]: r for r in _all(RosterSource(("youfu",)), {})}
    assert youfu[roster["soldier"]]["category"] == "伤残军人（6级·因战）"


def _numbers(text):
    return [Decimal(x.replace(",", "")) for x in re.findall(r"[\d,]+(?:\.\d+)?", text)]


@pytest.mark.parametrize("filters", [{}, {"status": None}, {"status": "停保"}, {"village": "长丰村"},
                                     {"search": "wdm"}, {"programme": "dibao_urban"}])
def test_summary_totals_equal_the_rows(roster, filters):
    source = RosterSource(DIBAO)
    if "village" in filters:
        filters = {"village": Village.get(name=filters["village"]).id}
    rows = _all(source, filters)
    text = source.summary(filters)
    n, households_, persons_ = _numbers(text)[:3]
    assert n == len(rows) == source.count(filters)
    assert households_ == len({r["household_id"] for r in rows})
    assert persons_ == sum(r["covered_persons"] for r in rows)
    active = [r for r in rows if r["status"] == "在保"]
    if active:
        total = sum((r["amount"] for r in active), Decimal("0"))
        assert f"每月合计 {total:,.2f} 元" in text
    else:
        assert "每月合计" not in text


def test_summary_wording(roster):
    source = RosterSource(DIBAO)
    assert source.summary({}) == "共 3 条（3 户，6 人），每月合计 3,850.00 元"
    assert source.summary({"status": None}) == ("共 4 条（4 户，8 人），其中在保 3 条，"
                                                 "每月合计 3,850.00 元")
    assert source.summary({"status": "停保"}) == "共 1 条（1 户，2 人），均已停保"
    assert source.summary({"search": "没有这个人"}) == "没有符合条件的记录"
    assert RosterSource(("tekun",)).summary({}) == "共 2 人，每月合计 2,500.00 元"


def test_search_by_initials_of_a_member_finds_the_household(roster):
    source = RosterSource(DIBAO)
    for text in ("wdm", "wxh", "lxy", "王小虎", "wangxiaohu"):
        assert _ids(_all(source, {"search": text})) == [roster["a"]], text
    assert source.enrollment_of_person(roster["a_members"][0]) == roster["a"]
    assert source.count({"search": "zzg"}) == 1
    assert source.count({"search": "qqq"}) == 0
    # The stopped household is found once the status filter allows it.
    assert source.count({"search": "cxh"}) == 0
    assert _ids(_all(source, {"search": "cxh", "status": None})) == [roster["b"]]


def test_search_sees_writes_made_after_it(roster):
    source = RosterSource(DIBAO)
    assert source.count({"search": "wdm"}) == 1
    head, _, hh = _household("王冬梅", "新华社区")  # also wdm
    enrollments.enroll("dibao_rural", head.id, household_id=hh.id, start_month="2022-01")
    assert source.count({"search": "wdm"}) == 2


def test_search_by_village_and_id_fragment(roster):
    source = RosterSource(DIBAO)
    rows = _all(source, {"search": "新华"})
    assert sorted(_ids(rows)) == sorted([roster["c"], roster["d"]])
    number = next(r["id_number"] for r in _all(source, {}) if r["id"] == roster["a"])
    assert roster["a"] in _ids(_all(source, {"search": number[-6:]}))


def test_search_beyond_the_person_search_limit_scans_the_roster(roster, monkeypatch):
    """A saturated person search (one letter, a village name) must not lose rows."""
    source = RosterSource(DIBAO)
    expected = {text: sorted(_ids(_all(source, {"search": text, "status": None})))
                for text in ("w", "长丰", "wxh", "新华社区", "liu")}
    monkeypatch.setattr(rosters, "SEARCH_LIMIT", 1)
    scanning = RosterSource(DIBAO)
    for text, ids in expected.items():
        assert sorted(_ids(_all(scanning, {"search": text, "status": None}))) == ids, text


def test_village_category_and_programme_filters(roster):
    source = RosterSource(DIBAO)
    xinhua = Village.get(name="新华社区").id
    assert sorted(_ids(_all(source, {"village": xinhua}))) == sorted([roster["c"], roster["d"]])
    assert _ids(_all(source, {"category": "重残", "status": None})) == [roster["b"]]
    assert _ids(_all(source, {"programme": "dibao_urban"})) == [roster["c"]]
    rural = _ids(_all(source, {"programme": "dibao_rural"}))
    assert sorted(rural) == sorted([roster["a"], roster["d"]])
    tekun = RosterSource(("tekun",))
    assert _ids(_all(tekun, {"category": "集中"})) == [roster["sun"]]
    assert _ids(_all(tekun, {"category": "散居", "village": xinhua})) == [roster["zhou"]]


def test_categories_in_use(roster):
    assert categories(DIBAO) == ["重残"]
    assert categories("tekun") == ["散居", "集中"]
    assert categories("youfu") == ["伤残军人", "复员军人"]
    assert categories("gaoling") == []


def test_sort_by_amount_descending_in_sql(roster, monkeypatch):
    source = RosterSource(DIBAO)
    rows = _all(source, {"status": None}, "amount", True)
    amounts = [r["amount"] for r in rows]
    assert amounts == sorted(amounts, reverse=True) and amounts[0] == Decimal("1950.00")
    # The database does the sorting: the first row of a one-row page is the largest.
    assert source.rows({"status": None}, "amount", True, 0, 1)[0]["id"] == roster["a"]
    ascending = _all(source, {"status": None}, "amount", False)
    assert [r["amount"] for r in ascending] == sorted(amounts)


def test_sort_keys_are_a_whitelist(roster):
    source = RosterSource(DIBAO)
    default = _ids(_all(source, {"status": None}))
    assert _ids(_all(source, {"status": None}, "amount; DROP TABLE person", False)) == default


@pytest.mark.parametrize("programmes", [DIBAO, ("tekun",), ("youfu",)])
def test_paging_is_consistent_for_every_sort(roster, programmes):
    source = RosterSource(programmes)
    filters = {"status": None}
    for column in source.columns:
        if not column.sortable:
            continue
        for descending in (False, True):
            whole = _ids(_all(source, filters, column.key, descending))
            paged = []
            for offset in range(0, len(whole) + 1, 2):
                paged += _ids(source.rows(filters, column.key, descending, offset, 2))
            assert paged == whole and len(set(whole)) == len(whole) == source.count(filters)


def test_contains_and_programme_of(roster):
    source = RosterSource(DIBAO)
    assert source.contains({}, roster["a"]) and not source.contains({}, roster["b"])
    assert source.contains({"status": None}, roster["b"])
    assert source.programme_of(roster["c"]) == "dibao_urban"
    assert source.programme_of(roster["sun"]) is None
    assert RosterSource(("tekun",)).enrollment_of_person(roster["a_head"]) is None


def test_common_queries_use_the_indexes(roster):
    source = RosterSource(DIBAO)
    for filters in ({}, {"search": "wdm"}, {"village": 1, "status": None}):
        where, params = source._where(filters)
        sql = f"{rosters._SELECT}{rosters._FROM}{where}{source._order('amount', True)} LIMIT 9"
        plan = [row[-1] for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params)]
        assert any("USING INDEX enrollment_programme_id" in line for line in plan), plan
        assert not any(re.match(r"SCAN (e|p|person|enrollment)\b", line) for line in plan), plan


# --- keyset paging against one big query (the 200-household demo) ------------------

@pytest.fixture
def demo200(demo_files):
    """The demo township with 200 households (built once per session); only read."""
    database = dbmod.open_database(demo_files(households=200, seed=3, today=dt.date(2026, 6, 10)))
    yield database
    dbmod.close_database()


def _keyset_pages(source, filters, order, descending, size):
    """Every row, page after page, each page following the previous one's last CURSOR."""
    pages = [source.rows(filters, order, descending, 0, size)]
    while len(pages[-1]) == size and len(pages) < 100_000:  # a broken seek may never end
        pages.append(source.rows(filters, order, descending, 0, size, after=pages[-1][-1][CURSOR]))
    return [row for page in pages for row in page]


def _null_edges(rows):
    """Positions where a sort value turns from NULL to a value or back: a page
    ending there is where NULL handling can lose or repeat rows."""
    return [i for i in range(len(rows) - 1)
            if any((a is None) != (b is None) for a, b in zip(rows[i][CURSOR], rows[i + 1][CURSOR]))]


def assert_pages_after(source, filters, order, descending, whole, positions, size=3):
    """The page after row i is rows i+1 … of the one big query, for each i."""
    for i in positions:
        page = source.rows(filters, order, descending, 0, size, after=whole[i][CURSOR])
        assert _ids(page) == _ids(whole[i + 1:i + 1 + size]), (order, descending, i)


_ROSTERS = [DIBAO, ("dibao_rural",), ("tekun",), ("youfu",), ("gaoling",), ("canji",)]


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_keyset_paging_equals_one_big_query(demo200, data):
    programmes = data.draw(st.sampled_from(_ROSTERS), "roster")
    source = RosterSource(programmes)
    villages = [v.id for v in Village.select()]
    filters = {
        "status": data.draw(st.sampled_from([ACTIVE, STOPPED, None]), "status"),
        "village": data.draw(st.sampled_from([None, *villages]), "village"),
        "category": data.draw(st.sampled_from([None, *categories(programmes)]), "category"),
        "search": data.draw(st.sampled_from(["", "", "w", "zh", "li", "12", "村", "0x"]), "search"),
    }
    keys = [c.key for c in source.columns if c.sortable]
    order = data.draw(st.sampled_from([None, *keys, "no_such_column"]), "order")
    descending = data.draw(st.booleans(), "descending")
    size = data.draw(st.integers(min_value=1, max_value=40), "page size")

    whole = source.rows(filters, order, descending, 0, 100_000)
    paged = _keyset_pages(source, filters, order, descending, size)
    assert [(r["id"], r[CURSOR]) for r in paged] == [(r["id"], r[CURSOR]) for r in whole]
    assert paged == whole and len(whole) == source.count(filters)
    if whole:
        drawn = data.draw(st.lists(st.integers(0, len(whole) - 1), max_size=4), "positions")
        assert_pages_after(source, filters, order, descending, whole, drawn + _null_edges(whole))
    # OFFSET, kept for sources without cursors, pages the same rows.
    by_offset = [row for offset in range(0, len(whole), size * 3)
                 for row in source.rows(filters, order, descending, offset, size * 3)]
    assert _ids(by_offset) == _ids(whole)


def test_keyset_paging_sorts_nulls_both_ways(demo200):
    """停保月份 is NULL for every active enrollment: first ascending, last descending."""
    source = RosterSource(DIBAO)
    filters = {"status": None}
    for descending in (False, True):
        whole = source.rows(filters, "stop_month", descending, 0, 100_000)
        months = [r["stop_month"] for r in whole]
        blanks = months.count("")
        assert 0 < blanks < len(months)
        assert (months[-blanks:] if descending else months[:blanks]) == [""] * blanks
        assert _ids(_keyset_pages(source, filters, "stop_month", descending, 7)) == _ids(whole)
        edges = _null_edges(whole)
        assert edges
        assert_pages_after(source, filters, "stop_month", descending, whole, edges)

