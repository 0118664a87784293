"""The import's statements on a second thread (mzdesk/importing/sql_writer.py): the
rows come out as executemany would write them, a failed statement stops the rest
and reaches the import, and a cancelled import leaves nothing behind; a large
import's pages reach the database file after it returns (db.checkpoint_afterwards)."""
from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

import pytest

from mzdesk import db as dbmod
from mzdesk.importing import sql_writer
from mzdesk.models import Enrollment, Person

from .people import new_id
from .test_importer import db_hash, run, sheet

_TABLE = "CREATE TABLE t (id INTEGER PRIMARY KEY, a, b, c, d, e, f)"
_INSERT = "INSERT INTO t (id, a, b, c, d, e, f) VALUES (?, ?, ?, 'x, y', ?, ?, ?)"


def _connection(tmp_path, name):
    con = sqlite3.connect(tmp_path / name, isolation_level=None, check_same_thread=False)
    con.execute(_TABLE)
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
