"""Bank files: templates, the 代发 file of a batch, and the bank's return file.

Everything is checked from the files themselves (openpyxl and python-calamine
reading back what was written) and from the database.
"""
from __future__ import annotations

import csv
from decimal import Decimal

import openpyxl
import pytest
import python_calamine

from mzdesk.errors import ConflictError, NotFoundError, ValidationError
from mzdesk.models import AuditLog, Batch, BatchLine, Setting
from mzdesk.payments import bank, batches
from mzdesk.payments.bank import BankColumn, BankTemplate

D = Decimal
GENERIC_HEADER = ["序号", "姓名", "身份证号", "银行账号", "金额", "备注"]
RURAL_HEADER = ["账号", "户名", "金额", "证件类型", "证件号码", "摘要"]
LEADING_ZERO = "0012345678901234567"
CENTS = [D("0.10"), D("0.20"), D("333.33")]  # 0.1 + 0.2 is not 0.3 in binary


def _draft() -> int:
    """June's rural 低保 batch as a draft, with a few lines made awkward for a spreadsheet:
    an account with leading zeros, amounts with fen, and one account shared by two people."""
    batch = batches.create_regular("dibao_rural", "2026-06")
    ids = [line.id for line in batches.lines(batch.id)]
    BatchLine.update(bank_account=LEADING_ZERO).where(BatchLine.id == ids[0]).execute()
    for line_id, amount in zip(ids[1:4], CENTS):
        BatchLine.update(amount=amount).where(BatchLine.id == line_id).execute()
    shared = BatchLine.get_by_id(ids[4]).bank_account
    BatchLine.update(bank_account=shared).where(BatchLine.id == ids[5]).execute()
    return batch.id


@pytest.fixture
def approved(june) -> int:
    batch_id = _draft()
    batches.approve(batch_id)
    return batch_id


def _sheet_rows(path):
    ws = openpyxl.load_workbook(path).active
    return ws, [list(row) for row in ws.iter_rows()]


def _decimal(value) -> Decimal:
    """A number read back from the file, as the exact two-decimal amount it shows."""
    return D(repr(value)).quantize(D("0.01")) if isinstance(value, float) else D(value)


# --- export --------------------------------------------------------------------------------

def test_generic_template_writes_text_ids_and_sums_to_the_batch_total(approved, tmp_path):
    info = batches.info(approved)
    lines = batches.lines(approved)
    assert any(line.id_number.endswith("X") for line in lines)  # the demo has one
    out = tmp_path / bank.suggested_file_name(approved, bank.GENERIC)
    assert out.name == "茶店镇_2026年6月农村低保金_代发.xlsx"
    seen = []
    result = bank.export_bank_file(approved, out, bank.GENERIC,
                                   progress=lambda done, total, label: seen.append((done, total)))
    assert (result.path, result.lines, result.total) == (out, 27, info.total)
    assert seen[-1] == (27, 27)

    ws, rows = _sheet_rows(out)
    assert ws.title == "代发明细"
    assert rows[0][0].value == "茶店镇2026年6月农村低保金代发明细"
    assert [c.value for c in rows[1]] == GENERIC_HEADER
    body = rows[2:]
    assert len(body) == len(lines)
    for cells, line in zip(body, lines):
        seq, name, id_cell, account, amount, _note = cells
        assert (seq.value, name.value) == (line.seq, line.name)
        for cell, expected in ((id_cell, line.id_number), (account, line.bank_account)):
            assert cell.data_type == "s" and cell.number_format == "@"
            assert cell.value == expected
        assert amount.data_type == "n" and amount.number_format == "0.00"
        assert _decimal(amount.value) == line.amount
    assert body[0][3].value == LEADING_ZERO
    assert any(cells[2].value.endswith("X") for cells in body)
    assert sum(_decimal(cells[4].value) for cells in body) == info.total

    # python-calamine (what a bank's own reader sees) agrees to the fen
    sheet = python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0)
    data = sheet.to_python()[2:]
    assert [row[3] for row in data] == [line.bank_account for line in lines]
    assert sum(_decimal(row[4]) for row in data) == info.total
    assert round(sum(row[4] for row in data), 2) == float(info.total)  # as a bank would sum it

    assert batches.info(approved).state == "已导出"
    assert Batch.get_by_id(approved).exported_at is not None
    assert bank.last_template_name() == bank.GENERIC


