"""Reading a large xlsx sheet in parts, the later parts on a background thread.

calamine reads a whole sheet before handing over a single row (0.2–0.35 s for a
20,000-row roster), and only then can the import start cleaning rows. Here the
sheet's XML is cut between <row> elements into parts, each a sheet of its own
(the sheet's head, that part's rows, the end) in a workbook built in memory from
the original zip's other members. The first part (title, header, first rows) is a
small workbook read before open_parted returns; a daemon thread builds one
workbook of all the later parts and reads them one after the other while the
import works on the rows it has.

Rows are what `to_python(skip_empty_area=False)` gives for the whole sheet, with
two allowed differences the reader tolerates: a row may be shorter (its trailing
empty cells missing; a row no part holds is []), and len() may count trailing
rows that hold only styles (they are []).

Only plain OOXML SpreadsheetML (xlsx/xlsm, unprefixed element names, every part's
first <row> numbered by r="N") is read in parts; anything else gives None and the
caller reads the sheet whole as before.
"""
from __future__ import annotations

import collections.abc
import io
import itertools
import posixpath
import re
import struct
import threading
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree

from python_calamine import CalamineError, CalamineWorkbook

__all__ = ["PARTED_FROM", "FIRST_PART", "PART", "PartedRows", "open_parted"]

PARTED_FROM = 2_000_000   # uncompressed bytes of sheet XML from which a sheet is read in parts
FIRST_PART = 800_000      # bytes of <row> elements in the first part (title rows, header, first rows)
PART = 2_000_000          # bytes of <row> elements in each later part

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DOC_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_WORKSHEET_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
_WORKBOOK = "xl/workbook.xml"
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"

# A row's start tag (not <rowBreaks> or the like), and its r attribute inside the tag.
_ROW = re.compile(rb"<row[\s/>]")
_ROW_TAG = re.compile(rb"<row\b[^>]*>")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
# The sheets of the parts in the workbooks built here are named so.
_PART_PREFIX = "mzdesk-part-"
# What the original sheet and the workbook's other worksheets become in those
# workbooks: calamine never reads them, so there is no need to copy (perhaps large) sheets.
_EMPTY_SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<sheetData/></worksheet>')


# ----------------------------------------------------------------- the file

def _worksheet_members(zf: zipfile.ZipFile) -> dict[str, str] | None:
    """{sheet name: zip member of its XML} for the workbook's worksheets, or None."""
    try:
        book = ElementTree.fromstring(zf.read(_WORKBOOK))
        rels = ElementTree.fromstring(zf.read(_WORKBOOK_RELS))
    except (KeyError, ElementTree.ParseError):
        return None
    targets = {}
    for rel in rels.iter(f"{_PKG_REL_NS}Relationship"):
        target = rel.get("Target") or ""
        if rel.get("Type") != _WORKSHEET_REL or rel.get("TargetMode") == "External":
            continue
        member = target[1:] if target.startswith("/") else posixpath.join("xl", target)
        targets[rel.get("Id")] = posixpath.normpath(member)
    members = {}
    for sheet in book.iter(f"{_MAIN_NS}sheet"):
        member = targets.get(sheet.get(f"{_DOC_REL_NS}id"))
        if member is not None and sheet.get("name") is not None:
            members[sheet.get("name")] = member
    return members


def _row_number(xml: bytes, at: int) -> int | None:
    """The r of the <row> element starting at `at`, or None when it has none."""
    tag = _ROW_TAG.match(xml, at)
    m = _ROW_NUMBER.search(tag[0]) if tag else None
    return int(m[1]) if m else None


def _cuts(xml: bytes, first: int, end: int) -> list[int]:
    """Offsets of the <row> starting each part, the first one at `first`."""
    cuts = [first]
    size = FIRST_PART
    while True:
        m = _ROW.search(xml, cuts[-1] + max(size, 1), end)
        if m is None:
            return cuts
        cuts.append(m.start())
        size = PART


# ----------------------------------------------------------------- the parts

class _Source:
    """What building the parts needs: the zip's members and the sheet XML's pieces."""

    def __init__(self, members: list[tuple[str, bytes]], sheet_member: str,
                 xml: bytes, head_end: int, tail_start: int, cuts: list[int]):
        self.members = members         # every member but the sheet's XML
        self.sheet_member = sheet_member
        self.xml = xml
        self.head_end = head_end       # offset of the first <row> (the head is before it)
        self.tail_start = tail_start   # offset of </sheetData>
        self.cuts = cuts

    def part_span(self, k: int) -> tuple[int, int]:
        end = self.cuts[k + 1] if k + 1 < len(self.cuts) else self.tail_start
        return self.cuts[k], end


def _part_name(k: int) -> str:
    return f"{_PART_PREFIX}{k + 1}"


def _part_xml(source: _Source, k: int) -> list:
    """Part k's sheet XML in pieces: the head, its rows, and the tail. Only the first
    part keeps the tail (mergeCells and the like); the others need only their values."""
    a, b = source.part_span(k)
    view = memoryview(source.xml)
    tail = view[source.tail_start:] if k == 0 else b"</sheetData></worksheet>"
    return [view[:source.head_end], view[a:b], tail]


