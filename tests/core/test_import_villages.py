"""Village names as old rosters write them: with the group (长丰村3组), under 村组 or
所在村组."""
from __future__ import annotations

import datetime as dt

from mzdesk.importing.job import VillageFinder
from mzdesk.models import Person

from .people import new_id
from .test_importer import problems, run, sheet


def test_a_village_with_its_group_is_the_village(township):
    finder = VillageFinder()
    changfeng, xinhua = finder.find("长丰村"), finder.find("新华社区")
    assert changfeng and xinhua
    for name in ("长丰村3组", "长丰村三组", "长丰村第十二组", "长丰村 5 组", "长丰村二村民小组", "长丰村3队"):
        assert finder.find(name) == changfeng, name
    assert finder.find("新华社区二社") == xinhua
    for name in ("长丰村3", "长丰村组", "白鹤村3组", "3组"):
        assert finder.find(name) is None, name


def test_a_roster_with_a_village_group_column_comes_in(township, tmp_path):
    rows = [["王大爷", new_id(dt.date(1940, 3, 1)), "长丰村3组"], ["李奶奶", new_id(dt.date(1938, 7, 9), "女"), "长丰村4组"],
            ["赵爷爷", new_id(dt.date(1944, 1, 20)), "新华社区一组"]]
    result = run("gaoling", sheet(tmp_path / "g.xlsx", ["姓名", "身份证号码", "所在村组"], rows))
    assert result.written and problems(result) == []
    assert {p.name: p.village.name for p in Person.select()} == {"王大爷": "长丰村", "李奶奶": "长丰村",
                                                                "赵爷爷": "新华社区"}
