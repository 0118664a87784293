"""Payment batches: made from the roll of a month, approved, exported, paid.

States move 草稿 → 已审核 → 已导出 → 已发放 (a draft may instead be 已作废).
Once a batch leaves 草稿 the database itself refuses any change to it or its
lines (migration 0003); corrections are new 补发 / 扣回 batches.  Every
change of state is one transaction with its audit entry.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import peewee as pw

from .. import audit
from ..errors import ConflictError, ValidationError
from ..models import Batch, BatchLine, Enrollment, OneOffSubsidy, Person, Programme, Village, database
from ..money import from_fen, yuan_str
from ..services.common import get, money, month as norm_month, next_month, required_text
from . import month_roll
from .month_roll import RollLine

DRAFT, APPROVED, EXPORTED, PAID, CANCELLED = "草稿", "已审核", "已导出", "已发放", "已作废"
STATES = (DRAFT, APPROVED, EXPORTED, PAID, CANCELLED)
KINDS = {"regular": "月度发放", "oneoff": "一次性补贴", "supplement": "补发", "deduction": "扣回"}
FAILED = "失败"
# What the money is called on rosters and bank files, e.g. 2022年6月农村低保金.
PAY_LABELS = {
    "dibao_urban": "城市低保金",
    "dibao_rural": "农村低保金",
    "tekun": "特困人员供养金",
    "youfu": "优抚对象抚恤补助金",
    "gaoling": "高龄津贴",
    "canji": "残疾人两项补贴",
}


# --- what the GUI, CLI and documents read -------------------------------------------------

@dataclass(frozen=True)
class BatchInfo:
    id: int
    name: str
    kind: str  # regular / oneoff / supplement / deduction
    kind_label: str
    programme: str | None
    programme_name: str
    month: str
    state: str
    lines: int
    persons: int  # sum of covered persons
    total: Decimal  # sum of the lines that did not fail
    failed: int  # lines the bank returned as failed
    created_at: dt.datetime | None
    approved_at: dt.datetime | None
    approved_by: str
    paid_date: dt.date | None
    note: str

    @property
    def frozen(self) -> bool:
        return self.state != DRAFT


@dataclass(frozen=True)
class LineView:
    id: int
    seq: int  # 序号 within the batch
    enrollment_id: int | None
    person_id: int
    name: str
    id_number: str
    village_id: int | None
    village: str
    covered_persons: int
    amount: Decimal
    bank_account: str
    bank_name: str
    status: str  # 正常 / 失败
    note: str


@dataclass(frozen=True)
class Preview:
    """What a batch would hold, shown before it is created."""

    name: str
    month: str
    lines: list[RollLine]
    left_out: list[RollLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def persons(self) -> int:
        return sum(line.covered_persons for line in self.lines)


# The sums are kept on the batch row by the lines' triggers (migration 0003).
_INFO_SQL = """
SELECT b.id, b.name, b.kind, b.programme_id, COALESCE(p.name, ''), b.month, b.state,
       b.line_count, b.persons, b.total, b.failed_count,
       b.created_at, b.approved_at, b.approved_by, b.paid_date, b.note
