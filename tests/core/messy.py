"""Messy spreadsheets as township offices keep them, written by the tests.

Every builder WRITES a file into the given path and returns a MessyFile
saying what a correct reader must find there: the header row, the Excel row
number of every record, the rows to be skipped (and why), the rows whose ID
Excel turned into a number, the rows with a wrong check digit.

What is messy about them (DESIGN §6): a title and a 填报单位 line above the
header; header names with newlines, full-width brackets and variants
(公民身份号码, 金额（元）); a row of column numbers under the header; the
village merged down over its households; a 小计 row after each village and a
合计 row at the end; a blank row between villages; 制表人 / 审核人 at the foot;
names with trailing or padding spaces; IDs with full-width digits, spaces,
a lower-case x or a leading apostrophe; amounts as floats, '1,234.50元',
full-width digits or '￥1234.5'; months as Excel dates, 2022年1月, 2022.1,
202201 as text and as a number; a second sheet.

Formats: xlsx (openpyxl), xls (xlwt, a test-only dependency: genuine BIFF8
as Excel 97-2003 and WPS save it), ods (written by hand: a zip of XML, since
no installed package writes ods), csv in UTF-8, UTF-8 with BOM and GBK.

Other helpers reuse this: `ledger_xlsx(tmp_path / "a.xlsx", sample_records(8))`.
"""
from __future__ import annotations

import csv
import datetime as dt
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import xlwt

from mzdesk import idcard

# Header as the clean template writes it, and as the messy files write it.
HEADERS = ("序号", "村(社区)", "户主姓名", "身份证号码", "保障人数", "金额(元)", "开始月份",
           "银行账号", "备注")
MESSY_HEADERS = ("序  号", "村（社区）", "户主\n姓名", "公民身份号码", "保障\n人数", "金额（元）",
                 "起始年月", "银行卡号 ", "备注")
# Every variant a kind spec would list for these columns (what read_table gets).
KNOWN_HEADERS = HEADERS + ("身份证号", "公民身份号码", "姓名", "金额", "月保障金", "起始年月",
                           "银行卡号", "村")
COLUMN = {h: i for i, h in enumerate(HEADERS)}   # canonical header → column index

TITLE = "茶店镇2022年农村低保金发放花名册"
SUBTITLE = "填报单位：茶店镇人民政府（盖章）      填报日期：2022年6月"
FOOTER = "制表人：王芳        审核人：李明        负责人：赵刚"

_NAMES = ("张三丰", "李秀英", "王强", "刘德华", "陈静", "杨建国", "赵敏", "黄小明", "周杰",
          "吴桂兰", "徐光", "孙丽", "马德胜", "朱琳", "胡适之", "郭靖")
_VILLAGES = ("长丰村", "新华社区", "光明村")


@dataclass(frozen=True)
class Record:
    """One household line of a roster, clean: what the reader + cells must give back."""
    village: str
    name: str
    id_number: str
    persons: int
    amount: Decimal
    month: str          # 'YYYY-MM'
    account: str
    note: str = ""


@dataclass
class MessyFile:
    path: Path
    sheet: str
    header_row: int                                  # 1-based
    rows: dict[int, Record]                          # Excel row number → record on it
    skipped: list[tuple[int, str]]                   # (row, reason) as read_table reports
    id_as_number: list[int] = field(default_factory=list)   # rows: ID stored as a number
    bad_check: list[int] = field(default_factory=list)      # rows: ID check digit wrong


