"""In a large household roster, a household all of whose persons were registered early
is planned and queued while the rest of the file is still being cleaned
(HouseholdProgrammeApplier.register_early). The database ends as the import that
plans every household after the checks leaves it; a household in doubt waits; a
problem found in an early household, or later, refuses the file as before."""
from __future__ import annotations

import datetime as dt

import pytest

from mzdesk.importing import apply_households
from mzdesk.models import Enrollment, Household, Person
from mzdesk.services import persons

from .people import new_id
from .test_import_early import HEADER, _households, _import_twice, early  # noqa: F401 (a fixture)
from .test_importer import db_hash, problems, run, sheet


@pytest.fixture
def planned(monkeypatch, early):
    """Rows cleaned so far at each early write of households (25 to a chunk, as `early` sets)."""
    seen = []
    real = apply_households.HouseholdProgrammeApplier.write_new

    def write_new(self, new, programme):
        if new and self._early is not None:   # from register_early / end_early
            seen.append((len(self.job.recs), len(new)))
        return real(self, new, programme)

    monkeypatch.setattr(apply_households.HouseholdProgrammeApplier, "write_new", write_new)
    return seen


def test_households_of_new_persons_are_written_while_the_file_is_cleaned(
        township, db, tmp_path, monkeypatch, planned):
    registered = new_id(dt.date(1966, 6, 6))
    rows = _households(90)
    rows[7][0], rows[7][1] = "王登记", registered   # a member already registered: that household waits
    persons.register_person(registered, "王登记", village="长丰村")
    path = sheet(tmp_path / "d.xlsx", HEADER, rows)
    first, second, a, b = _import_twice(db, tmp_path, monkeypatch, "dibao_rural", path)
    assert first.written and problems(first) == []
    assert (first.created, first.persons_created) == (second.created, second.persons_created) == (90, len(rows) - 1)
    assert a == b and len(a["household"]) == 90 and all(a["audited"].values())
    early_households = sum(n for _, n in planned)
    assert early_households == 89                       # all but the one with a registered member
    assert planned[0][0] < len(rows) and len(planned) > 3   # the first went while rows were still to clean


def test_a_roster_of_heads_alone_goes_early_with_each_row_a_household(township, db, tmp_path, monkeypatch, planned):
    """No 与户主关系 column: every row is a household (城镇 in a 社区, for 低保边缘)."""
    rows = [[f"边缘{i}", new_id(dt.date(1960, 1, 1) + dt.timedelta(days=i)), "新华社区" if i % 2 else "长丰村",
             1 + i % 4, "0.00", "2024-01"] for i in range(60)]
    path = sheet(tmp_path / "b.xlsx", ["姓名", "身份证号", "村(社区)", "保障人数", "金额", "开始月份"], rows)
    first, second, a, b = _import_twice(db, tmp_path, monkeypatch, "bianyuan", path)
    assert first.written and first.created == second.created == 60 and first.members_pending == 45
    assert a == b and sum(n for _, n in planned) == 60
    assert sorted({h[3] for h in a["household"]}) == ["农村", "城镇"]


def test_a_roster_naming_each_members_head_is_planned_after_the_checks(township, tmp_path, planned):
    """A 户主身份证号 column may put a member anywhere in the file: no household goes early."""
    heads = [new_id(dt.date(1950, 1, 1) + dt.timedelta(days=i)) for i in range(30)]
    rows = [[f"户主{i}", n, "户主", n, 2, "2024-01", "长丰村"] for i, n in enumerate(heads)]
    rows += [[f"成员{i}", new_id(dt.date(1985, 1, 1) + dt.timedelta(days=i)), "子女", n, None, None, None]
             for i, n in enumerate(reversed(heads))]
    header = ["姓名", "身份证号", "与户主关系", "户主身份证号", "保障人数", "开始月份", "村(社区)"]
    result = run("dibao_rural", sheet(tmp_path / "d.xlsx", header, rows))
    assert result.written and result.created == 30 and planned == []
    for head in heads:
        household = Household.get(Household.head == Person.get(Person.id_number == head).id)
        assert len([m for m in household.members if m.active]) == 2


def test_a_refusal_in_an_early_household_is_named_and_nothing_is_written(
        township, db, tmp_path, monkeypatch, planned):
    rows = _households(60)
    rows[3][3] = 9   # the household on rows 6 to 8 said to cover nine
    before = db_hash(db)
    result = run("dibao_rural", sheet(tmp_path / "d.xlsx", HEADER, rows))
    assert planned and not result.written
    expected = [(6, "保障人数", "9", "保障人数应在 1 到 3（家庭成员数）之间" + apply_households._MEMBERS_HINT)]
    assert problems(result) == expected
    assert db_hash(db) == before and Person.select().count() == Enrollment.select().count() == 0
    monkeypatch.setattr("mzdesk.importing.importer.EARLY_FROM", 10**9)   # the same problem all at once
    assert problems(run("dibao_rural", sheet(tmp_path / "e.xlsx", HEADER, rows))) == expected


def test_a_person_met_again_in_a_later_household_refuses_the_file(township, db, tmp_path, planned):
    rows = _households(60)
    member = next(r for r in rows if r[2] == "配偶")
    rows[-1] = [member[0], member[1], "子女", None, None, None, None, None, None]   # in two households
    before = db_hash(db)
    result = run("dibao_rural", sheet(tmp_path / "d.xlsx", HEADER, rows))
    assert planned and not result.written
    assert [(p[1], p[3][:2]) for p in problems(result)] == [("身份证号", "与第")]
    assert db_hash(db) == before


def test_a_household_in_a_community_the_import_creates_is_urban(township, tmp_path, planned):
    """低保边缘's 城镇 / 农村 comes from the village's kind: the village kinds are read before
    the early households, and again for a 社区 created after the cleaning."""
    rows = [[f"边缘{i}", new_id(dt.date(1960, 1, 1) + dt.timedelta(days=i)), "白鹤社区" if i % 3 == 0 else "长丰村",
             1, "0.00", "2024-01"] for i in range(60)]
    path = sheet(tmp_path / "b.xlsx", ["姓名", "身份证号", "村(社区)", "保障人数", "金额", "开始月份"], rows)
    result = run("bianyuan", path, create_villages=True)
    assert result.written and result.villages_created == ["白鹤社区"] and sum(n for _, n in planned) == 40
    for row in rows:
        household = Household.get(Household.head == Person.get(Person.id_number == row[1]).id)
        assert household.area == ("城镇" if row[2] == "白鹤社区" else "农村")


def test_a_person_twice_in_one_household_keeps_it_from_going_early(township, db, tmp_path, planned):
    rows = _households(60)
    at = next(i for i, r in enumerate(rows) if r[2] == "配偶")
    rows.insert(at + 1, [rows[at][0], rows[at][1], "子女", None, None, None, None, None, None])
    before = db_hash(db)
    result = run("dibao_rural", sheet(tmp_path / "d.xlsx", HEADER, rows))
    assert not result.written and [(p[0], p[1]) for p in problems(result)] == [(at + 4, "身份证号")]
    assert db_hash(db) == before
    assert planned and sum(n for _, n in planned) == 59   # every household but that one