FROM batch b LEFT JOIN programme p ON p.code = b.programme_id
"""


def _info(row) -> BatchInfo:
    (bid, name, kind, programme, pname, month, state, count, persons, total, failed,
     created, approved, approved_by, paid_date, note) = row
    return BatchInfo(bid, name, kind, KINDS.get(kind, kind), programme, pname, month, state,
                     count, persons, from_fen(int(total)), failed, _datetime(created),
                     _datetime(approved), approved_by, _date(paid_date), note)


def info(batch_id) -> BatchInfo:
    get(Batch, batch_id, "发放批次")
    row = database.execute_sql(_INFO_SQL + " WHERE b.id = ?", (int(batch_id),)).fetchone()
    return _info(row)


def list_batches(*, programme: str | None = None, year: int | None = None,
                 include_cancelled: bool = True) -> list[BatchInfo]:
    """Batches newest month first, with their line counts and totals."""
    where, params = [], []
    if programme:
        where.append("b.programme_id = ?")
        params.append(programme)
    if year:
        where.append("substr(b.month, 1, 4) = ?")
        params.append(f"{int(year):04d}")
    if not include_cancelled:
        where.append("b.state <> ?")
        params.append(CANCELLED)
    sql = _INFO_SQL + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY b.month DESC, b.id DESC"
    return [_info(row) for row in database.execute_sql(sql, params).fetchall()]


def lines(batch_id) -> list[LineView]:
    """The batch's lines in roster order (village, then as they were made)."""
    get(Batch, batch_id, "发放批次")
    cursor = database.execute_sql(
        "SELECT l.id, l.enrollment_id, l.person_id, p.name, p.id_number, l.village_id,"
        " COALESCE(v.name, ''), l.covered_persons, l.amount, l.bank_account, p.bank_name,"
        " l.status, l.note"
        " FROM batch_line l JOIN person p ON p.id = l.person_id"
        " LEFT JOIN village v ON v.id = l.village_id"
        " WHERE l.batch_id = ? ORDER BY v.sort_order, l.village_id, l.id", (int(batch_id),))
    return [LineView(lid, seq, eid, pid, name, idn, vid, village, covered, from_fen(amount),
                     account, bank_name or "", status, note)
            for seq, (lid, eid, pid, name, idn, vid, village, covered, amount, account, bank_name,
                      status, note) in enumerate(cursor.fetchall(), start=1)]


def next_regular_month(programme: str, today: dt.date | None = None) -> str:
    """The month a new regular batch is most likely for: after the last one made."""
    last = (Batch.select(pw.fn.MAX(Batch.month))
            .where((Batch.programme == programme) & (Batch.kind == "regular")
                   & (Batch.state != CANCELLED)).scalar())
    return next_month(last) if last else norm_month(today or dt.date.today())


def monthly_programmes() -> list[Programme]:
    return list(Programme.select().where(Programme.monthly).order_by(Programme.sort_order))


# --- regular batches ---------------------------------------------------------------------

def regular_name(programme: str, month: str) -> str:
    prog = get(Programme, programme, "救助项目")
    return f"{int(month[:4])}年{int(month[5:])}月{PAY_LABELS.get(prog.code, prog.name)}"


def _monthly_programme(programme: str) -> Programme:
    prog = get(Programme, programme, "救助项目")
    if not prog.monthly:
        raise ValidationError(f"{prog.name}不按月发放，不能生成月度发放批次")
    return prog


def _refuse_second_regular(programme: str, month: str) -> None:
    other = (Batch.select().where((Batch.programme == programme) & (Batch.kind == "regular")
                                  & (Batch.month == month) & (Batch.state != CANCELLED)).first())
    if other is not None:
        raise ConflictError(f"{other.name}已有发放批次（编号 {other.id}，{other.state}），"
                            "不能重复生成；如需更正请作废草稿或另建补发、扣回批次")


def preview_regular(programme: str, month) -> Preview:
    """The lines a regular batch of the month would hold, and who is left out and why."""
    month = norm_month(month)
    _monthly_programme(programme)
    roll = month_roll.roll(programme, month)
    return Preview(regular_name(programme, month), month,
                   [r for r in roll if not r.reason], [r for r in roll if r.reason])


def create_regular(programme: str, month) -> Batch:
    """The regular batch of a programme for a month, as its roll stood that month."""
    month = norm_month(month)
    prog = _monthly_programme(programme)
    with database.atomic():
        _refuse_second_regular(prog.code, month)
        batch = _insert_batch(programme=prog.code, kind="regular", month=month,
                              name=regular_name(prog.code, month))
        count = month_roll.insert_lines(batch.id, prog.code, month)
        if not count:
            raise ValidationError(f"{batch.name}没有可发放的对象")
        _audit_created(batch)
    return batch


