"""The figures of the half-year summary (issue 6): every figure of a database built
through the services, the records behind each one, and the demo township."""
from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
from collections import Counter
from decimal import Decimal

import pytest

from mzdesk import cli_summary
from mzdesk import db as dbmod
from mzdesk.cli import main
from mzdesk.demo import build_demo
from mzdesk.errors import ValidationError
from mzdesk.models import (PAID_STATES, Activity, Batch, BatchLine, CardIssuance, Death, Enrollment,
                           HouseSurvey, OneOffSubsidy, Person, ReliefCase)
from mzdesk.payments import batches
from mzdesk.services import deaths, enrollments, households, ledgers, persons, settings, standards
from mzdesk.summary import figure_records, summary_figures, write_summary_json

from .people import new_id

D = Decimal
_accounts = itertools.count(6217000000000000001)


def _person(name, born=dt.date(1960, 3, 1), *, village="长丰村", account=True, tags=()):
    return persons.register_person(new_id(born), name, village=village, tags=tags,
                                   bank_account=str(next(_accounts)) if account else "")


def _household(head, members, area="农村"):
    return households.create_household(head.id, members=[(m.id, "子女") for m in members], area=area)


def _pay(programme, month, state="已审核"):
    """A regular batch made from the month's roll, moved on to `state`."""
    batch = batches.create_regular(programme, month)
    batches.approve(batch.id)
    if state in ("已导出", "已发放"):
        batches.mark_exported(batch.id)
    if state == "已发放":
        batches.mark_paid(batch.id, dt.date(2022, 7, 1))
    return batch


def _line_of(batch, enrollment) -> BatchLine:
    return BatchLine.get((BatchLine.batch == batch.id) & (BatchLine.enrollment == enrollment.id))


