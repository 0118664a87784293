"""Importing the office's old rosters and ledgers (DESIGN §3, §6, §8; issue 5).

    table, mapping = detect("gaoling", path)          # the wizard's preview
    result = run_import("gaoling", path, dry_run=True)

The whole file goes in one transaction or not at all: every row is checked
(cells, villages, persons, duplicates, then the services' own rules while
writing) and all problems are collected; the transaction commits only if
there are none and this is not a dry run. A refused file leaves the database
as it was. What each KIND reads and decides is in kinds.py.
"""
from __future__ import annotations

import collections
import contextlib
import datetime as dt
import gc
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .. import audit
from .. import db as dbmod
import peewee as pw

from ..errors import ConflictError, ValidationError
from ..models import database
from . import kinds as kinds_module
from . import bulk, sql_writer
from .apply import MODES, applier_for
from .apply import create_villages as add_unknown_villages
from .job import Job, Mapping, Problem, auto_mapping
from .reader import Skipped, SourceRow, Table, file_stamp, open_table

KINDS = tuple(kinds_module.KINDS)
LARGE = 5000   # rows from which the import's pages reach the database file after it returns
EARLY_FROM = 2000   # rows from which new persons are registered while the file is cleaned
MODE_LABELS = {"refuse": "拒绝导入", "skip": "跳过", "update": "更新"}

__all__ = ["KINDS", "MODES", "Problem", "Mapping", "ImportResult", "detect", "run_import",
           "write_report", "write_template"]


@dataclass
class ImportResult:
    kind: str
    file_name: str
    sheet: str
    rows_total: int
    created: int
    updated: int
    skipped: int
    problems: list[Problem]
    unknown_villages: list[str]
    dry_run: bool
    written: bool                      # True only when the transaction committed
    persons_created: int = 0           # persons registered on the way (for programmes, ledgers)
    villages_created: list[str] = field(default_factory=list)
    header_row: int = 0
    skipped_rows: list[Skipped] = field(default_factory=list)  # blank / 合计 rows the reader left out
    mapping: Mapping = field(default_factory=Mapping)
    on_duplicate: str = "refuse"
    # households enrolled with 保障人数 above their registered members (an old roster
    # listing only the head): their members are still to be entered
    members_pending: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def kind_label(self) -> str:
        return kinds_module.KINDS[self.kind].label

    def summary(self) -> str:
        """One Chinese sentence about what happened (or would happen)."""
        if self.problems:
            return (f"发现 {len(self.problems)} 个问题，整个文件未导入（没有写入任何数据）；"
                    f"请按问题清单修改后重新导入")
        verb = "将" if self.dry_run else "已"
        parts = [f"新增 {self.created} 条"]
        if self.updated:
            parts.append(f"更新 {self.updated} 条")
        if self.skipped:
            parts.append(f"跳过已有 {self.skipped} 条")
        if self.persons_created and self.kind != "persons":
            parts.append(f"登记新人员 {self.persons_created} 人")
        if self.villages_created:
            parts.append(f"新建村(社区) {len(self.villages_created)} 个")
        text = f"共 {self.rows_total} 行，{verb}" + "，".join(parts)
        if self.members_pending:
            text += (f"；其中 {self.members_pending} 户只登记了户主等部分成员，保障人数多于已登记的家庭成员，"
                     f"请在人员档案中补录（工作台“数据比对”会列出这些户）")
        return text + ("（试导入，未写入）" if self.dry_run else "")


def _kind(kind) -> kinds_module.Kind:
    return kind if isinstance(kind, kinds_module.Kind) else kinds_module.get_kind(kind)


def _read(spec: kinds_module.Kind, path, sheet) -> Table:
    table, rows = _open(spec, path, sheet)
    collections.deque(rows, maxlen=0)   # every row into table.rows
    return table


def _open(spec: kinds_module.Kind, path, sheet) -> tuple[Table, Iterator[SourceRow]]:
    village = spec.field("village")
    fill = village.headers if village else ()
    return open_table(Path(path), sheet=sheet, known_headers=spec.known_headers(), fill_down=fill)


