"""Opening, creating and upgrading the database file.

SQLite in the user's data directory by default (WAL, foreign keys on).
Every open checks the schema version: an older file is copied aside and then
upgraded step by step; a file from a newer mzdesk is refused.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sqlite3
import threading
from pathlib import Path

import peewee as pw
import platformdirs

from . import migrations
from .errors import DatabaseVersionError, DomainError
from .models import database

log = logging.getLogger(__name__)

APP_NAME = "mzdesk"
DB_FILE = "mzdesk.sqlite3"
ENV_DB = "MZDESK_DB"

# journal_mode=wal is set only after the version check: switching to WAL
# rewrites the file header, and a refused file must be left untouched.
PRAGMAS = {
    "foreign_keys": 1,
    "synchronous": "normal",
    "busy_timeout": 5000,
    "cache_size": -32000,
}


def data_dir() -> Path:
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def default_path() -> Path:
    """The database the app and the CLI use when no --db is given."""
    env = os.environ.get(ENV_DB)
    return Path(env) if env else data_dir() / DB_FILE


def _connect(path: Path) -> pw.SqliteDatabase:
    # check_same_thread off: an import hands its INSERTs to a second thread on the same
    # connection and transaction (importing/sql_writer.py); SQLite serialises the calls
    db = pw.SqliteDatabase(str(path), pragmas=PRAGMAS, check_same_thread=False)
    try:
        db.connect(reuse_if_open=True)
        db.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
    except pw.DatabaseError as exc:
        db.close()
        raise DomainError(f"“{path.name}”不是民政桌面的数据库文件，或文件已损坏") from exc
    return db


def schema_version(db: pw.Database) -> int:
    """0 for an empty file; raises for a SQLite file that is not ours."""
    tables = set(db.get_tables())
    if not tables:
        return 0
    if "meta" not in tables:
        raise DomainError("该文件是其他程序的数据库，不是民政桌面的数据库")
    row = db.execute_sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def open_database(path: Path | str | None = None, *, create: bool = True) -> pw.SqliteDatabase:
    """Open (and if needed create or upgrade) the database; bind the models to it."""
    path = Path(path) if path else default_path()
    if not path.exists():
        if not create:
            raise DomainError(f"数据库文件不存在：{path}")
        path.parent.mkdir(parents=True, exist_ok=True)
    close_database()
    db = _connect(path)
    try:
        version = schema_version(db)
        if version > migrations.LATEST:
            raise DatabaseVersionError(
                f"该数据库由更新版本的民政桌面创建（结构版本 {version}），"
                f"本程序只支持到版本 {migrations.LATEST}，请先升级程序"
            )
        if 0 < version < migrations.LATEST:
            copy_before_migration(db, path, version)
        db.pragma("journal_mode", "wal", permanent=True)
        migrate(db, version)
    except Exception:
        db.close()
        raise
    database.initialize(db)
    return db


def close_database() -> None:
    # A checkpoint still running holds a connection of its own: waited for, so that the
    # last connection to close folds the WAL into the file (a copy of the file alone,
    # or a restore replacing it, then has everything)
    while _checkpoints:
        _checkpoints.pop().join()
    current = database.obj
    if current is not None and not current.is_closed():
        current.close()


def migrate(db: pw.Database, current: int, target: int | None = None) -> int:
    """Run every migration after `current` up to `target`, each in one transaction."""
    target = migrations.LATEST if target is None else target
    for version, file_name in migrations.steps():
        if current < version <= target:
            with db.atomic():
                for sql in migrations.statements(file_name):
                    db.execute_sql(sql)
                db.execute_sql(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (str(version),),
                )
            current = version
    return current


def copy_before_migration(db: pw.SqliteDatabase, path: Path, version: int) -> Path:
    """Keep the file as it was before an upgrade, next to it."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.v{version}-{stamp}.bak")
    online_copy(db.connection(), target)
    return target


def online_copy(source: sqlite3.Connection, target: Path) -> None:
    """Copy a live database with SQLite's backup API (consistent under WAL)."""
    dest = sqlite3.connect(str(target))
    try:
        source.backup(dest)
    finally:
        dest.close()


@contextlib.contextmanager
def checkpoint_afterwards(db: pw.SqliteDatabase, large: bool):
    """Around a large write transaction: its pages are copied from the WAL into
    the database file by a second connection on a thread of its own, after the
    commit, instead of inside it (SQLite's automatic checkpoint runs in the
    committing call: a fifth of a 20,000-row import, which the clerk would
    wait for). A passive checkpoint blocks nobody; if the program ends first,
    the next connection finishes it. Small transactions are left as they are."""
    if not large:
        yield
        return
    db.execute_sql("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        db.execute_sql("PRAGMA wal_autocheckpoint = 1000")
    thread = threading.Thread(target=_checkpoint, args=(db.database,), name="mzdesk-checkpoint", daemon=True)
    thread.start()
    _checkpoints[:] = [t for t in _checkpoints if t.is_alive()] + [thread]


_checkpoints: list[threading.Thread] = []   # started and not yet waited for (close_database)


def _checkpoint(path: str) -> None:
    try:
        con = sqlite3.connect(path, timeout=5)
        try:
            con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            con.close()
    except sqlite3.Error as exc:   # the WAL stays; the next checkpoint copies it
        log.warning("checkpoint after a large write failed: %s", type(exc).__name__)
