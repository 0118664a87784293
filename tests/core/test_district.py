"""The district package (区局报送包): made by a township, verified and added up by the district.

Two demo townships are built once for the module, each with June 2026's
batches made and approved (plus a June one-off subsidy and relief cases, so
that every row of the 民政月报 has numbers); their packages are exported in
plain and encrypted form.  The district side then runs in fresh databases.
"""
from __future__ import annotations

import datetime as dt
import errno
import json
import os
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import olefile
import openpyxl
import pytest

from mzdesk import db as dbmod
from mzdesk.cli import main
from mzdesk.district import (add_packages, district_report, export_package, loaded_packages,
                             package_name, read_package)
from mzdesk.district import package as package_mod
from mzdesk.district.encryption import OLE_SIGNATURE, WrongPassword
from mzdesk.district.figures_sheet import FigureRow, figures
from mzdesk.district.models import DistrictFigure, DistrictPackage, DistrictRosterLine
from mzdesk.errors import ConflictError, DomainError, ValidationError
from mzdesk.models import AuditLog, Household, ReliefCase
from mzdesk.payments import batches
from mzdesk.services import settings

from ..conftest import JUNE

D = Decimal
MONTH = "2026-06"
PASSWORD = "区局2026pw"
MONTHLY = ("dibao_urban", "dibao_rural", "tekun", "youfu", "gaoling", "canji")


class Township:
    """What the township's own database says, kept to compare the district's side with."""

    def __init__(self, name, db_file, plain, encrypted, figures_rows, batch_totals, rosters):
        self.name, self.db_file, self.plain, self.encrypted = name, db_file, plain, encrypted
        self.figures: list[FigureRow] = figures_rows
        self.batch_totals: dict[str, Decimal] = batch_totals
        self.rosters: dict[str, list[tuple]] = rosters


def _build(root: Path, demo_file: Path, name: str) -> Township:
    db_file = root / f"{name}.sqlite3"
    shutil.copyfile(demo_file, db_file)
    dbmod.open_database(db_file)
    try:
        settings.set_setting("township", name)
        totals = {}
        for code in MONTHLY:
            batch = batches.create_regular(code, MONTH)
            batches.approve(batch.id)
            totals[code] = batches.info(batch.id).total
        spring = batches.create_oneoff(batches.oneoff_spec("临时价格补贴", MONTH, ["dibao_rural"],
                                                           "person", "40"))
        batches.approve(spring.id)
        households = list(Household.select().limit(3))
        for i, (kind, amount) in enumerate([("临时救助", "800"), ("临时救助", "1200.50"),
                                            ("医疗救助", "3000")]):
            ReliefCase.create(kind=kind, case_type="临时困难救助", person=households[i].head,
                              household=households[i], target_group="低保对象", amount=D(amount),
                              approved_date=dt.date(2026, 6, 3 + i))
        ReliefCase.create(kind="临时救助", case_type="临时困难救助", person=households[0].head,
                          target_group="低保对象", amount=D("999"), approved_date=dt.date(2026, 6, 9),
                          cancelled=True)
        rows = figures(MONTH)
        out = root / name
        (out / "plain").mkdir(parents=True)
        (out / "encrypted").mkdir()
        plain = export_package(out / "plain", month=MONTH).path
        encrypted = export_package(out / "encrypted", month=MONTH, password=PASSWORD).path
        from mzdesk.payments import month_roll
        rosters = {code: [(r.name, r.id_number, r.covered_persons, r.amount)
                          for r in month_roll.roll(code, MONTH) if not r.reason] for code in MONTHLY}
    finally:
        dbmod.close_database()
    return Township(name, db_file, plain, encrypted, rows, totals, rosters)


@pytest.fixture(scope="module")
def towns(tmp_path_factory, demo_files):
    """The demo township (seed 5) as 茶店镇 and another (seed 6) as 白鹤镇, June paid, exported."""
    root = tmp_path_factory.mktemp("district")
    other = dict(JUNE, seed=6)
    return _build(root, demo_files(**JUNE), "茶店镇"), _build(root, demo_files(**other), "白鹤镇")


@pytest.fixture
def copy_of(tmp_path):
    """A writable copy of a package folder (to tamper with)."""
    def make(path: Path) -> Path:
        target = tmp_path / "copies" / path.name
        shutil.copytree(path, target)
        return target
    return make


def report_sheet(path: Path) -> list[dict]:
    """The rows of the report's 汇总 table, keyed by their column titles (row 2); the table
    ends at the first blank row (a note may follow)."""
    ws = openpyxl.load_workbook(path)["汇总"]
    header = [c.value for c in ws[2]]
    assert header == ["乡镇", "项目", "户数", "人数", "本月发放金额(元)", "本年累计金额(元)",
                      "本月新增", "本月减少", "代码"]
    rows = []
    for row in ws.iter_rows(min_row=3, values_only=True):
        if all(v is None for v in row):
            break
        rows.append(dict(zip(header, row)))
    return rows


