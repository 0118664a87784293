"""Households planned while a large roster is still being cleaned
(HouseholdProgrammeApplier.register_early / _plan_early / end_early) and the Writer's
INSERT … SELECT over a VALUES list (sql_writer._over_values / _as_values), against
the import that plans everything after the checks. From a review.

The first case was a defect: the problems a file was refused with depended on whether
its households went early. The others pin down risky behaviour that was checked and
found right: the same database and the same problems
as planning after the checks over rosters with registered persons, duplicates, blank
relations, unknown villages, households across chunk boundaries, a file of exactly one
chunk, heads-only rosters; the VALUES statement keeps the rows' order and types and is
not held to SQLite's limit on compound SELECTs."""
from __future__ import annotations

import datetime as dt
import random
import sqlite3

import pytest

from mzdesk.importing import sql_writer
from mzdesk.services import households, persons

from .people import new_id
from .test_import_early import HEADER, _both_ways, _households, early  # noqa: F401 (a fixture)
from .test_importer import problems, sheet


# --- a defect found in review --------------------------------------------------------------------------------


def test_a_refused_file_names_the_same_problems_whether_its_households_went_early_or_not(
        township, db, tmp_path, monkeypatch, early):
    """A person first met on a row with a bad cell was registered early from a later row,
    in another household; that household was planned early, and plan_new reported its
    保障人数 problem. check() then finds the later row a duplicate: planned after the
    checks, the household has a bad row and is never planned, its 保障人数 not looked
    at. The same file listed three problems at 2,000 rows (EARLY_FROM) and more, two
    below. Now a number met on any row above is never registered early."""
    rows = _households(60)
    person = new_id(dt.date(1958, 3, 3))
    rows[0][1], rows[0][8] = person, "abc"          # row 3: a bad 银行账号, so not registered early
    at = next(i for i, r in enumerate(rows) if i > 40 and r[2] == "配偶")
    rows[at][1] = person                             # the same person, a member further down
    head = max(i for i in range(at) if rows[i][2] == "户主")
    rows[head][3] = 9                                # and that household said to cover nine
    path = sheet(tmp_path / "d.xlsx", HEADER, rows)
    first, second, before, after, _ = _both_ways(db, tmp_path, monkeypatch, "dibao_rural", path)
    assert not first.written and not second.written and after == before
    assert [(p[0], p[1]) for p in problems(second)] == [(3, "银行账号"), (at + 3, "身份证号")]
    assert problems(first) == problems(second)       # early added (head + 3, "保障人数")


# --- checked and found right -----------------------------------------------------------------


def _roster(rng: random.Random, n: int, scale: float):
    """n households of one to four rows, a few rows spoiled (scale: how often)."""
    registered, rows, seen = [], [], []
    for i in range(n):
        size = rng.choice([1, 1, 2, 3, 4])
        group = [[f"户主{i}", new_id(dt.date(1950, 1, 1) + dt.timedelta(days=i)), "户主",
                  rng.choice([None, 1, size]), None, "2024-01", rng.choice(["长丰村", "新华社区", "长丰村3组"]),
                  f"长丰村{i % 7}组", f"62170000{i:08d}"]]
        for k in range(size - 1):
            group.append([f"成员{i}-{k}", new_id(dt.date(1980, 1, 1) + dt.timedelta(days=i), "女" if k else "男"),
                          rng.choice(["配偶", "子女", "妻", "长子"]), None, None, None, None, None, None])
        for row in group:
            r = rng.random() / scale
            if r < 0.02 and seen:
                row[1] = rng.choice(seen)              # a person met before
            elif r < 0.05:
                registered.append((row[0], row[1]))    # registered already
            elif r < 0.07:
                row[2] = None                          # a blank relation
            elif r < 0.08:
                row[8] = "abc"                         # a bad cell
            elif r < 0.09 and row[2] != "户主":
                row[6] = "白鹤村"                        # a village the township lacks
            elif r < 0.10:
                row[1] = row[1].lower()                # in doubt until cleaned
            seen.append(row[1])
        rows.extend(group)
    return rows, registered


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("kind", ["dibao_rural", "bianyuan"])
def test_rosters_with_spoiled_rows_end_as_when_planned_after_the_checks(
        township, db, tmp_path, monkeypatch, early, seed, kind):
    """Random rosters (households across 25-row chunks, some spoiled, some persons in the
    registry and in a household already): the same problems, the same decision, and when
    written the same database as planning after the checks; a refusal leaves nothing."""
    rng = random.Random(seed)
    rows, registered = _roster(rng, 40, [1.0, 0.2, 0.05][seed % 3])
    for name, number in registered:
        try:
            p = persons.register_person(number, name, village="长丰村")
        except Exception:   # a spoiled number: the file says so
            continue
        if rng.random() < 0.3:
            households.create_household(p.id)
    options = dict(create_villages=rng.random() < 0.5, on_duplicate=rng.choice(["refuse", "skip", "update"]))
    path = sheet(tmp_path / "d.xlsx", HEADER, rows)
    first, second, before, after, snapshots = _both_ways(db, tmp_path, monkeypatch, kind, path, **options)
    assert problems(first) == problems(second) and first.written == second.written
    if first.written:
        assert snapshots[0] == snapshots[1]
        assert (first.created, first.updated, first.skipped, first.persons_created, first.members_pending) == \
            (second.created, second.updated, second.skipped, second.persons_created, second.members_pending)
    else:
        assert after == before


