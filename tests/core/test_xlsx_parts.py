"""mzdesk.importing.xlsx_parts: a sheet read in parts gives the rows of the whole sheet.

The part sizes are made small so that fixture files of a few hundred rows are cut
into many parts; every case compares with calamine's read of the unsplit sheet,
allowing only what the reader tolerates: a shorter row (its missing trailing cells
empty), a row no part holds as [], and trailing rows holding only styles.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import threading
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill
from python_calamine import CalamineError, CalamineWorkbook

from mzdesk.importing import xlsx_parts
from tests.core import messy


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(xlsx_parts, "PARTED_FROM", 1_000)
    monkeypatch.setattr(xlsx_parts, "FIRST_PART", 2_500)
    monkeypatch.setattr(xlsx_parts, "PART", 3_000)


def _whole(path: Path, sheet: str):
    with CalamineWorkbook.from_path(path) as book:
        s = book.get_sheet_by_name(sheet)
        return s.to_python(skip_empty_area=False), s.merged_cell_ranges


def _typed(row, width):
    row = list(row) + [""] * (width - len(row))
    return [(type(v), v) for v in row]


def assert_same_rows(got: list, whole: list) -> None:
    """got is whole, up to shorter rows and trailing rows that hold nothing."""
    assert len(got) >= len(whole)
    for i, row in enumerate(got):
        want = whole[i] if i < len(whole) else []
        width = max(len(row), len(want))
        assert _typed(row, width) == _typed(want, width), f"row {i + 1}"


def _compare(path: Path, sheet: str, *, parts_at_least: int = 3) -> xlsx_parts.PartedRows:
    whole, merges = _whole(path, sheet)
    parted = xlsx_parts.open_parted(path, sheet)
    assert parted is not None
    n = len(parted)
    assert_same_rows(list(parted), whole)
    assert len(parted) == n
    assert parted.merges == merges
    parted.thread.join(10)
    assert not parted.thread.is_alive()
    assert len(parted._starts) - 1 >= parts_at_least
    return parted


def _mixed_roster(path: Path, *, rows: int = 520, col: int = 1, title: str = "花名册") -> Path:
    """A title, a header and `rows` rows of mixed values from column `col`, with blank
    rows in the middle and styled, empty rows at the end."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.cell(1, col, "茶店镇农村低保花名册")
    for j, h in enumerate(("序号", "姓名", "身份证号码", "村(社区)", "金额", "发放日期", "在册", "备注")):
        ws.cell(2, col + j, h)
    r = 3
    for k in range(rows):
        if k % 97 == 50:
            r += 2   # two fully blank rows
        values = [k + 1, f"张{k}", f"51010219{k % 90 + 10}0101{k:04d}"[:18], ("长丰村", "新华社区")[k % 2],
                  (k * 37.5) if k % 5 else None, dt.date(2024, 1 + k % 12, 1 + k % 28),
                  bool(k % 3), "" if k % 4 else "备注 <&> 文字"]
        if k % 11 == 0:
            values[5] = dt.datetime(2024, 3, 4, 10, 30)
        for j, v in enumerate(values):
            if v not in (None, ""):
                ws.cell(r, col + j, v)
        r += 1
    for extra in range(r + 3, r + 8):   # rows holding a style only
        ws.cell(extra, col).font = Font(bold=True)
        ws.cell(extra, col + 2).fill = PatternFill("solid", fgColor="FFFF00")
    wb.save(path)
    return path


