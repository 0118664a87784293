"""公示名单: the public notice of who receives a programme's money (DESIGN §3.2).

A4 portrait, one notice per village (each village posts its own): a new page
per village, the village's total, the closing paragraph with the 7-day
公示期 and the township and date at the bottom right.  Page numbers count
within the village, since that is the paper a village puts on its wall.

It is posted in public: it NEVER carries a full ID number or a bank
account.  With `show_ids` the ID appears masked (5101**********123X).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ..errors import ValidationError
from ..idcard import mask
from ..models import Batch, Programme
from ..money import yuan_str
from ..payments import batches, month_roll
from ..services.common import get
from ..services.common import month as norm_month
from ..services.settings import get_setting
from .layout import Cell, Column, Grid, date_label, footer, month_label, paginate, wrap_text
from .page import A4, MM, Document, Page

WIDTH, HEIGHT = A4
MARGIN_X = 20 * MM
TITLE_Y = 25 * MM
SUB_Y = TITLE_Y + 26
TABLE_Y = SUB_Y + 14
HEADER_H = 26.0
ROW_H = 22.0
ROWS_PER_PAGE = 28  # line and total slots per page
CLOSING_ROOM = 7  # slots a village's last page keeps for the closing paragraph
FOOTER_Y = HEIGHT - 12 * MM
CELL_SIZE = 11.0
TEXT_SIZE = 12.0
NOTICE_DAYS = 7
# The programme as a notice's title names it: 茶店镇农村低保保障对象公示名单.
SHORT_NAMES = {"dibao_urban": "城市低保", "dibao_rural": "农村低保", "tekun": "特困供养",
               "youfu": "优抚", "gaoling": "高龄津贴", "canji": "残疾人两项补贴"}


@dataclass(frozen=True)
class _Row:
    name: str
    id_number: str
    village: str
    persons: int
    amount: Decimal


def public_notice(programme: str, month: str | None = None, *, show_ids: bool = False,
                  today: dt.date | None = None) -> Document:
    """The notice of a programme's recipients paid in `month` (default: this month's roll)."""
    today = today or dt.date.today()
    month = norm_month(month or today)
    prog = get(Programme, programme, "救助项目")
    if not prog.monthly:
        raise ValidationError(f"{prog.name}不按月发放，没有公示名单")
    rows = [_Row(r.name, r.id_number, r.village, r.covered_persons, r.amount)
            for r in month_roll.roll(prog.code, month) if not r.reason]
    if not rows:
        raise ValidationError(f"{prog.name}{month_label(month)}没有保障对象，无法生成公示名单")
    label = SHORT_NAMES.get(prog.code, prog.name)
    return _notice(f"{label}保障对象公示名单", month, rows, prog.unit == "household",
                   "月保障金(元)", show_ids, today)


def batch_notice(batch_id, *, show_ids: bool = False, today: dt.date | None = None) -> Document:
    """The notice of everyone in a batch (all its lines, as the roster prints them)."""
    today = today or dt.date.today()
    batch = get(Batch, batch_id, "发放批次")
    rows = [_Row(line.name, line.id_number, line.village, line.covered_persons, line.amount)
            for line in batches.lines(batch.id)]
    if not rows:
        raise ValidationError(f"{batch.name}没有发放明细，无法生成公示名单")
    prog = Programme.get_or_none(Programme.code == batch.programme_id) if batch.programme_id else None
    household = prog is not None and prog.unit == "household"
    if batch.kind == "regular" and prog is not None:
        heading = f"{SHORT_NAMES.get(prog.code, prog.name)}保障对象公示名单"
        amount_title = "月保障金(元)"
    else:
        heading = f"{batch.name}发放对象公示名单"
        amount_title = "发放金额(元)"
    return _notice(heading, batch.month, rows, household, amount_title, show_ids, today)


def _columns(household: bool, amount_title: str, show_ids: bool) -> list[Column]:
    name = "户主姓名" if household else "姓名"
    usable = WIDTH - 2 * MARGIN_X
    if show_ids:
        widths = [44, 96, 70, 104]
        cols = [Column("序号", 44), Column(name, 96), Column("保障人数", 70),
                Column(amount_title, 104, "right")]
        return cols + [Column("身份证号", usable - sum(widths))]
    return [Column("序号", 64), Column(name, 150), Column("保障人数", 110),
            Column(amount_title, usable - 324, "right")]


def _notice(heading: str, month: str, rows: list[_Row], household: bool, amount_title: str,
            show_ids: bool, today: dt.date) -> Document:
    township = get_setting("township")
    title = f"{township}{heading}"
    unit = "户" if household else "人"
    columns = _columns(household, amount_title, show_ids)
    villages: dict[str, list[_Row]] = {}
    for row in rows:
        villages.setdefault(row.village or "未分村", []).append(row)
    closing = (f"以上名单自{date_label(today)}起公示，公示期{NOTICE_DAYS}天"
               f"（{date_label(today)}至{date_label(today + dt.timedelta(days=NOTICE_DAYS - 1))}）。"
               f"公示期间如有异议，请向{township}民政办反映。")
    document = Document(title=title, author=f"{township}民政办")
    for village, lines in villages.items():
        total = ("total", len(lines), sum(r.persons for r in lines),
                 sum((r.amount for r in lines), Decimal("0.00")))
        pages = paginate([*enumerate(lines, start=1), total], ROWS_PER_PAGE,
                         ROWS_PER_PAGE - CLOSING_ROOM)
        for number, items in enumerate(pages, start=1):
            page = Page(WIDTH, HEIGHT)
            document.pages.append(page)
            page.text(WIDTH / 2, TITLE_Y, title, size=18, align="center", bold=True)
            page.text(WIDTH / 2, SUB_Y, f"村(社区)：{village}　　　公示月份：{month_label(month)}",
                      size=TEXT_SIZE, align="center")
            grid = Grid(page, MARGIN_X, TABLE_Y, columns, CELL_SIZE)
            grid.header(HEADER_H, CELL_SIZE)
            for item in items:
                if item[0] == "total":
                    _, count, persons, amount = item
                    cells = [Cell(f"合计：{count}{unit}", span=2, align="left"), str(persons),
                             yuan_str(amount)]
                    grid.row(cells + ([""] if show_ids else []), ROW_H, bold=True)
                else:
                    seq, r = item
                    cells = [str(seq), r.name, str(r.persons), yuan_str(r.amount)]
                    grid.row(cells + ([mask(r.id_number)] if show_ids else []), ROW_H)
            bottom = grid.close()
            if number == len(pages):
                _closing(page, bottom + 34, closing, township, today)
            footer(page, number, len(pages), FOOTER_Y)
    return document


def _closing(page: Page, y: float, text: str, township: str, today: dt.date) -> None:
    width = WIDTH - 2 * MARGIN_X
    for line in wrap_text(text, width, TEXT_SIZE, indent_chars=2):
        page.text(MARGIN_X, y, line, size=TEXT_SIZE)
        y += TEXT_SIZE * 1.8
    y += 24
    right = WIDTH - MARGIN_X - 2 * TEXT_SIZE
    page.text(right, y, f"{township}民政办", size=TEXT_SIZE, align="right")
    page.text(right, y + TEXT_SIZE * 1.8, date_label(today), size=TEXT_SIZE, align="right")
