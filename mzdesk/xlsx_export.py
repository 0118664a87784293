"""The xlsx writer behind every 导出当前列表 (and later the district package).

ID numbers and bank accounts are written as text cells: as numbers, Excel
would round an 18-digit ID beyond recovery.
"""
from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from .files import atomic_path
from .listing import Column, display

TEXT = "@"
MONEY = "#,##0.00"


def write_list(path: Path | str, title: str, columns: list[Column], rows: Iterable[dict],
               sheet: str = "名单") -> int:
    """Write a title row, a header row and the rows; returns how many rows were written."""
    wb, count = list_workbook(title, columns, rows, sheet)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return count


def list_bytes(title: str, columns: list[Column], rows: Iterable[dict],
               sheet: str = "名单") -> tuple[bytes, int]:
    """The same xlsx in memory (for a caller that encrypts it before it touches a disk)."""
    wb, count = list_workbook(title, columns, rows, sheet)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue(), count


def list_workbook(title: str, columns: list[Column], rows: Iterable[dict],
                  sheet: str = "名单") -> tuple[Workbook, int]:
    """The unsaved write-only workbook of `write_list`, and its number of rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    for i, column in enumerate(columns):
        width = column.width or max(len(column.title) * 2 + 2, 20 if column.text else 10)
        ws.column_dimensions[_letter(i)].width = width
    head = WriteOnlyCell(ws, value=title)
    head.font = Font(bold=True, size=14)
    ws.append([head])
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=column.title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
        header.append(cell)
    ws.append(header)
    count = 0
    for row in rows:
        ws.append([_cell(ws, column, row.get(column.key)) for column in columns])
        count += 1
    return wb, count


def _cell(ws, column: Column, value) -> WriteOnlyCell:
    if column.text:
        cell = WriteOnlyCell(ws, value=display(value))
        cell.number_format = TEXT
    elif isinstance(value, Decimal):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = MONEY
    elif isinstance(value, (int, str)) or value is None:
        cell = WriteOnlyCell(ws, value=value)
    else:
        cell = WriteOnlyCell(ws, value=display(value))
    return cell


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(index + 1)
