"""Reading the office's spreadsheets as they are: xlsx / xls / ods / csv → a Table.

What a clerk's ledger looks like, and what this module does about it:
- a title, a 填报单位 line and blank rows above the header: the header is the
  first row of the first 30 holding at least two of the kind's known header
  names (compared by cells.header_key); a group header above sub-headers
  ('保障金额' over '月标准' / '月金额') is read as one header;
- the village merged down over its households: calamine returns a merged
  cell's value only in its top-left cell, so village columns are filled down
  inside the merged ranges (xlsx, xls); ods and csv carry no merge ranges
  here, so there a blank village cell takes the one above it;
- blank rows, 小计 / 合计 rows, a repeated header (printed page by page), a
  row of column numbers under the header, and the 制表人 / 审核人 lines at the
  foot are skipped and reported (Table.skipped) so the clerk can check them;
- csv in UTF-8, UTF-8 with BOM, UTF-16 (Excel's "Unicode text") or
  GBK/GB18030, separated by commas, tabs or semicolons;
- an .xls that is really an xlsx, or a csv, under the wrong name.

Cell values are handed over raw (str, float, int, bool, date, datetime), with
empty cells as None (a cell of spaces stays a str: cells.is_blank() and every
normaliser treat it as blank); mzdesk.importing.cells normalises them.

Speed matters (20,000-row rosters): one calamine call per sheet, one list
comprehension per row, and the total/footer checks only look further when a
cheap character test says they might apply.
"""
from __future__ import annotations

import codecs
import collections
import csv
import io
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from python_calamine import (CalamineError, CalamineWorkbook, PasswordError, SheetTypeEnum,
                             SheetVisibleEnum)

from ..errors import DomainError
from .cells import header_key, text
from .xlsx_parts import PartedRows, open_parted

__all__ = [
    "SourceRow", "Skipped", "Table", "ReadError", "sheet_names", "read_table",
    "DEFAULT_FILL_DOWN", "HEADER_SEARCH_ROWS", "column_letter", "open_table",
]

DEFAULT_FILL_DOWN = ("村(社区)", "村", "村社区", "所在村", "村名")
HEADER_SEARCH_ROWS = 30
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".et")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")

SKIP_BLANK = "空行"
SKIP_TOTAL = "合计行"
SKIP_SUBTOTAL = "小计行"
SKIP_HEADER_AGAIN = "重复的表头行"
SKIP_COLUMN_NUMBERS = "栏目序号行"
SKIP_FOOTER = "表尾（制表人、审核人等）"
SKIP_NOTE = "说明行"


@dataclass(frozen=True)
class SourceRow:
    number: int            # 1-based row number as the clerk sees it in Excel
    values: tuple          # raw cell values under the detected header, one per header column


@dataclass(frozen=True)
class Skipped:
    number: int
    reason: str            # '空行' / '合计行' / '小计行' / …


@dataclass
class Table:
    file_name: str
    sheet: str
    header_row: int        # 1-based
    headers: list[str]     # as written in the file (cleaned of spaces/newlines)
    rows: list[SourceRow]
    skipped: list[Skipped]
    # Excel letters of the header columns ('A', 'B', …), for reports that
    # want to say where a column is; same length as headers.
    columns: list[str] = field(default_factory=list)
    # the file's size and modification time when it was read (file_stamp): a table
    # read for the wizard's preview serves its import unless the file was saved since
    stamp: tuple[int, int] | None = None
    # rows under the header in the sheet, blank and total rows included: what `rows`
    # will at most hold once an open_table's rows have all been taken
    expected_rows: int = 0
    # (sheet rows, first column, first data row) while open_table's rows are being taken
    _source: tuple | None = field(default=None, repr=False, compare=False)

    def whole(self) -> bool:
        """Is every row of the sheet read already (not a large sheet still read in parts)?"""
        return self._source is None or isinstance(self._source[0], list)

    def column_values(self, i: int) -> Iterable:
        """Header column i's cells in every row under the header, as the sheet holds them
        (blank and total rows too), whether or not the rows have been taken yet."""
        if self._source is None:
            return (r.values[i] for r in self.rows)
        rows, c0, first = self._source
        j = c0 + i
        return (r[j] if j < len(r) else None for r in itertools.islice(rows, first, None))


class ReadError(DomainError):
    """The file cannot be read as a table; str() is the Chinese reason."""