@pytest.fixture
def known(township):
    """A township whose every summary figure for 2022-01..2022-06 is known by hand."""
    k = {}
    settings.set_setting("institutions", "区敬老养老中心,茶店镇敬老院,第三敬老院")
    for category, amount in (("烈属", "2000"), ("病故遗属", "1500"), ("农村籍退役士兵", "300")):
        standards.add_standard("youfu", amount, "2022-01", category=category)

    # 农村低保: A (3 covered, one of them 重症精神病), B (stopped after March), C (no bank
    # account: left out of every payment but still on the roll), D (head dies in May).
    a1, a2, a3 = _person("甲一"), _person("甲二", tags=("重症精神病",)), _person("甲三")
    b1, b2 = _person("乙一"), _person("乙二")
    c1, d1 = _person("丙一", account=False), _person("丁一")
    k["A"] = enrollments.enroll("dibao_rural", a1.id, household_id=_household(a1, [a2, a3]).id,
                                start_month="2022-01")
    k["B"] = enrollments.enroll("dibao_rural", b1.id, household_id=_household(b1, [b2]).id,
                                start_month="2022-01")
    enrollments.stop(k["B"].id, month="2022-03", reason="外出务工")
    k["C"] = enrollments.enroll("dibao_rural", c1.id, household_id=_household(c1, []).id,
                                start_month="2022-01")
    k["D"] = enrollments.enroll("dibao_rural", d1.id, household_id=_household(d1, []).id,
                                start_month="2022-01")
    # 城市低保: U (2 covered) from May.
    u1, u2 = _person("城一", village="新华社区"), _person("城二", village="新华社区")
    k["U"] = enrollments.enroll("dibao_urban", u1.id, household_id=_household(u1, [u2], "城镇").id,
                                start_month="2022-05")
    # 特困: two 散居 (one dies in April), one in each of two institutions.
    t1 = _person("特一", dt.date(1940, 1, 1), tags=("重症精神病",))
    t2, t3, t4 = (_person(n, dt.date(1940, 1, 1)) for n in ("特二", "特三", "特四"))
    k["t1"] = enrollments.enroll("tekun", t1.id, category="散居", start_month="2022-01")
    k["t2"] = enrollments.enroll("tekun", t2.id, category="集中", start_month="2022-01",
                                 details={"institution": "区敬老养老中心"})
    k["t3"] = enrollments.enroll("tekun", t3.id, category="集中", start_month="2022-01",
                                 details={"institution": "茶店镇敬老院"})
    k["t4"] = enrollments.enroll("tekun", t4.id, category="散居", start_month="2022-01")
    # 优抚: three 重点优抚对象, two 农村籍退役士兵 (60 on the period's last day; 59), one stopped.
    y = {name: _person(name, born) for name, born in (
        ("优一", dt.date(1930, 1, 1)), ("优二", dt.date(1950, 1, 1)), ("优三", dt.date(1955, 1, 1)),
        ("兵老", dt.date(1962, 6, 30)), ("兵少", dt.date(1962, 7, 1)), ("优六", dt.date(1950, 1, 1)))}
    k["y1"] = enrollments.enroll("youfu", y["优一"].id, category="复员军人", start_month="2022-01")
    k["y2"] = enrollments.enroll("youfu", y["优二"].id, category="伤残军人", start_month="2022-01",
                                 details={"disability_grade": 6})
    k["y3"] = enrollments.enroll("youfu", y["优三"].id, category="烈属", start_month="2022-01")
    k["y4"] = enrollments.enroll("youfu", y["兵老"].id, category="农村籍退役士兵", start_month="2022-01")
    k["y5"] = enrollments.enroll("youfu", y["兵少"].id, category="农村籍退役士兵", start_month="2022-01")
    k["y6"] = enrollments.enroll("youfu", y["优六"].id, category="病故遗属", start_month="2022-01")
    enrollments.stop(k["y6"].id, month="2022-02", reason="迁出")

    # Deaths: t4 and d1 in the period (cremated), one not cremated, one before the period.
    deaths.register_death(t4.id, "2022-04-10")
    deaths.register_death(d1.id, "2022-05-20")
    plain = _person("普通", dt.date(1970, 1, 1))
    deaths.register_death(_person("去世", dt.date(1930, 1, 1)).id, "2022-06-20", cremated=False)
    deaths.register_death(_person("早逝", dt.date(1930, 1, 1)).id, "2021-12-30")

    # --- payments ---
    rural = {m: _pay("dibao_rural", f"2022-{m:02d}", "已发放" if m < 4 else "已审核") for m in range(1, 7)}
    batches.mark_failed(rural[2].id, {_line_of(rural[2], k["B"]).id: "账户冻结"})
    k["supplement"] = batches.supplement_failed(rural[2].id, "2022-03")  # B's failed 1300 again
    batches.approve(k["supplement"].id)
    k["deduction"] = batches.create_adjustment(
        "deduction", "dibao_rural", "2022-04", [batches.Adjustment(k["A"].id, D("100"), "多发")], "多发扣回")
    batches.approve(k["deduction"].id)
    k["draft"] = batches.create_adjustment(  # never approved: not a payment
        "supplement", "dibao_rural", "2022-05", [batches.Adjustment(k["A"].id, D("500"), "")], "补发")
    k["after"] = _pay("dibao_rural", "2022-07")  # after the period
    _pay("dibao_urban", "2022-05", "已导出")
    k["cancelled"] = batches.create_regular("dibao_urban", "2022-06")
    batches.cancel(k["cancelled"].id, "人数有误")
    _pay("dibao_urban", "2022-06")
    for m in range(1, 7):
        _pay("tekun", f"2022-{m:02d}")
    tekun_deduction = batches.create_adjustment(
        "deduction", "tekun", "2022-06", [batches.Adjustment(k["t1"].id, D("200"), "")], "多发扣回")
    batches.approve(tekun_deduction.id)
    _pay("youfu", "2022-03", "已导出")
    _pay("youfu", "2022-06")

    # One-off subsidies: 元旦春节 (no 城市低保 household yet in January), 低保门诊救助金 twice in
    # April (once only for 重症精神病 persons, t1's transfer failed), and a draft 临时价格补贴.
    def oneoff(name, month, programmes, basis, amount, tag="", approve=True):
        batch = batches.create_oneoff(batches.oneoff_spec(name, month, programmes, basis, amount, tag=tag))
        if approve:
            batches.approve(batch.id)
        return batch

    k["new_year"] = oneoff("元旦春节生活补贴", "2022-01", ("dibao_rural", "dibao_urban", "tekun"),
                           "household", "300")
    k["clinic"] = oneoff("低保门诊救助金", "2022-04", ("dibao_rural",), "person", "50")
    k["clinic_tagged"] = oneoff("低保门诊救助金", "2022-04", ("dibao_rural", "tekun"), "person", "200",
                                tag="重症精神病")
    batches.mark_failed(k["clinic_tagged"].id, {_line_of(k["clinic_tagged"], k["t1"]).id: "账户销户"})
    oneoff("临时价格补贴", "2022-03", ("dibao_rural",), "person", "40", approve=False)

    # Relief: target groups derived at the approval date.
    late = _person("后来", dt.date(1970, 1, 1))
    k["relief"] = {
        "clinic_1": ledgers.add_relief_case(t1.id, kind="医疗救助", case_type="门诊医疗救助",
                                            amount="300", approved_date="2022-02-10"),
        "clinic_2": ledgers.add_relief_case(t1.id, kind="医疗救助", case_type="门诊医疗救助",
                                            amount="200", approved_date="2022-05-01"),
        "dibao_1": ledgers.add_relief_case(a2.id, kind="医疗救助", case_type="医疗费用救助",
                                           amount="1000", approved_date="2022-03-01"),
        "dibao_2": ledgers.add_relief_case(a3.id, kind="医疗救助", case_type="医疗费用救助",
                                           amount="800", approved_date="2022-04-01"),
        "serious": ledgers.add_relief_case(plain.id, kind="医疗救助", case_type="大病医疗救助",
                                           amount="5000", approved_date="2022-06-30"),
        "youfu": ledgers.add_relief_case(y["优二"].id, kind="医疗救助", case_type="医疗费用救助",
                                         amount="900", approved_date="2022-01-01"),
        "temp_dibao": ledgers.add_relief_case(b2.id, kind="临时救助", case_type="临时困难救助",
                                              amount="400", approved_date="2022-02-01"),
        "after": ledgers.add_relief_case(late.id, kind="临时救助", case_type="临时困难救助",
                                         amount="600", approved_date="2022-07-01"),
    }
    cancelled = ledgers.add_relief_case(y["优一"].id, kind="临时救助", case_type="临时困难救助",
                                        amount="700", approved_date="2022-03-03")
    ledgers.cancel_relief_case(cancelled.id, "重复登记")

    # The house survey as it stands at the end of June.
    bian = _person("边一", dt.date(1965, 1, 1))
    bian_hh = _household(bian, [_person("边二", dt.date(1990, 1, 1))])
    enrollments.enroll("bianyuan", bian.id, household_id=bian_hh.id, start_month="2021-10")
    k["survey_a"] = ledgers.add_house_survey(a1.id, persons=3, intention="原址重建", survey_date="2022-03-01",
                                             pilot=True)
    ledgers.update_house_survey(k["survey_a"].id, progress="已拆除", compensation="30000",
                                transition_fee="5000")
    ledgers.add_house_survey(t1.id, persons=1, intention="进城安居", survey_date="2022-03-02")
    ledgers.add_house_survey(plain.id, persons=4, intention="集中新建", survey_date="2022-06-30",
                             progress="已建成", compensation="20000", transition_fee="3000")
    ledgers.add_house_survey(bian.id, persons=2, intention="不愿意改造", survey_date="2021-11-01")
    ledgers.add_house_survey(late.id, persons=5, intention="异地重建", survey_date="2022-07-02")

    # 老龄 and the work ledger.
    old = _person("老人", dt.date(1950, 1, 1))
    for day, card in (("2022-01-01", "老年优待证"), ("2022-03-15", "免费乘车证"), ("2022-06-30", "老年优待证"),
                      ("2021-12-31", "老年优待证")):
        ledgers.issue_card(old.id, card_type=card, issued_date=day)
    for kind, day in (("老年人文化活动", "2022-01-20"), ("老年人文化活动", "2022-04-05"),
                      ("老年人文化活动", "2022-07-01"), ("村务公开检查", "2022-05-20")):
        ledgers.add_activity(kind, day)
    for name, month, value in (("政务公开面", "2022-03", "98"), ("政务公开面", "2022-06", "100"),
                               ("政务公开面", "2022-07", "99"), ("规范化率", "2021-12", "90"),
                               ("规范化率", "2022-02", "95")):
        ledgers.set_indicator(name, month, value)
    return k