def report_note(path: Path) -> str:
    """The note under the 汇总 table ('' when there is none)."""
    ws = openpyxl.load_workbook(path)["汇总"]
    found = [row[0] for row in ws.iter_rows(min_row=3, values_only=True)
             if isinstance(row[0], str) and row[0].startswith("注：")]
    return found[0] if found else ""


def changes(row: dict) -> tuple:
    """(本月新增, 本月减少) of a report row, as the cells hold them (None when blank)."""
    return row["本月新增"], row["本月减少"]


def money(value) -> Decimal:
    return D(str(value)).quantize(D("0.01"))


# --- the township's figures -----------------------------------------------------------------

def test_figures_are_the_months_payments_and_rolls(towns):
    town = towns[0]
    by_code = {r.code: r for r in town.figures}
    assert list(by_code) == [*MONTHLY, "oneoff", "relief_temp", "relief_medical"]
    for code in MONTHLY:  # this month's money is exactly the approved June batch
        assert by_code[code].amount_month == town.batch_totals[code]
        roster = town.rosters[code]
        assert by_code[code].persons == sum(r[2] for r in roster)
        assert sum(r[3] for r in roster) == town.batch_totals[code]
    assert by_code["dibao_rural"].households == len(town.rosters["dibao_rural"])
    assert by_code["oneoff"].amount_month == 40 * by_code["dibao_rural"].persons
    assert by_code["oneoff"].households == by_code["dibao_rural"].households
    temp, medical = by_code["relief_temp"], by_code["relief_medical"]
    assert (temp.households, temp.persons, temp.amount_month) == (2, 2, D("2000.50"))  # cancelled left out
    assert (medical.households, medical.persons, medical.amount_month) == (1, 1, D("3000.00"))
    for row in town.figures:
        assert row.amount_year >= row.amount_month


# --- round trip ---------------------------------------------------------------------------

def test_export_then_district_add_then_report_gives_the_townships_own_figures(towns, db, tmp_path):
    town = towns[0]
    results = add_packages([town.plain])
    assert [(r.ok, r.township, r.month) for r in results] == [(True, "茶店镇", MONTH)]
    assert read_package(town.plain).figures == town.figures
    out = district_report(MONTH, tmp_path / "汇总.xlsx")
    rows = report_sheet(out)
    own = [r for r in rows if r["乡镇"] == "茶店镇"]
    assert [(r["代码"], r["项目"], r["户数"], r["人数"], money(r["本月发放金额(元)"]),
             money(r["本年累计金额(元)"]), *changes(r)) for r in own] == [
        (f.code, f.name, f.households, f.persons, f.amount_month, f.amount_year, f.added, f.removed)
        for f in town.figures]
    totals = {r["代码"]: r for r in rows if r["乡镇"] == "合计"}
    for f in town.figures:  # one township: the district's 合计 is the township itself
        assert (totals[f.code]["户数"], money(totals[f.code]["本月发放金额(元)"]), *changes(totals[f.code])) \
            == (f.households, f.amount_month, f.added, f.removed)
    assert money(totals["total"]["本月发放金额(元)"]) == sum((f.amount_month for f in town.figures), D(0))
    assert changes(totals["total"]) == (None, None)  # enrollments of different programmes: not added
    assert report_note(out) == ""
    # the rosters came in whole, IDs as text
    lines = DistrictRosterLine.select().where(DistrictRosterLine.programme == "dibao_rural")
    assert [(x.name, x.id_number, x.covered_persons, x.amount) for x in lines.order_by(DistrictRosterLine.seq)] \
        == town.rosters["dibao_rural"]
    wb = openpyxl.load_workbook(out)
    assert wb["跨乡镇重复"].cell(row=3, column=1).value == "未发现"
    assert wb["报送情况"].cell(row=3, column=1).value == "茶店镇"


def test_roster_files_hold_ids_and_accounts_as_text(towns):
    path = towns[0].plain / "农村最低生活保障花名册.xlsx"
    ws = openpyxl.load_workbook(path).active
    header = [c.value for c in ws[2]]
    id_col, account_col = header.index("身份证号码") + 1, header.index("银行账号") + 1
    ids = [ws.cell(row=r, column=id_col) for r in range(3, ws.max_row)]
    assert ids and all(c.data_type == "s" and len(c.value) == 18 for c in ids)
    assert all(ws.cell(row=r, column=account_col).data_type == "s" for r in range(3, ws.max_row))
    assert ws.cell(row=ws.max_row, column=1).value == "合计"
    assert money(ws.cell(row=ws.max_row, column=header.index("月发放金额(元)") + 1).value) \
        == towns[0].batch_totals["dibao_rural"]


