"""发放签字花名册: the signature roster of a payment batch (DESIGN §3.1).

A4 landscape.  Villages follow one another, each starting on a new page and
ending with its 村小计 row; every page repeats the header and closes with a
本页小计 row; the last page adds the 合计 (in figures and in Chinese capitals)
and the 制表人 / 审核人 / 负责人 / 日期 lines.  Row height and rows per page
are fixed, so pagination is plain arithmetic: fast and the same every time.

This is an internal document signed by the recipients: it carries the full
ID number, never the bank account.
"""
from __future__ import annotations

from decimal import Decimal

from ..models import Batch, OneOffSubsidy, Programme
from ..money import to_capitals, yuan_str
from ..payments import batches
from ..payments.batches import LineView
from ..services.common import get
from ..services.settings import get_setting
from .layout import Cell, Column, Grid, footer, month_label, paginate
from .page import A4_LANDSCAPE, MM, Document, Page

WIDTH, HEIGHT = A4_LANDSCAPE
MARGIN_X = 12 * MM
TITLE_Y = 16 * MM  # title baseline
SUB_Y = TITLE_Y + 22
TABLE_Y = SUB_Y + 10
HEADER_H = 26.0
ROW_H = 21.0  # ~7.4 mm: room to sign
ROWS_PER_PAGE = 20  # line and 村小计 slots between the header and the 本页小计 row
TOTAL_ROOM = 4  # slots the last page keeps for 合计, 大写 and the signature lines
FOOTER_Y = HEIGHT - 7 * MM
CELL_SIZE = 10.0
FAILED_NOTE = "银行退回"
MARKS = {batches.DRAFT: "草稿（未审核）", batches.CANCELLED: "已作废"}


def _columns(name_title: str) -> list[Column]:
    fixed = [("序号", 34, "center"), ("村(社区)", 78, "center"), (name_title, 66, "center"),
             ("身份证号码", 128, "center"), ("保障人数", 50, "center"), ("金额(元)", 74, "right")]
    note_width = 130.0
    sign_width = WIDTH - 2 * MARGIN_X - sum(w for _, w, _ in fixed) - note_width
    return [Column(t, w, a) for t, w, a in fixed] + [Column("领取人签字", sign_width),
                                                     Column("备注", note_width, "left")]


def _per_household(batch: Batch) -> bool:
    """Household programmes print 户主姓名 and count 户; person programmes 姓名 and 人."""
    if batch.programme_id:
        return get(Programme, batch.programme_id, "救助项目").unit == "household"
    if batch.subsidy_id:
        codes = OneOffSubsidy.get_by_id(batch.subsidy_id).programmes.split(",")
        units = {p.unit for p in Programme.select().where(Programme.code.in_(codes))}
        return units == {"household"}
    return False


def _note(line: LineView) -> str:
    if line.status == batches.FAILED:
        reason = line.note.strip()
        return FAILED_NOTE if reason in ("", FAILED_NOTE) else f"{FAILED_NOTE}：{reason}"
    return line.note


class _Sum:
    def __init__(self):
        self.count, self.persons, self.amount = 0, 0, Decimal("0.00")

    def add(self, line: LineView) -> None:
        self.count += 1
        self.persons += line.covered_persons
        self.amount += line.amount