EXPECTED = {
    "township": "茶店镇",
    "from": "2022-01",
    "to": "2022-06",
    "dibao_urban": {"households": 1, "persons": 2},
    "dibao_rural": {"households": 2, "persons": 4},  # A and C: B stopped, D died in May
    # 农村: A 1950 × 6, B 1300 × 3 of which February failed, D 650 × 5; 补发 +1300, 扣回 −100.
    # 城市: 1600 in May and June (the cancelled June draft and the July batch do not count).
    "dibao_paid": "21950.00",
    "one_off": [
        {"name": "元旦春节生活补贴", "programmes": ["dibao_urban", "dibao_rural", "tekun"],
         "months": ["2022-01"], "recipients": 7, "amount": "2100.00", "tagged": {},
         "by_programme": {"dibao_rural": "900.00", "tekun": "1200.00"}},
        {"name": "低保门诊救助金", "programmes": ["dibao_rural", "tekun"], "months": ["2022-04"],
         "recipients": 3, "amount": "400.00", "tagged": {"重症精神病": 1},
         "by_programme": {"dibao_rural": "400.00"}},
    ],
    "tekun": {"persons": 3, "dispersed": 1,
              "centralized": {"区敬老养老中心": 1, "茶店镇敬老院": 1, "第三敬老院": 0},
              "dispersed_paid": "10800.00"},  # t1 1100 × 6 − 200, t4 1100 × 4
    "relief": [
        {"type": "门诊医疗救助", "target": "五保户", "households": 1, "amount": "500.00"},
        {"type": "大病医疗救助", "target": "困难户", "households": 1, "amount": "5000.00"},
        {"type": "临时困难救助", "target": "困难户", "households": 0, "amount": "0.00"},
        {"type": "医疗费用救助", "target": "低保户", "households": 1, "amount": "1800.00"},
        {"type": "医疗费用救助", "target": "优抚对象", "households": 1, "amount": "900.00"},
        {"type": "临时困难救助", "target": "优抚对象", "households": 0, "amount": "0.00"},
        {"type": "临时困难救助", "target": "低保户", "households": 1, "amount": "400.00"},
    ],
    "tupifang": {
        "households": 4, "persons": 10,
        "intention": {"原址重建": 1, "异地重建": 0, "集中新建": 1, "进城安居": 1, "不愿意改造": 1},
        "family_type": {"农村低保": {"households": 1, "persons": 3}, "散居五保": {"households": 1, "persons": 1},
                        "低保边缘户": {"households": 1, "persons": 2}, "一般群众": {"households": 1, "persons": 4}},
        "demolished": 2, "compensation": "50000.00", "transition_fee": "8000.00"},
    "youfu": {"persons": 3,
              "categories": {"复员军人": 1, "带病回乡": 0, "伤残军人": 1, "参战参试": 0, "三属": 1},
              "rural_veterans_60": 1,
              "paid": "9400.00"},  # (1200 + 900 + 2000 + 300 + 300) in March and in June
    "elderly": {"cards": 3, "activities": 2},
    "indicators": {"政务公开面": "100", "规范化率": "95"},
    "deaths": {"deaths": 3, "cremations": 2},
    "activities": {"老年人文化活动": {"count": 2, "months": ["2022-01", "2022-04"]},
                   "村务公开检查": {"count": 1, "months": ["2022-05"]}},
}


