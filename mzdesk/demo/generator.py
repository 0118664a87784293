"""Building the demo township: generate every row, then insert them.

`generate_rows` returns {table: (columns, rows)} with ids assigned here,
independent of any database; `insert_rows` writes such a dict with
`executemany` in one transaction; `build_demo` does both on the open
database and records one audit entry. Generating first and inserting
second lets the benchmark compare the whole build with a raw executemany
of the very same rows.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import peewee as pw

from .. import audit
from ..errors import DomainError, ValidationError
from ..fields import dumps
from ..models import Person as PersonModel
from ..models import Setting, Village, database
from ..pinyin import name_keys
from . import names
from .ledgers import build_ledgers
from .payments import BATCH_COLUMNS, LINE_COLUMNS, SUBSIDY_COLUMNS, build_payments
from .planted import Planter
from .population import build_population
from .programmes import STANDARDS, Rolls
from .registry import assign_accounts, assign_tags
from .world import BASE_HOUSEHOLDS, World, month_day, month_text, stamp

MIN_HOUSEHOLDS = 200
GENERATE_STEPS = 14  # progress steps of `generate`: 10 for the residents, 4 for the rest
PROGRAMME_ORDER = ("dibao_urban", "dibao_rural", "tekun", "youfu", "gaoling", "canji", "bianyuan")
# Insert order: every foreign key points at a table already written.
TABLE_ORDER = ("setting", "village", "person", "household", "household_member", "person_tag",
               "standard", "enrollment", "enrollment_event", "death", "one_off_subsidy", "batch",
               "batch_line", "relief_case", "house_survey", "card_issuance", "activity", "indicator")
TABLE_LABELS = {
    "setting": "设置", "village": "村（社区）", "person": "居民", "household": "户",
    "household_member": "户成员", "person_tag": "人员标签", "standard": "保障标准",
    "enrollment": "救助对象", "enrollment_event": "变动记录", "death": "殡葬登记",
    "one_off_subsidy": "一次性补贴", "batch": "发放批次", "batch_line": "发放明细",
    "relief_case": "救助案件", "house_survey": "土坯房台账", "card_issuance": "老年证件",
    "activity": "工作台账", "indicator": "指标",
}
MSG_NOT_EMPTY = "数据库中已有数据，演示乡镇只能建在空数据库中"

Rows = dict  # {table: (columns, list of row tuples)}


@dataclass
class Demo:
    rows: Rows
    info: dict = field(default_factory=dict)


def generate_rows(seed: int = 2022, households: int | None = None, today: dt.date | None = None) -> Rows:
    """Every row of the demo township, by table, ids included."""
    return generate(seed, households, today).rows


def generate(seed: int = 2022, households: int | None = None, today: dt.date | None = None,
             progress=None) -> Demo:
    """The rows and the counts (`Demo.info`, what `build_demo` returns) of a demo."""
    households = BASE_HOUSEHOLDS if households is None else int(households)
    if households < MIN_HOUSEHOLDS:
        raise ValidationError(f"演示乡镇至少需要{MIN_HOUSEHOLDS}户")
    today = today or dt.date.today()
    report = progress or (lambda done, total, label: None)
    steps = GENERATE_STEPS
    w = World(seed, households, today)

    report(0, steps, "生成居民")
    build_population(w, lambda k: report(k, steps, "生成居民"))

    report(10, steps, "生成救助对象")
    rolls = Rolls(w)
    rolls.pick_standards()
    rolls.pick_tekun()
    rolls.pick_dibao()
    rolls.pick_moved_out()
    rolls.pick_bianyuan()
    rolls.pick_youfu()
    rolls.pick_canji()
    planter = Planter(w, rolls)
    planter.reserve()
    rolls.pick_deaths(planter.deaths)
    rolls.pick_gaoling(planter.no_gaoling)
    rolls.schedule()
    planter.adjust()
    enrollments = sorted(rolls.all(), key=lambda e: (PROGRAMME_ORDER.index(e.programme), e.start, e.person.id))
    for i, e in enumerate(enrollments, start=1):
        e.id = i
        w.settle(e)
    assign_accounts(w, rolls)
    planter.share_account()
    assign_tags(w, rolls)
    planter.break_id(w.id_numbers)

    report(11, steps, "生成发放记录")
    watch = {obj[0].id for code, table, obj in planter.found if table == "batch_line"}
    pay = build_payments(w, rolls, watch)

    report(12, steps, "生成台账")
    led = build_ledgers(w, rolls)

    report(13, steps, "整理数据")
    rows = _rows(w, rolls, enrollments, pay, led)
    planted = planter.resolve(pay.line_ids)
    info = _info(w, rows, enrollments, planted, seed, today)
    report(14, steps, "生成完毕")
    return Demo(rows, info)


def insert_rows(rows: Rows, progress=None) -> None:
    """Write generated rows with executemany, all in one transaction.

    The person table's full-text index is filled once at the end instead of
    row by row through its insert trigger, which is several times faster;
    the trigger is put back unchanged in the same transaction.
    """
    report = progress or (lambda done, total, label: None)
    tables = [t for t in TABLE_ORDER if t in rows] + [t for t in rows if t not in TABLE_ORDER]
    with database.atomic():
        cursor = database.cursor()
        final_states: list[tuple] = []
        for done, table in enumerate(tables):
            columns, data = rows[table]
            report(done, len(tables), f"写入{TABLE_LABELS.get(table, table)}")
            if not data:
                continue
            column_list = ", ".join(f'"{c}"' for c in columns)
            sql = f'INSERT INTO "{table}" ({column_list}) VALUES ({", ".join("?" * len(columns))})'
            if table == "person":
                with _index_once(cursor, "person"):
                    cursor.executemany(sql, data)
            elif table == "batch" and "state" in columns:
                # Batches go in as drafts and get their state once their lines
                # are in: the database refuses lines for an approved batch.
                at = columns.index("state")
                final_states = [(row[at], row[0]) for row in data if row[at] != "草稿"]
                cursor.executemany(sql, [row[:at] + ("草稿",) + row[at + 1:] for row in data])
            else:
                cursor.executemany(sql, data)
        if final_states:
            cursor.executemany('UPDATE "batch" SET "state" = ? WHERE "id" = ?', final_states)
        report(len(tables), len(tables), "写入完毕")


class _index_once:
    """Detach the AFTER INSERT triggers that feed FTS tables over `table`
    (content=table), then rebuild those indexes once and restore the triggers."""

    def __init__(self, cursor, table: str):
        self.cursor = cursor
        self.table = table
        self.triggers: list[tuple[str, str]] = []
        self.fts: list[str] = []

    def __enter__(self):
        c = self.cursor
        if not isinstance(database.obj, pw.SqliteDatabase):
            return self
        for name, sql in c.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                                   "AND sql LIKE 'CREATE VIRTUAL TABLE%'").fetchall():
            compact = "".join(sql.lower().split()).replace('"', "'")
            if "usingfts5" in compact and f"content='{self.table}'" in compact:
                self.fts.append(name)
        for name, sql in c.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                   "AND tbl_name = ?", (self.table,)).fetchall():
            text = " ".join(sql.upper().split())
            if "AFTER INSERT" in text and any(f.upper() in text for f in self.fts):
                self.triggers.append((name, sql))
        for name, _ in self.triggers:
            c.execute(f'DROP TRIGGER "{name}"')
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            return False  # the transaction rolls the drop back
        for name in self.fts:
            self.cursor.execute(f'INSERT INTO "{name}" ("{name}") VALUES (\'rebuild\')')
        for _, sql in self.triggers:
            self.cursor.execute(sql)
        return False


def build_demo(*, seed: int = 2022, households: int | None = None, today: dt.date | None = None,
               progress=None) -> dict:
    """Build the demo township 茶店镇 in the open, empty database; return counts.

    Refused (DomainError) unless the database has no person, setting or
    village yet. Deterministic for a given seed and `today` (default: the
    real today). `progress(done, total, label)` is called as the work goes
    on; if it raises (a cancel button), nothing is written. The result has
    persons, households, villages, enrollments and active_enrollments (per
    programme), events, deaths, batches, batch_lines, oneoff_subsidies,
    relief_cases, house_surveys, cards, months (the 24 paid months) and
    planted: the (check_code, table, row_id) of every planted problem.
    """
    if PersonModel.select().exists() or Setting.select().exists() or Village.select().exists():
        raise DomainError(MSG_NOT_EMPTY)
    # One progress bar over both phases: generating, then one step per table inserted.
    total = GENERATE_STEPS + len(TABLE_ORDER)
    demo = generate(seed, households, today,
                    progress and (lambda done, _total, label: progress(done, total, label)))
    info = demo.info
    with database.atomic():
        insert_rows(demo.rows, progress and (
            lambda done, _total, label: progress(GENERATE_STEPS + done, total, label)))
        audit.record(
            "创建演示数据", "database", "",
            summary=(f"演示乡镇 {names.TOWNSHIP}：{info['villages']}个村（社区），{info['households']}户，"
                     f"{info['persons']}人，{info['batches']}个发放批次（种子 {seed}）"),
        )
    return info


# -- rows ---------------------------------------------------------------------------


def _rows(w: World, rolls: Rolls, enrollments, pay, led) -> Rows:
    today = w.today
    system_start = dt.date(today.year - 4, 3, 1)
    rows: Rows = {}
    rows["setting"] = (["key", "value"], list(names.SETTINGS))
    rows["village"] = (["id", "name", "kind", "code", "sort_order", "active", "merged_into_id"],
                       [(v.id, v.name, v.kind, v.code, v.order, 1, None) for v in w.villages])

    deaths = []
    person_rows = []
    rng = w.rng
    for p in w.persons:
        full, initials = name_keys(p.name)
        created = system_start if p.birth < system_start else min(p.birth + dt.timedelta(days=20), today)
        created_at = stamp(created, 9, p.id % 60)
        updated_at = created_at
        death = None
        if p.death is not None:
            death = p.death.isoformat()
            registered = min(p.death + dt.timedelta(days=rng.randint(1, 6)), today)
            updated_at = stamp(registered, 10, p.id % 60)
            cremated = 1 if rng.random() < 0.9 else 0
            deaths.append((len(deaths) + 1, p.id, death, cremated, names.FUNERAL_HOME if cremated else "",
                           updated_at, "" if cremated else "土葬（民族习俗）"))
        person_rows.append((p.id, p.id_number, p.name, full, initials, p.sex, p.birth.isoformat(),
                            p.village.id, p.household.address, p.phone, p.bank_name, p.bank_account,
                            death, p.note, created_at, updated_at))
    rows["person"] = (["id", "id_number", "name", "pinyin", "initials", "sex", "birth_date", "village_id",
                       "address", "phone", "bank_name", "bank_account", "death_date", "note",
                       "created_at", "updated_at"], person_rows)

    hh_rows, member_rows = [], []
    for h in w.households:
        alive = [p for p in h.members if p.death is None]
        active = h.id not in rolls.moved_out and bool(alive)
        hh_rows.append((h.id, h.village.id, h.head.id, h.address, "城镇" if h.urban else "农村", int(active),
                        stamp(system_start, 9, h.id % 60)))
        for p in h.members:
            member_rows.append((len(member_rows) + 1, h.id, p.id, p.relation,
                                int(active and p.death is None)))
    rows["household"] = (["id", "village_id", "head_id", "address", "area", "active", "created_at"], hh_rows)
    rows["household_member"] = (["id", "household_id", "person_id", "relation", "active"], member_rows)
    tag_rows = []
    for p in w.persons:
        if p.tags:
            for tag in p.tags:
                tag_rows.append((len(tag_rows) + 1, p.id, tag))
    rows["person_tag"] = (["id", "person_id", "tag"], tag_rows)

    std_rows = []
    old_to, new_from = month_text(w.new_from - 1), month_text(w.new_from)
    for programme, category, _, _, basis in STANDARDS:
        old, new = w.standards[(programme, category)]
        std_rows.append((len(std_rows) + 1, programme, category, old, basis, month_text(w.old_from), old_to,
                         f"{w.old_from // 12}年起执行"))
        std_rows.append((len(std_rows) + 1, programme, category, new, basis, new_from, None,
                         f"{w.new_from // 12}年标准"))
    rows["standard"] = (["id", "programme_id", "category", "amount", "basis", "effective_from",
                         "effective_to", "note"], std_rows)

    e_rows, ev_rows = [], []
    household_programmes = ("dibao_urban", "dibao_rural", "bianyuan")
    for e in enrollments:
        at = _event_day(w, e.start, e.id)
        e_rows.append((e.id, e.programme, e.person.id, e.household.id if e.household else None, e.category,
                       e.covered, e.income if e.programme in household_programmes else None, e.amount,
                       e.amount_reason, dumps(e.details), "", month_text(e.start),
                       month_text(e.stop) if e.stop is not None else None, e.stop_reason,
                       "在保" if e.stop is None else "停保", stamp(at, 10, e.id % 60)))
        for kind, idx, amount, reason in e.events:
            day = _event_day(w, idx, e.id)
            ev_rows.append((len(ev_rows) + 1, e.id, kind, month_text(idx), amount, reason,
                            stamp(day, 10, (e.id + len(ev_rows)) % 60), "clerk"))
    rows["enrollment"] = (["id", "programme_id", "person_id", "household_id", "category", "covered_persons",
                           "per_capita_income", "amount", "amount_reason", "details", "bank_account",
                           "start_month", "stop_month", "stop_reason", "status", "created_at"], e_rows)
    rows["enrollment_event"] = (["id", "enrollment_id", "kind", "month", "amount", "reason", "at", "user"],
                                ev_rows)
    rows["death"] = (["id", "person_id", "death_date", "cremated", "funeral_home", "registered_at", "note"],
                     deaths)
    rows["one_off_subsidy"] = (SUBSIDY_COLUMNS, pay.subsidies)
    rows["batch"] = (BATCH_COLUMNS, pay.batches)
    rows["batch_line"] = (LINE_COLUMNS, pay.lines)
    rows["relief_case"] = (["id", "kind", "case_type", "person_id", "household_id", "target_group", "amount",
                            "approved_date", "paid_date", "note", "cancelled"], led.relief)
    rows["house_survey"] = (["id", "person_id", "village_id", "persons", "intention", "family_type", "pilot",
                             "progress", "compensation", "transition_fee", "survey_date", "note"], led.surveys)
    rows["card_issuance"] = (["id", "person_id", "card_type", "number", "issued_date"], led.cards)
    rows["activity"] = (["id", "kind", "title", "held_date", "participants", "note"], led.activities)
    rows["indicator"] = (["id", "name", "month", "value", "unit"], led.indicators)
    return rows


def _event_day(w: World, idx: int, salt: int) -> dt.date:
    return min(month_day(idx, 3 + salt % 20), w.today)


def _info(w: World, rows: Rows, enrollments, planted, seed: int, today: dt.date) -> dict:
    per_programme = {code: 0 for code in PROGRAMME_ORDER}
    active = {code: 0 for code in PROGRAMME_ORDER}
    for e in enrollments:
        per_programme[e.programme] += 1
        if e.stop is None:
            active[e.programme] += 1
    return {
        "seed": seed,
        "today": today.isoformat(),
        "persons": len(rows["person"][1]),
        "households": len(rows["household"][1]),
        "villages": len(rows["village"][1]),
        "enrollments": per_programme,
        "active_enrollments": active,
        "events": len(rows["enrollment_event"][1]),
        "deaths": len(rows["death"][1]),
        "batches": len(rows["batch"][1]),
        "batch_lines": len(rows["batch_line"][1]),
        "oneoff_subsidies": len(rows["one_off_subsidy"][1]),
        "relief_cases": len(rows["relief_case"][1]),
        "house_surveys": len(rows["house_survey"][1]),
        "cards": len(rows["card_issuance"][1]),
        "planted": planted,
        "months": [month_text(m) for m in range(w.first_paid, w.last_paid + 1)],
    }


__all__ = ["build_demo", "generate_rows", "generate", "insert_rows", "Demo", "MSG_NOT_EMPTY"]
