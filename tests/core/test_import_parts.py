"""A large xlsx sheet is read in parts (xlsx_parts), the later ones on a thread while the
import cleans the first rows: the same table, the same database and the same refusals
as when it is read whole. Small parts here, so that a few hundred rows make many."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from mzdesk import db as dbmod
from mzdesk.importing import apply as apply_module
from mzdesk.importing import apply_households, bulk, importer, reader, xlsx_parts
from mzdesk.importing import job as job_module
from mzdesk.importing.reader import ReadError, read_table
from mzdesk.models import Person

from . import messy
from .test_import_early import HEADER, _households, _snapshot
from .test_importer import db_hash, problems, run, sheet


def in_parts(monkeypatch, first: int, part: int) -> list:
    """Every xlsx sheet read in parts of these sizes (bytes of rows); the PartedRows
    opened (None: read whole), in a list."""
    monkeypatch.setattr(xlsx_parts, "PARTED_FROM", 1)
    monkeypatch.setattr(xlsx_parts, "FIRST_PART", first)
    monkeypatch.setattr(xlsx_parts, "PART", part)
    opened = []
    real = reader.open_parted
    monkeypatch.setattr(reader, "open_parted", lambda *a: (opened.append(r := real(*a)), r)[1])
    return opened


def early_from_the_first_row(monkeypatch, chunk: int) -> None:
    """Early registration from the first row, `chunk` rows to a chunk (as test_import_early)."""
    for module in (job_module, apply_module, apply_households, bulk):
        monkeypatch.setattr(module, "CHUNK", chunk)
    monkeypatch.setattr(importer, "EARLY_FROM", 0)


@pytest.fixture
def parts(monkeypatch):
    """Sheets read in parts of a few rows each."""
    return in_parts(monkeypatch, 3000, 5000)


@pytest.fixture
def early(monkeypatch):
    early_from_the_first_row(monkeypatch, 25)


def _whole(monkeypatch):
    monkeypatch.setattr(xlsx_parts, "PARTED_FROM", 10**12)


def _table(path: Path) -> tuple:
    t = read_table(path, known_headers=[*messy.HEADERS, "姓名", "身份证号"])
    return t.sheet, t.header_row, t.headers, t.columns, t.rows, t.skipped


def test_a_messy_roster_reads_the_same_in_parts(tmp_path, parts, monkeypatch):
    records = messy.sample_records(120, villages=messy._VILLAGES[:4], seed=3)
    expect = messy.ledger_xlsx(tmp_path / "m.xlsx", records, id_as_number=(5, 70), bad_check=(9,))
    in_parts = _table(expect.path)
    assert len(parts) == 1 and len(parts[0]) > 100   # opened, and read in parts
    _whole(monkeypatch)
    assert in_parts == _table(expect.path)
    assert parts[1:] == [None]   # asked again, and read whole
    assert [r.number for r in in_parts[4]] == sorted(expect.rows)   # every record's row, merged villages filled
    assert in_parts[5] == [reader.Skipped(n, why) for n, why in expect.skipped]


def test_a_household_roster_imported_in_parts_writes_what_a_whole_read_writes(
        township, db, tmp_path, monkeypatch, parts, early):
    rows = _households(120, village=lambda i: "长丰村3组" if i % 4 else "新华社区")
    path = sheet(tmp_path / "d.xlsx", HEADER, rows)
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    copy = tmp_path / "copy.sqlite3"
    shutil.copyfile(db.database, copy)
    first = run("dibao_rural", path)
    assert first.written and problems(first) == [] and parts[0] is not None
    dbmod.close_database()
    _whole(monkeypatch)
    dbmod.open_database(copy)
    second = run("dibao_rural", path)
    dbmod.close_database()
    assert parts[1:] == [None] and second.written
    assert (first.created, first.persons_created) == (second.created, second.persons_created) == (120, len(rows))
    assert _snapshot(Path(db.database)) == _snapshot(copy)


def test_a_problem_in_a_later_part_refuses_the_file_and_leaves_the_database(township, db, tmp_path, parts, early):
    rows = _households(100)
    rows[-2][1] = rows[0][1]   # the last rows repeat the first ID number
    path = sheet(tmp_path / "d.xlsx", HEADER, rows)
    before = db_hash(db)
    result = run("dibao_rural", path)
    assert not result.written and parts[0] is not None
    assert [(p.row, p.column) for p in result.problems] == [(len(rows) + 1, "身份证号")]
    assert db_hash(db) == before


def _spoil_late_cell(path: Path) -> None:
    """A number cell near the end whose value is not a number (calamine refuses it)."""
    with zipfile.ZipFile(path) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
    name = next(n for n in members if n.startswith("xl/worksheets/"))
    xml = members[name].decode()
    last = [m.start() for m in re.finditer(r'<c r="D\d+"[^>]*t="n"|<c r="D\d+"(?![^>]*t=)', xml)][-1]
    value = xml.index("<v>", last)
    members[name] = (xml[:value] + "<v>不是数字" + xml[value + 3:]).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in members.items():
            z.writestr(n, data)


def test_a_later_part_calamine_cannot_read_is_the_files_error(township, db, tmp_path, monkeypatch, parts, early):
    rows = _households(100)
    path = sheet(tmp_path / "d.xlsx", HEADER, rows)
    _spoil_late_cell(path)
    before = db_hash(db)
    with pytest.raises(ReadError, match="无法读取文件“d.xlsx”") as in_parts:
        run("dibao_rural", path)
    assert parts[0] is not None and db_hash(db) == before and Person.select().count() == 0
    _whole(monkeypatch)
    with pytest.raises(ReadError) as whole:
        run("dibao_rural", path)
    assert str(whole.value) == str(in_parts.value)


def test_a_small_or_other_workbook_is_read_whole(tmp_path, monkeypatch):
    path = sheet(tmp_path / "d.xlsx", HEADER, _households(5))
    opened = []
    real = reader.open_parted
    monkeypatch.setattr(reader, "open_parted", lambda *a: (opened.append(r := real(*a)), r)[1])
    table = _table(path)
    assert opened == [None] and len(table[4]) == 5 + sum(i % 3 for i in range(5))
    xls = messy.ledger_xls(tmp_path / "m.xls")
    assert len(_table(xls.path)[4]) == len(xls.rows) and opened == [None]   # never asked for an xls