def column_letter(index: int) -> str:
    """0 → 'A', 26 → 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --------------------------------------------------------------- opening files

@dataclass
class _Sheet:
    name: str
    rows: Sequence         # lists of raw values, index = Excel row - 1 (a list, or PartedRows)
    merges: list | None    # ((r0, c0), (r1, c1)) 0-based, inclusive; None: format has none
    path: Path | None = None


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise ReadError(f"找不到文件“{path.name}”")


def _open_book(path: Path) -> CalamineWorkbook | None:
    """The workbook, or None when the content is not a workbook (maybe text)."""
    try:
        return CalamineWorkbook.from_path(path)
    except PasswordError as exc:
        raise _book_error(path, exc) from exc
    except CalamineError as exc:
        first_error = exc
    except OSError as exc:
        raise ReadError(f"无法打开文件“{path.name}”（{exc.strerror or '读取失败'}）") from exc
    # Wrong suffix (an xlsx saved as .xls, WPS's .et): let calamine look at the content.
    try:
        with path.open("rb") as fh:
            return CalamineWorkbook.from_filelike(fh)
    except CalamineError as exc:
        if "detect" in str(exc):
            return None
        raise _book_error(path, first_error) from exc
    except OSError as exc:
        raise ReadError(f"无法打开文件“{path.name}”（{exc.strerror or '读取失败'}）") from exc


# Office's password-protected files are an OLE container with this stream.
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def _encrypted(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and _ENCRYPTED in fh.read()
    except OSError:
        return False


def _book_error(path: Path, exc: Exception) -> ReadError:
    if isinstance(exc, PasswordError) or "password" in str(exc).lower() or _encrypted(path):
        return ReadError(f"文件“{path.name}”设有打开密码，请在Excel中取消密码后再导入")
    return ReadError(f"无法读取文件“{path.name}”：文件已损坏，或不是Excel/WPS表格文件")


def _is_text_file(path: Path) -> bool:
    return path.suffix.lower() in TEXT_SUFFIXES


def _worksheets(book: CalamineWorkbook) -> list[str]:
    """Worksheet names, visible ones first (hidden sheets often hold old data)."""
    visible, hidden = [], []
    for meta in book.sheets_metadata:
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue
        (visible if meta.visible == SheetVisibleEnum.Visible else hidden).append(meta.name)
    return visible + hidden


def _decode(data: bytes, path: Path) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")   # a superset of GBK and GB2312
    except UnicodeDecodeError:
        raise ReadError(f"无法识别文件“{path.name}”的文字编码（应为UTF-8或GBK）") from None


def _delimiter(sample: list[str]) -> str:
    """The separator giving the widest row among the first lines (the header)."""
    best, best_width = ",", 0
    for delim in (",", "\t", ";"):   # '，' is text inside cells, never a separator
        width = 0
        for row in csv.reader(sample, delimiter=delim):
            width = max(width, sum(1 for v in row if v.strip()))
        if width > best_width:
            best, best_width = delim, width
    return best


def _read_text(path: Path) -> _Sheet:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"无法打开文件“{path.name}”（{exc.strerror or '读取失败'}）") from exc
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) or (
            not _is_text_file(path) and b"\x00" in data[:4096]
            and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))):
        # A zip or OLE container (or binary) that calamine could not read.
        raise _book_error(path, ValueError())
    text = _decode(data, path)
    if text.lstrip()[:1] == "<":
        raise ReadError(f"文件“{path.name}”实际上是网页（HTML）格式，请用Excel打开后另存为xlsx再导入")
    if "\x00" in text:
        raise ReadError(f"无法读取文件“{path.name}”：不是表格或文本文件")
    head = text[:20000].splitlines()[:HEADER_SEARCH_ROWS + 20]
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(head)))
    return _Sheet(path.stem, rows, None)


def _sheet_rows(book: CalamineWorkbook, name: str, path: Path, nrows: int | None = None):
    try:
        sheet = book.get_sheet_by_name(name)
        return sheet, sheet.to_python(skip_empty_area=False, nrows=nrows)
    except CalamineError as exc:
        raise _book_error(path, exc) from exc


def _parted(path: Path, name: str) -> PartedRows | None:
    """A large xlsx sheet read in parts (xlsx_parts), or None: read it whole."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    try:
        return open_parted(path, name)
    except CalamineError as exc:
        raise _book_error(path, exc) from exc


def sheet_names(path) -> list[str]:
    """Worksheet names of a workbook (visible first); a csv has one, its file stem."""
    path = Path(path)
    _check_file(path)
    if not _is_text_file(path):
        book = _open_book(path)
        if book is not None:
            with book:
                return _worksheets(book)
    _read_text(path)   # raises a clear error when it is not text either
    return [path.stem]


