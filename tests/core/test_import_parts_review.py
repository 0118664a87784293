"""Review of the xlsx read in parts (xlsx_parts) while the import cleans it: the
same outcome as the sheet read whole, for every KIND and the awkward layouts;
the clerk's Chinese errors; nothing left running after an error or a cancel.
The parts here are one row each (FIRST_PART = PART = 1), so a few rows make
as many parts as a 20,000-row roster and every boundary is crossed."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import sqlite3
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from mzdesk import db as dbmod
from mzdesk.importing import apply as apply_module
from mzdesk.importing import importer, xlsx_parts
from mzdesk.importing import job as job_module
from mzdesk.importing.reader import ReadError, read_table
from mzdesk.services import deaths, persons

from .people import new_id
from .test_import_early import HEADER, _households
from .test_import_parts import _whole, early_from_the_first_row, in_parts
from .test_importer import GOOD, TODAY, db_hash, problems, run, sheet

# --------------------------------------------------------------------- fixtures


@pytest.fixture
def parts(monkeypatch):
    """Every row its own part; the PartedRows opened (None: read whole), in a list."""
    return in_parts(monkeypatch, 1, 1)


@pytest.fixture
def early(monkeypatch):
    early_from_the_first_row(monkeypatch, 5)


def _same_error_in_parts_and_whole(db, monkeypatch, path: Path, parts: list) -> None:
    """Refused in parts with the clerk's ReadError, the database untouched; the same
    message when the sheet is read whole."""
    before = db_hash(db)
    with pytest.raises(ReadError) as parted:
        run("dibao_rural", path)
    assert parts[0] is not None and db_hash(db) == before
    _whole(monkeypatch)
    with pytest.raises(ReadError) as whole:
        run("dibao_rural", path)
    assert str(parted.value) == str(whole.value)


def _part_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "xlsx-parts"]


_DROP = {"id", "created_at", "updated_at", "at", "registered_at", "approved_at", "exported_at"}


def _dump(path: Path) -> dict:
    """Every table's rows, ids replaced by what they stand for (a person by ID number, an
    enrollment by person and programme, a household by its head), times left out; the
    audit log as counts of (action, entity) and its summaries."""
    con = sqlite3.connect(path)
    number = dict(con.execute("SELECT id, id_number FROM person"))
    enrol = {i: (number[p], g) for i, p, g in con.execute("SELECT id, person_id, programme_id FROM enrollment")}
    house = {i: number[h] for i, h in con.execute("SELECT id, head_id FROM household")}
    maps = {"person_id": number, "head_id": number, "enrollment_id": enrol, "household_id": house}
    out = {}
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                        " AND name NOT LIKE 'person_fts%' AND name NOT LIKE 'sqlite_%'")]
    for table in tables:
        cur = con.execute(f'SELECT * FROM "{table}"')
        cols = [d[0] for d in cur.description]
        rows = []
        for row in cur:
            if table == "audit_log":
                d = dict(zip(cols, row))
                rows.append((d["action"], d["entity"], d.get("summary")))
                continue
            rows.append(tuple(repr(maps[c].get(v, v)) if c in maps else repr(v)
                              for c, v in zip(cols, row) if c not in _DROP))
        out[table] = sorted(rows)
    out["fts"] = sorted(con.execute("SELECT rowid IS NOT NULL, * FROM person_fts").fetchall(), key=repr)
    con.execute("INSERT INTO person_fts (person_fts) VALUES ('integrity-check')")   # raises if the index is off
    con.close()
    return out


def _fields(result) -> tuple:
    return (result.kind, result.file_name, result.sheet, result.rows_total, result.created, result.updated,
            result.skipped, problems(result), result.unknown_villages, result.dry_run, result.written,
            result.persons_created, result.villages_created, result.header_row, result.skipped_rows,
            result.mapping, result.on_duplicate, result.members_pending)


def _parts_then_whole(db, tmp_path, monkeypatch, opened, kind, path, **kwargs):
    """The file into the database read in parts, then into a copy read whole: both results,
    whether the first one's database bytes changed, and both dumps."""
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    copy = tmp_path / "copy.sqlite3"
    shutil.copyfile(db.database, copy)
    before = db_hash(db)
    first = run(kind, path, **kwargs)
    changed = db_hash(db) != before
    assert opened and opened[0] is not None, "the sheet was not read in parts"
    dbmod.close_database()
    _whole(monkeypatch)
    dbmod.open_database(copy)
    second = run(kind, path, **kwargs)
    dbmod.close_database()
    assert opened[-1] is None
    a, b = _dump(Path(db.database)), _dump(copy)
    dbmod.open_database(db.database)
    return first, second, changed, a, b


