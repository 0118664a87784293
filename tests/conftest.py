"""Fixtures shared by the core and UI tests.

A schema-only database is built once per session through the migrations;
each test gets its own copy of that file, which is much faster than running
the migrations again for every test.
"""
from __future__ import annotations

import datetime as dt
import shutil

import pytest

from mzdesk import db as dbmod


@pytest.fixture(autouse=True)
def _private_user_dirs(tmp_path_factory, monkeypatch):
    """Keep logs, settings and default data of the tests out of the real home."""
    home = tmp_path_factory.mktemp("home")
    for var in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(home / var.lower()))


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


@pytest.fixture
def township(db):
    """A small township through the services: two villages and the standards of 2022."""
    from mzdesk.services import settings, standards

    settings.init_township("茶店镇", ["长丰村", "新华社区"])
    rows = [
        ("dibao_rural", "", "650"), ("dibao_urban", "", "800"),
        ("dibao_rural", "分类施保:重残", "100"), ("dibao_rural", "分类施保:老年人", "50"),
        ("tekun", "散居", "1100"), ("tekun", "集中", "1100"),
        ("tekun", "护理:半失能", "300"), ("tekun", "护理:全失能", "600"),
        ("gaoling", "80-89", "50"), ("gaoling", "90-99", "100"), ("gaoling", "100+", "300"),
        ("youfu", "复员军人", "1200"), ("youfu", "伤残军人:6级", "900"),
        ("canji", "生活补贴", "90"), ("canji", "护理补贴", "90"),
    ]
    for programme, category, amount in rows:
        standards.add_standard(programme, amount, "2022-01", category=category)
    return db


# --- demo townships, each built once per session -------------------------------------------

JUNE = dict(households=300, seed=5, today=dt.date(2026, 6, 10))  # June 2026 not paid yet


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory):
    """demo_files(households=, seed=, today=) → the path of that demo township's database,
    built the first time it is asked for; tests copy it (or only read it)."""
    built: dict[tuple, object] = {}

    def get(*, households: int, seed: int, today: dt.date):
        key = (households, seed, today)
        if key not in built:
            from mzdesk.demo import build_demo

            path = tmp_path_factory.mktemp("demo") / f"demo-{households}-{seed}-{today}.sqlite3"
            database = dbmod.open_database(path)
            build_demo(households=households, seed=seed, today=today)
            database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            database.execute_sql("PRAGMA journal_mode=DELETE")
            dbmod.close_database()
            built[key] = path
        return built[key]

    return get


@pytest.fixture
def june(demo_files, tmp_path, monkeypatch):
    """A private copy of the demo township on 2026-06-10 (300 households, seed 5; June unpaid),
    open and the default database."""
    path = tmp_path / "june.sqlite3"
    shutil.copyfile(demo_files(**JUNE), path)
    monkeypatch.setenv(dbmod.ENV_DB, str(path))
    database = dbmod.open_database(path)
    yield database
    dbmod.close_database()
