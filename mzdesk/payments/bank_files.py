"""The bank's 代发 (payroll) file of a batch, written with a bank template (DESIGN §3.3).

ID numbers and accounts are text cells (as numbers Excel would round an 18-digit
ID and drop leading zeros); the amount is a number the bank can sum, written
from the Decimal so the file's total equals the batch's total to the fen.
The file appears whole or not at all, and only then is the batch 已导出.
"""
from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from ..errors import ConflictError, ValidationError
from ..files import atomic_path
from ..models import Batch, database
from ..money import yuan_str
from ..services.common import get
from ..services.settings import get_setting
from . import bank_templates, batches
from .bank_templates import BankTemplate

TEXT = "@"
MONEY = "0.00"
ID_TYPE = "身份证"
PROGRESS_STEP = 200
# Characters Windows (and FAT sticks) refuse in a file name, and control characters.
_ILLEGAL = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
# openpyxl writes a number as "%.16g"; an amount with more digits would be rounded.
_EXACT_DIGITS = 15


@dataclass(frozen=True)
class ExportResult:
    path: Path
    lines: int
    total: Decimal


def suggested_file_name(batch_id, template_name: str | None = None) -> str:
    """e.g. 茶店镇_2026年6月农村低保金_代发.xlsx (template named unless it is the generic one)."""
    batch = get(Batch, batch_id, "发放批次")
    parts = [get_setting("township"), batch.name or f"批次{batch.id}"]
    if template_name and template_name != bank_templates.GENERIC:
        parts.append(template_name)
    stem = "_".join(p for p in (_safe(p) for p in parts) if p) + "_代发"
    return f"{stem}.xlsx"


def _safe(text: str) -> str:
    return _ILLEGAL.sub("_", (text or "").strip()).strip(" .")


def export_bank_file(batch_id, path, template_name: str | None = None,
                     progress=None) -> ExportResult:
    """Write the batch's lines that are to be paid (status 正常) with the template; mark 已导出.

    `progress(done, total, label)` is called as rows are written; an exception it
    raises (a cancelled task) leaves no file and the batch unchanged.
    """
    batch = get(Batch, batch_id, "发放批次")
    if batch.state == batches.DRAFT:
        raise ConflictError(f"{batch.name}尚未审核，请先审核再导出银行文件")
    if batch.state == batches.CANCELLED:
        raise ConflictError(f"{batch.name}已作废，不能导出银行文件")
    if batch.kind == "deduction":
        raise ConflictError(f"{batch.name}是扣回批次，款项应收回而不是由银行代发")
    tmpl = bank_templates.template(template_name or bank_templates.last_template_name())
    rows = [line for line in batches.lines(batch.id) if line.status != batches.FAILED]
    if not rows:
        raise ValidationError(f"{batch.name}没有需要银行发放的明细")
    no_account = [str(line.seq) for line in rows if not line.bank_account.strip()]
    if no_account:
        raise ValidationError(f"{batch.name}有{len(no_account)}条明细没有银行账号"
                              f"（序号 {'、'.join(no_account[:10])}），银行无法发放")
    total = sum((line.amount for line in rows), Decimal("0.00"))
    expected = batches.info(batch.id).total
    if total != expected:  # the lines and the batch total are read from one table
        raise ConflictError("导出金额与批次合计不一致，请重新打开批次后再试")
    tag = _tag_filter(batch)
    title = f"{get_setting('township')}{batch.name}代发明细"
    report = progress or (lambda done, total_, label: None)
    path = Path(path)
    with atomic_path(path) as tmp:
        _write(tmp, tmpl, batch, rows, tag, title, total, report)
    with database.atomic():
        bank_templates.remember_last(tmpl.name)
        batches.mark_exported(batch.id)
    return ExportResult(path, len(rows), total)


def _tag_filter(batch: Batch) -> str:
    """A one-off batch's person tag (e.g. 重症精神病) is kept on its lines; never send it to a bank."""
    return batch.subsidy.tag_filter if batch.subsidy_id else ""


def _write(tmp: Path, tmpl: BankTemplate, batch: Batch, rows, tag: str, title: str,
           total: Decimal, report) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(tmpl.sheet_title)
    for i, column in enumerate(tmpl.columns):
        ws.column_dimensions[_letter(i)].width = _width(column.field, column.header)
    if tmpl.title_row:
        head = WriteOnlyCell(ws, value=title)
        head.font = Font(bold=True, size=14)
        ws.append([head])
    header = []
    for column in tmpl.columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    try:
        for done, line in enumerate(rows):
            if done % PROGRESS_STEP == 0:
                report(done, len(rows), "正在写入银行代发文件……")
            values = _values(line, batch, tag)
            ws.append([_cell(ws, column.field, values[column.field], tmpl) for column in tmpl.columns])
        if tmpl.total_row:
            ws.append(_total_row(ws, tmpl, total))
        report(len(rows), len(rows), "正在保存……")
    except BaseException:
        _abandon(ws)
        raise
    wb.save(tmp)


def _abandon(ws) -> None:
    """Close a half-written write-only sheet and drop openpyxl's own temporary file."""
    with contextlib.suppress(Exception):
        ws.close()
        ws._writer.cleanup()


def _values(line: batches.LineView, batch: Batch, tag: str) -> dict:
    return {
        "seq": line.seq,
        "name": line.name,
        "id_number": line.id_number,
        "account": "".join(line.bank_account.split()),
        "amount": line.amount,
        "bank_name": line.bank_name,
        "village": line.village,
        "covered_persons": line.covered_persons,
        "summary": batch.name,
        "id_type": ID_TYPE,
        "note": "" if tag and line.note == tag else line.note,
    }


def _cell(ws, field: str, value, tmpl: BankTemplate) -> WriteOnlyCell:
    if field == "amount":
        if tmpl.amount_as_text:
            return _text(ws, yuan_str(value))
        return _amount(ws, value)
    if field in ("seq", "covered_persons"):
        return WriteOnlyCell(ws, value=int(value))
    return _text(ws, str(value or ""))


def _text(ws, value: str) -> WriteOnlyCell:
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(ws, value=value or None)  # an empty cell, not an empty string
    cell.number_format = TEXT
    if value:
        cell.data_type = "s"  # even '0012' or '=1' stays a string
    return cell


def _amount(ws, value: Decimal) -> WriteOnlyCell:
    # openpyxl stores a Decimal as "%.16g" of it; with at most 15 significant
    # digits that text is exactly the amount (no binary rounding reaches the file).
    digits = len(value.as_tuple().digits)
    if digits > _EXACT_DIGITS or Decimal("%.16g" % value) != value:
        raise ValidationError("金额过大，无法准确写入表格")
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = MONEY
    return cell


def _total_row(ws, tmpl: BankTemplate, total: Decimal) -> list:
    cells, labelled = [], False
    for column in tmpl.columns:
        if column.field == "amount":
            cells.append(_text(ws, yuan_str(total)) if tmpl.amount_as_text else _amount(ws, total))
        elif not labelled:
            cells.append(_text(ws, "合计"))
            labelled = True
        else:
            cells.append(None)
    return cells


def _width(field: str, header: str) -> float:
    wide = {"id_number": 22, "account": 24, "summary": 24, "bank_name": 18, "note": 24}
    return max(wide.get(field, 10), len(header) * 2 + 2)


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(index + 1)
