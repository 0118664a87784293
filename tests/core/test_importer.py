"""Importing rosters and ledgers (mzdesk.importing.importer): every KIND, the
bulk path against the services, the problems of messy files, dry runs and
cancelling. Duplicates and villages are in test_import_choices.py, the report
and the templates in test_import_report.py; the helpers here serve them all.

What the importer decides is in mzdesk/importing/kinds.py; these tests hold
it to those decisions and to "nothing wrong gets in, nothing half-done".
"""
from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from mzdesk import audit, idcard
from mzdesk.importing import bulk
from mzdesk.importing.importer import KINDS, run_import
from mzdesk.importing.kinds import KINDS as SPECS
from mzdesk.models import (AuditLog, CardIssuance, Death, Enrollment, EnrollmentEvent, Household, HouseSurvey,
                           Person, ReliefCase)
from mzdesk.search import person_ids
from mzdesk.services import enrollments, households, persons

from . import messy
from .people import new_id

TODAY = dt.date(2026, 6, 10)     # a blank 开始月份 is this month
ACCOUNT = "6217000011112222"


def sheet(path: Path, header, rows, *, title: str | None = "茶店镇台账") -> Path:
    """A plain xlsx: a title row, the header, the rows (IDs written as text)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    if title:
        ws.append([title])
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def db_hash(db) -> str:
    """The database file's bytes, with the WAL folded in first."""
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return hashlib.sha256(Path(db.database).read_bytes()).hexdigest()


def run(kind, path, **kwargs):
    kwargs.setdefault("today", TODAY)
    return run_import(kind, path, **kwargs)


def problems(result):
    return [(p.row, p.column, p.value, p.reason) for p in result.problems]


def elder(years: int = 85) -> str:
    return new_id(dt.date(TODAY.year - years, 1, 15))


# --- every KIND takes a good file -------------------------------------------------------


def _persons(tmp):
    a, b = new_id(dt.date(1960, 2, 3), "女"), new_id(dt.date(1990, 4, 5))
    path = sheet(tmp, ["序号", "姓名", "身份证号码", "村(社区)", "住址", "联系电话", "开户银行", "银行账号",
                       "标签", "备注"],
                 [[1, "王秀英", a, "长丰村", "长丰村3组", "13900000001", "农商行", ACCOUNT, "重症精神病", "新登记"],
                  [2, "李 强", b, "新华社区", "", "", "", "", "在校学生、残疾", ""]])

    def check():
        p = Person.get(Person.id_number == a)
        assert (p.name, p.village.name, p.address, p.phone, p.bank_name, p.bank_account, p.note, p.sex) == \
            ("王秀英", "长丰村", "长丰村3组", "13900000001", "农商行", ACCOUNT, "新登记", "女")
        assert p.birth_date == dt.date(1960, 2, 3)
        q = Person.get(Person.id_number == b)
        assert q.name == "李强" and persons.tag_list(q) == ["在校学生", "残疾"]
    return path, 2, check


def _dibao(code):
    def build(tmp):
        head, wife, son, single = (new_id(dt.date(1960, 1, 1)), new_id(dt.date(1962, 1, 1), "女"),
                                   new_id(dt.date(1990, 1, 1)), new_id(dt.date(1950, 1, 1)))
        path = sheet(tmp, ["户主姓名", "身份证号", "与户主关系", "保障人数", "家庭人均收入", "分类施保", "金额",
                           "金额说明", "开始月份", "村(社区)", "银行账号"],
                     [["张大山", head, "户主", 3, 150, "重残1" if code == "dibao_rural" else None, None, None,
                       "2022-03", "长丰村", ACCOUNT],
                      ["刘桂兰", wife, "妻", None, None, None, None, None, None, None, None],
                      ["张小山", son, "长子", None, None, None, None, None, None, None, None],
                      ["赵孤老", single, "户主", None, None, None, 500, "经乡镇审批", None, "新华社区", None]])

        def check():
            base = {"dibao_rural": 650, "dibao_urban": 800}[code]
            e = Enrollment.get((Enrollment.programme == code) & (Enrollment.person == Person.get(id_number=head)))
            assert e.covered_persons == 3 and e.start_month == "2022-03"
            if code == "dibao_rural":   # the fixture has 重残 for 农村低保 only
                assert e.amount == Decimal((base - 150) * 3 + 100) and e.details == {"classes": {"重残": 1}}
            else:
                assert e.amount == Decimal((base - 150) * 3) and e.details == {}
            hh = e.household
            assert hh.area == ("城镇" if code == "dibao_urban" else "农村") and hh.village.name == "长丰村"
            assert sorted((m.person.name, m.relation) for m in households.active_members(hh)) == \
                [("刘桂兰", "配偶"), ("张大山", "户主"), ("张小山", "子女")]
            lone = Enrollment.get(Enrollment.person == Person.get(id_number=single))
            assert (lone.amount, lone.amount_reason, lone.covered_persons, lone.start_month) == \
                (Decimal("500.00"), "经乡镇审批", 1, "2026-06")
        return path, 2, check
    return build