def _insert_batch(**fields) -> Batch:
    try:
        with database.atomic():
            return Batch.create(state=DRAFT, **fields)
    except pw.IntegrityError as exc:
        raise ConflictError(refusal(exc)) from None


def _audit_created(batch: Batch) -> None:
    i = info(batch.id)
    audit.record("生成发放批次", "batch", batch.id, after=batch,
                 summary=f"{i.name}：{i.lines}条，{i.persons}人，合计{yuan_str(i.total)}元")


def refusal(exc: Exception) -> str:
    """The Chinese reason behind a database refusal of a batch change."""
    text = str(exc)
    if "batch.programme_id" in text or "batch_regular_programme_month" in text:
        return "该项目本月已有月度发放批次，不能重复生成"
    if "batch_line.batch_id" in text:
        return "同一保障对象在一个批次中只能有一条发放明细"
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return text  # the triggers of migration 0003 speak Chinese already
    return "数据库拒绝了这次修改"


# --- one-off subsidies -------------------------------------------------------------------

@dataclass(frozen=True)
class OneOffSpec:
    """A one-off subsidy: 元旦春节生活补贴, 临时价格补贴, 学生补助, …"""

    name: str
    month: str
    programmes: tuple[str, ...]
    basis: str  # person: amount × covered (or tagged) persons; household: amount once
    amount: Decimal
    village_id: int | None = None
    tag: str = ""  # only persons with this tag count (e.g. 重症精神病)


def oneoff_spec(name, month, programmes, basis, amount, village_id=None, tag="") -> OneOffSpec:
    name = required_text(name, "补贴名称")
    programmes = tuple(dict.fromkeys(p for p in programmes if p))
    if not programmes:
        raise ValidationError("请至少选择一个救助项目")
    for code in programmes:
        _monthly_programme(code)
    if basis not in ("person", "household"):
        raise ValidationError("发放方式应为按人或按户")
    value = money(amount, "补贴标准")
    if value <= 0:
        raise ValidationError("补贴标准应大于零")
    if village_id not in (None, ""):
        village_id = get(Village, village_id, "村(社区)").id
    return OneOffSpec(name, norm_month(month), programmes, basis, value, village_id or None,
                      (tag or "").strip())


def _tagged_counts(spec: OneOffSpec) -> dict[int, int]:
    """enrollment id → how many of its covered persons carry the tag."""
    cursor = database.execute_sql(
        "SELECT e.id, COUNT(DISTINCT t.person_id) FROM enrollment e"
        " LEFT JOIN household_member m ON m.household_id = e.household_id AND m.active"
        " JOIN person_tag t ON t.person_id = COALESCE(m.person_id, e.person_id) AND t.tag = ?"
        f" WHERE e.programme_id IN ({', '.join('?' * len(spec.programmes))}) GROUP BY e.id",
        (spec.tag, *spec.programmes))
    return dict(cursor.fetchall())


def preview_oneoff(spec: OneOffSpec) -> Preview:
    tagged = _tagged_counts(spec) if spec.tag else None
    paid, left = [], []
    for programme in spec.programmes:
        for r in month_roll.roll(programme, spec.month):
            if spec.village_id and r.village_id != spec.village_id:
                continue
            persons = r.covered_persons
            if tagged is not None:
                persons = tagged.get(r.enrollment_id, 0)
                if not persons:
                    continue
            times = persons if spec.basis == "person" else 1
            line = RollLine(r.enrollment_id, r.person_id, r.household_id, r.name, r.id_number,
                            r.village_id, r.village, persons, spec.amount * times, r.bank_account,
                            r.bank_name, r.category, r.reason)
            (left if r.reason else paid).append(line)
    key = _roster_key()
    paid.sort(key=key)
    return Preview(f"{int(spec.month[:4])}年{int(spec.month[5:])}月{spec.name}", spec.month, paid, left)