def test_a_file_of_exactly_one_chunk_ending_in_a_household_goes_in_whole(township, db, tmp_path, monkeypatch,
                                                                         early):
    """25 rows (CHUNK here): handed over once, after the last row; the last household is
    planned by end_early, its members included."""
    rows = _households(12)   # 24 rows, the last household three of them
    rows.insert(0, ["独户", new_id(dt.date(1949, 9, 9)), "户主", 1, None, "2024-01", "长丰村", "", None])
    assert len(rows) == 25 and [r[2] for r in rows[-3:]] == ["户主", "配偶", "子女"]
    path = sheet(tmp_path / "d.xlsx", HEADER, rows)
    first, second, _, _, snapshots = _both_ways(db, tmp_path, monkeypatch, "dibao_rural", path)
    assert first.written and problems(first) == [] and snapshots[0] == snapshots[1]
    assert early == [len(rows)]
    last_head = max(i for i, r in enumerate(rows) if r[2] == "户主")
    members = dict(snapshots[0]["members"])[rows[last_head][1]]
    assert [number for number, _ in members] == [r[1] for r in rows[last_head:]]   # in the file's order


def test_the_values_statement_keeps_order_and_types_past_the_compound_select_limit(tmp_path):
    """The rows go in as listed (member ids order the audit snapshot's members) even where
    SQLite is asked to reverse unordered SELECTs, and a VALUES list of many rows is not
    held to SQLITE_LIMIT_COMPOUND_SELECT (500 by default; lowered here)."""
    def connect(name):
        con = sqlite3.connect(tmp_path / name, isolation_level=None, check_same_thread=False)
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c, d)")
        con.execute("BEGIN")
        return con
    rows = [(f"{i:04d}", i if i % 3 else None, [1, "1", 1.5, None, b"x"][i % 5], "同") for i in range(700)]
    sql = 'INSERT INTO "t" ("a", "b", "c", "d") VALUES (?, ?, ?, ?)'
    direct, queued = connect("a.db"), connect("b.db")
    direct.executemany(sql, rows)
    queued.setlimit(sqlite3.SQLITE_LIMIT_COMPOUND_SELECT, 3)
    queued.execute("PRAGMA reverse_unordered_selects = 1")
    writer = sql_writer.Writer(queued)
    writer.executemany(sql, rows)
    writer.executemany(sql, [("末", 7, 7, "同")])   # one row: every column alike
    writer.close()
    direct.execute(sql, ("末", 7, 7, "同"))
    dump = "SELECT id, a, typeof(a), b, typeof(b), c, typeof(c), d FROM t ORDER BY id"
    queued.execute("PRAGMA reverse_unordered_selects = 0")
    assert queued.execute(dump).fetchall() == direct.execute(dump).fetchall()