# ---------------------------------------------------------------- the header

def _row_keys(row) -> list[str]:
    return [header_key(v) if v.__class__ is str else "" for v in row]


def _header_score(row, known: frozenset) -> int:
    return len({k for k in _row_keys(row) if k in known})


def _guess_header(rows) -> int | None:
    """Without known headers: the first row of text cells about as wide as the widest row."""
    widths = [sum(1 for v in r if v.__class__ is str and v.strip()) for r in rows]
    filled = [sum(1 for v in r if v not in ("", None)) for r in rows]
    widest = max(filled, default=0)
    for i, w in enumerate(widths):
        if w >= 2 and w == filled[i] and w * 10 >= widest * 6:
            return i
    return None


def _find_header(rows, known: frozenset) -> int | None:
    top = rows[:HEADER_SEARCH_ROWS]
    if not known:
        return _guess_header(top)
    need = min(2, len(known))
    for i, row in enumerate(top):
        if _header_score(row, known) >= need:
            return i
    return None


_LONG_NUMBER = re.compile(r"[0-9０-９]{6}")


def _sub_header(rows, h: int, known: frozenset) -> bool:
    """Is row h+1 the second line of a two-line header (sub-headers under a group)?"""
    if h + 1 >= len(rows) or not known:
        return False
    top, below = rows[h], rows[h + 1]
    hit = False
    for j, v in enumerate(below):
        if v in ("", None):
            continue
        if v.__class__ is not str or _LONG_NUMBER.search(v):
            return False   # a number or an ID: a data row, however its words read
        if header_key(v) in known and (j >= len(top) or top[j] in ("", None)
                                         or header_key(top[j]) not in known):
            hit = True
    return hit


def _clean_header(v) -> str:
    return "".join(text(v).split())


# ------------------------------------------------------------------ the rows

# A total row: 合计 / 总计 / 小计 / 本页小计, 长丰村小计, 小计（长丰村）, 合计:
_TOTAL = re.compile(r"^(?:本页|全镇|全乡|全村|总)?(合计|总计|小计|累计)(?:[:：]|[(（].{0,12}[)）])?$"
                    r"|^.{1,12}(合计|总计|小计)$")
_FOOTER = ("制表", "填表", "审核", "审批", "负责人", "经办", "复核", "主管", "领导", "单位负责人",
           "分管", "填报人", "统计人", "联系电话", "单位(盖章)", "单位（盖章）", "盖章")
_NOTE = ("注:", "注：", "说明", "备注:", "备注：", "附注")
_SAME_AS_ABOVE = frozenset(("同上", "〃", '"', "”", "“", "同前", "仝上"))
_WHITE = re.compile(r"\s+")
_LABEL_COLUMNS = 5


def _total_reason(vals) -> str | None:
    # The label of a total row stands in its first columns (序号 / 村 / 姓名,
    # often merged across them); a note further right that mentions 合计
    # belongs to a household.
    for v in vals[:_LABEL_COLUMNS]:
        if v.__class__ is str and "计" in v:
            m = _TOTAL.match(_WHITE.sub("", v))
            if m:
                return SKIP_SUBTOTAL if "小计" in (m[1] or m[2]) else SKIP_TOTAL
    return None


def _looks_blank(vals) -> bool:
    return all(v is None or (v.__class__ is str and v.isspace()) for v in vals)


_FOOTER_FIRST = frozenset(p[0] for p in _FOOTER + _NOTE)


def _footer_reason(vals) -> str | None:
    first = vals[0]
    if first is None:
        first = next(v for v in vals if v is not None)
    if first.__class__ is not str or first.lstrip()[:1] not in _FOOTER_FIRST:
        return None
    filled = sum(1 for v in vals if v is not None)
    s = _WHITE.sub("", first)
    if s.startswith(_FOOTER) and filled <= 4:
        return SKIP_FOOTER
    if s.startswith(_NOTE) and filled <= 2:
        return SKIP_NOTE
    return None


def _is_column_numbers(vals) -> bool:
    """1 2 3 4 … under the header (栏次), as official forms print."""
    nums = [v for v in vals if v is not None]
    if len(nums) < 3:
        return False
    try:
        return [int(float(v)) for v in nums] == list(range(1, len(nums) + 1)) and \
            all(float(v).is_integer() for v in nums)
    except (TypeError, ValueError):
        return False


