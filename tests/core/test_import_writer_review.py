"""Review of the import's second-thread writer (sql_writer.py) and the checkpoint
after a large import (db.checkpoint_afterwards): cases where the import writes
something other than what it wrote before, or where part of it can outlive a
rollback. Each test fails on 44f7313."""
from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from mzdesk.importing import sql_writer
from mzdesk.models import Person

from .people import new_id
from .test_importer import run, sheet

ROOT = Path(__file__).resolve().parents[2]


def test_a_nul_inside_a_cell_is_written_whole(township, tmp_path):
    """Excel saves a NUL in a cell as _x0000_ and the reader gives it back; executemany
    stored the whole text, json_extract over the JSON rows cuts it at the NUL."""
    plain = sheet(tmp_path / "p0.xlsx", ["姓名", "身份证号", "住址"],
                  [["张三", new_id(dt.date(1960, 1, 1)), "长丰村ZZZ3组"],
                   ["李四", new_id(dt.date(1961, 1, 1)), "长丰村4组"]])   # two rows: the JSON path
    path = tmp_path / "p.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            out.writestr(item, src.read(item.filename).replace(b"ZZZ", b"_x0000_"))
    result = run("persons", path)
    assert result.written and not result.problems
    assert Person.get(Person.name == "张三").address == "长丰村\x003组"   # stored as '长丰村'


def test_a_writer_whose_thread_cannot_run_does_not_report_success(tmp_path):
    """The thread makes its cursor outside the try of _run: if that fails the thread is
    gone, close() returns as if every statement ran (and wait() would block forever)."""
    con = sqlite3.connect(tmp_path / "t.db", isolation_level=None)   # check_same_thread on
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a)")
    writer = sql_writer.Writer(con)
    writer.executemany("INSERT INTO t (id, a) VALUES (?, ?)", [(1, "x"), (2, "y")])
    try:
        writer.close()
    except Exception:
        return   # reported: fine
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 2


def test_statements_queued_when_the_wait_at_close_is_interrupted_do_not_run_after_the_rollback(tmp_path):
    """Ctrl-C (the CLI catches KeyboardInterrupt) while statements() waits for the writer
    at its normal end: close() is outside the try, so the rest are not dropped; the
    importer's transaction rolls back and the statements still queued then run on the
    same connection in autocommit, i.e. committed."""
    con = sqlite3.connect(tmp_path / "i.db", isolation_level=None, check_same_thread=False)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a)")
    con.execute("BEGIN IMMEDIATE")
    slow = ("INSERT INTO t (a) SELECT hex(randomblob(16)) FROM (WITH RECURSIVE n(i) AS (SELECT 1"
            " UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) SELECT i FROM n)")
    thread = None
    with pytest.raises(KeyboardInterrupt):
        with sql_writer.statements(con) as writer:
            writer.execute(slow)
            writer.execute("INSERT INTO t (id, a) VALUES (-1, 'queued after the slow one')")
            thread = writer._thread

            def interrupted(timeout=None):   # as a SIGINT during Thread.join
                raise KeyboardInterrupt
            thread.join = interrupted
    con.execute("ROLLBACK")                  # what the importer's atomic() does next
    sql_writer.threading.Thread.join(thread)
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 0


def test_after_a_large_cli_import_the_database_file_holds_it(tmp_path):
    """Before 44f7313 the CLI's connection, the last one, checkpointed and removed the WAL
    on close. Now the checkpoint's own connection is still open (or killed) when the
    process ends: the import stays in mzdesk.sqlite3-wal, and the database file alone
    (copied by hand, as offices do) does not have it."""
    db = tmp_path / "mzdesk.sqlite3"
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "村(社区)"])
    for i in range(5000):
        ws.append([f"人员{i}", new_id(dt.date(1950, 1, 1) + dt.timedelta(days=i)), "长丰村"])
    wb.save(tmp_path / "p.xlsx")

    def cli(*argv):
        subprocess.run([sys.executable, "-m", "mzdesk", "--db", str(db), *argv], cwd=ROOT, check=True,
                       capture_output=True)
    cli("init", "--township", "茶店镇", "--villages", "长丰村")
    cli("import", "persons", str(tmp_path / "p.xlsx"))
    shutil.copyfile(db, tmp_path / "copy.sqlite3")
    con = sqlite3.connect(tmp_path / "copy.sqlite3")
    try:
        assert con.execute("SELECT count(*) FROM person").fetchone()[0] == 5000
    finally:
        con.close()