def sample_records(n: int = 8, *, villages: tuple = _VILLAGES[:2], seed: int = 0) -> list[Record]:
    """n valid records sorted by village (as a roster is), amounts with fen."""
    out = []
    for k in range(n):
        birth = dt.date(1940 + (k * 7 + seed) % 60, 1 + (k + seed) % 12, 1 + (k * 3) % 28)
        out.append(Record(
            village=villages[k * len(villages) // n] if n else villages[0],
            name=_NAMES[(k + seed) % len(_NAMES)],
            id_number=idcard.make("510112", birth, (k * 37 + seed) % 1000),
            persons=1 + k % 4,
            amount=Decimal(650 + 123 * k) + Decimal(k % 100) / 100,
            month=f"{2021 + k // 12 % 5:04d}-{1 + k % 12:02d}",
            account=f"621700{k:013d}",
            note="" if k % 3 else "重残",
        ))
    return out


def _wrong_check(id18: str) -> str:
    good = id18[17]
    return id18[:17] + ("1" if good != "1" else "2")


_FULL = str.maketrans("0123456789", "０１２３４５６７８９")


# ------------------------------------------------------------ the messy grid

@dataclass
class Grid:
    """Values row by row (1-based row r is rows[r-1]), merges 1-based inclusive."""
    rows: list[list]
    merges: list[tuple[int, int, int, int]]   # (row0, col0, row1, col1)
    formats: dict[tuple[int, int], str]        # (row, col) → number format (xlsx, xls)
    expect: MessyFile


def _cells(k: int, rec: Record, *, text_only: bool, as_number: bool, bad: bool):
    """The messy rendering of one record's cells (without the village)."""
    idn = _wrong_check(rec.id_number) if bad else rec.id_number
    if as_number:
        # An ID ending in X cannot become a number; the rest of it can.
        number = int(idn) if idn[-1] != "X" else int(idn[:17]) * 10
        id_cell = f"{number:.5E}" if text_only else number   # Excel's csv shows 5.10112E+17
    else:
        id_cell = (" ".join((idn[:6], idn[6:14], idn[14:])).translate(_FULL),
                   idn, idn.lower() + " ", "'" + idn)[k % 4]
    name = rec.name
    if k % 3 == 0:
        name += "  "
    elif len(name) == 2:
        name = name[0] + "  " + name[1]          # padded to line up with 3-character names
    amount = rec.amount
    if text_only:
        amount_cell = (f"{amount:,}", f"{amount:,}元", str(amount).translate(_FULL), f"￥{amount}")[k % 4]
    else:
        amount_cell = (float(amount), f"{amount:,}元", str(amount).translate(_FULL), f" ￥{amount} ")[k % 4]
    y, m = int(rec.month[:4]), int(rec.month[5:])
    month_cell = (dt.date(y, m, 1) if not text_only else f"{y}/{m}/1", f"{y}年{m}月",
                  f"{y}.{m}", f"{y}{m:02d}",
                  y * 100 + m if not text_only else f"{y}-{m:02d}")[k % 5]
    persons_cell = (rec.persons, f"{rec.persons}人", str(rec.persons).translate(_FULL))[k % 3]
    account_cell = " ".join(rec.account[i:i + 4] for i in range(0, len(rec.account), 4))
    return [k + 1, None, name, id_cell, persons_cell, amount_cell, month_cell, account_cell,
            rec.note or None]


def ledger_grid(records: list[Record], *, text_only: bool = False, id_as_number=(), bad_check=(),
                sheet: str = "花名册") -> Grid:
    """The messy layout of `records`; id_as_number / bad_check are record indexes."""
    width = len(HEADERS)
    rows: list[list] = [[TITLE] + [None] * (width - 1), [SUBTITLE] + [None] * (width - 1),
                        [None] * width, list(MESSY_HEADERS), list(range(1, width + 1))]
    merges = [(1, 1, 1, width), (2, 1, 2, width)]
    formats: dict[tuple[int, int], str] = {}
    expect = MessyFile(Path(), sheet, 4, {}, [(5, "栏目序号行")])
    groups: dict[str, list[int]] = {}
    for k, rec in enumerate(records):
        groups.setdefault(rec.village, []).append(k)
    for g, (village, ks) in enumerate(groups.items()):
        if g:
            rows.append([None] * width)
            expect.skipped.append((len(rows), "空行"))
        first = len(rows) + 1
        for k in ks:
            rec = records[k]
            row = _cells(k, rec, text_only=text_only, as_number=k in id_as_number,
                         bad=k in bad_check)
            rows.append(row)
            r = len(rows)
            expect.rows[r] = rec
            if k in id_as_number:
                expect.id_as_number.append(r)
            if k in bad_check:
                expect.bad_check.append(r)
            if not text_only and isinstance(row[6], dt.date):
                formats[(r, 7)] = "yyyy-mm"
        rows[first - 1][1] = village   # only the top cell of the merge holds it
        if len(ks) > 1:
            merges.append((first, 2, len(rows), 2))
        subtotal = sum(records[k].amount for k in ks)
        rows.append([f"{village}小计", None, None, None, sum(records[k].persons for k in ks),
                     float(subtotal) if not text_only else f"{subtotal}", None, None, None])
        expect.skipped.append((len(rows), "小计行"))
    total = sum(r.amount for r in records)
    rows.append(["合  计", None, None, None, None, float(total) if not text_only else str(total),
                 None, None, None])
    expect.skipped.append((len(rows), "合计行"))
    rows.append([None] * width)
    expect.skipped.append((len(rows), "空行"))
    rows.append([FOOTER] + [None] * (width - 1))
    expect.skipped.append((len(rows), "表尾（制表人、审核人等）"))
    return Grid(rows, merges, formats, expect)


# ------------------------------------------------------------------ writers

def write_xlsx(path, sheets: dict[str, Grid] | dict[str, list[list]]) -> Path:
    """An xlsx with the given sheets (a Grid or plain rows each), merges applied."""
    path = Path(path)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, grid in sheets.items():
        ws = wb.create_sheet(name)
        rows = grid.rows if isinstance(grid, Grid) else grid
        for r, row in enumerate(rows, 1):
            for c, v in enumerate(row, 1):
                if v is not None:
                    ws.cell(r, c, v)
        if isinstance(grid, Grid):
            for (r, c), fmt in grid.formats.items():
                ws.cell(r, c).number_format = fmt
            for r0, c0, r1, c1 in grid.merges:
                ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)
    wb.save(path)
    return path