def test_two_townships_add_up(towns, db, tmp_path):
    results = add_packages([towns[0].plain, towns[1].encrypted], password=PASSWORD)
    assert all(r.ok for r in results), [r.message for r in results]
    assert [p.township for p in loaded_packages(MONTH)] == ["白鹤镇", "茶店镇"]  # by name
    rows = report_sheet(district_report(MONTH, tmp_path / "r.xlsx"))
    totals = {r["代码"]: r for r in rows if r["乡镇"] == "合计"}
    a, b = ({f.code: f for f in t.figures} for t in towns)
    for code in a:
        assert totals[code]["户数"] == a[code].households + b[code].households
        assert totals[code]["人数"] == a[code].persons + b[code].persons
        assert money(totals[code]["本月发放金额(元)"]) == a[code].amount_month + b[code].amount_month
        assert money(totals[code]["本年累计金额(元)"]) == a[code].amount_year + b[code].amount_year
        if code in MONTHLY:
            assert changes(totals[code]) == (a[code].added + b[code].added,
                                             a[code].removed + b[code].removed)
        else:
            assert changes(totals[code]) == (None, None)
    grand = sum((f.amount_month for t in towns for f in t.figures), D(0))
    assert money(totals["total"]["本月发放金额(元)"]) == grand
    assert {r["乡镇"] for r in rows} == {"茶店镇", "白鹤镇", "合计"}


def test_the_same_person_in_two_townships_is_listed(towns, db, tmp_path, copy_of):
    add_packages([towns[0].plain, towns[1].plain])
    one = DistrictRosterLine.select().join(DistrictPackage).where(DistrictPackage.township == "茶店镇").first()
    other = DistrictRosterLine.select().join(DistrictPackage).where(DistrictPackage.township == "白鹤镇").first()
    DistrictRosterLine.update(id_number=one.id_number).where(DistrictRosterLine.id == other.id).execute()
    ws = openpyxl.load_workbook(district_report(MONTH, tmp_path / "r.xlsx"))["跨乡镇重复"]
    found = [row for row in ws.iter_rows(min_row=3, values_only=True)]
    assert {row[2] for row in found} == {"茶店镇", "白鹤镇"} and {row[0] for row in found} == {one.id_number}


# --- refusals -----------------------------------------------------------------------------

def test_a_tampered_file_is_refused_naming_the_file(towns, db, copy_of):
    pkg = copy_of(towns[0].plain)
    target = pkg / "高龄津贴花名册.xlsx"
    data = bytearray(target.read_bytes())
    data[-30] ^= 0x01
    target.write_bytes(bytes(data))
    [result] = add_packages([pkg])
    assert not result.ok
    assert "民政报送_茶店镇_2026-06" in result.message and "校验失败" in result.message
    assert "高龄津贴花名册.xlsx" in result.message
    assert DistrictPackage.select().count() == 0 and DistrictRosterLine.select().count() == 0