def _roster_key():
    order = dict(Village.select(Village.id, Village.sort_order).tuples())
    return lambda r: (order.get(r.village_id, 1 << 30), r.village_id or 0)


def create_oneoff(spec: OneOffSpec) -> Batch:
    preview = preview_oneoff(spec)
    if not preview.lines:
        raise ValidationError(f"{preview.name}没有符合条件的发放对象")
    with database.atomic():
        subsidy = OneOffSubsidy.create(
            name=spec.name, programmes=",".join(spec.programmes), month=spec.month,
            basis=spec.basis, amount=spec.amount, tag_filter=spec.tag, village=spec.village_id,
            note=f"仅{spec.tag}人员" if spec.tag else "")
        batch = _insert_batch(programme=None, kind="oneoff", month=spec.month, name=preview.name,
                              subsidy=subsidy)
        _insert_lines(batch, [(r.enrollment_id, r.person_id, r.village_id, r.covered_persons,
                               r.amount, r.bank_account, spec.tag) for r in preview.lines])
        _audit_created(batch)
    return batch


def _insert_lines(batch: Batch, rows) -> None:
    fields = [BatchLine.batch, BatchLine.enrollment, BatchLine.person, BatchLine.village,
              BatchLine.covered_persons, BatchLine.amount, BatchLine.bank_account, BatchLine.note]
    data = [(batch.id, *row) for row in rows]
    try:
        with database.atomic():
            for start in range(0, len(data), 500):
                BatchLine.insert_many(data[start:start + 500], fields=fields).execute()
    except pw.IntegrityError as exc:
        raise ConflictError(refusal(exc)) from None


# --- corrections: 补发 and 扣回 ------------------------------------------------------------

@dataclass(frozen=True)
class Adjustment:
    enrollment_id: int
    amount: Decimal  # always positive; a 扣回 batch recovers it
    note: str


def create_adjustment(kind: str, programme: str, month, items: list[Adjustment], reason: str) -> Batch:
    """A 补发 (supplement) or 扣回 (deduction) batch for named enrollments."""
    if kind not in ("supplement", "deduction"):
        raise ValidationError("更正批次只能是补发或扣回")
    month = norm_month(month)
    reason = required_text(reason, "原因")
    prog = _monthly_programme(programme)
    if not items:
        raise ValidationError("请至少选择一条明细")
    rows = []
    for item in items:
        e = get(Enrollment, item.enrollment_id, "保障记录")
        if e.programme_id != prog.code:
            raise ValidationError(f"保障记录 {e.id} 不属于{prog.name}")
        value = money(item.amount)
        if value <= 0:
            raise ValidationError("补发、扣回金额应大于零")
        person = Person.get_by_id(e.person_id)
        if kind == "supplement" and person.death_date is not None and \
                norm_month(person.death_date) < month and not item.note:
            raise ConflictError("该人员已死亡，补发死亡后的月份须在备注中说明原因")
        village = e.household.village_id if e.household_id else person.village_id
        rows.append((e.id, person.id, village, e.covered_persons, value,
                     e.bank_account or person.bank_account, item.note))
    label = KINDS[kind]
    name = f"{int(month[:4])}年{int(month[5:])}月{PAY_LABELS.get(prog.code, prog.name)}{label}"
    with database.atomic():
        batch = _insert_batch(programme=prog.code, kind=kind, month=month, name=name, note=reason)
        _insert_lines(batch, rows)
        _audit_created(batch)
    return batch


def supplement_failed(batch_id, month=None, reason: str = "") -> Batch:
    """A 补发 batch for the lines the bank returned as failed, paid to today's accounts."""
    source = get(Batch, batch_id, "发放批次")
    if source.programme_id is None:
        raise ValidationError("一次性补贴批次的失败明细请另建一次性补贴批次补发")
    failed = [line for line in lines(source.id) if line.status == FAILED and line.enrollment_id]
    if not failed:
        raise ValidationError(f"{source.name}没有发放失败的明细")
    items = [Adjustment(line.enrollment_id, line.amount, f"{source.name}发放失败补发") for line in failed]
    return create_adjustment("supplement", source.programme_id, month or source.month, items,
                             reason or f"补发{source.name}银行退回的{len(items)}笔")


