"""Writing an import, KIND by KIND, through the services (kinds.py says what
each decision is; bulk.py is the fast path for new persons and person
programmes; apply_households.py the household programmes, apply_ledgers.py the
one-off ledgers).

Every applier has two steps, both inside the import's transaction: check()
(duplicates in the file, names against the registry, the shape of
households) and write(). A service's refusal becomes a problem on the row,
under the column it is about; the importer rolls everything back if there is
any. A large file's new persons may be registered before check(), while the
file is still being cleaned (Applier.register_early).
"""
from __future__ import annotations

import itertools
import re

from ..errors import DomainError
from ..models import Enrollment, Person, Programme, database
from ..services import enrollments, persons, villages
from . import bulk
from .sql_writer import CHUNK, Direct
from .job import Job, PersonInfo, Rec

MODES = ("refuse", "skip", "update")

# Which column a service's message is about; the first keyword found wins.
_HINTS = (("保障人数", "covered_persons"), ("人均收入", "per_capita_income"), ("伤残等级", "disability_grade"),
          ("家庭人数", "persons"), ("与户主关系", "relation"), ("银行账号", "bank_account"),
          ("死亡日期", "death_date"), ("审批日期", "approved_date"), ("发放日期", "paid_date"),
          ("调查日期", "survey_date"), ("办理日期", "issued_date"), ("救助类型", "case_type"),
          ("金额", "amount"), ("保障标准", "start_month"), ("开始月份", "start_month"),
          ("高龄", "id_number"), ("村(社区)", "village"), ("姓名", "name"))
_REFUSE_HINT = "；如要按本表更新，请选择“更新”，或选择“跳过”"


def column_for(job: Job, message: str, default: str = "id_number") -> str:
    for word, key in _HINTS:
        if word in message and job.kind.field(key) is not None:
            return key
    return default


def _tags(text: str | None) -> list[str]:
    return [t for t in re.split(r"[、,，;；\s]+", text or "") if t]


