"""Real .xls (BIFF8, Excel 97-2003 / WPS) through the reader and the importer.

The files are written by xlwt, a test-only dependency, so these run in CI:
what calamine hands over for an .xls (whole numbers as int, a merge's value
only in its top-left cell, dates as date objects when the cell's format is a
date format) is exercised for real instead of through LibreOffice.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from decimal import Decimal
from pathlib import Path

import xlwt

from mzdesk import db as dbmod
from mzdesk.cli import main
from mzdesk.importing import cells
from mzdesk.importing.importer import run_import
from mzdesk.importing.kinds import KINDS
from mzdesk.importing.reader import read_table, sheet_names
from mzdesk.models import Enrollment, Person

from . import messy
from .people import new_id
from .test_import_reader import KNOWN, _check_against

TODAY = dt.date(2026, 6, 10)
GAOLING = KINDS["gaoling"].known_headers()
MONTH_CELL = xlwt.easyxf(num_format_str="yyyy-mm")   # a real date cell, shown as 2024-01
DAY_CELL = xlwt.easyxf(num_format_str="yyyy-mm-dd")
ROSTER_HEADER = ["序号", "姓名", "身份证号码", "村(社区)", "金额", "开始月份", "银行账号", "住址", "联系电话",
                 "生存认证日期"]


def file_hash(path: Path) -> str:
    """The database file's bytes, with the WAL folded in first (as test_importer.db_hash)."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def written(cell):
    """What the reader should hand over for a cell given to write_rows."""
    return cell[0] if isinstance(cell, tuple) else cell


def write_rows(ws, first_row: int, rows) -> None:
    """rows of values from `first_row` (0-based); None leaves the cell empty, a
    (value, style) pair gives the cell a number format."""
    for r, row in enumerate(rows, first_row):
        for c, v in enumerate(row):
            if isinstance(v, tuple):
                ws.write(r, c, *v)
            elif v is not None:
                ws.write(r, c, v)


# --- a 高龄津贴 roster as the office keeps it -------------------------------------------------

ELDERS = [  # name, birth, village, amount, 开始月份 cell, expected category and month, 生存认证日期 cell
    ("郑老汉", dt.date(1940, 6, 1), "长丰村", 50, (dt.date(2024, 1, 1), MONTH_CELL), "80-89", "2024-01",
     (dt.date(2026, 3, 1), DAY_CELL)),
    ("冯老太", dt.date(1932, 3, 10), "长丰村", 100, "2024年1月", "90-99", "2024-01", "2026年3月2日"),
    ("百岁公", dt.date(1922, 8, 8), "长丰村", 300, (dt.date(2024, 3, 1), MONTH_CELL), "100+", "2024-03", None),
    ("陈婆婆", dt.date(1938, 5, 5), "新华社区", 50, "2024年1月", "80-89", "2024-01", None),
    ("周大爷", dt.date(1931, 12, 12), "新华社区", 100, (dt.date(2024, 2, 1), MONTH_CELL), "90-99", "2024-02",
     (dt.date(2026, 5, 20), DAY_CELL)),
]
SURVIVAL = ["2026-03-01", "2026-03-02", None, None, "2026-05-20"]


def gaoling_roster(path: Path) -> tuple[Path, list[str]]:
    """Title merged over the header; villages merged down over their elders; a blank row
    between the villages; a 合计 row (merged over 序号..村) at the foot."""
    ids = [new_id(birth, "女" if name.endswith(("太", "婆")) else "男") for name, birth, *_ in ELDERS]
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("高龄津贴")
    ws.write_merge(0, 0, 0, len(ROSTER_HEADER) - 1, "茶店镇2024年高龄津贴发放花名册")
    write_rows(ws, 1, [ROSTER_HEADER])
    row = 2
    for k, (name, _, village, amount, start, _, _, survival) in enumerate(ELDERS):
        if k == 3:
            row += 1   # the blank row between the villages (Excel row 6)
        write_rows(ws, row, [[k + 1, name, ids[k], None, amount, start, f"62170000111122{k:02d}",
                              f"{village}{k + 1}组", f"1390000000{k}", survival]])
        row += 1
    ws.write_merge(2, 4, 3, 3, "长丰村")     # Excel rows 3-5
    ws.write_merge(6, 7, 3, 3, "新华社区")   # Excel rows 7-8
    ws.write_merge(8, 8, 0, 3, "合计")       # Excel row 9
    ws.write(8, 4, sum(e[3] for e in ELDERS))
    wb.save(str(path))
    return path, ids


