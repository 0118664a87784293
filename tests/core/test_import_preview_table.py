"""The table the wizard read for its preview serves the dry run and the import,
unless the file was saved since: then it is read again."""
from __future__ import annotations

import os

import pytest

from mzdesk.importing import importer
from mzdesk.importing.reader import ReadError
from mzdesk.models import Person

from .test_importer import elder, run, sheet

HEADER = ["姓名", "身份证号", "村(社区)"]


def test_the_preview_s_table_is_used_while_the_file_is_unchanged(township, tmp_path, monkeypatch):
    path = sheet(tmp_path / "p.xlsx", HEADER, [["王大", elder(), "长丰村"], ["李二", elder(), "长丰村"]])
    table, mapping = importer.detect("persons", path)
    reads = []
    real = importer._read
    monkeypatch.setattr(importer, "_read", lambda *a: reads.append(a) or real(*a))

    dry = run("persons", path, table=table, dry_run=True)
    assert (dry.created, reads) == (2, [])
    assert run("persons", path, table=table, sheet=table.sheet).written and reads == []
    assert sorted(p.name for p in Person.select()) == ["李二", "王大"]


def test_a_file_saved_again_after_the_preview_is_read_again(township, tmp_path):
    path = sheet(tmp_path / "p.xlsx", HEADER, [["王大", elder(), "长丰村"]])
    table, _ = importer.detect("persons", path)
    stamp = os.stat(path).st_mtime_ns
    sheet(path, HEADER, [["赵三", elder(), "长丰村"], ["钱四", elder(), "新华社区"]])   # the clerk saved it
    os.utime(path, ns=(stamp + 2_000_000_000, stamp + 2_000_000_000))   # even within the same second
    result = run("persons", path, table=table)
    assert result.written and result.rows_total == 2
    assert sorted(p.name for p in Person.select()) == ["赵三", "钱四"]


def test_a_table_of_another_sheet_or_file_is_not_taken(township, tmp_path):
    first = sheet(tmp_path / "a.xlsx", HEADER, [["王大", elder(), "长丰村"]])
    other = sheet(tmp_path / "b.xlsx", HEADER, [["孙五", elder(), "长丰村"]])
    table, _ = importer.detect("persons", first)
    assert run("persons", other, table=table).written
    assert [p.name for p in Person.select()] == ["孙五"]
    with pytest.raises(ReadError, match="别的表"):   # another sheet asked for: the file is read
        run("persons", first, table=table, sheet="别的表")