def test_rural_bank_template_has_its_header_on_the_first_row(approved, tmp_path):
    out = tmp_path / "rural.xlsx"
    result = bank.export_bank_file(approved, out, bank.RURAL_BANK)
    ws, rows = _sheet_rows(out)
    assert ws.title == "Sheet1"
    assert [c.value for c in rows[0]] == RURAL_HEADER
    lines = batches.lines(approved)
    assert len(rows) == 1 + len(lines)  # no title, no total row
    for cells, line in zip(rows[1:], lines):
        account, name, amount, id_type, id_cell, summary = cells
        assert account.data_type == id_cell.data_type == "s"
        assert (account.value, name.value, id_cell.value) == (line.bank_account, line.name, line.id_number)
        assert (id_type.value, summary.value) == ("身份证", "2026年6月农村低保金")
    assert sum(_decimal(cells[2].value) for cells in rows[1:]) == result.total == batches.info(approved).total
    assert bank.last_template_name() == bank.RURAL_BANK
    # the next export without a template name uses the remembered one
    again = bank.export_bank_file(approved, tmp_path / "again.xlsx")
    assert [c.value for c in _sheet_rows(again.path)[1][0]] == RURAL_HEADER


def test_a_draft_or_cancelled_batch_is_refused_and_no_file_is_written(june, tmp_path):
    batch_id = _draft()
    out = tmp_path / "draft.xlsx"
    with pytest.raises(ConflictError, match="请先审核"):
        bank.export_bank_file(batch_id, out)
    assert list(tmp_path.glob("*.xlsx*")) == [] and not out.exists()
    assert batches.info(batch_id).state == "草稿"
    batches.cancel(batch_id, "重做")
    with pytest.raises(ConflictError, match="已作废"):
        bank.export_bank_file(batch_id, out)
    assert not out.exists()


def test_a_cancelled_export_leaves_no_file_and_the_batch_approved(approved, tmp_path):
    class Stop(Exception):
        pass

    def progress(done, total, label):
        if done:
            raise Stop

    out = tmp_path / "stop.xlsx"
    with pytest.raises(Stop):
        bank.export_bank_file(approved, out, progress=progress)
    assert not out.exists()
    assert not any(p.suffix in (".xlsx", ".part") for p in tmp_path.iterdir())
    assert batches.info(approved).state == "已审核"


def test_a_deduction_batch_is_not_paid_through_the_bank(june, tmp_path):
    line = batches.lines(batches.list_batches(programme="dibao_rural")[0].id)[0]
    deduction = batches.create_adjustment(
        "deduction", "dibao_rural", "2026-05",
        [batches.Adjustment(line.enrollment_id, D("100"), "多发")], "多发扣回")
    batches.approve(deduction.id)
    with pytest.raises(ConflictError, match="扣回"):
        bank.export_bank_file(deduction.id, tmp_path / "d.xlsx")


def test_suggested_name_has_no_characters_windows_refuses(approved):
    custom = bank.template(bank.GENERIC).copy('县/市:农行"代发"')
    bank.save_template(custom)
    name = bank.suggested_file_name(approved, custom.name)
    assert name == "茶店镇_2026年6月农村低保金_县_市_农行_代发__代发.xlsx"
    assert not set('<>:"/\\|?*') & set(name)


# --- custom templates ----------------------------------------------------------------------

def _county_template(**options) -> BankTemplate:
    return BankTemplate("县农行代发", [BankColumn("account", "卡号"), BankColumn("name", "姓名"),
                                       BankColumn("amount", "发放金额"), BankColumn("village", "村组"),
                                       BankColumn("covered_persons", "人数")], **options)