# ------------------------------------------------------------- every KIND, both ways


@pytest.mark.parametrize("kind", list(GOOD))
def test_every_kind_in_parts_writes_what_a_whole_read_writes(township, db, tmp_path, monkeypatch, parts, early,
                                                             kind):
    path, created, _ = GOOD[kind](tmp_path / f"{kind}.xlsx")
    first, second, changed, a, b = _parts_then_whole(db, tmp_path, monkeypatch, parts, kind, path)
    assert first.written and changed and first.created == created
    assert _fields(first) == _fields(second)
    assert a == b


@pytest.mark.parametrize("kind", list(GOOD))
def test_every_kind_dry_run_in_parts_writes_nothing_and_says_the_same(township, db, tmp_path, monkeypatch, parts,
                                                                      early, kind):
    path, created, _ = GOOD[kind](tmp_path / f"{kind}.xlsx")
    first, second, changed, a, b = _parts_then_whole(db, tmp_path, monkeypatch, parts, kind, path, dry_run=True)
    assert not first.written and not changed and first.created == created
    assert _fields(first) == _fields(second) and a == b


# ------------------------------------------------------------- the registry


def _registered_roster(n: int = 24):
    """A household roster whose rows include a registered person written in lower-case x,
    one registered under another name, and a dead registered person."""
    rows = _households(n, village=lambda i: "长丰村3组" if i % 3 else "新华社区")
    while True:
        with_x = new_id(dt.date(1948, 8, 8))
        if with_x.endswith("X"):
            break
    persons.register_person(with_x, "王登记", village="长丰村")
    other = persons.register_person(new_id(dt.date(1949, 9, 9)), "李原名", village="长丰村")
    dead = persons.register_person(new_id(dt.date(1940, 4, 4)), "赵已故", village="长丰村")
    deaths.register_death(dead.id, dt.date(2024, 3, 1))
    members = [i for i, r in enumerate(rows) if r[2] != "户主"]
    rows[members[0]][:2] = ["王登记", with_x.lower()]
    rows[members[3]][:2] = ["李新名", other.id_number]
    rows[members[-1]][:2] = ["赵已故", dead.id_number]
    return rows, dead


@pytest.mark.parametrize("mode", ["refuse", "skip", "update"])
@pytest.mark.parametrize("at_once", [200_000, 0])
def test_registered_persons_in_parts_as_whole(township, db, tmp_path, monkeypatch, parts, early, mode, at_once):
    monkeypatch.setattr(job_module, "REGISTERED_AT_ONCE", at_once)
    rows, _ = _registered_roster()
    path = sheet(tmp_path / "d.xlsx", HEADER, rows)
    first, second, changed, a, b = _parts_then_whole(db, tmp_path, monkeypatch, parts, "dibao_rural", path,
                                                     on_duplicate=mode)
    assert _fields(first) == _fields(second) and a == b
    assert changed == first.written


@pytest.mark.parametrize("mode", ["refuse", "skip", "update"])
def test_a_roster_imported_again_in_parts_as_whole(township, db, tmp_path, monkeypatch, parts, early, mode):
    rows = _households(20, village=lambda i: "长丰村3组" if i % 3 else "新华社区")
    path = sheet(tmp_path / "d.xlsx", HEADER, rows)
    _whole(monkeypatch)
    assert run("dibao_rural", path).written
    monkeypatch.setattr(xlsx_parts, "PARTED_FROM", 1)
    parts.clear()
    rows[5][7] = "新住址"   # one change, for update
    rows.append(["新户主", new_id(dt.date(1966, 6, 6)), "户主", 1, None, "2024-01", "长丰村", "", "6217000099990000"])
    path = sheet(tmp_path / "d2.xlsx", HEADER, rows)
    first, second, changed, a, b = _parts_then_whole(db, tmp_path, monkeypatch, parts, "dibao_rural", path,
                                                     on_duplicate=mode)
    assert _fields(first) == _fields(second) and a == b
    assert changed == first.written