def _to_shared_strings(path: Path) -> Path:
    """Rewrite an openpyxl file's inline strings as Excel writes them: t="s" cells
    indexing xl/sharedStrings.xml."""
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    table: dict[str, int] = {}

    def shared(m):
        k = table.setdefault(m[3], len(table))
        return f'<c{m[1]} t="s"{m[2]}><v>{k}</v></c>'

    for name in [n for n in members if n.startswith("xl/worksheets/sheet")]:
        xml = members[name].decode()
        xml = re.sub(r'<c([^>]*?) t="inlineStr"([^>]*)><is><t(?: [^>]*)?>(.*?)</t></is></c>', shared, xml)
        assert "inlineStr" not in xml
        members[name] = xml.encode()
    items = "".join(f"<si><t xml:space=\"preserve\">{s}</t></si>" for s in table)
    members["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main" count="{len(table)}" uniqueCount="{len(table)}">{items}</sst>').encode()
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _rewrite_sheet(path: Path, change, compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members["xl/worksheets/sheet1.xml"] = change(members["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


# ------------------------------------------------------------------ same rows

def test_mixed_values_blank_rows_and_styled_rows_at_the_end(tmp_path, small_parts):
    path = _mixed_roster(tmp_path / "a.xlsx")
    parted = _compare(path, "花名册", parts_at_least=10)
    whole, _ = _whole(path, "花名册")
    assert len(parted) > len(whole)   # the styled rows at the end count, as [] rows
    assert parted[1][:3] == ["序号", "姓名", "身份证号码"]
    assert isinstance(parted[5][5], dt.date) and isinstance(parted[5][6], bool)


def test_index_slice_and_negative_index_wait_for_their_part(tmp_path, small_parts):
    path = _mixed_roster(tmp_path / "a.xlsx")
    whole, _ = _whole(path, "花名册")
    parted = xlsx_parts.open_parted(path, "花名册")
    assert_same_rows([parted[400]], [whole[400]])
    assert_same_rows(parted[-len(parted):len(whole)], whole)
    assert_same_rows(parted[450:300:-7], whole[450:300:-7])
    assert parted[len(parted):] == [] and parted[-1] in ([], [""] * len(parted[-1]))
    with pytest.raises(IndexError):
        parted[len(parted)]


def test_merged_village_across_parts(tmp_path, small_parts):
    path = _mixed_roster(tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws.merge_cells("D10:D90")     # crosses several part boundaries
    ws.merge_cells("A300:B301")
    wb.save(path)
    parted = _compare(path, "花名册")
    assert ((9, 3), (89, 3)) in parted.merges


def test_data_from_column_c_and_a_part_of_narrow_rows(tmp_path, small_parts):
    path = _mixed_roster(tmp_path / "c.xlsx", col=3)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    for r in range(150, 260):     # rows only in columns E..F: whole parts narrower and shifted
        ws.cell(r, 3).value = None
        ws.cell(r, 4).value = None
        for c in range(7, 11):
            ws.cell(r, c).value = None
    wb.save(path)
    parted = _compare(path, "花名册")
    assert parted[2][:3] == ["", "", 1]
    assert parted[200][:2] == ["", ""] and parted[200][4] != ""


def test_shared_strings(tmp_path, small_parts):
    path = _to_shared_strings(_mixed_roster(tmp_path / "s.xlsx"))
    with zipfile.ZipFile(path) as zf:
        assert b't="s"' in zf.read("xl/worksheets/sheet1.xml")
    parted = _compare(path, "花名册", parts_at_least=8)
    assert parted[1][1] == "姓名" and parted[300][3] in ("长丰村", "新华社区")


def test_second_sheet_with_a_chinese_name(tmp_path, small_parts):
    path = _mixed_roster(tmp_path / "b.xlsx", title="低保（2024年）花名册")
    wb = openpyxl.load_workbook(path)
    first = wb.create_sheet("说明", 0)
    first["A1"] = "说明文字"
    big = wb.create_sheet("旧数据", 2)   # another sheet large enough to be parted too
    for r in range(1, 400):
        big.cell(r, 1, f"旧{r}")
    wb.save(path)
    assert wb.sheetnames[1] == "低保（2024年）花名册"
    _compare(path, "低保（2024年）花名册")
    _compare(path, "旧数据")
    assert xlsx_parts.open_parted(path, "说明") is None     # small
    assert xlsx_parts.open_parted(path, "没有这张表") is None


def test_stored_zip_and_a_wrong_crc(tmp_path, small_parts):
    path = _rewrite_sheet(_mixed_roster(tmp_path / "a.xlsx"), lambda xml: xml, zipfile.ZIP_STORED)
    _compare(path, "花名册")
    data = bytearray(path.read_bytes())
    at = data.find(b"<v>1</v>")
    data[at + 3:at + 4] = b"7"   # a value changed: the stored CRC no longer matches
    path.write_bytes(bytes(data))
    assert xlsx_parts.open_parted(path, "花名册") is None


def test_bench_roster(tmp_path, monkeypatch):
    from tests.bench.bench_import import write_dibao_roster
    path = write_dibao_roster(tmp_path / "低保.xlsx", 3000)
    monkeypatch.setattr(xlsx_parts, "PARTED_FROM", 100_000)
    monkeypatch.setattr(xlsx_parts, "FIRST_PART", 200_000)
    monkeypatch.setattr(xlsx_parts, "PART", 250_000)
    parted = _compare(path, "农村低保", parts_at_least=4)
    assert len(parted) == 3002


# ------------------------------------------------------------ read whole instead

def test_rows_without_r_are_read_whole(tmp_path, small_parts):
    path = _mixed_roster(tmp_path / "a.xlsx")
    assert xlsx_parts.open_parted(path, "花名册") is not None
    _rewrite_sheet(path, lambda xml: re.sub(rb'<row r="\d+"', b"<row", xml))
    assert _whole(path, "花名册")[0]      # calamine still reads it, numbering by position
    assert xlsx_parts.open_parted(path, "花名册") is None


def test_prefixed_and_empty_sheets_are_read_whole(tmp_path, small_parts):
    path = _mixed_roster(tmp_path / "a.xlsx")
    _rewrite_sheet(path, lambda xml: xml.replace(b"<sheetData>", b"<x:sheetData>")
                   .replace(b"</sheetData>", b"</x:sheetData>"))
    assert xlsx_parts.open_parted(path, "花名册") is None
    path = _mixed_roster(tmp_path / "b.xlsx")
    _rewrite_sheet(path, lambda xml: re.sub(rb"<sheetData>.*</sheetData>", b"<sheetData/>" + b" " * 5000,
                                            xml, flags=re.S))
    assert xlsx_parts.open_parted(path, "花名册") is None


def test_rows_out_of_order_are_never_placed_wrong(tmp_path, small_parts):
    path = _mixed_roster(tmp_path / "a.xlsx")

    def move_row_5_down(xml):
        row = re.search(rb'<row r="5".*?</row>', xml)[0]
        xml = xml.replace(row, b"")
        return xml.replace(b'<row r="300"', row + b'<row r="300"')

    _rewrite_sheet(path, move_row_5_down)
    parted = xlsx_parts.open_parted(path, "花名册")
    assert parted is not None and 4 < parted._starts[1] < 299   # row 5 belongs to part 1
    with pytest.raises(CalamineError):
        list(parted)


def test_small_sheet_and_other_formats_are_read_whole(tmp_path):
    rows = [["姓名", "身份证号码"]] + [[f"张{i}", f"5101{i:014d}"] for i in range(300)]
    assert xlsx_parts.open_parted(messy.write_xlsx(tmp_path / "a.xlsx", {"表": rows}), "表") is None
    assert xlsx_parts.open_parted(messy.write_xls(tmp_path / "a.xls", {"表": rows}), "表") is None
    assert xlsx_parts.open_parted(messy.write_ods(tmp_path / "a.ods", {"表": rows}), "表") is None
    assert xlsx_parts.open_parted(messy.write_csv(tmp_path / "a.csv", rows), "a") is None
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    assert xlsx_parts.open_parted(tmp_path / "bad.xlsx", "表") is None
    assert xlsx_parts.open_parted(tmp_path / "missing.xlsx", "表") is None


def test_small_sheet_is_read_whole_with_the_real_sizes(tmp_path):
    path = _mixed_roster(tmp_path / "a.xlsx")
    assert xlsx_parts.open_parted(path, "花名册") is None


# ------------------------------------------------------------ errors and closing

def test_a_corrupt_later_part_raises_from_the_access(tmp_path, small_parts, monkeypatch):
    path = _mixed_roster(tmp_path / "a.xlsx")
    part_xml = xlsx_parts._part_xml
    read = xlsx_parts._read_part
    raised = []

    def bad_third(source, k):
        pieces = part_xml(source, k)
        if k == 2:
            pieces[1] = bytes(pieces[1]).replace(b"</c>", b"</x>", 1)
        return pieces

    def recording_read(book, k):
        try:
            return read(book, k)
        except Exception as exc:
            raised.append(exc)
            raise

    monkeypatch.setattr(xlsx_parts, "_part_xml", bad_third)
    monkeypatch.setattr(xlsx_parts, "_read_part", recording_read)
    whole, _ = _whole(path, "花名册")
    parted = xlsx_parts.open_parted(path, "花名册")
    third = parted._starts[2]
    assert_same_rows(parted[:third], whole[:third])   # parts 1 and 2 are fine
    with pytest.raises(CalamineError) as first:
        parted[third]
    assert raised and first.value is raised[0]
    with pytest.raises(CalamineError):
        list(parted)
    with pytest.raises(CalamineError):
        parted[-1]
    assert_same_rows([parted[third - 1]], [whole[third - 1]])
    parted.thread.join(10)
    assert not parted.thread.is_alive()


def test_a_corrupt_first_part_raises_from_open(tmp_path, small_parts, monkeypatch):
    path = _mixed_roster(tmp_path / "a.xlsx")
    part_xml = xlsx_parts._part_xml

    def bad_first(source, k):
        pieces = part_xml(source, k)
        if k == 0:
            pieces[1] = bytes(pieces[1]).replace(b"</c>", b"</x>", 1)
        return pieces

    monkeypatch.setattr(xlsx_parts, "_part_xml", bad_first)
    threads = set(threading.enumerate())
    with pytest.raises(CalamineError):
        xlsx_parts.open_parted(path, "花名册")
    for thread in set(threading.enumerate()) - threads:   # the thread of the later parts ends
        thread.join(10)
        assert not thread.is_alive()


def test_close_after_the_first_rows_stops_the_thread(tmp_path, small_parts, monkeypatch):
    path = _mixed_roster(tmp_path / "a.xlsx", rows=1500)
    read = xlsx_parts._read_part
    gate = threading.Event()

    def slow_read(book, k):
        if k:
            gate.wait(10)   # the thread is busy with part 2 when close() comes
        return read(book, k)

    monkeypatch.setattr(xlsx_parts, "_read_part", slow_read)
    parted = xlsx_parts.open_parted(path, "花名册")
    n_parts = len(parted._starts) - 1
    assert n_parts > 20
    first_rows = list(parted[:5])
    assert first_rows[1][0] == "序号"
    parted.close()
    parted.close()   # idempotent
    gate.set()
    parted.thread.join(10)
    assert not parted.thread.is_alive()
    assert len(parted._rows) <= parted._starts[2]   # it stopped after the part it was reading
    with pytest.raises(RuntimeError):                # an unread row does not wait forever
        parted[len(parted) - 1]


def test_consumer_dropping_the_rows_does_not_hang(tmp_path, small_parts):
    path = _mixed_roster(tmp_path / "a.xlsx")
    parted = xlsx_parts.open_parted(path, "花名册")
    it = iter(parted)
    next(it)
    thread = parted.thread
    del it, parted
    thread.join(10)
    assert not thread.is_alive()

