"""Writing the one-off ledgers of an import (relief, tupifang, deaths, cards):
one service call per row, in its own savepoint (kinds.py has the decisions).
"""
from __future__ import annotations

from ..models import CardIssuance, Death, HouseSurvey, ReliefCase, database
from ..services import deaths, ledgers
from . import bulk
from .apply import Applier
from .job import Rec


class LedgerApplier(Applier):
    """relief / tupifang / deaths / cards: one service call per row."""

    def check(self) -> None:
        job = self.job
        code = job.kind.code
        if code == "relief":
            job.check_file_duplicates(
                lambda r: self._relief_key(r), "同一人同一救助类型同一审批日期在表中出现了两次")
        elif code == "cards":
            job.check_file_duplicates(
                lambda r: self._card_key(r), "同一人同一证件类型同一办理日期在表中出现了两次")
        else:
            job.check_file_duplicates(lambda r: r.values.get("id_number"), "同一身份证号在表中出现了两次")
        job.check_names(may_rename=False)

    @staticmethod
    def _relief_key(rec: Rec):
        v = rec.values
        return (v.get("id_number"), v.get("case_type"), v.get("approved_date")) if "id_number" in v else None

    @staticmethod
    def _card_key(rec: Rec):
        v = rec.values
        return (v.get("id_number"), v.get("card_type"), v.get("issued_date")) if "id_number" in v else None

    def write(self) -> None:
        job = self.job
        good = job.good()
        self.register_new(good)
        self.wait()   # what follows reads and writes through the ORM
        pids = [self.info(r).id for r in good if not r.bad]
        existing = getattr(self, f"_existing_{job.kind.code}")(pids)
        handle = getattr(self, f"_write_{job.kind.code}")
        for i, rec in enumerate(good):
            self.step(i)
            if not rec.bad:
                handle(rec, self.info(rec).id, existing)

    def _done(self, result, updated: bool = False) -> None:
        if result is None:
            return
        if updated:
            self.job.updated += 1
        else:
            self.job.created += 1

    def _changed_update(self, rec: Rec, fn, record_id, before: dict, wanted: dict) -> None:
        changes = {k: val for k, val in wanted.items() if val is not None and before.get(k) != val}
        if not changes:
            self.job.skipped += 1
            return
        self._done(self.service(rec, fn, record_id, **changes), updated=True)

    # relief

    def _existing_relief(self, pids):
        rows = ReliefCase.select().where(bulk.among(ReliefCase.person, pids) & ~ReliefCase.cancelled)
        return {(c.person_id, c.case_type, c.approved_date): c for c in rows}

    def _write_relief(self, rec: Rec, pid: int, existing) -> None:
        v = rec.values
        kind = v.get("kind") or ("医疗救助" if "医疗" in v["case_type"] else "临时救助")
        case = existing.get((pid, v["case_type"], v["approved_date"]))
        if case is not None:
            if not self.refuse_or_skip(rec, "该救助记录已登记（同一人同一救助类型同一审批日期）"):
                self._changed_update(rec, ledgers.update_relief_case, case.id,
                                     {"kind": case.kind, "amount": case.amount, "paid_date": case.paid_date,
                                      "note": case.note},
                                     {"kind": kind, "amount": v["amount"], "paid_date": v.get("paid_date"),
                                      "note": v.get("note")})
            return
        self._done(self.service(rec, ledgers.add_relief_case, pid, kind=kind, case_type=v["case_type"],
                                amount=v["amount"], approved_date=v["approved_date"],
                                paid_date=v.get("paid_date"), note=v.get("note", "")))

    # tupifang

    def _existing_tupifang(self, pids):
        rows = HouseSurvey.select().where(bulk.among(HouseSurvey.person, pids)).order_by(HouseSurvey.id)
        return {s.person_id: s for s in rows}

    def _write_tupifang(self, rec: Rec, pid: int, existing) -> None:
        v = rec.values
        survey = existing.get(pid)
        if survey is not None:
            if self.refuse_or_skip(rec, "该户的土坯房改造记录已登记"):
                return
            keys = ("progress", "compensation", "transition_fee", "intention", "note", "pilot")
            before = {k: getattr(survey, k) for k in keys}
            wanted = {k: v.get(k) for k in keys}
            changes = {k: val for k, val in wanted.items() if val is not None and before[k] != val}
            corrections = {k: v[k] for k in ("persons", "survey_date") if k in v and getattr(survey, k) != v[k]}
            if not changes and not corrections:
                self.job.skipped += 1
                return
            with database.atomic():
                if changes and self.service(rec, ledgers.update_house_survey, survey.id, **changes) is None:
                    return
                if corrections and self.service(rec, ledgers.correct_house_survey, survey.id,
                                                **corrections) is None:
                    return
            self.job.updated += 1
            return
        village = self.job.village_ids.get(v.get("village"))
        self._done(self.service(
            rec, ledgers.add_house_survey, pid, persons=v["persons"], intention=v["intention"],
            survey_date=v["survey_date"], family_type_hint=v.get("family_type", "一般群众"),
            pilot=v.get("pilot", False), progress=v.get("progress", "未拆除"),
            compensation=v.get("compensation", 0), transition_fee=v.get("transition_fee", 0),
            village=village, note=v.get("note", "")))

    # deaths

    def _existing_deaths(self, pids):
        return {d.person_id: d for d in Death.select().where(bulk.among(Death.person, pids))}

    def _write_deaths(self, rec: Rec, pid: int, existing) -> None:
        v = rec.values
        death = existing.get(pid)
        if death is not None:
            if self.refuse_or_skip(rec, "该人员已登记死亡"):
                return
            if death.death_date == v["death_date"]:
                self.job.skipped += 1
            else:
                self.job.problem(rec, "death_date", "该人员已登记死亡且日期不同；死亡登记不能通过导入修改，"
                                                    "请在“殡葬”中核对")
            return
        self._done(self.service(rec, deaths.register_death, pid, v["death_date"],
                                cremated=v.get("cremated", True), funeral_home=v.get("funeral_home", ""),
                                note=v.get("note", ""), default="death_date"))

    # cards

    def _existing_cards(self, pids):
        rows = CardIssuance.select().where(bulk.among(CardIssuance.person, pids))
        return {(c.person_id, c.card_type, c.issued_date): c for c in rows}

    def _write_cards(self, rec: Rec, pid: int, existing) -> None:
        v = rec.values
        card = existing.get((pid, v["card_type"], v["issued_date"]))
        if card is not None:
            if not self.refuse_or_skip(rec, "该证件已登记（同一人同一证件类型同一办理日期）"):
                self._changed_update(rec, ledgers.update_card, card.id, {"number": card.number},
                                     {"number": v.get("number")})
            return
        self._done(self.service(rec, ledgers.issue_card, pid, card_type=v["card_type"],
                                issued_date=v["issued_date"], number=v.get("number", "")))