def write_xls(path, sheets: dict[str, Grid] | dict[str, list[list]]) -> Path:
    """A BIFF8 .xls with the given sheets, merges applied (the merge's value in its
    top-left cell, as Excel keeps it). A date without a format of its own is shown
    as yyyy-mm-dd: BIFF stores a date as a number and only its format says "date"."""
    path = Path(path)
    wb = xlwt.Workbook(encoding="utf-8")
    styles: dict[str, xlwt.XFStyle] = {}
    for name, grid in sheets.items():
        ws = wb.add_sheet(name)
        rows = grid.rows if isinstance(grid, Grid) else grid
        formats = grid.formats if isinstance(grid, Grid) else {}
        merges = grid.merges if isinstance(grid, Grid) else []
        covered = {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        tops = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in merges}
        for r, row in enumerate(rows, 1):
            for c, v in enumerate(row, 1):
                if (r, c) in covered and (r, c) not in tops:
                    continue
                fmt = formats.get((r, c)) or ("yyyy-mm-dd" if isinstance(v, dt.date) else "")
                if fmt and fmt not in styles:
                    styles[fmt] = xlwt.easyxf(num_format_str=fmt)
                style = styles[fmt] if fmt else xlwt.Style.default_style
                if (r, c) in tops:
                    r1, c1 = tops[r, c]
                    ws.write_merge(r - 1, r1 - 1, c - 1, c1 - 1, v, style)
                elif v is not None:
                    ws.write(r - 1, c - 1, v, style)
    wb.save(str(path))
    return path


def _ods_cell(v, span: tuple[int, int] | None) -> str:
    attrs = ""
    if span:
        attrs = f' table:number-rows-spanned="{span[0]}" table:number-columns-spanned="{span[1]}"'
    if v is None:
        return f"<table:table-cell{attrs}/>"
    if isinstance(v, bool):
        return (f'<table:table-cell{attrs} office:value-type="boolean" '
                f'office:boolean-value="{str(v).lower()}"><text:p>{v}</text:p></table:table-cell>')
    if isinstance(v, (int, float, Decimal)):
        return (f'<table:table-cell{attrs} office:value-type="float" office:value="{v}">'
                f"<text:p>{v}</text:p></table:table-cell>")
    if isinstance(v, dt.date):
        return (f'<table:table-cell{attrs} office:value-type="date" '
                f'office:date-value="{v.isoformat()}"><text:p>{v}</text:p></table:table-cell>')
    return (f'<table:table-cell{attrs} office:value-type="string">'
            f"<text:p>{escape(str(v))}</text:p></table:table-cell>")


