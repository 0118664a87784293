"""The importer parses each distinct cell of a column once (job.Job.parse): the
outcome must be exactly what parsing every cell gives."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from mzdesk.importing import job as job_module
from mzdesk.models import Enrollment, Person

from .people import new_id
from .test_importer import problems, run, sheet


def test_a_bad_value_repeated_is_named_on_every_row(township, tmp_path):
    rows = [[f"老人{i}", new_id(dt.date(1940, 1, 1)), "长丰村", "2022-13"] for i in range(4)]
    result = run("gaoling", sheet(tmp_path / "g.xlsx", ["姓名", "身份证号", "村", "开始月份"], rows))
    assert [(r, c, v) for r, c, v, _ in problems(result)] == [(n, "开始月份", "2022-13") for n in range(3, 7)]
    assert len({why for *_, why in problems(result)}) == 1


def test_equal_keys_of_different_types_are_parsed_apart(township, tmp_path):
    """1, 1.0 and True are one dict key; as cells they are read each on its own."""
    rows = [["甲", new_id(dt.date(1940, 1, 1)), 50, None], ["乙", new_id(dt.date(1940, 1, 1)), 50.0, None],
            ["丙", new_id(dt.date(1940, 1, 1)), True, "按审批"]]
    result = run("gaoling", sheet(tmp_path / "g.xlsx", ["姓名", "身份证号", "金额", "金额说明"], rows))
    # a TRUE in an amount cell is not the number 1
    assert [(r, c) for r, c, _, _ in problems(result)] == [(5, "金额")]
    del rows[2]
    result = run("gaoling", sheet(tmp_path / "h.xlsx", ["姓名", "身份证号", "金额", "金额说明"], rows))
    assert result.written and {e.amount for e in Enrollment.select()} == {Decimal("50.00")}


def test_columns_of_distinct_values_stop_being_remembered(township, tmp_path, monkeypatch):
    monkeypatch.setattr(job_module, "_DISTINCT", 8)
    rows = [[f"人员{i:03d}", new_id(dt.date(1950 + i % 30, 1, 1)), "长丰村"] for i in range(40)]
    rows.append(["人员重复", rows[0][1], "长丰村"])   # the same ID again, after remembering stopped
    result = run("persons", sheet(tmp_path / "p.xlsx", ["姓名", "身份证号", "村"], rows))
    assert [(r, c) for r, c, _, _ in problems(result)] == [(43, "身份证号")]
    del rows[-1]
    assert run("persons", sheet(tmp_path / "q.xlsx", ["姓名", "身份证号", "村"], rows)).written
    assert sorted(p.name for p in Person.select()) == sorted(r[0] for r in rows)
