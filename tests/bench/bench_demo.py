"""Benchmark: building the demo township vs. a raw executemany of its rows.

    python -m tests.bench.bench_demo [--households 33000] [--seed 2022]

Prints the time `build_demo` takes (generating + inserting, split by the
progress callback), the time plain `sqlite3.executemany` takes to insert
the very same rows into a fresh migrated database (same pragmas, one
transaction, triggers as migrated), and the ratio of the two; the target
is a ratio of at most 3.

`insert_rows` fills the person full-text index once at the end instead of
through its per-row trigger; for a like-for-like view the raw insert is
also timed with that same shortcut.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import tempfile
import time
from pathlib import Path

from mzdesk import db as dbmod
from mzdesk.demo import build_demo, generate_rows
from mzdesk.demo.generator import TABLE_ORDER


def fresh(path: Path) -> None:
    dbmod.open_database(path)
    dbmod.close_database()


def raw_insert(path: Path, rows: dict, fts_once: bool) -> float:
    con = sqlite3.connect(str(path), isolation_level=None)
    for key, value in dbmod.PRAGMAS.items():
        con.execute(f"PRAGMA {key} = {value}")
    tables = [t for t in TABLE_ORDER if t in rows]
    start = time.perf_counter()
    con.execute("BEGIN")
    trigger = None
    if fts_once:
        trigger = con.execute("SELECT sql FROM sqlite_master WHERE name = 'person_fts_ai'").fetchone()
        if trigger:
            con.execute("DROP TRIGGER person_fts_ai")
    states = []
    for table in tables:
        columns, data = rows[table]
        sql = (f'INSERT INTO "{table}" ({", ".join(columns)}) '
               f'VALUES ({", ".join("?" * len(columns))})')
        if table == "batch":  # lines go into drafts only (migration 0003), as in insert_rows
            at = columns.index("state")
            states = [(row[at], row[0]) for row in data]
            data = [row[:at] + ("草稿",) + row[at + 1:] for row in data]
        con.executemany(sql, data)
        if table == "person" and trigger:
            con.execute("INSERT INTO person_fts (person_fts) VALUES ('rebuild')")
            con.execute(trigger[0])
    con.executemany('UPDATE "batch" SET "state" = ? WHERE "id" = ?', states)
    con.execute("COMMIT")
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=None, help="default: the 2,700 of the demo")
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args(argv)
    today = dt.date.today()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        built = tmp / "built.sqlite3"
        fresh(built)
        dbmod.open_database(built)
        marks = {}

        def progress(done, total, label):
            if label.startswith("写入") and "insert" not in marks:
                marks["insert"] = time.perf_counter()

        start = time.perf_counter()
        info = build_demo(seed=args.seed, households=args.households, today=today, progress=progress)
        build = time.perf_counter() - start
        dbmod.close_database()
        generating = marks["insert"] - start

        rows = generate_rows(args.seed, args.households, today)
        n_rows = sum(len(r) for _, r in rows.values())
        raw_path = tmp / "raw.sqlite3"
        fresh(raw_path)
        raw = raw_insert(raw_path, rows, fts_once=False)
        raw_fast_path = tmp / "raw_fts_once.sqlite3"
        fresh(raw_fast_path)
        raw_fast = raw_insert(raw_fast_path, rows, fts_once=True)

    print(f"demo: {info['persons']:,} persons, {info['households']:,} households, "
          f"{info['batch_lines']:,} batch lines, {n_rows:,} rows in all")
    print(f"build_demo:                 {build:7.2f} s  (generate {generating:.2f} s, insert {build - generating:.2f} s)")
    print(f"raw executemany:            {raw:7.2f} s  (FTS trigger per row, as migrated)")
    print(f"raw executemany, FTS once:  {raw_fast:7.2f} s")
    print(f"ratio build / raw:          {build / raw:7.2f}   (target <= 3)")
    print(f"ratio build / raw FTS once: {build / raw_fast:7.2f}")


if __name__ == "__main__":
    main()