def test_persons_kind_registered_persons_in_parts_as_whole(township, db, tmp_path, monkeypatch, parts, early):
    monkeypatch.setattr(job_module, "REGISTERED_AT_ONCE", 0)
    known = persons.register_person(new_id(dt.date(1971, 1, 1)), "张已登", village="长丰村")
    rows = [[f"人员{i}", new_id(dt.date(1970, 1, 1) + dt.timedelta(days=i)), "长丰村"] for i in range(20)]
    rows[7][:2] = ["张已登", known.id_number]
    path = sheet(tmp_path / "p.xlsx", ["姓名", "身份证号", "村(社区)"], rows)
    first, second, changed, a, b = _parts_then_whole(db, tmp_path, monkeypatch, parts, "persons", path,
                                                     on_duplicate="skip")
    assert first.written and first.skipped == 1 and first.created == 19
    assert _fields(first) == _fields(second) and a == b


# ------------------------------------------------------------- layouts across parts


def _layout_book(path: Path) -> Path:
    """Title rows, a two-line header (保障金额 over 金额), villages merged over several
    rows, a subtotal after each village, blank rows, a total and the footer; the roster
    is the second sheet, the first a hidden note sheet."""
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["填表说明：本表由村(社区)填报"])
    notes.sheet_state = "hidden"
    ws = wb.create_sheet("花名册")
    ws.append(["茶店镇农村低保花名册"])
    ws.append(["填报单位：茶店镇民政办", None, None, "2024年1月"])
    ws.append([])
    ws.append(["村(社区)", "姓名", "身份证号", "与户主关系", "保障人数", "保障金额", None, "开始月份"])
    ws.append([None, None, None, None, None, "金额", "银行账号", None])
    r = 6
    for v, village in enumerate(["长丰村", "新华社区", "长丰村"]):
        top = r
        for i in range(4):
            n = v * 10 + i
            ws.append([village if i == 0 else None, f"户主{n}", new_id(dt.date(1951, 1, 1) + dt.timedelta(days=n)),
                       "户主", 1, None, f"62170000{n:08d}", "2024-01"])
            r += 1
        ws.merge_cells(start_row=top, start_column=1, end_row=r - 1, end_column=1)
        ws.append(["小计", None, None, None, 4])
        r += 1
        ws.append([])
        r += 1
    ws.append(["合计", None, None, None, 12])
    ws.append(["制表人：王某", None, "审核人：李某"])
    wb.save(path)
    return path


def test_a_messy_layout_reads_the_same_in_parts(township, tmp_path, monkeypatch, parts):
    path = _layout_book(tmp_path / "m.xlsx")
    known = importer._kind("dibao_rural").known_headers()
    in_parts = read_table(path, known_headers=known, fill_down=["村(社区)"])
    assert parts[0] is not None
    _whole(monkeypatch)
    whole = read_table(path, known_headers=known, fill_down=["村(社区)"])
    assert (in_parts.sheet, in_parts.header_row, in_parts.headers, in_parts.rows, in_parts.skipped) == \
        (whole.sheet, whole.header_row, whole.headers, whole.rows, whole.skipped)
    assert in_parts.sheet == "花名册" and in_parts.header_row == 4 and len(in_parts.rows) == 12
    assert {r.values[0] for r in in_parts.rows} == {"长丰村", "新华社区"}


def test_a_messy_layout_imports_the_same_in_parts(township, db, tmp_path, monkeypatch, parts, early):
    path = _layout_book(tmp_path / "m.xlsx")
    first, second, changed, a, b = _parts_then_whole(db, tmp_path, monkeypatch, parts, "dibao_rural", path)
    assert first.written and first.created == 12
    assert _fields(first) == _fields(second) and a == b


