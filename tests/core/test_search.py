"""Person search: name, pinyin initials, full pinyin, ID fragment, village."""
from __future__ import annotations

import datetime as dt

from mzdesk.search import search_persons
from mzdesk.services import persons

from .people import new_id


def _names(query):
    return [p.name for p in search_persons(query)]


def test_search_by_every_key(township):
    zsf = persons.register_person(new_id(dt.date(1960, 1, 2)), "张三丰", village="长丰村")
    persons.register_person(new_id(dt.date(1961, 1, 2)), "张三", village="新华社区")
    persons.register_person(new_id(dt.date(1962, 1, 2)), "李四", village="新华社区")
    assert _names("张三丰") == ["张三丰"]
    assert _names("张三")[0] == "张三"  # exact name first
    assert set(_names("张三")) == {"张三", "张三丰"}
    assert _names("zsf") == ["张三丰"]
    assert _names("ZSF") == ["张三丰"]
    assert _names("ｚｓｆ") == ["张三丰"]  # full-width input
    assert _names("zhangsanf") == ["张三丰"]
    assert _names("sanfeng") == ["张三丰"]  # inside the pinyin
    assert _names(zsf.id_number[-6:]) == ["张三丰"]
    assert _names(zsf.id_number[6:14]) == ["张三丰"]  # the birth date
    assert _names("三丰") == ["张三丰"]
    assert set(_names("新华")) == {"张三", "李四"}
    assert _names("") == [] and _names("王") == []


def test_search_follows_edits(township):
    p = persons.register_person(new_id(), "王小明")
    persons.update_person(p.id, name="王晓明")
    assert _names("wxm") == ["王晓明"]
    assert _names("wangxiaoming") == ["王晓明"]
    assert _names("xiaoming") == ["王晓明"]