def test_every_figure_of_a_known_township(known):
    figures = summary_figures("2022-01", "2022-06")
    for key, value in EXPECTED.items():
        assert figures[key] == value, key
    assert figures == EXPECTED
    json.dumps(figures)  # plain types only


def test_batches_that_were_never_approved_do_not_count(known):
    before = summary_figures("2022-01", "2022-06")
    assert Batch.get_by_id(known["draft"].id).state == "草稿"
    batches.approve(known["draft"].id)  # the draft 补发 of May becomes a payment
    after = summary_figures("2022-01", "2022-06")
    assert D(after["dibao_paid"]) - D(before["dibao_paid"]) == D("500.00")
    assert {k: v for k, v in after.items() if k != "dibao_paid"} == \
        {k: v for k, v in before.items() if k != "dibao_paid"}


def test_another_period(known):
    figures = summary_figures("2022-07", "2022-07")
    assert figures["dibao_paid"] == "1950.00"  # the July batch only
    assert figures["dibao_rural"] == {"households": 2, "persons": 4}
    assert figures["one_off"] == [] and figures["deaths"] == {"deaths": 0, "cremations": 0}
    assert figures["relief"][2] == {"type": "临时困难救助", "target": "困难户", "households": 1,
                                    "amount": "600.00"}
    assert figures["tupifang"]["households"] == 5  # the July survey now counts too
    assert figures["indicators"] == {"政务公开面": "99"}
    january = summary_figures("2022-01", "2022-01")
    assert january["dibao_rural"] == {"households": 4, "persons": 7}  # A, B, C, D on January's roll
    assert january["tekun"]["persons"] == 4 and january["tekun"]["dispersed"] == 2


