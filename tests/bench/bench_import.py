"""Benchmark: importing a 20,000-row roster against openpyxl merely reading it.

Run: python -m tests.bench.bench_import [--rows 20000] [--kind gaoling|persons|dibao_rural] [--repeat 3]

Writes a roster of N persons (a title row above the header, then 序号 / 姓名 /
身份证号码 / 村(社区) / 金额 / 开始月份 / 银行账号 / 住址 / 联系电话; persons over
80 so that every row is a valid 高龄津贴 recipient), or for dibao_rural a 农村低保
roster of N rows in households of one to four (户主 row with 保障人数 and income,
then a row per member with 与户主关系), then times, in the same run and
interleaved:

- baseline: openpyxl `load_workbook(read_only=True)` iterating every row's
  values, nothing else;
- ours: `run_import(kind, file)` into a fresh township database (a copy of
  the same prepared file each time, copied outside the timing): reading with
  calamine, cleaning every cell, looking up villages and persons, checking
  duplicates and the enrollment rules, writing persons, enrollments, events
  and one audit entry per record, committed. As in the application, the WAL
  reaches the database file on a thread of its own after run_import returns;
  closing the database waits for it, outside the timing and before the next
  openpyxl run, so it does not slow that run down.

Target (issue 5): ours ≤ 0.5 × baseline.
"""
from __future__ import annotations

import argparse
import os
import datetime as dt
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook, load_workbook

from mzdesk import db as dbmod
from mzdesk import idcard
from mzdesk.importing.importer import run_import
from mzdesk.models import AuditLog, Enrollment, Household, HouseholdMember, Person
from mzdesk.services import settings, standards

VILLAGES = ("长丰村", "石桥村", "桂花村", "白鹤村", "太平村", "新街社区")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"
GIVEN = "德明华国建福贵林忠清山秀英兰芳珍桂凤琼淑素翠玉梅"


def write_roster(path: Path, rows: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("高龄津贴")
    ws.append(["茶店镇高龄津贴发放花名册"])
    ws.append(["序号", "姓名", "身份证号码", "村(社区)", "金额", "开始月份", "银行账号", "住址", "联系电话"])
    seen = set()
    n = 0
    while n < rows:
        birth = dt.date(1926, 1, 1) + dt.timedelta(days=rng.randrange(365 * 14))
        number = idcard.make(f"5101{rng.randrange(10, 99)}", birth, rng.randrange(1000))
        if number in seen:
            continue
        seen.add(number)
        n += 1
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        age = idcard.age(number, on=dt.date(2024, 1, 1))
        amount = 300 if age >= 100 else 100 if age >= 90 else 50
        ws.append([n, name, number, VILLAGES[n % len(VILLAGES)], amount, "2024-01",
                   f"6217{rng.randrange(10**14, 10**15)}", f"茶店街{n % 300}号", f"139{rng.randrange(10**8):08d}"])
    wb.save(path)
    return path


RELATIONS = ("配偶", "子女", "子女", "父母")


def write_dibao_roster(path: Path, rows: int, seed: int = 7) -> Path:
    """A 农村低保 roster of N rows: households of one to four persons, the head's
    row first with the household's 保障人数 and income, then a row per member."""
    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("农村低保")
    ws.append(["茶店镇农村低保花名册"])
    ws.append(["序号", "姓名", "身份证号码", "与户主关系", "村(社区)", "保障人数", "家庭人均收入", "开始月份",
               "银行账号", "住址"])
    seen = set()
    n = household = 0
    while n < rows:
        household += 1
        size = min(rng.choice((1, 1, 2, 2, 3, 4)), rows - n)
        village = VILLAGES[household % len(VILLAGES)]
        income = rng.choice((0, 100, 150, 200))
        for k in range(size):
            birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(365 * 60))
            number = idcard.make(f"5101{rng.randrange(10, 99)}", birth, rng.randrange(1000))
            while number in seen:
                number = idcard.make(f"5101{rng.randrange(10, 99)}", birth, rng.randrange(1000))
            seen.add(number)
            n += 1
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            if k == 0:
                ws.append([household, name, number, "户主", village, size, income, "2024-01",
                           f"6217{rng.randrange(10**14, 10**15)}", f"茶店街{household % 300}号"])
            else:
                ws.append([None, name, number, RELATIONS[k - 1], None, None, None, None, None, None])
    wb.save(path)
    return path


