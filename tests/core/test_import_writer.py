"""The import's statements on a second thread (mzdesk/importing/sql_writer.py): the
rows come out as executemany would write them (a NUL in a cell too), a failed
statement or a thread that cannot run stops the rest and reaches the import, nothing
runs after the rollback (Ctrl-C while waiting too), and a cancelled import leaves
nothing behind; a large import's pages reach the database file after it returns, and
before the program ends (db.checkpoint_afterwards). Some cases came from a review."""
from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from mzdesk import db as dbmod
from mzdesk.importing import sql_writer
from mzdesk.models import Enrollment, Person

from .people import new_id
from .test_importer import db_hash, run, sheet

ROOT = Path(__file__).resolve().parents[2]

_TABLE = "CREATE TABLE t (id INTEGER PRIMARY KEY, a, b, c, d, e, f)"
_INSERT = "INSERT INTO t (id, a, b, c, d, e, f) VALUES (?, ?, ?, 'x, y', ?, ?, ?)"


def _connection(tmp_path, name):
    con = sqlite3.connect(tmp_path / name, isolation_level=None, check_same_thread=False)
    con.execute(_TABLE)
    con.execute("BEGIN IMMEDIATE")   # the Writer runs only inside the import's transaction
    return con


def _rows():
    """Values a roster gives: digits as text (ID numbers, accounts, a leading zero),
    integers, NULL, quotes and Chinese text; one column the same on every row."""
    return [(i, f"51010{i:013d}", "0123" if i % 2 else 42, None if i % 3 else "张'大\"山\\", 2**40 + i,
             "2026-06-10 09:00:00") for i in range(1, 501)]


def test_rows_written_by_the_writer_are_those_executemany_writes(tmp_path):
    rows = _rows()
    direct, queued = _connection(tmp_path, "a.db"), _connection(tmp_path, "b.db")
    direct.executemany(_INSERT, rows)
    writer = sql_writer.Writer(queued)
    writer.executemany(_INSERT, rows[:250])
    writer.executemany(_INSERT, (r for r in rows[250:]))   # a generator too
    writer.close()
    dump = "SELECT id, a, typeof(a), b, typeof(b), c, d, typeof(d), e, typeof(e), f FROM t ORDER BY id"
    assert queued.execute(dump).fetchall() == direct.execute(dump).fetchall()
    assert queued.execute("SELECT count(*) FROM t").fetchone()[0] == 500


def test_rows_alike_in_every_value_are_all_written(tmp_path):
    con = _connection(tmp_path, "f.db")
    con.execute("CREATE TABLE m (k, v)")
    writer = sql_writer.Writer(con)
    writer.executemany("INSERT INTO m (k, v) VALUES (?, ?)", [(1, "同")] * 5)
    writer.executemany("INSERT INTO m (k, v) VALUES (?, ?)", [(1, "x"), (True, "x"), (1.0, "x")])
    writer.close()
    assert con.execute("SELECT count(*) FROM m WHERE v = '同'").fetchone()[0] == 5
    assert con.execute("SELECT typeof(k) FROM m WHERE v = 'x' ORDER BY rowid").fetchall() == [
        ("integer",), ("integer",), ("real",)]


def test_a_failed_statement_stops_the_rest_and_is_raised_where_the_import_waits(tmp_path):
    con = _connection(tmp_path, "c.db")
    writer = sql_writer.Writer(con)
    writer.executemany(_INSERT, _rows()[:3])
    writer.execute("INSERT INTO t (id, a) VALUES (1, 'again')")          # the same id: refused
    writer.execute("INSERT INTO t (id, a) VALUES (99, 'after the failure')")
    with pytest.raises(sqlite3.IntegrityError):
        writer.wait()
    with pytest.raises(sqlite3.IntegrityError):   # and again: nothing more is queued after it
        writer.execute("INSERT INTO t (id, a) VALUES (100, 'later')")
    writer.close(failed=True)
    assert [r[0] for r in con.execute("SELECT id FROM t ORDER BY id")] == [1, 2, 3]