def test_periods_are_checked():
    with pytest.raises(ValidationError, match="起始月份不能晚于结束月份"):
        summary_figures("2022-06", "2022-01")
    with pytest.raises(ValidationError, match="月份格式"):
        summary_figures("2022-13", "2022-12")


# --- the records behind the figures ----------------------------------------------------------

def _enrollment_ids(k, *names):
    return sorted(k[n].id for n in names)


def test_records_behind_the_figures(known):
    k = known

    def records(key):
        return figure_records(key, "2022-01", "2022-06")

    assert records("dibao_rural.households") == ("enrollment", _enrollment_ids(k, "A", "C"))
    assert records("dibao_urban.persons") == ("enrollment", _enrollment_ids(k, "U"))
    table, ids = records("dibao_paid")
    paid = Batch.select().where(Batch.id.in_(ids))
    assert table == "batch" and len(ids) == 10  # 6 农村 + 补发 + 扣回 + 2 城市
    assert all(b.state in PAID_STATES and "2022-01" <= b.month <= "2022-06" for b in paid)
    assert not {k["draft"].id, k["cancelled"].id, k["after"].id} & set(ids)
    assert sum((b.total if b.kind != "deduction" else -b.total)
               for b in batches.list_batches() if b.id in ids) == D("21950.00")

    assert records("tekun.persons") == ("enrollment", _enrollment_ids(k, "t1", "t2", "t3"))
    assert records("tekun.dispersed") == ("enrollment", _enrollment_ids(k, "t1"))
    assert records("tekun.centralized.区敬老养老中心") == ("enrollment", _enrollment_ids(k, "t2"))
    assert records("tekun.centralized.第三敬老院") == ("enrollment", [])
    table, ids = records("tekun.dispersed_paid")
    lines = list(BatchLine.select().where(BatchLine.id.in_(ids)))
    assert table == "batch_line" and len(lines) == 11  # t1 × 6, t4 × 4, t1's 扣回
    assert {line.enrollment_id for line in lines} == {k["t1"].id, k["t4"].id}

    assert records("youfu.persons") == ("enrollment", _enrollment_ids(k, "y1", "y2", "y3"))
    assert records("youfu.categories.三属") == ("enrollment", _enrollment_ids(k, "y3"))
    assert records("youfu.rural_veterans_60") == ("enrollment", _enrollment_ids(k, "y4"))
    assert records("youfu.paid")[0] == "batch" and len(records("youfu.paid")[1]) == 2

    table, ids = records("one_off.低保门诊救助金.recipients")
    assert table == "batch_line" and len(ids) == 3
    table, ids = records("one_off.低保门诊救助金.tagged.重症精神病")
    assert table == "batch_line" and [BatchLine.get_by_id(i).enrollment_id for i in ids] == [k["A"].id]
    assert records("one_off.低保门诊救助金.amount") == ("batch", sorted([k["clinic"].id,
                                                                        k["clinic_tagged"].id]))

    r = k["relief"]
    assert records("relief.医疗费用救助.低保户.households") == ("relief_case",
                                                          sorted([r["dibao_1"].id, r["dibao_2"].id]))
    assert records("relief.临时困难救助.优抚对象.amount") == ("relief_case", [])  # cancelled
    assert records("tupifang.demolished")[1] == sorted(
        s.id for s in HouseSurvey.select().where(HouseSurvey.progress != "未拆除"))
    assert len(records("tupifang.family_type.散居五保.persons")[1]) == 1
    assert records("elderly.cards")[0] == "card_issuance" and len(records("elderly.cards")[1]) == 3
    assert len(records("activities.村务公开检查")[1]) == 1
    table, ids = records("indicators.政务公开面")
    assert table == "indicator" and len(ids) == 1
    table, ids = records("deaths.cremations")
    assert table == "death" and len(ids) == 2 and all(Death.get_by_id(i).cremated for i in ids)