def detect(kind, path, sheet: str | None = None) -> tuple[Table, Mapping]:
    """The table found in the file and the column chosen for each field."""
    spec = _kind(kind)
    table = _read(spec, path, sheet)
    return table, auto_mapping(spec, table.headers)


def _checked_mapping(spec: kinds_module.Kind, table: Table, mapping: Mapping | dict | None) -> Mapping:
    if mapping is None:
        return auto_mapping(spec, table.headers)
    columns = dict(mapping.columns if isinstance(mapping, Mapping) else mapping)
    for key, header in list(columns.items()):
        if spec.field(key) is None:
            raise ValidationError(f"“{spec.label}”没有“{key}”这一项")
        if not header:
            del columns[key]
        elif header not in table.headers:
            raise ValidationError(f"表中没有“{header}”这一列")
    return Mapping(columns)


@contextlib.contextmanager
def _write_lock():
    """Another program holding the database (the window saving, a second
    import) for longer than the busy timeout: say so instead of failing."""
    try:
        yield
    except pw.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise ConflictError("数据库正被其他窗口或程序写入，请稍后再导入") from None
        raise


class _Rollback(Exception):
    """Leaves the transaction without writing (a dry run, or problems found)."""


def run_import(kind, path, *, sheet: str | None = None, mapping: Mapping | dict | None = None,
               dry_run: bool = False, create_villages: bool = False, on_duplicate: str = "refuse",
               progress: Callable[[int, int, str], None] | None = None,
               today: dt.date | None = None, table: Table | None = None) -> ImportResult:
    """Import one sheet of a file; see the module's docstring.

    progress(done, total, label) is called as rows are checked and written;
    if it raises (a cancel button), nothing is written and the exception
    goes on to the caller. `today` fixes the month taken for a blank
    开始月份 and for updates (tests). `table`: what detect() read from this
    file for the same KIND (the wizard's preview), used as long as the file
    has not been saved since; otherwise the file is read again.
    """
    spec = _kind(kind)
    if on_duplicate not in MODES:
        raise ValidationError("重复记录的处理方式应为 refuse（拒绝）、skip（跳过）或 update（更新）")
    with _no_cyclic_gc(), _quick_handoffs():
        return _run(spec, path, sheet, mapping, dry_run, create_villages, on_duplicate, progress, today, table)


