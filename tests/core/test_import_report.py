"""The import's column mapping (detected or chosen), its report of problems, and
the templates it writes (notes, drop-down lists, text columns), filled in and
imported back."""
from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest

from mzdesk.errors import ValidationError
from mzdesk.importing.importer import Mapping, detect, write_report, write_template
from mzdesk.importing.kinds import KINDS as SPECS
from mzdesk.models import Enrollment

from . import messy
from .people import new_id
from .test_importer import ACCOUNT, elder, run, sheet


# --- mapping, report, templates ----------------------------------------------------------------


def test_detect_and_a_chosen_mapping(township, tmp_path):
    path = sheet(tmp_path / "g.xlsx", ["老人姓名", "公民身份号码", "所在村", "发放金额（元）", "领取人签字", "其他号码"],
                 [["郑老汉", elder(), "长丰村", 50, None, "x"]])
    table, mapping = detect("gaoling", path)
    assert table.header_row == 2
    assert mapping.columns == {"name": "老人姓名", "id_number": "公民身份号码", "village": "所在村",
                               "amount": "发放金额(元)"}
    result = run("gaoling", path, mapping=Mapping({**mapping.columns, "amount": ""}))
    assert result.written
    with pytest.raises(ValidationError, match="表中没有“不存在”这一列"):
        run("gaoling", path, mapping={"name": "不存在"})
    with pytest.raises(ValidationError, match="没有“shoe_size”这一项"):
        run("gaoling", path, mapping={"shoe_size": "老人姓名"})
    with pytest.raises(ValidationError, match="没有“汽车”这种导入类型"):
        run("汽车", path)
    with pytest.raises(ValidationError, match="重复记录的处理方式"):
        run("gaoling", path, on_duplicate="merge")


def test_report_names_every_problem(township, tmp_path):
    expect = messy.ledger_xlsx(tmp_path / "m.xlsx", id_as_number=[1], bad_check=[3])
    result = run("persons", expect.path)
    out = write_report(result, tmp_path / "问题清单.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb["问题清单"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    header = values.index(["工作表", "行", "列", "值", "原因"])
    body = values[header + 1:]
    assert [(r[0], r[1], r[2], r[4]) for r in body] == [(p.sheet, p.row, p.column, p.reason) for p in result.problems]
    assert all(isinstance(r[3], str) for r in body)   # the values stay text: IDs are never numbers
    bad = next(r for r in body if r[1] == expect.bad_check[0])
    assert messy._wrong_check(expect.rows[expect.bad_check[0]].id_number) in bad[3]
    assert ws.cell(header + 2, 4).number_format == "@"
    assert ["结果", result.summary()] in [r[:2] for r in values]
    assert "整个文件未导入（没有写入任何数据）" in result.summary()
    skipped = [[c.value for c in row] for row in wb["跳过的行"].iter_rows(min_row=2)]
    assert [tuple(r) for r in skipped] == [(s.number, s.reason) for s in result.skipped_rows]


def test_report_of_unknown_villages(township, tmp_path):
    result = run("persons", sheet(tmp_path / "p.xlsx", ["姓名", "身份证号", "村"], [["甲", new_id(), "石桥村"]]))
    wb = openpyxl.load_workbook(write_report(result, tmp_path / "r.xlsx"))
    assert [c.value for c in wb["村(社区)"][2]] == ["石桥村", "本乡镇没有，未导入（可选择新建村(社区)）"]


@pytest.mark.parametrize("kind", list(SPECS))
def test_templates_have_notes_drop_downs_and_text_columns(township, tmp_path, kind):
    spec = SPECS[kind]
    out = write_template(kind, tmp_path / f"{kind}.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == [f.title for f in spec.fields]
    for cell, f in zip(ws[1], spec.fields):
        assert cell.comment is not None and f.title in cell.comment.text
        if f.help:
            assert f.help in cell.comment.text
    letters = {f.key: openpyxl.utils.get_column_letter(i + 1) for i, f in enumerate(spec.fields)}
    validated = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv for dv in ws.data_validations.dataValidation}
    for f in spec.fields:
        letter = letters[f.key]
        if f.choices or f.key == "village":
            dv = validated[letter]
            assert dv.type == "list" and dv.formula1.startswith("'选项'!")
            col = openpyxl.utils.column_index_from_string(dv.formula1.split("$")[1])
            column = next(wb["选项"].iter_cols(min_col=col, max_col=col, min_row=2))
            listed = [c.value for c in column if c.value is not None]
            assert listed == (["长丰村", "新华社区"] if f.key == "village" else list(f.choices))
        else:
            assert letter not in validated
        if f.text:
            assert ws[f"{letter}2"].number_format == "@" and ws.column_dimensions[letter].number_format == "@"
    assert wb["选项"].sheet_state == "hidden"
    guide = [[c.value for c in row] for row in wb["填写说明"].iter_rows()]
    assert [r[0] for r in guide[5:]] == [f.title for f in spec.fields]


def test_a_filled_in_template_imports(township, tmp_path):
    out = write_template("gaoling", tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    a = elder(91)
    values = {"姓名": "郑老汉", "身份证号": a, "村(社区)": "长丰村", "开始月份": "2026-03", "银行账号": ACCOUNT}
    for i, cell in enumerate(ws[1], start=1):
        if cell.value in values:
            ws.cell(2, i, values[cell.value])
    wb.save(out)
    result = run("gaoling", out)
    assert result.written and result.created == 1
    assert Enrollment.get().amount == Decimal("100.00")