def _count_keys(figures) -> dict[str, int]:
    """Every count figure whose records are exactly the rows counted."""
    out = {f"{s}.households": figures[s]["households"] for s in ("dibao_urban", "dibao_rural")}
    out["tekun.persons"] = figures["tekun"]["persons"]
    out["tekun.dispersed"] = figures["tekun"]["dispersed"]
    out.update({f"tekun.centralized.{n}": v for n, v in figures["tekun"]["centralized"].items()})
    out["youfu.persons"] = figures["youfu"]["persons"]
    out["youfu.rural_veterans_60"] = figures["youfu"]["rural_veterans_60"]
    out.update({f"youfu.categories.{n}": v for n, v in figures["youfu"]["categories"].items()})
    out.update({f"one_off.{e['name']}.recipients": e["recipients"] for e in figures["one_off"]})
    out["tupifang.households"] = figures["tupifang"]["households"]
    out["tupifang.demolished"] = figures["tupifang"]["demolished"]
    out.update({f"tupifang.intention.{n}": v for n, v in figures["tupifang"]["intention"].items()})
    out.update({f"tupifang.family_type.{n}": v["households"]
                for n, v in figures["tupifang"]["family_type"].items()})
    out.update({f"elderly.{n}": v for n, v in figures["elderly"].items()})
    out.update({f"activities.{n}": v["count"] for n, v in figures["activities"].items()})
    out.update({f"deaths.{n}": v for n, v in figures["deaths"].items()})
    return out


def test_every_count_has_exactly_its_records(known):
    figures = summary_figures("2022-01", "2022-06")
    for key, value in _count_keys(figures).items():
        assert len(figure_records(key, "2022-01", "2022-06")[1]) == value, key