class Applier:
    # Whether this KIND's new persons may be registered while the file is still being
    # cleaned (True: with the row's tags and note, as PersonsApplier registers them);
    # None: never (the ledgers).
    EARLY: bool | None = None

    def __init__(self, job: Job):
        self.job = job
        self.mode = job.on_duplicate
        self._early: bulk.PersonBatch | None = None
        self._early_ids: dict[str, int] | None = None   # the batch's, once ended
        self._early_recs: list[tuple[Rec, bulk.NewPerson]] = []
        self._met: set[str] = set()   # the ID numbers of the rows handed to register_early

    # --- shared -------------------------------------------------------------------

    def check(self) -> None:
        self.job.check_file_duplicates(lambda r: r.values.get("id_number"), "同一身份证号在表中出现了两次")
        self.job.check_names(may_rename=False)

    def write(self) -> None:
        raise NotImplementedError

    def info(self, rec: Rec, key: str = "id_number") -> PersonInfo:
        return self.job.registry[rec.values[key]]

    def refuse_or_skip(self, rec: Rec, message: str) -> bool:
        """A duplicate in refuse or skip mode: True if handled (not to be updated)."""
        if self.mode == "refuse":
            self.job.problem(rec, "id_number", message + _REFUSE_HINT)
            return True
        if self.mode == "skip":
            self.job.skipped += 1
            return True
        return False

    @property
    def sql(self) -> Direct:
        """Where the fast path's statements go (job.sql: a Writer during an import)."""
        return self.job.sql or Direct(database.connection())

    def wait(self) -> None:
        """Before the import itself reads what the fast path writes, or writes through the
        services: the Writer's statements first (sql_writer's rules)."""
        if self.job.sql is not None:
            self.job.sql.wait()

    def service(self, rec: Rec, fn, *args, default: str = "id_number", hint: str = "", **kwargs):
        """Call a service in its own savepoint; a refusal is a problem on the row."""
        self.wait()
        try:
            with database.atomic():
                return fn(*args, **kwargs)
        except DomainError as exc:
            message = str(exc)
            if hint and "保障人数应在" in message:
                message += hint
            self.job.problem(rec, column_for(self.job, message, default), message)
            return None

    def new_person(self, rec: Rec, *, own: bool = False) -> bulk.NewPerson:
        v = rec.values
        return bulk.NewPerson(
            v["id_number"], v.get("name", ""), village_id=self.job.village_ids.get(v.get("village")),
            address=v.get("address", ""), phone=v.get("phone", ""), bank_name=v.get("bank_name", ""),
            bank_account=v.get("bank_account", ""), tags=_tags(v.get("tags")) if own else (),
            note=v.get("note", "") if own else "")

    def start_early(self) -> None:
        self.prepare()
        self._early = bulk.PersonBatch(self.sql, self.job.now)

    def prepare(self) -> None:
        """What write() will read of the registered persons, read while nothing is queued
        yet (a read behind a running statement waits for it): before early registration."""

    def registered_ids(self) -> set[int]:
        return {info.id for info in self.job.registry.values()}

    def register_early(self, recs: list[Rec]) -> None:
        """Register the new persons of rows just cleaned, while the rest of the file is
        (the importer calls this for a large file, inside the import's transaction).
        Only rows beyond doubt: clean so far, an ID number the registry was asked about
        and does not hold and that no row above holds (good or bad: check() will call
        this one a duplicate), a village found. The others wait for register_new. A row
        that a later check refuses leaves a problem, so the whole file is rolled back."""
        job, batch, met = self.job, self._early, self._met

        def people():
            for rec in recs:
                v = rec.values
                number = v.get("id_number")
                if number is None or number in met:
                    continue
                met.add(number)
                if rec.bad or not job.known_new(number):
                    continue
                village = v.get("village")
                if village is not None and job.village_id(village) is None:
                    continue
                try:
                    person = self.new_person(rec, own=self.EARLY)
                except DomainError as exc:
                    job.problem(rec, column_for(job, str(exc)), str(exc))
                    continue
                self._early_recs.append((rec, person))
                yield person

        batch.add(people())

    def end_early(self) -> None:
        """The file is cleaned: the early persons' search index rows and the index's
        trigger go to the Writer now, to be written while the checks run."""
        if self._early is not None and self._early_ids is None:
            self._early_ids = self._early.finish()

    def _take_early(self) -> list[Rec]:
        """The persons registered early, now in the registry; their rows still good."""
        self.end_early()
        ids, self._early, self._early_ids = self._early_ids, None, None
        if ids is None:
            return []
        self._remember_early(ids)
        return [rec for rec, _ in self._early_recs if not rec.bad]

    def _remember_early(self, ids: dict[str, int]) -> None:
        self._remember([p for _, p in self._early_recs], ids)

    def _remember(self, people: list[bulk.NewPerson], ids: dict[str, int]) -> None:
        job = self.job
        for p in people:
            job.registry[p.id_number] = PersonInfo(ids[p.id_number], p.name, None, p.bank_account,
                                                   p.village_id, p.address)
        job.persons_created += len(people)

    def register_new(self, recs: list[Rec], *, own: bool = False) -> list[Rec]:
        """Register the rows' persons who are not in the registry; returns those rows
        (with those registered early)."""
        job = self.job
        early = self._take_early()
        people, rows, seen = [], [], set()

        def fresh():   # made as they are inserted: the first chunk goes in while the rest are made
            for rec in recs:
                number = rec.values.get("id_number")
                if rec.bad or number is None or number in job.registry or number in seen:
                    continue
                try:
                    person = self.new_person(rec, own=own)
                except DomainError as exc:
                    job.problem(rec, column_for(job, str(exc)), str(exc))
                    continue
                seen.add(number)
                rows.append(rec)
                people.append(person)
                yield person

        found = fresh()
        first = next(found, None)
        if first is None:   # all registered early, or nobody new: not a query more
            return early
        ids = bulk.register_persons(itertools.chain((first,), found), job.now, self.sql,
                                    many=len(recs) >= bulk.BATCH_INDEX_FROM)
        self._remember(people, ids)
        return early + rows

    def account_then_count(self, rec: Rec, e: Enrollment, account: str, changed: bool) -> None:
        """The last step of updating an enrollment from a row: its bank account as the file
        gives it, then the row counted as updated (anything changed) or skipped."""
        if "bank_account" in rec.values and account != e.bank_account:
            if self.service(rec, enrollments.change_bank_account, e.id, account, "按导入文件更新") is None:
                return
            changed = True
        if changed:
            self.job.updated += 1
        else:
            self.job.skipped += 1

    def step(self, i: int) -> None:
        if i % 200 == 0:
            self.job.progress(len(self.job.recs) + i, "正在写入")