def test_a_changed_figure_with_a_matching_checksum_is_still_refused(towns, db, copy_of):
    """Someone edits 民政月报.xlsx and fixes its SHA-256 in the manifest: figures_sha256 catches it."""
    pkg = copy_of(towns[0].plain)
    wb = openpyxl.load_workbook(pkg / "民政月报.xlsx")
    wb.active["D3"] = 1.0
    wb.save(pkg / "民政月报.xlsx")
    manifest = json.loads((pkg / "manifest.json").read_text("utf-8"))
    data = (pkg / "民政月报.xlsx").read_bytes()
    import hashlib
    manifest["files"][0].update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
    (pkg / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    with pytest.raises(ValidationError, match="校验失败.*民政月报.xlsx"):
        read_package(pkg)


@pytest.mark.parametrize("damage, reason", [
    (lambda p: (p / "特困人员供养花名册.xlsx").unlink(), "缺少文件“特困人员供养花名册.xlsx”"),
    (lambda p: (p / "manifest.json").unlink(), "缺少文件“manifest.json”"),
    (lambda p: (p / "manifest.json").write_text("{not json", "utf-8"), "清单格式不对"),
    (lambda p: _edit_manifest(p, format=2), "清单格式不对：不支持的格式版本"),
    (lambda p: _edit_manifest(p, month="2026-13"), "清单格式不对：月份不对"),
    (lambda p: _edit_file_entry(p, name="../民政月报.xlsx"), "清单格式不对：文件名"),
    (lambda p: _edit_file_entry(p, encrypted=True), "加密标记"),
])
def test_broken_packages_are_refused_by_name(towns, db, copy_of, damage, reason):
    pkg = copy_of(towns[0].plain)
    damage(pkg)
    [result] = add_packages([pkg])
    assert not result.ok and result.message.startswith("报送包“民政报送_茶店镇_2026-06”")
    assert reason in result.message
    assert DistrictPackage.select().count() == 0


def _edit_manifest(pkg: Path, **changes) -> None:
    manifest = json.loads((pkg / "manifest.json").read_text("utf-8"))
    manifest.update(changes)
    (pkg / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")


def _edit_file_entry(pkg: Path, **changes) -> None:
    manifest = json.loads((pkg / "manifest.json").read_text("utf-8"))
    manifest["files"][0].update(changes)
    (pkg / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")


def test_one_bad_package_does_not_stop_the_others(towns, db, copy_of):
    bad = copy_of(towns[1].plain)
    (bad / "民政月报.xlsx").write_bytes(b"PK\x03\x04 nonsense")
    results = add_packages([towns[0].plain, bad, bad.parent / "不存在"])
    assert [r.ok for r in results] == [True, False, False]
    assert "不存在" in results[2].message
    assert [p.township for p in loaded_packages()] == ["茶店镇"]


def test_a_package_loaded_twice_is_refused_unless_replaced(towns, db, tmp_path):
    assert add_packages([towns[0].plain])[0].ok
    [again] = add_packages([towns[0].plain])
    assert not again.ok and "已于" in again.message and "替换" in again.message
    [replaced] = add_packages([towns[0].encrypted], password=PASSWORD, replace=True)
    assert replaced.ok and replaced.replaced
    rows = list(DistrictPackage.select().order_by(DistrictPackage.id))
    assert [(r.active, r.encrypted) for r in rows] == [(False, False), (True, True)]
    assert rows[0].replaced_by_id == rows[1].id  # kept, not deleted
    assert DistrictFigure.select().count() == 2 * len(towns[0].figures)
    assert [p.id for p in loaded_packages()] == [rows[1].id]
    actions = [a.action for a in AuditLog.select().where(AuditLog.entity == "district_package")]
    assert actions == ["载入报送包", "替换报送包"]
    rows = report_sheet(district_report(MONTH, tmp_path / "r.xlsx"))  # the replaced load not counted
    totals = {r["代码"]: r for r in rows if r["乡镇"] == "合计"}
    assert [r["乡镇"] for r in rows].count("茶店镇") == len(towns[0].figures)
    assert [(totals[f.code]["户数"], *changes(totals[f.code])) for f in towns[0].figures] \
        == [(f.households, f.added, f.removed) for f in towns[0].figures]


def test_a_report_without_packages_is_refused(db, tmp_path):
    with pytest.raises(ValidationError, match="还没有载入2026年6月的报送包"):
        district_report(MONTH, tmp_path / "r.xlsx")
    assert not (tmp_path / "r.xlsx").exists()


# --- encryption ---------------------------------------------------------------------------

def test_an_encrypted_package_is_really_encrypted(towns):
    pkg = towns[0].encrypted
    manifest_text = (pkg / "manifest.json").read_text("utf-8")
    manifest = json.loads(manifest_text)
    assert manifest["encrypted"] is True and manifest["township"] == "茶店镇"
    names = [f["name"] for f in manifest["files"]]
    assert "民政月报.xlsx" in names and len(names) == 1 + len(MONTHLY)
    for name in names:
        data = (pkg / name).read_bytes()
        assert data[:8] == OLE_SIGNATURE == bytes.fromhex("D0CF11E0A1B11AE1")
        assert not zipfile.is_zipfile(pkg / name)
        with pytest.raises(Exception):
            openpyxl.load_workbook(pkg / name)
    # what Excel and WPS look for: ECMA-376 agile encryption (version 4.4), AES-256
    ole = olefile.OleFileIO(pkg / "民政月报.xlsx")
    assert ["EncryptedPackage"] in ole.listdir() and ["EncryptionInfo"] in ole.listdir()
    info = ole.openstream("EncryptionInfo").read()
    ole.close()
    assert info[:4] == bytes([4, 0, 4, 0])
    assert b'cipherAlgorithm="AES"' in info and b'keyBits="256"' in info
    # the manifest holds no personal data
    for name, id_number, _, _ in towns[0].rosters["dibao_rural"]:
        assert id_number not in manifest_text and name not in manifest_text


def test_an_encrypted_package_reads_only_with_its_password(towns, db):
    pkg = towns[0].encrypted
    with pytest.raises(WrongPassword, match="已加密，请输入密码"):
        read_package(pkg)
    with pytest.raises(WrongPassword, match="密码错误"):
        read_package(pkg, "wrong-password")
    [refused] = add_packages([pkg], password="wrong-password")
    assert not refused.ok and refused.message == "报送包“民政报送_茶店镇_2026-06”密码错误"
    package = read_package(pkg, PASSWORD)
    assert package.encrypted and package.figures == towns[0].figures
    assert package.rosters == read_package(towns[0].plain).rosters
    assert add_packages([pkg], password=PASSWORD)[0].ok


def test_a_short_password_is_refused(towns, tmp_path):
    dbmod.open_database(towns[0].db_file)
    try:
        with pytest.raises(ValidationError, match="至少 6 位"):
            export_package(tmp_path, month=MONTH, password="12345")
        with pytest.raises(ValidationError, match="不能为空"):
            export_package(tmp_path, month=MONTH, password="")
    finally:
        dbmod.close_database()
    assert list(tmp_path.iterdir()) == []


# --- whole or not at all ------------------------------------------------------------------

@pytest.fixture
def township_db(towns, tmp_path):
    path = tmp_path / "town.sqlite3"
    shutil.copyfile(towns[0].db_file, path)
    database = dbmod.open_database(path)
    yield database
    dbmod.close_database()


def test_an_existing_package_is_refused_unless_overwrite(township_db, tmp_path):
    out = tmp_path / "usb"
    out.mkdir()
    first = export_package(out, month=MONTH)
    assert first.path == out / package_name("茶店镇", MONTH)
    with pytest.raises(ConflictError, match="已存在"):
        export_package(out, month=MONTH)
    (first.path / "stray.txt").write_text("x")
    second = export_package(out, month=MONTH, overwrite=True, password=PASSWORD)
    assert second.path == first.path and not (second.path / "stray.txt").exists()
    assert [p.name for p in out.iterdir()] == [first.path.name]  # nothing left aside
    assert read_package(second.path, PASSWORD).figures == figures(MONTH)


def test_a_full_drive_leaves_no_package_and_says_why(township_db, tmp_path, monkeypatch):
    out = tmp_path / "usb"
    out.mkdir()
    real, calls = package_mod._write_file, []

    def write(path, data):
        calls.append(path.name)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data)

    monkeypatch.setattr(package_mod, "_write_file", write)
    with pytest.raises(DomainError, match="磁盘空间已满") as caught:
        export_package(out, month=MONTH)
    assert "报送包没有保存" in str(caught.value)
    assert list(out.iterdir()) == []  # neither the package nor its temporary folder


def test_a_removed_drive_at_the_rename_leaves_no_package(township_db, tmp_path, monkeypatch):
    out = tmp_path / "usb"
    out.mkdir()
    old = export_package(out, month=MONTH).path
    before = sorted(p.name for p in old.iterdir())

    def replace(src, dst):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(DomainError, match="U盘是否已拔出"):
        export_package(out, month=MONTH, overwrite=True)
    assert [p.name for p in out.iterdir()] == [old.name]  # the previous package is untouched
    assert sorted(p.name for p in old.iterdir()) == before
    monkeypatch.undo()
    shutil.rmtree(old)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(DomainError, match="U盘是否已拔出"):
        export_package(out, month=MONTH)
    assert list(out.iterdir()) == []


def test_a_cancel_leaves_nothing(township_db, tmp_path):
    class Stop(Exception):
        pass

    seen = []

    def progress(done, total, label):
        seen.append((done, total, label))
        if len(seen) == 3:
            raise Stop

    out = tmp_path / "usb"
    out.mkdir()
    with pytest.raises(Stop):
        export_package(out, month=MONTH, progress=progress)
    assert list(out.iterdir()) == []


def test_export_records_an_audit_entry_without_personal_data(township_db, tmp_path):
    out = tmp_path / "usb"
    out.mkdir()
    export_package(out, month=MONTH, password=PASSWORD)
    entry = AuditLog.select().where(AuditLog.action == "生成报送包").order_by(AuditLog.id.desc()).get()
    assert "民政报送_茶店镇_2026-06" in entry.summary and "已加密" in entry.summary


# --- command line -------------------------------------------------------------------------

def run(capsys, *argv):
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def test_command_line_export_add_report(towns, tmp_path, capsys):
    town_db = tmp_path / "town.sqlite3"
    shutil.copyfile(towns[0].db_file, town_db)
    usb, district_db = tmp_path / "usb", tmp_path / "district.sqlite3"
    usb.mkdir()
    code, out, err = run(capsys, "--db", town_db, "export", "--out", usb, "--month", MONTH,
                         "--password", PASSWORD)
    assert code == 0 and "已生成报送包" in out and "7 个文件，已加密" in out, err
    pkg = usb / package_name("茶店镇", MONTH)
    code, out, err = run(capsys, "--db", district_db, "district", "add", pkg)
    assert code == 2 and err.strip() == "错误：报送包“民政报送_茶店镇_2026-06”已加密，请输入密码"
    code, out, err = run(capsys, "--db", district_db, "district", "add", pkg, "--password", PASSWORD)
    assert code == 0 and "已载入茶店镇2026年6月的报送包" in out
    code, out, err = run(capsys, "--db", district_db, "district", "add", pkg, "--password", PASSWORD)
    assert code == 2 and "已于" in err and err.count("\n") == 1
    code, out, err = run(capsys, "--db", district_db, "district", "add", pkg, "--password", PASSWORD,
                         "--replace")
    assert code == 0 and "已替换" in out
    report = tmp_path / "汇总.xlsx"
    code, out, err = run(capsys, "--db", district_db, "district", "report", "--month", MONTH,
                         "--out", report)
    assert code == 0 and report.exists() and "1 个乡镇" in out
    assert [r["乡镇"] for r in report_sheet(report)].count("茶店镇") == len(towns[0].figures)
    code, out, err = run(capsys, "--db", district_db, "district", "list")
    assert code == 0 and "2026-06  茶店镇" in out and "共 1 个报送包" in out
    code, out, err = run(capsys, "--db", town_db, "export", "--out", usb, "--month", MONTH)
    assert code == 2 and "已存在" in err and err.count("\n") == 1
    code, out, err = run(capsys, "--db", district_db, "district", "report", "--month", "2026-05",
                         "--out", report)
    assert code == 2 and err.strip() == "错误：还没有载入2026年5月的报送包"


# --- 本月新增 / 本月减少 ---------------------------------------------------------------------

def _paid_ids(code: str, month: str) -> set[int]:
    from mzdesk.payments import month_roll
    return {r.enrollment_id for r in month_roll.roll(code, month) if not r.reason}


def test_added_and_removed_are_the_change_between_last_months_roll_and_this_ones(june):
    from mzdesk.district.figures_sheet import roll_changes
    from mzdesk.models import Enrollment
    from mzdesk.services import deaths, enrollments, persons

    from .people import new_id

    before = {r.code: r for r in figures(MONTH)}
    # June: a new 特困 person from June, a 低保 household stopped after May, a 优抚 death in May.
    newcomer = persons.register_person(new_id(dt.date(1950, 3, 2)), "严新来", bank_name="农商银行",
                                       bank_account="6230520000001234")
    joined = enrollments.enroll("tekun", newcomer.id, start_month=MONTH, category="散居",
                                details={"care_level": "全自理"})
    stopped = (Enrollment.select().where((Enrollment.programme == "dibao_rural")
                                         & (Enrollment.status == "在保")).order_by(Enrollment.id).first())
    enrollments.stop(stopped.id, month="2026-05", reason="收入超标")
    dead = (Enrollment.select().where((Enrollment.programme == "youfu") & (Enrollment.status == "在保"))
            .order_by(Enrollment.id).first())
    deaths.register_death(dead.person_id, dt.date(2026, 5, 20))

    rows = {r.code: r for r in figures(MONTH)}
    assert rows["tekun"].added == before["tekun"].added + 1
    assert rows["dibao_rural"].removed == before["dibao_rural"].removed + 1
    assert rows["youfu"].removed == before["youfu"].removed + 1
    assert joined.id in roll_changes("tekun", MONTH)[0]
    assert stopped.id in roll_changes("dibao_rural", MONTH)[1]
    assert dead.id in roll_changes("youfu", MONTH)[1]
    for code in MONTHLY:  # last month's roster + 新增 − 减少 is this month's, line for line
        added, removed = roll_changes(code, MONTH)
        assert (rows[code].added, rows[code].removed) == (len(added), len(removed))
        assert (_paid_ids(code, "2026-05") | set(added)) - set(removed) == _paid_ids(code, MONTH)
    for code in ("oneoff", "relief_temp", "relief_medical"):  # not a monthly roll: left blank
        assert (rows[code].added, rows[code].removed) == (None, None)


def test_the_sheet_carries_added_and_removed_and_reads_them_back(towns):
    town = towns[0]
    wb = openpyxl.load_workbook(town.plain / "民政月报.xlsx")
    cells = list(wb.active.iter_rows(values_only=True))
    header = list(cells[1])
    assert header[:7] == ["项目", "户数", "人数", "本月发放金额(元)", "本年累计金额(元)", "本月新增", "本月减少"]
    by_code = {row[header.index("代码")]: row for row in cells[2:]}
    for f in town.figures:
        row = by_code[f.code]
        assert (row[5], row[6]) == (f.added, f.removed)
        assert (f.added is None) == (f.code not in MONTHLY)
    assert read_package(town.plain).figures == town.figures


def _old_digest(rows) -> str:
    """figures_sha256 as packages written before 本月新增 / 本月减少 have it."""
    import hashlib
    canonical = [[r.code, r.name, r.households, r.persons, str(r.amount_month), str(r.amount_year)]
                 for r in rows]
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False, separators=(",", ":"))
                          .encode("utf-8")).hexdigest()