def _build_book(source: _Source, parts: range) -> bytes:
    """A workbook (stored, not deflated: it is read at once) holding the given parts as
    sheets of their own, named by _part_name, besides the original members; the
    original sheet is emptied. One workbook holds all the later parts because
    calamine reads a workbook given as bytes in a score of Python read() calls, each
    waiting for Python's lock while the import runs, and parses its sharedStrings."""
    sheets, rels = [], []
    for k in parts:
        name = _part_name(k)
        sheets.append(f'<sheet xmlns:r="{_DOC_REL_NS[1:-1]}" name="{name}" sheetId="{900000 + k}" '
                      f'r:id="rId{name}"/>')
        rels.append(f'<Relationship Id="rId{name}" Type="{_WORKSHEET_REL}" '
                    f'Target="/xl/worksheets/{name}.xml"/>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as out:
        for member, data in source.members:
            if member == _WORKBOOK:
                data = data.replace(b"</sheets>", "".join(sheets).encode() + b"</sheets>", 1)
            elif member == _WORKBOOK_RELS:
                data = data.replace(b"</Relationships>", "".join(rels).encode() + b"</Relationships>", 1)
            out.writestr(member, data)
        out.writestr(source.sheet_member, _EMPTY_SHEET)
        for k in parts:
            with out.open(f"xl/worksheets/{_part_name(k)}.xml", "w") as fh:
                for piece in _part_xml(source, k):
                    fh.write(piece)
    return buf.getvalue()


def _open_book(data: bytes) -> CalamineWorkbook:
    return CalamineWorkbook.from_filelike(io.BytesIO(data))


def _read_part(book: CalamineWorkbook, k: int):
    """(rows, first row index, merges) of part k; the index is None for a part holding
    no value. The first part is read from row 0 as the whole sheet would be; a later
    part from its own first cell, so calamine does not build the empty rows above it,
    and its rows are left-padded to column A here."""
    sheet = book.get_sheet_by_name(_part_name(k))
    if k == 0:
        return sheet.to_python(skip_empty_area=False), 0, sheet.merged_cell_ranges
    start = sheet.start
    if start is None:
        return [], None, None   # no values at all: placed by the caller
    rows = sheet.to_python(skip_empty_area=True)
    r0, c0 = start
    if c0:
        pad = [""] * c0
        rows = [pad + row for row in rows]
    return rows, r0, None


class PartedRows(collections.abc.Sequence):
    """A sheet's rows (index i is Excel row i+1) while a thread is still reading the
    later parts: an access waits for the part holding the row; an error reading a
    part is raised from the access that needs it."""

    def __init__(self, length: int, rows: list, merges, starts: list[int]):
        self.merges = merges
        self._len = length
        self._rows = rows              # grows part by part; read without the lock
        self._starts = starts          # index of each part's first row, then length
        self._cond = threading.Condition()
        self._error: BaseException | None = None
        self._done = False
        self._closed = False
        self.thread: threading.Thread | None = None

    def __len__(self) -> int:
        return self._len

    def _wait(self, i: int) -> None:
        """Until row i is here (0 <= i < len)."""
        if i < len(self._rows):
            return
        with self._cond:
            while i >= len(self._rows):
                if self._error is not None:
                    raise self._error
                if self._done:
                    raise RuntimeError("PartedRows closed before the row was read")
                self._cond.wait()

    def __getitem__(self, i):
        if isinstance(i, slice):
            wanted = range(*i.indices(self._len))
            if not wanted:
                return []
            self._wait(max(wanted[0], wanted[-1]))
            rows = self._rows
            return [rows[j] for j in wanted]
        i = i.__index__()
        if i < 0:
            i += self._len
        if not 0 <= i < self._len:
            raise IndexError("row index out of range")
        self._wait(i)
        return self._rows[i]

    def __iter__(self):
        i, n = 0, self._len
        while i < n:
            self._wait(i)
            upto = len(self._rows)
            yield from itertools.islice(self._rows, i, upto)
            i = upto

    def close(self) -> None:
        """The thread stops after the part it is reading."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # ------------------------------------------------------------ the thread

    def _add(self, rows: list, r0: int, k: int) -> bool:
        """Part k's rows at their absolute index, padded with [] to the next part;
        False when closed meanwhile."""
        have, part_end = self._starts[k], self._starts[k + 1]
        if r0 < have or r0 + len(rows) > part_end:
            # A <row> outside its part's span: rows out of order, which Excel itself
            # calls corrupt. Placing them here would put values in the wrong rows.
            raise CalamineError("rows of the sheet are not in ascending order")
        block = [[] for _ in range(r0 - have)]
        block += rows
        block += [[] for _ in range(part_end - r0 - len(rows))]
        with self._cond:
            if self._closed:
                return False
            self._rows.extend(block)
            self._cond.notify_all()
        return True

    def _read_rest(self, source: _Source) -> None:
        book = None
        try:
            n = len(source.cuts)
            data = _build_book(source, range(1, n))
            source.xml = source.members = None
            book = _open_book(data)
            del data   # calamine holds its own copy
            for k in range(1, n):
                if self._closed:
                    return
                rows, r0, _ = _read_part(book, k)
                if r0 is None or not rows:   # empty rows only (borders drawn under a roster)
                    rows, r0 = [], self._starts[k]
                if not self._add(rows, r0, k):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            with self._cond:
                self._error = exc
        finally:
            source.xml = source.members = None
            if book is not None:
                book.close()
            with self._cond:
                self._done = True
                self._cond.notify_all()


# ----------------------------------------------------------------- opening

def _inflate(path: Path, info: zipfile.ZipInfo) -> bytes | None:
    """A deflated (or stored) member in one zlib call: two to three times as fast as
    ZipFile.read, which inflates in small pieces (this is on the way to the first row).
    None when it is compressed otherwise, encrypted, or its CRC is wrong."""
    if info.compress_type not in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED) or info.flag_bits & 0x1:
        return None
    with path.open("rb") as fh:
        fh.seek(info.header_offset)
        header = fh.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            return None
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        fh.seek(info.header_offset + 30 + name_len + extra_len)
        raw = fh.read(info.compress_size)
    try:
        data = (raw if info.compress_type == zipfile.ZIP_STORED
                else zlib.decompress(raw, -15, max(info.file_size, 1)))
    except zlib.error:
        return None
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        return None
    return data


def _open_source(path: Path, sheet_name: str) -> _Source | None:
    if not zipfile.is_zipfile(path):
        return None
    with zipfile.ZipFile(path) as zf:
        sheets = _worksheet_members(zf)
        if not sheets or sheet_name not in sheets:
            return None
        member = sheets[sheet_name]
        names = set(zf.namelist())
        if member not in names or not member.endswith(".xml"):
            return None
        if zf.getinfo(member).file_size < PARTED_FROM:
            return None
        others = set(sheets.values()) - {member}
        xml = _inflate(path, zf.getinfo(member))
        if xml is None:
            return None
        members = []
        for info in zf.infolist():
            if info.is_dir() or info.filename == member:
                continue
            data = _EMPTY_SHEET if info.filename in others else zf.read(info)
            members.append((info.filename, data))
    book = dict(members)
    marker = _PART_PREFIX.encode()
    if (b"</sheets>" not in book[_WORKBOOK] or b"</Relationships>" not in book[_WORKBOOK_RELS]
            or marker in book[_WORKBOOK] or marker in book[_WORKBOOK_RELS]
            or any(marker in name.encode() for name in names)):
        return None   # a prefixed workbook.xml, or (never seen) our own part names
    if len(xml) < PARTED_FROM:
        return None
    start = xml.find(b"<sheetData>")
    end = xml.find(b"</sheetData>", start)
    if start < 0 or end < 0:
        return None   # <sheetData/> (empty), or a prefixed document (<x:sheetData>)
    m = _ROW.search(xml, start, end)
    if m is None:
        return None
    cuts = _cuts(xml, m.start(), end)
    return _Source(members, member, xml, m.start(), end, cuts)


def _last_row_number(xml: bytes, first: int, end: int) -> int | None:
    at = end
    while True:
        at = xml.rfind(b"<row", first, at)
        if at < 0:
            return None
        if _ROW.match(xml, at):
            return _row_number(xml, at)


def open_parted(path: Path, sheet_name: str) -> PartedRows | None:
    """The sheet read in parts, the first one read before returning, the others by a
    daemon thread one after the other; None when it should simply be read whole
    (not an xlsx/xlsm, a small sheet, rows without r="N", anything unexpected).
    calamine's errors reading the first part are raised from here."""
    try:
        source = _open_source(Path(path), sheet_name)
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, KeyError, ValueError):
        return None
    if source is None:
        return None
    # The first part is read from row 1 as the whole sheet would be; each later part
    # is placed by its first row's r.
    starts = [0] + [_row_number(source.xml, c) for c in source.cuts[1:]]
    length = _last_row_number(source.xml, source.cuts[0], source.tail_start)
    if length is None or None in starts:
        return None
    starts[1:] = [s - 1 for s in starts[1:]]
    if any(b <= a for a, b in zip(starts, starts[1:])) or length <= starts[-1]:
        return None   # rows out of order
    starts.append(length)

    with _open_book(_build_book(source, range(1))) as book:
        rows, _, merges = _read_part(book, 0)
    if len(rows) > starts[1]:
        return None   # the first part holds rows of a later one: out of order
    rows += [[] for _ in range(starts[1] - len(rows))]
    parted = PartedRows(length, rows, merges, starts)
    if len(source.cuts) > 1:
        # Started only now: started before the first part is read, it slowed that read
        # (both want Python's lock, and both parse sharedStrings) more than it gained.
        parted.thread = threading.Thread(target=parted._read_rest, args=(source,),
                                         name="xlsx-parts", daemon=True)
        parted.thread.start()
    else:
        parted._done = True
    return parted