def _tekun(tmp):
    a, b = new_id(dt.date(1950, 1, 1)), new_id(dt.date(1948, 1, 1))
    path = sheet(tmp, ["姓名", "身份证号", "村(社区)", "供养方式", "自理能力", "供养机构", "开始月份"],
                 [["孙五保", a, "长丰村", "分散供养", "部分失能", None, "2022-01"],
                  ["钱五保", b, "长丰村", "集中", "全自理", "镇敬老院", "2022-01"]])

    def check():
        e = Enrollment.get(Enrollment.person == Person.get(id_number=a))
        assert (e.category, e.details, e.amount) == ("散居", {"care_level": "半失能"}, Decimal("1400.00"))
        f = Enrollment.get(Enrollment.person == Person.get(id_number=b))
        assert f.details == {"care_level": "全自理", "institution": "镇敬老院"} and f.amount == Decimal("1100.00")
    return path, 2, check


def _youfu(tmp):
    a, b = new_id(dt.date(1950, 1, 1)), new_id(dt.date(1940, 1, 1))
    path = sheet(tmp, ["姓名", "身份证号", "村(社区)", "优抚类别", "伤残等级", "伤残性质", "开始月份"],
                 [["周伤残", a, "长丰村", "残疾军人", "六级", "因战", "2022-01"],
                  ["吴复员", b, "长丰村", "复员军人", None, None, "2022-01"]])

    def check():
        e = Enrollment.get(Enrollment.person == Person.get(id_number=a))
        assert (e.category, e.details, e.amount) == \
            ("伤残军人", {"disability_grade": 6, "disability_cause": "因战"}, Decimal("900.00"))
        assert Enrollment.get(Enrollment.person == Person.get(id_number=b)).amount == Decimal("1200.00")
    return path, 2, check


def _gaoling(tmp):
    a, b = elder(85), elder(93)
    path = sheet(tmp, ["序号", "姓名", "身份证号码", "村(社区)", "金额", "生存认证日期", "银行账号"],
                 [[1, "郑老汉", a, "长丰村", "50元", "2026-03-01", ACCOUNT],
                  [2, "冯老太", b, "新华社区", None, None, None]])

    def check():
        e = Enrollment.get(Enrollment.person == Person.get(id_number=a))
        assert (e.category, e.amount, e.start_month, e.details) == \
            ("80-89", Decimal("50.00"), "2026-06", {"survival_check": "2026-03-01"})
        f = Enrollment.get(Enrollment.person == Person.get(id_number=b))
        assert (f.category, f.amount) == ("90-99", Decimal("100.00"))
        assert EnrollmentEvent.get(EnrollmentEvent.enrollment == e).kind == "开始"
    return path, 2, check


def _canji(tmp):
    a = new_id(dt.date(1970, 1, 1))
    path = sheet(tmp, ["姓名", "身份证号", "村(社区)", "补贴类别", "残疾类别", "残疾等级", "开始月份"],
                 [["陈残", a, "长丰村", "两项补贴", "肢体残疾", "一级", "2022-05"]])

    def check():
        e = Enrollment.get(Enrollment.person == Person.get(id_number=a))
        assert (e.category, e.amount, e.details) == \
            ("生活补贴+护理补贴", Decimal("180.00"), {"disability_type": "肢体", "disability_grade": 1})
    return path, 1, check