def test_custom_template_round_trip_and_export(approved, tmp_path):
    saved = bank.save_template(_county_template(sheet_title="代发", total_row=True))
    assert not saved.builtin
    assert [t.name for t in bank.templates()] == [bank.GENERIC, bank.RURAL_BANK, "县农行代发"]
    again = bank.template("县农行代发")
    assert [(c.field, c.header) for c in again.columns] == [
        ("account", "卡号"), ("name", "姓名"), ("amount", "发放金额"), ("village", "村组"),
        ("covered_persons", "人数")]
    assert (again.sheet_title, again.total_row, again.title_row) == ("代发", True, False)
    assert AuditLog.select().where(AuditLog.action == "修改银行模板").count() == 1

    result = bank.export_bank_file(approved, tmp_path / "county.xlsx", "县农行代发")
    ws, rows = _sheet_rows(result.path)
    assert ws.title == "代发"
    assert [c.value for c in rows[0]] == ["卡号", "姓名", "发放金额", "村组", "人数"]
    lines = batches.lines(approved)
    body, total = rows[1:-1], rows[-1]
    assert [(c[0].value, c[3].value, c[4].value) for c in body] == [
        (line.bank_account, line.village, line.covered_persons) for line in lines]
    assert total[0].value == "合计" and _decimal(total[2].value) == batches.info(approved).total
    assert sum(_decimal(c[2].value) for c in body) == batches.info(approved).total

    # rename it, then remove it; the remembered choice follows the rename
    renamed = bank.save_template(_county_template(amount_as_text=True).copy("县农行"), "县农行代发")
    assert bank.last_template_name() == "县农行"
    with pytest.raises(NotFoundError):
        bank.template("县农行代发")
    text = bank.export_bank_file(approved, tmp_path / "text.xlsx", renamed.name)
    cells = [row[2] for row in _sheet_rows(text.path)[1][1:]]
    assert all(c.data_type == "s" for c in cells)
    assert sum(D(c.value) for c in cells) == batches.info(approved).total
    bank.remove_template("县农行")
    assert [t.name for t in bank.templates()] == [bank.GENERIC, bank.RURAL_BANK]
    assert bank.last_template_name() == bank.GENERIC


@pytest.mark.parametrize("change, message", [
    ({"name": " "}, "请填写模板名称"),
    ({"columns": []}, "至少要有一列"),
    ({"columns": [BankColumn("salary", "工资")]}, "字段“salary”未知"),
    ({"columns": [BankColumn("name", "姓名"), BankColumn("account", " "), BankColumn("amount", "金额")]},
     "第2列（银行账号）的表头不能为空"),
    ({"columns": [BankColumn("name", "姓名"), BankColumn("id_number", "身份证号")]},
     "缺少银行账号、金额列"),
    ({"columns": [BankColumn("name", "姓名"), BankColumn("account", "姓名"), BankColumn("amount", "金额")]},
     "表头“姓名”重复"),
    ({"sheet_title": "代发[6月]"}, "工作表名称"),
])
def test_invalid_templates_are_refused_with_the_reason(june, change, message):
    fields = {"name": "坏模板", "columns": _county_template().columns, **change}
    with pytest.raises(ValidationError, match=message):
        bank.save_template(BankTemplate(**fields))
    assert Setting.get_or_none(Setting.key == "bank_templates") is None


def test_built_in_templates_are_read_only_and_names_unique(june):
    with pytest.raises(ConflictError, match="内置模板不能删除"):
        bank.remove_template(bank.GENERIC)
    with pytest.raises(ConflictError, match="复制"):
        bank.save_template(bank.template(bank.GENERIC).copy(), bank.GENERIC)
    with pytest.raises(ConflictError, match="内置模板的名称"):
        bank.save_template(bank.template(bank.RURAL_BANK).copy())
    bank.save_template(bank.template(bank.RURAL_BANK).copy("我的农商行"))
    with pytest.raises(ConflictError, match="已有名为"):
        bank.save_template(bank.template(bank.RURAL_BANK).copy("我的农商行"))
    with pytest.raises(NotFoundError):
        bank.remove_template("没有这个")
    assert [t.builtin for t in bank.templates()] == [True, True, False]


# --- the bank's return file ----------------------------------------------------------------

def _exported(batch_id, tmp_path):
    bank.export_bank_file(batch_id, tmp_path / "out.xlsx", bank.RURAL_BANK)
    return batches.lines(batch_id)


