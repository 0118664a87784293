"""Benchmark: making a monthly batch against one plain INSERT … SELECT.

Run: python -m tests.bench.bench_batch [--households 47000]
Builds the demo township (at 47,000 households its 高龄津贴 roll holds about
5,000 persons), then times, in the same run and on the same database:

- ours: `batches.create_regular('gaoling', month)` — the roll of the month
  rebuilt from every enrollment's event history, the left-out reasons, the
  batch row, its lines and the audit entry;
- baseline: one `INSERT INTO batch_line … SELECT` of the same enrollments
  straight from the enrollment table's current state (what a hand-written
  script would do, without the history and without any checks).

Each run is rolled back, so both always start from the same database.
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
from mzdesk.models import Batch, database
from mzdesk.payments import batches

BASELINE = (
    "INSERT INTO batch_line (batch_id, enrollment_id, person_id, village_id, covered_persons,"
    " amount, bank_account, status, note)"
    " SELECT ?, e.id, e.person_id, p.village_id, e.covered_persons, e.amount,"
    " COALESCE(NULLIF(e.bank_account, ''), p.bank_account), '正常', ''"
    " FROM enrollment e JOIN person p ON p.id = e.person_id"
    " WHERE e.programme_id = ? AND e.status = '在保'")


class _Rollback(Exception):
    pass


def _timed(fn) -> float:
    start = time.perf_counter()
    try:
        with database.atomic():
            fn()
            raise _Rollback
    except _Rollback:
        pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=47000)
    parser.add_argument("--programme", default="gaoling")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    today = dt.date(2026, 6, 10)
    with tempfile.TemporaryDirectory() as tmp:
        dbmod.open_database(Path(tmp) / "bench.sqlite3")
        build_demo(households=args.households, today=today)
        month = "2026-06"
        lines = len(batches.preview_regular(args.programme, month).lines)

        def ours():
            batches.create_regular(args.programme, month)

        def baseline():
            b = Batch.create(programme=args.programme, kind="regular", month=month, name="基准")
            database.execute_sql(BASELINE, (b.id, args.programme))

        ours_t, base_t = [], []
        for _ in range(args.repeat):  # interleaved, so drift hits both alike
            base_t.append(_timed(baseline))
            ours_t.append(_timed(ours))
        o, b = statistics.median(ours_t), statistics.median(base_t)
        print(f"{args.programme} {month}: {lines} lines")
        print(f"create_regular      median {o * 1000:8.1f} ms")
        print(f"INSERT … SELECT     median {b * 1000:8.1f} ms")
        print(f"ratio {o / b:.2f}× (target ≤ 5×)")
        dbmod.close_database()


if __name__ == "__main__":
    main()
