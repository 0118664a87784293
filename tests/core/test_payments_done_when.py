"""Issue 4's "done when", through the command line on the demo township: June's
rural 低保 batch made, who was left out and why, approved, and a roster, a
notice and a bank file whose totals agree with the batch to the fen."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
from decimal import Decimal

import openpyxl

from mzdesk import db as dbmod
from mzdesk.cli import main
from mzdesk.demo import build_demo
from mzdesk.models import Enrollment
from mzdesk.payments import batches
from mzdesk.services import deaths, enrollments

TOTAL = re.compile(r"(?<![本小])合计：(\d+)户\s+(\d+)\s+([\d,]+\.\d\d)")


def _cli(capsys, db_path, *argv) -> str:
    code = main(["--db", str(db_path), *argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def _text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_june_rural_dibao_from_batch_to_bank_file(capsys, db_path, tmp_path):
    dbmod.open_database(db_path)
    build_demo(households=300, seed=5, today=dt.date(2026, 6, 10))
    on_roll = list(Enrollment.select().where((Enrollment.programme == "dibao_rural")
                                             & (Enrollment.status == "在保")).order_by(Enrollment.id))
    deaths.register_death(on_roll[0].person_id, dt.date(2026, 5, 18))  # died in May
    enrollments.stop(on_roll[1].id, month="2026-05", reason="收入超标")
    dbmod.close_database()

    out = _cli(capsys, db_path, "batch", "create", "dibao_rural", "2026-06")
    assert "— 停保：死亡（2026-05 后停发）" in out and "— 停保：收入超标（2026-05 后停发）" in out
    batch_id = int(re.search(r"已生成批次 (\d+)", out).group(1))
    _cli(capsys, db_path, "batch", "approve", str(batch_id))

    dbmod.open_database(db_path)
    info = batches.info(batch_id)
    paid_anyway = {line.enrollment_id for line in batches.lines(batch_id)} & {on_roll[0].id, on_roll[1].id}
    dbmod.close_database()
    assert info.state == "已审核" and not paid_anyway

    roster, notice, bank = tmp_path / "花名册.pdf", tmp_path / "公示.pdf", tmp_path / "代发.xlsx"
    _cli(capsys, db_path, "roster", str(batch_id), "--out", str(roster))
    _cli(capsys, db_path, "notice", "农村低保", "--month", "2026-06", "--out", str(notice))
    out = _cli(capsys, db_path, "bank", str(batch_id), "--out", str(bank))
    assert f"{info.lines} 笔" in out

    roster_total = TOTAL.findall(_text(roster))
    assert len(roster_total) == 1
    count, persons, amount = roster_total[0]
    assert (int(count), int(persons), Decimal(amount.replace(",", ""))) == \
        (info.lines, info.persons, info.total)

    notice_text = _text(notice)
    per_village = [Decimal(a.replace(",", "")) for _, _, a in TOTAL.findall(notice_text)]
    assert sum(per_village) == info.total
    assert not re.search(r"\d{17}[\dX]", notice_text)

    sheet = openpyxl.load_workbook(bank).active
    header = next(i for i, row in enumerate(sheet.iter_rows(values_only=True), 1) if "金额" in row)
    column = [c.value for c in sheet[header]].index("金额")
    amounts = [row[column] for row in sheet.iter_rows(min_row=header + 1, values_only=True)
               if row[column] is not None]
    assert len(amounts) == info.lines
    assert sum(Decimal(str(a)) for a in amounts) == info.total