def _merged_fill(merges, rows, col_abs: list[int], first_data: int) -> dict[int, dict[int, object]]:
    """{relative column: {row index: value}} for cells inside merged ranges below their top."""
    fills: dict[int, dict[int, object]] = {}
    for rel, col in enumerate(col_abs):
        if col < 0:
            continue
        for (r0, c0), (r1, c1) in merges:
            if c0 <= col <= c1 and r1 > r0 and r1 >= first_data and r0 < len(rows):
                top = rows[r0][c0] if c0 < len(rows[r0]) else ""
                if top in ("", None) or (top.__class__ is str and top.isspace()):
                    continue
                target = fills.setdefault(rel, {})
                for r in range(max(r0 + 1, first_data), r1 + 1):
                    target[r] = top
    return fills


def _open_rows(sheet: _Sheet, h: int, known: frozenset, fill_down,
               file_name: str) -> tuple[Table, Iterator[SourceRow]]:
    """The table with no rows yet, and its rows one by one: each is added to table.rows
    (and each row left out to table.skipped) as it is given."""
    rows = sheet.rows
    header = list(rows[h])
    first_data = h + 1
    if _sub_header(rows, h, known):
        below = rows[h + 1]
        header += [""] * (len(below) - len(header))
        for j, v in enumerate(below):
            if v not in ("", None):
                header[j] = v
        first_data = h + 2
    used = [j for j, v in enumerate(header) if _clean_header(v)]
    c0, c1 = used[0], used[-1] + 1
    headers = [_clean_header(v) for v in header[c0:c1]]

    fill_keys = {header_key(f) for f in fill_down}
    fill_cols = [j for j, t in enumerate(headers) if header_key(t) in fill_keys]
    by_merge = (_merged_fill(sheet.merges, rows, [c0 + j for j in fill_cols], first_data)
                if sheet.merges is not None else None)
    by_merge = {fill_cols[rel]: m for rel, m in by_merge.items()} if by_merge else by_merge

    hdr_raw = header[c0:c1]
    probe = [j for j, v in enumerate(hdr_raw) if v.__class__ is str and v.strip()][:2]

    table = Table(file_name=file_name, sheet=sheet.name, header_row=h + 1, headers=headers, rows=[],
                  skipped=[], columns=[column_letter(c) for c in range(c0, c1)],
                  expected_rows=max(len(rows) - first_data, 0), _source=(rows, c0, first_data))
    return table, _rows(table, _from(rows, first_data, sheet.path), first_data, c0, c1, fill_cols, by_merge,
                        hdr_raw, probe)


def _from(rows, first: int, path: Path | None) -> Iterator[list]:
    """The sheet's rows from `first` on; a large sheet's later parts are read meanwhile
    (xlsx_parts), and one that calamine cannot read is the file's error as any other."""
    try:
        yield from itertools.islice(rows, first, None)
    except CalamineError as exc:
        raise _book_error(path, exc) from exc
    finally:
        if not isinstance(rows, list):   # stopped early (a cancel): the reading thread too
            rows.close()


def _rows(table: Table, rows: Iterator[list], first_data: int, c0: int, c1: int, fill_cols, by_merge, hdr_raw,
          probe) -> Iterator[SourceRow]:
    width = c1 - c0
    last: dict[int, object] = {}
    out, skipped = table.rows, table.skipped
    pending_blank: list[Skipped] = []
    for i, row in enumerate(rows, first_data):
        vals = row[c0:c1]
        if "" in vals:   # one C-level scan; most rows have an empty cell or two
            vals = [None if v == "" else v for v in vals]
        if len(vals) < width:
            vals += [None] * (width - len(vals))
        n = i + 1
        empty = vals.count(None)
        if empty == width or (empty * 2 >= width and _looks_blank(vals)):
            pending_blank.append(Skipped(n, SKIP_BLANK))
            continue
        if pending_blank:   # blank rows count only when data follows them
            skipped += pending_blank
            pending_blank = []
        reason = _total_reason(vals)
        if reason is None:
            reason = _footer_reason(vals)
        if reason is None and len(probe) == 2 and vals[probe[0]] == hdr_raw[probe[0]] \
                and vals[probe[1]] == hdr_raw[probe[1]]:
            reason = SKIP_HEADER_AGAIN
        if reason is None and i == first_data and _is_column_numbers(vals):
            reason = SKIP_COLUMN_NUMBERS
        if reason is not None:
            skipped.append(Skipped(n, reason))
            if reason in (SKIP_TOTAL, SKIP_SUBTOTAL):
                last.clear()   # the next group names its own village
            continue
        for j in fill_cols:
            v = vals[j]
            if v.__class__ is str and v.isspace():
                v = None
            if v is None:
                if by_merge is None:
                    v = last.get(j)
                else:
                    v = by_merge.get(j, {}).get(i)
                vals[j] = v
            elif v.__class__ is str and v.strip() in _SAME_AS_ABOVE:
                vals[j] = v = last.get(j)
            if v is not None:
                last[j] = v
        row = SourceRow(n, tuple(vals))
        out.append(row)
        yield row
    table._source = None


