"""Database file: creation, numbered migrations, refusal of newer files."""
from __future__ import annotations

import sqlite3

import pytest

from mzdesk import db as dbmod, migrations
from mzdesk.errors import DatabaseVersionError, DomainError
from mzdesk.models import Person, Programme
from mzdesk.search import search_persons


def _build_v1(path):
    """A database as version 1 of mzdesk left it, with a person in it."""
    database = dbmod._connect(path)
    dbmod.migrate(database, 0, target=1)
    database.execute_sql(
        "INSERT INTO person (id_number, name, pinyin, initials, sex, birth_date, address, phone,"
        " bank_name, bank_account, note, created_at, updated_at) VALUES"
        " ('51011219700517001X', '张三丰', 'zhangsanfeng', 'zsf', '男', '1970-05-17', '', '', '', '',"
        " '', '2022-01-01 00:00:00', '2022-01-01 00:00:00')")
    database.close()


def test_new_database_is_latest_with_wal_and_foreign_keys(db):
    assert dbmod.schema_version(db) == migrations.LATEST >= 2
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert Programme.select().count() == 7


def test_version_1_database_is_copied_then_upgraded(tmp_path):
    path = tmp_path / "old.sqlite3"
    _build_v1(path)
    database = dbmod.open_database(path)
    try:
        assert dbmod.schema_version(database) == migrations.LATEST
        # migration 2 indexed the rows that were already there
        assert [p.name for p in search_persons("sanfeng")] == ["张三丰"]
        assert Person.select().count() == 1
    finally:
        dbmod.close_database()
    copies = list(tmp_path.glob("old.v1-*.bak"))
    assert len(copies) == 1
    kept = sqlite3.connect(copies[0])
    assert kept.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("1",)
    assert kept.execute("SELECT count(*) FROM person").fetchone() == (1,)
    kept.close()


def test_newer_database_is_refused_and_left_alone(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(DatabaseVersionError, match="更新版本"):
        dbmod.open_database(db_path)
    assert db_path.read_bytes() == before


def test_foreign_database_and_garbage_refused(tmp_path):
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(DomainError, match="其他程序"):
        dbmod.open_database(other)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(DomainError, match="不是民政桌面"):
        dbmod.open_database(junk)


def test_missing_file_not_created_when_asked(tmp_path):
    with pytest.raises(DomainError, match="不存在"):
        dbmod.open_database(tmp_path / "none.sqlite3", create=False)
    assert not (tmp_path / "none.sqlite3").exists()