def _return_xlsx(path, rows, header=("序号", "账号", "户名", "交易金额", "处理结果", "失败原因")):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["某某农村商业银行代发结果清单"])  # a title row above the header
    ws.append(["交易日期：2026-06-15"])
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.number_format = "@"
    wb.save(path)
    return path


def test_return_file_marks_the_two_failed_lines_and_feeds_the_supplement(approved, tmp_path):
    lines = _exported(approved, tmp_path)
    before = batches.info(approved)
    failed = {lines[2].id: "户名不符", lines[7].id: "账户已销户"}
    rows = []
    for line in lines:
        if line.id == lines[2].id:
            status, reason = "失败", "户名不符"
        elif line.id == lines[7].id:
            status, reason = "交易不成功", "账户已销户"
        else:
            status, reason = "成功", ""
        rows.append((line.seq, line.bank_account, line.name, float(line.amount), status, reason))
    rows.append(("合计", "", "", float(before.total), "", ""))
    path = _return_xlsx(tmp_path / "回盘.xlsx", rows)

    result = bank.read_return_file(approved, path)
    assert {f.line_id: f.reason for f in result.failed} == failed
    assert (result.succeeded, result.unmatched, result.total_rows) == (len(lines) - 2, [], len(lines))
    assert result.header_row == 3
    assert result.failed[0].account_masked.endswith(lines[2].bank_account[-4:])
    assert lines[2].bank_account not in result.failed[0].account_masked
    assert batches.info(approved).failed == 0  # reading writes nothing

    assert bank.apply_return(approved, result) == 2
    after = batches.info(approved)
    assert after.failed == 2
    assert after.total == before.total - lines[2].amount - lines[7].amount
    notes = {line.id: line.note for line in batches.lines(approved) if line.status == "失败"}
    assert notes == {lines[2].id: "银行退回：户名不符", lines[7].id: "银行退回：账户已销户"}

    supplement = batches.supplement_failed(approved)
    extra = batches.lines(supplement.id)
    assert sorted((x.person_id, x.amount) for x in extra) == sorted(
        (lines[i].person_id, lines[i].amount) for i in (2, 7))
    assert supplement.kind == "supplement"

    # exported again, the file leaves out the failed lines and still equals the batch total
    again = bank.export_bank_file(approved, tmp_path / "again.xlsx", bank.GENERIC)
    assert (again.lines, again.total) == (len(lines) - 2, after.total)


def test_shared_account_is_told_apart_by_name(approved, tmp_path):
    lines = _exported(approved, tmp_path)
    a, b = lines[4], lines[5]
    assert a.bank_account == b.bank_account and a.name != b.name
    rows = [(1, a.bank_account, a.name, float(a.amount), "成功", ""),
            (2, b.bank_account, b.name, float(b.amount), "失败", "账户冻结")]
    result = bank.read_return_file(approved, _return_xlsx(tmp_path / "r.xlsx", rows))
    assert [f.line_id for f in result.failed] == [b.id]
    assert result.succeeded == 1 and result.unmatched == []


def test_masked_accounts_and_accounts_stored_as_numbers_match_by_name_and_amount(approved, tmp_path):
    lines = _exported(approved, tmp_path)
    a, b, c = lines[10], lines[11], lines[12]
    masked = a.bank_account[:4] + "*" * 8 + a.bank_account[-4:]
    rows = [(1, masked, a.name, float(a.amount), "失败", "账户已冻结"),
            (2, float(b.bank_account), b.name, float(b.amount), "失败", "户名不符"),  # rounded digits
            (3, float(c.bank_account), "", float(c.amount), "失败", "户名不符")]  # nothing to go by
    result = bank.read_return_file(approved, _return_xlsx(tmp_path / "r.xlsx", rows))
    assert [f.line_id for f in result.failed] == [a.id, b.id]
    assert result.unmatched == ["第6行（账号被存成数字，{}元）：没有可用于核对的账号、身份证号或姓名与金额"
                                .format(c.amount)]


