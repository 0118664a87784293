"""The household import's services path where an enrollment no longer sits with its
person's household, from a review: a head 在保 in the programme is refused or skipped
from HouseholdRules without write_group's queries only when he is in a household, and
what write_group reads of registered households (bulk_households.RegisteredHouseholds)
is read again for an enrollment an earlier row has reached. Each test holds the import
to what it did before either shortcut, in a small file and in a large one (chunks of
25, early registration from the first row), in dry runs too.

Both cases (defects until fixed) need an enrollment that no longer sits with its person's household:
the head of a 在保 household was changed (change_head) and the old head moved out
(remove_member), perhaps into a household of their own. The enrollment then still
stands under the old head, for the old household."""
from __future__ import annotations

import datetime as dt

import pytest

from mzdesk import audit
from mzdesk.importing import apply as apply_module
from mzdesk.importing import apply_households, bulk, importer
from mzdesk.importing import job as job_module
from mzdesk.models import Enrollment, EnrollmentEvent
from mzdesk.services import enrollments, households, persons

from .people import new_id
from .test_importer import db_hash, problems, run, sheet

HEADER = ["姓名", "身份证号", "与户主关系", "保障人数", "银行账号"]
ACCOUNT_P, ACCOUNT_Q = "6217000000000001", "6217000000000002"


@pytest.fixture(params=[False, True], ids=["small", "large"])
def size(request, monkeypatch):
    """'large': early registration from the first row, 25 rows to a chunk (as the
    `early` fixture of test_import_early.py)."""
    if request.param:
        for module in (job_module, apply_module, apply_households, bulk):
            monkeypatch.setattr(module, "CHUNK", 25)
        monkeypatch.setattr(importer, "EARLY_FROM", 0)
    return request.param


def _moved_out_head(programme: str, *, own_household: bool):
    """张大山 headed a household 在保 in `programme` (covering 2); 刘桂兰 is its head now
    and 张大山 has left it (into a household of his own if own_household). The
    enrollment still stands under 张大山 for the old household."""
    p, q = new_id(dt.date(1960, 1, 1)), new_id(dt.date(1962, 1, 1), "女")
    pp = persons.register_person(p, "张大山", village="长丰村")
    pq = persons.register_person(q, "刘桂兰", village="长丰村")
    old = households.create_household(pp.id, members=[(pq.id, "配偶")])
    e = enrollments.enroll(programme, pp.id, start_month="2024-01", household_id=old.id, covered_persons=2)
    households.change_head(old.id, pq.id, "配偶")
    households.remove_member(old.id, pp.id)
    if own_household:
        households.create_household(pp.id)
    return p, q, e


def _new_households(n: int) -> list[list]:
    """Households new to the registry ahead of the case (the bulk path, early in a large file)."""
    return [[f"新户{i}", new_id(dt.date(1980, 1, 1) + dt.timedelta(days=i)), "户主", None, None] for i in range(n)]


# --- 6beeae4: a head 在保 in the programme but in no household ---------------------------------


@pytest.mark.parametrize("programme", ["dibao_rural", "bianyuan"])
@pytest.mark.parametrize("mode", ["refuse", "skip"])
@pytest.mark.parametrize("dry_run", [False, True])
def test_enrolled_head_in_no_household_is_refused_by_enroll_as_before(
        township, tmp_path, db, size, programme, mode, dry_run):
    """write_group found no household for the head, so no 在保 enrollment of it: it made
    the head a household and enroll refused it (the enrollment under the head) — a
    problem in refuse mode and in skip mode alike, the file not written. Now the head,
    being in HouseholdRules.enrolled, is refused with "该户已在本项目中在保" or, in skip
    mode, silently skipped and the file written: a roster whose household the registry
    does not have (the head has left the household he is 在保 for) goes in as done."""
    p, _, _ = _moved_out_head(programme, own_household=False)
    path = sheet(tmp_path / "d.xlsx", HEADER, _new_households(3) + [["张大山", p, "户主", 1, None]])
    before = db_hash(db)
    result = run(programme, path, on_duplicate=mode, dry_run=dry_run)
    assert problems(result) == [(6, "身份证号", p, "该对象已在本项目中在保，不能重复纳入")]
    assert (result.written, result.skipped) == (False, 0)
    assert db_hash(db) == before


# --- aff0f75: one enrollment reached from two households --------------------------------------


@pytest.mark.parametrize("programme", ["dibao_rural", "bianyuan"])
@pytest.mark.parametrize("dry_run", [False, True])
def test_an_enrollment_two_households_reach_is_read_again_after_the_first_updates_it(
        township, tmp_path, db, size, programme, dry_run):
    """The enrollment stands under 张大山 (now heading a household of his own) for the
    household 刘桂兰 heads now: write_group reaches it from 张大山's row (the head's
    own enrollment) and from 刘桂兰's row (her household's). Before, the second row
    read it after the first had changed it (保障人数 1), and set it back to 2 with
    the account of its own row. RegisteredHouseholds re-reads only a household taken
    before — 刘桂兰's household was not, her row gets the enrollment as it was before
    the import, sees nothing to change in 保障人数, and the enrollment is left at the
    first row's 1: one update fewer, one 调整金额 entry and event fewer, no household
    counted as pending."""
    p, q, e = _moved_out_head(programme, own_household=True)
    path = sheet(tmp_path / "d.xlsx", HEADER,
                 _new_households(3) + [["张大山", p, "户主", 1, ACCOUNT_P], ["刘桂兰", q, "户主", 2, ACCOUNT_Q]])
    before = db_hash(db)
    result = run(programme, path, on_duplicate="update", dry_run=dry_run)
    assert not result.problems
    assert (result.created, result.updated, result.skipped, result.members_pending) == (3, 2, 0, 1)
    if dry_run:
        assert db_hash(db) == before
        return
    e = Enrollment.get_by_id(e.id)
    assert (e.covered_persons, e.status) == (2, "在保")
    if programme == "dibao_rural":
        assert (str(e.amount), e.bank_account) == ("1300.00", ACCOUNT_Q)
    changes = [h.summary for h in audit.history("enrollment", e.id) if h.action == "调整金额"]
    assert changes == ["自 2026-06 起", "自 2026-06 起" + enrollments.PENDING_NOTE]
    assert [ev.kind for ev in e.events.order_by(EnrollmentEvent.id)] == ["开始", "调整", "调整"]
