"""Import templates: `template KIND` writes the sheet the importer reads best.

The first sheet has the canonical header (required columns in red), a note
on every header cell saying what goes in the column, drop-down lists where
the values are fixed (taken from a hidden sheet 选项, so a list may be long:
the villages of the township among them), and the ID-number and account
columns formatted as text before anything is typed, so Excel cannot turn an
18-digit number into 5.10102E+17. A second sheet 填写说明 repeats the notes
with the other header names the importer also recognises.
"""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ..files import atomic_path
from .kinds import Field, Kind, get_kind

TEXT = "@"
ROWS = 2000          # rows prepared with text format and drop-downs
OPTIONS_SHEET = "选项"
RED = "C00000"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _village_names() -> list[str]:
    """The township's villages, when a database is open (else no village list)."""
    from ..models import Village, database
    if database.obj is None or database.obj.is_closed():
        return []
    try:
        return [v.name for v in Village.select().where(Village.active == True)  # noqa: E712
                .order_by(Village.sort_order, Village.id)]
    except Exception:   # an empty file without tables: a template needs no villages
        return []


def _note(f: Field) -> str:
    lines = [f"{f.title}{'（必填）' if f.required else '（可空）'}", f.help]
    if f.choices:
        lines.append("可选：" + "、".join(f.choices) + ("" if f.strict else "（也可填写其他）"))
    return "\n".join(x for x in lines if x)


def write_template(kind, path, villages: list[str] | None = None) -> Path:
    """Write the import template of a KIND (code or Kind) to an .xlsx path."""
    spec: Kind = kind if isinstance(kind, Kind) else get_kind(kind)
    path = Path(path)
    villages = _village_names() if villages is None else list(villages)

    wb = Workbook()
    ws = wb.active
    ws.title = spec.label.replace("/", "、")[:31]
    options = wb.create_sheet(OPTIONS_SHEET)
    options.sheet_state = "hidden"
    guide = wb.create_sheet("填写说明")

    option_col = 0
    for col, f in enumerate(spec.fields, start=1):
        letter = get_column_letter(col)
        cell = ws.cell(row=1, column=col, value=f.title)
        cell.font = Font(bold=True, color=RED if f.required else None)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        comment = Comment(_note(f), "民政桌面")
        comment.width, comment.height = 320, 160
        cell.comment = comment
        ws.column_dimensions[letter].width = f.width
        if f.text:
            ws.column_dimensions[letter].number_format = TEXT
            for row in range(2, ROWS + 2):
                ws.cell(row=row, column=col).number_format = TEXT
        choices = list(f.choices)
        strict = f.strict
        if f.key == "village" and villages:
            choices, strict = villages, False   # a new village may be created on import
        if choices:
            option_col += 1
            opt_letter = get_column_letter(option_col)
            options.cell(row=1, column=option_col, value=f.title)
            for i, value in enumerate(choices, start=2):
                options.cell(row=i, column=option_col, value=value)
            ref = f"{quote_sheetname(OPTIONS_SHEET)}!${opt_letter}$2:${opt_letter}${len(choices) + 1}"
            dv = DataValidation(type="list", formula1=ref, allow_blank=True, showDropDown=False,
                                showErrorMessage=strict, errorStyle="stop" if strict else "warning",
                                errorTitle=f.title, error=f"请从下拉列表中选择{f.title}",
                                showInputMessage=True, promptTitle=f.title[:32],
                                prompt=(f.help or "请从下拉列表中选择")[:250])
            dv.add(f"{letter}2:{letter}{ROWS + 1}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 30

    guide.column_dimensions["A"].width = 16
    guide.column_dimensions["B"].width = 8
    guide.column_dimensions["C"].width = 60
    guide.column_dimensions["D"].width = 36
    guide.column_dimensions["E"].width = 40
    guide.append([f"{spec.label}导入模板填写说明"])
    guide["A1"].font = Font(bold=True, size=14)
    guide.append([spec.about])
    guide.append(["表头上方可以有标题行；空行和合计、小计行会被跳过；整个文件有任何问题都不会导入，"
                  "问题清单会列出每个问题所在的行、列和原因。"])
    guide.append([])
    guide.append(["列名", "必填", "说明", "可选值", "也能识别的列名"])
    for c in range(1, 6):
        guide.cell(row=5, column=c).font = Font(bold=True)
        guide.cell(row=5, column=c).fill = HEADER_FILL
    for f in spec.fields:
        guide.append([f.title, "是" if f.required else "", f.help, "、".join(f.choices),
                      "、".join(f.variants)])
        guide.cell(row=guide.max_row, column=3).alignment = Alignment(wrap_text=True, vertical="top")

    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path
