"""The import commands: template KIND --out F.xlsx, import KIND FILE [options] (DESIGN §8).

Exit codes: 0 every row taken (or would be, with --dry-run), 3 refused with
nothing written (one line per problem: 工作表 行 列 值 原因), 2 bad usage.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from mzdesk import db as dbmod
from mzdesk.cli import main

from . import messy
from .people import new_id


def run(capsys, db_path, *argv):
    code = main(["--db", str(db_path), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def file_hash(db_path: Path) -> str:
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return hashlib.sha256(db_path.read_bytes()).hexdigest()


def count(db_path: Path, table: str) -> int:
    con = sqlite3.connect(db_path)
    try:
        return con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def town(township, db_path):
    dbmod.close_database()
    return db_path


def roster(path: Path, rows) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "高龄"
    ws.append(["茶店镇高龄津贴花名册"])
    ws.append(["序号", "姓名", "身份证号码", "村(社区)", "金额"])
    for i, row in enumerate(rows, 1):
        ws.append([i, *row])
    wb.save(path)
    return path


def elder(years: int = 85) -> str:
    return new_id(dt.date(dt.date.today().year - years, 1, 15))


def test_template_command(capsys, town, tmp_path):
    code, out, _ = run(capsys, town, "template", "tekun", "--out", str(tmp_path / "特困.xlsx"))
    assert code == 0 and "已生成“特困供养”导入模板" in out
    ws = openpyxl.load_workbook(tmp_path / "特困.xlsx").worksheets[0]
    assert [c.value for c in ws[1]][:4] == ["姓名", "身份证号", "村(社区)", "供养方式"]
    assert ws.data_validations.dataValidation   # drop-downs
    code, out, _ = run(capsys, town, "template", "高龄津贴", "--out", str(tmp_path / "g.xlsx"))
    assert code == 0 and "高龄津贴" in out


def test_template_without_a_database(capsys, tmp_path):
    code, out, _ = run(capsys, tmp_path / "none.sqlite3", "template", "persons", "--out", str(tmp_path / "p.xlsx"))
    assert code == 0 and (tmp_path / "p.xlsx").exists() and not (tmp_path / "none.sqlite3").exists()


def test_import_good_file(capsys, town, tmp_path):
    path = roster(tmp_path / "g.xlsx", [["郑老汉", elder(85), "长丰村", 50], ["冯老太", elder(92), "新华社区", 100]])
    code, out, err = run(capsys, town, "import", "gaoling", str(path))
    assert code == 0, err
    assert "已导入高龄津贴：g.xlsx（高龄）共 2 行，已新增 2 条，登记新人员 2 人" in out
    assert count(town, "enrollment") == 2 and count(town, "person") == 2


def test_import_messy_file_is_refused_with_every_problem(capsys, town, tmp_path):
    expect = messy.ledger_xlsx(tmp_path / "m.xlsx", id_as_number=[1], bad_check=[3])
    before = file_hash(town)
    code, out, err = run(capsys, town, "import", "persons", str(expect.path), "--report", str(tmp_path / "r.xlsx"))
    assert code == 3
    lines = out.splitlines()
    assert len(lines) == 2
    first = lines[0].split("\t")
    assert first[:3] == ["花名册", str(expect.id_as_number[0]), "公民身份号码"] and first[3].endswith("E+17")
    assert first[4] == "身份证号被Excel存成了数字，末几位已丢失，无法恢复"
    second = lines[1].split("\t")
    assert second[:3] == ["花名册", str(expect.bad_check[0]), "公民身份号码"] and "校验位错误" in second[4]
    assert "导入被拒绝" in err and "没有写入任何数据" in err
    assert file_hash(town) == before
    report = openpyxl.load_workbook(tmp_path / "r.xlsx")["问题清单"]
    assert sum(1 for row in report.iter_rows(values_only=True) if row[0] == "花名册") == 2


def test_dry_run_writes_nothing(capsys, town, tmp_path):
    path = roster(tmp_path / "g.xlsx", [["郑老汉", elder(85), "长丰村", 50]])
    before = file_hash(town)
    code, out, _ = run(capsys, town, "import", "gaoling", str(path), "--dry-run")
    assert code == 0 and "试导入高龄津贴" in out and "将新增 1 条" in out
    assert file_hash(town) == before
    bad = roster(tmp_path / "b.xlsx", [["郑老汉", elder(85), "长丰村", 70]])
    code, out, _ = run(capsys, town, "import", "gaoling", str(bad), "--dry-run")
    assert code == 3 and "请填写原因" in out
    assert file_hash(town) == before


def test_unknown_village_then_create_villages(capsys, town, tmp_path):
    path = roster(tmp_path / "g.xlsx", [["郑老汉", elder(85), "石桥村", 50]])
    code, out, err = run(capsys, town, "import", "gaoling", str(path))
    assert code == 3 and "高龄\t3\t村(社区)\t石桥村\t本乡镇没有这个村(社区)" in out
    assert "本乡镇没有的村(社区)：石桥村（加 --create-villages 可在导入时新建）" in err
    code, out, _ = run(capsys, town, "import", "gaoling", str(path), "--create-villages")
    assert code == 0 and "新建村(社区) 1 个" in out
    assert count(town, "village") == 3


def test_on_duplicate(capsys, town, tmp_path):
    path = roster(tmp_path / "g.xlsx", [["郑老汉", elder(85), "长丰村", 50]])
    assert run(capsys, town, "import", "gaoling", str(path))[0] == 0
    code, out, _ = run(capsys, town, "import", "gaoling", str(path))
    assert code == 3 and "该对象已在本项目中在保" in out
    code, out, _ = run(capsys, town, "import", "gaoling", str(path), "--on-duplicate", "skip")
    assert code == 0 and "跳过已有 1 条" in out
    code, out, _ = run(capsys, town, "import", "gaoling", str(path), "--on-duplicate", "update")
    assert code == 0 and "跳过已有 1 条" in out   # nothing differs: nothing to update


def test_bad_usage_exits_2(capsys, town, tmp_path):
    path = roster(tmp_path / "g.xlsx", [["郑老汉", elder(85), "长丰村", 50]])
    for argv, fragment in [
        (["import", "汽车", str(path)], "没有“汽车”这种导入类型"),
        (["import", "gaoling", str(tmp_path / "missing.xlsx")], "找不到要导入的文件"),
        (["import", "gaoling", str(path), "--on-duplicate", "merge"], "--on-duplicate"),
        (["import", "gaoling", str(path), "--report", "r.txt"], ".xlsx"),
        (["import", "gaoling", str(path), "--sheet", "没有这张表"], "没有名为“没有这张表”的工作表"),
        (["import", "gaoling"], "缺少必需的参数"),
        (["template", "gaoling", "--out", "t.csv"], ".xlsx"),
        (["template", "汽车", "--out", str(tmp_path / "t.xlsx")], "这种导入类型"),
    ]:
        code, _, err = run(capsys, town, *argv)
        assert code == 2 and fragment in err and err.count("\n") == 1, (argv, err)
    assert count(town, "person") == 0


def test_import_needs_a_township(capsys, tmp_path):
    path = roster(tmp_path / "g.xlsx", [["郑老汉", elder(85), "长丰村", 50]])
    code, _, err = run(capsys, tmp_path / "empty.sqlite3", "import", "gaoling", str(path))
    assert code == 2 and ("不存在" in err or "请先运行 mzdesk init" in err)


@pytest.mark.parametrize("kind", ["persons", "dibao_urban", "dibao_rural", "tekun", "youfu", "gaoling", "canji",
                                  "bianyuan", "relief", "tupifang", "deaths", "cards"])
def test_every_kind_imports_from_the_command_line(capsys, township, db_path, tmp_path, kind):
    from .test_importer import GOOD
    path, created, _ = GOOD[kind](tmp_path / f"{kind}.xlsx")   # some need the registry: built before closing
    dbmod.close_database()
    code, out, err = run(capsys, db_path, "import", kind, str(path))
    assert code == 0, out + err
    assert f"已新增 {created} 条" in out
    assert count(db_path, "audit_log") > 0