def _no_header(where: str, known: Iterable[str]) -> ReadError:
    names = "、".join(f"“{k}”" for k in list(dict.fromkeys(known))[:4])
    hint = f"（应有{names}等列名）" if names else ""
    return ReadError(f"{where}的前{HEADER_SEARCH_ROWS}行中没有找到表头{hint}")


def read_table(path, *, sheet: str | None = None, known_headers: Iterable[str] = (),
               fill_down: Iterable[str] = DEFAULT_FILL_DOWN) -> Table:
    """The table under the header row of `sheet` (None: the first sheet that has one).

    known_headers: every header variant of the kind being imported; the
    header row is the first of the first 30 rows holding at least two of
    them. Raises ReadError (Chinese) for a missing or unreadable file, a
    missing sheet, or no header row.
    """
    table, rows = open_table(path, sheet=sheet, known_headers=known_headers, fill_down=fill_down)
    collections.deque(rows, maxlen=0)   # every row into table.rows
    return table


def open_table(path, *, sheet: str | None = None, known_headers: Iterable[str] = (),
               fill_down: Iterable[str] = DEFAULT_FILL_DOWN) -> tuple[Table, Iterator[SourceRow]]:
    """read_table, with the rows given one by one as they are made (each also added to
    table.rows): the importer cleans and writes the first while the rest are made."""
    path = Path(path)
    _check_file(path)
    stamp = file_stamp(path)   # before reading: a save during the read shows as a change
    table, rows = _open_table(path, sheet, known_headers, fill_down)
    table.stamp = stamp
    return table, rows


def file_stamp(path) -> tuple[int, int]:
    """Size and modification time: a file saved again since differs in one or both."""
    st = Path(path).stat()
    return st.st_size, st.st_mtime_ns


def _open_table(path: Path, sheet: str | None, known_headers: Iterable[str],
                fill_down: Iterable[str]) -> tuple[Table, Iterator[SourceRow]]:
    known_list = [k for k in known_headers if k]
    known = frozenset(header_key(k) for k in known_list) - {""}
    fill_down = tuple(fill_down)
    book = None if _is_text_file(path) else _open_book(path)
    if book is None:
        data = _read_text(path)
        if sheet is not None and sheet != data.name:
            raise ReadError(f"文件“{path.name}”中没有名为“{sheet}”的工作表")
        h = _find_header(data.rows, known)
        if h is None:
            raise _no_header(f"文件“{path.name}”", known_list)
        return _open_rows(data, h, known, fill_down, path.name)

    with book:
        names = _worksheets(book)
        if sheet is not None:
            if sheet not in book.sheet_names:
                raise ReadError(f"文件“{path.name}”中没有名为“{sheet}”的工作表")
            candidates = [sheet]
        else:
            candidates = names
        for name in candidates:
            parted = _parted(path, name)
            if parted is not None:   # a large sheet: its first rows now, the rest on a thread
                try:   # the header's rows, a sub-header's, a merge's top cell: perhaps a later part
                    h = _find_header(parted[:HEADER_SEARCH_ROWS], known)
                    if h is not None:
                        return _open_rows(_Sheet(name, parted, parted.merges, path), h, known, fill_down,
                                          path.name)
                except BaseException as exc:
                    parted.close()
                    if isinstance(exc, CalamineError):
                        raise _book_error(path, exc) from exc
                    raise
                parted.close()
                continue
            cal_sheet, top = _sheet_rows(book, name, path, nrows=HEADER_SEARCH_ROWS)
            h = _find_header(top, known)
            if h is None:
                continue
            try:
                rows = cal_sheet.to_python(skip_empty_area=False)
                merges = cal_sheet.merged_cell_ranges
            except CalamineError as exc:
                raise _book_error(path, exc) from exc
            return _open_rows(_Sheet(name, rows, merges), h, known, fill_down, path.name)
    if sheet is not None:
        raise _no_header(f"工作表“{sheet}”", known_list)
    if not candidates:
        raise ReadError(f"文件“{path.name}”中没有工作表")
    raise _no_header(f"文件“{path.name}”各工作表", known_list)