def test_csv_return_in_gbk_with_ids_excel_turned_into_numbers(approved, tmp_path):
    lines = _exported(approved, tmp_path)
    path = tmp_path / "回盘.csv"
    with open(path, "w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["代发回盘", "", "", "", "", ""])
        w.writerow(["卡号", "姓名", "证件号码", "金额(元)", "交易状态", "备注"])
        for i, line in enumerate(lines):
            id_as_number = f"{float(line.id_number[:17]) * 10:.5E}"  # 5.10102E+17
            account = line.bank_account
            status, note = "成功", ""
            if i == 3:
                status, note = "失败", "户名与账号不符"
            if i == 9:  # the account too was stored as a number: match by name and amount
                account = f"{float(account):.5E}"
                status, note = "失败", "账户状态异常"
            w.writerow([account, f" {line.name} ", id_as_number, f"{line.amount:,.2f}元", status, note])
        w.writerow(["6217999999999999999", "某某", "", "100.00", "失败", "无此账户"])
        w.writerow(["合计", "", "", "", "", ""])
    result = bank.read_return_file(approved, path)
    assert {f.line_id: f.reason for f in result.failed} == {
        lines[3].id: "户名与账号不符", lines[9].id: "账户状态异常"}
    assert result.succeeded == len(lines) - 2
    assert result.total_rows == len(lines) + 1
    assert result.unmatched == ["第{}行（账号***************9999，100.00元）：账号不在本批次中"
                                .format(len(lines) + 3)]
    assert "某某" not in result.unmatched[0]


def test_a_numeric_id_alone_is_never_trusted(approved, tmp_path):
    lines = _exported(approved, tmp_path)
    line = lines[0]
    path = tmp_path / "r.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["身份证号", "姓名", "结果", "失败原因"])
    ws.append([int(line.id_number[:17]) * 10, "", "失败", "证件号码错误"])  # rounded, no name
    ws.append([line.id_number, line.name, "失败", "户名不符"])  # intact text ID: trusted
    wb.save(path)
    result = bank.read_return_file(approved, path)
    assert [f.line_id for f in result.failed] == [line.id]
    assert len(result.unmatched) == 1 and "没有可用于核对" in result.unmatched[0]


def test_a_return_file_of_another_batch_is_refused(approved, tmp_path):
    _exported(approved, tmp_path)
    rows = [(1, "6217000000000000001", "张三", 500.0, "失败", "户名不符"),
            (2, "6217000000000000002", "李四", 600.0, "成功", "")]
    with pytest.raises(ValidationError, match="回盘文件与该批次对不上"):
        bank.read_return_file(approved, _return_xlsx(tmp_path / "other.xlsx", rows))
    with pytest.raises(ValidationError, match="找不到表头"):
        bank.read_return_file(approved, _return_xlsx(tmp_path / "h.xlsx", rows, header=("a", "b")))
    no_status = _return_xlsx(tmp_path / "s.xlsx", rows, header=("序号", "账号", "户名", "金额"))
    with pytest.raises(ValidationError, match="处理结果或失败原因"):
        bank.read_return_file(approved, no_status)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(ValidationError, match="无法读取"):
        bank.read_return_file(approved, bad)


def test_return_rules_for_drafts_and_foreign_results(june, approved, tmp_path):
    lines = _exported(approved, tmp_path)
    rows = [(1, lines[0].bank_account, lines[0].name, float(lines[0].amount), "失败", "冻结")]
    result = bank.read_return_file(approved, _return_xlsx(tmp_path / "r.xlsx", rows))
    other = batches.create_regular("dibao_urban", "2026-06")
    with pytest.raises(ValidationError, match="不是本批次"):
        bank.apply_return(other.id, result)
    with pytest.raises(ConflictError, match="尚未导出"):
        bank.read_return_file(other.id, tmp_path / "r.xlsx")


def test_status_words(june):
    from mzdesk.payments.bank import _outcome
    assert _outcome("交易成功", "")[0] == "ok"
    assert _outcome("不成功", "")[0] == "failed"
    assert _outcome("未入账", "") == ("failed", "未入账")
    assert _outcome("", "账户已冻结") == ("failed", "账户已冻结")
    assert _outcome("", "")[0] == "ok"
    assert _outcome("", "成功")[0] == "ok"
    assert _outcome("成功", "备注文字")[0] == "ok"
    assert _outcome("否", "")[0] == "failed"
    assert _outcome("处理中", "")[0] == "unknown"
