"""The payment commands: batch create / approve / list / paid / cancel, roster, bank, notice."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from mzdesk import db as dbmod
from mzdesk.cli import main
from mzdesk.models import Batch
from mzdesk.services import enrollments, persons

from .people import new_id


def run(capsys, db_path, *argv):
    code = main(["--db", str(db_path), *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def elders(township, db_path):
    for i, name in enumerate(("钱老汉", "孙老太", "李无卡")):
        p = persons.register_person(new_id(dt.date(1935 + i, 1, 1)), name, village="长丰村",
                                    bank_account="" if name == "李无卡" else f"62170000111122223{i}")
        enrollments.enroll("gaoling", p.id, start_month="2022-01")
    dbmod.close_database()
    return db_path


def test_batch_create_approve_list(capsys, elders):
    code, out, _ = run(capsys, elders, "batch", "create", "高龄津贴", "2022-06", "--dry-run")
    assert code == 0 and "预览 2022年6月高龄津贴：2 条" in out and "李无卡 — 无银行账号" in out
    code, out, _ = run(capsys, elders, "batch", "create", "gaoling", "2022-06")
    assert code == 0 and "已生成批次 1：2022年6月高龄津贴，2 条，2 人，合计 100.00 元（草稿）" in out
    code, _, err = run(capsys, elders, "batch", "create", "gaoling", "2022-06")
    assert code == 2 and "已有发放批次" in err and err.count("\n") == 1
    code, out, _ = run(capsys, elders, "batch", "approve", "1")
    assert code == 0 and "（已审核）" in out
    code, _, err = run(capsys, elders, "batch", "approve", "1")
    assert code == 2 and "不能重复审核" in err
    code, out, _ = run(capsys, elders, "batch", "list")
    assert code == 0 and re.search(r"1\s+2022-06\s+已审核.*2022年6月高龄津贴\s+2 条\s+100.00 元", out)
    code, out, _ = run(capsys, elders, "batch", "paid", "1", "--date", "2022-06-15")
    assert code == 0 and "已发放" in out


def test_dry_run_and_refusals_write_nothing(capsys, elders):
    assert run(capsys, elders, "batch", "create", "gaoling", "2022-06", "--dry-run")[0] == 0
    for argv, fragment in [
        (["batch", "create", "低保", "2022-06"], "没有“低保”这个救助项目"),
        (["batch", "create", "bianyuan", "2022-06"], "不按月发放"),
        (["batch", "create", "gaoling", "2022-13"], "YYYY-MM"),
        (["batch", "approve", "99"], "不存在"),
        (["batch", "cancel", "1"], "--reason"),
        (["batch"], "请指定操作"),
        (["roster", "1", "--out", "x.txt"], ".pdf"),
    ]:
        code, _, err = run(capsys, elders, *argv)
        assert code == 2 and fragment in err and err.startswith("错误："), argv
    dbmod.open_database(elders)
    assert Batch.select().count() == 0


def test_a_closed_pipe_is_not_an_internal_error(elders, monkeypatch, capsys):
    class ClosedPipe:  # what `mzdesk batch list | head -1` leaves stdout as
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr("sys.stdout", ClosedPipe())
    assert main(["--db", str(elders), "batch", "list"]) == 0
    assert capsys.readouterr().err == ""
