"""Household programmes (低保, 低保边缘) from a roster: rows grouped into households
by 与户主关系, new households written many at a time (bulk_households.py), the
others through the services one by one (apply.py has the shared Applier). In a
large file the households of persons new to the registry are planned and queued
while the rest of the file is still being cleaned (register_early)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import DomainError
from ..models import Enrollment, Programme, Village, database
from ..services import enrollments, households
from ..services.common import money
from . import bulk, bulk_households
from .apply import Applier, PersonProgrammeApplier, column_for
from .cells import is_blank
from .job import Job, PersonInfo, Rec
from .sql_writer import CHUNK

_ALREADY = "该户已在本项目中在保（同一户不能重复纳入）"
_MEMBERS_HINT = "；本表列出了该户成员时，保障人数不能超过户主和所列成员的人数（或补上漏列的成员行）"


@dataclass
class Group:
    head: Rec
    members: list[Rec] = field(default_factory=list)

    @property
    def recs(self) -> list[Rec]:
        return [self.head, *self.members]


class HouseholdProgrammeApplier(Applier):
    """Households from a roster. An old roster often lists only the head, with the
    household's 保障人数: such a household is enrolled with that number while its
    other members are still to be entered (enroll(members_pending=True)), counted
    in `pending` and listed by checks.covered_beyond_members. Where the file lists
    the members, 保障人数 may not exceed them."""

    EARLY = False
    pending = 0
    _village_kinds: dict[int, str] | None = None
    _rules: tuple[set[int], bulk_households.HouseholdRules, bulk.Amounts] | None = None

    def __init__(self, job: Job):
        super().__init__(job)
        self._incomes: dict = {}
        # households planned while the file is cleaned (register_early), all of new persons
        self._early_infos: dict[str, PersonInfo] = {}   # ID number → a person registered early
        self._early_rows: dict[str, Rec] = {}           # ID number → the row they were registered from
        self._group: Group | None = None                # the household being read, if it may go early
        self._early_new: list[tuple[bulk_households.NewHousehold, bulk.NewEnrollment]] = []
        self._planned: set[int] = set()                 # head row numbers planned early

    def prepare(self) -> None:
        ids, code = self.registered_ids(), self.job.kind.code
        self._rules = ids, bulk_households.HouseholdRules(code, ids), bulk.Amounts(Programme.get_by_id(code))
        if code == "bianyuan":   # read while nothing is queued
            self._read_village_kinds()

    def check(self) -> None:
        job = self.job
        job.check_file_duplicates(lambda r: r.values.get("id_number"), "同一人在表中出现了两次")
        job.check_names(may_rename=False)
        by_relation = "relation" in job.columns and any("relation" in r.values for r in job.recs)
        self.groups: list[Group] = []
        if not by_relation:
            self.groups = [Group(rec) for rec in job.recs]
            return
        heads: dict[str, Group] = {}
        of_head: dict[int, Group] = {}   # a head row's number → its group
        for rec in job.recs:
            relation = rec.values.get("relation")
            if relation == "户主":
                group = Group(rec)
                self.groups.append(group)
                of_head[rec.number] = group
                if "id_number" in rec.values:
                    heads[rec.values["id_number"]] = group
        current = None
        for rec in job.recs:
            relation = rec.values.get("relation")
            if relation == "户主":
                current = of_head[rec.number]
                continue
            if relation is None:   # blank (spaces too); a cell that could not be read is a problem already
                if is_blank(job.raw(rec, "relation")):
                    job.problem(rec, "relation", "与户主关系不能为空（户主一行请填“户主”）")
                continue
            head_id = rec.values.get("head_id_number")
            group = heads.get(head_id) if head_id else current
            if group is None:
                job.problem(rec, "head_id_number" if head_id else "relation",
                            "本表中没有该户主身份证号的户主行" if head_id else
                            "成员行上面没有户主行，无法确定属于哪一户（可填写“户主身份证号”）")
                continue
            group.members.append(rec)

    # --- households of new persons, planned while the file is still being cleaned ---

    def register_early(self, recs: list[Rec]) -> None:
        """The rows' new persons (Applier.register_early), then the households now
        complete that consist of them alone: planned and queued as write() would, so
        that the Writer has them while the rest of the file is cleaned. Only where a
        household is the rows under its 户主 row (no 户主身份证号 column, which may put
        a member anywhere) and nothing registered can stand in its way. Anything a
        later check finds still refuses the whole file."""
        super().register_early(recs)
        job, ids = self.job, self._early.ids
        for rec, p in self._early_recs[len(self._early_infos):]:   # those this call registered
            self._early_infos[p.id_number] = PersonInfo(ids[p.id_number], p.name, None, p.bank_account,
                                                        p.village_id, p.address)
            self._early_rows[p.id_number] = rec
        if "head_id_number" in job.columns:
            return
        by_relation = "relation" in job.columns
        for rec in recs:
            relation = rec.values.get("relation") if by_relation else "户主"
            if relation == "户主":
                self._plan_early()
                self._group = Group(rec)
            elif self._group is not None:
                if relation is None:   # check() calls this a problem, or the cell was one already
                    self._group = None
                else:
                    self._group.members.append(rec)

    def end_early(self) -> None:
        if self._early is not None and self._early_ids is None:   # once, when the file is cleaned
            self._plan_early()
            self.write_new(self._early_new, self._rules[2].programme)
            self._early_new = []
        super().end_early()

    def _remember_early(self, ids: dict[str, int]) -> None:
        # what _remember would make of them, made already (register_early)
        self.job.registry.update(self._early_infos)
        self.job.persons_created += len(self._early_infos)

    def _plan_early(self) -> None:
        """The household just read, if its rows are good so far and all its persons were
        registered early from these rows (not from a row above with the same ID number:
        check() refuses the second; a second below is found after this one is planned)."""
        group, self._group = self._group, None
        if group is None:
            return
        rows = self._early_rows
        for rec in group.recs:
            if rec.bad or rows.get(rec.values.get("id_number")) is not rec:
                return
        self._planned.add(group.head.number)
        # new persons: in no household, in no programme, not dead (HouseholdRules.clear)
        planned = self.plan_new(group, self.info(group.head), self._rules[2], {group.head.values["id_number"]})
        if planned is not None:
            self._early_new.append(planned)
            if len(self._early_new) == CHUNK:
                self.write_new(self._early_new, self._rules[2].programme)
                self._early_new = []

    def info(self, rec: Rec, key: str = "id_number") -> PersonInfo:
        found = self.job.registry.get(rec.values[key])   # early persons join it in write()
        return found if found is not None else self._early_infos[rec.values[key]]

    def write(self) -> None:
        job = self.job
        code = job.kind.code
        groups = [g for g in self.groups if g.head.number not in self._planned and not any(r.bad for r in g.recs)]
        # what stands in the way of the registered persons, read before new ones are queued
        # (a new person is in no household and no programme)
        ids = [job.registry[n].id for g in groups for r in g.recs if (n := r.values.get("id_number")) in job.registry]
        if self._rules is not None and self._rules[0] >= set(ids):
            _, rules, amount = self._rules
        else:   # reads tables the early households are written to: after them
            self.wait()
            rules = bulk_households.HouseholdRules(code, ids)
            amount = bulk.Amounts(Programme.get_by_id(code))
        fresh = {r.values["id_number"] for r in self.register_new([r for g in groups for r in g.recs])}
        groups = [g for g in groups if not any(r.bad for r in g.recs)]
        new: list[tuple[bulk_households.NewHousehold, bulk.NewEnrollment]] = []
        known = None   # what write_group reads, for every head at once
        for i, group in enumerate(groups):
            self.step(i)
            head = self.info(group.head)
            if rules.clear(head.id, [self.info(r).id for r in group.members], head.death_date is not None):
                planned = self.plan_new(group, head, amount, fresh)
                if planned is not None:
                    new.append(planned)
                    if len(new) == CHUNK:   # the Writer inserts these while the next are planned
                        self.write_new(new, amount.programme)
                        new = []
                continue
            if self.mode != "update" and head.id in rules.enrolled and head.id in rules.in_household:
                # 在保 already, in a household (the same roster imported again): refused or
                # skipped as write_group would, without its queries (a few ms a household);
                # a 在保 head in no household goes on to enroll(), which refuses him
                self.refuse_or_skip(group.head, _ALREADY)
                continue
            self.wait()
            if known is None:
                known = bulk_households.RegisteredHouseholds(code, [self.info(g.head).id for g in groups])
            try:
                with database.atomic():   # a refused household leaves nothing behind
                    self.write_group(code, group, fresh, known)
                    if any(r.bad for r in group.recs):
                        raise _GroupRefused
            except _GroupRefused:
                pass
        self.write_new(new, amount.programme)

    def write_new(self, new: list[tuple[bulk_households.NewHousehold, bulk.NewEnrollment]],
                  programme: Programme) -> None:
        """Households planned by plan_new, with their enrollments."""
        if not new:
            return
        ids = bulk_households.create_households([h for h, _ in new], self.job.now, self.sql)
        for hid, (_, e) in zip(ids, new):
            e.household_id = hid
        bulk.enroll_many(programme, [e for _, e in new], self.job.now, self.sql)
        self.job.created += len(new)
        self.pending += sum(e.covered > 1 + len(h.members) for h, e in new)

    def plan_new(self, group: Group, head: PersonInfo, amount: bulk.Amounts, fresh: set[str]):
        """The household and enrollment create_household and enroll would write for a
        group nothing registered stands in the way of; None (and problems) if refused."""
        job, v = self.job, group.head.values
        members = []
        for rec in group.members:
            try:
                members.append((self.info(rec).id, households._relation(rec.values["relation"])))
            except DomainError as exc:
                job.problem(rec, "relation", str(exc))
        if len(members) != len(group.members):
            return None
        size = len(group.recs)
        covered = v.get("covered_persons", size)
        if covered < 1 or (covered > size and group.members):
            message = f"保障人数应在 1 到 {size}（家庭成员数）之间" + _MEMBERS_HINT
            job.problem(group.head, "covered_persons", message)
            return None
        month = v.get("start_month", job.month)
        reason = (v.get("amount_reason") or "").strip()
        details = {"classes": v["classes"]} if v.get("classes") else {}
        try:
            income = None if v.get("per_capita_income") is None else self.income(v["per_capita_income"])
            value, kept = amount(month, "", details, v.get("amount"), reason, covered, income)
        except DomainError as exc:
            job.problem(group.head, column_for(job, str(exc)), str(exc))
            return None
        household = bulk_households.NewHousehold(   # village and address default to the head's
            head.id, members, village_id=job.village_ids.get(v.get("village")) or head.village_id,
            area=self.area(group.head), address=head.address)
        account = "" if v["id_number"] in fresh else PersonProgrammeApplier.enrollment_account(group.head, head)
        enrollment = bulk.NewEnrollment(head.id, category="", amount=value, amount_reason=kept, reason=reason,
                                        details=details, bank_account=account, start_month=month,
                                        covered=covered, income=income)
        return household, enrollment

    def income(self, value):
        """services.common.money of a 家庭人均收入, each value checked once (a roster repeats them)."""
        found = self._incomes.get(value)
        if found is None:
            try:
                found = money(value, "家庭人均收入")
            except DomainError as exc:
                found = exc
            self._incomes[value] = found
        if isinstance(found, DomainError):
            raise found
        return found

    def write_group(self, code: str, group: Group, fresh: set[str],
                    known: bulk_households.RegisteredHouseholds) -> None:
        """A household something registered stands in the way of, through the services.
        `known`: its head's household, enrollment and members as they were before the
        loop; read again for a household a row above has already been written to (two
        of its persons each on a 户主 row)."""
        job, head, v = self.job, group.head, group.head.values
        info = self.info(head)
        taken = known.take(info.id)
        if taken is not None:
            household, existing, in_household = taken
        else:
            household = households.household_of(info.id)
            existing = None
            if household is not None:
                existing = (Enrollment.select().where(
                    (Enrollment.programme == code) & (Enrollment.status == "在保")
                    & ((Enrollment.household == household) | (Enrollment.person == info.id))).first())
                in_household = {m.person_id for m in households.active_members(household)}
        if existing is not None and self.refuse_or_skip(head, _ALREADY):
            return
        if household is None:
            household = self.new_household(group, info)
            if household is None:
                return
            in_household = {m.person_id for m in households.active_members(household)}
        added = 0
        for rec in group.members:
            pid = self.info(rec).id
            if pid not in in_household:
                added += self.service(rec, households.add_member, household.id, pid,
                                      rec.values["relation"]) is not None
        if any(r.bad for r in group.recs):
            return
        details = {"classes": v["classes"]} if v.get("classes") else {}
        account = "" if v["id_number"] in fresh else PersonProgrammeApplier.enrollment_account(head, info)
        if existing is not None:
            self.update(group, existing, details, account, added)
            return
        done = self.service(head, enrollments.enroll, code, info.id,
                            start_month=v.get("start_month", job.month), household_id=household.id,
                            covered_persons=v.get("covered_persons"),
                            per_capita_income=v.get("per_capita_income"), amount=v.get("amount"),
                            reason=v.get("amount_reason", ""), details=details, bank_account=account,
                            members_pending=not group.members, hint=_MEMBERS_HINT)
        if done is not None:
            job.created += 1
            self.pending += done.covered_persons > len(households.active_members(household))

    def new_household(self, group: Group, info: PersonInfo):
        """create_household with every member at once (one audit entry, a third of
        the queries); if the service refuses, the head alone and then each member,
        so that the refusal lands on the member's own row."""
        where = dict(village=self.job.village_ids.get(group.head.values.get("village")), area=self.area(group.head))
        if group.members:
            members = [(self.info(r).id, r.values["relation"]) for r in group.members]
            try:
                with database.atomic():
                    return households.create_household(info.id, members=members, **where)
            except DomainError:
                pass
        return self.service(group.head, households.create_household, info.id, **where)

    def area(self, rec: Rec) -> str:
        code = self.job.kind.code
        if code != "bianyuan":
            return "城镇" if code == "dibao_urban" else "农村"
        village_id = self.job.village_ids.get(rec.values.get("village")) or self.info(rec).village_id
        # one read, not one per household; again for a village the import has created since
        if self._village_kinds is None or (village_id is not None and village_id not in self._village_kinds):
            self._read_village_kinds()
        return "城镇" if self._village_kinds.get(village_id) == "社区" else "农村"

    def _read_village_kinds(self) -> None:
        self._village_kinds = dict(Village.select(Village.id, Village.kind).tuples())

    def update(self, group: Group, e: Enrollment, details: dict, account: str, added: int) -> None:
        job, head, v = self.job, group.head, group.head.values
        month = max(job.month, e.start_month)
        wanted = {**(e.details or {}), **details}
        covered = v.get("covered_persons")
        income = v.get("per_capita_income")
        amount = v.get("amount")
        changed = added > 0   # members added to the household count as an update
        if ((covered is not None and covered != e.covered_persons)
                or (income is not None and income != e.per_capita_income)
                or wanted != (e.details or {}) or (amount is not None and amount != e.amount)):
            if self.service(head, enrollments.change_amount, e.id, month=month, amount=amount,
                            reason=v.get("amount_reason", ""), covered_persons=covered,
                            per_capita_income=income, details=wanted, members_pending=not group.members,
                            hint=_MEMBERS_HINT) is None:
                return
            changed = True
            if covered is not None and covered > len(households.active_members(e.household_id)):
                self.pending += 1
        self.account_then_count(head, e, account, changed)


class _GroupRefused(Exception):
    pass