def signature_roster(batch_id) -> Document:
    """The signature roster of a batch: every line of the batch, failed ones included.

    Page subtotals, 村小计 and the 合计 are sums of the printed lines (so of
    every line, including any the bank returned, which say 银行退回 in 备注);
    they can differ from BatchInfo.total, which leaves failed lines out.
    """
    batch = get(Batch, batch_id, "发放批次")
    rows = batches.lines(batch.id)
    township = get_setting("township")
    household = _per_household(batch)
    unit = "户" if household else "人"
    columns = _columns("户主姓名" if household else "姓名")
    # 补发 / 扣回 batches already say what they are: 2026年6月农村低保金补发花名册.
    title = f"{township}{batch.name}{'花名册' if batch.kind in ('supplement', 'deduction') else '发放花名册'}"
    mark = MARKS.get(batch.state, "")
    sub = f"发放月份：{month_label(batch.month)}　　批次编号：{batch.id}　　状态：{mark or batch.state}"

    villages: dict[object, list] = {}
    for line in rows:
        villages.setdefault((line.village_id, line.village), []).append(line)
    pages_rows: list[list] = []
    groups = list(villages.items())
    for index, ((_, village), lines) in enumerate(groups):
        subtotal = _Sum()
        for line in lines:
            subtotal.add(line)
        room = ROWS_PER_PAGE - TOTAL_ROOM if index == len(groups) - 1 else None
        pages_rows += paginate(lines + [(village or "未分村", subtotal)], ROWS_PER_PAGE, room)
    if not pages_rows:
        pages_rows = [[]]

    total = _Sum()
    document = Document(title=title, author=f"{township}民政办")
    for number, items in enumerate(pages_rows, start=1):
        page = Page(WIDTH, HEIGHT)
        document.pages.append(page)
        page.text(WIDTH / 2, TITLE_Y, title, size=18, align="center", bold=True)
        page.text(MARGIN_X, SUB_Y, sub, size=10)
        page.text(WIDTH - MARGIN_X, SUB_Y, "单位：元", size=10, align="right")
        if mark:
            _stamp(page, mark)
        grid = Grid(page, MARGIN_X, TABLE_Y, columns, CELL_SIZE)
        grid.header(HEADER_H, 10.5)
        on_page = _Sum()
        for item in items:
            if isinstance(item, LineView):
                on_page.add(item)
                grid.row([str(item.seq), item.village, item.name, item.id_number,
                          str(item.covered_persons), yuan_str(item.amount), "", _note(item)], ROW_H)
            else:
                village, subtotal = item
                grid.row([Cell(f"{village}小计：{subtotal.count}{unit}", span=4, align="left"),
                          str(subtotal.persons), yuan_str(subtotal.amount), "", ""], ROW_H, bold=True)
        grid.row([Cell(f"本页小计：{on_page.count}{unit}", span=4, align="left"),
                  str(on_page.persons), yuan_str(on_page.amount), "", ""], ROW_H, bold=True)
        total.count += on_page.count
        total.persons += on_page.persons
        total.amount += on_page.amount
        if number == len(pages_rows):
            _totals(grid, total, unit)
            _signatures(page, grid.close() + 26)
        else:
            grid.close()
        footer(page, number, len(pages_rows), FOOTER_Y)
    return document


def _totals(grid: Grid, total: _Sum, unit: str) -> None:
    grid.row([Cell(f"合计：{total.count}{unit}", span=4, align="left"),
              str(total.persons), yuan_str(total.amount), "", ""], ROW_H, bold=True)
    grid.row([Cell("合计金额（大写）", span=4, align="left"),
              Cell(to_capitals(total.amount, prefix="人民币"), span=4, align="left")], ROW_H, bold=True)


def _signatures(page: Page, y: float) -> None:
    """制表人 / 审核人 / 负责人 with the names from the settings, and a date to fill in."""
    step = (WIDTH - 2 * MARGIN_X) / 4
    for i, (key, label) in enumerate((("preparer", "制表人"), ("reviewer", "审核人"), ("head", "负责人"))):
        x = MARGIN_X + i * step
        name = get_setting(key)
        page.text(x, y, f"{label}：{name}", size=11)
        if not name:  # a line to sign on instead of a printed name
            page.line(x + 36, y + 3, x + step - 30, y + 3, 0.5)
    x = MARGIN_X + 3 * step
    page.text(x, y, "日期：　　　　年　　月　　日", size=11)


def _stamp(page: Page, mark: str) -> None:
    """A framed mark at the top right so nobody signs a draft."""
    size = 14
    width = len(mark) * size + 16
    x, y = WIDTH - MARGIN_X - width, 7 * MM
    page.rect(x, y, width, 24, width=1.5)
    page.text(x + width / 2, y + 17, mark, size=size, align="center", bold=True)

