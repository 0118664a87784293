"""The demo township 茶店镇 (mzdesk.demo).

The default demo is built once per module into a file; each read-only test
opens that file. Tests that write use the `db` fixture.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from mzdesk import db as dbmod
from mzdesk import idcard
from mzdesk.demo import build_demo, generate_rows
from mzdesk.errors import DomainError, ValidationError
from mzdesk.models import (AuditLog, Batch, BatchLine, Death, Enrollment, HouseSurvey, Person, ReliefCase,
                           Setting, Standard, Village)
from mzdesk.services import amounts

TODAY = dt.date.today()
MONTHLY = ("dibao_urban", "dibao_rural", "tekun", "youfu", "gaoling", "canji")


def _month(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _add_months(m: str, n: int) -> str:
    i = int(m[:4]) * 12 + int(m[5:7]) - 1 + n
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


CURRENT = _month(TODAY)
PAID = [_add_months(CURRENT, -k) for k in range(24, 0, -1)]


@pytest.fixture(scope="module")
def built(_template_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    shutil.copyfile(_template_db, path)
    dbmod.open_database(path)
    calls = []
    try:
        info = build_demo(progress=lambda done, total, label: calls.append((done, total, label)))
    finally:
        dbmod.close_database()
    return path, info, calls


@pytest.fixture
def demo(built):
    path, info, _ = built
    database = dbmod.open_database(path)
    yield database, info
    dbmod.close_database()


def planted(info, code):
    return [row_id for c, _, row_id in info["planted"] if c == code]


def sql(database, query, *params):
    return database.execute_sql(query, params).fetchall()


# -- size and shape -------------------------------------------------------------------


def test_counts_are_in_range(demo):
    database, info = demo
    assert 7000 <= info["persons"] == Person.select().count() <= 9000
    assert 2600 <= info["households"] <= 2800
    assert 9 <= info["villages"] == Village.select().count() <= 12
    active = info["active_enrollments"]
    assert 280 <= active["dibao_urban"] + active["dibao_rural"] <= 320
    assert 50 <= active["dibao_urban"] <= 70 and 220 <= active["dibao_rural"] <= 260
    assert 100 <= active["tekun"] <= 130
    assert 50 <= active["youfu"] <= 70
    assert 150 <= active["gaoling"] <= 450
    assert active["canji"] > 30 and active["bianyuan"] > 10
    assert 30 <= info["deaths"] == Death.select().count() <= 50
    assert 60 <= info["relief_cases"] == ReliefCase.select().count() <= 100
    assert 350 <= info["house_surveys"] == HouseSurvey.select().count() <= 450
    assert info["batch_lines"] == BatchLine.select().count() > 10000


def test_ages_include_the_very_old(demo):
    ages = Counter()
    for (born,) in sql(demo[0], "SELECT birth_date FROM person WHERE death_date IS NULL"):
        age = _age(dt.date.fromisoformat(born))
        ages[min(age // 10 * 10, 100)] += 1
    assert ages[80] + ages[90] + ages[100] >= 150
    assert ages[90] + ages[100] >= 3
    assert ages[100] >= 1
    assert ages[0] > 500  # children too


def _age(born: dt.date) -> int:
    years = TODAY.year - born.year
    return years - ((TODAY.month, TODAY.day) < (born.month, born.day))


def test_settings_villages_and_standards(demo):
    database, _ = demo
    settings = dict(sql(database, "SELECT key, value FROM setting"))
    assert settings["township"] == "茶店镇" and settings["district"]
    assert settings["preparer"] and settings["reviewer"] and settings["head"]
    assert settings["institutions"] == "区敬老养老中心,茶店镇敬老院"
    villages = list(Village.select())
    assert "长丰村" in {v.name for v in villages}
    assert sum(v.kind == "社区" for v in villages) >= 2
    assert all(len(v.code) == 12 and v.code.isdigit() for v in villages)
    # Two rows per category, the old one ending the December before the current year.
    rows = defaultdict(list)
    for s in Standard.select():
        rows[(s.programme_id, s.category)].append(s)
    assert ("tekun", "护理:全失能") in rows and ("youfu", "伤残军人:10级") in rows
    for key in [("youfu", c) for c in amounts.YOUFU_CATEGORIES if c != "伤残军人"]:
        assert key in rows
    for pair in rows.values():
        old, new = sorted(pair, key=lambda s: s.effective_from)
        assert old.effective_to == f"{TODAY.year - 1}-12" and new.effective_from == f"{TODAY.year}-01"
        assert new.effective_to is None
    assert amounts.standard_for("dibao_urban", "", CURRENT).amount > \
        amounts.standard_for("dibao_urban", "", f"{TODAY.year - 1}-06").amount


def test_persons_ids_names_and_households(demo):
    database, info = demo
    bad = set(planted(info, "bad_id_check_digit"))
    assert len(bad) == 1
    seen = set()
    for pid, number, name, pinyin, initials, sex, born in sql(
            database, "SELECT id, id_number, name, pinyin, initials, sex, birth_date FROM person"):
        assert number not in seen
        seen.add(number)
        assert 2 <= len(name) <= 3 and pinyin and initials
        if pid in bad:
            assert not idcard.is_valid(number)
            continue
        assert idcard.is_valid(number), pid
        assert idcard.sex(number) == sex
        assert idcard.birth_date(number).isoformat() == born
    relations = Counter(r for (r,) in sql(database, "SELECT relation FROM household_member"))
    assert relations["户主"] == info["households"]
    assert {"配偶", "子女", "父母", "孙子女"} <= set(relations)
    assert sum(relations.values()) == info["persons"]  # everybody in exactly one household
    tags = Counter(t for (t,) in sql(database, "SELECT tag FROM person_tag"))
    assert tags["重症精神病"] and tags["在校学生"] and tags["残疾"]


def test_bank_accounts(demo):
    rows = sql(demo[0], "SELECT DISTINCT p.bank_account FROM person p JOIN enrollment e ON e.person_id = p.id")
    assert rows and all(len(a) == 19 and a.isdigit() and a[:4] in ("6217", "6228") for (a,) in rows)


# -- programmes -------------------------------------------------------------------------


def test_every_youfu_category_and_both_institutions(demo):
    youfu = list(Enrollment.select().where(Enrollment.programme == "youfu"))
    assert {e.category for e in youfu} == set(amounts.YOUFU_CATEGORIES)
    for e in youfu:
        if e.category == "伤残军人":
            assert 1 <= e.details["disability_grade"] <= 10
            assert e.details["disability_cause"] in ("因战", "因公", "因病")
    tekun = list(Enrollment.select().where((Enrollment.programme == "tekun") & (Enrollment.status == "在保")))
    places = Counter(e.details.get("institution", "") for e in tekun if e.category == "集中")
    assert places["区敬老养老中心"] >= 10 and places["茶店镇敬老院"] >= 10
    assert sum(e.category == "散居" for e in tekun) >= 60
    assert {e.details["care_level"] for e in tekun} == set(amounts.CARE_LEVELS)


def test_nobody_on_both_dibao_and_tekun(demo):
    database, _ = demo
    dibao = {pid for (pid,) in sql(database, """
        SELECT m.person_id FROM enrollment e JOIN household_member m ON m.household_id = e.household_id
        WHERE e.programme_id IN ('dibao_urban', 'dibao_rural')
        UNION SELECT person_id FROM enrollment WHERE programme_id IN ('dibao_urban', 'dibao_rural')""")}
    tekun = {pid for (pid,) in sql(database, "SELECT person_id FROM enrollment WHERE programme_id = 'tekun'")}
    assert dibao and tekun and not dibao & tekun


def test_active_amounts_follow_the_standard(demo):
    database, info = demo
    off = set(planted(info, "amount_off_standard"))
    reasons = 0
    for e in Enrollment.select().where(Enrollment.status == "在保"):
        suggested = amounts.suggest_for(e, CURRENT).amount
        if e.amount_reason:
            reasons += 1
            continue
        assert (e.amount != suggested) == (e.id in off), (e.id, e.programme_id, e.amount, suggested)
    assert reasons >= 1 and len(off) == 1


def test_history_events(demo):
    database, _ = demo
    kinds = Counter(k for (k,) in sql(database, "SELECT kind FROM enrollment_event"))
    assert kinds["开始"] == Enrollment.select().count()
    assert kinds["停保"] == Enrollment.select().where(Enrollment.status == "停保").count() > 30
    reasons = Counter(r for (r,) in sql(database, "SELECT reason FROM enrollment_event WHERE kind = '调整'"))
    assert reasons["标准调整"] > 100 and reasons["家庭收入变化"] > 5
    stops = Counter(r for (r,) in sql(database, "SELECT stop_reason FROM enrollment WHERE status = '停保'"))
    assert {"收入超标", "迁出", "死亡"} <= set(stops)
    # An active enrollment begun before January has moved to the new standard.
    row = sql(database, """
        SELECT COUNT(*) FROM enrollment e WHERE e.programme_id = 'dibao_rural' AND e.status = '在保'
        AND e.start_month < ? AND e.amount_reason = '' AND NOT EXISTS (SELECT 1 FROM enrollment_event v
        WHERE v.enrollment_id = e.id AND v.kind = '调整' AND v.month = ? AND v.reason LIKE '%标准调整%')""",
              f"{TODAY.year}-01", f"{TODAY.year}-01")
    assert row[0][0] == 0


def test_everyone_eighty_is_on_gaoling(demo):
    database, info = demo
    on = {pid: cat for pid, cat in sql(database, "SELECT person_id, category FROM enrollment "
                                                  "WHERE programme_id = 'gaoling' AND status = '在保'")}
    missing = []
    for pid, born in sql(database, "SELECT id, birth_date FROM person WHERE death_date IS NULL"):
        age = _age(dt.date.fromisoformat(born))
        if age >= 80:
            if pid not in on:
                missing.append(pid)
            else:
                assert on[pid] == amounts.gaoling_band(age)
    assert sorted(missing) == sorted(planted(info, "eighty_not_on_gaoling"))
    assert len(missing) == 2


# -- payments --------------------------------------------------------------------------


def test_two_years_of_monthly_batches(demo):
    database, _ = demo
    regular = Counter((b.programme_id, b.month) for b in Batch.select().where(Batch.kind == "regular"))
    assert set(regular) == {(p, m) for p in MONTHLY for m in PAID}
    assert set(regular.values()) == {1}
    assert {b.state for b in Batch.select()} == {"已发放"}
    empty = sql(database, "SELECT b.id FROM batch b WHERE NOT EXISTS "
                          "(SELECT 1 FROM batch_line l WHERE l.batch_id = b.id)")
    assert empty == []
    oneoffs = {b.name for b in Batch.select().where(Batch.kind == "oneoff")}
    for name in ("临时价格补贴", "元旦春节生活补贴", "低保门诊救助金", "大病补充医疗保险补贴", "学生补助"):
        assert any(name in n for n in oneoffs), name
    months = {m for (m,) in sql(database, "SELECT month FROM one_off_subsidy")}
    assert months <= set(PAID[-12:])
    assert sql(database, "SELECT COUNT(*) FROM one_off_subsidy WHERE tag_filter = '重症精神病'")[0][0] == 1


def test_lines_match_the_enrollment_history(demo):
    database, info = demo
    # Each regular line is an enrollment active in its month, for the amount of that month
    # (but for the planted line paid after a death reported late).
    bad = sql(database, """
        SELECT l.id FROM batch_line l JOIN batch b ON b.id = l.batch_id JOIN enrollment e ON e.id = l.enrollment_id
        WHERE b.kind = 'regular' AND (b.month < e.start_month OR (e.stop_month IS NOT NULL AND b.month > e.stop_month)
              OR l.person_id != e.person_id OR b.programme_id != e.programme_id)""")
    assert [i for (i,) in bad] == planted(info, "paid_after_death")
    last = sql(database, """
        SELECT e.id, e.amount, l.amount FROM enrollment e JOIN batch_line l ON l.enrollment_id = e.id
        JOIN batch b ON b.id = l.batch_id WHERE b.kind = 'regular' AND b.month = ? AND e.status = '在保'
        AND e.start_month <= ?""", PAID[-1], PAID[-1])
    changed_this_month = {eid for (eid,) in sql(database, "SELECT enrollment_id FROM enrollment_event "
                                                          "WHERE month = ?", CURRENT)}
    assert last and all(a == b for eid, a, b in last if eid not in changed_this_month)


def test_nobody_paid_after_death_except_planted(demo):
    database, info = demo
    late = sql(database, """
        SELECT l.id FROM batch_line l JOIN batch b ON b.id = l.batch_id JOIN person p ON p.id = l.person_id
        WHERE p.death_date IS NOT NULL AND b.month > substr(p.death_date, 1, 7)""")
    assert [i for (i,) in late] == planted(info, "paid_after_death")
    on_roll = sql(database, "SELECT e.id FROM enrollment e JOIN person p ON p.id = e.person_id "
                            "WHERE p.death_date IS NOT NULL AND e.status = '在保'")
    assert [i for (i,) in on_roll] == planted(info, "deceased_on_roll")
    # Deaths mirror Person.death_date and stop the rolls in the month of death.
    assert sql(database, "SELECT COUNT(*) FROM person WHERE death_date IS NOT NULL")[0][0] == Death.select().count()
    stopped = sql(database, "SELECT e.stop_month, substr(p.death_date, 1, 7) FROM enrollment e "
                            "JOIN person p ON p.id = e.person_id WHERE e.stop_reason = '死亡'")
    assert len(stopped) > 20 and all(stop == died for stop, died in stopped)
    assert sum(d.cremated for d in Death.select()) >= 0.8 * Death.select().count()


def test_only_the_planted_account_is_shared(demo):
    database, info = demo
    shared = sql(database, """
        SELECT account, GROUP_CONCAT(DISTINCT pid) FROM (
            SELECT CASE WHEN e.bank_account != '' THEN e.bank_account ELSE p.bank_account END AS account,
                   p.id AS pid
            FROM enrollment e JOIN person p ON p.id = e.person_id WHERE e.status = '在保')
        WHERE account != '' GROUP BY account HAVING COUNT(DISTINCT pid) > 1""")
    assert len(shared) == 1
    assert sorted(int(x) for x in shared[0][1].split(",")) == sorted(planted(info, "shared_bank_account"))


def test_the_data_checks_find_exactly_the_planted_problems(demo):
    from mzdesk import checks
    _, info = demo
    findings = checks.run_all()
    assert Counter(f.code for f in findings) == {
        "deceased_on_roll": 1, "paid_after_death": 1, "shared_bank_account": 1,
        "eighty_not_on_gaoling": 2, "amount_off_standard": 1, "bad_id_check_digit": 1}
    for code, table, row_id in info["planted"]:
        assert any(f.code == code and (table, row_id) in f.records for f in findings), (code, table, row_id)
    assert checks.integrity() == []


def test_every_planted_problem_is_there(demo):
    _, info = demo
    codes = Counter(code for code, _, _ in info["planted"])
    assert set(codes) == {"deceased_on_roll", "paid_after_death", "shared_bank_account",
                          "eighty_not_on_gaoling", "amount_off_standard", "bad_id_check_digit"}
    tables = {code: table for code, table, _ in info["planted"]}
    assert tables["paid_after_death"] == "batch_line" and tables["deceased_on_roll"] == "enrollment"


# -- ledgers ------------------------------------------------------------------------------


def test_relief_target_groups_follow_the_rolls(demo):
    database, _ = demo
    groups = Counter()
    for case in ReliefCase.select():
        month = _month(case.approved_date)
        active = {p for (p,) in sql(database, """
            SELECT e.programme_id FROM enrollment e WHERE e.person_id = ? AND e.start_month <= ?
            AND (e.stop_month IS NULL OR e.stop_month >= ?)
            UNION SELECT e.programme_id FROM enrollment e JOIN household_member m ON m.household_id = e.household_id
            WHERE m.person_id = ? AND e.start_month <= ? AND (e.stop_month IS NULL OR e.stop_month >= ?)""",
            case.person_id, month, month, case.person_id, month, month)}
        expected = ("五保户" if "tekun" in active else "低保户" if active & {"dibao_urban", "dibao_rural"}
                    else "优抚对象" if "youfu" in active else "困难户")
        assert case.target_group == expected, case.id
        assert case.kind == ("临时救助" if case.case_type == "临时困难救助" else "医疗救助")
        groups[case.target_group] += 1
    assert set(groups) == {"五保户", "低保户", "优抚对象", "困难户"}


def test_house_survey(demo):
    surveys = list(HouseSurvey.select(HouseSurvey, Village).join(Village))
    assert {s.family_type for s in surveys} == {"农村低保", "散居五保", "低保边缘户", "一般群众"}
    assert {s.intention for s in surveys} == {"原址重建", "异地重建", "集中新建", "进城安居", "不愿意改造"}
    assert all(s.village.kind == "村" for s in surveys)
    pilot = [s for s in surveys if s.pilot]
    assert pilot and all(s.village.name == "长丰村" for s in pilot)
    assert all(s.pilot for s in surveys if s.village.name == "长丰村")
    demolished = [s for s in pilot if s.progress == "已拆除"]
    assert demolished and all(s.compensation > 0 and s.transition_fee > 0 for s in demolished)
    assert all(s.compensation == 0 for s in surveys if not s.pilot)


def test_cards_activities_indicators_and_one_audit_entry(demo):
    database, _ = demo
    cards = Counter(t for (t,) in sql(database, "SELECT card_type FROM card_issuance"))
    assert set(cards) == {"老年优待证", "免费乘车证"} and 40 <= sum(cards.values()) <= 80
    kinds = Counter(k for (k,) in sql(database, "SELECT kind FROM activity"))
    assert kinds["老年人文化活动"] >= 4 and kinds["村务公开检查"] == 1
    indicators = dict(sql(database, "SELECT name || ' ' || month, value FROM indicator"))
    assert any(k.startswith("政务公开面") and v == "100" for k, v in indicators.items())
    assert any(k.startswith("规范化率") and v == "95" for k, v in indicators.items())
    entries = list(AuditLog.select())
    assert len(entries) == 1 and entries[0].action == "创建演示数据" and "茶店镇" in entries[0].summary


def test_progress_is_reported(built):
    _, _, calls = built
    assert calls and calls[-1][0] == calls[-1][1]
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)


# -- building ------------------------------------------------------------------------------


def test_same_seed_same_rows_other_seed_other_rows():
    day = dt.date(2025, 3, 10)
    a = generate_rows(7, 400, day)
    b = generate_rows(7, 400, day)
    assert a == b
    c = generate_rows(8, 400, day)
    assert a["person"][1] != c["person"][1]
    assert set(a) >= {"person", "household", "enrollment", "batch", "batch_line", "standard"}
    for table, (columns, rows) in a.items():
        assert all(len(r) == len(columns) for r in rows), table


def test_refuses_a_database_with_data(db):
    Setting.create(key="township", value="别的镇")
    with pytest.raises(DomainError) as err:
        build_demo(households=300)
    assert str(err.value) == "数据库中已有数据，演示乡镇只能建在空数据库中"
    assert Person.select().count() == 0


def test_small_demo_in_the_fixture_database(db):
    info = build_demo(households=300, seed=5, today=dt.date(2025, 3, 10))
    assert info["persons"] == Person.select().count() > 600
    assert {e.category for e in Enrollment.select().where(Enrollment.programme == "youfu")} == \
        set(amounts.YOUFU_CATEGORIES)
    with pytest.raises(DomainError):
        build_demo()
    assert len(info["planted"]) == 8
    assert Decimal(sum(l.amount for l in BatchLine.select())) > 0
    with pytest.raises(ValidationError):
        generate_rows(1, 10, dt.date(2025, 3, 10))


def test_details_are_json(demo):
    database, _ = demo
    for (text,) in sql(database, "SELECT details FROM enrollment"):
        assert isinstance(json.loads(text), dict)