def _bianyuan(tmp):
    a = new_id(dt.date(1970, 1, 1))
    path = sheet(tmp, ["户主姓名", "身份证号", "村(社区)", "保障人数", "开始月份"],
                 [["卫边缘", a, "新华社区", None, "2023-01"]])

    def check():
        e = Enrollment.get(Enrollment.programme == "bianyuan")
        assert (e.person.id_number, e.amount, e.covered_persons, e.household.area) == (a, Decimal("0.00"), 1, "城镇")
    return path, 1, check


def _relief(tmp):
    a = new_id(dt.date(1970, 1, 1))
    path = sheet(tmp, ["姓名", "身份证号", "村(社区)", "救助类型", "救助金额", "审批日期", "发放日期", "备注"],
                 [["蒋临时", a, "长丰村", "大病医疗救助", "3,000.00", "2024年3月5日", "2024.3.20", "住院"],
                  ["蒋临时", a, "长丰村", "临时困难救助", 800, "2024-05-01", None, None]])

    def check():
        cases = list(ReliefCase.select().order_by(ReliefCase.approved_date))
        assert [(c.kind, c.case_type, c.amount, c.approved_date, c.paid_date, c.target_group, c.note) for c in cases] == [
            ("医疗救助", "大病医疗救助", Decimal("3000.00"), dt.date(2024, 3, 5), dt.date(2024, 3, 20), "困难户", "住院"),
            ("临时救助", "临时困难救助", Decimal("800.00"), dt.date(2024, 5, 1), None, "困难户", "")]
    return path, 2, check


def _tupifang(tmp):
    a = new_id(dt.date(1960, 1, 1))
    path = sheet(tmp, ["户主姓名", "身份证号", "村(社区)", "家庭人数", "改造意愿", "家庭类型", "是否试点村", "改造进度",
                       "拆迁补偿费", "过渡安置费", "调查日期"],
                 [["沈土房", a, "长丰村", "4人", "原址重建", "一般户", "是", "已拆", 12000, "1,500", "2024-04-01"]])

    def check():
        s = HouseSurvey.get()
        assert (s.persons, s.intention, s.family_type, s.pilot, s.progress, s.compensation, s.transition_fee,
                s.village.name) == (4, "原址重建", "一般群众", True, "已拆除", Decimal("12000.00"),
                                    Decimal("1500.00"), "长丰村")
    return path, 1, check


def _deaths(tmp):
    a, b = elder(88), new_id(dt.date(1940, 1, 1))
    p = persons.register_person(a, "韩故", village="长丰村")
    enrollments.enroll("gaoling", p.id, start_month="2024-01")
    path = sheet(tmp, ["姓名", "身份证号", "死亡日期", "是否火化", "殡仪馆"],
                 [["韩故", a, "2024-06-15", "火化", "区殡仪馆"], ["杨无档", b, "2024-07-01", "土葬", None]])

    def check():
        assert Death.get(Death.person == p).death_date == dt.date(2024, 6, 15)
        e = Enrollment.get(Enrollment.person == p)
        assert (e.status, e.stop_month, e.stop_reason) == ("停保", "2024-06", "死亡")
        other = Death.get(Death.person == Person.get(id_number=b))
        assert other.cremated is False and other.person.name == "杨无档"
    return path, 2, check


def _cards(tmp):
    a = elder(70)
    path = sheet(tmp, ["姓名", "身份证号", "村(社区)", "证件类型", "证件编号", "办理日期"],
                 [["许优待", a, "长丰村", "优待证", "YD0001", "20240102"],
                  ["许优待", a, "长丰村", "乘车证", None, "2024-01-02"]])

    def check():
        assert sorted((c.card_type, c.number) for c in CardIssuance.select()) == \
            [("免费乘车证", ""), ("老年优待证", "YD0001")]
    return path, 2, check


GOOD = {"persons": _persons, "dibao_urban": _dibao("dibao_urban"), "dibao_rural": _dibao("dibao_rural"),
        "tekun": _tekun, "youfu": _youfu, "gaoling": _gaoling, "canji": _canji, "bianyuan": _bianyuan,
        "relief": _relief, "tupifang": _tupifang, "deaths": _deaths, "cards": _cards}


def test_every_kind_is_covered():
    assert set(GOOD) == set(KINDS) == set(SPECS)