def test_unknown_keys_are_refused(known):
    for key in ("", "dibao_rural", "dibao_rural.amount", "nothing.at.all", "tekun.centralized",
                "one_off.元旦春节生活补贴.colour", "relief.门诊医疗救助.households"):
        with pytest.raises(ValidationError, match="统计项"):
            figure_records(key, "2022-01", "2022-06")


# --- JSON and the command line -------------------------------------------------------------------

def test_json_file(known, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    path = write_summary_json("2022-01", "2022-06", folder / "总结.json")
    assert path == folder / "总结.json"
    text = path.read_text("utf-8")
    assert "茶店镇" in text  # Chinese written as is, not \\u escapes
    assert json.loads(text) == EXPECTED
    assert [p.name for p in folder.iterdir()] == ["总结.json"]  # no temporary file left


def run(capsys, db_path, *argv):
    code = main(["--db", str(db_path), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_summary_command(known, db_path, tmp_path, capsys, monkeypatch):
    dbmod.close_database()
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    out = tmp_path / "h1.json"
    code, stdout, err = run(capsys, db_path, "summary", "--from", "2022-01", "--to", "2022-06",
                            "--out", str(out))
    assert code == 0 and err == "" and "2022-01至2022-06的工作总结" in stdout
    assert json.loads(out.read_text("utf-8")) == EXPECTED

    code, _, err = run(capsys, db_path, "summary", "--from", "2022-06", "--to", "2022-01",
                       "--out", str(tmp_path / "x.json"))
    assert code == 2 and err == "错误：起始月份不能晚于结束月份\n"
    code, _, err = run(capsys, db_path, "summary", "--from", "2022-01", "--to", "2022-06",
                       "--out", str(tmp_path / "x.txt"))
    assert code == 2 and "暂不支持该格式" in err
    monkeypatch.setattr(cli_summary, "document_available", lambda: False)
    for suffix in (".pdf", ".docx"):
        code, _, err = run(capsys, db_path, "summary", "--from", "2022-01", "--to", "2022-06",
                           "--out", str(tmp_path / f"x{suffix}"))
        assert code == 2 and "暂不支持该格式" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h1.json"]


# --- the demo township ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def _demo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    dbmod.open_database(path)
    build_demo(households=300, seed=5, today=dt.date(2026, 6, 10))
    dbmod.close_database()
    return path


@pytest.fixture
def demo(_demo_file, tmp_path):
    path = tmp_path / "demo.sqlite3"
    shutil.copyfile(_demo_file, path)
    database = dbmod.open_database(path)
    yield database
    dbmod.close_database()


def _active(programme, month):
    """Enrollments covering `month` and not dead before it, counted straight from their rows."""
    rows = (Enrollment.select(Enrollment, Person).join(Person)
            .where((Enrollment.programme == programme) & (Enrollment.start_month <= month)
                   & (Enrollment.stop_month.is_null() | (Enrollment.stop_month >= month))))
    return [e for e in rows if e.person.death_date is None or str(e.person.death_date)[:7] >= month]


def _paid(where) -> Decimal:
    lines = (BatchLine.select(BatchLine.amount).join(Batch)
             .where(Batch.state.in_(PAID_STATES) & (BatchLine.status != "失败") & where))
    return sum((line.amount for line in lines), D("0.00"))


@pytest.mark.parametrize("first,last", [("2025-07", "2025-12"), ("2026-01", "2026-06"),
                                        ("2024-06", "2026-06")])
def test_demo_figures_equal_independent_counts(demo, first, last):
    f = summary_figures(first, last)
    start, end = dt.date.fromisoformat(first + "-01"), dt.date.fromisoformat(last + "-28")
    in_period = Batch.month.between(first, last)
    assert f["township"] == "茶店镇"
    for programme in ("dibao_urban", "dibao_rural"):
        active = _active(programme, last)
        assert f[programme] == {"households": len(active),
                                "persons": sum(e.covered_persons for e in active)}
        assert f[programme]["households"] > 0
    assert D(f["dibao_paid"]) == _paid(in_period & Batch.programme.in_(("dibao_urban", "dibao_rural"))
                                       & (Batch.kind == "regular"))
    tekun = _active("tekun", last)
    assert f["tekun"]["persons"] == len(tekun)
    assert f["tekun"]["dispersed"] == sum(e.category == "散居" for e in tekun)
    assert f["tekun"]["centralized"] == dict(Counter(e.details["institution"] for e in tekun
                                                     if e.category == "集中"))
    dispersed = [e.id for e in Enrollment.select().where(Enrollment.category == "散居")]
    assert D(f["tekun"]["dispersed_paid"]) == _paid(in_period & (Batch.programme == "tekun")
                                                    & BatchLine.enrollment.in_(dispersed))
    youfu = [e for e in _active("youfu", last) if e.category != "农村籍退役士兵"]
    assert f["youfu"]["persons"] == len(youfu) == sum(f["youfu"]["categories"].values())
    assert D(f["youfu"]["paid"]) == _paid(in_period & (Batch.programme == "youfu"))

    oneoffs = {}
    for b in Batch.select().where(in_period & (Batch.kind == "oneoff")):
        name = OneOffSubsidy.get_by_id(b.subsidy_id).name
        oneoffs[name] = oneoffs.get(name, D("0.00")) + _paid(Batch.id == b.id)
    assert {e["name"]: D(e["amount"]) for e in f["one_off"]} == oneoffs
    assert sum(D(e["amount"]) for e in f["one_off"]) + D(f["dibao_paid"]) <= _paid(in_period)

    cases = [c for c in ReliefCase.select() if start <= c.approved_date <= end and not c.cancelled]
    assert sum(D(r["amount"]) for r in f["relief"]) == sum((c.amount for c in cases), D("0.00"))
    assert sum(r["households"] for r in f["relief"]) <= len(cases)
    assert f["tupifang"]["households"] == HouseSurvey.select().count()  # surveyed in 2024
    assert f["tupifang"]["persons"] == sum(s.persons for s in HouseSurvey.select())
    assert sum(f["tupifang"]["intention"].values()) == f["tupifang"]["households"]
    assert f["elderly"]["cards"] == sum(start <= c.issued_date <= end for c in CardIssuance.select())
    assert f["elderly"]["activities"] == sum(start <= a.held_date <= end and a.kind == "老年人文化活动"
                                             for a in Activity.select())
    found = [d for d in Death.select() if start <= d.death_date <= end]
    assert f["deaths"] == {"deaths": len(found), "cremations": sum(d.cremated for d in found)}
    for key, value in _count_keys(f).items():
        assert len(figure_records(key, first, last)[1]) == value, key


def test_demo_half_year_has_every_kind_of_figure(demo):
    f = summary_figures("2025-07", "2025-12")
    assert f["indicators"] == {"政务公开面": "100", "规范化率": "95"}
    assert set(f["tekun"]["centralized"]) == {"区敬老养老中心", "茶店镇敬老院"}
    assert f["youfu"]["rural_veterans_60"] > 0
    year = summary_figures("2025-07", "2026-06")
    names = [e["name"] for e in year["one_off"]]
    assert names == ["学生补助", "元旦春节生活补贴", "临时价格补贴", "低保门诊救助金", "大病补充医疗保险补贴"]
    clinic = year["one_off"][3]
    assert clinic["months"] == ["2026-04"] and clinic["tagged"]["重症精神病"] > 0
    assert clinic["programmes"] == ["dibao_urban", "dibao_rural", "tekun"]
    assert year["deaths"]["deaths"] > 0 and year["elderly"]["cards"] > 0