def test_a_named_sheet_that_is_not_the_first_in_parts(township, db, tmp_path, monkeypatch, parts, early):
    wb = openpyxl.Workbook()
    wb.active.title = "汇总"
    wb.active.append(["姓名", "身份证号", "村(社区)"])   # a header too: --sheet must pass it by
    wb.active.append(["某某", new_id(dt.date(1950, 5, 5)), "长丰村"])
    ws = wb.create_sheet("高龄")
    ws.append(["姓名", "身份证号", "村(社区)", "开始月份"])
    for i in range(15):
        ws.append([f"老人{i}", new_id(dt.date(1936, 1, 1) + dt.timedelta(days=i)), "长丰村", "2024-01"])
    path = tmp_path / "g.xlsx"
    wb.save(path)
    first, second, changed, a, b = _parts_then_whole(db, tmp_path, monkeypatch, parts, "gaoling", path,
                                                     sheet="高龄")
    assert first.written and first.sheet == "高龄" and first.created == 15
    assert _fields(first) == _fields(second) and a == b


def _shared_strings_book(path: Path, rows) -> Path:
    """An xlsx as Excel/WPS save it: text in sharedStrings (t="s"), a few inline strings
    (t="inlineStr"), numbers plain; rows and cells numbered."""
    header = ["姓名", "身份证号", "村(社区)", "开始月份"]
    strings: dict[str, int] = {}

    def cell(ref: str, v, inline: bool) -> str:
        if isinstance(v, (int, float)):
            return f'<c r="{ref}"><v>{v}</v></c>'
        if inline:
            return f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>'
        k = strings.setdefault(v, len(strings))
        return f'<c r="{ref}" t="s"><v>{k}</v></c>'

    xml_rows = []
    for n, row in enumerate([header, *rows], 1):
        cells = "".join(cell(f"{chr(65 + j)}{n}", v, inline=(n % 4 == 0 and j == 0))
                        for j, v in enumerate(row) if v is not None)
        xml_rows.append(f'<row r="{n}" spans="1:4">{cells}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    sheet_xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<worksheet {ns} '
                 f'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                 f'<dimension ref="A1:D{len(rows) + 1}"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
                 f'<sheetFormatPr defaultRowHeight="14.25"/><sheetData>{"".join(xml_rows)}</sheetData>'
                 f'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
                 f'</worksheet>')
    sst = "".join(f"<si><t>{s}</t></si>" for s in strings)
    members = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<workbook {ns} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="高龄" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/sharedStrings.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<sst {ns} count="{len(strings)}" uniqueCount="{len(strings)}">{sst}</sst>',
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_a_shared_strings_workbook_imports_the_same_in_parts(township, db, tmp_path, monkeypatch, parts, early):
    rows = [[f"老人{i}", new_id(dt.date(1936, 1, 1) + dt.timedelta(days=i)), "长丰村" if i % 2 else "新华社区",
             "2024-01"] for i in range(20)]
    path = _shared_strings_book(tmp_path / "g.xlsx", rows)
    first, second, changed, a, b = _parts_then_whole(db, tmp_path, monkeypatch, parts, "gaoling", path)
    assert first.written and first.created == 20
    assert _fields(first) == _fields(second) and a == b


# ------------------------------------------------------------- wizard and CLI


def test_the_wizard_path_in_parts(township, db, tmp_path, monkeypatch, parts, early):
    path = sheet(tmp_path / "d.xlsx", HEADER, _households(15))
    table, mapping = importer.detect("dibao_rural", path)
    assert parts[0] is not None and table.whole()
    result = run("dibao_rural", path, table=table, mapping=mapping)
    assert result.written and result.created == 15 and problems(result) == []
    assert len(parts) == 1   # the wizard's table was used, not read again


