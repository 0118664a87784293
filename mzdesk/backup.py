"""Backup and restore of the whole database file (DESIGN §5, §6, §8).

A backup is made with SQLite's online backup API (consistent even while the
database is open in WAL mode), written under a temporary name in the target
folder, checked, and only then renamed: a USB stick pulled out mid-write
leaves no half file under the final name.

A restore checks the backup before touching anything, keeps the current
database next to it as `<stem>.before-restore-YYYYmmdd-HHMMSS.sqlite3`, and
reopens through `db.open_database`, which upgrades an older backup.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import db as dbmod
from . import migrations
from .errors import DatabaseVersionError, DomainError
from .models import database

SQLITE_MAGIC = b"SQLite format 3\x00"
PAGES_PER_STEP = 1024  # about 4 MB per progress report with the default page size

Progress = Callable[[int, int], None]  # (pages copied, total pages); raise to cancel


@dataclass
class BackupResult:
    path: Path
    tables: dict[str, int]


@dataclass
class RestoreResult:
    restored_from: Path
    replaced_copy: Path | None  # None when there was no database file to replace
    tables: dict[str, int]


# --- reading a database file -------------------------------------------------

def count_rows(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per table; virtual tables and their shadow tables are left out
    (they are indexes over real tables, which are counted)."""
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name").fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")]
    counts = {}
    for name, _sql in rows:
        if name in virtual or any(name.startswith(v + "_") for v in virtual):
            continue
        quoted = '"' + name.replace('"', '""') + '"'
        counts[name] = conn.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]
    return counts


def _open_readonly(path: Path) -> sqlite3.Connection:
    # Without a -wal file nothing can change the file under us, so `immutable`
    # reads it without creating -wal/-shm files beside a user's backup.
    mode = "mode=ro" if Path(f"{path}-wal").exists() else "immutable=1"
    uri = Path(path).resolve().as_uri() + "?" + mode
    return sqlite3.connect(uri, uri=True)


def verify(path: Path | str) -> dict[str, int]:
    """Row counts of a good backup file; DomainError for anything else."""
    path = Path(path)
    if not path.is_file():
        raise DomainError(f"备份文件不存在：{path}")
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise DomainError(f"无法读取备份文件：{exc.strerror or exc}") from exc
    if head != SQLITE_MAGIC:
        raise DomainError("该文件不是民政桌面的备份文件")
    try:
        conn = _open_readonly(path)
    except sqlite3.Error as exc:
        raise DomainError("备份文件已损坏，无法打开") from exc
    try:
        try:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            raise DomainError("备份文件已损坏，无法读取") from exc
        if result != ["ok"]:
            raise DomainError("备份文件已损坏（完整性检查未通过），不能使用")
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.DatabaseError:
            row = None
        if row is None or not str(row[0]).isdigit():
            raise DomainError("该文件不是民政桌面的备份文件")
        version = int(row[0])
        if version > migrations.LATEST:
            raise DatabaseVersionError(
                f"该备份由更新版本的民政桌面创建（结构版本 {version}），"
                f"本程序只支持到版本 {migrations.LATEST}，请先升级程序")
        return count_rows(conn)
    finally:
        conn.close()


# --- backup ----------------------------------------------------------------------

def _current_db():
    current = database.obj
    if current is None:
        raise DomainError("没有打开的数据库")
    return current


def _copy_pages(source: sqlite3.Connection, target: Path, progress: Progress | None) -> None:
    """Online copy into `target`, then switch it out of WAL so it is one self-contained file."""
    dest = sqlite3.connect(str(target))
    try:
        report = None
        if progress is not None:
            def report(_status, remaining, total):
                progress(total - remaining, total)
        source.backup(dest, pages=PAGES_PER_STEP, progress=report)
        dest.execute("PRAGMA journal_mode=DELETE")
    finally:
        dest.close()


def _temp_name(folder: Path, final_name: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{final_name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    return Path(name)


def _remove(path: Path | None) -> None:
    if path is None:
        return
    for p in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(OSError):
            p.unlink()


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX only; Windows has no directory handles)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_REASONS = {errno.ENOSPC: "磁盘空间不足", errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限",
            errno.EROFS: "磁盘为只读", errno.EIO: "读写错误（U盘可能已被拔出）"}


def _write_error(exc: Exception) -> DomainError:
    """The clerk reads Chinese: translate the usual causes, keep the rest as given."""
    reason = _REASONS.get(getattr(exc, "errno", None))
    if reason is None and "full" in str(exc):
        reason = _REASONS[errno.ENOSPC]  # sqlite3: 'database or disk is full'
    reason = reason or getattr(exc, "strerror", None) or str(exc)
    return DomainError(f"磁盘已满或无法写入：{reason}")


def backup(out_path: Path | str, *, db=None, progress: Progress | None = None) -> BackupResult:
    """Copy the open database to `out_path` (a file name, or a folder to put a dated file in)."""
    current = db if db is not None else _current_db()
    out = Path(out_path)
    if out.is_dir():
        out = out / f"mzdesk-backup-{dt.datetime.now():%Y%m%d-%H%M%S}.sqlite3"
    folder = out.parent
    if not folder.is_dir():
        raise DomainError(f"目标文件夹不存在：{folder}")
    source_file = getattr(current, "database", None)
    if source_file and out.exists() and os.path.samefile(out, source_file):
        raise DomainError("不能把备份写到当前数据库文件上")
    source = current.connection()
    temp = None
    try:
        temp = _temp_name(folder, out.name)
        # One read transaction around counting and copying: both see the same snapshot.
        own_txn = not source.in_transaction
        if own_txn:
            source.execute("BEGIN")
        try:
            expected = count_rows(source)
            _copy_pages(source, temp, progress)
        finally:
            if own_txn and source.in_transaction:
                source.execute("COMMIT")
        tables = verify(temp)
        if tables != expected:
            raise DomainError("备份校验失败：备份文件与当前数据库的记录数不一致，请重试")
        os.replace(temp, out)
        temp = None
        _fsync_dir(folder)
    except DomainError:
        raise
    except (OSError, sqlite3.Error) as exc:
        raise _write_error(exc) from exc
    finally:
        _remove(temp)
    return BackupResult(out, tables)


# --- restore ---------------------------------------------------------------------

def _current_path() -> Path:
    current = database.obj
    name = getattr(current, "database", None) if current is not None else None
    return Path(name) if name and name != ":memory:" else dbmod.default_path()


def _keep_current(path: Path) -> Path:
    """A consistent copy of the database about to be replaced, next to it."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.before-restore-{stamp}.sqlite3")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.stem}.before-restore-{stamp}-{n}.sqlite3")
        n += 1
    temp = _temp_name(path.parent, target.name)
    try:
        try:
            source = sqlite3.connect(str(path))
            try:
                _copy_pages(source, temp, None)
            finally:
                source.close()
        except sqlite3.DatabaseError:
            # The current file is damaged (often why one restores): keep its raw bytes
            # and its WAL, which SQLite replays if anyone opens the copy.
            shutil.copyfile(path, temp)
            wal = Path(f"{path}-wal")
            if wal.exists():
                shutil.copyfile(wal, Path(f"{target}-wal"))
        os.replace(temp, target)
        temp = None
    finally:
        _remove(temp)
    return target


def _install(backup_path: Path, target: Path) -> None:
    """Put a copy of the backup at `target` via a temp file in the same folder."""
    temp = _temp_name(target.parent, target.name)
    try:
        source = _open_readonly(backup_path)
        try:
            _copy_pages(source, temp, None)
        finally:
            source.close()
        # A stale WAL of the old file would be replayed into the new one.
        for side in ("-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(f"{target}{side}")
        os.replace(temp, target)
        temp = None
    finally:
        _remove(temp)


def restore(backup_path: Path | str, *, db_path: Path | str | None = None) -> RestoreResult:
    """Replace the database with a backup; the old file is kept beside it."""
    backup_path = Path(backup_path)
    verify(backup_path)  # a bad file changes nothing
    target = Path(db_path) if db_path else _current_path()
    if target.exists() and os.path.samefile(target, backup_path):
        raise DomainError("所选备份文件就是当前数据库，无需恢复")
    if not target.parent.is_dir():
        raise DomainError(f"数据库所在文件夹不存在：{target.parent}")
    dbmod.close_database()
    replaced = None
    try:
        if target.exists():
            replaced = _keep_current(target)
        _install(backup_path, target)
    except (OSError, sqlite3.Error) as exc:
        _remove(replaced)  # nothing was replaced, so there is nothing to keep
        _reopen_quietly(target)
        raise DomainError(f"恢复失败，当前数据库未被替换：{getattr(exc, 'strerror', None) or exc}") from exc
    try:
        opened = dbmod.open_database(target)
    except Exception as exc:
        # The backup passed verify but cannot be opened (e.g. a migration failed):
        # put the previous database back so the office can keep working.
        if replaced is not None:
            _install(replaced, target)
            _reopen_quietly(target)
        if isinstance(exc, DomainError):
            raise
        raise DomainError(f"备份文件无法打开，已恢复原数据库：{exc}") from exc
    return RestoreResult(backup_path, replaced, count_rows(opened.connection()))


def _reopen_quietly(path: Path) -> None:
    with contextlib.suppress(Exception):
        if path.exists():
            dbmod.open_database(path)
