"""Review of the early registration commits (e34e328, b4cb6e1, c90c319): tests that
show what they changed for the worse. Each test states what the import did before."""
from __future__ import annotations

import datetime as dt
import sqlite3
import sys
import threading

import pytest

from mzdesk.errors import ConflictError
from mzdesk.importing import apply as apply_module
from mzdesk.importing import bulk, importer
from mzdesk.importing import job as job_module
from mzdesk.models import AuditLog, Person

from .people import new_id
from .test_importer import problems, run, sheet

HEADER = ["姓名", "身份证号", "与户主关系", "保障人数", "金额", "开始月份", "村(社区)", "住址", "银行账号"]


@pytest.fixture
def early(monkeypatch):
    """Early registration from the first row, 25 rows to a chunk (as test_import_early)."""
    for module in (job_module, apply_module, bulk):
        monkeypatch.setattr(module, "CHUNK", 25)
    monkeypatch.setattr(importer, "EARLY_FROM", 0)


@pytest.fixture
def late(monkeypatch):
    """Everyone registered after the checks (the path as it was before these commits)."""
    monkeypatch.setattr(importer, "EARLY_FROM", 10**9)


def _households(n: int) -> list[list]:
    rows = []
    for i in range(n):
        rows.append([f"户主{i}", new_id(dt.date(1950, 1, 1) + dt.timedelta(days=i)), "户主", 1 + i % 2, None,
                     "2024-01", "长丰村", "", f"62170000{i:08d}"])
        if i % 2:
            rows.append([f"成员{i}", new_id(dt.date(1980, 1, 1) + dt.timedelta(days=i)), "配偶", None, None,
                         None, None, None, None])
    return rows


def _with_blank_relation(tmp_path):
    """A roster whose one row has a 与户主关系 cell of spaces: HouseholdProgrammeApplier.check
    puts that row in no household and reports nothing (raw cell not None, no value), so
    write() never sees it."""
    rows = _households(6)
    orphan = new_id(dt.date(1977, 7, 7))
    rows.insert(3, ["孤行", orphan, "   ", None, None, None, "长丰村", "", None])
    return sheet(tmp_path / "d.xlsx", HEADER, rows), orphan, len(rows) - 1


def test_without_early_registration_a_row_in_no_household_registers_nobody(township, db, tmp_path, late):
    # the control: how the import behaved before these commits (passes)
    path, orphan, persons = _with_blank_relation(tmp_path)
    result = run("dibao_rural", path)
    assert result.written and problems(result) == []
    assert Person.get_or_none(Person.id_number == orphan) is None
    assert result.persons_created == Person.select().count() == persons


def test_early_registration_registers_a_person_the_write_stage_never_takes(township, db, tmp_path, early):
    # DEFECT: register_early takes every clean row with an unregistered ID number, but
    # HouseholdProgrammeApplier.write registers only the rows of its groups; a row that
    # check() leaves out of every group without a problem is still registered, audited
    # and committed (the same file without early registration registers nobody for it).
    path, orphan, persons = _with_blank_relation(tmp_path)
    result = run("dibao_rural", path)
    assert result.written and problems(result) == []
    assert Person.get_or_none(Person.id_number == orphan) is None
    assert result.persons_created == Person.select().count() == persons
    assert AuditLog.select().where(AuditLog.action == "登记人员").count() == persons


def test_a_file_missing_a_required_column_is_reported_even_while_the_database_is_busy(township, db, tmp_path):
    # DEFECT (problems reported differently): before, a missing required column was
    # reported without the transaction being begun; now the IMMEDIATE transaction comes
    # first, so while another program writes the clerk gets "数据库正被…写入" after the
    # busy timeout (5 s) instead of the list naming the missing 身份证号 column.
    path = sheet(tmp_path / "g.xlsx", ["姓名", "开始月份"], [["张三", "2024-01"]])
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    other = sqlite3.connect(db.database, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    try:
        try:
            result = run("gaoling", path)
        except ConflictError as exc:
            pytest.fail(f"the missing column was not reported: {exc}")
    finally:
        other.rollback()
        other.close()
    assert not result.written
    assert [p.column for p in result.problems] == ["身份证号"]


def test_two_imports_that_overlap_put_the_switch_interval_back(township, tmp_path):
    # DEFECT (left behind in the process): _quick_handoffs restores the interval it found;
    # an import that starts while another runs (ui.worker runs them on threads) finds
    # 0.5 ms and, ending last, leaves the whole program at 0.5 ms for good.
    before = sys.getswitchinterval()
    path = sheet(tmp_path / "d.xlsx", HEADER, _households(3))
    second_inside, first_done = threading.Event(), threading.Event()

    class Stop(Exception):
        pass

    def second_progress(done, total, label):
        second_inside.set()
        first_done.wait(30)
        raise Stop   # the second import cancelled before it touches the database

    def second():
        with pytest.raises(Stop):
            run("dibao_rural", path, progress=second_progress)

    thread = threading.Thread(target=second)
    started = []

    def first_progress(done, total, label):
        if not started:
            started.append(True)
            thread.start()
            assert second_inside.wait(30)

    try:
        assert run("dibao_rural", path, progress=first_progress).written
        first_done.set()
        thread.join(30)
        assert sys.getswitchinterval() == before
    finally:
        first_done.set()
        sys.setswitchinterval(before)
