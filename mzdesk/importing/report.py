"""The problem report of an import, as an xlsx the clerk keeps beside the file.

Sheet 问题清单 names every problem by sheet, row, column, value and reason
(the value as text: an ID number must not turn into a number again); 跳过的行
lists the blank and 合计 / 小计 rows the reader left out, and 村(社区) the
village names the township does not have.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from ..files import atomic_path

TEXT = "@"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
PROBLEM_COLUMNS = (("工作表", 14), ("行", 7), ("列", 16), ("值", 24), ("原因", 70))


def _cell(ws, value, *, bold=False, text=False, fill=None, wrap=False):
    cell = WriteOnlyCell(ws, value=value)
    if bold:
        cell.font = Font(bold=True)
    if text:
        cell.number_format = TEXT
    if fill is not None:
        cell.fill = fill
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _header(ws, titles) -> None:
    ws.append([_cell(ws, t, bold=True, fill=HEADER_FILL) for t in titles])


def write_report(result, path) -> Path:
    """Write the report of an ImportResult; returns the path written."""
    path = Path(path)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("问题清单")
    for i, (_, width) in enumerate(PROBLEM_COLUMNS):
        ws.column_dimensions[chr(65 + i)].width = width
    ws.freeze_panes = "A9"
    title = WriteOnlyCell(ws, value=f"导入{'（试导入）' if result.dry_run else ''}问题清单")
    title.font = Font(bold=True, size=14)
    ws.append([title])
    for label, value in (("文件", result.file_name), ("工作表", result.sheet),
                         ("导入类型", f"{result.kind_label}（{result.kind}）"),
                         ("结果", result.summary()),
                         ("问题", f"{len(result.problems)} 个"),
                         ("生成时间", dt.datetime.now().strftime("%Y-%m-%d %H:%M"))):
        ws.append([_cell(ws, label, bold=True), _cell(ws, value)])
    ws.append([])
    _header(ws, [t for t, _ in PROBLEM_COLUMNS])
    for p in result.problems:
        ws.append([_cell(ws, p.sheet, text=True), p.row, _cell(ws, p.column, text=True),
                   _cell(ws, p.value, text=True), _cell(ws, p.reason, wrap=True)])
    if not result.problems:
        ws.append([_cell(ws, "没有发现问题")])

    skipped = wb.create_sheet("跳过的行")
    skipped.column_dimensions["A"].width = 8
    skipped.column_dimensions["B"].width = 30
    _header(skipped, ["行", "原因"])
    for s in result.skipped_rows:
        skipped.append([s.number, s.reason])
    if not result.skipped_rows:
        skipped.append([None, "没有跳过的行"])

    places = wb.create_sheet("村(社区)")
    places.column_dimensions["A"].width = 16
    places.column_dimensions["B"].width = 40
    _header(places, ["表中的村(社区)名称", "处理"])
    created = set(result.villages_created)
    for name in result.unknown_villages:
        if name in created:
            done = "已新建" if result.written else "导入时将新建"
        else:
            done = "本乡镇没有，未导入（可选择新建村(社区)）"
        places.append([_cell(places, name, text=True), done])
    if not result.unknown_villages:
        places.append([None, "表中的村(社区)都已在本乡镇登记"])

    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path