# --- 人员档案 ------------------------------------------------------------------------


class PersonsApplier(Applier):
    EARLY = True
    FIELDS = ("name", "village", "address", "phone", "bank_name", "bank_account", "note")

    def check(self) -> None:
        job = self.job
        job.check_file_duplicates(lambda r: r.values.get("id_number"), "同一身份证号在表中出现了两次")
        job.check_names(may_rename=self.mode == "update")
        for rec in job.good():
            if rec.values["id_number"] in job.registry and self.mode == "refuse":
                job.problem(rec, "id_number", "该身份证号码已登记在人员档案中（同一号码只能是一个人）" + _REFUSE_HINT)

    def write(self) -> None:
        job = self.job
        good = job.good()
        existing = [r for r in good if r.values["id_number"] in job.registry]
        job.created += len(self.register_new(good, own=True))
        if existing:
            self.wait()
        for i, rec in enumerate(existing):
            self.step(i)
            if self.mode != "update":
                job.skipped += 1
                continue
            changes = self._changes(rec)
            if not changes:
                job.skipped += 1
            elif self.service(rec, persons.update_person, self.info(rec).id, **changes) is not None:
                job.updated += 1

    def _changes(self, rec: Rec) -> dict:
        """The row's non-blank fields that differ from the registry."""
        v = rec.values
        person = Person.get_by_id(self.info(rec).id)
        changes = {}
        for key in self.FIELDS:
            if key not in v:
                continue
            if key == "village":
                village_id = self.job.village_ids.get(v[key])
                if village_id != person.village_id:
                    changes[key] = village_id
            elif v[key] != getattr(person, key):
                changes[key] = v[key]
        if "tags" in v:
            wanted = _tags(v["tags"])
            if wanted != persons.tag_list(person):
                changes["tags"] = wanted
        return changes


# --- person programmes ------------------------------------------------------------------


