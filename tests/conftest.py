"""Fixtures shared by the core and UI tests.

A schema-only database is built once per session through the migrations;
each test gets its own copy of that file, which is much faster than running
the migrations again for every test.
"""
from __future__ import annotations

import shutil

import pytest

from mzdesk import db as dbmod


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    database = dbmod.open_database(path)
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.execute_sql("PRAGMA journal_mode=DELETE")
    dbmod.close_database()
    return path


@pytest.fixture
def db_path(_template_db, tmp_path, monkeypatch):
    """Path of a fresh, migrated, empty database; also the default database."""
    path = tmp_path / "mzdesk.sqlite3"
    shutil.copyfile(_template_db, path)
    monkeypatch.setenv(dbmod.ENV_DB, str(path))
    return path


@pytest.fixture
def db(db_path):
    """The fresh database, open and bound to the models."""
    database = dbmod.open_database(db_path)
    yield database
    dbmod.close_database()