def prepare_db(path: Path) -> Path:
    dbmod.open_database(path)
    settings.init_township("茶店镇", VILLAGES)
    for category, amount in (("80-89", "50"), ("90-99", "100"), ("100+", "300")):
        standards.add_standard("gaoling", amount, "2022-01", category=category)
    standards.add_standard("dibao_rural", "650", "2022-01")
    database = dbmod.database.obj
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    dbmod.close_database()
    return path


def read_openpyxl(path: Path) -> int:
    wb = load_workbook(path, read_only=True)
    n = 0
    for _ in wb.worksheets[0].iter_rows(values_only=True):
        n += 1
    wb.close()
    return n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--kind", default="gaoling", choices=("gaoling", "persons", "dibao_rural"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile one import instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write = write_dibao_roster if args.kind == "dibao_rural" else write_roster
        roster = write(tmp / "roster.xlsx", args.rows)
        prepared = prepare_db(tmp / "prepared.sqlite3")

        from mzdesk.pinyin import name_keys

        def ours() -> tuple[float, float]:
            target = tmp / "run.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
            shutil.copyfile(prepared, target)
            dbmod.open_database(target)
            # every run meets its names for the first time, as a new file's would be (the
            # characters' readings stay cached, as they do after the program's first import)
            name_keys.cache_clear()
            start, cpu = time.perf_counter(), time.process_time()
            result = run_import(args.kind, roster, today=dt.date(2026, 6, 10))
            elapsed = time.perf_counter() - start, time.process_time() - cpu
            assert result.written and not result.problems, result.problems[:5]
            assert Person.select().count() == args.rows
            if args.kind == "dibao_rural":
                households = Household.select().count()
                assert result.created == households == Enrollment.select().count()
                assert HouseholdMember.select().count() == args.rows
            else:
                assert result.created == args.rows
            if args.kind == "gaoling":
                assert Enrollment.select().count() == args.rows
            assert AuditLog.select().where(AuditLog.entity == "person").count() == args.rows
            dbmod.close_database()
            return elapsed

        if args.profile:
            import cProfile
            import pstats
            cProfile.runctx("ours()", globals(), {"ours": ours}, str(tmp / "prof"))
            pstats.Stats(str(tmp / "prof")).sort_stats(os.environ.get("SORT", "cumtime")).print_stats(30)
            return

        name_keys("张三丰")   # pypinyin's dictionaries load once per process, not per import
        base_t, ours_t = [], []
        for _ in range(args.repeat):   # interleaved, so drift hits both alike
            start, cpu = time.perf_counter(), time.process_time()
            read_openpyxl(roster)
            base_t.append((time.perf_counter() - start, time.process_time() - cpu))
            ours_t.append(ours())
        print(f"{args.kind}: {args.rows} rows, {args.repeat} runs each, interleaved")
        # Wall time is what the clerk waits, and what the target is about. CPU time
        # counts every thread of the process: the import writes on a second thread
        # while it plans (importing/sql_writer.py), so its CPU time exceeds its wall time.
        for i, what in enumerate(("wall", "CPU ")):
            b = statistics.median(t[i] for t in base_t)
            o = statistics.median(t[i] for t in ours_t)
            # the fastest of each too: on a machine whose speed drifts, the least disturbed runs
            fastest = min(t[i] for t in ours_t) / min(t[i] for t in base_t)
            print(f"{what}: openpyxl read-only read {b:6.2f} s   run_import {o:6.2f} s   "
                  f"ratio {o / b:.2f} (fastest of each: {fastest:.2f}; target ≤ 0.50)")
        print("each run, wall (openpyxl / ours = ratio): " + ", ".join(
            f"{bt[0]:.2f}/{ot[0]:.2f}={ot[0] / bt[0]:.2f}" for bt, ot in zip(base_t, ours_t)))


if __name__ == "__main__":
    main()
