"""Importing what is already registered (mzdesk.importing): duplicates in the
file and against the registry (refused, skipped or updated as chosen), the
conflicts of DESIGN §4 as row problems, villages unknown or merged, and
registered households, enrollments and ledger records met again."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from mzdesk import audit
from mzdesk.models import Enrollment, HouseSurvey, Person, ReliefCase, Village
from mzdesk.services import deaths, enrollments, households, persons, villages

from .people import new_id
from .test_importer import ACCOUNT, _gaoling, db_hash, elder, problems, run, sheet


# --- duplicates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["refuse", "skip", "update"])
def test_duplicates_within_the_file_name_both_rows(township, tmp_path, mode):
    a = elder()
    rows = [["甲", a, "长丰村"], ["乙", elder(), "长丰村"], ["甲", a, "长丰村"]]
    result = run("gaoling", sheet(tmp_path / "g.xlsx", ["姓名", "身份证号", "村"], rows), on_duplicate=mode)
    assert problems(result) == [(5, "身份证号", a, "与第 3 行重复（同一身份证号在表中出现了两次）")]
    assert not result.written


def test_registered_persons_refused_skipped_or_updated(township, tmp_path):
    a = new_id(dt.date(1970, 1, 1))
    old = persons.register_person(a, "王秀英", village="长丰村", phone="13900000000")
    path = sheet(tmp_path / "p.xlsx", ["姓名", "身份证号", "村(社区)", "联系电话", "住址"],
                 [["王秀英", a, "新华社区", "13911112222", None], ["新人", new_id(), "长丰村", None, None]])
    refused = run("persons", path)
    assert [(r, c, why[:22]) for r, c, _, why in problems(refused)] == \
        [(3, "身份证号", "该身份证号码已登记在人员档案中（同一号码只能")]
    skipped = run("persons", path, on_duplicate="skip")
    assert (skipped.created, skipped.skipped, skipped.updated) == (1, 1, 0)
    assert Person.get_by_id(old.id).phone == "13900000000"
    updated = run("persons", path, on_duplicate="update")
    assert (updated.created, updated.skipped, updated.updated) == (0, 1, 1)   # the new one is now known
    p = Person.get_by_id(old.id)
    assert (p.phone, p.village.name, p.address) == ("13911112222", "新华社区", "")   # blank cells leave fields
    assert [e.action for e in audit.history("person", old.id)] == ["登记人员", "修改人员"]
    again = run("persons", path, on_duplicate="update")
    assert (again.updated, again.skipped) == (0, 2)


def test_registered_enrollments_refused_skipped_or_updated(township, tmp_path):
    a = elder(85)
    p = persons.register_person(a, "郑老汉", village="长丰村")
    e = enrollments.enroll("gaoling", p.id, start_month="2023-01")
    path = sheet(tmp_path / "g.xlsx", ["姓名", "身份证号", "金额", "金额说明", "银行账号"],
                 [["郑老汉", a, 80, "经区局批准", ACCOUNT]])
    assert "该对象已在本项目中在保" in run("gaoling", path).problems[0].reason
    assert run("gaoling", path, on_duplicate="skip").skipped == 1
    result = run("gaoling", path, on_duplicate="update")
    assert result.updated == 1 and result.written
    e = Enrollment.get_by_id(e.id)
    assert (e.amount, e.amount_reason, e.bank_account) == (Decimal("80.00"), "经区局批准", ACCOUNT)
    assert [(x.kind, x.month, x.amount) for x in enrollments.events(e.id)] == \
        [("开始", "2023-01", Decimal("50.00")), ("调整", "2026-06", Decimal("80.00"))]
    assert run("gaoling", path, on_duplicate="update").skipped == 1


def test_registered_ledger_records_refused_skipped_or_updated(township, tmp_path):
    a = new_id(dt.date(1970, 1, 1))
    p = persons.register_person(a, "蒋临时", village="长丰村")
    from mzdesk.services import ledgers
    case = ledgers.add_relief_case(p.id, kind="临时救助", case_type="临时困难救助", amount="500",
                                   approved_date=dt.date(2024, 5, 1))
    path = sheet(tmp_path / "r.xlsx", ["姓名", "身份证号", "救助类型", "救助金额", "审批日期"],
                 [["蒋临时", a, "临时困难救助", 600, "2024-05-01"]])
    assert "该救助记录已登记" in run("relief", path).problems[0].reason
    assert run("relief", path, on_duplicate="skip").skipped == 1
    assert run("relief", path, on_duplicate="update").updated == 1
    assert ReliefCase.get_by_id(case.id).amount == Decimal("600.00") and ReliefCase.select().count() == 1


def test_deaths_are_never_changed_by_an_import(township, tmp_path):
    a = new_id(dt.date(1940, 1, 1))
    p = persons.register_person(a, "韩故", village="长丰村")
    deaths.register_death(p.id, dt.date(2024, 6, 15))
    same = sheet(tmp_path / "s.xlsx", ["姓名", "身份证号", "死亡日期"], [["韩故", a, "2024-06-15"]])
    other = sheet(tmp_path / "o.xlsx", ["姓名", "身份证号", "死亡日期"], [["韩故", a, "2024-06-16"]])
    assert run("deaths", same, on_duplicate="update").skipped == 1
    assert "死亡登记不能通过导入修改" in run("deaths", other, on_duplicate="update").problems[0].reason


def test_a_different_name_for_a_registered_number_is_a_problem(township, tmp_path):
    a = elder()
    persons.register_person(a, "郑老汉", village="长丰村")
    result = run("gaoling", sheet(tmp_path / "g.xlsx", ["姓名", "身份证号"], [["郑老汗", a]]))
    assert problems(result) == [(3, "姓名", "郑老汗", "与人员档案中该身份证号的姓名不一致"
                                                 "（同一身份证号只能是一个人，请核对姓名或身份证号）")]


# --- conflicts of DESIGN §4 ------------------------------------------------------------------------


def test_conflicts_are_row_problems(township, tmp_path):
    head, dead = new_id(dt.date(1950, 1, 1)), elder(90)
    h = persons.register_person(head, "低保户主", village="长丰村")
    hh = households.create_household(h.id)
    enrollments.enroll("dibao_rural", h.id, start_month="2022-01", household_id=hh.id)
    d = persons.register_person(dead, "已故老人", village="长丰村")
    deaths.register_death(d.id, dt.date(2024, 1, 1))
    tekun = run("tekun", sheet(tmp_path / "t.xlsx", ["姓名", "身份证号", "供养方式"], [["低保户主", head, "散居"]]))
    assert problems(tekun) == [(3, "身份证号", head, "该人员所在家庭正在享受低保，特困供养与低保不能同时享受")]
    gaoling = run("gaoling", sheet(tmp_path / "g.xlsx", ["姓名", "身份证号"], [["已故老人", dead]]))
    assert problems(gaoling) == [(3, "身份证号", dead, "该人员已登记死亡，不能纳入或恢复保障")]
    young = run("gaoling", sheet(tmp_path / "y.xlsx", ["姓名", "身份证号"], [["年轻人", new_id(dt.date(1990, 1, 1))]]))
    assert problems(young)[0][3] == "高龄津贴对象应年满80周岁"


def test_member_rows_need_a_relation_and_a_head(township, tmp_path):
    rows = [["成员甲", new_id(), "子女"], ["户主乙", new_id(), "户主"], ["成员丙", new_id(), None]]
    result = run("bianyuan", sheet(tmp_path / "b.xlsx", ["姓名", "身份证号", "与户主关系"], rows))
    assert [(r, c, why) for r, c, _, why in problems(result)] == [
        (3, "与户主关系", "成员行上面没有户主行，无法确定属于哪一户（可填写“户主身份证号”）"),
        (5, "与户主关系", "与户主关系不能为空（户主一行请填“户主”）")]


# --- villages ----------------------------------------------------------------------------------------


def test_unknown_villages_are_refused_then_created(township, tmp_path, db):
    rows = [["甲", elder(), "石桥村"], ["乙", elder(), "长丰"], ["丙", elder(), "石桥村"]]
    path = sheet(tmp_path / "g.xlsx", ["姓名", "身份证号", "村(社区)"], rows)
    before = db_hash(db)
    refused = run("gaoling", path)
    assert refused.unknown_villages == ["石桥村"]
    assert [(r, c, v) for r, c, v, _ in problems(refused)] == [(3, "村(社区)", "石桥村"), (5, "村(社区)", "石桥村")]
    assert db_hash(db) == before
    dry = run("gaoling", path, create_villages=True, dry_run=True)
    assert dry.villages_created == ["石桥村"] and not dry.written and db_hash(db) == before
    created = run("gaoling", path, create_villages=True)
    assert created.written and created.villages_created == ["石桥村"]
    village = Village.get(Village.name == "石桥村")
    assert [e.action for e in audit.history("village", village.id)] == ["新增村社区"]
    assert sorted(p.village.name for p in Person.select()) == ["石桥村", "石桥村", "长丰村"]


def test_a_merged_village_name_finds_where_its_records_went(township, tmp_path):
    old = villages.add_village("老鹰村")
    target = Village.get(Village.name == "长丰村")
    villages.merge_villages(old.id, target.id)
    result = run("persons", sheet(tmp_path / "p.xlsx", ["姓名", "身份证号", "村"],
                                  [["甲", new_id(), "老鹰村委会"], ["乙", new_id(), "新华"]]))
    assert result.written and result.unknown_villages == []
    assert sorted(p.village.name for p in Person.select()) == ["新华社区", "长丰村"]


# --- households and records already registered ------------------------------------------------


def test_a_member_in_another_household_is_named_on_its_own_row(township, tmp_path):
    other = persons.register_person(new_id(dt.date(1955, 1, 1)), "别家户主", village="长丰村")
    taken = persons.register_person(new_id(dt.date(1980, 1, 1)), "别家成员", village="长丰村")
    households.create_household(other.id, members=[(taken.id, "子女")])
    rows = [["张大山", new_id(dt.date(1960, 1, 1)), "户主", 2], ["刘桂兰", new_id(dt.date(1962, 1, 1), "女"), "配偶", None],
            ["别家成员", taken.id_number, "子女", None]]
    result = run("dibao_rural", sheet(tmp_path / "d.xlsx", ["姓名", "身份证号", "与户主关系", "保障人数"], rows))
    assert [(r, c) for r, c, _, _ in problems(result)] == [(5, "身份证号")]
    assert "已是另一户" in result.problems[0].reason and not result.written


def test_a_database_busy_elsewhere_is_said_plainly(township, tmp_path, db):
    import sqlite3
    from mzdesk.errors import ConflictError
    path, _, _ = _gaoling(tmp_path / "g.xlsx")
    other = sqlite3.connect(db.database)
    other.execute("BEGIN IMMEDIATE")
    db.execute_sql("PRAGMA busy_timeout = 50")
    try:
        with pytest.raises(ConflictError, match="数据库正被其他窗口或程序写入"):
            run("gaoling", path)
    finally:
        other.rollback()
        other.close()
    assert run("gaoling", path).written


def test_a_registered_household_is_skipped_whole_or_updated_with_its_new_member(township, tmp_path):
    head, wife = new_id(dt.date(1960, 1, 1)), new_id(dt.date(1962, 1, 1), "女")
    h = persons.register_person(head, "张大山", village="长丰村")
    hh = households.create_household(h.id)
    e = enrollments.enroll("dibao_rural", h.id, start_month="2023-01", household_id=hh.id)
    path = sheet(tmp_path / "d.xlsx", ["姓名", "身份证号", "与户主关系", "保障人数"],
                 [["张大山", head, "户主", 2], ["刘桂兰", wife, "妻子", None]])
    skipped = run("dibao_rural", path, on_duplicate="skip")
    assert (skipped.skipped, skipped.written) == (1, True)
    assert [m.person.name for m in households.active_members(hh)] == ["张大山"]   # skip adds nobody
    updated = run("dibao_rural", path, on_duplicate="update")
    assert (updated.updated, updated.created, updated.written) == (1, 0, True)
    assert [m.person.name for m in households.active_members(hh)] == ["张大山", "刘桂兰"]
    e = Enrollment.get_by_id(e.id)
    assert (e.covered_persons, e.amount) == (2, Decimal("1300.00"))
    assert [(x.kind, x.month) for x in enrollments.events(e.id)] == [("开始", "2023-01"), ("调整", "2026-06")]


def test_a_registered_house_survey_is_updated(township, tmp_path):
    from mzdesk.services import ledgers
    a = new_id(dt.date(1960, 1, 1))
    p = persons.register_person(a, "沈土房", village="长丰村")
    survey = ledgers.add_house_survey(p.id, persons=3, intention="原址重建", survey_date=dt.date(2024, 4, 1))
    path = sheet(tmp_path / "t.xlsx", ["户主姓名", "身份证号", "家庭人数", "改造意愿", "改造进度", "拆迁补偿费", "调查日期"],
                 [["沈土房", a, 4, "原址重建", "已建成", 8000, "2024-04-01"]])
    assert "该户的土坯房改造记录已登记" in run("tupifang", path).problems[0].reason
    result = run("tupifang", path, on_duplicate="update")
    assert result.updated == 1 and result.written
    s = HouseSurvey.get_by_id(survey.id)
    assert (s.persons, s.progress, s.compensation) == (4, "已建成", Decimal("8000.00"))
    assert HouseSurvey.select().count() == 1