@pytest.mark.parametrize("kind", list(GOOD))
def test_every_kind_imports_a_good_file(township, tmp_path, kind):
    path, created, check = GOOD[kind](tmp_path / f"{kind}.xlsx")
    result = run(kind, path)
    assert problems(result) == []
    assert result.written and not result.dry_run
    assert (result.created, result.updated, result.skipped) == (created, 0, 0)
    check()
    entry = AuditLog.select().where(AuditLog.action == "导入").get()
    assert entry.entity_id == kind and entry.after["created"] == created


def test_every_record_has_its_own_audit_entry(township, tmp_path):
    path, _, _ = _gaoling(tmp_path / "g.xlsx")
    run("gaoling", path)
    for p in Person.select():
        assert [e.action for e in audit.history("person", p.id)] == ["登记人员"]
    for e in Enrollment.select():
        assert [x.action for x in audit.history("enrollment", e.id)] == ["纳入保障"]


# --- the bulk path writes what the services write ----------------------------------------------


def _row(model, instance, skip):
    return {k: v for k, v in instance.__data__.items() if k not in skip}


def test_bulk_path_writes_exactly_what_the_services_write(township, tmp_path):
    a, b = elder(86), elder(86)
    common = dict(address="长丰村3组", phone="13900000002")
    path = sheet(tmp_path / "g.xlsx", ["姓名", "身份证号", "村(社区)", "住址", "联系电话", "银行账号", "开始月份", "金额",
                                       "金额说明"],
                 [["张三丰", a, "长丰村", common["address"], common["phone"], ACCOUNT, "2022-03", 70, "经审批"]])
    run("gaoling", path)
    imported = Person.get(Person.id_number == a)
    by_form = persons.register_person(b, "张三丰", village="长丰村", bank_account=ACCOUNT, **common)
    e_form = enrollments.enroll("gaoling", by_form.id, start_month="2022-03", amount="70", reason="经审批")
    e_imp = Enrollment.get(Enrollment.person == imported)
    fixed = {"id", "id_number", "created_at", "updated_at"}
    assert _row(Person, imported, fixed) == _row(Person, Person.get_by_id(by_form.id), fixed)
    assert _row(Enrollment, e_imp, {"id", "person", "created_at"}) == \
        _row(Enrollment, Enrollment.get_by_id(e_form.id), {"id", "person", "created_at"})
    ev_imp, ev_form = (EnrollmentEvent.get(EnrollmentEvent.enrollment == e) for e in (e_imp, e_form))
    assert _row(EnrollmentEvent, ev_imp, {"id", "enrollment", "at"}) == \
        _row(EnrollmentEvent, ev_form, {"id", "enrollment", "at"})
    for entity, one, other in (("person", imported.id, by_form.id), ("enrollment", e_imp.id, e_form.id)):
        x, y = audit.history(entity, one)[0], audit.history(entity, other)[0]
        assert (x.action, x.user, x.before) == (y.action, y.user, y.before)
        assert x.summary == (f"新增人员档案 {one}" if entity == "person" else y.summary)
        drop = {"id", "id_number", "created_at", "updated_at", "person"}
        assert {k: v for k, v in x.after.items() if k not in drop} == \
            {k: v for k, v in y.after.items() if k not in drop}
        assert set(x.after) == set(y.after) and x.after["id"] == one


def test_bulk_audit_entries_read_back_as_the_services_write_them(township, tmp_path):
    """Details, a quote in a name, money with fen: SQLite's json_object against audit.snapshot."""
    a, b = new_id(dt.date(1950, 1, 1)), new_id(dt.date(1950, 1, 1))
    path = sheet(tmp_path / "t.xlsx", ["姓名", "身份证号", "供养方式", "自理能力", "供养机构", "金额", "金额说明", "备注"],
                 [['王"老\\五', a, "集中", "半失能", "镇敬老院", "1400.5", "按实际", None]])
    assert run("tekun", path).written
    p = persons.register_person(b, '王"老\\五')
    e = enrollments.enroll("tekun", p.id, start_month="2026-06", category="集中", amount="1400.5",
                           reason="按实际", details={"care_level": "半失能", "institution": "镇敬老院"})
    imported = Person.get(Person.id_number == a)
    x = audit.history("enrollment", Enrollment.get(Enrollment.person == imported).id)[0].after
    y = audit.history("enrollment", e.id)[0].after
    assert x["details"] == y["details"] == {"care_level": "半失能", "institution": "镇敬老院"}
    assert x["amount"] == y["amount"] == "1400.50"
    assert {k: v for k, v in x.items() if k not in ("id", "person", "created_at")} == \
        {k: v for k, v in y.items() if k not in ("id", "person", "created_at")}
    assert audit.history("person", imported.id)[0].after["name"] == '王"老\\五'


