"""Benchmark: the summary's figures against one `SELECT SUM(amount)` over every payment line.

Run: python -m tests.bench.bench_summary [--households 33000] [--lines 1000000]
Builds the demo township (33,000 households: about 97k persons and 233k payment
lines over its 24 paid months), then gives it a longer past: its paid batches
are copied, with their lines, 2, 4, 6 … years earlier until the payment table
holds at least `--lines` lines.  Then times, in the same run and on the same
database (median of `--repeat`, interleaved so drift hits both alike):

- ours: `summary_figures(from, to)` — every figure of the summary — for the
  half-year 2026-01..2026-06 and for the whole history (every line in it);
- baseline: `SELECT SUM(amount) FROM batch_line`.

It also prints the query plans of the summary's aggregates over the payment
lines, which must search batch_line by its batch_id index, never scan it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from mzdesk import db as dbmod
from mzdesk.demo import build_demo
from mzdesk.models import PAID_STATES, database
from mzdesk.summary import figures as summary
from mzdesk.summary.figures import Period, summary_figures

BASELINE = "SELECT SUM(amount) FROM batch_line"
BATCH_COLUMNS = ("programme_id, kind, month, name, state, subsidy_id, created_at, approved_at,"
                 " approved_by, paid_date, note")
LINE_COLUMNS = "enrollment_id, person_id, village_id, covered_persons, amount, bank_account, status, note"


def extend_history(target_lines: int) -> str:
    """Copy the paid batches further back until there are `target_lines` lines; the first month."""
    first_id, last_id = database.execute_sql("SELECT MIN(id), MAX(id) FROM batch").fetchone()
    years = 0
    while database.execute_sql("SELECT COUNT(*) FROM batch_line").fetchone()[0] < target_lines:
        years += 2
        with database.atomic():
            offset = database.execute_sql("SELECT MAX(id) FROM batch").fetchone()[0] - first_id + 1
            # As drafts first: the database refuses lines for an approved batch.
            database.execute_sql(
                f"INSERT INTO batch (id, {BATCH_COLUMNS}) SELECT id + ?, programme_id, kind,"
                " printf('%04d', CAST(substr(month, 1, 4) AS INTEGER) - ?) || substr(month, 5),"
                " name, '草稿', subsidy_id, created_at, approved_at, approved_by, paid_date, note"
                " FROM batch WHERE id BETWEEN ? AND ? ORDER BY id", (offset, years, first_id, last_id))
            database.execute_sql(
                f"INSERT INTO batch_line (batch_id, {LINE_COLUMNS}) SELECT batch_id + ?, {LINE_COLUMNS}"
                " FROM batch_line WHERE batch_id BETWEEN ? AND ? ORDER BY id", (offset, first_id, last_id))
            database.execute_sql(
                "UPDATE batch SET state = (SELECT o.state FROM batch o WHERE o.id = batch.id - ?)"
                " WHERE id BETWEEN ? AND ?", (offset, first_id + offset, last_id + offset))
    return database.execute_sql("SELECT MIN(month) FROM batch").fetchone()[0]


def show_plans(p: Period) -> None:
    def plan(label: str, sql: str, params) -> None:
        steps = [row[-1] for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params)]
        print(f"  {label}: " + " | ".join(steps))
        if any(step.startswith("SCAN") and ("batch_line" in step or step.split()[1] == "l")
               for step in steps):
            print("    !! scans the payment lines")

    print("query plans:")
    plan("散居五保 paid", "SELECT SUM(l.amount)" + summary._DISPERSED_LINES, (*PAID_STATES, p.first, p.last))
    plan("one-off batches", summary._ONEOFF_SQL, (*PAID_STATES, p.first, p.last))
    per_batch = ("SELECT b.id, SUM(l.amount) FROM batch b JOIN batch_line l ON l.batch_id = b.id"
                 " WHERE b.state IN (?, ?, ?) AND b.month BETWEEN ? AND ? AND l.status <> '失败'"
                 " GROUP BY b.id")
    plan("paid per batch (as figures.monthly_paid)", per_batch, (*PAID_STATES, p.first, p.last))


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=33000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dbmod.open_database(Path(tmp) / "bench.sqlite3")
        start = time.perf_counter()
        build_demo(households=args.households, today=dt.date(2026, 6, 10))
        first = extend_history(args.lines)
        lines = database.execute_sql("SELECT COUNT(*) FROM batch_line").fetchone()[0]
        persons = database.execute_sql("SELECT COUNT(*) FROM person").fetchone()[0]
        print(f"{persons} persons, {lines} payment lines from {first} "
              f"(built in {time.perf_counter() - start:.0f} s)")
        periods = {"half-year 2026-01..2026-06": Period("2026-01", "2026-06"),
                   f"all history {first}..2026-06": Period(first, "2026-06")}
        show_plans(periods["half-year 2026-01..2026-06"])
        baseline_runs, ours = [], {label: [] for label in periods}
        for _ in range(args.repeat):  # interleaved
            baseline_runs.append(_median(lambda: database.execute_sql(BASELINE).fetchone(), 1))
            for label, p in periods.items():
                ours[label].append(_median(lambda: summary_figures(p.first, p.last), 1))
        base = statistics.median(baseline_runs)
        print(f"SELECT SUM(amount)        median {base * 1000:8.1f} ms")
        for label, runs in ours.items():
            o = statistics.median(runs)
            print(f"summary, {label:<30} median {o * 1000:8.1f} ms  ratio {o / base:.2f}× (target ≤ 20×)")
        dbmod.close_database()


if __name__ == "__main__":
    main()
