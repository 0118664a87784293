"""Who is on a programme's roll in a month, and at what amount.

The roll of a month is rebuilt from each enrollment's event history
(开始 / 调整 / 停保 / 恢复), so a batch made late, or made again after a
cancelled draft, pays what the roster was in that month, not what it is
today.  It is one SQL statement, so the monthly batch can be written with a
single INSERT … SELECT (DESIGN: 5,000 lines in a blink).

An event applies to a month as `enrollments.state_in` reads it: 开始, 调整
and 恢复 from their month on; 停保 from the month after it (its month is the
last month paid).  The latest applicable event (by month, then entry order)
decides: 停保 means off the roll, anything else means on it at that event's
amount.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..models import database
from ..money import from_fen
from ..services.common import month as norm_month
from ..services.common import prev_month

# Why someone on the roll is not paid (codes the SQL returns → Chinese).
STOPPED, DEAD, NO_ACCOUNT, ZERO = "停保", "死亡", "无银行账号", "金额为零"
# Still enrolled in the month, even when not paid (no account yet, zero amount):
# who the counts of the 工作台 and of the summary include.
ENROLLED = ("", NO_ACCOUNT, ZERO)
_ENROLLED_SQL = ", ".join(f"'{code}'" for code in ENROLLED)  # constants, not user text

_ROLL = """
WITH ev AS (
    SELECT x.enrollment_id, x.kind, x.month, x.amount, x.reason,
           ROW_NUMBER() OVER (PARTITION BY x.enrollment_id
                              ORDER BY x.month DESC, x.id DESC) AS rn
    FROM enrollment_event x JOIN enrollment e0 ON e0.id = x.enrollment_id
    WHERE e0.programme_id = :programme AND e0.start_month <= :month
      AND ((x.kind = '停保' AND x.month < :month) OR (x.kind <> '停保' AND x.month <= :month))
), roll AS (
    SELECT e.id AS enrollment_id, e.person_id, e.household_id, p.name, p.id_number,
           v.id AS village_id, COALESCE(v.name, '') AS village, e.covered_persons,
           COALESCE(ev.amount, e.amount) AS amount,
           COALESCE(NULLIF(e.bank_account, ''), p.bank_account, '') AS bank_account,
           p.bank_name, e.category, ev.month AS event_month, ev.reason AS event_reason,
           p.death_date,
           CASE WHEN ev.kind = '停保' THEN '停保'
                WHEN p.death_date IS NOT NULL AND substr(p.death_date, 1, 7) < :month THEN '死亡'
                WHEN COALESCE(NULLIF(e.bank_account, ''), p.bank_account, '') = '' THEN '无银行账号'
                WHEN COALESCE(ev.amount, e.amount) <= 0 THEN '金额为零'
                ELSE '' END AS code,
           v.sort_order AS village_order, p.pinyin
    FROM ev JOIN enrollment e ON e.id = ev.enrollment_id
    JOIN person p ON p.id = e.person_id
    LEFT JOIN household h ON h.id = e.household_id
    LEFT JOIN village v ON v.id = COALESCE(h.village_id, p.village_id)
    -- Those stopped before last month are history, not "left out this month".
    WHERE ev.rn = 1 AND (ev.kind <> '停保' OR ev.month = :previous)
)
"""
_ORDER = " ORDER BY village_order, village_id, pinyin, enrollment_id"
_COLUMNS = ("enrollment_id, person_id, household_id, name, id_number, village_id, village,"
            " covered_persons, amount, bank_account, bank_name, category, code, event_month,"
            " event_reason, death_date")


@dataclass(frozen=True)
class RollLine:
    enrollment_id: int
    person_id: int
    household_id: int | None
    name: str
    id_number: str
    village_id: int | None
    village: str
    covered_persons: int
    amount: Decimal
    bank_account: str
    bank_name: str
    category: str
    reason: str  # '' when the line is paid; otherwise why it is left out


def _params(programme: str, month: str) -> dict:
    return {"programme": programme, "month": month, "previous": prev_month(month)}


def roll(programme: str, month) -> list[RollLine]:
    """Everyone on the roll of `month`, paid or left out (reason set), in roster order."""
    month = norm_month(month)
    cursor = database.execute_sql(f"{_ROLL} SELECT {_COLUMNS} FROM roll {_ORDER}",
                                  _params(programme, month))
    return [_line(row) for row in cursor.fetchall()]


def enrolled_totals(programme: str, month) -> tuple[int, int, Decimal]:
    """(enrollments, persons covered, monthly amount) of those still enrolled in
    `month`, as one aggregate over the same roll the batches are made from."""
    cursor = database.execute_sql(
        f"{_ROLL} SELECT COUNT(*), COALESCE(SUM(covered_persons), 0), COALESCE(SUM(amount), 0)"
        f" FROM roll WHERE code IN ({_ENROLLED_SQL})", _params(programme, norm_month(month)))
    count, persons, fen = cursor.fetchone()
    return count, persons, from_fen(int(fen))


def insert_lines(batch_id: int, programme: str, month: str) -> int:
    """Write the payable lines of the roll into a batch; returns how many."""
    params = _params(programme, norm_month(month))
    params["batch"] = batch_id
    database.execute_sql(
        f"{_ROLL} INSERT INTO batch_line (batch_id, enrollment_id, person_id, village_id,"
        " covered_persons, amount, bank_account, status, note)"
        " SELECT :batch, enrollment_id, person_id, village_id, covered_persons, amount,"
        f" bank_account, '正常', '' FROM roll WHERE code = '' {_ORDER}", params)
    # sqlite3's rowcount is -1 for a statement that starts with WITH.
    return database.execute_sql("SELECT changes()").fetchone()[0]


def _line(row) -> RollLine:
    (eid, pid, hid, name, id_number, vid, village, covered, amount, account, bank_name,
     category, code, event_month, event_reason, death_date) = row
    return RollLine(eid, pid, hid, name, id_number, vid, village, covered, from_fen(amount),
                    account or "", bank_name or "", category,
                    _reason(code, event_month, event_reason, death_date))


def _reason(code: str, event_month: str, event_reason: str, death_date) -> str:
    if code == STOPPED:
        return f"停保：{event_reason or '未填原因'}（{event_month} 后停发）"
    if code == DEAD:
        return f"已死亡（{str(death_date)[:10]}），停发"
    return code
