"""The registry and ledger lists (mzdesk.registry_lists): SQL filters, sorts,
paging and status lines that add up to the rows shown."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from mzdesk import db as dbmod, registry_lists as rl
from mzdesk.listing import CURSOR
from mzdesk.models import Village, database
from mzdesk.services import deaths, enrollments, households, ledgers, persons

from .people import new_id

D = Decimal
TODAY = dt.date.today()


def _person(name, village, born=dt.date(1960, 3, 1), sex="男", **kw):
    return persons.register_person(new_id(born, sex), name, village=village, **kw)


@pytest.fixture
def books(township):
    """A small registry with every ledger filled in."""
    wang = _person("王大明", "长丰村", phone="13800000001", tags=["残疾"])
    li = _person("李秀英", "长丰村", dt.date(1962, 5, 5), "女")
    xiao = _person("王小虎", "长丰村", dt.date(2010, 1, 1))
    hh = households.create_household(wang.id, members=[(li.id, "配偶"), (xiao.id, "子女")])
    enrollments.enroll("dibao_rural", wang.id, household_id=hh.id, start_month="2022-01")
    sun = _person("孙老汉", "新华社区", dt.date(1940, 7, 1))
    enrollments.enroll("tekun", sun.id, start_month="2022-01", category="散居")
    zhou = _person("周大娘", "新华社区", dt.date(1938, 2, 2), "女", tags=["残疾", "重病"])
    chen = _person("陈建国", "长丰村", dt.date(1975, 9, 9))
    deaths.register_death(zhou.id, dt.date(2022, 4, 3), funeral_home="区殡仪馆")
    cases = [
        ledgers.add_relief_case(wang.id, kind="医疗救助", case_type="门诊医疗救助", amount="500",
                                approved_date="2022-03-01"),
        ledgers.add_relief_case(li.id, kind="医疗救助", case_type="大病医疗救助", amount="12000.50",
                                approved_date="2022-06-10", paid_date="2022-06-20"),
        ledgers.add_relief_case(sun.id, kind="临时救助", case_type="临时困难救助", amount="800",
                                approved_date="2022-01-15"),
        ledgers.add_relief_case(chen.id, kind="临时救助", case_type="临时困难救助", amount="1500",
                                approved_date="2021-12-02"),
    ]
    surveys = [
        ledgers.add_house_survey(wang.id, persons=3, intention="原址重建", survey_date="2022-03-05",
                                 pilot=True, progress="已拆除", compensation="45000", transition_fee="6000"),
        ledgers.add_house_survey(chen.id, persons=2, intention="进城安居", survey_date="2022-03-06"),
        ledgers.add_house_survey(sun.id, persons=1, intention="不愿意改造", survey_date="2022-03-07"),
    ]
    cards = [ledgers.issue_card(sun.id, card_type="老年优待证", issued_date="2022-01-05", number="LY1"),
             ledgers.issue_card(wang.id, card_type="免费乘车证", issued_date="2021-12-01", number="CC1")]
    acts = [ledgers.add_activity("老年人文化活动", "2022-01-20", title="春节老年人联欢会", participants=120),
            ledgers.add_activity("村务公开检查", "2022-05-20", title="示范单位验收"),
            ledgers.add_activity("老年人文化活动", "2021-10-14", title="重阳节敬老文艺演出", participants=80)]
    inds = [ledgers.set_indicator("政务公开面", "2022-06", "100"),
            ledgers.set_indicator("规范化率", "2022-06", "95.5"),
            ledgers.set_indicator("规范化率", "2021-12", "90")]
    return dict(wang=wang.id, li=li.id, xiao=xiao.id, sun=sun.id, zhou=zhou.id, chen=chen.id,
                cases=[c.id for c in cases], surveys=[s.id for s in surveys], cards=[c.id for c in cards],
                acts=[a.id for a in acts], inds=[i.id for i in inds],
                changfeng=Village.get(name="长丰村").id, xinhua=Village.get(name="新华社区").id)


SOURCES = [rl.PersonSource, rl.ReliefSource, rl.HouseSurveySource, rl.DeathSource, rl.CardSource,
           rl.ActivitySource, rl.IndicatorSource]
NO_FILTER = {rl.PersonSource: {"alive": None}}


def _all(source, filters, order=None, descending=False):
    return source.rows(filters, order, descending, 0, 1000)


def _ids(rows):
    return [r["id"] for r in rows]


def _numbers(text):
    return [D(x.replace(",", "")) for x in re.findall(r"\d[\d,]*(?:\.\d+)?", text)]


# --- 人员档案 ----------------------------------------------------------------

def test_persons_columns_status_age_programmes_and_tags(books):
    rows = {r["id"]: r for r in _all(rl.PersonSource(), {"alive": None})}
    wang, li, zhou, sun = rows[books["wang"]], rows[books["li"]], rows[books["zhou"]], rows[books["sun"]]
    assert wang["programmes"] == li["programmes"] == "农村低保"  # a member of a 低保 household
    assert sun["programmes"] == "特困供养" and rows[books["chen"]]["programmes"] == ""
    assert wang["tags"] == "残疾" and zhou["tags"] == "残疾、重病"
    assert zhou["status"] == "死亡" and wang["status"] == "在世"
    born = dt.date(1960, 3, 1)
    assert wang["age"] == TODAY.year - born.year - ((TODAY.month, TODAY.day) < (3, 1))
    assert zhou["age"] == 84  # the age reached at death (2022-04-03, born 1938-02-02)
    assert wang["phone"] == "13800000001" and wang["village"] == "长丰村"
    assert [c.key for c in rl.PersonSource.columns if c.text] == ["id_number", "phone"]


def test_persons_filters(books):
    source = rl.PersonSource()
    assert source.count({}) == 6 and source.count({"alive": "在世"}) == 5  # None: 全部
    assert _ids(_all(source, {"alive": "已故"})) == [books["zhou"]]
    assert sorted(_ids(_all(source, {"tag": "残疾", "alive": None}))) == sorted([books["wang"], books["zhou"]])
    assert sorted(_ids(_all(source, {"programme": "dibao_rural"}))) == sorted(
        [books["wang"], books["li"], books["xiao"]])
    assert _ids(_all(source, {"village": books["xinhua"], "alive": "在世"})) == [books["sun"]]
    assert source.count({"village": books["xinhua"], "alive": None}) == 2


def test_persons_search_ranks_best_matches_first(books):
    source = rl.PersonSource()
    assert _ids(_all(source, {"search": "wdm"})) == [books["wang"]]
    assert _ids(_all(source, {"search": "王大明"})) == [books["wang"]]
    assert _ids(_all(source, {"search": "wangxiaohu"})) == [books["xiao"]]
    # A one-letter search finds every name with those initials.
    assert sorted(_ids(_all(source, {"search": "w"}))) == sorted([books["wang"], books["xiao"]])
    number = persons.Person.get_by_id(books["chen"]).id_number
    assert _ids(_all(source, {"search": number[-8:]})) == [books["chen"]]
    found = _ids(_all(source, {"search": "新华", "alive": None}))
    assert sorted(found) == sorted([books["sun"], books["zhou"]])


@pytest.mark.parametrize("text", ["w", "长丰", "wxh", "新华社区", "sun", "chen"])
def test_a_saturated_search_scans_instead_of_losing_rows(books, monkeypatch, text):
    expected = {cls: sorted(_ids(_all(cls(), {"search": text, **NO_FILTER.get(cls, {})})))
                for cls in (rl.PersonSource, rl.ReliefSource, rl.HouseSurveySource)}
    monkeypatch.setattr(rl, "SEARCH_LIMIT", 1)
    for cls, ids in expected.items():
        filters = {"search": text, **NO_FILTER.get(cls, {})}
        assert sorted(_ids(_all(cls(), filters))) == ids, (cls.__name__, text)
        assert cls().count(filters) == len(ids)


# --- ledgers ---------------------------------------------------------------------

def test_relief_rows_and_filters(books):
    source = rl.ReliefSource()
    rows = _all(source, {})
    assert _ids(rows) == [books["cases"][i] for i in (1, 0, 2, 3)]  # newest first
    by_id = {r["id"]: r for r in rows}
    first = by_id[books["cases"][0]]
    assert first["target_group"] == "低保户" and first["amount"] == D("500.00")
    assert by_id[books["cases"][2]]["target_group"] == "五保户"
    assert by_id[books["cases"][3]]["target_group"] == "困难户"
    assert by_id[books["cases"][1]]["paid_date"] == "2022-06-20" and first["paid_date"] == ""
    assert source.count({"kind": "临时救助"}) == 2 and source.count({"kind": "医疗救助"}) == 2
    assert _ids(_all(source, {"case_type": "大病医疗救助"})) == [books["cases"][1]]
    assert source.count({"year": "2022"}) == 3 and source.count({"year": "2021"}) == 1
    assert source.count({"village": books["xinhua"]}) == 1
    assert _ids(_all(source, {"target_group": "五保户"})) == [books["cases"][2]]
    assert _ids(_all(source, {"search": "lxy"})) == [books["cases"][1]]
    assert rl.relief_years() == ["2022", "2021"]
    assert rl.relief_case_types()[:4] == list(ledgers.CASE_TYPES)


def test_house_survey_rows_and_filters(books):
    source = rl.HouseSurveySource()
    rows = {r["id"]: r for r in _all(source, {})}
    first = rows[books["surveys"][0]]
    assert first["family_type"] == "农村低保" and first["pilot"] is True
    assert first["compensation"] == D("45000.00") and first["transition_fee"] == D("6000.00")
    assert rows[books["surveys"][2]]["family_type"] == "散居五保"
    assert rows[books["surveys"][1]]["family_type"] == "一般群众"
    assert _ids(_all(source, {"intention": "进城安居"})) == [books["surveys"][1]]
    assert _ids(_all(source, {"progress": "已拆除"})) == [books["surveys"][0]]
    assert _ids(_all(source, {"family_type": "散居五保"})) == [books["surveys"][2]]
    assert _ids(_all(source, {"pilot": True})) == [books["surveys"][0]]
    assert source.count({"pilot": False}) == 2
    assert source.count({"village": books["changfeng"]}) == 2


def test_deaths_cards_activities_indicators(books):
    assert _ids(_all(rl.DeathSource(), {"year": "2022"})) == [1]
    assert _all(rl.DeathSource(), {})[0]["cremated"] is True
    assert rl.DeathSource().count({"year": "2021"}) == 0 and rl.death_years() == ["2022"]
    cards = rl.CardSource()
    assert _ids(_all(cards, {})) == [books["cards"][0], books["cards"][1]]
    assert _ids(_all(cards, {"card_type": "免费乘车证"})) == [books["cards"][1]]
    assert _ids(_all(cards, {"search": "sun"})) == [books["cards"][0]]
    assert cards.count({"year": "2021"}) == 1
    acts = rl.ActivitySource()
    assert _ids(_all(acts, {})) == [books["acts"][i] for i in (1, 0, 2)]
    assert acts.count({"kind": "老年人文化活动"}) == 2 and acts.count({"search": "重阳"}) == 1
    assert acts.count({"year": "2021"}) == 1
    assert rl.activity_kinds()[:2] == ["老年人文化活动", "村务公开检查"]
    inds = rl.IndicatorSource()
    assert inds.count({"name": "规范化率"}) == 2 and inds.count({"year": "2022"}) == 2
    assert [r["value"] for r in _all(inds, {}, "value", True)] == ["100", "95.5", "90"]
    assert rl.indicator_names()[:2] == ["政务公开面", "规范化率"]


# --- status lines -------------------------------------------------------------------

@pytest.mark.parametrize("filters", [{}, {"kind": "临时救助"}, {"year": "2022"}, {"search": "w"}])
def test_relief_summary_equals_the_rows(books, filters):
    source = rl.ReliefSource()
    rows = _all(source, filters)
    n, households_, total = _numbers(source.summary(filters))
    assert n == len(rows) == source.count(filters)
    assert total == sum(r["amount"] for r in rows)
    assert households_ <= n


def test_relief_summary_counts_a_household_once(books):
    # 王大明 and 李秀英 are one household; 孙老汉 and 陈建国 are on their own.
    assert rl.ReliefSource().summary({}) == "共 4 件（3 户），救助金额合计 14,800.50 元"


@pytest.mark.parametrize("filters", [{}, {"village": "长丰村"}, {"pilot": False}])
def test_house_survey_summary_equals_the_rows(books, filters):
    if "village" in filters:
        filters = {"village": books["changfeng"]}
    source = rl.HouseSurveySource()
    rows = _all(source, filters)
    n, people, comp, trans = _numbers(source.summary(filters))
    assert n == len(rows) and people == sum(r["persons"] for r in rows)
    assert comp == sum(r["compensation"] for r in rows)
    assert trans == sum(r["transition_fee"] for r in rows)


def test_other_summaries(books):
    assert rl.PersonSource().summary({"alive": "在世"}) == "共 5 人（男 4，女 1）"
    assert rl.PersonSource().summary({}) == "共 6 人（男 4，女 2），其中已故 1 人"
    assert rl.DeathSource().summary({}) == "共 1 人，其中火化 1 人（火化率 100.0%）"
    assert rl.CardSource().summary({}) == "共 2 证（老年优待证 1，免费乘车证 1）"
    assert rl.ActivitySource().summary({}) == "共 3 次活动，参加 200 人次"
    assert rl.IndicatorSource().summary({}) == "共 3 条（2 项指标，2 个月份）"
    for cls in SOURCES:
        assert cls().summary({"search": "没有这个人", **NO_FILTER.get(cls, {})}).startswith("没有符合条件")


# --- sorting and paging in SQL ------------------------------------------------------

@pytest.mark.parametrize("cls", SOURCES)
def test_every_sort_pages_consistently_and_reverses(books, cls):
    source = cls()
    filters = NO_FILTER.get(cls, {})
    for column in source.columns:
        if not column.sortable:
            continue
        up = _ids(_all(source, filters, column.key, False))
        down = _ids(_all(source, filters, column.key, True))
        assert up == down[::-1], column.key
        paged = []
        for offset in range(0, len(up) + 1, 2):
            paged += _ids(source.rows(filters, column.key, False, offset, 2))
        assert paged == up and len(set(up)) == len(up) == source.count(filters), column.key


@pytest.mark.parametrize("cls,key", [(rl.ReliefSource, "amount"), (rl.HouseSurveySource, "compensation"),
                                     (rl.PersonSource, "age"), (rl.ReliefSource, "approved_date"),
                                     (rl.ActivitySource, "participants")])
def test_sorting_is_by_value(books, cls, key):
    source = cls()
    filters = NO_FILTER.get(cls, {})
    values = [r[key] for r in _all(source, filters, key, True)]
    assert values == sorted(values, reverse=True)
    # The database sorts: a one-row page holds the largest.
    assert source.rows(filters, key, True, 0, 1)[0][key] == max(values)


def test_sort_keys_are_a_whitelist(books):
    source = rl.ReliefSource()
    assert _ids(_all(source, {}, "amount; DROP TABLE person", False)) == _ids(_all(source, {}))


def test_contains(books):
    assert rl.PersonSource().contains({"alive": None}, books["zhou"])
    assert not rl.PersonSource().contains({"alive": "在世"}, books["zhou"])
    assert rl.ReliefSource().contains({"kind": "临时救助"}, books["cases"][2])
    assert not rl.ReliefSource().contains({"kind": "医疗救助"}, books["cases"][2])
    assert not rl.ReliefSource().contains({"year": "2021"}, books["cases"][2])
    assert rl.PersonSource().contains({"search": "wdm"}, books["wang"])


@pytest.mark.parametrize("cls", [rl.ReliefSource, rl.HouseSurveySource, rl.DeathSource, rl.CardSource])
@pytest.mark.parametrize("text", ["", "zl"])
def test_ledgers_never_scan_the_persons(books, monkeypatch, cls, text):
    monkeypatch.setattr(rl, "SEARCH_LIMIT", 1 if text else rl.SEARCH_LIMIT)  # the scanning search too
    source = cls()
    body, params = source._body({"search": text})
    plan = [row[-1] for row in database.execute_sql(f"EXPLAIN QUERY PLAN SELECT count(*){body}", params)]
    assert not any(re.match(r"SCAN (p|person)\b", line) for line in plan), plan


# --- keyset paging against one big query (the 200-household demo) ------------------

@pytest.fixture
def demo200(demo_files):
    """The demo township with 200 households (built once per session); only read."""
    database = dbmod.open_database(demo_files(households=200, seed=3, today=dt.date(2026, 6, 10)))
    yield database
    dbmod.close_database()


def _values(sql):
    return [None, *rl._distinct(sql)]


def _filter_choices(cls) -> dict[str, list]:
    """Values each filter of a list can take in the demo (None: 全部)."""
    villages = [None, *(v.id for v in Village.select())]
    years = {rl.ReliefSource: rl.relief_years, rl.DeathSource: rl.death_years,
             rl.CardSource: rl.card_years, rl.ActivitySource: rl.activity_years,
             rl.IndicatorSource: rl.indicator_years}
    choices: dict[str, list] = {"search": ["", "", "w", "zh", "li", "12", "村", "0x", "活动"]}
    if cls in years:
        choices["year"] = [None, *years[cls]()]
    if cls not in (rl.ActivitySource, rl.IndicatorSource):
        choices["village"] = villages
    if cls is rl.PersonSource:
        choices |= {"alive": [None, rl.ALIVE, rl.DEAD], "tag": [None, *rl.tags()],
                    "programme": [None, "dibao_rural", "tekun", "gaoling", "youfu"]}
    for key, column in cls.EQUAL.items():
        table, name = {"r": "relief_case", "s": "house_survey", "c": "card_issuance",
                       "a": "activity", "i": "indicator"}[column[0]], column[2:]
        choices[key] = _values(f"SELECT DISTINCT {name} FROM {table}")
    if cls is rl.HouseSurveySource:
        choices["pilot"] = [None, True, False]
    return choices


def _keyset_pages(source, filters, order, descending, size):
    pages = [source.rows(filters, order, descending, 0, size)]
    while len(pages[-1]) == size and len(pages) < 100_000:  # a broken seek may never end
        pages.append(source.rows(filters, order, descending, 0, size, after=pages[-1][-1][CURSOR]))
    return [row for page in pages for row in page]


def _edges(rows):
    """Where a sort value turns from NULL to a value or back, or the first sort value changes."""
    return [i for i in range(len(rows) - 1)
            if any((a is None) != (b is None) for a, b in zip(rows[i][CURSOR], rows[i + 1][CURSOR]))
            or rows[i][CURSOR][0] != rows[i + 1][CURSOR][0]][:30]


@hsettings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_keyset_paging_equals_one_big_query(demo200, data):
    cls = data.draw(st.sampled_from(SOURCES), "list")
    source = cls()
    filters = {key: data.draw(st.sampled_from(values), key)
               for key, values in _filter_choices(cls).items()}
    keys = [c.key for c in source.columns if c.sortable]
    order = data.draw(st.sampled_from([None, *keys, "no_such_column"]), "order")
    descending = data.draw(st.booleans(), "descending")
    size = data.draw(st.integers(min_value=1, max_value=40), "page size")

    whole = source.rows(filters, order, descending, 0, 1_000_000)
    paged = _keyset_pages(source, filters, order, descending, size)
    assert [(r["id"], r[CURSOR]) for r in paged] == [(r["id"], r[CURSOR]) for r in whole]
    assert paged == whole and len(whole) == source.count(filters)
    by_offset = [row for offset in range(0, len(whole), size * 3)
                 for row in source.rows(filters, order, descending, offset, size * 3)]
    assert _ids(by_offset) == _ids(whole)
    if whole:  # pages ending exactly where the values change
        drawn = data.draw(st.lists(st.integers(0, len(whole) - 1), max_size=4), "positions")
        for i in drawn + _edges(whole):
            page = source.rows(filters, order, descending, 0, 3, after=whole[i][CURSOR])
            assert _ids(page) == _ids(whole[i + 1:i + 4]), (order, descending, i)


def _sweep(cls, size):
    """Each sortable column both ways over the whole list: paging by cursor gives the
    rows of one query, also for a page that ends where a value changes or turns NULL."""
    source = cls()
    filters = NO_FILTER.get(cls, {})
    for order in [None] + [c.key for c in source.columns if c.sortable]:
        for descending in (False, True):
            whole = source.rows(filters, order, descending, 0, 1_000_000)
            assert _keyset_pages(source, filters, order, descending, size) == whole, (order, descending)
            for i in _edges(whole):
                page = source.rows(filters, order, descending, 0, 3, after=whole[i][CURSOR])
                assert _ids(page) == _ids(whole[i + 1:i + 4]), (order, descending, i)


@pytest.mark.parametrize("cls", SOURCES)
def test_every_order_pages_by_keyset_across_ties(demo200, cls):
    _sweep(cls, 7)


@pytest.mark.parametrize("cls", SOURCES)
def test_every_order_pages_by_keyset_across_nulls(books, cls):
    """The small books have NULLs to sort (relief cases not paid yet)."""
    assert rl.ReliefSource().rows({}, "paid_date", False, 0, 1)[0]["paid_date"] == ""
    _sweep(cls, 1)


@pytest.mark.parametrize("order,descending", [(None, False), ("name", False), ("name", True),
                                              ("id_number", False), ("id_number", True)])
def test_a_persons_page_starts_at_its_cursor_in_the_index(demo200, order, descending):
    """In an indexed order the next page is a range of the index from the cursor:
    page 240 of 100k persons costs what page 1 does (OFFSET walked the skipped rows)."""
    source = rl.PersonSource()
    filters = {"alive": None}
    first = source.rows(filters, order, descending, 0, 50)
    body, params, _ = source._page(filters, order, descending, first[-1][CURSOR])
    plan = [row[-1] for row in database.execute_sql(f"EXPLAIN QUERY PLAN SELECT p.id{body} LIMIT 50", params)]
    assert any(re.match(r"SEARCH p USING (COVERING )?INDEX person_\w+ \((pinyin|id_number)[<>]", line)
               for line in plan), plan
    # (sorting by name within one pinyin, the RIGHT PART of the order, is fine)
    assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan
