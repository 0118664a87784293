"""Tests for mzdesk.backup: whole files or nothing, and a bad backup changes nothing."""
from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from decimal import Decimal
from pathlib import Path

import peewee as pw
import pytest

from tests import paid as rows
from mzdesk import backup as bk
from mzdesk import db as dbmod
from mzdesk import idcard, migrations
from mzdesk.errors import DatabaseVersionError, DomainError
from mzdesk.models import (ALL_MODELS, Activity, AuditLog, Batch, BatchLine, CardIssuance, Death,
                           Enrollment, EnrollmentEvent, Household, HouseholdMember, HouseSurvey,
                           Indicator, OneOffSubsidy, Person, PersonTag, ReliefCase, Setting,
                           Standard, Village, database)


def add_person(name, birth, seq, village=None, **kw):
    return Person.create(id_number=idcard.make("510112", birth, seq), name=name, pinyin="x",
                         initials="x", sex="男", birth_date=birth, village=village, **kw)


@pytest.fixture
def filled(db):
    """A database with at least one row in every table."""
    Setting.create(key="township", value="红星镇")
    v = Village.create(name="东风村", code="510112001001")
    a = add_person("张三丰", dt.date(1940, 2, 29), 11, v, bank_account="6228480012345678901")
    b = add_person("李四", dt.date(1975, 7, 1), 12, v)
    PersonTag.create(person=b, tag="残疾")
    h = Household.create(village=v, head=b)
    HouseholdMember.create(household=h, person=b)
    Standard.create(programme="gaoling", category="80-89", amount=Decimal("100.00"),
                    effective_from="2024-01")
    e = Enrollment.create(programme="gaoling", person=a, category="80-89",
                          amount=Decimal("100.00"), start_month="2024-01", details={"x": "一"})
    EnrollmentEvent.create(enrollment=e, kind="开始", month="2024-01", amount=Decimal("100.00"))
    Death.create(person=add_person("王五", dt.date(1930, 1, 1), 13, v, death_date=dt.date(2024, 3, 1)),
                 death_date=dt.date(2024, 3, 1))
    ReliefCase.create(kind="临时救助", case_type="临时困难救助", person=b, household=h,
                      target_group="困难户", amount=Decimal("500.00"), approved_date=dt.date(2024, 2, 1))
    sub = OneOffSubsidy.create(name="元旦春节生活补贴", programmes="gaoling", month="2024-01",
                               amount=Decimal("300.00"))
    HouseSurvey.create(person=b, village=v, intention="原址重建", family_type="一般群众",
                       survey_date=dt.date(2024, 1, 5), compensation=Decimal("12345.67"))
    CardIssuance.create(person=a, card_type="老年优待证", issued_date=dt.date(2024, 1, 1))
    Activity.create(kind="老年人文化活动", held_date=dt.date(2024, 1, 1), participants=30)
    Indicator.create(name="政务公开面", month="2024-06", value="100")
    bt = rows.batch("gaoling", "2024-01", subsidy=sub)
    rows.line(bt, enrollment=e, person=a, village=v, amount=Decimal("100.00"))
    AuditLog.create(user="clerk", action="新增", entity="person", entity_id=str(a.id),
                    after={"name": "张三丰"})
    for model in ALL_MODELS:
        assert model.select().count() >= 1, model.__name__
    return db


def contents(path) -> dict[str, list[tuple]]:
    """Every row of every real table, read by a separate connection."""
    conn = sqlite3.connect(str(path))
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")]
        # Some FTS shadow tables are WITHOUT ROWID: sort in Python instead.
        return {n: sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
    finally:
        conn.close()


def digest(path: Path) -> dict[str, str]:
    """Hashes of the database file and its WAL, to prove nothing was touched."""
    out = {}
    for p in (path, Path(f"{path}-wal")):
        if p.exists():
            out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- backup ----------------------------------------------------------------------

def test_backup_is_a_verified_self_contained_copy(filled, db_path, tmp_path):
    out_dir = tmp_path / "usb"
    out_dir.mkdir()
    seen = []
    result = bk.backup(out_dir / "mz.sqlite3", progress=lambda done, total: seen.append((done, total)))
    assert result.path == out_dir / "mz.sqlite3"
    assert files(out_dir) == ["mz.sqlite3"]  # no temp, no -wal/-shm left behind
    assert contents(result.path) == contents(db_path)
    assert result.tables == bk.verify(result.path)
    assert result.tables["person"] == 3 and result.tables["batch_line"] == 1
    assert "person_fts" not in result.tables
    assert result.path.read_bytes()[18:20] == b"\x01\x01"  # not WAL: one file is the whole backup
    assert seen and seen[-1][0] == seen[-1][1]


def test_backup_into_a_folder_gets_a_dated_name(filled, tmp_path):
    out_dir = tmp_path / "usb"
    out_dir.mkdir()
    result = bk.backup(out_dir)
    assert result.path.parent == out_dir and result.path.name.startswith("mzdesk-backup-")
    assert files(out_dir) == [result.path.name]


def test_backup_to_missing_folder_is_refused(filled, tmp_path):
    with pytest.raises(DomainError, match="目标文件夹不存在"):
        bk.backup(tmp_path / "no-such-usb" / "mz.sqlite3")
    assert not (tmp_path / "no-such-usb").exists()


@pytest.fixture
def usb(tmp_path):
    """A target folder that already holds an older backup under the final name."""
    folder = tmp_path / "usb"
    folder.mkdir()
    (folder / "mz.sqlite3").write_bytes(b"old backup")
    return folder


def _assert_untouched(usb):
    assert files(usb) == ["mz.sqlite3"]
    assert (usb / "mz.sqlite3").read_bytes() == b"old backup"


def test_disk_full_leaves_no_half_file(filled, usb, monkeypatch):
    real = bk._copy_pages

    def half_then_full(source, target, progress):
        real(source, target, progress)  # the temp file exists and holds data …
        raise sqlite3.OperationalError("database or disk is full")  # … then the stick is full

    monkeypatch.setattr(bk, "_copy_pages", half_then_full)
    with pytest.raises(DomainError, match="磁盘已满或无法写入：磁盘空间不足"):
        bk.backup(usb / "mz.sqlite3")
    _assert_untouched(usb)


def test_failed_rename_leaves_no_temp_file(filled, usb, monkeypatch):
    def no_space(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bk.os, "replace", no_space)
    with pytest.raises(DomainError, match="磁盘已满或无法写入：磁盘空间不足"):
        bk.backup(usb / "mz.sqlite3")
    monkeypatch.undo()
    _assert_untouched(usb)


def test_cancel_from_progress_leaves_no_temp_file(filled, usb):
    class Cancelled(Exception):
        pass

    def cancel(done, total):
        raise Cancelled

    with pytest.raises(Cancelled):
        bk.backup(usb / "mz.sqlite3", progress=cancel)
    _assert_untouched(usb)


def test_count_mismatch_is_refused(filled, usb, monkeypatch):
    real = bk.verify
    monkeypatch.setattr(bk, "verify", lambda path: {**real(path), "person": -1})
    with pytest.raises(DomainError, match="备份校验失败"):
        bk.backup(usb / "mz.sqlite3")
    _assert_untouched(usb)


def test_backup_onto_the_database_itself_is_refused(filled, db_path):
    before = digest(db_path)
    with pytest.raises(DomainError, match="当前数据库"):
        bk.backup(db_path)
    assert digest(db_path) == before


# --- restore ---------------------------------------------------------------------

def test_round_trip_restores_every_row(filled, db_path, tmp_path):
    at_backup = contents(db_path)
    saved = bk.backup(tmp_path / "b.sqlite3").path
    # Work goes on after the backup: rows added, changed and removed.
    add_person("赵六", dt.date(1990, 1, 1), 21)
    Person.update(name="张三").where(Person.name == "张三丰").execute()
    Setting.delete().execute()
    at_restore = contents(db_path)
    assert at_restore != at_backup

    result = bk.restore(saved)
    assert result.restored_from == saved
    assert contents(db_path) == at_backup
    assert result.tables == bk.verify(saved)
    # The replaced database is kept, next to it, with the work done after the backup.
    kept = result.replaced_copy
    assert kept.parent == db_path.parent
    assert kept.name.startswith("mzdesk.before-restore-") and kept.suffix == ".sqlite3"
    assert contents(kept) == at_restore
    # The models work on the restored file, the search index too.
    assert database.obj.database == str(db_path)
    assert Person.get(Person.id_number == idcard.make("510112", dt.date(1940, 2, 29), 11)).name == "张三丰"
    assert not Person.select().where(Person.name == "赵六").exists()
    hits = database.execute_sql("SELECT rowid FROM person_fts WHERE person_fts MATCH '张三丰'").fetchall()
    assert len(hits) == 1
    leftovers = [n for n in files(db_path.parent) if n.endswith(".tmp")]
    assert leftovers == []


def test_restore_without_open_database_uses_db_path(filled, db_path, tmp_path):
    saved = bk.backup(tmp_path / "b.sqlite3").path
    dbmod.close_database()
    other = tmp_path / "elsewhere" / "new.sqlite3"
    other.parent.mkdir()
    result = bk.restore(saved, db_path=other)
    assert result.replaced_copy is None
    assert contents(other) == contents(saved)


def _text(path):
    path.write_text("姓名,身份证号\n张三,510112194002290115\n", encoding="utf-8")


def _empty(path):
    path.write_bytes(b"")


def _truncated(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _corrupt(path):
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page:] = b"\xa5" * (len(data) - page)  # every page after the first is garbage
    path.write_bytes(bytes(data))


def _foreign(path):
    path.unlink()
    conn = sqlite3.connect(str(path))
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER)")
    conn.commit()
    conn.close()