@contextlib.contextmanager
def _no_cyclic_gc():
    """A 20,000-row file makes about a million small objects that all stay alive
    until the end; the cyclic collector would walk them again and again (a
    tenth of the import's time). Reference counting still frees the rest."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_handoffs_lock = threading.Lock()
_handoffs = {"imports": 0, "before": 0.005}


@contextlib.contextmanager
def _quick_handoffs():
    """The writer thread (sql_writer) needs Python's lock back for a moment after each
    statement; while this thread runs Python it gets it only at the switch interval,
    5 ms by default, a few times per statement: a fifth of the writer's time. Half a
    millisecond while imports run. The setting is the process's: the first import to
    start saves it, the last to end puts it back (imports may overlap on threads)."""
    with _handoffs_lock:
        if _handoffs["imports"] == 0:
            _handoffs["before"] = sys.getswitchinterval()
            sys.setswitchinterval(min(_handoffs["before"], 0.0005))
        _handoffs["imports"] += 1
    try:
        yield
    finally:
        with _handoffs_lock:
            _handoffs["imports"] -= 1
            if _handoffs["imports"] == 0:
                sys.setswitchinterval(_handoffs["before"])


def _run(spec, path, sheet, mapping, dry_run, create_villages, on_duplicate, progress, today,
         table) -> ImportResult:
    rows = None   # the rows of a table read here come one by one, as the reader makes them
    if not _still_current(table, path, sheet):
        table, rows = _open(spec, path, sheet)
    job = Job(spec, table, _checked_mapping(spec, table, mapping), create_villages=create_villages,
              on_duplicate=on_duplicate, progress=progress, today=today, rows=rows)
    applier = applier_for(job)
    job.progress(0, "正在检查")
    written = False
    if not job.check_columns():   # a column missing: every row is still checked, nothing written
        _check(job, applier, early=False)
    else:
        # The transaction begins before the cells are cleaned: in a large file new persons
        # go in while the rest is still being cleaned (apply.Applier.register_early).
        # Whatever the checks then find, nothing is committed but a file without problems.
        try:
            with dbmod.checkpoint_afterwards(database.obj, job.size >= LARGE), _write_lock(), \
                    database.atomic("IMMEDIATE"):
                with sql_writer.statements(database.connection(), ids_of=bulk.EXPLICIT_IDS) as job.sql:
                    _check_and_write(job, applier, create_villages)
                job.sql = None
                if job.problems or dry_run:
                    raise _Rollback
                _record(job, Path(path).name)
                job.progress(job.total_steps, "已完成")
                written = True
        except _Rollback:
            pass
    job.problems.sort(key=lambda p: (p.row, _column_order(job, p.column)))
    return ImportResult(
        kind=spec.code, file_name=table.file_name, sheet=table.sheet, rows_total=len(table.rows),
        created=job.created, updated=job.updated, skipped=job.skipped, problems=job.problems,
        unknown_villages=job.unknown_villages, dry_run=dry_run, written=written,
        persons_created=job.persons_created, villages_created=job.villages_created,
        header_row=table.header_row, skipped_rows=list(table.skipped), mapping=job.mapping,
        on_duplicate=on_duplicate, members_pending=getattr(applier, "pending", 0))


def _check(job: Job, applier, *, early: bool) -> None:
    """Clean the cells, find villages and persons, check the rows (early: registering
    new persons on the way, see _check_and_write)."""
    if early:   # what the early registration needs, read before anything is queued
        # (a sheet still being read in parts: every registered ID number instead of the
        # file's, which would wait for the last part)
        if job.table.whole() or not job.read_registered_numbers():
            job.load_registry(job.id_candidates())
        applier.start_early()
    job.parse(applier.register_early if early else None)
    if early:   # the search index's trigger back, whatever write() then does
        applier.end_early()
    job.resolve_villages()
    sql = job.sql
    job.load_registry(query=None if sql is None else lambda text, params: sql.query(text, params, table="person"))
    applier.check()


def _check_and_write(job: Job, applier, create_villages: bool) -> None:
    """Inside the import's transaction, with job.sql the Writer."""
    _check(job, applier, early=applier.EARLY is not None and job.size >= EARLY_FROM
           and isinstance(job.sql, sql_writer.Writer))
    if create_villages:
        job.sql.wait()
        add_unknown_villages(job)
    job.progress(len(job.recs), "正在写入")
    applier.write()


def _still_current(table: Table | None, path, sheet: str | None) -> bool:
    """A table read before is the file's as long as the file is unchanged."""
    if table is None or table.stamp is None or table.file_name != Path(path).name:
        return False
    if sheet is not None and sheet != table.sheet:
        return False
    try:
        return file_stamp(path) == table.stamp
    except OSError:   # gone: reading it again says so
        return False


def _column_order(job: Job, title: str) -> int:
    headers = job.table.headers
    return headers.index(title) if title in headers else len(headers)


def _record(job: Job, file_name: str) -> None:
    """One entry for the import as a whole, beside the entry of every record."""
    audit.record("导入", "import", job.kind.code,
                 after={"file": file_name, "sheet": job.sheet, "rows": len(job.recs),
                        "created": job.created, "updated": job.updated, "skipped": job.skipped,
                        "persons_created": job.persons_created, "villages_created": job.villages_created,
                        "on_duplicate": job.on_duplicate},
                 summary=f"导入{job.kind.label}：{len(job.recs)} 行，新增 {job.created}，"
                         f"更新 {job.updated}，跳过 {job.skipped}")


def write_report(result: ImportResult, path) -> Path:
    from .report import write_report as _write
    return _write(result, path)


def write_template(kind, path) -> Path:
    from .templates import write_template as _write
    return _write(kind, path)
