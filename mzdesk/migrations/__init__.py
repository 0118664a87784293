"""Numbered schema migrations.

Each step is a SQL file `NNNN_name.sql`; the number is the schema version it
produces.  A new database runs every step from 1, so the upgrade path is the
one exercised on every test run.
"""
from __future__ import annotations

import re
import sqlite3
from importlib import resources

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def steps() -> list[tuple[int, str]]:
    """(version, file name) for every migration, in order."""
    found = []
    for entry in resources.files(__package__).iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name))
    found.sort()
    versions = [v for v, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migration numbers are not contiguous: {versions}")
    return found


LATEST = len(steps())


def statements(file_name: str) -> list[str]:
    """Split a migration file into statements (triggers contain ';')."""
    text = resources.files(__package__).joinpath(file_name).read_text("utf-8")
    out, buf = [], ""
    for line in text.splitlines(keepends=True):
        if not buf and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        raise RuntimeError(f"{file_name}: incomplete statement at end")
    return out
