"""Benchmark: person search against an unindexed LIKE '%…%' scan.

Run: python -m tests.bench.bench_search [--households 33000]
Builds the demo township at the given size in a temporary file, then times
the same queries through `mzdesk.search.person_ids` and through a plain
scan over the same columns with the same LIMIT, in the same run.
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from mzdesk import db as dbmod
from mzdesk.demo import build_demo
from mzdesk.models import Person, database
from mzdesk.search import LIMIT, normalise, person_ids

SCAN = ("SELECT id FROM person WHERE name LIKE ?1 OR pinyin LIKE ?1 OR initials LIKE ?1"
        " OR id_number LIKE ?1 LIMIT ?2")


def _queries(rng: random.Random, n: int) -> list[tuple[str, str]]:
    people = list(Person.select(Person.name, Person.initials, Person.id_number)
                  .order_by(Person.id).tuples())
    picks = rng.sample(people, n)
    out = []
    for name, initials, number in picks:
        out += [("name", name), ("initials", initials), ("id tail", number[-6:]),
                ("id middle", number[8:14])]
    return out


def _time(fn, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=33000)
    parser.add_argument("--queries", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dbmod.open_database(Path(tmp) / "bench.sqlite3")
        build_demo(households=args.households)
        total = Person.select().count()
        conn = database.connection()
        by_kind: dict[str, list[float]] = {}
        for kind, q in _queries(random.Random(7), args.queries):
            ours = _time(lambda: person_ids(q))
            pattern = f"%{normalise(q)}%"
            scan = _time(lambda: conn.execute(SCAN, (pattern, LIMIT)).fetchall())
            by_kind.setdefault(kind, []).append(scan / ours)
        print(f"persons: {total}")
        for kind, ratios in by_kind.items():
            print(f"{kind:10s} median speed-up {statistics.median(ratios):7.1f}×  "
                  f"(min {min(ratios):.1f}×, {len(ratios)} queries)")
        dbmod.close_database()


if __name__ == "__main__":
    main()
