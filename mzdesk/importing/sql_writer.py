"""The fast path's statements, run on a second thread while the import goes on.

An import of 20,000 rows spends about half its time inside SQLite (inserting
persons with five indexes and the search index, building audit entries) and
half in Python (cleaning cells, pinyin, planning households and
enrollments). SQLite gives up Python's lock while it works, so the two halves
can overlap: the bulk functions (bulk.py, bulk_households.py) hand their
INSERTs to a Writer and go on preparing the next table's rows.

The rules that keep this safe:
- The Writer runs its statements in the order given, on the import's own
  connection and inside its transaction (sqlite3.threadsafety is 3 here: a
  connection may be shared; SQLite serialises the calls).
- Ids are given by Python (the next ids are read before anything is
  queued), so no statement waits for another's result.
- Any other use of the database by the import (a service, a savepoint, a
  read of a table the Writer may be filling) first calls wait(), which also
  raises the Writer's error if a statement failed. A read of a table the
  Writer does not write is right without waiting, but stalls until the
  statement running ends: what the planning needs (the rules, the
  standards, the programme) is read before the first rows are queued.
- The Writer is closed before the importer commits or rolls back: close()
  waits for the statements queued, or, when the import is leaving on an
  error, lets the running one finish and drops the rest. Ctrl-C while it
  waits does the same. A statement never runs outside the transaction
  (after a rollback it would commit on its own).
- No statement given to the Writer may call a function written in Python
  (peewee registers a few): it would need Python's lock while holding
  SQLite's, which the import's thread may be waiting for.
"""
from __future__ import annotations

import contextlib
import functools
import itertools
import operator
import queue
import re
import sqlite3
import threading
from typing import Iterable, Iterator, Sequence

# Rows per executemany: small enough that the Writer starts while Python is
# still preparing the rest, large enough that the queue costs nothing.
CHUNK = 2000

_STOP = object()
_WRITES = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)


_VALUES = re.compile(r"\)\s*VALUES\s*\((.*)\)\s*$", re.S | re.I)


@functools.lru_cache(maxsize=64)
def _over_values(sql: str, same: tuple[bool, ...], rows: int) -> str:
    """INSERT … VALUES (?, ?, 'x') as INSERT … SELECT over a VALUES list of `rows` rows.
    A value that is the same on every row (same[i]) is bound once, before the list, and
    left out of it. The list's rows go in in their order, as a multi-row INSERT's do."""
    found = _VALUES.search(sql)
    if not found:
        raise ValueError("not an INSERT … VALUES statement")
    parts, i, n = [], 0, 0
    for part in _split(found[1]):
        if part != "?":
            parts.append(part)
            continue
        if same[i]:
            parts.append("?")
        else:
            n += 1
            parts.append(f"column{n}")
        i += 1
    row = "(" + ", ".join(["?"] * n) + ")"
    return sql[: found.start()] + ") SELECT " + ", ".join(parts) + " FROM (VALUES " + ", ".join([row] * rows) + ")"


def _as_values(sql: str, rows: list[Sequence], most: int, longest: int) -> Iterator[tuple[str, list]]:
    """The statements and parameters for _over_values: each binds at most `most` values
    and is at most `longest` characters long (the limits of this build of SQLite)."""
    # column by column in C (count, set, itemgetter): this runs on the import's own
    # thread for every row it writes
    columns = list(zip(*rows))
    # (the ends first: a column of ids or ID numbers differs there, and is not counted)
    same = [col[0] == col[-1] and col.count(col[0]) == len(col) and len(set(map(type, col))) == 1
            for col in columns]
    if all(same):   # a VALUES row needs a value: let the first column vary
        same[0] = False
    same = tuple(same)
    once = [v for v, s in zip(rows[0], same) if s]
    varying = [i for i, s in enumerate(same) if not s]
    data = (rows if len(varying) == len(same) else
            [(v,) for v in columns[varying[0]]] if len(varying) == 1 else
            list(map(operator.itemgetter(*varying), rows)))
    per_row = 3 * len(varying) + 2   # "(?, ?), " in the VALUES list
    step = max(1, min((most - len(once)) // len(varying), (longest - 2 * len(sql)) // per_row))
    for at in range(0, len(data), step):
        part = data[at: at + step]
        yield _over_values(sql, same, len(part)), once + list(itertools.chain.from_iterable(part))


def _split(values: str) -> list[str]:
    """The items of a VALUES list (literals with commas inside quotes kept whole)."""
    out, cur, quoted = [], "", False
    for ch in values:
        if ch == "'":
            quoted = not quoted
        if ch == "," and not quoted:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    return out


class Direct:
    """The same calls, run at once on the caller's thread (small imports, tests)."""

    def __init__(self, connection: sqlite3.Connection):
        self.cursor = connection.cursor()

    def execute(self, sql: str, params: Sequence = ()) -> None:
        self.cursor.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence]) -> None:
        self.cursor.executemany(sql, rows)

    def query(self, sql: str, params: Sequence = (), *, table: str | None = None) -> list[tuple]:
        """Rows of a SELECT. `table` names the one table it reads: then it need not wait
        for the Writer unless a statement queued writes that table itself (a trigger's
        own writes are not seen: do not name a table that a trigger fills)."""
        return self.cursor.execute(sql, params).fetchall()

    def next_id(self, table: str) -> int:
        """The first free id of a table whose rows are given their ids here (bulk.py)."""
        return self.query(f'SELECT coalesce(max(id), 0) + 1 FROM "{table}"', table=table)[0][0]

    def set_next_id(self, table: str, next_id: int) -> None:
        """Rows up to next_id - 1 are queued: the next next_id(table) may answer at once."""

    def wait(self) -> None:
        pass

    def close(self, failed: bool = False) -> None:
        pass