def test_nothing_queued_runs_once_the_transaction_has_ended(tmp_path):
    con = _connection(tmp_path, "e.db")
    writer = sql_writer.Writer(con)
    con.execute("ROLLBACK")   # as if the import had rolled back with statements still queued
    writer.execute("INSERT INTO t (id, a) VALUES (1, 'would commit on its own')")
    with pytest.raises(sqlite3.OperationalError, match="transaction has ended"):
        writer.close()
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 0


def test_ids_read_at_the_start_are_read_again_after_the_import_writes_itself(tmp_path):
    con = _connection(tmp_path, "d.db")
    con.execute("INSERT INTO t (id) VALUES (7)")
    writer = sql_writer.Writer(con, ids_of=("t",))
    con.execute("INSERT INTO t (id) VALUES (8)")   # not through the writer: unseen so far
    assert writer.next_id("t") == 8                # the id read when it started, given once
    writer.wait()                                  # the import is about to write itself
    assert writer.next_id("t") == 9
    writer.close()


def _elders(path, n):
    rows = [[f"老人{i}", new_id(dt.date(1940, 1, 1) + dt.timedelta(days=i)), "长丰村", 50, "2024-01"]
            for i in range(n)]
    return sheet(path, ["姓名", "身份证号", "村(社区)", "金额", "开始月份"], rows)


def test_cancelling_while_rows_are_being_written_leaves_the_database_as_it_was(township, tmp_path, db):
    path = _elders(tmp_path / "g.xlsx", 450)

    class Cancelled(Exception):
        pass

    calls = []

    def cancel(done, total, label):
        if label == "正在写入":
            calls.append(done)
            if len(calls) == 3:   # inside the enrollments' loop, persons already queued
                raise Cancelled

    before = db_hash(db)
    with pytest.raises(Cancelled):
        run("gaoling", path, progress=cancel)
    assert db_hash(db) == before and Person.select().count() == 0
    result = run("gaoling", path)   # the same file afterwards goes in whole
    assert result.problems[:3] == []
    assert result.written and Person.select().count() == Enrollment.select().count() == 450


def test_a_large_write_is_checkpointed_after_it_returns_not_inside_the_commit(db):
    file = Path(db.database)
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute_sql("CREATE TABLE filler (x TEXT)")
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    size = file.stat().st_size
    with dbmod.checkpoint_afterwards(db, large=True):
        assert db.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        with db.atomic():
            db.execute_sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)"
                           " INSERT INTO filler SELECT hex(randomblob(500)) FROM n")
        assert file.stat().st_size == size   # committed into the WAL only
    assert db.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    for thread in threading.enumerate():
        if thread.name == "mzdesk-checkpoint":
            thread.join(10)
    assert file.stat().st_size > size + 3_000_000   # the pages reached the database file
    assert db.execute_sql("SELECT count(*) FROM filler").fetchone()[0] == 4000


def test_a_nul_inside_a_cell_is_written_whole(township, tmp_path):
    """Excel saves a NUL in a cell as _x0000_ and the reader gives it back; executemany
    stores the whole text (json_extract over a JSON array of the rows, as the Writer
    once sent them, cut it at the NUL)."""
    plain = sheet(tmp_path / "p0.xlsx", ["姓名", "身份证号", "住址"],
                  [["张三", new_id(dt.date(1960, 1, 1)), "长丰村ZZZ3组"],
                   ["李四", new_id(dt.date(1961, 1, 1)), "长丰村4组"]])   # two rows: one statement
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
    con.execute("BEGIN IMMEDIATE")
    writer = sql_writer.Writer(con)
    with pytest.raises(sqlite3.ProgrammingError):   # at the next call or at close: never success
        writer.executemany("INSERT INTO t (id, a) VALUES (?, ?)", [(1, "x"), (2, "y")])
        writer.close()
    writer.close(failed=True)
    assert not writer._thread.is_alive()
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 0