def test_derived_values_agree_with_idcard():
    for number in (idcard.make("510112", dt.date(1940, 2, 29), 7), idcard.make("510112", dt.date(2000, 12, 31), 8)):
        assert bulk._derived(number) == (idcard.sex(number), idcard.birth_date(number).isoformat())
        for on in (dt.date(2020, 2, 28), dt.date(2020, 2, 29), dt.date(2021, 3, 1), dt.date(2024, 12, 31)):
            if on >= idcard.birth_date(number):
                assert bulk._age(idcard.birth_date(number), on) == idcard.age(number, on)


def test_many_new_persons_are_found_by_search(township, tmp_path):
    """Above bulk.BATCH_INDEX_FROM persons the search index is filled in one statement."""
    n = bulk.BATCH_INDEX_FROM + 5
    rows = [[f"测试{i:03d}", new_id(dt.date(1950 + i % 40, 1 + i % 12, 1 + i % 28)), "长丰村"] for i in range(n)]
    rows[7][0] = "欧阳修远"
    result = run("persons", sheet(tmp_path / "p.xlsx", ["姓名", "身份证号", "村"], rows))
    assert result.written and result.created == n
    found = Person.get(Person.name == "欧阳修远")
    assert person_ids("欧阳修") == [found.id] and found.id in person_ids("oyxy")
    # the trigger is back: a person registered afterwards is found too
    later = persons.register_person(new_id(dt.date(1977, 7, 7)), "司马光明", village="长丰村")
    assert person_ids("司马光") == [later.id]


# --- messy files: every problem named, nothing written ----------------------------------------


def test_messy_roster_comes_in_clean(township, tmp_path):
    for expect in (messy.ledger_xlsx(tmp_path / "a.xlsx"), messy.ledger_ods(tmp_path / "b.ods"),
                   messy.ledger_csv(tmp_path / "c.csv", encoding="gbk")):
        result = run("persons", expect.path, on_duplicate="skip")
        assert result.written and problems(result) == []
        assert [(s.number, s.reason) for s in result.skipped_rows] == expect.skipped
    records = messy.sample_records()
    assert Person.select().count() == len(records)
    for rec in records:
        p = Person.get(Person.id_number == rec.id_number)
        assert (p.name, p.village.name, p.bank_account) == (rec.name, rec.village, rec.account)


def test_messy_roster_problems_are_named_and_nothing_is_written(township, tmp_path, db):
    expect = messy.ledger_xlsx(tmp_path / "m.xlsx", id_as_number=[1, 6], bad_check=[3])
    before = db_hash(db)
    result = run("persons", expect.path)
    assert not result.written
    got = problems(result)
    assert got == [
        (expect.id_as_number[0], "公民身份号码", got[0][2], "身份证号被Excel存成了数字，末几位已丢失，无法恢复"),
        (expect.bad_check[0], "公民身份号码", got[1][2], got[1][3]),
        (expect.id_as_number[1], "公民身份号码", got[2][2], "身份证号被Excel存成了数字，末几位已丢失，无法恢复"),
    ]
    assert got[0][2].endswith("E+17") and "校验位错误" in got[1][3]
    assert messy._wrong_check(expect.rows[expect.bad_check[0]].id_number) in got[1][2]   # as typed
    assert all(p.sheet == "花名册" for p in result.problems)
    assert db_hash(db) == before and Person.select().count() == 0