def test_gaoling_roster_is_read_as_the_clerk_sees_it(tmp_path):
    path, ids = gaoling_roster(tmp_path / "高龄.xls")
    assert path.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # OLE2: a genuine BIFF8 file
    table = read_table(path, known_headers=GAOLING, fill_down=KINDS["gaoling"].field("village").headers)
    assert (table.sheet, table.header_row, table.headers) == ("高龄津贴", 2, ROSTER_HEADER)
    assert [r.number for r in table.rows] == [3, 4, 5, 7, 8]
    assert [(s.number, s.reason) for s in table.skipped] == [(6, "空行"), (9, "合计行")]
    col = {h: j for j, h in enumerate(ROSTER_HEADER)}
    for row, (name, _, village, amount, start, _, month, survival), idn in zip(table.rows, ELDERS, ids):
        v = row.values
        assert (v[col["姓名"]], v[col["身份证号码"]], v[col["村(社区)"]]) == (name, idn, village)
        assert cells.money(v[col["金额"]]) == Decimal(amount)
        # a date cell arrives as a date, not as Excel's serial number
        assert v[col["开始月份"]] == written(start) and cells.month(v[col["开始月份"]]) == month
        assert v[col["生存认证日期"]] == written(survival)


def test_gaoling_roster_imports(township, tmp_path):
    path, ids = gaoling_roster(tmp_path / "高龄.xls")
    result = run_import("gaoling", path, today=TODAY)
    assert result.problems == [] and result.written
    assert (result.created, result.persons_created, result.sheet) == (5, 5, "高龄津贴")
    assert [(s.number, s.reason) for s in result.skipped_rows] == [(6, "空行"), (9, "合计行")]
    for k, ((name, birth, village, amount, _, category, month, _), idn) in enumerate(zip(ELDERS, ids)):
        p = Person.get(Person.id_number == idn)
        assert (p.name, p.birth_date, p.village.name, p.bank_account, p.phone) == \
            (name, birth, village, f"62170000111122{k:02d}", f"1390000000{k}")
        e = Enrollment.get(Enrollment.person == p)
        assert (e.programme.code, e.category, e.start_month, e.status) == ("gaoling", category, month, "在保")
        assert e.amount == Decimal(amount) and isinstance(e.amount, Decimal)
        assert e.details.get("survival_check") == SURVIVAL[k]


# --- an ID that Excel turned into a number ------------------------------------------------------

def persons_with_a_numeric_id(path: Path) -> Path:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("人员")
    ws.write_merge(0, 0, 0, 3, "茶店镇人员名册")
    write_rows(ws, 1, [
        ["序号", "姓名", "身份证号码", "村(社区)"],
        [1, "王秀英", new_id(dt.date(1960, 2, 3), "女"), "长丰村"],
        [2, "李强", 510102194805120000.0, "长丰村"],   # 510102194805120017 once; Excel kept 15 digits
        [3, "赵敏", new_id(dt.date(1975, 6, 16), "女"), "新华社区"],
    ])
    wb.save(str(path))
    return path


def test_an_id_stored_as_a_number_refuses_the_file(township, tmp_path, db_path):
    path = persons_with_a_numeric_id(tmp_path / "人员.xls")
    before = file_hash(db_path)
    result = run_import("persons", path, today=TODAY)
    assert not result.written
    assert [(p.sheet, p.row, p.column, p.value, p.reason) for p in result.problems] == \
        [("人员", 4, "身份证号码", "5.10102E+17", cells.MSG_ID_AS_NUMBER)]
    assert Person.select().count() == 0
    assert file_hash(db_path) == before