# --- state changes -----------------------------------------------------------------------

def _move(batch_id, allowed_from: tuple[str, ...], to: str, action: str, **fields) -> Batch:
    with database.atomic():
        batch = get(Batch, batch_id, "发放批次")
        if batch.state not in allowed_from:
            raise ConflictError(_why_not(batch, to))
        before = audit.snapshot(batch)
        batch.state = to
        for key, value in fields.items():
            setattr(batch, key, value)
        batch.save()
        audit.record(action, "batch", batch.id, before=before, after=batch,
                     summary=f"{batch.name}：{before['state']} → {to}")
    return batch


def _why_not(batch: Batch, to: str) -> str:
    if batch.state == CANCELLED:
        return f"{batch.name}已作废"
    if to == APPROVED:
        return f"{batch.name}已经审核过（{batch.state}），不能重复审核"
    if to == CANCELLED:
        return f"{batch.name}已{batch.state.lstrip('已')}，不能作废；请另建扣回批次更正"
    if batch.state == DRAFT:
        return f"{batch.name}尚未审核，请先审核"
    return f"{batch.name}当前为{batch.state}，不能改为{to}"


def approve(batch_id, reviewer: str | None = None) -> Batch:
    """Freeze a draft: from now on the roster, notice and bank file are final."""
    if not BatchLine.select().where(BatchLine.batch == batch_id).exists():
        get(Batch, batch_id, "发放批次")
        raise ValidationError("批次没有发放明细，不能审核")
    return _move(batch_id, (DRAFT,), APPROVED, "审核批次",
                 approved_at=dt.datetime.now(), approved_by=reviewer or audit.current_user())


def mark_exported(batch_id) -> Batch:
    """The bank file has been written (exporting again later is allowed)."""
    batch = get(Batch, batch_id, "发放批次")
    if batch.state in (EXPORTED, PAID):
        return batch
    return _move(batch_id, (APPROVED,), EXPORTED, "导出银行文件", exported_at=dt.datetime.now())


def mark_paid(batch_id, paid_date: dt.date | None = None) -> Batch:
    return _move(batch_id, (APPROVED, EXPORTED), PAID, "确认发放",
                 paid_date=paid_date or dt.date.today())


def cancel(batch_id, reason: str) -> Batch:
    """Give up a draft (kept, marked 已作废) so the month can be made again."""
    reason = required_text(reason, "作废原因")
    return _move(batch_id, (DRAFT,), CANCELLED, "作废批次", note=reason)


def mark_failed(batch_id, failures: dict[int, str]) -> int:
    """Mark lines the bank could not pay (line id → the bank's reason); returns how many."""
    with database.atomic():
        batch = get(Batch, batch_id, "发放批次")
        if batch.state not in (APPROVED, EXPORTED, PAID):
            raise ConflictError(f"{batch.name}尚未导出银行文件，不能登记银行退回")
        ids = set(BatchLine.select(BatchLine.id).where(BatchLine.batch == batch.id).tuples())
        ids = {i for (i,) in ids}
        changed = 0
        for line_id, reason in failures.items():
            if line_id not in ids:
                raise ValidationError(f"明细 {line_id} 不属于{batch.name}")
            changed += (BatchLine.update(status=FAILED, note=(reason or "银行退回")[:200])
                        .where((BatchLine.id == line_id) & (BatchLine.status != FAILED)).execute())
        audit.record("登记银行退回", "batch", batch.id,
                     after={"failed_lines": sorted(failures)},
                     summary=f"{batch.name}：{changed}笔发放失败")
    return changed


def _datetime(value):
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def _date(value):
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