def test_messy_dibao_roster_names_every_service_refusal(township, tmp_path, db):
    """The common layout (one row per household, its 保障人数, no members) with amounts
    off the standard without a reason and months before any standard: each row is
    named with the service's own reason. 保障人数 above the one registered member is
    not a refusal here (tests/core/test_import_households.py)."""
    expect = messy.ledger_xlsx(tmp_path / "d.xlsx")
    before = db_hash(db)
    result = run("dibao_rural", expect.path)
    assert not result.written and db_hash(db) == before
    by_row = {p.row: p for p in result.problems}
    assert len(by_row) == len(result.problems)
    for number, rec in expect.rows.items():
        standard = Decimal(650 * rec.persons)
        if rec.month < "2022-01":   # the fixture's standards start in 2022
            assert (by_row[number].column, by_row[number].reason) == \
                ("起始年月", f"{rec.month} 没有有效的保障标准，请先在设置中录入标准")
        elif rec.amount != standard:
            assert (by_row[number].column, by_row[number].reason) == \
                ("金额(元)", f"金额 {rec.amount} 元与按标准计算的 {standard}.00 元不一致，请填写原因")
        else:
            assert number not in by_row
    assert any(rec.persons > 1 for rec in expect.rows.values())
    assert not any(p.column == "保障人数" for p in result.problems)


def test_a_refusal_found_while_writing_leaves_the_file_unchanged(township, tmp_path, db):
    """Rows 2 and 3 are written before row 4 is refused by the enroll service."""
    persons.register_person(new_id(dt.date(1990, 1, 1)), "已有人", village="长丰村")
    before = db_hash(db)
    rows = [["甲", elder(85), "长丰村", None], ["乙", elder(86), "长丰村", None], ["丙", elder(87), "长丰村", 999]]
    result = run("gaoling", sheet(tmp_path / "g.xlsx", ["姓名", "身份证号", "村", "金额"], rows, title=None))
    assert problems(result) == [(4, "金额", "999", "金额 999.00 元与按标准计算的 50.00 元不一致，请填写原因")]
    assert result.created == 2 and not result.written
    assert db_hash(db) == before
    assert Person.select().count() == 1 and Enrollment.select().count() == 0


def test_cells_and_required_columns_are_all_reported(township, tmp_path):
    rows = [["", elder(), "长丰村", "2022-13"], ["乙", "51011219400101123", "长丰村", "2022年1月"],
            ["丙", None, "长丰村", None]]
    result = run("gaoling", sheet(tmp_path / "g.xlsx", ["姓名", "身份证号", "村", "开始月份"], rows))
    assert [(r, c, why) for r, c, _, why in problems(result)] == [
        (3, "姓名", "姓名不能为空"), (3, "开始月份", "月份应在1到12之间"),
        (4, "身份证号", "身份证号码长度应为18位（当前17位）"),
        (5, "身份证号", "身份证号不能为空")]
    no_id = run("gaoling", sheet(tmp_path / "n.xlsx", ["姓名", "村", "金额"], [["甲", "长丰村", 50]]))
    assert problems(no_id)[0][:2] == (2, "身份证号") and "缺少必填的“身份证号”列" in problems(no_id)[0][3]
    empty = run("gaoling", sheet(tmp_path / "e.xlsx", ["姓名", "身份证号", "村"], []))
    assert "没有数据行" in empty.problems[0].reason and not empty.written


# --- dry run, progress, cancel ---------------------------------------------------------------------


def test_dry_run_checks_everything_and_writes_nothing(township, tmp_path, db):
    path, created, _ = _dibao("dibao_rural")(tmp_path / "d.xlsx")
    before = db_hash(db)
    result = run("dibao_rural", path, dry_run=True)
    assert result.dry_run and not result.written and problems(result) == []
    assert (result.created, result.persons_created) == (created, 4)
    assert "将新增 2 条" in result.summary() and "试导入" in result.summary()
    assert db_hash(db) == before and Household.select().count() == 0
    assert run("dibao_rural", path).written


def test_progress_is_reported_and_raising_cancels(township, tmp_path, db):
    path, _, _ = _gaoling(tmp_path / "g.xlsx")
    seen = []
    run("gaoling", path, dry_run=True, progress=lambda d, t, label: seen.append((d, t, label)))
    assert seen[0][0] == 0 and {label for _, _, label in seen} >= {"正在检查", "正在写入"}
    assert all(d <= t for d, t, _ in seen)

    class Cancelled(Exception):
        pass

    def cancel(done, total, label):
        if label == "正在写入":
            raise Cancelled

    before = db_hash(db)
    with pytest.raises(Cancelled):
        run("gaoling", path, progress=cancel)
    assert db_hash(db) == before