def write_ods(path, sheets: dict[str, Grid] | dict[str, list[list]]) -> Path:
    """A minimal OpenDocument spreadsheet (what calamine and LibreOffice read)."""
    path = Path(path)
    body = []
    for name, grid in sheets.items():
        rows = grid.rows if isinstance(grid, Grid) else grid
        merges = grid.merges if isinstance(grid, Grid) else []
        spans = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in merges}
        covered = {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1)
                   for c in range(c0, c1 + 1)} - set(spans)
        body.append(f'<table:table table:name="{escape(name)}">')
        for r, row in enumerate(rows, 1):
            cells = [("<table:covered-table-cell/>" if (r, c) in covered
                      else _ods_cell(v, spans.get((r, c)))) for c, v in enumerate(row, 1)]
            body.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
        body.append("</table:table>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        "<office:body><office:spreadsheet>" + "".join(body) +
        "</office:spreadsheet></office:body></office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2"><manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as z:
        # The mimetype entry must come first and be stored uncompressed.
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def write_csv(path, rows: list[list], *, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    """rows as text (None → empty) in the given encoding ('utf-8', 'utf-8-sig', 'gbk', 'utf-16')."""
    path = Path(path)
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        for row in rows:
            w.writerow(["" if v is None else v for v in row])
    return path


# ------------------------------------------------------------- ready files

_NOTES_SHEET = [["填表说明"], ["1. 身份证号码请以文本格式填写。"], ["2. 金额单位为元。"]]


def ledger_xlsx(path, records: list[Record] | None = None, *, id_as_number=(), bad_check=(),
                notes_first: bool = False) -> MessyFile:
    """The messy roster as xlsx, with a second sheet (or a notes sheet before it)."""
    records = sample_records() if records is None else records
    grid = ledger_grid(records, id_as_number=id_as_number, bad_check=bad_check)
    summary = [["村(社区)", "户数", "金额"]] + [[v, 1, 1.5] for v in sorted({r.village for r in records})]
    sheets = {"填表说明": _NOTES_SHEET} if notes_first else {}
    sheets.update({grid.expect.sheet: grid, "汇总": summary})
    grid.expect.path = write_xlsx(path, sheets)
    return grid.expect


def ledger_xls(path, records: list[Record] | None = None, *, id_as_number=(),
               bad_check=()) -> MessyFile:
    """The messy roster as a real .xls (merged title and villages, date cells), with a second sheet."""
    records = sample_records() if records is None else records
    grid = ledger_grid(records, id_as_number=id_as_number, bad_check=bad_check)
    grid.expect.path = write_xls(path, {grid.expect.sheet: grid, "说明": _NOTES_SHEET})
    return grid.expect


def ledger_ods(path, records: list[Record] | None = None, *, id_as_number=(),
               bad_check=()) -> MessyFile:
    """The messy roster as ods (merged villages as covered cells)."""
    records = sample_records() if records is None else records
    grid = ledger_grid(records, id_as_number=id_as_number, bad_check=bad_check)
    grid.expect.path = write_ods(path, {grid.expect.sheet: grid, "说明": _NOTES_SHEET})
    return grid.expect


def ledger_csv(path, records: list[Record] | None = None, *, encoding: str = "utf-8",
               delimiter: str = ",", id_as_number=(), bad_check=()) -> MessyFile:
    """The messy roster as Excel saves it to csv: merged villages only in their first row,
    IDs stored as numbers printed as 5.10102E+17."""
    records = sample_records() if records is None else records
    grid = ledger_grid(records, text_only=True, id_as_number=id_as_number, bad_check=bad_check)
    grid.expect.sheet = Path(path).stem
    grid.expect.path = write_csv(path, grid.rows, encoding=encoding, delimiter=delimiter)
    return grid.expect