def test_statements_queued_when_the_wait_at_close_is_interrupted_do_not_run_after_the_rollback(tmp_path):
    """Ctrl-C (the CLI catches KeyboardInterrupt) while statements() waits for the writer
    at its normal end: the rest are dropped and the thread has stopped before the
    interruption goes on to the importer, whose transaction then rolls back; nothing
    queued may run after that (it would commit on its own)."""
    con = sqlite3.connect(tmp_path / "i.db", isolation_level=None, check_same_thread=False)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a)")
    con.execute("BEGIN IMMEDIATE")
    slow = ("INSERT INTO t (a) SELECT hex(randomblob(16)) FROM (WITH RECURSIVE n(i) AS (SELECT 1"
            " UNION ALL SELECT i + 1 FROM n WHERE i < 300000) SELECT i FROM n)")
    with pytest.raises(KeyboardInterrupt):
        with sql_writer.statements(con) as writer:
            writer.execute(slow)
            writer.execute("INSERT INTO t (id, a) VALUES (-1, 'queued after the slow one')")
            real_wait, calls = writer._done.wait, []

            def interrupted(timeout=None):   # as a SIGINT during the first wait
                calls.append(1)
                if len(calls) == 1:
                    raise KeyboardInterrupt
                return real_wait(timeout)
            writer._done.wait = interrupted
    assert writer._done.is_set() and not writer._thread.is_alive()   # stopped before going on
    assert con.execute("SELECT count(*) FROM t WHERE id = -1").fetchone()[0] == 0   # dropped
    con.execute("ROLLBACK")                  # what the importer's atomic() does next
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


def test_rows_whose_columns_are_all_alike_or_alike_but_one_are_written_whole(tmp_path):
    con = _connection(tmp_path, "h.db")
    con.execute("CREATE TABLE w (a, b, c)")
    writer = sql_writer.Writer(con)
    writer.executemany("INSERT INTO w (a, b, c) VALUES (?, ?, ?)", [(1, "同", None)] * 4)          # none varies
    writer.executemany("INSERT INTO w (a, b, c) VALUES (?, ?, ?)", [(2, "异", i) for i in range(3)])  # one varies
    writer.executemany("INSERT INTO w (a, b, c) VALUES (?, ?, ?)", [(3, 1, "x"), (3, True, "x")])   # 1 and True
    writer.close()
    assert con.execute("SELECT a, b, c, typeof(c) FROM w ORDER BY rowid").fetchall() == [
        *[(1, "同", None, "null")] * 4, (2, "异", 0, "integer"), (2, "异", 1, "integer"), (2, "异", 2, "integer"),
        (3, 1, "x", "text"), (3, 1, "x", "text")]


@pytest.mark.parametrize("limit, value, measure", [
    (sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 100, lambda sql, params: len(params)),
    (sqlite3.SQLITE_LIMIT_SQL_LENGTH, 2000, lambda sql, params: len(sql)),
])
def test_rows_beyond_sqlites_limits_go_in_several_statements_in_order(tmp_path, limit, value, measure):
    """A build of SQLite may allow fewer parameters to a statement (32,766 by default,
    250,000 here) or shorter statements: the rows are split so that none goes beyond."""
    rows = _rows()
    direct, queued = _connection(tmp_path, "l1.db"), _connection(tmp_path, "l2.db")
    queued.setlimit(limit, value)
    direct.executemany(_INSERT, rows)
    seen = []
    writer = sql_writer.Writer(queued)
    real = writer._put
    writer._put = lambda sql, params: (seen.append(measure(sql, params)), real(sql, params))[1]
    writer.executemany(_INSERT, rows)
    writer.close()
    dump = "SELECT id, a, typeof(a), b, typeof(b), c, d, typeof(d), e, typeof(e), f FROM t ORDER BY rowid"
    assert queued.execute(dump).fetchall() == direct.execute(dump).fetchall()
    assert len(seen) > 1 and max(seen) <= value