def test_an_id_stored_as_a_number_exits_3_from_the_command_line(township, tmp_path, db_path, capsys):
    path = persons_with_a_numeric_id(tmp_path / "人员.xls")
    dbmod.close_database()
    before = file_hash(db_path)
    code = main(["--db", str(db_path), "import", "persons", str(path)])
    out, err = capsys.readouterr()
    assert code == 3, err
    assert out.splitlines() == [f"人员\t4\t身份证号码\t5.10102E+17\t{cells.MSG_ID_AS_NUMBER}"]
    assert "导入被拒绝" in err
    assert file_hash(db_path) == before


# --- a Chinese sheet name written through GBK, variant headers, full-width amounts ----------------

def test_gbk_sheet_name_variant_headers_and_full_width_amounts(township, tmp_path):
    a, b, c = new_id(dt.date(1938, 1, 1)), new_id(dt.date(1930, 1, 1), "女"), new_id(dt.date(1920, 1, 1))
    wb = xlwt.Workbook(encoding="gbk")
    ws = wb.add_sheet("高龄津贴（新增）".encode("gbk"))   # bytes, decoded by the workbook's codec
    write_rows(ws, 0, [
        ["茶店镇高龄津贴新增名单"],
        ["序  号", "姓  名", "公民身份号码", "所在村", "月发放金额（元）", "享受起始月份"],
        ["１", "吴  明", a, "长丰村", "５０", "２０２４年１月"],
        ["２", "孙  丽", b, "长丰村", "１００元", "2024.2"],
        ["３", "马德胜", c, "新华社区", "３００．００", "202403"],
    ])
    wb.save(str(tmp_path / "新增.xls"))
    path = tmp_path / "新增.xls"
    assert sheet_names(path) == ["高龄津贴（新增）"]
    result = run_import("gaoling", path, today=TODAY)
    assert result.problems == [] and result.written and result.sheet == "高龄津贴（新增）"
    got = {e.person.id_number: (e.person.name, e.person.village.name, e.amount, e.start_month)
           for e in Enrollment.select()}
    assert got == {a: ("吴明", "长丰村", Decimal("50.00"), "2024-01"),
                   b: ("孙丽", "长丰村", Decimal("100.00"), "2024-02"),
                   c: ("马德胜", "新华社区", Decimal("300.00"), "2024-03")}


# --- two sheets ---------------------------------------------------------------------------------

def test_sheet_names_and_the_chosen_sheet(township, tmp_path):
    first, second = new_id(dt.date(1940, 1, 1)), new_id(dt.date(1941, 1, 1))
    wb = xlwt.Workbook(encoding="utf-8")
    for name, idn in (("第一批", first), ("第二批", second)):
        write_rows(wb.add_sheet(name), 0, [["姓名", "身份证号码", "村(社区)", "金额"], [name, idn, "长丰村", 50]])
    path = tmp_path / "两批.xls"
    wb.save(str(path))
    assert sheet_names(path) == ["第一批", "第二批"]
    result = run_import("gaoling", path, sheet="第二批", today=TODAY)
    assert result.written and result.sheet == "第二批" and result.created == 1
    assert [p.id_number for p in Person.select()] == [second]


# --- the messy roster of messy.py as a real .xls -------------------------------------------------

def test_messy_roster_as_xls_is_read_cell_for_cell(tmp_path):
    expect = messy.ledger_xls(tmp_path / "a.xls", messy.sample_records(9), id_as_number=(1,), bad_check=(4,))
    assert sheet_names(expect.path) == ["花名册", "说明"]
    _check_against(read_table(expect.path, known_headers=KNOWN), expect)


def test_messy_roster_as_xls_imports(township, tmp_path):
    expect = messy.ledger_xls(tmp_path / "a.xls")
    result = run_import("persons", expect.path, today=TODAY)
    assert result.written and result.problems == []
    assert [(s.number, s.reason) for s in result.skipped_rows] == expect.skipped
    for rec in expect.rows.values():
        p = Person.get(Person.id_number == rec.id_number)
        assert (p.name, p.village.name, p.bank_account) == (rec.name, rec.village, rec.account)