class Writer(Direct):
    """Statements queued to a thread of their own; see the module's docstring."""

    def __init__(self, connection: sqlite3.Connection, ids_of: Iterable[str] = ()):
        super().__init__(connection)   # query() runs on the caller's thread
        self._connection = connection
        self._queue: queue.Queue = queue.Queue()
        self._error: BaseException | None = None
        self._written: set[str] = set()   # tables the statements queued so far write
        self._dropping = False
        # Read now, while nothing runs: a read later waits for the statement running
        # (SQLite takes one call at a time on a connection), a tenth of a second each.
        self._next_ids = {table: Direct.next_id(self, table) for table in ids_of}
        self._limits = (connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER),
                        connection.getlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH))
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mzdesk-import-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        # The thread never ends before _STOP, whatever fails: wait() and close() rely on
        # every item being marked done. A failure is handed to the import's thread.
        try:
            cursor = self._connection.cursor()
        except BaseException as exc:
            cursor, self._error = None, exc
        try:
            while True:
                item = self._queue.get()
                try:
                    if item is _STOP:
                        return
                    if self._error is None and not self._dropping:
                        if not self._connection.in_transaction:
                            raise sqlite3.OperationalError("the import's transaction has ended")
                        cursor.execute(*item)
                except BaseException as exc:
                    if self._error is None:
                        self._error = exc
                finally:
                    self._queue.task_done()
        finally:
            self._done.set()

    def execute(self, sql: str, params: Sequence = ()) -> None:
        self._put(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence]) -> None:
        # One statement over a VALUES list of the rows instead of a statement per row:
        # sqlite3 binds each row holding Python's lock, and a thread that must take the
        # lock back 20,000 times from a busy one waits its switch interval each time.
        # Bound all at once, a chunk's values take the lock for a millisecond or two.
        # (A JSON array of the rows, picked apart by json_extract, came first: a 20,000-row
        # roster's persons took 0.38 s to insert that way, 0.22 s bound as VALUES.)
        rows = rows if isinstance(rows, list) else list(rows)
        if rows:
            for statement, params in _as_values(sql, rows, *self._limits):
                self._put(statement, params)

    def _put(self, sql: str, params) -> None:
        self._check()
        written = _WRITES.match(sql)
        # an INSERT, UPDATE or DELETE names its table; anything else here changes the
        # schema (the search index's trigger dropped and made again)
        self._written.add(written[1] if written else "sqlite_master")
        self._queue.put((sql, params))

    def query(self, sql: str, params: Sequence = (), *, table: str | None = None) -> list[tuple]:
        if table is None or table in self._written:
            self._drain()
        return super().query(sql, params)

    def next_id(self, table: str) -> int:
        known = self._next_ids.pop(table, None)   # good once: then its rows are queued
        return known if known is not None else super().next_id(table)

    def set_next_id(self, table: str, next_id: int) -> None:
        self._next_ids[table] = next_id

    def wait(self) -> None:
        """Return when every statement queued has run; raise the first one's error.
        (The caller is about to use the database itself, perhaps inserting rows: the
        ids read at the start are read again when next asked for.)"""
        self._next_ids.clear()
        self._drain()

    def _drain(self) -> None:
        self._queue.join()
        self._check()

    def _check(self) -> None:
        if self._error is not None:   # nothing after a failed statement runs (see _run)
            raise self._error

    def close(self, failed: bool = False) -> None:
        """Stop the thread: after the queued statements, or (failed) after the running one.
        Interrupted while it waits (Ctrl-C), it drops the rest, still waits for the thread,
        then lets the interruption go on: the rollback comes after the thread has stopped."""
        if failed:
            self._dropping = True
        self._queue.put(_STOP)
        interrupted = None
        while not self._done.is_set():
            try:
                self._done.wait()
            except BaseException as exc:
                self._dropping = True
                interrupted = interrupted or exc
        if interrupted is not None:
            raise interrupted
        if not failed:
            self._check()


@contextlib.contextmanager
def statements(connection: sqlite3.Connection, *, background: bool = True, ids_of: Iterable[str] = ()):
    """A Writer (or Direct) for the body; closed before the caller's transaction ends,
    its statements all run, or on an error the rest dropped. ids_of: the tables
    whose next id the Writer reads at once."""
    # Sharing a connection between threads needs SQLite's serialized mode (the usual build)
    background = background and sqlite3.threadsafety == 3
    sql = Writer(connection, ids_of) if background else Direct(connection)
    try:
        yield sql
    except BaseException:
        sql.close(failed=True)
        raise
    sql.close()