def test_the_cli_on_a_parted_file(township, db_path, tmp_path, monkeypatch, parts, capsys):
    from mzdesk.cli import main
    path = sheet(tmp_path / "d.xlsx", HEADER, _households(10))
    dbmod.close_database()
    code = main(["--db", str(db_path), "import", "dibao_rural", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "已新增 10 条" in out and parts[0] is not None


# ------------------------------------------------------------- refusals, errors, cancels


def test_a_problem_only_in_the_last_part_refuses_and_leaves_the_database(township, db, tmp_path, parts, early):
    rows = _households(30)
    rows[-1][1] = rows[-1][1][:-1] + ("0" if rows[-1][1][-1] != "0" else "1")   # a wrong check digit
    path = sheet(tmp_path / "d.xlsx", HEADER, rows)
    before = db_hash(db)
    result = run("dibao_rural", path)
    assert not result.written and parts[0] is not None
    assert [(p.row, p.column) for p in result.problems] == [(len(rows) + 2, "身份证号")]
    assert db_hash(db) == before


def _spoil(path: Path, row: int) -> None:
    """Column E (保障人数, a number cell) of the given Excel row holds text calamine refuses."""
    with zipfile.ZipFile(path) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
    name = "xl/worksheets/sheet1.xml"
    xml = members[name].decode()
    m = re.search(rf'<c r="D{row}"[^>]*>(<v>[^<]*</v>)</c>', xml)
    assert m, "no number cell to spoil"
    members[name] = (xml[:m.start(1)] + "<v>不是数字</v>" + xml[m.end(1):]).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in members.items():
            z.writestr(n, data)


def test_an_unreadable_cell_near_the_header_is_the_files_chinese_error(township, db, tmp_path, monkeypatch, parts):
    """The header search reads the first 30 rows, which here are in later parts: a cell
    calamine cannot read there must be the file's ReadError, as when read whole."""
    rows = _households(12)
    path = sheet(tmp_path / "d.xlsx", HEADER, rows)
    _spoil(path, 3)   # the first household's 保障人数, the row under the header
    _same_error_in_parts_and_whole(db, monkeypatch, path, parts)


def test_an_unreadable_cell_in_a_later_part_is_the_files_chinese_error(township, db, tmp_path, monkeypatch, parts,
                                                                       early):
    rows = _households(40)
    path = sheet(tmp_path / "d.xlsx", HEADER, rows)
    last_head = max(i for i, r in enumerate(rows) if r[2] == "户主") + 3   # its Excel row
    _spoil(path, last_head)
    before = db_hash(db)
    with pytest.raises(ReadError, match="无法读取文件“d.xlsx”"):
        run("dibao_rural", path)
    assert db_hash(db) == before
    for t in _part_threads():
        t.join(5)
    assert not _part_threads()


def test_an_unreadable_cell_above_a_merged_village_is_the_files_chinese_error(township, db, tmp_path, monkeypatch,
                                                                            parts):
    """The merged village ranges are read before the first row is given (their top cells,
    wherever they are): a cell calamine cannot read above the last one is the file's
    ReadError too, as when read whole."""
    path = _layout_book(tmp_path / "m.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["花名册"]
    ws.append([])
    for i in range(30):   # further households, below row 30, the village merged over them
        ws.append(["长丰村" if i == 0 else None, f"后户{i}", new_id(dt.date(1961, 1, 1) + dt.timedelta(days=i)),
                   "户主", 1, None, f"62170001{i:08d}", "2024-01"])
    ws.merge_cells(start_row=ws.max_row - 29, start_column=1, end_row=ws.max_row, end_column=1)
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
    name = "xl/worksheets/sheet2.xml"
    xml = members[name].decode()
    m = re.search(r'<c r="E38"[^>]*>(<v>[^<]*</v>)</c>', xml)   # a 保障人数 above the last merge's top
    members[name] = (xml[:m.start(1)] + "<v>不是数字</v>" + xml[m.end(1):]).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in members.items():
            z.writestr(n, data)
    _same_error_in_parts_and_whole(db, monkeypatch, path, parts)


def test_date_cells_and_a_1904_workbook_read_the_same_in_parts(township, db, tmp_path, monkeypatch, parts, early):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.append(["姓名", "身份证号", "村(社区)", "开始月份"])
    for i in range(16):
        ws.append([f"老人{i}", new_id(dt.date(1936, 1, 1) + dt.timedelta(days=i)), "长丰村",
                   dt.datetime(2024, 1 + i % 6, 1) if i % 2 else "2024年3月"])
    path = tmp_path / "g.xlsx"
    wb.save(path)
    first, second, changed, a, b = _parts_then_whole(db, tmp_path, monkeypatch, parts, "gaoling", path)
    assert first.written and first.created == 16
    assert _fields(first) == _fields(second) and a == b


def test_rows_formatted_far_below_the_roster_import_the_same_in_parts(township, db, tmp_path, monkeypatch, parts,
                                                                      early):
    """Clerks format whole columns: styled empty cells hundreds of rows below the last
    household (the parted length counts them; a whole read may not)."""
    from openpyxl.styles import PatternFill
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in _households(8):
        ws.append(row)
    for r in range(ws.max_row + 1, 400):
        ws.cell(row=r, column=2).fill = PatternFill("solid", fgColor="FFFF00")
    path = tmp_path / "d.xlsx"
    wb.save(path)
    first, second, changed, a, b = _parts_then_whole(db, tmp_path, monkeypatch, parts, "dibao_rural", path)
    assert first.written and first.created == 8
    assert _fields(first) == _fields(second) and a == b


def test_a_last_part_of_only_formatted_rows_with_parts_of_some_kilobytes(township, db, tmp_path, monkeypatch,
                                                                         parts, early):
    """As above with parts of a few kilobytes (the sizes test_import_parts uses): the
    roster's data ends in one part, the formatting below it fills the last; a part
    without a single value comes back from xlsx_parts._read_part as (rows [], r0 0),
    which _add takes for rows out of order."""
    monkeypatch.setattr(xlsx_parts, "FIRST_PART", 3000)
    monkeypatch.setattr(xlsx_parts, "PART", 5000)
    from openpyxl.styles import Border, Side
    thin = Side(style="thin")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    rows = _households(30)
    for row in rows:
        ws.append(row)
    for r in range(ws.max_row + 1, ws.max_row + 200):   # bordered empty cells under the roster
        for c in range(1, 10):
            ws.cell(row=r, column=c).border = Border(left=thin, right=thin, top=thin, bottom=thin)
    path = tmp_path / "d.xlsx"
    wb.save(path)
    first, second, changed, a, b = _parts_then_whole(db, tmp_path, monkeypatch, parts, "dibao_rural", path)
    assert first.written and first.created == 30
    assert _fields(first) == _fields(second) and a == b


def _slow_parts(monkeypatch, delay: float = 0.02):
    """Each later part takes `delay` to read: the thread is still reading when the import
    is cancelled; the parts it read after that are counted."""
    read = []
    real = xlsx_parts._read_part

    def slow(book, k):
        if k:
            time.sleep(delay)
            read.append(k)
        return real(book, k)

    monkeypatch.setattr(xlsx_parts, "_read_part", slow)
    return read


def test_a_cancel_while_later_parts_are_read_writes_nothing_and_stops_the_thread(township, db, tmp_path,
                                                                               monkeypatch, parts, early):
    read = _slow_parts(monkeypatch)
    rows = _households(60)
    path = sheet(tmp_path / "d.xlsx", HEADER, rows)

    class Cancelled(Exception):
        pass

    # progress() is called every 500 rows; the cancel comes with a chunk of cleaned rows
    # instead (the same exception out of Job.parse, with later parts still to read)
    real = apply_module.Applier.register_early

    def cancel(self, recs):
        if len(read) > 3:
            raise Cancelled
        real(self, recs)

    monkeypatch.setattr(apply_module.Applier, "register_early", cancel)
    before = db_hash(db)
    with pytest.raises(Cancelled):
        run("dibao_rural", path)
    assert db_hash(db) == before
    parted = parts[0]
    at_cancel = len(read)
    parted.thread.join(1.0)
    assert not parted.thread.is_alive(), "the thread goes on reading the file after the cancel"
    assert len(read) <= at_cancel + 1 < len(parted._starts) - 1


def test_a_header_not_found_in_parts_stops_the_thread(township, tmp_path, monkeypatch, parts):
    _slow_parts(monkeypatch)
    wb = openpyxl.Workbook()
    ws = wb.active
    for i in range(60):
        ws.append([f"说明{i}", "无关内容"])
    path = tmp_path / "x.xlsx"
    wb.save(path)
    with pytest.raises(ReadError, match="没有找到表头"):
        read_table(path, known_headers=["姓名", "身份证号"])
    parts[0].thread.join(1.0)
    assert not parts[0].thread.is_alive()
