"""Data checks (数据比对, DESIGN §4).

Each check returns a list of `Finding`s: one Chinese line for the clerk and
the (table, id) of every row concerned, so the GUI can open them.  Messages
may name the person and village but show ID numbers and bank accounts only
masked, because findings are printed and exported.

The filtering is done in SQL so the checks stay fast on 100k persons and 1M
payment lines; Python only loops over the candidate rows a query returns.
"""
from __future__ import annotations

import datetime as dt
import functools
import itertools
import operator
from dataclasses import dataclass, field
from decimal import Decimal

import peewee as pw
from peewee import JOIN, fn

from . import idcard
from .errors import DomainError, ValidationError
from .fields import dumps
from .money import from_fen
from .models import (PAID_STATES, Death, Enrollment, HouseholdMember, Person, Programme, Village,
                     database)
from .services import amounts

ZERO = Decimal("0.00")


@dataclass
class Finding:
    code: str
    title: str
    message: str
    records: list[tuple[str, int]] = field(default_factory=list)


# --- small helpers ---------------------------------------------------------

def _on(on: dt.date | None) -> dt.date:
    return dt.date.today() if on is None else on


def _month(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _years_before(on: dt.date, years: int) -> dt.date:
    """The latest birth date of someone who is `years` old on `on`.

    Someone born on 29 February becomes a year older on 1 March in common
    years (the rule of idcard.age), so on 29 February of a year whose
    counterpart is not a leap year the cutoff is 28 February.
    """
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return dt.date(on.year - years, 2, 28)


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _mask_account(account: str) -> str:
    return idcard.mask(account, keep_head=0, keep_tail=4)


def _who(name: str, village: str | None, id_number: str) -> str:
    where = f"{village}，" if village else ""
    return f"{name}（{where}{idcard.mask(id_number)}）"


def _programme_names() -> dict[str, str]:
    return dict(Programme.select(Programme.code, Programme.name).tuples())


def _death_date():
    """A person's death date from either place it may be recorded."""
    return fn.COALESCE(Person.death_date, Death.death_date)


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


# --- the checks ------------------------------------------------------------

def deceased_on_roll(on: dt.date | None = None) -> list[Finding]:
    """已死亡仍在保: enrollments still active, or stopped after the death month."""
    title = CHECKS["deceased_on_roll"][0]
    dd = _death_date()
    query = (Enrollment
             .select(Person.id, Person.name, Person.id_number, Village.name, dd,
                     Enrollment.id, Enrollment.programme, Enrollment.status, Enrollment.stop_month)
             .join(Person, on=(Enrollment.person == Person.id))
             .join(Death, JOIN.LEFT_OUTER, on=(Death.person == Person.id))
             .join_from(Person, Village, JOIN.LEFT_OUTER, on=(Person.village == Village.id))
             .where(dd.is_null(False)
                    & ((Enrollment.status == "在保") | (Enrollment.stop_month > fn.SUBSTR(dd, 1, 7))))
             .order_by(Person.id, Enrollment.id)
             .tuples())
    names = _programme_names()
    findings = []
    for (pid, name, id_number, village, died), rows in itertools.groupby(query, key=lambda r: r[:5]):
        rows = list(rows)
        items = [f"{names.get(r[6], r[6])}（在保）" if r[7] == "在保"
                 else f"{names.get(r[6], r[6])}（停保月份{r[8]}）" for r in rows]
        died = _as_date(died)
        findings.append(Finding(
            "deceased_on_roll", title,
            f"{_who(name, village, id_number)}已于{died.isoformat()}死亡，"
            f"以下保障应从{_month(died)}后停止：{'、'.join(items)}",
            [("person", pid)] + [("enrollment", r[5]) for r in rows]))
    return findings


# The dead are few and batch lines many: starting from the dead and reaching
# their lines through the person_id index keeps this fast on 1M lines.
# CROSS JOIN stops SQLite's planner from scanning batch_line first.
_PAID_AFTER_DEATH_SQL = """
SELECT p.id, p.name, p.id_number, v.name, dead.dd, bl.id, bl.amount, b.kind
FROM (SELECT p.id AS pid, COALESCE(p.death_date, d.death_date) AS dd
      FROM person AS p LEFT JOIN death AS d ON d.person_id = p.id
      WHERE p.death_date IS NOT NULL OR d.id IS NOT NULL) AS dead
CROSS JOIN batch_line AS bl ON bl.person_id = dead.pid
JOIN batch AS b ON b.id = bl.batch_id
JOIN person AS p ON p.id = dead.pid
LEFT JOIN village AS v ON v.id = p.village_id
WHERE b.month > substr(dead.dd, 1, 7) AND b.state IN ({states}) AND bl.status != '失败'
ORDER BY p.id, bl.id
"""


def paid_after_death(on: dt.date | None = None) -> list[Finding]:
    """死亡后仍发放: paid lines for months after the death month, net of 扣回.

    Drafts are not payments and a failed transfer paid nothing.
    """
    title = CHECKS["paid_after_death"][0]
    sql = _PAID_AFTER_DEATH_SQL.format(states=", ".join("?" * len(PAID_STATES)))
    query = database.execute_sql(sql, PAID_STATES)
    findings = []
    for (pid, name, id_number, village, died), rows in itertools.groupby(query, key=lambda r: r[:5]):
        rows = [(line_id, from_fen(fen), kind) for *_, line_id, fen, kind in rows]
        # A 扣回 batch recovers money whatever sign its lines were entered with.
        paid = sum((amount for _, amount, kind in rows if kind != "deduction"), ZERO)
        recovered = sum((abs(amount) for _, amount, kind in rows if kind == "deduction"), ZERO)
        if paid - recovered <= 0:
            continue
        died = _as_date(died)
        count = sum(1 for *_, kind in rows if kind != "deduction")
        text = (f"{_who(name, village, id_number)}已于{died.isoformat()}死亡，"
                f"{_month(died)}以后仍发放{count}笔，共{paid}元")
        if recovered:
            text += f"，已扣回{recovered}元，尚有{paid - recovered}元未追回"
        findings.append(Finding("paid_after_death", title, text,
                                [("person", pid)] + [("batch_line", r[0]) for r in rows]))
    return findings


def shared_bank_account(on: dt.date | None = None) -> list[Finding]:
    """多人共用银行账号: one account paid to several persons' active enrollments."""
    title = CHECKS["shared_bank_account"][0]
    effective = pw.Case(None, [(Enrollment.bank_account != "", Enrollment.bank_account)],
                        Person.bank_account)
    account = fn.REPLACE(effective, " ", "")

    def active():
        # Registry-only programmes (低保边缘) pay nothing, so their accounts do not matter.
        return (Enrollment.select(account.alias("account"), Person.id, Person.name, Village.name,
                                  Enrollment.id)
                .join(Person, on=(Enrollment.person == Person.id))
                .join_from(Enrollment, Programme, on=(Enrollment.programme == Programme.code))
                .join_from(Person, Village, JOIN.LEFT_OUTER, on=(Person.village == Village.id))
                .where((Enrollment.status == "在保") & (Programme.monthly == True)  # noqa: E712
                       & (account != "")))

    shared = (active().select(account).group_by(account)
              .having(fn.COUNT(Person.id.distinct()) >= 2))
    rows = active().where(account.in_(shared)).order_by(account, Person.id, Enrollment.id).tuples()
    findings = []
    for acct, group in itertools.groupby(rows, key=operator.itemgetter(0)):
        group = list(group)
        persons = {}
        for _, pid, name, village, _eid in group:
            persons.setdefault(pid, f"{name}（{village}）" if village else name)
        findings.append(Finding(
            "shared_bank_account", title,
            f"银行账号{_mask_account(acct)}由{len(persons)}人共用：{'、'.join(persons.values())}",
            [("person", pid) for pid in persons] + [("enrollment", r[4]) for r in group]))
    return findings


def eighty_not_on_gaoling(on: dt.date | None = None) -> list[Finding]:
    """年满80周岁未享受高龄津贴: living persons aged 80+ on `on` without it."""
    title = CHECKS["eighty_not_on_gaoling"][0]
    on = _on(on)
    on_gaoling = Enrollment.select(Enrollment.person).where(
        (Enrollment.programme == "gaoling") & (Enrollment.status == "在保"))
    dead = Death.select(Death.person).where(Death.death_date <= on)
    query = (Person.select(Person.id, Person.name, Person.id_number, Person.birth_date, Village.name)
             .join(Village, JOIN.LEFT_OUTER, on=(Person.village == Village.id))
             .where((Person.birth_date <= _years_before(on, 80))
                    & (Person.death_date.is_null() | (Person.death_date > on))
                    & Person.id.not_in(dead) & Person.id.not_in(on_gaoling))
             .order_by(Village.sort_order, Village.name, Person.birth_date, Person.id)
             .tuples())
    return [Finding("eighty_not_on_gaoling", title,
                    f"{_who(name, village, id_number)}至{on.isoformat()}已满"
                    f"{_age(_as_date(born), on)}周岁，未享受高龄津贴",
                    [("person", pid)])
            for pid, name, id_number, born, village in query]


def _standard_inputs(e: Enrollment, month: str, on: dt.date) -> tuple:
    """What the suggestion depends on; the 高龄 band follows the age on `on`
    (DESIGN §2: from the ID number), not the band typed at enrollment."""
    category = e.category
    if e.programme_id == "gaoling":
        category = amounts.gaoling_band(_age(e.person.birth_date, on)) or "未满80周岁"
    return (e.programme_id, category, e.covered_persons, e.per_capita_income,
            dumps(e.details), month)


def _suggest(e: Enrollment, inputs: tuple) -> amounts.Suggestion:
    programme, category, *_, month = inputs
    if programme != "gaoling":
        return amounts.suggest_for(e, month)
    if category == "未满80周岁":
        raise ValidationError("享受高龄津贴的人员未满80周岁")
    return amounts.suggest(programme, month, category=category)


def amount_off_standard(on: dt.date | None = None) -> list[Finding]:
    """金额与标准不符: active monthly amounts that differ from the standard, no reason given."""
    title = CHECKS["amount_off_standard"][0]
    on = _on(on)
    # Only the columns the standards read: parsing created_at for every row doubles the time.
    enrollments = (Enrollment.select(Enrollment.id, Enrollment.programme, Enrollment.person,
                                     Enrollment.household, Enrollment.category,
                                     Enrollment.covered_persons, Enrollment.per_capita_income,
                                     Enrollment.amount, Enrollment.details, Enrollment.start_month,
                                     Person.id, Person.birth_date)
                   .join(Person, on=(Enrollment.person == Person.id))
                   .join_from(Enrollment, Programme, on=(Enrollment.programme == Programme.code))
                   .where((Enrollment.status == "在保") & (Programme.monthly == True)  # noqa: E712
                          & (fn.TRIM(Enrollment.amount_reason) == ""))
                   .order_by(Enrollment.id))
    cache: dict[tuple, amounts.Suggestion | DomainError] = {}
    off: list[tuple[Enrollment, amounts.Suggestion, str]] = []
    failed: dict[str, list[Enrollment]] = {}
    for e in enrollments:
        # Not yet started: judge it by the standard of its first month.
        inputs = _standard_inputs(e, max(_month(on), e.start_month), on)
        # Many enrollments share inputs (all 80-89 gaoling, say): one lookup each.
        if inputs not in cache:
            try:
                cache[inputs] = _suggest(e, inputs)
            except DomainError as exc:
                cache[inputs] = exc
        result = cache[inputs]
        if isinstance(result, DomainError):
            failed.setdefault(str(result), []).append(e)
        elif result.amount != e.amount:
            off.append((e, result, inputs[1]))
    people = _people({e.person_id for e, *_ in off})
    names = _programme_names()
    findings = []
    for e, s, category in off:
        band = f"，年龄段应为{category}（登记为{e.category}）" if category != e.category else ""
        findings.append(Finding(
            "amount_off_standard", title,
            f"{people[e.person_id]}{names.get(e.programme_id, e.programme_id)}每月{e.amount}元，"
            f"按标准应为{s.amount}元（{s.explanation}）{band}，且未填写原因",
            [("enrollment", e.id), ("person", e.person_id)]))
    for reason, group in failed.items():
        findings.append(Finding(
            "amount_off_standard", title, f"有{len(group)}条在保记录无法按标准核对金额：{reason}",
            [("enrollment", e.id) for e in group]
            + [("person", pid) for pid in dict.fromkeys(e.person_id for e in group)]))
    return findings


def _people(ids: set[int]) -> dict[int, str]:
    """Display labels (name, village, masked ID) for the flagged persons, 500 per query."""
    ids, out = sorted(ids), {}
    for i in range(0, len(ids), 500):
        query = (Person.select(Person.id, Person.name, Person.id_number, Village.name)
                 .join(Village, JOIN.LEFT_OUTER, on=(Person.village == Village.id))
                 .where(Person.id.in_(ids[i:i + 500])).tuples())
        out.update({pid: _who(name, village, idn) for pid, name, idn, village in query})
    return out


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_suspect():
    """SQL that is true for every ID number idcard.is_valid could reject.

    It may let through a few valid ones (lower-case x, 15-digit numbers);
    those are confirmed in Python. It must never miss an invalid one.
    """
    idn = Person.id_number
    total = functools.reduce(operator.add, (
        fn.SUBSTR(idn, i + 1, 1).cast("INTEGER") * w for i, w in enumerate(_WEIGHTS)))
    check = fn.SUBSTR("10X98765432", pw.Expression(total, "%", 11) + 1, 1)
    shape = pw.Expression(idn, "GLOB", "[0-9]" * 17 + "[0-9X]")
    ymd = fn.SUBSTR(idn, 7, 8)
    iso = (fn.SUBSTR(idn, 7, 4).concat("-").concat(fn.SUBSTR(idn, 11, 2))
           .concat("-").concat(fn.SUBSTR(idn, 13, 2)))
    # '+0 days' normalises 02-30 to 03-02 and a malformed date gives NULL: either way
    # the result is not the digits of the ID.
    real_date = pw.Expression(fn.STRFTIME("%Y%m%d", iso, "+0 days"), "IS NOT", ymd)
    return ((fn.LENGTH(idn) != 18) | ~shape | (check != fn.SUBSTR(idn, 18, 1))
            | (fn.SUBSTR(idn, 1, 2) == "00") | real_date
            | (ymd < "18900101") | (ymd > dt.date.today().strftime("%Y%m%d")))


def bad_id_check_digit(on: dt.date | None = None) -> list[Finding]:
    """身份证号码校验失败: the reason comes from idcard.problems."""
    title = CHECKS["bad_id_check_digit"][0]
    query = (Person.select(Person.id, Person.name, Person.id_number, Village.name)
             .join(Village, JOIN.LEFT_OUTER, on=(Person.village == Village.id))
             .where(_id_suspect()).order_by(Person.id).tuples())
    findings = []
    for pid, name, id_number, village in query:
        reason = idcard.problems(id_number)
        if reason is not None:
            findings.append(Finding("bad_id_check_digit", title,
                                    f"{_who(name, village, id_number)}：{reason}", [("person", pid)]))
    return findings


def covered_beyond_members(on: dt.date | None = None) -> list[Finding]:
    """保障人数多于登记的家庭成员: active household enrollments covering more persons
    than the household has members on record (an old roster imported with only
    the head; services.enrollments.enroll(members_pending=True))."""
    title = CHECKS["covered_beyond_members"][0]
    members = (HouseholdMember.select(fn.COUNT(HouseholdMember.id))
               .where((HouseholdMember.household == Enrollment.household) & HouseholdMember.active))
    query = (Enrollment
             .select(Person.id, Person.name, Person.id_number, Village.name, Enrollment.id,
                     Enrollment.programme, Enrollment.covered_persons, members.alias("members"))
             .join(Person, on=(Enrollment.person == Person.id))
             .join_from(Person, Village, JOIN.LEFT_OUTER, on=(Person.village == Village.id))
             .where((Enrollment.status == "在保") & Enrollment.household.is_null(False)
                    & (Enrollment.covered_persons > members))
             .order_by(Village.sort_order, Village.name, Person.id, Enrollment.id)
             .tuples())
    names = _programme_names()
    return [Finding("covered_beyond_members", title,
                    f"{_who(name, village, id_number)}户{names.get(code, code)}：保障人数{covered}人，"
                    f"人员档案中只登记了{count}名家庭成员，请补录其余家庭成员",
                    [("person", pid), ("enrollment", eid)])
            for pid, name, id_number, village, eid, code, covered, count in query]


CHECKS = {
    "deceased_on_roll": ("已死亡仍在保", deceased_on_roll),
    "paid_after_death": ("死亡后仍发放", paid_after_death),
    "shared_bank_account": ("多人共用银行账号", shared_bank_account),
    "eighty_not_on_gaoling": ("年满80周岁未享受高龄津贴", eighty_not_on_gaoling),
    "amount_off_standard": ("金额与标准不符", amount_off_standard),
    "bad_id_check_digit": ("身份证号码校验失败", bad_id_check_digit),
    "covered_beyond_members": ("保障人数多于登记的家庭成员", covered_beyond_members),
}
INTEGRITY_TITLE = "数据库完整性"


def run_all(on: dt.date | None = None) -> list[Finding]:
    """Every data check of CHECKS, in order (integrity() is separate: it is about the file)."""
    on = _on(on)
    findings: list[Finding] = []
    for _title, check in CHECKS.values():
        findings.extend(check(on))
    return findings


def integrity(db: pw.Database | None = None) -> list[Finding]:
    """SQLite's own integrity and foreign-key checks, as findings (code 'integrity')."""
    db = database if db is None else db
    try:
        problems = [row[0] for row in db.execute_sql("PRAGMA integrity_check").fetchall()]
        orphans = db.execute_sql("PRAGMA foreign_key_check").fetchall()
    except pw.DatabaseError as exc:
        return [Finding("integrity", INTEGRITY_TITLE, f"数据库文件已损坏，无法检查：{exc}", [])]
    findings = []
    if problems != ["ok"]:
        shown = "；".join(problems[:5]) + ("……" if len(problems) > 5 else "")
        findings.append(Finding("integrity", INTEGRITY_TITLE,
                                f"数据库文件已损坏（{len(problems)}处问题），请从备份恢复：{shown}", []))
    # Rows: (table, rowid, parent table, fk index); one finding per table → parent pair.
    orphans = sorted(orphans, key=lambda r: (r[0], r[2], r[1] or 0))
    for (table, parent), rows in itertools.groupby(orphans, key=lambda r: (r[0], r[2])):
        rows = list(rows)
        findings.append(Finding("integrity", INTEGRITY_TITLE,
                                f"表 {table} 有{len(rows)}行引用了表 {parent} 中不存在的记录",
                                [(table, r[1]) for r in rows]))
    return findings