class PersonProgrammeApplier(Applier):
    EARLY = False
    _rules: tuple[set[int], bulk.EnrollmentRules] | None = None

    def prepare(self) -> None:
        ids = self.registered_ids()
        self._rules = ids, bulk.EnrollmentRules(self.job.kind.code, ids)

    def write(self) -> None:
        job = self.job
        code = job.kind.code
        good = job.good()
        # what stands in the way of the registered persons, read before new ones are queued
        # (new persons have no enrollment)
        ids = [self.info(r).id for r in good if r.values.get("id_number") in job.registry]
        rules = self._rules if self._rules is not None and self._rules[0] >= set(ids) else None
        rules = rules[1] if rules is not None else bulk.EnrollmentRules(code, ids)
        fresh = {r.values["id_number"] for r in self.register_new(good)}
        items = []
        for i, rec in enumerate(good):
            self.step(i)
            if rec.bad:
                continue
            info = self.info(rec)
            if info.id in rules.active:
                if not self.refuse_or_skip(rec, "该对象已在本项目中在保（同一人不能重复纳入）"):
                    self.update(rec, rules.active[info.id], info)
                continue
            v = rec.values
            month = v.get("start_month", job.month)
            reason = (v.get("amount_reason") or "").strip()
            try:
                rules.refuse(info.id, dead=info.death_date is not None)
                category, details = self.category_details(rec, month)
                amount, kept = rules.amount(month, category, details, v.get("amount"), reason)
            except DomainError as exc:
                job.problem(rec, column_for(job, str(exc)), str(exc))
                continue
            account = "" if v["id_number"] in fresh else self.enrollment_account(rec, info)
            items.append(bulk.NewEnrollment(info.id, category=category, amount=amount, amount_reason=kept,
                                            reason=reason, details=details, bank_account=account,
                                            start_month=month))
            if len(items) == CHUNK:   # the Writer inserts these while the next are made
                self.enroll_new(rules.programme, items)
                items = []
        self.enroll_new(rules.programme, items)

    def enroll_new(self, programme: Programme, items: list[bulk.NewEnrollment]) -> None:
        if items:
            bulk.enroll_many(programme, items, self.job.now, self.sql)
            self.job.created += len(items)

    @staticmethod
    def enrollment_account(rec: Rec, info: PersonInfo) -> str:
        account = rec.values.get("bank_account", "")
        return "" if account in ("", info.bank_account) else account

    def category_details(self, rec: Rec, month: str) -> tuple[str, dict]:
        """category and details as the enrollment form builds them."""
        v, code = rec.values, self.job.kind.code
        if code == "tekun":
            details = {"care_level": v.get("care_level", "全自理")}
            if v["category"] == "集中" and v.get("institution"):
                details["institution"] = v["institution"]
            return v["category"], details
        if code == "youfu":
            details = {}
            if v["category"] == "伤残军人":
                details = {k: v[k] for k in ("disability_grade", "disability_cause") if k in v}
            return v["category"], details
        if code == "gaoling":
            details = {"survival_check": v["survival_check"].isoformat()} if "survival_check" in v else {}
            return bulk.gaoling_band(v["id_number"], month), details
        details = {k: v[k] for k in ("disability_type", "disability_grade") if k in v}
        return v["category"], details

    def update(self, rec: Rec, enrollment_id: int, info: PersonInfo) -> None:
        """change_amount from the import's month when anything it computes from differs."""
        job, v = self.job, rec.values
        self.wait()
        e = Enrollment.get_by_id(enrollment_id)
        month = max(job.month, e.start_month)
        try:
            category, details = self.category_details(rec, month)
        except DomainError as exc:
            job.problem(rec, column_for(job, str(exc)), str(exc))
            return
        details = {**(e.details or {}), **details}
        amount = v.get("amount")
        changed = False
        if category != e.category or details != (e.details or {}) or (amount is not None and amount != e.amount):
            done = self.service(rec, enrollments.change_amount, e.id, month=month, amount=amount,
                                reason=v.get("amount_reason", ""), details=details, category=category)
            if done is None:
                return
            changed = True
        self.account_then_count(rec, e, self.enrollment_account(rec, info), changed)


def create_villages(job: Job) -> None:
    """Add the unknown villages (create_villages=True), audited by the service."""
    for name in job.unknown_villages:
        try:
            with database.atomic():
                village = villages.add_village(name)
        except DomainError as exc:
            for rec in job.recs:
                if rec.values.get("village") == name:
                    job.problem(rec, "village", str(exc))
            continue
        job.village_ids[name] = village.id
        job.villages_created.append(name)


def applier_for(job: Job) -> Applier:
    if job.kind.shape == "ledger":
        from .apply_ledgers import LedgerApplier
        return LedgerApplier(job)
    if job.kind.shape == "household_programme":
        from .apply_households import HouseholdProgrammeApplier
        return HouseholdProgrammeApplier(job)
    return {"persons": PersonsApplier, "person_programme": PersonProgrammeApplier}[job.kind.shape](job)


__all__ = ["MODES", "Applier", "applier_for", "create_villages", "column_for"]