def _newer(path):
    conn = sqlite3.connect(str(path))
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(migrations.LATEST + 1),))
    conn.commit()
    conn.close()


@pytest.mark.parametrize("spoil, error, message", [
    (_text, DomainError, "不是民政桌面的备份文件"),
    (_empty, DomainError, "不是民政桌面的备份文件"),
    (_truncated, DomainError, "备份文件已损坏"),
    (_corrupt, DomainError, "备份文件已损坏"),
    (_foreign, DomainError, "不是民政桌面的备份文件"),
    (_newer, DatabaseVersionError, "更新版本"),
])
def test_bad_backup_changes_nothing(filled, db_path, tmp_path, spoil, error, message):
    bad = tmp_path / "bad" / "b.sqlite3"
    bad.parent.mkdir()
    bk.backup(bad)
    spoil(bad)
    with pytest.raises(error, match=message):
        bk.verify(bad)
    before, listing = digest(db_path), files(db_path.parent)
    with pytest.raises(error, match=message):
        bk.restore(bad)
    assert digest(db_path) == before
    assert files(db_path.parent) == listing  # no before-restore copy, no temp file
    assert not database.is_closed() and Person.select().count() == 3


def test_missing_backup_is_refused(filled, tmp_path):
    with pytest.raises(DomainError, match="备份文件不存在"):
        bk.restore(tmp_path / "nothing.sqlite3")


def test_restoring_the_database_onto_itself_is_refused(filled, db_path):
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    before = digest(db_path)
    with pytest.raises(DomainError, match="就是当前数据库"):
        bk.restore(db_path)
    assert digest(db_path) == before


def test_failed_install_keeps_the_current_database(filled, db_path, tmp_path, monkeypatch):
    saved = bk.backup(tmp_path / "b.sqlite3").path
    add_person("赵六", dt.date(1990, 1, 1), 21)
    current = contents(db_path)
    real = bk.os.replace

    def refuse_target(src, dst):
        if Path(dst) == db_path:
            raise PermissionError(13, "Permission denied")
        return real(src, dst)

    monkeypatch.setattr(bk.os, "replace", refuse_target)
    with pytest.raises(DomainError, match="恢复失败，当前数据库未被替换"):
        bk.restore(saved)
    assert contents(db_path) == current
    assert Person.select().where(Person.name == "赵六").exists()  # reopened and usable
    assert files(db_path.parent) == ["b.sqlite3", "mzdesk.sqlite3", "mzdesk.sqlite3-shm",
                                     "mzdesk.sqlite3-wal"]


def test_backup_that_fails_to_open_puts_the_old_database_back(filled, db_path, tmp_path,
                                                               monkeypatch):
    saved = bk.backup(tmp_path / "b.sqlite3").path
    add_person("赵六", dt.date(1990, 1, 1), 21)
    current = contents(db_path)
    real, calls = dbmod.open_database, []

    def fail_first(path, **kw):
        calls.append(path)
        if len(calls) == 1:
            raise sqlite3.OperationalError("migration failed")
        return real(path, **kw)

    monkeypatch.setattr(bk.dbmod, "open_database", fail_first)
    with pytest.raises(DomainError, match="已恢复原数据库"):
        bk.restore(saved)
    assert contents(db_path) == current
    assert Person.select().where(Person.name == "赵六").exists()


def test_paths_with_chinese_names_and_spaces(filled, tmp_path):
    folder = tmp_path / "民政 备份"
    folder.mkdir()
    result = bk.backup(folder / "红星镇 2024年6月.sqlite3")
    assert bk.verify(result.path) == result.tables
    assert files(folder) == ["红星镇 2024年6月.sqlite3"]


def test_older_backup_is_upgraded_on_restore(filled, db_path, tmp_path):
    old = tmp_path / "old" / "v1.sqlite3"
    old.parent.mkdir()
    v1 = pw.SqliteDatabase(str(old))
    dbmod.migrate(v1, 0, 1)
    v1.execute_sql(
        "INSERT INTO person (id_number, name, pinyin, initials, sex, birth_date, address, phone, "
        "bank_name, bank_account, note, created_at, updated_at) VALUES "
        "(?, '孙七', 'sunqi', 'sq', '男', '1950-01-01', '', '', '', '', '', '2024-01-01', '2024-01-01')",
        (idcard.make("510112", dt.date(1950, 1, 1), 31),))
    v1.close()
    assert bk.verify(old)["person"] == 1

    result = bk.restore(old)
    assert dbmod.schema_version(database) == migrations.LATEST
    assert result.tables["person"] == 1
    assert [p.name for p in Person.select()] == ["孙七"]
    # Migration 2 indexed the restored person for search.
    assert database.execute_sql("SELECT count(*) FROM person_fts WHERE person_fts MATCH 'sunqi'"
                                ).fetchone()[0] == 1
    # The file it replaced (three persons) is kept.
    assert len(contents(result.replaced_copy)["person"]) == 3