def _rewrite_figures_file(pkg: Path, wb, **manifest_changes) -> None:
    import hashlib
    wb.save(pkg / "民政月报.xlsx")
    data = (pkg / "民政月报.xlsx").read_bytes()
    manifest = json.loads((pkg / "manifest.json").read_text("utf-8"))
    manifest["files"][0].update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
    manifest.update(manifest_changes)
    (pkg / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")


def test_a_package_written_before_added_and_removed_existed_still_loads(towns, db, copy_of,
                                                                       tmp_path):
    town = towns[0]
    pkg = copy_of(town.plain)
    wb = openpyxl.load_workbook(pkg / "民政月报.xlsx")
    wb.active.delete_cols(6, 2)  # the old layout: 项目 … 本年累计金额(元), 说明, 代码
    assert [c.value for c in wb.active[2]] == ["项目", "户数", "人数", "本月发放金额(元)",
                                               "本年累计金额(元)", "说明", "代码"]
    _rewrite_figures_file(pkg, wb, figures_sha256=_old_digest(town.figures))
    package = read_package(pkg)
    assert [(f.code, f.households, f.persons, f.amount_month, f.amount_year, f.added, f.removed)
            for f in package.figures] == [
        (f.code, f.households, f.persons, f.amount_month, f.amount_year, None, None)
        for f in town.figures]
    assert add_packages([pkg])[0].ok
    assert DistrictFigure.select().count() == len(town.figures)
    assert DistrictFigure.select().where(DistrictFigure.added.is_null(False)
                                         | DistrictFigure.removed.is_null(False)).count() == 0
    out = district_report(MONTH, tmp_path / "r.xlsx")
    rows = report_sheet(out)
    assert {changes(r) for r in rows} == {(None, None)}  # blank, not 0, 合计 included
    assert [r["户数"] for r in rows if r["乡镇"] == "茶店镇"] == [f.households for f in town.figures]
    assert report_note(out).startswith("注：茶店镇的报送包没有本月新增、本月减少")


def test_a_changed_added_figure_with_a_matching_file_checksum_is_refused(towns, db, copy_of):
    pkg = copy_of(towns[0].plain)
    wb = openpyxl.load_workbook(pkg / "民政月报.xlsx")
    assert wb.active["F2"].value == "本月新增"
    wb.active["F3"] = (wb.active["F3"].value or 0) + 1
    _rewrite_figures_file(pkg, wb)
    with pytest.raises(ValidationError, match="校验失败.*民政月报.xlsx"):
        read_package(pkg)


def test_known_additions_and_removals_come_back_from_the_district_and_add_up(june, towns, tmp_path,
                                                                            capsys):
    """茶店镇 with June's changes made through the services, its figures computed by the
    township's own monthly report (figures_sheet.figures / roll_changes) → export → district
    add (with 白鹤镇) → district report: the township's 新增/减少 come back exactly, 合计 adds up."""
    from mzdesk.district.figures_sheet import roll_changes
    from mzdesk.models import Enrollment
    from mzdesk.services import deaths, enrollments, persons

    from .people import new_id

    settings.set_setting("township", "茶店镇")
    before = {r.code: r for r in figures(MONTH)}
    for i, name in enumerate(["严新来", "严新到"]):  # two new 特困 persons from June
        newcomer = persons.register_person(new_id(dt.date(1950, 3, 2 + i)), name, bank_name="农商银行",
                                           bank_account=f"62305200000012{34 + i}")
        enrollments.enroll("tekun", newcomer.id, start_month=MONTH, category="散居",
                           details={"care_level": "全自理"})
    for stopped in (Enrollment.select().where((Enrollment.programme == "dibao_rural")
                                              & (Enrollment.status == "在保"))
                    .order_by(Enrollment.id).limit(2)):  # two 低保 households stopped after May
        enrollments.stop(stopped.id, month="2026-05", reason="收入超标")
    dead = (Enrollment.select().where((Enrollment.programme == "youfu") & (Enrollment.status == "在保"))
            .order_by(Enrollment.id).first())
    deaths.register_death(dead.person_id, dt.date(2026, 5, 20))  # a 优抚 death in May
    for code in MONTHLY:
        batches.approve(batches.create_regular(code, MONTH).id)

    mine = {r.code: r for r in figures(MONTH)}
    assert (mine["tekun"].added, mine["dibao_rural"].removed, mine["youfu"].removed) == (
        before["tekun"].added + 2, before["dibao_rural"].removed + 2, before["youfu"].removed + 1)
    for code in MONTHLY:
        assert (mine[code].added, mine[code].removed) == tuple(map(len, roll_changes(code, MONTH)))
    usb = tmp_path / "usb"
    usb.mkdir()
    pkg = export_package(usb, month=MONTH).path
    dbmod.close_database()

    district_db, report = tmp_path / "district.sqlite3", tmp_path / "汇总.xlsx"
    code, out, err = run(capsys, "--db", district_db, "district", "add", pkg, towns[1].plain)
    assert code == 0 and out.count("已载入") == 2, err
    code, out, err = run(capsys, "--db", district_db, "district", "report", "--month", MONTH,
                         "--out", report)
    assert code == 0 and "2 个乡镇" in out, err
    rows = report_sheet(report)
    assert {r["代码"]: changes(r) for r in rows if r["乡镇"] == "茶店镇"} \
        == {c: (f.added, f.removed) for c, f in mine.items()}
    other = {f.code: f for f in towns[1].figures}
    assert {r["代码"]: changes(r) for r in rows if r["乡镇"] == "白鹤镇"} \
        == {c: (f.added, f.removed) for c, f in other.items()}
    totals = {r["代码"]: r for r in rows if r["乡镇"] == "合计"}
    for c in MONTHLY:
        assert changes(totals[c]) == (mine[c].added + other[c].added, mine[c].removed + other[c].removed)
        assert totals[c]["人数"] == mine[c].persons + other[c].persons
    for c in ("oneoff", "relief_temp", "relief_medical", "total"):
        assert changes(totals[c]) == (None, None)
    assert report_note(report) == ""


def test_a_district_database_from_before_the_changes_is_upgraded_and_shows_them_blank(towns, tmp_path,
                                                                                      capsys):
    """A district database of schema 5 holding 白鹤镇, loaded the way add_packages wrote it
    then (no 本月新增 / 本月减少), is upgraded on open: 白鹤镇 shows blank, not 0, and so do the
    合计 of the changes (a sum without 白鹤镇 is not the district's); loading 白鹤镇 again with
    replace fills them in."""
    import peewee as pw

    from mzdesk import migrations
    from mzdesk.models import database as proxy

    path = tmp_path / "district.sqlite3"
    old = pw.SqliteDatabase(str(path), pragmas=dbmod.PRAGMAS)
    dbmod.migrate(old, 0, 5)
    proxy.initialize(old)
    package = read_package(towns[1].plain)
    with old.atomic():
        row = DistrictPackage.create(township=package.township, district=package.district,
                                     month=package.month, created_at=package.created_at,
                                     source=package.name, manifest=package.manifest)
        DistrictFigure.insert_many(
            [{"package": row.id, "position": i, "code": f.code, "name": f.name,
              "households": f.households, "persons": f.persons, "amount_month": f.amount_month,
              "amount_year": f.amount_year, "note": f.note}
             for i, f in enumerate(package.figures)]).execute()
    old.close()

    database = dbmod.open_database(path)
    try:
        assert dbmod.schema_version(database) == migrations.LATEST
        assert len(list(tmp_path.glob("district.v5-*.bak"))) == 1  # kept as it was, beside it
        assert database.execute_sql("SELECT COUNT(*) FROM district_figure WHERE added IS NULL"
                                    " AND removed IS NULL").fetchone() == (len(package.figures),)
        assert add_packages([towns[0].plain])[0].ok
        out = district_report(MONTH, tmp_path / "r.xlsx")
        rows = report_sheet(out)
        assert {changes(r) for r in rows if r["乡镇"] == "白鹤镇"} == {(None, None)}
        a, b = ({f.code: f for f in t.figures} for t in towns)
        assert {r["代码"]: changes(r) for r in rows if r["乡镇"] == "茶店镇"} \
            == {c: (f.added, f.removed) for c, f in a.items()}
        totals = {r["代码"]: r for r in rows if r["乡镇"] == "合计"}
        assert {changes(r) for r in totals.values()} == {(None, None)}
        assert all(totals[c]["户数"] == a[c].households + b[c].households for c in MONTHLY)
        assert report_note(out).startswith("注：白鹤镇的报送包没有本月新增、本月减少")
    finally:
        dbmod.close_database()
    code, out, err = run(capsys, "--db", path, "district", "report", "--month", MONTH,
                         "--out", tmp_path / "cli.xlsx")
    assert code == 0 and "注：白鹤镇的报送包没有本月新增、本月减少" in out, err
    assert report_sheet(tmp_path / "cli.xlsx") == rows

    database = dbmod.open_database(path)
    try:
        assert add_packages([towns[1].plain], replace=True)[0].replaced
        out = district_report(MONTH, tmp_path / "r2.xlsx")
        totals = {r["代码"]: r for r in report_sheet(out) if r["乡镇"] == "合计"}
        for c in MONTHLY:
            assert changes(totals[c]) == (a[c].added + b[c].added, a[c].removed + b[c].removed)
        assert report_note(out) == ""
    finally:
        dbmod.close_database()
    code, out, err = run(capsys, "--db", path, "district", "report", "--month", MONTH,
                         "--out", tmp_path / "cli.xlsx")
    assert code == 0 and "注" not in out, err


def test_the_same_package_added_twice_counts_once(towns, db, tmp_path):
    """In one `district add`, or again under another folder name: refused (same township and
    month), so the report adds the township up once."""
    renamed = tmp_path / "另一个名字"
    shutil.copytree(towns[0].plain, renamed)
    results = add_packages([towns[0].plain, towns[0].plain, renamed])
    assert [r.ok for r in results] == [True, False, False]
    assert all("已于" in r.message for r in results[1:])
    assert DistrictPackage.select().count() == 1
    assert DistrictFigure.select().count() == len(towns[0].figures)
    rows = report_sheet(district_report(MONTH, tmp_path / "r.xlsx"))
    assert [r["乡镇"] for r in rows].count("茶店镇") == len(towns[0].figures)
    totals = {r["代码"]: r for r in rows if r["乡镇"] == "合计"}
    for f in towns[0].figures:
        t = totals[f.code]
        assert (t["户数"], t["人数"], money(t["本月发放金额(元)"]), money(t["本年累计金额(元)"]),
                *changes(t)) == (f.households, f.persons, f.amount_month, f.amount_year,
                                 f.added, f.removed)
